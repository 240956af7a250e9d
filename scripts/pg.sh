#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on a loopback port, for the test suite.
#   eval "$(scripts/pg.sh start)"   -> exports DATABASE_URL and SL_PG_DIR
#   scripts/pg.sh stop "$SL_PG_DIR"
# Optional, for fault tests: SL_PG_ROOT=DIR puts the cluster in DIR (a small file
# system, say) instead of /tmp; SL_PG_INITDB_OPTS adds initdb options (--wal-segsize=1).
set -euo pipefail
cmd="${1:-}"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -n "$PGBIN" ] || { echo "PostgreSQL server binaries not found" >&2; exit 1; }
as_pg() {
  # PostgreSQL refuses to run as root: use the postgres account Debian's package creates.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    dir="$(mktemp -d "${SL_PG_ROOT:-/tmp}/saferleeds-pg.XXXXXX")"
    [ "$(id -u)" -ne 0 ] || chown postgres "$dir"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    # SL_PG_INITDB_OPTS unquoted on purpose: several options, split on spaces.
    as_pg "$PGBIN/initdb" -D "$dir/data" -A trust -U saferleeds --no-sync -E UTF8 ${SL_PG_INITDB_OPTS:-} >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # Durability is pointless for a throw-away test cluster; turning it off saves minutes.
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U saferleeds saferleeds
    echo "export SL_PG_DIR='$dir' DATABASE_URL='postgres://saferleeds@127.0.0.1:$port/saferleeds'"
    ;;
  stop)
    dir="${2:?usage: pg.sh stop DIR}"
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: pg.sh start | stop DIR" >&2; exit 2 ;;
esac
