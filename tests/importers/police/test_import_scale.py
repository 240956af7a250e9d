"""An import's work does not grow with the store (issue #17, defect 1).

Measured by operation counts, not by timing: the bytes the writer copies to build its
version, the Parquet files and rows DuckDB's profiler reports each statement read, and
the rows scanned of the table of rows written by other means. Importing the same month
into a store three times larger must copy and read exactly as much.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from saferleeds.analytics import police_reference as ref
from saferleeds.analytics.store import (
    Store,
    local_police_table,
    open_store,
    parts_dir,
    refresh_police_rollup,
    seal_police_rollup,
)
from saferleeds.importers.police import import_police
from tests.conftest import SAMPLES

GOOD = SAMPLES / "good" / "2018-07-sample-street.csv"
BLOCK = 256 * 1024  # DuckDB's block: the unit its file grows by


@dataclass
class _Reads:
    parquet_rows: int = 0
    table_rows: int = 0
    files: set[str] = field(default_factory=set)


class _Profiled:
    """A DuckDB connection that adds up what every statement's scans read."""

    def __init__(self, con: duckdb.DuckDBPyConnection, out: Path) -> None:
        self._con = con
        self._out = out
        self.reads = _Reads()
        con.execute("PRAGMA enable_profiling = 'json'")
        con.execute("SET profiling_coverage = 'ALL'")  # DML too, not only SELECT
        con.execute(f"PRAGMA profiling_output = '{out}'")

    def execute(self, sql: str, params: Any = None) -> Any:
        # A SELECT's profile is written when its result has been fetched, so after
        # this call returns: collect it before the next statement overwrites it.
        self.collect()
        result = self._con.execute(sql, params or [])
        self.collect()
        return result

    def collect(self) -> None:
        """Add up the profile of the statement that finished last, if not yet."""
        if self._out.exists():
            for node in _nodes(json.loads(self._out.read_text(encoding="utf-8"))):
                if node.get("type") != "TABLE_SCAN":
                    continue
                info = node.get("extra_info") or {}
                if info.get("Function") == "READ_PARQUET":
                    self.reads.parquet_rows += int(node["rows_scanned"])
                    names = info.get("Filename(s)", "")
                    self.reads.files.update(n for n in names.split(", ") if n)
                elif str(info.get("Table", "")).endswith("police_street"):
                    self.reads.table_rows += int(node["rows_scanned"])
            self._out.unlink()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _nodes(tree: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = list(tree.get("operator", [])) + list(tree.get("children", []))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("children", []))


def _month_file(folder: Path, month: str, rows: int) -> Path:
    """A valid police.uk file of ``rows`` synthetic crimes in ``month``."""
    out = folder / f"{month}-west-yorkshire-street.csv"
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(ref.HEADER)
        for i in range(rows):
            w.writerow(
                [
                    f"S{month.replace('-', '')}X{i}",
                    month,
                    "West Yorkshire Police",
                    "West Yorkshire Police",
                    "-1.55",
                    "53.8",
                    "On or near Somewhere",
                    "E01011365",
                    "Leeds 111B",
                    "Burglary",
                    "Under investigation",
                    "",
                ]
            )
    return out


def _months(n: int) -> list[str]:
    """``n`` months ending 2018-06."""
    out = []
    y, m = 2018, 6
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return sorted(out)


@dataclass
class _Measured:
    held: int
    copied: list[int]
    first: _Reads
    again: _Reads
    republished: _Reads


def _measure(tmp: Path, months: int, per_month: int) -> _Measured:
    """Build a store of ``months`` months by import, then import into it and measure."""
    src = tmp / "csv"
    src.mkdir(parents=True)
    names = _months(months)
    for month in names:
        _month_file(src, month, per_month)
    path = tmp / "analytics.duckdb"
    with open_store(path) as store:
        assert import_police(store, [src]).exit_code == 0
    # The republished month: the first held month again, every outcome changed.
    again_dir = tmp / "republished"
    again_dir.mkdir()
    text = (src / f"{names[0]}-west-yorkshire-street.csv").read_text(encoding="utf-8")
    (again_dir / f"{names[0]}-west-yorkshire-street.csv").write_text(
        text.replace("Under investigation", "Unable to prosecute suspect"),
        encoding="utf-8",
    )
    copied = []
    reads = []
    for files, added, updated in (
        ([GOOD], 50, 0),
        ([GOOD], 0, 0),
        ([again_dir], 0, per_month),
    ):
        with open_store(path) as store:
            copied.append(store.copied)
            prof = _Profiled(store.con, tmp / "profile.json")
            report = import_police(Store(prof, store.path, store.file), files)  # type: ignore[arg-type]
            assert (report.added, report.files[0].updated) == (added, updated)
            prof.execute("SELECT 1").fetchall()  # the last statement's profile
            reads.append(prof.reads)
    with open_store(path, read_only=True) as store:
        held = int(store.scalar("SELECT count(*) FROM police_street"))
    return _Measured(held, copied, *reads)


