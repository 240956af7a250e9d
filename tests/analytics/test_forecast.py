"""Prospective hotspots: PAI / hit-rate arithmetic, forecasts, and both real data sets."""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from saferleeds.analytics.forecast import (
    Grid,
    count_surface,
    evaluate_area_forecast,
    evaluate_grid_forecast,
    ewma_forecast,
    hit_rate_pai,
    lsoa_monthly_counts,
    naive_forecast,
    prospective_surface,
)
from saferleeds.analytics.nearrepeat import project_lonlat

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CHICAGO = SHARED / "chicago" / "predictcode-southside-example.csv"
LSOA = SHARED / "geography" / "west-yorkshire-lsoa-2021-crime-12m.geojson"


def test_hit_rate_and_pai_by_hand() -> None:
    # Ten cells, 20 events; top 20% = 2 cells: scores 9 and 7 -> 6 + 4 = 10 events.
    scores = [9, 1, 7, 0, 0, 2, 3, 0, 1, 0]
    actual = [6, 1, 4, 0, 2, 3, 1, 1, 0, 2]
    h = hit_rate_pai(scores, actual, 0.2)
    assert (h.selected, h.events, h.hits) == (2, 20, 10.0)
    assert h.hit_rate == pytest.approx(0.5)
    assert h.area_share == pytest.approx(0.2)
    assert h.pai == pytest.approx(2.5)  # 0.5 / 0.2


def test_ties_at_the_cut_off_share_the_remaining_places() -> None:
    # Top 2 of 5: score 5 is in; 3 and 3 tie for one place, each counts half.
    h = hit_rate_pai([5, 3, 3, 1, 0], [2, 1, 0, 4, 3], 0.4)
    assert h.hits == pytest.approx(2 + 0.5 * 1)  # 2.5 of 10 events
    assert h.hit_rate == pytest.approx(0.25)
    assert h.pai == pytest.approx(0.25 / 0.4)
    # An all-zero forecast is chance: PAI 1 whatever the coverage.
    assert hit_rate_pai([0] * 8, [1, 0, 3, 0, 0, 2, 0, 2], 0.25).pai == pytest.approx(1)


def test_land_areas_weight_the_area_share() -> None:
    # Top 1 of 4 is the small unit (area 1 of 10) holding 3 of 6 events.
    h = hit_rate_pai([4, 1, 2, 0], [3, 1, 1, 1], 0.25, areas=[1, 3, 3, 3])
    assert h.area_share == pytest.approx(0.1)
    assert h.hit_rate == pytest.approx(0.5)
    assert h.pai == pytest.approx(5.0)
    assert h.to_dict()["pai"] == pytest.approx(5.0)


def test_bad_coverage_and_empty_periods() -> None:
    with pytest.raises(ValueError):
        hit_rate_pai([1, 2], [1, 2], 0)
    with pytest.raises(ValueError):
        hit_rate_pai([1, 2], [1], 0.5)
    assert math.isnan(hit_rate_pai([1, 2], [0, 0], 0.5).hit_rate)


def test_grid_and_counts() -> None:
    g = Grid.covering([0, 250, 399], [0, 50, 150], 100)
    assert (g.nx, g.ny, g.cells) == (4, 2, 8)
    assert g.cell_of([0, 250, 399, -1], [0, 50, 150, 0]).tolist() == [0, 2, 7, -1]
    c = count_surface(
        [0, 250, 399],
        [0, 50, 150],
        ["2020-01-01", "2020-01-05", "2020-01-09"],
        g,
        "2020-01-01",
        "2020-01-09",
    )
    assert c.tolist() == [1, 0, 1, 0, 0, 0, 0, 0]


def test_prospective_weights_decay_with_distance_and_age() -> None:
    g = Grid(0.0, 0.0, 100.0, 3, 1)  # centres at x = 50, 150, 250
    # One event on the first centre, 10 days (1 whole week) before the origin.
    risk = prospective_surface(
        [50.0], [50.0], [0.0], g, 10.0, bandwidth=150.0, window_days=56
    )
    # Cell 0: d = 0, w = 1 -> 1/2; cell 1: d = 1 cell -> 1/2 * 1/2; cell 2 out of reach.
    assert risk.tolist() == pytest.approx([0.5, 0.25, 0.0])
    # Events on or after the origin, or older than the window, count for nothing.
    assert not prospective_surface([50.0], [50.0], [10.0], g, 10.0).any()
    assert not prospective_surface([50.0], [50.0], [0.0], g, 100.0).any()


