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
"""

from __future__ import annotations

import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from saferleeds.analytics.geography import load_geography
from saferleeds.analytics.indicators import (
    dashboard,
    month_period,
    monthly_values,
)
from saferleeds.analytics.indicators.harm import ILLUSTRATIVE, HarmWeights
from saferleeds.analytics.indicators.periods import add_months
from saferleeds.analytics.police_reference import ASB, CRIME_TYPES
from saferleeds.analytics.store import open_store
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
        store.execute("CHECKPOINT")


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
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def run(quick: bool = False) -> None:
    """Print seconds for saferleeds and pandas and their ratio, and the dashboard time."""
    n_rows = 200_000 if quick else 10_000_000
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
        ours_s, ours = _median_time(lambda: duckdb_all(path))
        theirs_s, theirs = _median_time(lambda: pandas_all(df, areas))
        _check(ours, theirs)
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


if __name__ == "__main__":
    run()