def test_an_import_reads_and_copies_the_same_whatever_the_store_holds(
    tmp_path: Path,
) -> None:
    per_month = 3_000
    small = _measure(tmp_path / "small", 12, per_month)
    big = _measure(tmp_path / "big", 36, per_month)
    assert big.held == 3 * small.held - 100  # GOOD's 50 rows are in both
    # The writer copies the small versioned file only, never the records: about the
    # same bytes (the rollup and ledgers grow a little with the months) however many
    # records the store holds.
    for s, b in zip(small.copied, big.copied, strict=True):
        assert abs(b - s) <= 2 * BLOCK, (small.copied, big.copied)
    records = sum(
        f.stat().st_size
        for f in parts_dir(tmp_path / "big" / "analytics.duckdb").rglob("*.parquet")
    )
    assert max(big.copied) < 16 * BLOCK
    # A new month reads no held records; its re-import reads its own month's file only;
    # a republished month reads that month's file and no other.
    for s, b in (
        (small.first, big.first),
        (small.again, big.again),
        (small.republished, big.republished),
    ):
        assert (b.parquet_rows, len(b.files), b.table_rows) == (
            s.parquet_rows,
            len(s.files),
            s.table_rows,
        )
    assert big.first.parquet_rows == 0 and not big.first.files
    assert big.again.parquet_rows == 50 and len(big.again.files) == 1
    assert big.republished.parquet_rows == per_month
    assert len(big.republished.files) == 1
    assert records > 0


def test_sealing_the_rollup_reads_no_record_file(tmp_path: Path) -> None:
    """The writer seals the rollup as it closes, after every import: from the part
    ledger, not by counting the records through their Parquet files (whose footers
    alone cost 0.22 s at ten years). Shown with every record file out of reach."""
    src = tmp_path / "csv"
    src.mkdir()
    for month in _months(3):
        _month_file(src, month, 200)
    path = tmp_path / "analytics.duckdb"
    with open_store(path) as store:
        assert import_police(store, [src]).added == 600
        parts = parts_dir(path)
        aside = parts.rename(tmp_path / "aside")
        try:
            assert seal_police_rollup(store)
        finally:
            aside.rename(parts)
    with open_store(path, read_only=True) as store:
        assert int(store.scalar("SELECT count(*) FROM police_street")) == 600


def test_rows_written_by_other_means_move_into_their_months_file(
    tmp_path: Path,
) -> None:
    # A store made before the monthly files (or written by hand) holds its records in
    # the table: an import of a month moves that month's rows into its file, reading
    # only that month's rows, and every record still reads once.
    path = tmp_path / "analytics.duckdb"
    with open_store(path) as store:
        store.execute(
            """
            INSERT INTO police_street
            SELECT 'old' || i, 'old' || i, DATE '2018-07-01' - to_months(i % 3),
                   'West Yorkshire Police', 'West Yorkshire Police', -1.55, 53.8,
                   'On or near Somewhere', 'E01011365', 'Leeds 111B', 'Burglary',
                   NULL, NULL, true, 'old.csv', i, 0
            FROM range(300) t(i)
            """
        )
        refresh_police_rollup(store)
    with open_store(path) as store:
        report = import_police(store, [GOOD])
        assert report.added == 50
        counts = dict(
            store.execute(
                "SELECT strftime(month, '%Y-%m'), count(*) FROM police_street "
                "GROUP BY 1"
            ).fetchall()
        )
        assert counts == {"2018-05": 100, "2018-06": 100, "2018-07": 150}
        table = local_police_table(store.con)
        left = store.scalar(
            f"SELECT count(*) FROM {table} WHERE month = DATE '2018-07-01'"
        )
        assert left == 0
        assert store.scalar(f"SELECT count(*) FROM {table}") == 200
        rollup = store.scalar("SELECT sum(n) FROM police_month_rollup")
        assert rollup == 350


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
