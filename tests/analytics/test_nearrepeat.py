"""Knox test / near-repeat analysis: the NRC oracle, brute force, planted truth, null."""

from __future__ import annotations

import csv
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from saferleeds.analytics.nearrepeat import (
    KnoxResult,
    knox_test,
    observed_table,
    project_lonlat,
    spatial_bands,
    temporal_bands,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
NR = SHARED / "data" / "nearrepeat"
CHICAGO = NR / "chicago_be_month1.csv"
VERBOSE = NR / "chicago_be_month1_NRverbose_2019-09-23_143005.csv"
needs_shared = pytest.mark.skipif(
    not (CHICAGO.exists() and VERBOSE.exists()),
    reason=f"shared near-repeat oracle files not found under {NR}",
)

NRC_OBSERVED = [
    [28, 5, 5, 2],
    [44, 13, 8, 4],
    [97, 56, 19, 16],
    [77, 67, 45, 20],
    [182194, 146149, 95237, 45879],
]


def _chicago() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with CHICAGO.open(newline="") as f:
        rows = list(csv.reader(f))
    x = np.array([float(r[0]) for r in rows])
    y = np.array([float(r[1]) for r in rows])
    t = np.array([r[2] for r in rows], dtype="datetime64[D]")
    return x, y, t


def _nrc_simulations() -> dict[tuple[int, int], list[int]]:
    """Each cell's simulated counts from the NRC verbose file (0-based row, col)."""
    sims: dict[tuple[int, int], list[int]] = {}
    cell: tuple[int, int] | None = None
    with VERBOSE.open(newline="") as f:
        for row in csv.reader(f):
            if row and row[0].startswith("Row "):
                parts = row[0].split()
                cell = (int(parts[1]) - 1, int(parts[3]) - 1)
            elif row and row[0] == "Expected" and cell is not None:
                sims[cell] = [int(v) for v in row[1:] if v.strip()]
    return sims


def _nrc_table(title: str) -> list[list[float]]:
    """A 5 x 4 summary table (ratios or significance) from the NRC verbose file."""
    with VERBOSE.open(newline="") as f:
        rows = list(csv.reader(f))
    start = next(i for i, r in enumerate(rows) if r and r[0] == title)
    return [[float(v) for v in r[2:6]] for r in rows[start + 3 : start + 8]]


def _brute_force(
    x: np.ndarray,
    y: np.ndarray,
    t: np.ndarray,
    s_edges: tuple[float, ...],
    t_edges: tuple[float, ...],
    metric: str,
) -> list[list[int]]:
    """Every pair, one at a time, in plain Python."""
    table = [[0] * len(t_edges) for _ in s_edges]
    for i, j in itertools.combinations(range(len(x)), 2):
        dx, dy = abs(x[i] - x[j]), abs(y[i] - y[j])
        d = dx + dy if metric == "manhattan" else math.hypot(dx, dy)
        dt = abs(t[i] - t[j])
        r = max(k for k, e in enumerate(s_edges) if d >= e)
        c = max(k for k, e in enumerate(t_edges) if dt >= e)
        table[r][c] += 1
    return table


@needs_shared
def test_observed_table_equals_the_near_repeat_calculator() -> None:
    x, y, t = _chicago()
    got = observed_table(x, y, t, spatial_bands(100, 3), temporal_bands(7, 3))
    assert got == NRC_OBSERVED
    assert sum(map(sum, got)) == 970 * 969 // 2


@pytest.mark.parametrize(
    ("s_edges", "t_edges", "metric"),
    [
        (spatial_bands(100, 3), temporal_bands(7, 3), "manhattan"),
        (spatial_bands(50, 5), temporal_bands(3, 4), "euclidean"),
        ((0.0, 200.0), (0.0, 14.0), "euclidean"),
        ((0.0,), (0.0, 1.0, 2.0), "manhattan"),
        (spatial_bands(25, 2, same_location=None), (0.0,), "manhattan"),
    ],
)
def test_observed_counts_equal_brute_force(
    s_edges: tuple[float, ...], t_edges: tuple[float, ...], metric: str
) -> None:
    rng = np.random.default_rng(7)
    n = 400
    # Integer coordinates and days put many pairs exactly on band edges and at the
    # same location; half the points sit on a coarse lattice to make that common.
    x = rng.integers(0, 800, n).astype(float)
    y = rng.integers(0, 800, n).astype(float)
    x[: n // 2] = np.round(x[: n // 2] / 50) * 50
    y[: n // 2] = np.round(y[: n // 2] / 50) * 50
    t = rng.integers(0, 40, n).astype(float)
    got = observed_table(x, y, t, s_edges, t_edges, metric=metric)  # type: ignore[arg-type]
    assert got == _brute_force(x, y, t, s_edges, t_edges, metric)


def test_simulations_are_seeded_and_tables_add_up() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 2000, 300), rng.uniform(0, 2000, 300)
    t = rng.integers(0, 60, 300)
    a = knox_test(x, y, t, permutations=19, seed=11)
    b = knox_test(x, y, t, permutations=19, seed=11)
    assert a.to_dict() == b.to_dict()  # (== on the dataclass: NaN != NaN)
    assert a.pairs == 300 * 299 // 2 == sum(map(sum, a.observed))
    # Every simulated table keeps the pair total, so the expected table does too.
    assert math.isclose(sum(map(sum, a.expected)), a.pairs)
    assert all(1 / 20 <= p <= 1 for row in a.p_value for p in row)
    rows = a.to_rows()
    assert len(rows) == 5 * 4 and rows[0]["spatial_band"] == "[0, 1) m"
    assert rows[-1]["temporal_band"] == ">= 21 days"
    d = a.to_dict()
    json.dumps(d)
    assert d["observed"] == [list(r) for r in a.observed]


def test_dates_can_be_datetimes_or_iso_strings() -> None:
    x = [0.0, 10.0, 5000.0]
    y = [0.0, 0.0, 0.0]
    iso = ["2020-01-01", "2020-01-03", "2020-03-01"]
    days = observed_table(x, y, [0, 2, 60], (0.0, 100.0), (0.0, 7.0))
    assert observed_table(x, y, iso, (0.0, 100.0), (0.0, 7.0)) == days
    assert observed_table(
        x, y, np.array(iso, dtype="datetime64[D]"), (0.0, 100.0), (0.0, 7.0)
    ) == [[1, 0], [0, 2]]


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        knox_test([0, 1], [0, 1], [0], permutations=9)
    with pytest.raises(ValueError):
        knox_test([0, 1], [0, 1], [0, 1], (1.0, 100.0), permutations=9)
    with pytest.raises(ValueError):
        knox_test([0, 1], [0, 1], [0, 1], permutations=0)
    with pytest.raises(ValueError):
        spatial_bands(100, 3, same_location=150)


def _burglaries(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with (folder / "offences.csv").open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["crime_type"] == "Burglary"]
    x, y = project_lonlat(
        [float(r["longitude"]) for r in rows], [float(r["latitude"]) for r in rows]
    )
    return x, y, np.array([r["date"] for r in rows], dtype="datetime64[D]")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from saferleeds.demo.generator import generate

    root = tmp_path_factory.mktemp("nr")
    # Scale 3 (about 1,500 background burglaries over two years) puts some 30 chance
    # pairs in the close-close cell, enough for the null's ratio to settle near 1.
    generate(root / "planted", seed=1, scale=3)
    generate(root / "null", seed=1, scale=3, near_repeat=False)
    return {"planted": root / "planted", "null": root / "null"}


def _close_close(folder: Path) -> KnoxResult:
    truth = json.loads((folder / "truth" / "near_repeat.json").read_text())
    metres, days = float(truth["distance_m"]), float(truth["days"])
    x, y, t = _burglaries(folder)
    # Planted follow-ups lie 10-180 m away and 1-14 days later: the first bands
    # [0, 200) m x [0, 15) days hold them all.
    return knox_test(
        x,
        y,
        t,
        spatial_bands(metres, 3, same_location=None),
        temporal_bands(days + 1, 3),
        metric="euclidean",
        permutations=199,
        seed=5,
    )


def test_planted_near_repeats_are_found(synthetic: dict[str, Path]) -> None:
    truth = json.loads(
        (synthetic["planted"] / "truth" / "near_repeat.json").read_text()
    )
    assert len(truth["pairs"]) > 50
    res = _close_close(synthetic["planted"])
    assert res.knox_ratio[0][0] > 1.5
    assert res.p_value[0][0] < 0.05
    assert (0, 0) in res.significant()
    # Every planted pair is in the close-close cell, on top of chance pairs.
    assert res.observed[0][0] >= len(truth["pairs"])


def test_null_data_shows_no_near_repeat(synthetic: dict[str, Path]) -> None:
    res = _close_close(synthetic["null"])
    assert res.p_value[0][0] > 0.05
    assert 0.6 < res.knox_ratio[0][0] < 1.5
    assert res.observed[0][0] > 20


@needs_shared
def test_knox_ratios_agree_with_the_calculator_within_monte_carlo_error() -> None:
    x, y, t = _chicago()
    res = knox_test(x, y, t, permutations=199, seed=2024)
    assert [list(r) for r in res.observed] == NRC_OBSERVED
    sims = _nrc_simulations()
    assert len(sims) == 20 and all(len(v) == 19 for v in sims.values())
    nrc_ratio = _nrc_table("Observed over mean expected frequencies")
    for (i, j), values in sims.items():
        nrc_mean = float(np.mean(values))
        sd = float(np.std(values, ddof=1))
        # Both means are Monte Carlo estimates of the same expectation.
        se = math.sqrt(sd**2 / len(values) + sd**2 / res.permutations)
        assert abs(res.expected[i][j] - nrc_mean) <= 4 * se + 0.5, (i, j)
        # The NRC's reported ratio is observed over its 19-simulation mean.
        assert math.isclose(
            nrc_ratio[i][j], NRC_OBSERVED[i][j] / nrc_mean, abs_tol=6e-4
        )
        if nrc_mean >= 10:
            assert abs(res.knox_ratio[i][j] - nrc_ratio[i][j]) <= 0.2 * nrc_ratio[i][j]
    # The NRC's significant cells (p = 0.05, its floor with 20 iterations) are the
    # same-week ones within 200 m; ours agree, and find nothing else near.
    nrc_sig = _nrc_table("Statistical significant table")
    for i in range(3):
        assert nrc_sig[i][0] == 0.05
        assert res.p_value[i][0] <= 0.05 and res.knox_ratio[i][0] > 1.2
    assert {c for c in res.significant() if c[0] < 4} == {(0, 0), (1, 0), (2, 0)}


def test_date_times_exactly_a_band_apart_fall_in_the_next_band() -> None:
    # Same time of day, 7 and 14 days apart: in days these are inexact fractions.
    rng = np.random.default_rng(9)
    base = np.datetime64("2021-03-04T13:17:41")
    t = base + np.timedelta64(7, "D") * rng.integers(0, 6, 200)
    t = t + np.timedelta64(1, "s") * rng.integers(0, 3, 200)
    x, y = rng.uniform(0, 300, 200), rng.uniform(0, 300, 200)
    got = observed_table(x, y, t, (0.0, 150.0), temporal_bands(7, 3))
    days = (t - t.min()) / np.timedelta64(1, "s") / 86400
    want = _brute_force(x, y, days, (0.0, 150.0), temporal_bands(7, 3), "manhattan")
    # The brute force on float days may misplace exact multiples of 7; recount those.
    secs = (t - t.min()) / np.timedelta64(1, "s")
    exact = _brute_force(
        x,
        y,
        secs,
        (0.0, 150.0),
        (0.0, 7 * 86400.0, 14 * 86400.0, 21 * 86400.0),
        "manhattan",
    )
    assert got == exact
    assert sum(map(sum, got)) == sum(map(sum, want)) == 200 * 199 // 2
    assert all(v >= 0 for row in got for v in row)
