"""Backup and restore of one instance: database, analytics store, documents, audit head.

A backup is a directory::

    manifest.json          what is in it: checksums, row counts, the audit chain head
    database.sqlite3       SQLite: a copy made with SQLite's online backup API
    database.pgdump        PostgreSQL: pg_dump's custom format, taken in one snapshot
    analytics.duckdb       the analytics store, copied while no import can write it
    analytics.duckdb.police/<YYYY-MM>/<id>.parquet
                           the store's police.uk records, one file per month and force: those the
                           copied version names
    documents/<name>       the case documents the database refers to

Everything is read from one consistent view of the database: on PostgreSQL the row
counts, the audit head and the document list come from the very snapshot pg_dump dumps
(``pg_export_snapshot``); on SQLite from the backup copy itself. Documents are copied
after that view is taken, so every document row in the backup has its bytes.

``restore`` checks every file against the manifest before it touches anything, then
refuses any target that already holds data, and after restoring compares the row counts,
the per-table digests and the audit chain with the manifest.

Secrets (``SAFERLEEDS_SECRET_KEY``, ``SAFERLEEDS_PSEUDONYM_KEY``) are never in a backup:
they belong in the operator's secret store, not beside the data they protect.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from saferleeds import __version__, config

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
STORE_FILE = "analytics.duckdb"
DOCUMENTS = "documents"
DOCUMENT_TABLE = "safeguarding_casedocument"
HEAD_TABLE = "audit_chainhead"
ENTRY_TABLE = "audit_auditentry"
_CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A backup could not be made, or a restore was refused; the message says why."""


@dataclass
class Inventory:
    """What a database holds: rows and a content digest per table, and the audit head."""

    tables: dict[str, dict[str, Any]]
    head: dict[str, Any]
    documents: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class BackupResult:
    """A finished backup: where it is, its manifest and the manifest's own checksum."""

    path: Path
    manifest: dict[str, Any]
    manifest_sha256: str


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _value(v: Any) -> Any:
    # memoryview's repr holds an address: hash its bytes instead.
    return bytes(v) if isinstance(v, memoryview) else v


def _digest_rows(rows: Iterator[tuple[Any, ...]]) -> tuple[int, str]:
    h = hashlib.sha256()
    n = 0
    for row in rows:
        h.update(repr(tuple(_value(v) for v in row)).encode("utf-8"))
        h.update(b"\n")
        n += 1
    return n, h.hexdigest()


# --- the database ---------------------------------------------------------------------


def _engine() -> str:
    from django.db import connection

    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def _read_only_uri(path: Path) -> str:
    """A read-only SQLite URI for ``path`` (percent-encoded: spaces, ``?`` and ``#``)."""
    return path.resolve().as_uri() + "?mode=ro"