def test_ewma_and_naive() -> None:
    counts = [[1, 2, 4], [4, 2, 1]]
    assert naive_forecast(counts).tolist() == [4, 1]
    # Half-life 1: weights 1/4, 1/2, 1 over 1.75.
    assert ewma_forecast(counts, half_life=1).tolist() == pytest.approx(
        [(0.25 + 1 + 4) / 1.75, (1 + 1 + 1) / 1.75]
    )


def test_area_evaluation_rolls_the_origin() -> None:
    counts = np.array([[5, 5, 5, 5], [0, 0, 9, 0], [1, 1, 1, 1], [0, 0, 0, 0]])
    ev = evaluate_area_forecast(counts, holdout=2, coverages=(0.25,), half_life=2)
    assert ev.periods == ("m3", "m4")
    got = {(p, m): h for p, m, h in ev.results}
    # m3 from m1-m2: both rank area 0 first, which had 5 of 15 events.
    assert got["m3", "naive"].hit_rate == pytest.approx(5 / 15)
    # m4 from m1-m3: naive picks area 1 (9 last month; 0 events), EWMA area 0.
    assert got["m4", "naive"].hits == 0
    assert got["m4", "ewma"].hit_rate == pytest.approx(5 / 6)
    s = ev.summary()
    assert s["naive"][0.25]["hit_rate"] == pytest.approx(5 / 21)
    assert len(ev.to_rows()) == 4
    json.dumps(ev.to_dict())


@pytest.mark.skipif(not CHICAGO.exists(), reason=f"shared file {CHICAGO} not found")
def test_prospective_mapping_runs_on_chicago() -> None:
    with CHICAGO.open(newline="") as f:
        rows = list(csv.DictReader(f))
    t = np.array(
        [datetime.strptime(r["Date"], "%m/%d/%Y %I:%M:%S %p") for r in rows],  # noqa: DTZ007
        dtype="datetime64[s]",
    )
    x, y = project_lonlat(
        [float(r["Longitude"]) for r in rows], [float(r["Latitude"]) for r in rows]
    )
    origins = [np.datetime64("2016-10-07") + 7 * k for k in range(12)]
    ev = evaluate_grid_forecast(x, y, t, origins, cell_size=150, dataset="chicago")
    s = ev.summary()
    for method in ("prospective", "naive"):
        for cov in (0.05, 0.10):
            assert 0 <= s[method][cov]["hit_rate"] <= 1
            assert s[method][cov]["events"] > 100
    # Sanity, not a benchmark: the forecast beats chance on real data.
    assert s["prospective"][0.10]["pai"] > 1.5


@pytest.mark.skipif(not LSOA.exists(), reason=f"shared file {LSOA} not found")
def test_area_forecast_runs_on_real_leeds_lsoa_months() -> None:
    leeds = lsoa_monthly_counts(LSOA, name_prefix="Leeds", first_month="2025-05")
    assert len(leeds.codes) > 450 and all(n.startswith("Leeds") for n in leeds.names)
    assert leeds.periods[0] == "2025-05" and leeds.periods[-1] == "2026-04"
    # Leeds district is about 552 km2.
    assert 500e6 < sum(leeds.area_m2) < 600e6
    for areas in (None, leeds.area_m2):
        ev = evaluate_area_forecast(
            leeds.counts, holdout=3, areas=areas, periods=leeds.periods
        )
        assert ev.periods == ("2026-02", "2026-03", "2026-04")
        s = ev.summary()
        for method in ("ewma", "naive"):
            assert 0 < s[method][0.05]["hit_rate"] <= s[method][0.10]["hit_rate"] <= 1
            assert s[method][0.05]["pai"] > 1
