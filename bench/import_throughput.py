"""police.uk import throughput: `saferleeds import police` vs DuckDB's own read_csv.

The peer is DuckDB reading the same CSV into a table with no validation, no keys and no
quarantine: the physical limit for this store. Goal: validation and idempotence cost no
more than 2x that raw parse.
"""

from __future__ import annotations

import csv
import gzip
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
from report import row

from saferleeds.analytics.police_reference import COLUMNS
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


def saferleeds_import(path: Path, db: Path) -> tuple[float, float]:
    """Seconds for a first import and for a repeat import (idempotence) of the file."""
    with open_store(db) as store:
        t = time.perf_counter()
        first = import_police(store, [path])
        t_first = time.perf_counter() - t
        t = time.perf_counter()
        again = import_police(store, [path])
        t_again = time.perf_counter() - t
    assert first.exit_code == 0 and again.added == 0
    return t_first, t_again


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Print rows/s for both and the ratio, median of 3 runs per size; return the rows."""
    sizes = [4] if quick else [10, 32]
    rows: list[dict[str, Any]] = []
    for copies in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            csv_path = d / "2018-07-west-yorkshire-street.csv"
            n = make_file(csv_path, copies)
            raw, ours, again = [], [], []
            for i in range(3):
                raw.append(raw_parse(csv_path, d / f"raw{i}.duckdb"))
                a, b = saferleeds_import(csv_path, d / f"sl{i}.duckdb")
                ours.append(a)
                again.append(b)
            r, o, g = (statistics.median(x) for x in (raw, ours, again))
            mb = csv_path.stat().st_size / 1e6
            print(
                f"{n:>10,} rows ({mb:,.0f} MB): DuckDB read_csv {n / r:>12,.0f} rows/s | "
                f"saferleeds import {n / o:>12,.0f} rows/s (ratio {o / r:.2f}x) | "
                f"re-import {n / g:>12,.0f} rows/s (ratio {g / r:.2f}x)"
            )
            inputs = f"{n:,} rows ({mb:,.0f} MB CSV), empty store"
            peer = "DuckDB read_csv (no validation, no keys)"
            done = "exit 0; the re-import adds 0 rows"
            rows.append(row("import", inputs, o, peer, r, accuracy=done))
            rows.append(row("re-import", inputs, g, peer, r, accuracy=done))
    return rows


if __name__ == "__main__":
    run()