def _sqlite_inventory(path: Path) -> Inventory:
    """Counts and digests read with plain sqlite3 (no Django type converters), so a
    backup and its restore are read identically."""
    con = sqlite3.connect(_read_only_uri(path), uri=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        tables: dict[str, dict[str, Any]] = {}
        for name in names:
            # The backup API copies pages, so rowids (and their order) survive.
            cur = con.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
            rows, digest = _digest_rows(iter(cur))
            tables[name] = {"rows": rows, "digest": digest}
        head: dict[str, Any] = {"seq": 0, "hash": "0" * 64}
        docs: list[tuple[str, str]] = []
        if HEAD_TABLE in tables:
            row = con.execute(
                f"SELECT seq, hash FROM {HEAD_TABLE} WHERE id = 1"
            ).fetchone()
            if row:
                head = {"seq": row[0], "hash": row[1]}
        if DOCUMENT_TABLE in tables:
            docs = list(
                con.execute(
                    f"SELECT stored_name, sha256 FROM {DOCUMENT_TABLE} ORDER BY id"
                )
            )
        head["entries"] = tables.get(ENTRY_TABLE, {}).get("rows", 0)
        return Inventory(tables, head, docs)
    finally:
        con.close()


def _fetched(cursor: Any) -> Iterator[tuple[Any, ...]]:
    while rows := cursor.fetchmany(5000):
        yield from rows


def _pg_inventory(cursor: Any, tables: list[str]) -> Inventory:
    """Counts and digests through a PostgreSQL cursor, in whatever snapshot it sees."""
    from django.db import connection

    result: dict[str, dict[str, Any]] = {}
    for name in sorted(tables):
        keys = connection.introspection.get_primary_key_columns(cursor, name)
        # The primary key orders rows the same way in the backup and the restore.
        order = ", ".join(f'"{k}"' for k in keys or []) or "1"
        cursor.execute(f'SELECT * FROM "{name}" ORDER BY {order}')
        rows, digest = _digest_rows(_fetched(cursor))
        result[name] = {"rows": rows, "digest": digest}
    head: dict[str, Any] = {"seq": 0, "hash": "0" * 64}
    docs: list[tuple[str, str]] = []
    if HEAD_TABLE in result:
        cursor.execute(f"SELECT seq, hash FROM {HEAD_TABLE} WHERE id = 1")
        row = cursor.fetchone()
        if row:
            head = {"seq": row[0], "hash": row[1]}
    if DOCUMENT_TABLE in result:
        cursor.execute(f"SELECT stored_name, sha256 FROM {DOCUMENT_TABLE} ORDER BY id")
        docs = [(r[0], r[1]) for r in cursor.fetchall()]
    head["entries"] = result.get(ENTRY_TABLE, {}).get("rows", 0)
    return Inventory(result, head, docs)


def _pg_env() -> dict[str, str]:
    """libpq's variables for the configured database: the password stays off the
    command line (where ``ps`` would show it)."""
    from django.db import connection

    s = connection.settings_dict
    env = dict(os.environ)
    for var, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if s.get(key):
            env[var] = str(s[key])
    if (s.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = str(s["OPTIONS"]["sslmode"])
    return env


def _pg_tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: from PATH, else Debian's newest server binaries."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if candidates:
        return str(candidates[-1])
    raise BackupError(
        f"{name} was not found: install PostgreSQL's client tools "
        "(apt-get install postgresql-client) matching the server's version"
    )


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    # A fixed tool and arguments we built (no shell); the password is in env only.
    proc = subprocess.run(  # noqa: S603
        cmd, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {' / '.join(detail[-3:]) or 'no output'}")


def _backup_sqlite(dest: Path) -> Inventory:
    from django.db import connection

    source = Path(connection.settings_dict["NAME"])
    if not source.is_file():
        raise BackupError(
            f"there is no database at {source}: check SAFERLEEDS_DATA_DIR and "
            "DATABASE_URL"
        )
    src = sqlite3.connect(_read_only_uri(source), uri=True, timeout=20)
    dst = sqlite3.connect(dest / SQLITE_FILE)
    try:
        # The online backup API: a consistent copy while the service keeps running.
        src.backup(dst)
        # A self-contained file (no -wal beside it) whatever the source's journal mode.
        dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(f"could not copy the database {source}: {exc}") from exc
    finally:
        dst.close()
        src.close()
    return _sqlite_inventory(dest / SQLITE_FILE)


def _backup_postgres(dest: Path) -> Inventory:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        # One snapshot for the dump and for what the manifest says about it.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run(
            [
                _pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={dest / PG_FILE}",
            ],
            _pg_env(),
            "pg_dump",
        )
        tables = connection.introspection.table_names(cursor)
        return _pg_inventory(cursor, tables)


# --- the analytics store ----------------------------------------------------------------


def _store_counts(con: Any) -> dict[str, int]:
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() "
            "WHERE database_name = current_database() ORDER BY table_name"
        ).fetchall()
    ]
    return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def _backup_store(dest: Path, wait: float) -> dict[str, Any] | None:
    path = config.analytics_path()
    if not path.exists():
        return None
    import duckdb

    try:
        return _copy_store(path, dest, wait)
    except duckdb.Error as exc:  # a busy store is StoreBusy, for the caller
        raise BackupError(
            f"the analytics store {path} is unreadable ({exc}); nothing was backed up"
        ) from exc


