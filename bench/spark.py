"""Indicators and hotspot grid counts: DuckDB (the store) vs Spark local mode, same input.

Input: the two shipped West Yorkshire police.uk months (60,172 records), replicated
and shifted a month at a time to 2,000,000 records (--quick: 200,000) over the Leeds
geography, in the analytics store; for Spark, the same tables exported to Parquet (the
export is timed on its own, as is the Spark session's start).

Timed, each side warmed by one untimed run, median of 3: every count indicator for
every MSOA and month (``monthly_values``), and the district's records per 250 m cell
(``grid_counts``). Both sides must give identical numbers before anything is printed.
Spark runs in local mode on this machine's cores, so the ratio is what Spark's
overhead costs on one machine, not what a cluster gains; the point of Spark is data
beyond one machine. Run: ``bench/run.py spark`` or ``python bench/spark.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import row  # noqa: E402

from saferleeds.analytics.geography import load_geography  # noqa: E402
from saferleeds.analytics.hotspots import grid_counts, study_grid  # noqa: E402
from saferleeds.analytics.indicators import SparkEngine, monthly_values  # noqa: E402
from saferleeds.analytics.spark import (  # noqa: E402
    export_parquet,
    local_spark,
    register_parquet,
    spark_unavailable_reason,
)
from saferleeds.analytics.store import open_store, refresh_police_rollup  # noqa: E402
from saferleeds.importers.police import import_police  # noqa: E402
from saferleeds.partnership import current  # noqa: E402

SHIPPED = Path(__file__).resolve().parents[1] / "src" / "saferleeds" / "data" / "police"


def make_store(path: Path, n_rows: int) -> None:
    """The shipped months, copied with a month's shift each time until ``n_rows``."""
    with open_store(path) as store:
        load_geography(store, current())
        report = import_police(store, [SHIPPED])
        assert report.exit_code == 0
        base = int(store.execute("SELECT count(*) FROM police_street").fetchone()[0])
        copies = max(0, -(-n_rows // base) - 1)
        store.execute(
            f"""
            INSERT INTO police_street
            SELECT p.* REPLACE (p.row_key || '~' || k AS row_key,
                                (p.month + to_months(k::INTEGER))::DATE AS month)
            FROM police_street p, range(1, {copies + 1}) r(k)
            """
        )
        refresh_police_rollup(store)
        store.execute("CHECKPOINT")


def _median(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    fn()
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def run(quick: bool = False, rows: int | None = None) -> list[dict[str, Any]]:
    """Print DuckDB and Spark times and their ratio; return them as summary rows."""
    reason = spark_unavailable_reason()
    if reason is not None:
        print(f"skipped: {reason}")
        return []
    n_rows = rows if rows is not None else 200_000 if quick else 2_000_000
    os.environ.setdefault("SAFERLEEDS_SPARK_MASTER", "local[*]")
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "analytics.duckdb"
        make_store(path, n_rows)
        grid = study_grid(250.0)
        district = current().district_code
        with open_store(path, read_only=True) as store:
            n = int(store.execute("SELECT count(*) FROM police_street").fetchone()[0])
            first, last = store.execute(
                "SELECT min(month), max(month) FROM police_street"
            ).fetchone()
            t = time.perf_counter()
            export_parquet(store, Path(tmp) / "parquet")
            export_s = time.perf_counter() - t
            t = time.perf_counter()
            session = local_spark(app="saferleeds-bench")
            register_parquet(session, str(Path(tmp) / "parquet"))
            start_s = time.perf_counter() - t
            spark = SparkEngine(session)
            master = session.sparkContext.master

            def ind(source: Any) -> Any:
                return monthly_values(source, first, last, by="msoa")

            def cells(source: Any) -> Any:
                return grid_counts(source, grid, area=district)

            d_ind_s, d_ind = _median(lambda: ind(store))
            s_ind_s, s_ind = _median(lambda: ind(spark))
            assert s_ind == d_ind, "indicators differ between DuckDB and Spark"
            d_grid_s, d_grid = _median(lambda: cells(store))
            s_grid_s, s_grid = _median(lambda: cells(spark))
            assert np.array_equal(s_grid.counts, d_grid.counts), "grid counts differ"
        session.stop()
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    inputs = f"{n:,} records, {months} months"
    print(
        f"{inputs}; Parquet export {export_s:.2f} s, Spark start {start_s:.1f} s "
        f"({master}, {os.cpu_count()} CPUs)"
    )
    print(
        f"indicators, {len(d_ind):,} values (every count indicator x MSOA x month): "
        f"DuckDB {d_ind_s:.3f} s, Spark {s_ind_s:.3f} s, ratio Spark/DuckDB "
        f"{s_ind_s / d_ind_s:.1f}x, identical"
    )
    print(
        f"grid counts, {grid.n_active:,} cells of 250 m, {d_grid.records:,} located "
        f"records: DuckDB {d_grid_s:.3f} s, Spark {s_grid_s:.3f} s, ratio "
        f"Spark/DuckDB {s_grid_s / d_grid_s:.1f}x, identical"
    )
    note = (
        f"Spark {master} on {os.cpu_count()} CPUs; export {export_s:.1f} s, start "
        f"{start_s:.1f} s not included"
    )
    out.append(
        row(
            "indicators, Spark vs DuckDB",
            inputs,
            d_ind_s,
            "Spark local (same SQL)",
            s_ind_s,
            accuracy="identical",
            note=note,
        )
    )
    out.append(
        row(
            "grid counts 250 m, Spark vs DuckDB",
            inputs,
            d_grid_s,
            "Spark local (same SQL)",
            s_grid_s,
            accuracy="identical",
            note=note,
        )
    )
    return out


def main() -> None:
    """Run at the size asked and print the summary table."""
    import report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200,000 records")
    parser.add_argument("--rows", type=int, help="records (default 2,000,000)")
    args = parser.parse_args()
    report.print_table(run(quick=args.quick, rows=args.rows))


if __name__ == "__main__":
    main()
