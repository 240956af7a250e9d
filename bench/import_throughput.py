"""police.uk import throughput: `saferleeds import police` vs DuckDB's own read_csv.

The peer is DuckDB reading the same CSV into a table with no validation, no keys and no
quarantine: the physical limit for this store. Goal: validation and idempotence cost no
more than 2x that raw parse.

Store scale (issue #17, defect 1): one real month (July 2018, 31,635 rows, moved to a
month the store does not hold) into an empty store and into a store of many months
built by the same import, each through its own writable open (copy, import, swap), with
peak memory beside DuckDB's read_csv of the same file. Target: within 1.5x of the empty
store, and at most 2x read_csv's memory. Run alone:
``python bench/import_throughput.py --scale [MONTHS] [COPIES]`` (default 120 months of
3 copies of the month: 11.4M rows). One file of ten million rows against read_csv:
``python bench/import_throughput.py --large``.
"""

from __future__ import annotations

import csv
import functools
import gzip
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
from report import median_time, peak_mb, row

from saferleeds.analytics.police_reference import COLUMNS, HEADER
from saferleeds.analytics.store import open_store
from saferleeds.importers.police import import_police

SOURCE = (
    Path(__file__).resolve().parents[1]
    / "src/saferleeds/data/police/2018-07-west-yorkshire-street.csv.gz"
)


def make_file(path: Path, copies: int) -> int:
    """Write a street-level CSV of ``copies`` x the real July 2018 month (unique Crime IDs)."""
    with gzip.open(SOURCE, "rt", encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for c in range(copies):
            for r in rows:
                w.writerow([f"{r[0][:-6]}{c:06d}" if r[0] else "", *r[1:]])
    return copies * len(rows)


def raw_parse(path: Path, db: Path) -> float:
    """Seconds for DuckDB to read the CSV into a table, all columns as text."""
    cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in COLUMNS) + "}"
    con = duckdb.connect(str(db))
    t = time.perf_counter()
    con.execute(
        f"CREATE TABLE raw AS SELECT * FROM read_csv('{path}', columns={cols}, "
        "header=true, auto_detect=false)"
    )
    elapsed = time.perf_counter() - t
    con.close()
    return elapsed


def typed_parse(path: Path, db: Path) -> float:
    """Seconds for DuckDB's read_csv as its users call it (types detected: the
    coordinates as DOUBLE) into a table: issue #17's peer for the import."""
    con = duckdb.connect(str(db))
    t = time.perf_counter()
    con.execute(f"CREATE TABLE raw AS SELECT * FROM read_csv('{path}')")
    elapsed = time.perf_counter() - t
    con.close()
    return elapsed


def saferleeds_import(path: Path, db: Path) -> tuple[float, float]:
    """Seconds for a first import and for a repeat import (idempotence) of the file."""
    db.parent.mkdir(parents=True, exist_ok=True)
    with open_store(db) as store:
        t = time.perf_counter()
        first = import_police(store, [path])
        t_first = time.perf_counter() - t
        t = time.perf_counter()
        again = import_police(store, [path])
        t_again = time.perf_counter() - t
    assert first.exit_code == 0 and again.added == 0
    return t_first, t_again


def _import_once(path: Path, db: Path) -> None:
    db.parent.mkdir(parents=True, exist_ok=True)
    with open_store(db) as store:
        assert import_police(store, [path]).exit_code == 0


