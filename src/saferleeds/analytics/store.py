"""The analytics store: one DuckDB file holding police.uk records, quarantine and geography."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

SCHEMA_VERSION = 1
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
    area_hectares DOUBLE
);
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

    def execute(self, sql: str, params: list[Any] | None = None) -> Any:
        """Run one SQL statement and return the DuckDB result."""
        return self.con.execute(sql, params or [])

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        """Run a query and return the first column of its first row."""
        row = self.con.execute(sql, params or []).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        """Close the connection."""
        self.con.close()


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


def ensure_schema(store: Store) -> None:
    """Create the store's tables if they are missing (safe to repeat)."""
    store.con.execute(SCHEMA)
    store.con.execute(
        "INSERT OR REPLACE INTO store_meta VALUES ('schema_version', ?)",
        [str(SCHEMA_VERSION)],
    )


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
    try:
        value = store.scalar(
            "SELECT value FROM store_meta WHERE key = ?", [DATA_VERSION_KEY]
        )
    except duckdb.CatalogException:  # an empty in-memory store: no store_meta yet
        return "empty"
    return str(value) if value is not None else "empty"


def _connect_waiting(
    path: Path | None,
    read_only: bool,
    wait: float,
    on_wait: Callable[[], None] | None,
) -> duckdb.DuckDBPyConnection:
    """Connect, retrying for up to ``wait`` seconds while another process holds the lock."""
    deadline = time.monotonic() + wait
    pause = 0.05
    told = False
    while True:
        try:
            return _connect(path, read_only)
        except StoreBusy:
            left = deadline - time.monotonic()
            if left <= 0:
                raise
            if not told and on_wait is not None:
                on_wait()
            told = True
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.5)


@contextmanager
def open_store(
    path: Path | str | None,
    *,
    read_only: bool = False,
    wait: float = 0.0,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[Store]:
    """Open the analytics store, creating its schema when writable.

    Args:
        path: The DuckDB file; ``None`` for a throw-away in-memory store.
        read_only: Open without taking the write lock (pages use this).
        wait: Seconds to keep retrying while another process holds the store (a
            writable open waits for every reader, such as the web server's pages).
        on_wait: Called once, when the first attempt finds the store busy.

    Yields:
        The open store; closed on exit.

    Raises:
        StoreBusy: If another process still holds the store after ``wait`` seconds.
    """
    p = None if path is None else Path(path)
    if read_only and p is not None and not p.exists():
        # A read-only open of a missing file fails; give the caller an empty store.
        p = None
        read_only = False
    store = Store(_connect_waiting(p, read_only, wait, on_wait), p)
    try:
        if not read_only:
            ensure_schema(store)
            # Before the writes as well as after: a writer that dies half-way still
            # leaves a version no cached page was computed from.
            bump_data_version(store)
        yield store
    finally:
        if not read_only:
            try:
                bump_data_version(store)
            except duckdb.Error:  # the connection failed; the version opened with holds
                pass
        store.close()