def _copy_store(path: Path, dest: Path, wait: float) -> dict[str, Any]:
    from saferleeds.analytics.store import open_store, part_entries, parts_dir

    # The version file the reader opened: an import swapping a new version in
    # meanwhile changes neither it nor the counts taken from it, and while the reader
    # holds it no writer deletes the monthly files it names.
    with open_store(path, read_only=True, wait=wait) as store:
        counts = _store_counts(store.con)
        source = store.file or path
        shutil.copyfile(source, dest / STORE_FILE)
        wal = source.with_name(source.name + ".wal")
        if wal.exists():  # a store a crash left un-checkpointed: its log goes too
            shutil.copyfile(wal, dest / (STORE_FILE + ".wal"))
        parts = parts_dir(dest / STORE_FILE)
        for rel, found in part_entries(store):
            (parts / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(found, parts / rel)
    return {"file": STORE_FILE, "tables": counts}


# --- documents --------------------------------------------------------------------------


def _document_root() -> Path:
    from django.conf import settings

    return Path(settings.SAFERLEEDS_DOCUMENT_ROOT)


def _backup_documents(dest: Path, docs: list[tuple[str, str]]) -> dict[str, Any]:
    root = _document_root()
    out = dest / DOCUMENTS
    out.mkdir(mode=0o700)
    missing: list[str] = []
    for stored_name, expected in docs:
        src = root / stored_name
        if not src.is_file():
            missing.append(stored_name)
            continue
        shutil.copyfile(src, out / stored_name)
        if sha256_file(out / stored_name) != expected:
            # Changed on disk since upload: keep the evidence, but say so.
            missing.append(stored_name)
    return {"count": len(docs) - len(missing), "missing_or_changed": missing}


# --- the manifest -----------------------------------------------------------------------


def _file_table(root: Path) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != MANIFEST:
            rel = p.relative_to(root).as_posix()
            files[rel] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
    return files


def backup(dest: Path, *, store_wait: float = 60.0) -> BackupResult:
    """Back the instance up into ``dest``, a new directory.

    Written beside ``dest`` under a temporary name and renamed at the end, so a
    directory named ``dest`` is always a complete backup.

    Args:
        dest: The directory to create; it must not exist, or be empty.
        store_wait: Seconds to wait while an import holds the analytics store.

    Raises:
        BackupError: ``dest`` holds files, a tool failed, or the store stayed busy.
    """
    from saferleeds.analytics.store import StoreBusy

    dest = dest.expanduser().resolve()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} already exists and is not empty: choose a new one")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-", dir=dest.parent))
    try:
        engine = _engine()
        started = datetime.now(UTC)
        inv = _backup_sqlite(work) if engine == "sqlite" else _backup_postgres(work)
        try:
            store = _backup_store(work, store_wait)
        except StoreBusy as exc:
            raise BackupError(
                f"the analytics store stayed in use by an import for {store_wait:g} s; "
                "nothing was backed up: try again when it finishes (--wait SECONDS)"
            ) from exc
        docs = _backup_documents(work, inv.documents)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "saferleeds_version": __version__,
            "created_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "database": {
                "engine": engine,
                "file": SQLITE_FILE if engine == "sqlite" else PG_FILE,
                "tables": inv.tables,
            },
            "store": store,
            "documents": docs,
            "audit_head": inv.head,
            "files": _file_table(work),
        }
        text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        (work / MANIFEST).write_text(text, encoding="utf-8")
        for p in work.rglob("*"):
            p.chmod(0o700 if p.is_dir() else 0o600)
        if dest.exists():
            dest.rmdir()
        work.rename(dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return BackupResult(dest, manifest, hashlib.sha256(text.encode()).hexdigest())


# --- restore ----------------------------------------------------------------------------


def verify_backup(src: Path, expect_manifest: str | None = None) -> dict[str, Any]:
    """Check a backup against its manifest before anything is restored from it.

    Args:
        src: The backup directory.
        expect_manifest: The manifest's SHA-256 as ``backup`` printed it, kept
            elsewhere: catches a manifest rewritten to match altered files.

    Returns:
        The manifest.

    Raises:
        BackupError: Naming the first file missing, altered or not in the manifest.
    """
    mpath = src / MANIFEST
    if not mpath.is_file():
        raise BackupError(f"{src} is not a saferleeds backup: it has no {MANIFEST}")
    raw = mpath.read_bytes()
    if expect_manifest and hashlib.sha256(raw).hexdigest() != expect_manifest.lower():
        raise BackupError(
            "the backup's manifest is not the one recorded when it was made "
            "(its SHA-256 differs from --expect-manifest): refusing to restore"
        )
    try:
        manifest: dict[str, Any] = json.loads(raw)
    except ValueError as exc:
        raise BackupError(f"the backup's {MANIFEST} is not valid JSON: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"backup format {manifest.get('format')!r} is not {FORMAT}: restore it with "
            f"the saferleeds version that made it ({manifest.get('saferleeds_version')})"
        )
    listed: dict[str, dict[str, Any]] = manifest.get("files") or {}
    found = _file_table(src)
    for rel, meta in listed.items():
        if rel not in found:
            raise BackupError(f"the backup is incomplete: {rel} is missing")
        if found[rel]["sha256"] != meta.get("sha256"):
            raise BackupError(
                f"the backup has been altered: {rel} does not match its checksum "
                "in the manifest; refusing to restore"
            )
    extra = sorted(set(found) - set(listed))
    if extra:
        raise BackupError(
            f"the backup has been altered: {extra[0]} is not in the manifest; "
            "refusing to restore"
        )
    return manifest


def _target_problems() -> list[str]:
    """What the configured instance already holds (an empty list: safe to restore)."""
    from django.db import connection

    problems: list[str] = []
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        if path.exists() and path.stat().st_size:
            con = sqlite3.connect(_read_only_uri(path), uri=True)
            try:
                n = con.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type='table' "
                    "AND name NOT LIKE 'sqlite_%'"
                ).fetchone()[0]
            finally:
                con.close()
            if n:
                problems.append(f"the database {path} already has {n} tables")
    else:
        with connection.cursor() as cursor:
            names = connection.introspection.table_names(cursor)
        if names:
            problems.append(
                f"the database {connection.settings_dict['NAME']} already has "
                f"{len(names)} tables"
            )
    store = config.analytics_path()
    if store.exists():
        problems.append(f"the analytics store {store} exists")
    from saferleeds.analytics.store import parts_dir

    if parts_dir(store).is_dir() and any(parts_dir(store).iterdir()):
        problems.append(f"the analytics store's folder {parts_dir(store)} is not empty")
    docs = _document_root()
    if docs.exists() and any(docs.iterdir()):
        problems.append(f"the document folder {docs} is not empty")
    return problems