def run(quick: bool = False, large: bool = False) -> list[dict[str, Any]]:
    """Print rows/s for ours and both DuckDB peers and the ratios, median of 3 runs per
    size, peak memory at the largest size; return the rows.

    ``large``: one file of ten million rows (320 copies of the month, 2.2 GB), the
    issue's size, instead of the default 0.3M and 1M.
    """
    sizes = [4] if quick else [320] if large else [10, 32]
    rows: list[dict[str, Any]] = []
    for copies in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            if copies > 32:
                con = _month_table()
                csv_path = month_file(con, d, "2018-07", copies)
                con.close()
                n = copies * 31_635
            else:
                csv_path = d / "2018-07-west-yorkshire-street.csv"
                n = make_file(csv_path, copies)
            raw, typed, ours, again = [], [], [], []
            for i in range(3):
                raw.append(raw_parse(csv_path, d / f"raw{i}.duckdb"))
                (d / f"raw{i}.duckdb").unlink()
                typed.append(typed_parse(csv_path, d / f"typed{i}.duckdb"))
                (d / f"typed{i}.duckdb").unlink()
                a, b = saferleeds_import(csv_path, d / f"sl{i}" / "analytics.duckdb")
                shutil.rmtree(d / f"sl{i}")
                ours.append(a)
                again.append(b)
            r, ty, o, g = (statistics.median(x) for x in (raw, typed, ours, again))
            mem_ours = mem_typed = None
            if copies == sizes[-1]:
                mem_ours = peak_mb(
                    functools.partial(
                        _import_once, csv_path, d / "mem" / "analytics.duckdb"
                    )
                )
                shutil.rmtree(d / "mem", ignore_errors=True)
                mem_typed = peak_mb(
                    functools.partial(typed_parse, csv_path, d / "memt.duckdb")
                )
            mb = csv_path.stat().st_size / 1e6
            memory = (
                ""
                if mem_ours is None
                else f" | peak +{mem_ours:,.0f} MB vs read_csv +{mem_typed:,.0f} MB"
            )
            print(
                f"{n:>10,} rows ({mb:,.0f} MB): read_csv typed {n / ty:>12,.0f} rows/s, "
                f"text {n / r:>12,.0f} rows/s | saferleeds import {n / o:>12,.0f} rows/s "
                f"(ratio {o / ty:.2f}x typed, {o / r:.2f}x text) | re-import "
                f"{n / g:>12,.0f} rows/s ({g / ty:.2f}x typed){memory}"
            )
            inputs = f"{n:,} rows ({mb:,.0f} MB CSV), empty store"
            done = "exit 0; the re-import adds 0 rows"
            rows.append(
                row(
                    "import",
                    inputs,
                    o,
                    "DuckDB read_csv, types detected (no validation, no keys)",
                    ty,
                    accuracy=done,
                    memory_mb_ours=mem_ours,
                    memory_mb_peer=mem_typed,
                    note="target <= 1.5x",
                )
            )
            rows.append(
                row(
                    "import",
                    inputs,
                    o,
                    "DuckDB read_csv, every column text",
                    r,
                    accuracy=done,
                )
            )
            peer = "DuckDB read_csv, types detected"
            rows.append(row("re-import", inputs, g, peer, ty, accuracy=done))
    return rows


HEADER_SQL = ", ".join(f'{c} AS "{h}"' for c, h in zip(COLUMNS, HEADER, strict=True))


def _month_table() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding the real month as text, to write shifted copies."""
    cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in COLUMNS) + "}"
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE real AS SELECT * FROM read_csv('{SOURCE}', columns={cols}, "
        "header=true, auto_detect=false)"
    )
    return con


def month_file(
    con: duckdb.DuckDBPyConnection, folder: Path, month: str, copies: int
) -> Path:
    """The real month moved to ``month``, ``copies`` times (unique Crime IDs)."""
    out = folder / f"{month}-west-yorkshire-street.csv"
    tag = month.replace("-", "")
    con.execute(
        f"""
        COPY (
            SELECT {
            HEADER_SQL.replace(
                "crime_id AS", f"crime_id || 'm{tag}c' || c AS", 1
            ).replace("month AS", f"'{month}' AS", 1)
        }
            FROM real, range({copies}) t(c)
        ) TO '{out}' (HEADER, DELIMITER ',')
        """
    )
    return out


def build_store(
    db: Path, folder: Path, months: int, copies: int
) -> tuple[int, list[float]]:
    """Import ``months`` monthly files (2011-01 on) into ``db``, one writer; per-file s."""
    con = _month_table()
    times: list[float] = []
    rows = 0
    with open_store(db) as store:
        for i in range(months):
            month = f"{2011 + i // 12}-{i % 12 + 1:02d}"
            f = month_file(con, folder, month, copies)
            t = time.perf_counter()
            report = import_police(store, [f])
            times.append(time.perf_counter() - t)
            assert report.exit_code == 0, report.files[0].problems[:3]
            rows += report.added
            f.unlink()
    con.close()
    return rows, times


def _fresh(d: Path) -> Path:
    """A new empty store's path under ``d``."""
    folder = Path(tempfile.mkdtemp(prefix="empty-", dir=d))
    return folder / "analytics.duckdb"


