#!/usr/bin/env bash
# The whole test suite, on SQLite and then on a real PostgreSQL started here.
# Extra arguments go to pytest (e.g. scripts/test.sh -k import).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
scripts/ensure-system-deps.sh

export SAFERLEEDS_ENV=test
unset DATABASE_URL
rc=0
# Each run's data directory lives under one folder, removed (with the PostgreSQL cluster,
# once started) however the script ends: nothing is left behind in the temporary directory.
data_root="$(mktemp -d "${TMPDIR:-/tmp}/saferleeds-test.XXXXXX")"
SL_PG_DIR=""
cleanup() {
  if [ -n "$SL_PG_DIR" ]; then scripts/pg.sh stop "$SL_PG_DIR" || true; fi
  rm -rf "$data_root"
}
trap cleanup EXIT
run() {  # a fresh data directory per run, so runs never see each other's files
  local label="$1"; shift
  echo "=== saferleeds test suite on $label ==="
  SAFERLEEDS_DATA_DIR="$(mktemp -d "$data_root/run.XXXXXX")" "$BIN/pytest" "$@" || rc=$?
}
if [ "$#" -eq 0 ]; then  # the whole suite also checks what `make lint` promises
  echo "=== lint: ruff check, ruff format --check, mypy, lint-imports ==="
  "$BIN/ruff" check src tests bench || rc=$?
  "$BIN/ruff" format --check src tests bench || rc=$?
  "$BIN/mypy" || rc=$?
  "$BIN/lint-imports" || rc=$?  # the import rules: [tool.importlinter] in pyproject.toml
fi
run SQLite "$@"
eval "$(scripts/pg.sh start)"
# On PostgreSQL, the tests that reach Django's database (in the test or in a process it
# starts); the others run the same code on either and ran above. What reaches the
# database is checked in every run (tests/conftest.py), so none is left out by mistake.
DATABASE_URL="$DATABASE_URL" SAFERLEEDS_TEST_RUN=database \
  run "PostgreSQL ($DATABASE_URL): the tests that use the database" "$@"
echo "=== SQLite and PostgreSQL runs finished: exit $rc ==="
exit "$rc"