def _compare(what: str, expected: dict[str, Any], actual: dict[str, Any]) -> None:
    if expected == actual:
        return
    for name in sorted(set(expected) | set(actual)):
        if expected.get(name) != actual.get(name):
            raise BackupError(
                f"after restoring, {what} table {name} is {actual.get(name)} but the "
                f"backup recorded {expected.get(name)}"
            )


def _restore_sqlite(src: Path, manifest: dict[str, Any]) -> None:
    from django.db import connection, connections

    connections.close_all()  # the file is placed under no open connection
    target = Path(connection.settings_dict["NAME"])
    for suffix in ("", "-wal", "-shm"):  # an empty file SQLite made, and its logs
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    tmp = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(src / SQLITE_FILE, tmp)
    _compare("database", manifest["database"]["tables"], _sqlite_inventory(tmp).tables)
    tmp.chmod(0o600)
    os.replace(tmp, target)


def _restore_postgres(src: Path, manifest: dict[str, Any]) -> None:
    from django.db import connection

    connection.close()
    _run(
        [
            _pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}",
            str(src / PG_FILE),
        ],
        _pg_env(),
        "pg_restore",
    )
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        inv = _pg_inventory(cursor, tables)
    _compare("database", manifest["database"]["tables"], inv.tables)


def _restore_store(src: Path, manifest: dict[str, Any]) -> None:
    import duckdb

    if not manifest.get("store"):
        return
    from saferleeds.analytics.store import Store, attach_police_view, parts_dir

    target = config.analytics_path()
    tmp = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(src / STORE_FILE, tmp)
    wal = src / (STORE_FILE + ".wal")
    if wal.exists():
        shutil.copyfile(wal, tmp.with_name(tmp.name + ".wal"))
    # The monthly files go where the restored store looks for them, under the names
    # its versioned file records.
    backed_up = parts_dir(src / STORE_FILE)
    if backed_up.is_dir():
        shutil.copytree(backed_up, parts_dir(target), dirs_exist_ok=True)
    # Writable, so a copied log is replayed and checkpointed into the file.
    con = duckdb.connect(str(tmp))
    try:
        attach_police_view(Store(con, target, tmp))
        counts = _store_counts(con)
    finally:
        con.close()
    try:
        _compare("analytics store", manifest["store"]["tables"], counts)
    except BackupError:
        shutil.rmtree(parts_dir(target), ignore_errors=True)
        raise
    os.replace(tmp, target)