def _one_month(db: Path, csv_path: Path) -> None:
    with open_store(db) as store:
        report = import_police(store, [csv_path])
    assert report.exit_code == 0 and report.added > 0


def scale(months: int = 120, copies: int = 3) -> list[dict[str, Any]]:
    """A month into an empty store vs into a store of ``months`` months; memory too."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        big = d / "big" / "analytics.duckdb"
        big.parent.mkdir()
        t = time.perf_counter()
        held, per_file = build_store(big, d, months, copies)
        built = time.perf_counter() - t
        tenth = max(1, months // 10)
        first, last = (
            statistics.median(per_file[:tenth]),
            statistics.median(per_file[-tenth:]),
        )
        print(
            f"built {held:,} rows in {months} monthly imports in {built:,.0f} s; "
            f"median per month: first {tenth} {first:.2f} s, last {tenth} {last:.2f} s"
        )
        con = _month_table()
        files = [month_file(con, d, f"2030-{k:02d}", 1) for k in range(1, 13)]
        con.close()
        n = 31_635
        into_empty, _, _ = median_time(lambda: _one_month(_fresh(d), files[0]))
        left = iter(files[1:])
        into_big, _, _ = median_time(lambda: _one_month(big, next(left)))
        mem_empty = peak_mb(lambda: _one_month(_fresh(d), files[0]))
        mem_big = peak_mb(lambda: _one_month(big, files[10]))
        mem_csv = peak_mb(lambda: raw_parse(files[0], d / "raw-mem.duckdb"))
        raw_s, _, _ = median_time(
            lambda: raw_parse(files[0], d / f"raw{time.perf_counter_ns()}.duckdb")
        )
        parts = sum(f.stat().st_size for f in (big.parent).rglob("*.parquet")) / 1e6
        small = big.stat().st_size / 1e6
        print(
            f"one month ({n:,} rows): empty store {into_empty:.2f} s, +{mem_empty:,.0f} MB | "
            f"store of {held:,} rows {into_big:.2f} s ({into_big / into_empty:.2f}x), "
            f"+{mem_big:,.0f} MB | DuckDB read_csv {raw_s:.2f} s, +{mem_csv:,.0f} MB "
            f"(memory {mem_big / mem_csv:.2f}x) | versioned file {small:,.1f} MB copied "
            f"per import, records {parts:,.0f} MB in Parquet"
        )
        inputs = (
            f"one month ({n:,} rows) into a store of {held:,} rows ({months} months)"
        )
        rows.append(
            row(
                "import at store scale",
                inputs,
                into_big,
                "the same month into an empty store",
                into_empty,
                accuracy="exit 0; rows added equal the month's",
                memory_mb_ours=mem_big,
                memory_mb_peer=mem_empty,
                note=f"target <= 1.5x; read_csv of the file +{mem_csv:,.0f} MB "
                f"(target ours <= 2x: {mem_big / mem_csv:.2f}x); build {built:,.0f} s, "
                f"per month first {first:.2f} s last {last:.2f} s",
            )
        )
    return rows


if __name__ == "__main__":
    import sys

    if len(sys.argv) > 1 and sys.argv[1] == "--scale":
        args = [int(a) for a in sys.argv[2:4]]
        scale(*args)
    else:
        run(quick="--quick" in sys.argv, large="--large" in sys.argv)
