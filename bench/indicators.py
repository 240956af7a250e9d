"""Key indicators for every MSOA and month: saferleeds (DuckDB) vs pandas, and the dashboard.

Input: synthetic police.uk-shaped rows (10 million; --quick: 200,000) over 120 months
and the 482 Leeds LSOAs (plus 3% outside Leeds and 1% with no LSOA, as real files
have), in the analytics store. Both sides compute the same numbers: for each of the 107
MSOAs and each month, the police.uk indicators (total recorded crime, ASB, violence and
sexual offences) with counts, rates per 1,000 and harm-weighted totals. Harm uses
ILLUSTRATIVE integer weights (timing only: the published weights are blocked, see
saferleeds/data/harm/README.md). The benchmark checks the two agree before timing.

The peer is a straightforward pandas implementation (merge, boolean columns, groupby)
over a DataFrame already in memory: loading the 10M rows into pandas is not timed,
while saferleeds reads its store on every run. Also timed: the full progress dashboard
(every indicator for the district with a previous-year comparison, 24-month series with
control charts, and the MSOA ranking). Goals: >= 10x faster than pandas; dashboard
under 1 s.

Peers (issue #17): hand-written DuckDB SQL on the records and on the rollup (the
engine's limit: ours within 1.25x), and pandas with categorical codes (ours >= 6x).
Every side is warmed once, then the median of 3 rounds (each round runs every side
in turn, so changing load on shared CPUs falls on all sides alike); peak memory of one run each in
a forked child. Run alone: ``python bench/indicators.py [--quick | --rows N]`` prints
the summary table and writes ``bench/results/indicators-<rows>.json``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from report import peak_mb, row

from saferleeds.analytics.geography import load_geography
from saferleeds.analytics.indicators import (
    dashboard,
    month_period,
    monthly_values,
)
from saferleeds.analytics.indicators.harm import ILLUSTRATIVE, HarmWeights
from saferleeds.analytics.indicators.periods import add_months
from saferleeds.analytics.police_reference import ASB, CRIME_TYPES
from saferleeds.analytics.store import open_store, refresh_police_rollup
from saferleeds.partnership import current

MONTHS = 120
FIRST = month_period(2009, 1).start
POLICE_INDICATORS = ["total_recorded_crime", "asb", "violence_sexual"]
VSO = "Violence and sexual offences"

# Roughly West Yorkshire's mix, ASB included (cumulative thresholds out of 1,000).
MIX = [
    (ASB, 200),
    (VSO, 500),
    ("Criminal damage and arson", 590),
    ("Public order", 670),
    ("Other theft", 740),
    ("Shoplifting", 800),
    ("Vehicle crime", 860),
    ("Burglary", 930),
    ("Drugs", 950),
    ("Other crime", 966),
    ("Robbery", 975),
    ("Possession of weapons", 983),
    ("Theft from the person", 991),
    ("Bicycle theft", 1000),
]
WEIGHTS = HarmWeights(
    {t: Decimal(i + 2) for i, t in enumerate(sorted(set(CRIME_TYPES) - {ASB}))},
    ILLUSTRATIVE,
    "illustrative integer weights for timing",
    "illustrative weights: not a measure of harm",
)


def make_store(path: Path, n_rows: int) -> None:
    """Write a store with Leeds geography and ``n_rows`` synthetic police.uk rows."""
    case = " ".join(f"WHEN r < {hi} THEN '{t}'" for t, hi in MIX)
    with open_store(path) as store:
        load_geography(store, current())
        store.execute(
            f"""
            INSERT INTO police_street
            WITH codes AS (SELECT list(lsoa_code ORDER BY lsoa_code) AS c FROM area_lsoa),
            raw AS (
                SELECT i, hash(i) AS h, hash(i * 7 + 3) % 1000 AS r,
                       hash(i * 13 + 5) % 100 AS place
                FROM range({n_rows}) t(i)
            )
            SELECT 'k' || i, NULL,
                   (DATE '{FIRST}' + to_months((i % {MONTHS})::INTEGER))::DATE,
                   'West Yorkshire Police', 'West Yorkshire Police', NULL, NULL, NULL,
                   CASE WHEN place = 0 THEN NULL
                        WHEN place < 4 THEN 'E01099999'
                        ELSE codes.c[1 + (h % len(codes.c))::INTEGER] END,
                   NULL, CASE {case} END, NULL, NULL, place <> 0, 'bench', i, 0
            FROM raw, codes
            """
        )
        # As imports leave it: the indicators' rollup counted (timed separately).
        t = time.perf_counter()
        refresh_police_rollup(store)
        ROLLUP_BUILD_S[0] = time.perf_counter() - t
        store.execute("CHECKPOINT")


ROLLUP_BUILD_S = [0.0]  # seconds to count the rollup from scratch, set by make_store


def hand_sql(path: Path, table: str = "police_street") -> dict[tuple[str, str], tuple]:
    """The same counts and harm as one hand-written DuckDB query, what an analyst who
    knows DuckDB would write (the engine's limit, issue #17). ``table`` the records,
    or the rollup (``police_month_rollup``, counts in ``n``)."""
    n = "n" if table == "police_month_rollup" else "1"
    weight = " ".join(f"WHEN '{t}' THEN {w}" for t, w in WEIGHTS.weights.items())
    with open_store(path, read_only=True) as store:
        rows = store.execute(
            f"""
            SELECT a.msoa_code, p.month,
                   sum({n}) FILTER (WHERE crime_type <> '{ASB}'),
                   sum({n}) FILTER (WHERE crime_type = '{ASB}'),
                   sum({n}) FILTER (WHERE crime_type = '{VSO}'),
                   sum({n} * CASE crime_type {weight} ELSE 0 END)
                       FILTER (WHERE crime_type <> '{ASB}'),
                   sum({n} * CASE crime_type {weight} ELSE 0 END)
                       FILTER (WHERE crime_type = '{VSO}')
            FROM {table} p JOIN area_lsoa a ON a.lsoa_code = p.lsoa_code
            WHERE p.month BETWEEN DATE '{FIRST}'
                  AND DATE '{add_months(FIRST, MONTHS - 1)}'
            GROUP BY a.msoa_code, p.month
            """
        ).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


def _check_hand(ours: list[Any], hand: dict[tuple[str, str], tuple]) -> None:
    col = {"total_recorded_crime": 0, "asb": 1, "violence_sexual": 2}
    harm = {"total_recorded_crime": 3, "violence_sexual": 4}
    for v in ours:
        got = hand.get((v.area, v.month))
        assert (got[col[v.id]] or 0 if got else 0) == (v.value or 0), (v, got)
        if v.id in harm and got:
            assert float(got[harm[v.id]] or 0) == float(v.harm or 0), (v, got)


def pandas_categorical(df: Any, areas: Any) -> Any:
    """The counts in pandas done well: categorical codes, integer group keys."""
    import numpy as np
    import pandas as pd

    lsoa = df["lsoa_code"].cat.categories
    to_msoa = areas.set_index("lsoa_code")["msoa_code"].reindex(lsoa)
    msoa_codes = pd.Categorical(to_msoa)
    m_code = np.asarray(msoa_codes.codes)[df["lsoa_code"].cat.codes.to_numpy()]
    keep = (df["lsoa_code"].cat.codes.to_numpy() >= 0) & (m_code >= 0)
    types = df["crime_type"].cat.categories
    asb = np.asarray(types == ASB)[df["crime_type"].cat.codes.to_numpy()]
    vso = np.asarray(types == VSO)[df["crime_type"].cat.codes.to_numpy()]
    w_by_type = np.array([float(WEIGHTS.weights.get(t, 0)) for t in types])
    w = w_by_type[df["crime_type"].cat.codes.to_numpy()]
    frame = pd.DataFrame(
        {
            "m": m_code[keep],
            "month": df["month"].to_numpy()[keep],
            "total_recorded_crime": ~asb[keep],
            "asb": asb[keep],
            "violence_sexual": vso[keep],
            "harm_total_recorded_crime": np.where(asb, 0.0, w)[keep],
            "harm_violence_sexual": np.where(vso, w, 0.0)[keep],
        }
    )
    return frame.groupby(["m", "month"], sort=False).sum()


def duckdb_all(path: Path) -> list[Any]:
    """saferleeds: every police indicator, every MSOA, every month."""
    with open_store(path, read_only=True) as store:
        return monthly_values(
            store,
            FIRST,
            add_months(FIRST, MONTHS - 1),
            by="msoa",
            indicators=POLICE_INDICATORS,
            harm_weights=WEIGHTS,
        )


def pandas_all(df: Any, areas: Any) -> Any:
    """The same numbers, written the straightforward way in pandas."""
    import pandas as pd

    m = df.merge(areas[["lsoa_code", "msoa_code"]], on="lsoa_code", how="inner")
    m["total_recorded_crime"] = m["crime_type"] != ASB
    m["asb"] = m["crime_type"] == ASB
    m["violence_sexual"] = m["crime_type"] == VSO
    w = m["crime_type"].map({k: float(v) for k, v in WEIGHTS.weights.items()})
    w = w.fillna(0.0)
    m["harm_total_recorded_crime"] = w.where(m["total_recorded_crime"], 0.0)
    m["harm_violence_sexual"] = w.where(m["violence_sexual"], 0.0)
    cols = POLICE_INDICATORS + ["harm_total_recorded_crime", "harm_violence_sexual"]
    g = m.groupby(["msoa_code", "month"])[cols].sum()
    months = pd.date_range(pd.Timestamp(FIRST), periods=MONTHS, freq="MS")
    full = pd.MultiIndex.from_product(
        [sorted(areas["msoa_code"].unique()), months], names=["msoa_code", "month"]
    )
    g = g.reindex(full, fill_value=0)
    pop = areas.groupby("msoa_code")["population"].sum()
    for c in POLICE_INDICATORS:
        g[f"rate_{c}"] = 1000.0 * g[c] / g.index.get_level_values(0).map(pop).values
    return g


def _check(ours: list[Any], theirs: Any) -> None:
    import pandas as pd

    n = 0
    for v in ours:
        row = theirs.loc[(v.area, pd.Timestamp(v.month))]
        assert v.value == int(row[v.id]), (v, row)
        assert abs(v.rate_per_1000 - row[f"rate_{v.id}"]) < 1e-9
        if v.id != "asb":
            assert v.harm == row[f"harm_{v.id}"], (v, row)
        n += 1
    assert n == len(theirs) * len(POLICE_INDICATORS)


def _median_time(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    """Median of ``repeat`` timed runs after one untimed warm-up run (each side warm:
    the store's file in the page cache, DuckDB and pandas code paths loaded)."""
    fn()
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def _interleaved(fns: dict[str, Any], repeat: int = 3) -> dict[str, tuple[float, Any]]:
    """Each function's median time over ``repeat`` rounds and its last result.

    Every function is warmed once, then the rounds run every function in turn, so a
    machine whose load changes during the run (other jobs on shared CPUs) slows
    every side alike rather than whichever was timed then.
    """
    results = {name: fn() for name, fn in fns.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - t)
    return {name: (statistics.median(times[name]), results[name]) for name in fns}


def run(quick: bool = False, rows: int | None = None) -> list[dict[str, Any]]:
    """Print seconds for saferleeds and pandas and their ratio, and the dashboard time;
    return them as rows. ``rows``: the number of records (default 10M, --quick 200k)."""
    n_rows = rows if rows is not None else 200_000 if quick else 10_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        t = time.perf_counter()
        make_store(path, n_rows)
        build = time.perf_counter() - t
        with open_store(path, read_only=True) as store:
            df = store.execute(
                "SELECT month, lsoa_code, crime_type FROM police_street"
            ).df()
            areas = store.execute(
                "SELECT lsoa_code, msoa_code, population FROM area_lsoa"
            ).df()
        import pandas as pd

        df["month"] = pd.to_datetime(df["month"])
        cat = df.astype({"lsoa_code": "category", "crime_type": "category"})
        # DuckDB sides in rounds together, then the pandas sides: a run right after
        # pandas freed a gigabyte pays to fault fresh memory in, whichever side it is.
        timed = _interleaved(
            {
                "ours": lambda: duckdb_all(path),
                "hand": lambda: hand_sql(path),
                "hand_r": lambda: hand_sql(path, "police_month_rollup"),
            }
        )
        timed |= _interleaved(
            {
                "pandas": lambda: pandas_all(df, areas),
                "cat": lambda: pandas_categorical(cat, areas),
            }
        )
        ours_s, ours = timed["ours"]
        theirs_s, theirs = timed["pandas"]
        _check(ours, theirs)
        hand_s, hand = timed["hand"]
        _check_hand(ours, hand)
        hand_r_s, hand_r = timed["hand_r"]
        _check_hand(ours, hand_r)
        cat_s, cat_out = timed["cat"]
        n_cells = int(len(cat_out))
        # Peak memory of one run each, in a forked child (see report.peak_mb): ours and
        # the hand SQL open the store themselves; the pandas peer's rows are in memory.
        mem_ours = peak_mb(lambda: duckdb_all(path))
        mem_hand = peak_mb(lambda: hand_sql(path))
        mem_hand_r = peak_mb(lambda: hand_sql(path, "police_month_rollup"))
        mem_cat = peak_mb(lambda: pandas_categorical(cat, areas))
        last = add_months(FIRST, MONTHS - 1)
        with open_store(path, read_only=True) as store:
            dashboard(store, month_period(last.year, last.month), harm_weights=WEIGHTS)
            dash_s, dash = _median_time(
                lambda: dashboard(
                    store, month_period(last.year, last.month), harm_weights=WEIGHTS
                )
            )
        msoas = areas["msoa_code"].nunique()
        print(
            f"{n_rows:>10,} rows (store built in {build:.1f} s), {msoas} MSOAs x "
            f"{MONTHS} months x {len(POLICE_INDICATORS)} indicators, "
            f"{len(ours):,} values (checked equal): "
            f"saferleeds/DuckDB {ours_s:.3f} s | pandas {theirs_s:.3f} s "
            f"(ratio {theirs_s / ours_s:.1f}: saferleeds "
            + (
                f"{theirs_s / ours_s:.1f}x faster"
                if theirs_s >= ours_s
                else f"{ours_s / theirs_s:.1f}x slower"
            )
            + ") | dashboard "
            f"({len(dash.results)} indicators, {len(dash.series)} series, "
            f"{len(dash.ranking):,} ranked rows) {dash_s:.3f} s"
        )
    print(
        f"  peers: hand-written DuckDB SQL on the records {hand_s:.3f} s "
        f"(ours {hand_s / ours_s:.2f}x its speed), the same SQL on the rollup "
        f"{hand_r_s:.3f} s, pandas with categorical codes {cat_s:.3f} s "
        f"({cat_s / ours_s:.1f}x ours; {n_cells:,} cells); rollup counted from scratch "
        f"in {ROLLUP_BUILD_S[0]:.2f} s (imports recount only their month)"
    )
    inputs = f"{n_rows:,} rows, {msoas} MSOAs x {MONTHS} months"
    return [
        row(
            "indicators",
            inputs,
            ours_s,
            "pandas (merge, groupby; rows already in memory)",
            theirs_s,
            accuracy=f"{len(ours):,} values checked equal",
        ),
        row(
            "indicators",
            inputs,
            ours_s,
            "pandas, categorical codes (rows in memory)",
            cat_s,
            accuracy="same groups; values checked by the plain pandas peer",
            memory_mb_ours=mem_ours,
            memory_mb_peer=mem_cat,
        ),
        row(
            "indicators",
            inputs,
            ours_s,
            "hand-written DuckDB SQL on the records (target: ours within 1.25x)",
            hand_s,
            accuracy=f"{len(ours):,} values checked equal",
            memory_mb_ours=mem_ours,
            memory_mb_peer=mem_hand,
        ),
        row(
            "indicators",
            inputs,
            ours_s,
            "hand-written DuckDB SQL on the rollup (the engine's limit now)",
            hand_r_s,
            accuracy=f"{len(ours):,} values checked equal",
            memory_mb_ours=mem_ours,
            memory_mb_peer=mem_hand_r,
        ),
        row(
            "dashboard",
            inputs,
            dash_s,
            "none (target < 1 s)",
            None,
            repeats_peer=0,
            accuracy=f"{len(dash.results)} indicators, {len(dash.series)} series",
        ),
    ]


def main() -> None:
    """Run at the size asked; print the summary table and write it as JSON."""
    import report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200,000 rows")
    parser.add_argument("--rows", type=int, help="number of records (default 10M)")
    args = parser.parse_args()
    rows = run(quick=args.quick, rows=args.rows)
    report.print_table(rows)
    n = args.rows or (200_000 if args.quick else 10_000_000)
    print(f"written to {report.write_summary(rows, f'indicators-{n}.json')}")


if __name__ == "__main__":
    main()
