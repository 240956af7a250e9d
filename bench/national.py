"""National scale on one machine: a ten-year store of every force, and the indicators
page for any force area (issue #17).

Input: the synthetic national archive of ``saferleeds.importers.police.national`` (each
force's month the real West Yorkshire July 2018 month replicated to the force's
recorded-crime share, British Transport Police too, on a SYNTHETIC geography of
34,753 LSOAs in force areas), 500,000 rows a month for 120 months: 60M rows, about
5,280 police.uk files (44 a month). The store is built by the import, a month of every force at a
time (each file through ``import_police``, one writer), and the national geography
loaded with ``load_national_geography``.

Measured: the build (and the per-month import time of the first and last tenth of the
months, all in the one writer's session); a new national month into the finished store
against the same month into an empty store, each through its own writable open as the
command runs (target <= 1.5x), with memory; then, on the finished
store opened read-only as the pages open it, the indicators dashboard (what the
indicators page computes: every indicator with the previous-year comparison, 24-month
series, the MSOA ranking) for EVERY geographic force area, warmed once, median of 3;
target < 1 s for each. Checked on every force: the dashboard's total recorded crime and
ASB for the month equal a brute-force count over the 60M records. Peer for the largest
force: hand-written DuckDB SQL over the records (its counts by MSOA and month for the
dashboard's 25 months), what the page would cost without the rollup.

Run: ``python bench/national.py [--rows-per-month N] [--months M] [--keep DIR]``
(default 500,000 x 120; ``--keep`` leaves the store in DIR). Writes
``bench/results/national-<months>x<rows a month>.json``.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from report import RESULTS, median_time, peak_mb, print_table, row, write_summary

from saferleeds.analytics.geography import load_national_geography
from saferleeds.analytics.indicators import dashboard, month_period
from saferleeds.analytics.police_reference import ASB
from saferleeds.analytics.store import open_store
from saferleeds.importers.police import import_police
from saferleeds.importers.police.national import month_writer, plan, write_geography

FIRST_YEAR = 2016


def build(
    folder: Path, rows_per_month: int, months: int
) -> tuple[Path, int, float, list[float]]:
    """Build the national store under ``folder``; return it, its rows, the build's
    seconds and each month's import seconds."""
    national = plan(rows_per_month)
    geo = folder / "national-lsoa.csv"
    write_geography(national, geo)
    db = folder / "store" / "analytics.duckdb"
    db.parent.mkdir()
    per_month: list[float] = []
    rows = 0
    t0 = time.perf_counter()
    with open_store(db) as store, month_writer(national, geo) as writer:
        load_national_geography(store, geo)
        for i in range(months):
            month = f"{FIRST_YEAR + i // 12}-{i % 12 + 1:02d}"
            files = writer.write(month, folder)
            t = time.perf_counter()
            report = import_police(store, files)
            per_month.append(time.perf_counter() - t)
            assert report.exit_code == 0, [f.problems[:3] for f in report.files]
            rows += report.added
            for f in files:
                f.unlink()
            if (i + 1) % 12 == 0 or i + 1 == months:
                print(
                    f"  {month}: {rows:,} rows held, last month's "
                    f"{len(files)} files imported in {per_month[-1]:.2f} s",
                    flush=True,
                )
    return db, rows, time.perf_counter() - t0, per_month


def _into(db: Path, files: list[Path]) -> int:
    """One month's files into the store ``db``, through its own writable open."""
    with open_store(db) as store:
        report = import_police(store, files)
    assert report.exit_code == 0, [f.problems[:3] for f in report.files]
    return report.added


def _empty(folder: Path, geo: Path) -> Path:
    """A new store holding only the national geography."""
    folder.mkdir(parents=True)
    db = folder / "analytics.duckdb"
    with open_store(db) as store:
        load_national_geography(store, geo)
    return db


