"""The analytics store: a DuckDB file (quarantine, geography, rollups, ledgers) and the
police.uk records beside it as one Parquet file per month and reporting force, read as
``police_street``."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

# 2: police.uk files by month and reporting force, the rollup per force, force areas.
SCHEMA_VERSION = 2
# The ``store_meta`` key of the data version: a fresh random token written by every
# writable open (every import goes through one), so caches of what the pages computed
# can be keyed by it. A token rather than a counter: a store rebuilt or restored from a
# backup never repeats another file's version by chance.
DATA_VERSION_KEY = "data_version"

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR);

-- One row per police.uk street-level record. row_key is the Crime ID, or for rows
-- without one (ASB) a content hash plus the occurrence number of identical rows in
-- the same file, so identical ASB rows stay separate incidents and re-imports add nothing.
-- Since the store keeps police.uk records as Parquet files by month and force (see
-- police_part below), this table holds only rows written by other means (an older
-- store, a test): readers see ``police_street`` as a temporary view over both, made by
-- attach_police_view when the store opens. The next import of a month moves that
-- month's rows from here into its Parquet file.
CREATE TABLE IF NOT EXISTS police_street (
    row_key VARCHAR NOT NULL,
    crime_id VARCHAR,
    month DATE NOT NULL,
    reported_by VARCHAR NOT NULL,
    falls_within VARCHAR NOT NULL,
    longitude DOUBLE,
    latitude DOUBLE,
    location VARCHAR,
    lsoa_code VARCHAR,
    lsoa_name VARCHAR,
    crime_type VARCHAR NOT NULL,
    last_outcome VARCHAR,
    context VARCHAR,
    has_location BOOLEAN NOT NULL,
    source_file VARCHAR NOT NULL,
    source_line BIGINT NOT NULL,
    import_id BIGINT NOT NULL
);

-- Counts of police_street per month, LSOA and crime type, kept by every import (see
-- refresh_police_rollup): indicators read these few hundred thousand rows instead of
-- scanning every record. Believed only while its total equals police_street's rows.
-- Kept per reporting force too, so that an import of one force's month recounts that
-- force's rows only (see refresh_police_rollup); readers sum over it.
CREATE TABLE IF NOT EXISTS police_month_rollup (
    month DATE NOT NULL,
    lsoa_code VARCHAR,
    crime_type VARCHAR NOT NULL,
    n BIGINT NOT NULL,
    reported_by VARCHAR
);

-- The current Parquet file of each month and reporting force of police.uk records
-- (data.police.uk publishes one file per force and month): immutable, written by the
-- import of that force's month, under the store's parts folder (see parts_dir), so a
-- month's archive of every force imports file by file without rewriting the others.
-- ``reported_by`` is LEGACY_PART for a file of an older store holding every force of
-- its month. ``file`` is relative to that folder; ``origin`` is the absolute path it
-- was written to, read when the store file has been copied elsewhere without its folder.
CREATE TABLE IF NOT EXISTS police_part (
    month DATE NOT NULL,
    file VARCHAR NOT NULL,
    origin VARCHAR NOT NULL,
    rows BIGINT NOT NULL,
    reported_by VARCHAR NOT NULL,
    PRIMARY KEY (month, reported_by)
);

-- Rows that failed validation, one row per (file, line, field), with the reason.
CREATE TABLE IF NOT EXISTS police_quarantine (
    source_sha256 VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    line BIGINT NOT NULL,
    field VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    raw VARCHAR,
    import_id BIGINT NOT NULL
);

-- The run ledger: one row per file import attempt that committed.
CREATE TABLE IF NOT EXISTS import_run (
    import_id BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    source_sha256 VARCHAR NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_added BIGINT NOT NULL,
    rows_updated BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    note VARCHAR
);
CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1;

-- Geography of the partnership (loaded from its configuration).
CREATE TABLE IF NOT EXISTS area_lsoa (
    lsoa_code VARCHAR PRIMARY KEY,
    lsoa_name VARCHAR NOT NULL,
    msoa_code VARCHAR NOT NULL,
    msoa_name VARCHAR NOT NULL,
    district_code VARCHAR NOT NULL,
    district_name VARCHAR NOT NULL,
    population BIGINT,
    households BIGINT,
    area_hectares DOUBLE,
    ward_code VARCHAR,
    ward_name VARCHAR
);
-- Electoral wards (best-fit LSOA lookup), added after the first stores were made:
-- an older store gains the columns, empty until its geography is loaded again.
ALTER TABLE area_lsoa ADD COLUMN IF NOT EXISTS ward_code VARCHAR;
ALTER TABLE area_lsoa ADD COLUMN IF NOT EXISTS ward_name VARCHAR;
-- The police force area (police.uk's "Falls within" name), held by a national
-- geography (see saferleeds.analytics.geography.load_national_geography).
ALTER TABLE area_lsoa ADD COLUMN IF NOT EXISTS force_name VARCHAR;
CREATE TABLE IF NOT EXISTS area_neighbourhood (
    name VARCHAR NOT NULL,
    lsoa_code VARCHAR NOT NULL
);
"""