def _restore_documents(src: Path) -> int:
    from saferleeds.safeguarding.documents import document_root

    root = document_root()
    n = 0
    folder = src / DOCUMENTS
    for p in sorted(folder.iterdir()) if folder.exists() else []:
        fd = os.open(root / p.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f, p.open("rb") as g:
            shutil.copyfileobj(g, f)
        n += 1
    return n


def _check_audit(manifest: dict[str, Any]) -> None:
    from saferleeds.audit.models import AuditEntry
    from saferleeds.audit.verify import verify_chain

    count, broken = verify_chain()
    if broken is not None:
        raise BackupError(f"the restored audit chain does not verify: {broken}")
    head = manifest["audit_head"]
    if (
        head["seq"]
        and not AuditEntry.objects.filter(seq=head["seq"], hash=head["hash"]).exists()
    ):
        raise BackupError(
            f"the restored audit chain lacks the recorded head #{head['seq']} "
            f"{head['hash']}"
        )
    if count != head.get("entries", count):
        raise BackupError(
            f"the restored audit chain has {count} entries; the backup recorded "
            f"{head['entries']}"
        )


def restore(src: Path, *, expect_manifest: str | None = None) -> dict[str, Any]:
    """Restore a backup into this instance, which must hold nothing yet.

    Order: the backup is verified file by file, then the target is checked empty, then
    the database, the store and the documents are restored, and the result is compared
    with the manifest (rows and digests per table, the audit chain and its head).

    Args:
        src: The backup directory.
        expect_manifest: See :func:`verify_backup`.

    Returns:
        The manifest.

    Raises:
        BackupError: The backup is altered or incomplete, the target is not empty, the
            engines differ, or the restored data does not match the manifest.
    """
    from django.db import connection

    src = src.expanduser().resolve()
    manifest = verify_backup(src, expect_manifest)
    engine = _engine()
    if manifest["database"]["engine"] != engine:
        raise BackupError(
            f"this backup is of a {manifest['database']['engine']} database and the "
            f"configured database is {engine}: restore into the same engine"
        )
    problems = _target_problems()
    if problems:
        raise BackupError(
            "restore needs an empty instance, and "
            + "; ".join(problems)
            + ": point SAFERLEEDS_DATA_DIR at a new folder and DATABASE_URL at a new, "
            "empty database"
        )
    if engine == "sqlite":
        _restore_sqlite(src, manifest)
    else:
        _restore_postgres(src, manifest)
    _restore_store(src, manifest)
    _restore_documents(src)
    connection.close()
    _check_audit(manifest)
    return manifest