def month_at_scale(db: Path, folder: Path, rows_per_month: int) -> dict[str, Any]:
    """A national month (every force's file) into the built store against the same
    month into an empty store, each through its own writable open as `saferleeds
    import police` runs; months the store does not hold, median of 3; memory too."""
    national = plan(rows_per_month)
    geo = folder / "national-lsoa.csv"
    sets = []
    with month_writer(national, geo) as writer:
        for k in range(1, 9):
            (folder / f"m{k}").mkdir()
            sets.append(writer.write(f"2040-{k:02d}", folder / f"m{k}"))
    with open_store(db, read_only=True) as store:
        rows = int(store.scalar("SELECT sum(rows) FROM police_part"))
    held = iter(sets[:3])
    fresh = iter(sets[3:6])
    big_s, added, _ = median_time(lambda: _into(db, next(held)))
    assert added == national.rows_per_month
    empty_s, added, _ = median_time(
        lambda: _into(_empty(folder / f"e{time.perf_counter_ns()}", geo), next(fresh))
    )
    assert added == national.rows_per_month
    mem_big = peak_mb(functools.partial(_into, db, sets[6]), "spawn")
    mem_empty = peak_mb(
        functools.partial(_into, _empty(folder / "e-mem", geo), sets[7]), "spawn"
    )
    print(
        f"a national month ({national.rows_per_month:,} rows, 44 files) into the "
        f"store of {rows:,} rows {big_s:.2f} s (+{mem_big:,.0f} MB), into an empty "
        f"store {empty_s:.2f} s (+{mem_empty:,.0f} MB): {big_s / empty_s:.2f}x"
    )
    return row(
        "national month at store scale",
        f"a month of every force ({national.rows_per_month:,} rows, 44 files) into "
        f"the national store ({rows:,} rows, a month more at each run)",
        big_s,
        "the same month into an empty store",
        empty_s,
        accuracy="exit 0; rows added equal the month's",
        memory_mb_ours=mem_big,
        memory_mb_peer=mem_empty,
        note=f"target <= 1.5x: {big_s / empty_s:.2f}x",
    )


def _brute(store: Any, force: str, month: Any) -> tuple[int, int]:
    """Crimes and ASB of ``force``'s area in ``month``, counted from the records."""
    got = store.execute(
        "SELECT count(*) FILTER (crime_type <> ?), count(*) FILTER (crime_type = ?) "
        "FROM police_street p JOIN area_lsoa a ON a.lsoa_code = p.lsoa_code "
        "WHERE a.force_name = ? AND p.month = ?",
        [ASB, ASB, force, month],
    ).fetchone()
    return int(got[0]), int(got[1])


def _hand_sql(store: Any, force: str, start: Any, end: Any) -> int:
    """The force's counts by MSOA and month from the records (no rollup)."""
    return len(
        store.execute(
            "SELECT a.msoa_code, p.month, count(*) FILTER (p.crime_type <> ?), "
            "count(*) FILTER (p.crime_type = ?) FROM police_street p "
            "JOIN area_lsoa a ON a.lsoa_code = p.lsoa_code "
            "WHERE a.force_name = ? AND p.month BETWEEN ? AND ? GROUP BY ALL",
            [ASB, ASB, force, start, end],
        ).fetchall()
    )


def _page(db: Path, force: str, period: Any) -> None:
    with open_store(db, read_only=True) as store:
        dashboard(store, period, area=force)


def _hand(db: Path, force: str, start: Any, end: Any) -> None:
    with open_store(db, read_only=True) as store:
        _hand_sql(store, force, start, end)


