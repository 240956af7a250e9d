"""The indicators' rollup of police.uk records: exact, kept by imports, never trusted stale."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any, cast

import duckdb
import pytest

from saferleeds.analytics.geography import load_geography
from saferleeds.analytics.indicators.compute import monthly_values
from saferleeds.analytics.store import (
    ROLLUP_ROWS_KEY,
    ROLLUP_VERSION_KEY,
    Store,
    data_version,
    local_police_table,
    open_store,
    part_files,
    police_rollup_current,
    refresh_police_rollup,
)
from saferleeds.importers.police import import_police
from saferleeds.partnership import current
from tests.conftest import SHIPPED_POLICE

FIRST, LAST = date(2017, 7, 1), date(2018, 7, 1)
POLICE_INDICATORS = ["total_recorded_crime", "asb", "violence_sexual"]


def _values(path: Path) -> dict[tuple[str, str, date], tuple[int, object]]:
    with open_store(path, read_only=True) as store:
        return {
            (v.id, v.area, v.month): (v.value, v.harm)
            for v in monthly_values(
                store, FIRST, LAST, by="msoa", indicators=POLICE_INDICATORS
            )
        }


def _brute_force(path: Path) -> dict[tuple[str, str, date], int]:
    """Counts per indicator, MSOA and month by reading every record in Python."""
    with open_store(path, read_only=True) as store:
        msoa = dict(
            store.execute("SELECT lsoa_code, msoa_code FROM area_lsoa").fetchall()
        )
        rows = store.execute(
            "SELECT month, lsoa_code, crime_type FROM police_street"
        ).fetchall()
    counts: dict[tuple[str, str, date], int] = {}
    for month, lsoa, crime_type in rows:
        if lsoa not in msoa:
            continue
        hits = {
            "total_recorded_crime": crime_type != "Anti-social behaviour",
            "asb": crime_type == "Anti-social behaviour",
            "violence_sexual": crime_type == "Violence and sexual offences",
        }
        for ind, hit in hits.items():
            if hit and ind in POLICE_INDICATORS:
                key = (ind, msoa[lsoa], month)
                counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.fixture()
def store_path(tmp_path: Path, police_store_path: Path) -> Path:
    path = tmp_path / "analytics.duckdb"
    shutil.copyfile(police_store_path, path)
    return path


def test_an_import_keeps_the_rollup_and_indicators_read_it_with_the_same_numbers(
    store_path: Path,
) -> None:
    with open_store(store_path, read_only=True) as store:
        assert police_rollup_current(store.con)
        rows = store.scalar("SELECT count(*) FROM police_street")
        assert store.scalar("SELECT sum(n) FROM police_month_rollup") == rows
        assert store.scalar("SELECT count(*) FROM police_month_rollup") < rows / 3
    from_rollup = _values(store_path)
    brute = _brute_force(store_path)
    assert {k: v[0] for k, v in from_rollup.items() if v[0]} == brute
    # The same numbers, harm included, when indicators read every record instead.
    with open_store(store_path) as store:
        store.execute("DELETE FROM store_meta WHERE key = ?", [ROLLUP_ROWS_KEY])
    with open_store(store_path, read_only=True) as store:
        assert not police_rollup_current(store.con)
    assert _values(store_path) == from_rollup


def test_rows_written_by_other_means_make_the_rollup_untrusted_until_refreshed(
    store_path: Path,
) -> None:
    with open_store(store_path) as store:
        # The records are monthly Parquet files, seen through a view: rows written
        # by other means go into the table beneath it.
        store.execute(
            f"INSERT INTO {local_police_table(store.con)} "
            "SELECT * REPLACE ('extra-' || row_key AS row_key) "
            "FROM police_street WHERE crime_type = 'Burglary' LIMIT 25"
        )
    with open_store(store_path, read_only=True) as store:
        assert not police_rollup_current(store.con)
    # Read from the records while untrusted, so the 25 new burglaries count.
    stale = _values(store_path)
    assert {k: v[0] for k, v in stale.items() if v[0]} == _brute_force(store_path)
    with open_store(store_path) as store:
        refresh_police_rollup(store)
    with open_store(store_path, read_only=True) as store:
        assert police_rollup_current(store.con)
    assert _values(store_path) == stale


def test_re_import_adds_nothing_and_an_old_store_gets_its_rollup_at_the_next_import(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.duckdb"
    july17 = SHIPPED_POLICE / "2017-07-west-yorkshire-street.csv.gz"
    july18 = SHIPPED_POLICE / "2018-07-west-yorkshire-street.csv.gz"
    with open_store(path) as store:
        load_geography(store, current())
        assert import_police(store, [july17]).exit_code == 0
        # A store from before the rollup: no rollup rows, no note of them.
        store.execute("DELETE FROM police_month_rollup")
        store.execute("DELETE FROM store_meta WHERE key = ?", [ROLLUP_ROWS_KEY])
    with open_store(path, read_only=True) as store:
        assert not police_rollup_current(store.con)
    with open_store(path) as store:
        assert import_police(store, [july18]).exit_code == 0
    with open_store(path, read_only=True) as store:
        assert police_rollup_current(store.con)
        months = store.execute(
            "SELECT month, sum(n) FROM police_month_rollup GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert (
            months
            == store.execute(
                "SELECT month, count(*) FROM police_street GROUP BY 1 ORDER BY 1"
            ).fetchall()
        )
    before = _values(path)
    with open_store(path) as store:
        assert import_police(store, [july17, july18]).exit_code == 0
    with open_store(path, read_only=True) as store:
        assert police_rollup_current(store.con)
    assert _values(path) == before


def _seal(store: Store) -> Any:
    return store.scalar(
        "SELECT value FROM store_meta WHERE key = ?", [ROLLUP_VERSION_KEY]
    )


def _catalogue_rows(store: Store) -> str:
    """The catalogue's row count of the police_street table and the part ledger's."""
    table = store.scalar(
        "SELECT estimated_size FROM duckdb_tables() WHERE table_name = 'police_street'"
    )
    parts = store.scalar("SELECT coalesce(sum(rows), 0) FROM police_part")
    return f"{table} {parts}"


class _Recording:
    """A DuckDB connection that notes every statement run through it, and which
    tables each one reads (from DuckDB's own parse of it, not the SQL's text: a
    catalogue lookup naming a table in a string does not read it)."""

    def __init__(self, con: Any) -> None:
        self.con = con
        self.sql: list[str] = []

    def execute(self, sql: str, params: Any = None) -> Any:
        self.sql.append(sql)
        return self.con.execute(sql, params or [])

    def tables(self) -> list[str]:
        """The tables read, one entry per reference, over every statement noted."""
        out: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("type") == "BASE_TABLE":
                    out.append(node["table_name"])
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        for sql in self.sql:
            parsed = json.loads(
                self.con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0]
            )
            assert not parsed["error"], (sql, parsed)
            walk(parsed)
        return out


def test_readers_trust_the_sealed_rollup_from_one_lookup_without_reading_the_records(
    store_path: Path,
) -> None:
    with open_store(store_path, read_only=True) as store:
        # The writer that published the store sealed the rollup under its version.
        assert _seal(store) == f"{data_version(store)} {_catalogue_rows(store)}"
        rec = _Recording(store.con)
        assert police_rollup_current(cast(Any, rec))
        assert len(rec.sql) == 1
        # The part ledger is a row per month, not the records.
        assert set(rec.tables()) == {"store_meta", "police_part"}
        # A whole indicators query: nothing it runs reads police_street.
        rec.sql.clear()
        values = monthly_values(
            Store(cast(Any, rec), store.path, store.file),
            FIRST,
            LAST,
            by="msoa",
            indicators=POLICE_INDICATORS,
        )
        assert any(v.value for v in values)
        scans = rec.tables()
        assert "police_month_rollup" in scans
        assert "police_street" not in scans


def test_a_writers_own_session_checks_exactly_and_closing_seals_only_an_exact_rollup(
    store_path: Path,
) -> None:
    with open_store(store_path) as store:
        # The writer bumped the version when it opened: the old seal no longer
        # answers, so rows added without a refresh are seen by the exact count.
        rec = _Recording(store.con)
        assert police_rollup_current(cast(Any, rec))
        assert "police_street" in rec.tables()
        store.execute(
            f"INSERT INTO {local_police_table(store.con)} BY NAME "
            "SELECT * REPLACE ('more-' || row_key AS row_key) "
            "FROM police_street WHERE crime_type = 'Robbery' LIMIT 5"
        )
        assert not police_rollup_current(store.con)
    with open_store(store_path, read_only=True) as store:
        assert _seal(store) is None
        assert not police_rollup_current(store.con)
    with open_store(store_path) as store:
        refresh_police_rollup(store)
    with open_store(store_path, read_only=True) as store:
        assert _seal(store) == f"{data_version(store)} {_catalogue_rows(store)}"
        rec = _Recording(store.con)
        assert police_rollup_current(cast(Any, rec))
        assert len(rec.sql) == 1


def test_rows_appended_by_a_bare_duckdb_connection_break_the_seal(
    store_path: Path,
) -> None:
    # Outside open_store: the data version stays, but the catalogue's row count grows.
    with open_store(store_path, read_only=True) as store:
        files = part_files(store)
    con = duckdb.connect(str(store_path))
    con.execute(
        "INSERT INTO police_street BY NAME "
        "SELECT * REPLACE ('bare-' || row_key AS row_key) "
        "FROM read_parquet(?) WHERE crime_type = 'Drugs' LIMIT 3",
        [files],
    )
    con.close()
    with open_store(store_path, read_only=True) as store:
        rec = _Recording(store.con)
        assert not police_rollup_current(cast(Any, rec))
        assert "police_street" in rec.tables()  # fell back to the exact count
    assert {k: v[0] for k, v in _values(store_path).items() if v[0]} == _brute_force(
        store_path
    )
