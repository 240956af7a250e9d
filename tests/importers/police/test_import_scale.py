"""An import reads its own month of the store, not all of it (issue #17, defect 1).

Measured by DuckDB's profiler (rows each table scan read), not by timing: importing the
same month into a store three times larger must read exactly as many held rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from saferleeds.analytics.store import Store, open_store, refresh_police_rollup
from saferleeds.importers.police import import_police
from tests.conftest import SAMPLES

GOOD = SAMPLES / "good" / "2018-07-sample-street.csv"
ROW_GROUP = 122_880  # DuckDB's row group: the unit its zone maps skip


class _Profiled:
    """A DuckDB connection that sums the rows every statement's scans read of a table."""

    def __init__(self, con: duckdb.DuckDBPyConnection, out: Path, table: str) -> None:
        self._con = con
        self._out = out
        self._table = table
        self.rows_scanned = 0
        self.scans = 0
        con.execute("PRAGMA enable_profiling = 'json'")
        con.execute("SET profiling_coverage = 'ALL'")  # DML too, not only SELECT
        con.execute(f"PRAGMA profiling_output = '{out}'")

    def execute(self, sql: str, params: Any = None) -> Any:
        self._out.unlink(missing_ok=True)
        result = self._con.execute(sql, params or [])
        if self._out.exists():
            for node in _nodes(json.loads(self._out.read_text(encoding="utf-8"))):
                table = str((node.get("extra_info") or {}).get("Table", ""))
                if node.get("type") == "TABLE_SCAN" and table.endswith(self._table):
                    self.scans += 1
                    self.rows_scanned += int(node["rows_scanned"])
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _nodes(tree: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = list(tree.get("operator", [])) + list(tree.get("children", []))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("children", []))


def _fill(store: Store, months: int, per_month: int) -> None:
    """``months`` months of synthetic crimes ending 2018-06, appended month by month."""
    store.execute(
        f"""
        INSERT INTO police_street
        SELECT 'synthetic' || i, NULL, (DATE '2018-06-01' - to_months(m))::DATE,
               'West Yorkshire Police', 'West Yorkshire Police', -1.55, 53.8,
               'On or near Somewhere', 'E01011365', 'Leeds 111B', 'Burglary',
               'Under investigation', NULL, true, 'synthetic.csv', i, 0
        FROM (SELECT i, {months - 1} - i // {per_month} AS m
              FROM range({months * per_month}) t(i))
        ORDER BY i
        """
    )
    # As if these months had come by import, which keeps the indicators' rollup.
    refresh_police_rollup(store)
    store.execute("CHECKPOINT")


@contextmanager
def _profiled_store(path: Path, months: int, per_month: int) -> Iterator[Store]:
    with open_store(path / "analytics.duckdb") as store:
        _fill(store, months, per_month)
        yield store


def _scanned(tmp: Path, months: int, per_month: int) -> tuple[int, int, int]:
    """Rows of ``police_street`` read by a first import and a re-import of one month."""
    tmp.mkdir()
    with _profiled_store(tmp, months, per_month) as store:
        held = int(store.scalar("SELECT count(*) FROM police_street"))
        prof = _Profiled(store.con, tmp / "profile.json", "police_street")
        profiled = Store(prof, store.path)  # type: ignore[arg-type]
        first = import_police(profiled, [GOOD])
        assert first.added == 50
        again = import_police(profiled, [GOOD])
        assert again.added == 0
        assert prof.scans >= 2, "the profiler no longer reports table scans"
        return held, prof.rows_scanned, prof.scans


def test_import_reads_the_same_rows_whatever_the_store_holds(tmp_path: Path) -> None:
    per_month = ROW_GROUP // 6  # two row groups a year
    small_held, small, small_scans = _scanned(tmp_path / "small", 12, per_month)
    big_held, big, big_scans = _scanned(tmp_path / "big", 36, per_month)
    assert big_held == 3 * small_held
    # Store-size independence: three times the store, the same rows read.
    assert big == small, (small, big)
    assert big_scans == small_scans
    # And what is read is the month itself, not a full scan: a few row groups for the
    # two files' statements (matching, outcome update, rollup recount), however large
    # the store.
    assert big <= 6 * ROW_GROUP
    assert big < big_held


def test_the_same_crime_id_in_another_month_is_another_record(
    empty_store: Store, tmp_path: Path
) -> None:
    # Matching is within the month (as police.uk publishes a month per file): a Crime ID
    # held for July is not matched by an August file, and July's row is untouched.
    import_police(empty_store, [GOOD])
    text = GOOD.read_text(encoding="utf-8").replace(",2018-07,", ",2018-08,")
    august = tmp_path / "2018-08-west-yorkshire-street.csv"
    august.write_text(text, encoding="utf-8")
    report = import_police(empty_store, [august])
    assert report.files[0].added == 50 and report.files[0].updated == 0
    by_month = dict(
        empty_store.execute(
            "SELECT strftime(month, '%Y-%m'), count(*) FROM police_street GROUP BY 1"
        ).fetchall()
    )
    assert by_month == {"2018-07": 50, "2018-08": 50}