def measure(db: Path, rows: int) -> list[dict[str, Any]]:
    """Time the dashboard for every force area of the built store and check it."""
    out: list[dict[str, Any]] = []
    with open_store(db, read_only=True) as store:
        forces = [
            r[0]
            for r in store.execute(
                "SELECT force_name, count(*) FROM area_lsoa GROUP BY 1 ORDER BY 2 DESC"
            ).fetchall()
        ]
        last = store.scalar("SELECT max(month) FROM police_month_rollup")
        period = month_period(last.year, last.month)
        times: dict[str, float] = {}
        wrong: list[str] = []
        for force in forces:
            dashboard(store, period, area=force)  # warm
            s, dash, _ = median_time(lambda f=force: dashboard(store, period, area=f))
            times[force] = s
            got = {r.id: r.value for r in dash.results}
            crimes, asb = _brute(store, force, period.start)
            if (got.get("total_recorded_crime"), got.get("asb")) != (crimes, asb):
                wrong.append(f"{force}: {got} vs {crimes}, {asb}")
        biggest = forces[0]
        start = period.start.replace(year=period.start.year - 2)
        _hand_sql(store, biggest, start, period.end)  # warm
        hand_s, _, _ = median_time(lambda: _hand_sql(store, biggest, start, period.end))
        ours_big = times[biggest]

    # Each in a fresh interpreter on its own connection: a fork of this process, whose
    # DuckDB threads have run, can leave a lock held in the child.
    mem_ours = peak_mb(functools.partial(_page, db, biggest, period), "spawn")
    mem_hand = peak_mb(
        functools.partial(_hand, db, biggest, start, period.end), "spawn"
    )
    slowest = max(times, key=lambda f: times[f])
    median_all = statistics.median(times.values())
    print(
        f"dashboard for each of {len(times)} force areas: median {median_all:.3f} s, "
        f"slowest {slowest} {times[slowest]:.3f} s; {biggest} {ours_big:.3f} s vs "
        f"hand SQL over the records {hand_s:.3f} s; wrong: {wrong or 'none'}"
    )
    out.append(
        row(
            "indicators page, national store",
            f"{rows:,} rows, every force, {len(times)} force areas; {biggest}",
            ours_big,
            "hand-written DuckDB SQL over the records (counts by MSOA x 25 months)",
            hand_s,
            accuracy=(
                f"crimes and ASB of the month equal a count of the records for all "
                f"{len(times)} forces"
                if not wrong
                else f"WRONG for {len(wrong)} forces: {wrong[:2]}"
            ),
            memory_mb_ours=mem_ours,
            memory_mb_peer=mem_hand,
            note=f"target < 1 s for every force: slowest {slowest} "
            f"{times[slowest]:.3f} s, median {median_all:.3f} s",
        )
    )
    return out


def run(
    quick: bool = False,
    rows_per_month: int = 500_000,
    months: int = 120,
    keep: Path | None = None,
) -> list[dict[str, Any]]:
    """Build the national store, measure, and return the result rows.

    ``quick``: 50,000 rows a month for 24 months (a smoke run).
    """
    if quick:
        rows_per_month, months = 50_000, 24
    with tempfile.TemporaryDirectory(prefix="national-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db, rows, built, per_month = build(folder, rows_per_month, months)
        tenth = max(1, len(per_month) // 10)
        first = statistics.median(per_month[:tenth])
        last = statistics.median(per_month[-tenth:])
        parts = sum(f.stat().st_size for f in db.parent.rglob("*.parquet")) / 1e6
        print(
            f"built {rows:,} rows in {months} months ({built:,.0f} s, "
            f"{rows / built:,.0f} rows/s); a month's files: first {tenth} "
            f"{first:.2f} s, last {tenth} {last:.2f} s ({last / first:.2f}x); "
            f"{parts:,.0f} MB of Parquet, store file "
            f"{db.stat().st_size / 1e6:,.0f} MB"
        )
        return [
            row(
                "national store build",
                f"{months} months x every force ({rows:,} rows) by the import",
                last,
                "a month's files into the first tenth of the store",
                first,
                repeats_ours=tenth,
                repeats_peer=tenth,
                accuracy="exit 0 for every file; rows added equal rows written",
                note=f"build {built:,.0f} s; a month's files into the last tenth "
                f"vs the first (target flat, <= 1.5x): {last / first:.2f}x",
            ),
            *measure(db, rows),
            month_at_scale(db, folder, rows_per_month),
        ]


def main() -> None:
    """Run at the sizes given on the command line; print and write the results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows-per-month", type=int, default=500_000)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--keep", type=Path, default=None)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    rows_out = run(args.quick, args.rows_per_month, args.months, args.keep)
    rows, months = (50_000, 24) if args.quick else (args.rows_per_month, args.months)
    name = f"national-{months}x{rows}.json"
    print_table(rows_out)
    write_summary(rows_out, name)
    print(f"written to {RESULTS / name}")


if __name__ == "__main__":
    main()