class StoreBusy(RuntimeError):
    """Raised when another process holds the analytics store for writing."""


@dataclass
class Store:
    """An open connection to the analytics store.

    Attributes:
        con: The DuckDB connection.
        path: The store's file, or ``None`` for an in-memory store.
    """

    con: duckdb.DuckDBPyConnection
    path: Path | None
    file: Path | None = None
    """The file actually open: a version file of ``path`` (see :func:`current_file`),
    the writer's build copy, or ``path`` itself."""
    lock_fd: int | None = None
    """A reader's shared lock on its version file: while held, no writer deletes the
    version or the Parquet files it names (see :func:`_publish`)."""
    copied: int = 0
    """Bytes a writer copied to build its version: the versioned file, which holds no
    police.uk records, so this does not grow with them (issue #17)."""
    read_only: bool = False
    """Opened for reading: its data version cannot change while it is open."""
    police_view_stale: bool = False
    """Parquet files were named since the ``police_street`` view was made: an import
    of many files sets this rather than remaking the view (which names every file)
    after each one; :func:`ensure_police_view` remakes it when it is next needed."""
    _version: str | None = field(default=None, init=False, repr=False)

    def execute(self, sql: str, params: list[Any] | None = None) -> Any:
        """Run one SQL statement and return the DuckDB result."""
        return self.con.execute(sql, params or [])

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        """Run a query and return the first column of its first row."""
        row = self.con.execute(sql, params or []).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        """Close the connection (and release the version it read)."""
        self.con.close()
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None
            if self.path is not None and self.file is not None:
                _tidy(self.path, self.file)


def _connect(path: Path | None, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(
            ":memory:" if path is None else str(path), read_only=read_only
        )
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreBusy(
                f"the analytics store {path} is in use by another process "
                "(an import may be running); try again when it finishes"
            ) from exc
        raise


LEGACY_PART = "*"
"""``police_part.reported_by`` of a file holding every reporting force of its month,
as stores written before the files were split by force kept them."""


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {
        str(r[0])
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
            "AND schema_name = 'main' AND database_name = current_database()",
            [table],
        ).fetchall()
    }


def _split_parts_by_force(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a store from one Parquet file per month to one per month and force.

    Its files stay as they are, named as holding every force (:data:`LEGACY_PART`):
    the next import that changes one of their months splits that month. Its rollup,
    kept per month only, is emptied and its row count forgotten, so the next import
    recounts it per force in full (readers count the records until then).
    """
    cols = _columns(con, "police_part")
    if cols and "reported_by" not in cols:
        con.execute("ALTER TABLE police_part RENAME TO police_part_by_month")
        con.execute(SCHEMA)  # the new police_part
        con.execute(
            "INSERT INTO police_part SELECT month, file, origin, rows, ? "
            "FROM police_part_by_month",
            [LEGACY_PART],
        )
        con.execute("DROP TABLE police_part_by_month")
    cols = _columns(con, "police_month_rollup")
    if cols and "reported_by" not in cols:
        con.execute("ALTER TABLE police_month_rollup ADD COLUMN reported_by VARCHAR")
        con.execute("DELETE FROM police_month_rollup")
        con.execute("DELETE FROM store_meta WHERE key = ?", [ROLLUP_ROWS_KEY])


def ensure_schema(store: Store) -> None:
    """Create the store's tables if they are missing, and bring an older store's up to
    date (safe to repeat)."""
    if _columns(store.con, "store_meta"):
        _split_parts_by_force(store.con)
    store.con.execute(SCHEMA)
    store.con.execute(
        "INSERT OR REPLACE INTO store_meta VALUES ('schema_version', ?)",
        [str(SCHEMA_VERSION)],
    )


ROLLUP_ROWS_KEY = "police_rollup_rows"
"""The ``store_meta`` key holding how many ``police_street`` rows the rollup counts."""


def refresh_police_rollup(
    store: Store,
    first: date | None = None,
    last: date | None = None,
    *,
    rows: int | None = None,
    source: str = "police_street",
    forces: Sequence[str] | None = None,
) -> None:
    """Bring ``police_month_rollup`` up to date with ``police_street``.

    With no months, recounts everything (an older store, or rows written by other
    means). With ``first`` to ``last`` (the months an import touched) and ``rows``
    (the table's row count after it), recounts only those months, reading only their
    rows, so an import's cost does not grow with the store. Runs inside the caller's
    transaction, if any, so the rollup commits or rolls back with the rows.

    Args:
        store: A writable store.
        first: First month to recount, or ``None`` for all months.
        last: Last month to recount (defaults to ``first``).
        rows: ``police_street``'s row count, required with ``first``.
        source: Where the rows of ``first`` to ``last`` are read from: an import
            passes its staged month, so the recount reads no Parquet file again.
        forces: Recount only these reporting forces' rows of those months (an
            import of one force's file: ``source`` then need hold only theirs).

    Notes:
        The rollup is exact: ``sum(n)`` over any predicate on month, LSOA and crime
        type equals ``count(*)`` over ``police_street`` with the same predicate
        (checked in ``tests/analytics/test_police_rollup.py`` by brute force).
        Readers trust it only while the noted row count equals the table's
        (:func:`police_rollup_current`).
    """
    con = store.con
    if first is None:
        ensure_police_view(store)  # it counts every record
        con.execute("DELETE FROM police_month_rollup")
        con.execute(
            "INSERT INTO police_month_rollup SELECT month, lsoa_code, crime_type, "
            "count(*), reported_by FROM police_street "
            "GROUP BY month, reported_by, lsoa_code, crime_type"
        )
        rows = int(store.scalar("SELECT count(*) FROM police_street"))
    else:
        if rows is None:
            raise ValueError("a partial refresh needs the table's row count")
        end = last or first
        window = (
            f"month BETWEEN DATE '{first.isoformat()}' AND DATE '{end.isoformat()}'"
        )
        if forces is not None:
            window += " AND reported_by IN (SELECT unnest($forces))"
        params = {} if forces is None else {"forces": list(forces)}
        con.execute(f"DELETE FROM police_month_rollup WHERE {window}", params)
        con.execute(
            "INSERT INTO police_month_rollup SELECT month, lsoa_code, crime_type, "
            f"count(*), reported_by FROM {source} WHERE {window} "
            "GROUP BY month, reported_by, lsoa_code, crime_type",
            params,
        )
    con.execute(
        "INSERT OR REPLACE INTO store_meta VALUES (?, ?)", [ROLLUP_ROWS_KEY, str(rows)]
    )


def police_rollup_rows(store: Store) -> int | None:
    """The row count the rollup was last brought up to, if it still holds.

    Cheap enough for every import: it reads the row counts noted for the monthly
    Parquet files and counts the (normally empty) table of rows written by other
    means, not the records. Call it before writing rows.

    Args:
        store: An open store.

    Returns:
        The count, or ``None`` when the rollup must be rebuilt in full (no rollup
        yet, or rows were written or deleted by other means since).
    """
    noted = store.scalar(
        "SELECT value FROM store_meta WHERE key = ?", [ROLLUP_ROWS_KEY]
    )
    held = police_rows(store.con)
    if noted is None or held is None or int(noted) != held:
        return None
    return int(noted)


def police_rows(con: duckdb.DuckDBPyConnection) -> int | None:
    """How many police.uk records the store holds, from the part ledger.

    Args:
        con: A connection to the store.

    Returns:
        The rows of every monthly Parquet file plus those of the table of rows
        written by other means, or ``None`` for a store without the tables.
    """
    try:
        row = con.execute(
            f"SELECT (SELECT coalesce(sum(rows), 0) FROM police_part) "
            f"+ (SELECT count(*) FROM {local_police_table(con)})"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    return None if row is None else int(row[0])


ROLLUP_VERSION_KEY = "police_rollup_version"
"""The ``store_meta`` key of the rollup's seal: the data version and catalogue row count
of ``police_street`` under which the rollup was last checked to count every row (see
:func:`seal_police_rollup`)."""

# The seal as the store stands now, in one statement: the data version, DuckDB's
# catalogue row count of the police_street table and the rows the part ledger gives the
# monthly Parquet files (metadata: no scan), beside the seal and the noted row count.
_SEAL_STATE = (
    "SELECT (SELECT value FROM store_meta WHERE key = $version) || ' ' || "
    "(SELECT estimated_size FROM duckdb_tables() WHERE table_name = 'police_street' "
    "AND schema_name = 'main' AND database_name = current_database()) || ' ' || "
    "(SELECT coalesce(sum(rows), 0) FROM police_part), "
    "(SELECT value FROM store_meta WHERE key = $seal), "
    "(SELECT value FROM store_meta WHERE key = $rows)"
)


def _seal_state(con: duckdb.DuckDBPyConnection) -> tuple[str | None, ...]:
    row = con.execute(
        _SEAL_STATE,
        {
            "version": DATA_VERSION_KEY,
            "seal": ROLLUP_VERSION_KEY,
            "rows": ROLLUP_ROWS_KEY,
        },
    ).fetchone()
    return (None, None, None) if row is None else tuple(row)


def _rollup_counts_every_row(con: duckdb.DuckDBPyConnection, noted: str) -> bool:
    """The check: the noted row count equals the records held, as the part ledger
    gives the monthly Parquet files' rows (written with each file, in the same
    transaction) plus a count of the table of rows written by other means.

    Not a count through the ``police_street`` view: that reads every Parquet file's
    footer, a cost that grows with the months held (0.22 s at ten years) on every
    import.
    """
    rows = police_rows(con)
    return rows is not None and str(rows) == noted


def seal_police_rollup(store: Store) -> bool:
    """Seal the rollup as current under the store's present state, if it is.

    The writer calls this once, after its last change and closing version bump
    (:func:`open_store`), so readers of the published store answer
    :func:`police_rollup_current` from ``store_meta`` and the catalogue instead of
    counting ``police_street`` at every indicators query.

    Args:
        store: A writable store.

    Returns:
        Whether the rollup was found current (by the exact count) and so sealed.
    """
    con = store.con
    con.execute("DELETE FROM store_meta WHERE key = ?", [ROLLUP_VERSION_KEY])
    state, _, noted = _seal_state(con)
    if state is None or noted is None or not _rollup_counts_every_row(con, noted):
        return False
    con.execute("INSERT INTO store_meta VALUES (?, ?)", [ROLLUP_VERSION_KEY, state])
    return True


def police_rollup_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``police_month_rollup`` counts exactly the rows ``police_street`` holds.

    Args:
        con: A connection to the store (read-only is fine).

    Returns:
        ``True`` when indicators may read the rollup instead of the records.

    Notes:
        One statement, reading no table row, when the store is as the writer sealed
        it (:func:`seal_police_rollup`): the same data version and the same catalogue
        row count of ``police_street``. Every writer bumps the version when it
        closes and only then seals, after an exact count, so a published store's
        seal can be believed. Otherwise (an in-memory store, a writer's own session,
        a store from before the seal, rows appended by a bare DuckDB connection,
        which keeps the version but grows the catalogue count) the exact check: the
        noted row count against ``count(*)``. Not caught: a bare connection that
        deletes rows (DuckDB's catalogue count keeps deleted rows) or rewrites
        crime types in place, which the exact count would not catch either; write
        the store through :func:`open_store`.
    """
    try:
        state, seal, noted = _seal_state(con)
        if noted is None:
            return False
        if seal is not None and seal == state:
            return True
        return _rollup_counts_every_row(con, noted)
    except duckdb.CatalogException:
        return False


# --- police.uk records: one immutable Parquet file per month and force ------------------
#
# The records are most of the store. Kept inside the DuckDB file, every import would
# copy them all (a writer builds a copy of the file, see below), so an import's cost
# would grow with the store. Instead each month of each reporting force is one Parquet
# file, never changed once written, under the parts folder beside the store;
# ``police_part`` (in the small versioned file) names each one's current file. An import
# of a force's month reads that file, writes a new one, and swaps the versioned file in
# as before: a reader sees the old file or the new one, never half of either. Files no
# version names any longer are deleted when no reader still has such a version open.


def parts_dir(path: Path) -> Path:
    """The folder holding the monthly Parquet files of the store ``path``."""
    return path.with_name(path.name + ".police")


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def local_police_table(con: duckdb.DuckDBPyConnection) -> str:
    """The qualified name of the table of rows written by other means.

    Qualified by catalogue, because the temporary view of the same name shadows it.
    """
    row = con.execute("SELECT current_database()").fetchone()
    cat = str(row[0]) if row else "memory"
    return '"' + cat.replace('"', '""') + '".main.police_street'


def part_entries(
    store: Store,
    months: list[date] | None = None,
    forces: Collection[str] | None = None,
) -> list[tuple[str, Path]]:
    """The current Parquet files, of ``months`` or of every month, in month order.

    A file is looked for in the store's own parts folder first, then where it was
    written (a store file copied elsewhere without its folder still reads).

    Args:
        store: An open store.
        months: Months (first days) to list, or ``None`` for all.
        forces: Reporting forces to list (with any file holding every force of its
            month), or ``None`` for all.

    Returns:
        Each file's name relative to :func:`parts_dir`, and where it is read from.
    """
    where: list[str] = []
    params: list[Any] = []
    if months is not None:
        where.append("list_contains(?, month)")
        params.append(list(months))
    if forces is not None:
        where.append("(reported_by = ? OR list_contains(?, reported_by))")
        params += [LEGACY_PART, sorted(forces)]
    try:
        rows = store.con.execute(
            "SELECT month, file, origin FROM police_part "
            + (f"WHERE {' AND '.join(where)} " if where else "")
            + "ORDER BY month, reported_by",
            params,
        ).fetchall()
    except duckdb.BinderException:  # before the files were split by force
        rows = [
            r
            for r in store.con.execute(
                "SELECT month, file, origin FROM police_part ORDER BY month"
            ).fetchall()
            if months is None or r[0] in months
        ]
    except duckdb.CatalogException:  # a store older than the parts
        return []
    base = None if store.path is None else parts_dir(store.path)
    out = []
    for _month, file, origin in rows:
        local = None if base is None else base / file
        out.append(
            (file, local if local is not None and local.exists() else Path(origin))
        )
    return out


def part_files(
    store: Store,
    months: list[date] | None = None,
    forces: Collection[str] | None = None,
) -> list[str]:
    """Where the current Parquet files of ``months`` (or every month) are read from.

    Args:
        store: An open store.
        months: Months (first days) to list, or ``None`` for all.
        forces: Reporting forces to list, or ``None`` for all (see
            :func:`part_entries`).

    Returns:
        Absolute paths, in month order (see :func:`part_entries`).
    """
    return [str(p) for _, p in part_entries(store, months, forces)]


def attach_police_view(store: Store) -> None:
    """Make ``police_street`` name every record: the Parquet files and the table.

    A temporary view (it lives with the connection, so a read-only reader can make it)
    that shadows the table of the same name. Every reader and writer of a store on
    disk gets it when the store opens; an import remakes it after adding a month.

    Args:
        store: An open store.
    """
    con = store.con
    store.police_view_stale = False
    con.execute("DROP VIEW IF EXISTS temp.police_street")
    files = part_files(store)
    if not files:
        return  # nothing in Parquet yet: the table is all there is
    listed = "[" + ", ".join(_sql_str(f) for f in files) + "]"
    con.execute(
        f"CREATE TEMP VIEW police_street AS SELECT * FROM {local_police_table(con)} "
        f"UNION ALL BY NAME SELECT * FROM read_parquet({listed})"
    )


def ensure_police_view(store: Store) -> None:
    """Remake the ``police_street`` view if files were named since it was made.

    Args:
        store: An open store.
    """
    if store.police_view_stale:
        attach_police_view(store)


def bump_data_version(store: Store) -> str:
    """Give the store a new data version, so results cached under the old one go stale.

    Args:
        store: A writable store.

    Returns:
        The new version token.
    """
    version = uuid.uuid4().hex
    store.con.execute(
        "INSERT OR REPLACE INTO store_meta VALUES (?, ?)", [DATA_VERSION_KEY, version]
    )
    return version


def data_version(store: Store) -> str:
    """The store's data version: changes whenever anything may have written to it.

    Args:
        store: An open store (read-only is fine).

    Returns:
        The token, or ``"empty"`` for a store without one (no table, never written).
    """
    if store._version is not None:  # a reader's, read once (pages ask several times)
        return store._version
    try:
        value = store.scalar(
            "SELECT value FROM store_meta WHERE key = ?", [DATA_VERSION_KEY]
        )
    except duckdb.CatalogException:  # an empty in-memory store: no store_meta yet
        return "empty"
    version = str(value) if value is not None else "empty"
    if store.read_only:
        store._version = version
    return version


# --- versions: build beside the live store, swap atomically ----------------------------
#
# DuckDB lets one process write a file and nobody read it meanwhile (or many read and
# nobody write). So a writer never opens the live file: it copies it to a build file
# beside it, writes there, checkpoints, and swaps the result in with a rename. Readers
# open the *version file* the pointer names, read-only, and keep the version they opened
# until they close it (on POSIX an open file outlives its unlink), so a page sees the
# old store or the new one, never half an import, and never waits for one.
#
#   analytics.duckdb                  the live store: a hard link to the current version,
#                                     so tools, backups and `duckdb` open it as before
#   .analytics.duckdb.v-<token>       the current version (token = its data version)
#   .analytics.duckdb.current         names the current version file
#   .analytics.duckdb.build-<uuid>    a writer's copy, while it writes
#   .analytics.duckdb.lock            held by the one writer at a time
#
# Distinct version names matter within one process too: DuckDB shares one database
# instance per file name while any connection to it is open, so a busy web server
# re-opening one name would never see a swapped-in file.

_READ_ATTEMPTS = 5


def _pointer(path: Path) -> Path:
    return path.with_name(f".{path.name}.current")


def _version_prefix(path: Path) -> str:
    return f".{path.name}.v-"


def current_file(path: Path) -> Path:
    """The file a reader of ``path`` opens: its current version file, else ``path``.

    The pointer is believed only while ``path`` is the same file (a hard link of the
    version), so a store replaced by other means (a restore, a copy) is read as it is.

    Args:
        path: The store's live file.

    Returns:
        The version file to open read-only, or ``path`` itself.
    """
    try:
        name = _pointer(path).read_text(encoding="utf-8").strip()
        if not name.startswith(_version_prefix(path)) or "/" in name:
            return path
        version = path.with_name(name)
        live, ver = os.stat(path), os.stat(version)
    except (OSError, ValueError):
        return path
    if (live.st_ino, live.st_dev) == (ver.st_ino, ver.st_dev):
        return version
    return path


def _hold(version: Path) -> int | None:
    """A shared lock on a version file, or ``None`` if it is gone (swapped and cleaned).

    Taken before the version is opened, and checked to be still the file of that name:
    a writer deletes a version (and its Parquet files) only while it can lock it
    exclusively, so a held version and everything it names stay until released.
    """
    try:
        fd = os.open(version, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        held, named = os.fstat(fd), os.stat(version)
        if (held.st_ino, held.st_dev) == (named.st_ino, named.st_dev):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


# Read-only databases of published version files, kept open in each process: opening
# one costs about 20 ms (DuckDB reads its catalog), more than many pages' own queries.
_READERS: dict[tuple[object, ...], duckdb.DuckDBPyConnection] = {}
_READERS_LOCK = threading.Lock()
_READERS_KEPT = 4  # versions: a page may still read the one an import just replaced


def _shared_reader(target: Path) -> duckdb.DuckDBPyConnection:
    """A new cursor of this process's read-only database of a published version file.

    A version file is never written once published (:func:`_publish`; a writer builds
    the next one beside it), so one database per file serves every page until the
    pointer names another. Each caller gets a cursor (its own connection to the same
    database, safe in its own thread) and closes only that. The key holds the file's
    identity and size too, so a file changed anyway is opened afresh, and the process
    id, so a forked worker never shares its parent's connection. Databases of older
    versions are forgotten, not closed: a cursor still reading one keeps it alive.

    Raises:
        FileNotFoundError: The version was swapped and removed meanwhile.
    """
    st = os.stat(target)
    key = (os.getpid(), str(target), st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)
    with _READERS_LOCK:
        base = _READERS.get(key)
        if base is None:
            base = _connect(target, read_only=True)
            _READERS[key] = base
            while len(_READERS) > _READERS_KEPT:
                del _READERS[next(iter(_READERS))]
        return base.cursor()


def _open_reader(
    path: Path,
) -> tuple[duckdb.DuckDBPyConnection, Path, int | None] | None:
    """A read-only connection to the current version, or ``None`` if there is no store."""
    for _ in range(_READ_ATTEMPTS):
        target = current_file(path)
        if not target.exists():
            if target == path:
                return None
            continue  # swapped and cleaned since we read the pointer: read it again
        fd = None
        if target != path:
            fd = _hold(target)
            if fd is None:
                continue
        try:
            if target != path:  # a published version: immutable, shared (see above)
                try:
                    return _shared_reader(target), target, fd
                except FileNotFoundError:
                    if fd is not None:
                        os.close(fd)
                    continue  # swapped and cleaned since we read the pointer
            return _connect(target, read_only=True), target, fd
        except duckdb.IOException as exc:
            if fd is not None:
                os.close(fd)
            if "does not exist" in str(exc) and target != path:
                continue  # the same race, inside DuckDB
            raise
        except BaseException:
            if fd is not None:
                os.close(fd)
            raise
    return _connect(path, read_only=True), path, None


@contextmanager
def _writer_lock(
    path: Path, wait: float, on_wait: Callable[[], None] | None
) -> Iterator[None]:
    """Hold the store's writer lock (one writer at a time), waiting up to ``wait`` s."""
    lock = path.with_name(f".{path.name}.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait
        pause = 0.05
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StoreBusy(
                        f"the analytics store {path} is being written by another "
                        "process (an import may be running); try again when it finishes"
                    ) from exc
                if not told and on_wait is not None:
                    on_wait()
                told = True
                time.sleep(min(pause, left))
                pause = min(pause * 2, 0.5)
        yield
    finally:
        os.close(fd)  # releases the lock


def _wal(file: Path) -> Path:
    return file.with_name(file.name + ".wal")


def _unlink(*files: Path) -> None:
    for f in files:
        with contextlib.suppress(FileNotFoundError):
            f.unlink()


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _parts_list(path: Path, version: Path) -> Path:
    """The list of Parquet files a version names: ``.<name>.parts-<token>``."""
    token = version.name[len(_version_prefix(path)) :]
    return path.with_name(f".{path.name}.parts-{token}")


def _publish(path: Path, build: Path, token: str, parts: list[str]) -> None:
    """Swap a finished, checkpointed build in as the live store and its current version.

    ``parts`` are the Parquet files (relative to :func:`parts_dir`) the build names:
    written beside the version, so a later writer knows what a version still being read
    needs without opening it.
    """
    version = path.with_name(_version_prefix(path) + token)
    listed = _parts_list(path, version)
    listed.write_text("".join(f + "\n" for f in parts), encoding="utf-8")
    os.replace(build, version)
    link = path.with_name(f".{path.name}.link-{uuid.uuid4().hex}")
    try:
        os.link(version, link)
    except OSError:  # a file system without hard links: a copy does as well
        shutil.copyfile(version, link)
    # A log left by a writer that crashed belongs to the old file, not this one.
    _unlink(_wal(path))
    os.replace(link, path)
    pointer_tmp = path.with_name(f".{path.name}.current-{uuid.uuid4().hex}")
    pointer_tmp.write_text(version.name + "\n", encoding="utf-8")
    os.replace(pointer_tmp, _pointer(path))
    _fsync_dir(path.parent)
    _clean(path, version, set(parts))


def _clean(path: Path, version: Path, needed: set[str]) -> None:
    """Delete old versions no reader holds, abandoned builds, and unneeded Parquet files.

    A version a reader still holds (see :func:`_hold`) stays, with every Parquet file
    its list names; a later writer deletes them once it is released.
    """
    keep = {version.name, _parts_list(path, version).name}
    prefix = _version_prefix(path)
    lists = f".{path.name}.parts-"
    stale = (prefix, f".{path.name}.build-", f".{path.name}.link-")
    for f in sorted(path.parent.iterdir()):
        if f.name in keep or not f.name.startswith(stale):
            continue
        if f.name.startswith(prefix) and not f.name.endswith(".wal"):
            try:
                fd = os.open(f, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:  # a reader has it open: keep it and its files
                    listed = _parts_list(path, f)
                    keep.update((f.name, listed.name))
                    with contextlib.suppress(OSError):
                        needed.update(listed.read_text(encoding="utf-8").split())
                    continue
                _unlink(f, _parts_list(path, f))
            finally:
                os.close(fd)
        else:
            _unlink(f)
    # Lists whose version has gone (a crash between the two unlinks).
    for f in path.parent.glob(f"{lists}*"):
        if f.name not in keep:
            _unlink(f)
    folder = parts_dir(path)
    if not folder.is_dir():
        return
    for f in folder.glob("*/*.parquet"):
        if f"{f.parent.name}/{f.name}" not in needed:
            _unlink(f)
    for d in folder.iterdir():
        if d.is_dir():
            with contextlib.suppress(OSError):
                d.rmdir()  # only when empty


def _tidy(path: Path, read: Path) -> None:
    """After a reader releases an old version, delete it if nobody needs it any longer.

    Done only when no writer is at work (it would do the same when it publishes), so
    the Parquet files a version names are only ever deleted under the writer lock.
    """
    current = current_file(path)
    if current in (read, path):
        return
    with contextlib.suppress(OSError):
        needed = set(_parts_list(path, current).read_text(encoding="utf-8").split())
        fd = os.open(
            path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600
        )
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # a writer is at work: it cleans up when it publishes
            if current_file(path) == current:
                _clean(path, current, needed)
        finally:
            os.close(fd)


@contextmanager
def _open_writer(
    path: Path, wait: float, on_wait: Callable[[], None] | None
) -> Iterator[Store]:
    with _writer_lock(path, wait, on_wait):
        build = path.with_name(f".{path.name}.build-{uuid.uuid4().hex}")
        published = False
        try:
            copied = 0
            if path.exists():
                shutil.copyfile(path, build)
                copied += build.stat().st_size
                if _wal(path).exists():  # replayed into the build when it opens
                    shutil.copyfile(_wal(path), _wal(build))
                    copied += _wal(build).stat().st_size
            store = Store(_connect(build, read_only=False), path, build, copied=copied)
            try:
                ensure_schema(store)
                bump_data_version(store)
                attach_police_view(store)
                yield store
            finally:
                # Whatever the block committed is kept, as when writers wrote in place;
                # if the build cannot be finished (a full disk), the live store stands.
                try:
                    token = bump_data_version(store)
                    parts = [
                        str(r[0])
                        for r in store.con.execute(
                            "SELECT file FROM police_part"
                        ).fetchall()
                    ]
                    seal_police_rollup(store)  # after the last change: readers trust it
                    store.con.execute("CHECKPOINT")
                    store.close()
                except duckdb.Error:
                    with contextlib.suppress(duckdb.Error):
                        store.close()
                else:
                    _publish(path, build, token, parts)
                    published = True
        finally:
            if not published:
                _unlink(build, _wal(build))


@contextmanager
def open_store(
    path: Path | str | None,
    *,
    read_only: bool = False,
    wait: float = 0.0,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[Store]:
    """Open the analytics store, creating its schema when writable.

    A reader opens the current version read-only and never waits: an import running
    meanwhile neither blocks it nor changes what it reads. A writer works on a copy
    that replaces the live store atomically when the block ends (see
    :func:`current_file`); only one writer at a time.

    Args:
        path: The DuckDB file; ``None`` for a throw-away in-memory store.
        read_only: Open for reading (pages use this).
        wait: Seconds a writer keeps retrying while another writer holds the store.
        on_wait: Called once, when a writer finds another one writing.

    Yields:
        The open store; closed on exit (a writer's changes go live then).

    Raises:
        StoreBusy: If another writer still holds the store after ``wait`` seconds.
    """
    p = None if path is None else Path(path)
    if p is not None and not read_only:
        with _open_writer(p, wait, on_wait) as store:
            yield store
        return
    opened = None if p is None or not read_only else _open_reader(p)
    if opened is not None:
        store = Store(opened[0], p, opened[1], opened[2], read_only=True)
        try:
            attach_police_view(store)
            yield store
        finally:
            store.close()
        return
    # In memory: asked for, or a reader of a store not created yet (an empty one).
    store = Store(_connect(None, False), None)
    try:
        ensure_schema(store)
        bump_data_version(store)
        yield store
    finally:
        store.close()
