"""Knox test / near-repeat analysis: the NRC oracle, brute force, planted truth, null."""

from __future__ import annotations

import csv
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from saferleeds.analytics.csvfile import CsvInputError
from saferleeds.analytics.nearrepeat import (
    KnoxResult,
    _Knox,
    knox_test,
    nrc_bands,
    observed_table,
    project_lonlat,
    read_event_file,
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


MODES = {
    "exact": {"bands": spatial_bands(100, 3), "precision": "double"},
    "nrc": {"bands": nrc_bands(100, 3), "precision": "single"},
}


@needs_shared
@pytest.mark.parametrize("mode", sorted(MODES))
def test_knox_ratios_agree_with_the_calculator_within_monte_carlo_error(
    mode: str,
) -> None:
    x, y, t = _chicago()
    res = knox_test(
        x,
        y,
        t,
        MODES[mode]["bands"],  # type: ignore[arg-type]
        permutations=199,
        seed=2024,
        precision=MODES[mode]["precision"],  # type: ignore[arg-type]
    )
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


# --- the NRC-compatible mode: same location only at 0, single precision -----------


def _brute_force_nrc(
    x: np.ndarray,
    y: np.ndarray,
    t: np.ndarray,
    bandwidth: float,
    count: int,
    t_edges: tuple[float, ...],
    metric: str,
) -> list[list[int]]:
    """The NRC's binning pair by pair with numpy float32 scalars: row 0 is distance
    exactly 0, row 1 is (0, bandwidth), then [k w, (k+1) w) and the open last band."""
    f32 = np.float32
    xs = [f32(v) for v in x]
    ys = [f32(v) for v in y]
    table = [[0] * len(t_edges) for _ in range(count + 2)]
    for i, j in itertools.combinations(range(len(x)), 2):
        dx, dy = f32(abs(xs[i] - xs[j])), f32(abs(ys[i] - ys[j]))
        d = (
            f32(dx + dy)
            if metric == "manhattan"
            else f32(np.sqrt(f32(dx * dx + dy * dy)))
        )
        if d == 0:
            r = 0
        else:
            r = 1 + sum(1 for k in range(1, count + 1) if float(d) >= bandwidth * k)
        dt = abs(t[i] - t[j])
        c = max(k for k, e in enumerate(t_edges) if dt >= e)
        table[r][c] += 1
    return table


@pytest.mark.parametrize("metric", ["manhattan", "euclidean"])
def test_nrc_mode_equals_a_pair_by_pair_float32_count(metric: str) -> None:
    rng = np.random.default_rng(21)
    n = 300
    # State-plane-sized coordinates (float32 steps of 1/32 to 1/16 m there), many
    # duplicates, pairs a few centimetres apart and pairs within a hair of an edge.
    x = 350_000 + rng.integers(0, 600, n).astype(float)
    y = 580_000 + rng.integers(0, 600, n).astype(float)
    x[:60] = x[60:120] + rng.choice([0.0, 0.01, 0.56, 0.03], 60)
    y[:60] = y[60:120]
    x[120:160] = x[160:200] + 100 - rng.uniform(0, 0.05, 40)
    y[120:160] = y[160:200]
    t = rng.integers(0, 30, n).astype(float)
    got = observed_table(
        x, y, t, nrc_bands(100, 3), temporal_bands(7, 3), metric=metric,  # type: ignore[arg-type]
        precision="single",
    )  # fmt: skip
    assert got == _brute_force_nrc(x, y, t, 100, 3, temporal_bands(7, 3), metric)
    exact = observed_table(
        x, y, t, spatial_bands(100, 3), temporal_bands(7, 3), metric=metric  # type: ignore[arg-type]
    )  # fmt: skip
    assert exact != got  # the cases above are built to tell the modes apart


def test_the_two_documented_differences_of_the_nrc() -> None:
    days = [0.0, 1.0]
    # 0.56 m apart: the exact mode's same location [0, 1), the NRC's first band.
    x, y = [1000.0, 1000.56], [2000.0, 2000.0]
    exact = observed_table(x, y, days, spatial_bands(100, 3), temporal_bands(7, 1))
    nrc = observed_table(
        x, y, days, nrc_bands(100, 3), temporal_bands(7, 1), precision="single"
    )
    assert exact[0][0] == 1 and nrc[0][0] == 0 and nrc[1][0] == 1
    # 399.99 m apart in double precision is 400.0 in float32 at these coordinates.
    x, y = [350_000.0, 350_399.99], [580_000.0, 580_000.0]
    assert float(np.float32(x[1]) - np.float32(x[0])) == 400.0
    exact = observed_table(x, y, days, spatial_bands(100, 4), temporal_bands(7, 1))
    nrc = observed_table(
        x, y, days, nrc_bands(100, 4), temporal_bands(7, 1), precision="single"
    )
    assert exact[4][0] == 1  # [300, 400)
    assert nrc[5][0] == 1  # >= 400
    res = knox_test(x, y, days, nrc_bands(100, 4), permutations=1, precision="single")
    assert res.spatial_labels[:3] == ("0 m", "(0, 100) m", "[100, 200) m")
    assert res.precision == "single" and res.to_dict()["precision"] == "single"


@needs_shared
def test_nrc_mode_reproduces_the_calculator_observed_table() -> None:
    x, y, t = _chicago()
    got = observed_table(
        x, y, t, nrc_bands(100, 3), temporal_bands(7, 3), precision="single"
    )
    assert got == NRC_OBSERVED
    # The NRC's own "Obs over Mean Exp" follows from its simulated tables exactly.
    sims = _nrc_simulations()
    ratios = _nrc_table("Observed over mean expected frequencies")
    for (i, j), values in sims.items():
        assert round(got[i][j] / float(np.mean(values)), 3) == ratios[i][j]


def test_effect_size_reading_needs_ratio_and_p() -> None:
    base = knox_test([0, 1, 500], [0, 0, 0], [0, 1, 90], permutations=9)
    res = KnoxResult(
        **{
            **base.__dict__,
            "knox_ratio": ((1.0, 1.25), (1.19, 2.0), (1.2, 0.5)),
            "p_value": ((0.01, 0.04), (0.01, 0.06), (0.05, 0.01)),
            "spatial_edges": (0.0, 1.0, 100.0),
            "temporal_edges": (0.0, 7.0),
        }
    )
    # A ratio of 1.00 at p = 0.01 is not a near repeat; 1.2 at p = 0.05 is.
    assert res.significant() == [(0, 1), (2, 0)]
    assert res.significant(min_ratio=1.0) == [(0, 0), (0, 1), (1, 0), (2, 0)]
    assert res.significant(alpha=0.01, min_ratio=1.1) == [(1, 0)]


# --- an analyst's own file ---------------------------------------------------------


@needs_shared
def test_the_nrc_input_file_reads_without_a_header() -> None:
    ev = read_event_file(CHICAGO)
    x, y, t = _chicago()
    assert ev.columns == ("x", "y", "date") and not ev.projected
    assert np.array_equal(ev.x, x) and np.array_equal(ev.y, y)
    assert np.array_equal(ev.day, t)


def test_event_files_with_headers_and_longitude_latitude(tmp_path: Path) -> None:
    f = tmp_path / "e.csv"
    f.write_text("ID,X,Y,Date\n1,100,200,2020-01-01\n2,150,200,2020-01-05\n")
    ev = read_event_file(f)
    assert ev.x.tolist() == [100.0, 150.0] and ev.day[1] == np.datetime64("2020-01-05")
    g = tmp_path / "g.csv"
    g.write_text(
        "date,latitude,longitude\n2020-01-01,53.8,-1.55\n2020-01-02,53.8,-1.549\n"
    )
    ev = read_event_file(g)
    assert ev.projected and ev.columns[0] == "longitude"
    # 0.001 degrees of longitude at 53.8 N is about 66 m.
    assert 60 < abs(ev.x[1] - ev.x[0]) < 70 and abs(ev.y[1] - ev.y[0]) < 1e-6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x,y,date\n1,2,2020-01-01\n3,4,2020-02-30\n", r"e\.csv:3: date: '2020-02-30'"),
        ("x,y,date\n1,2,2020-01-01\n3,north,2020-01-02\n", r"e\.csv:3: y: 'north' is not a number"),
        ("x,y,date\n1,2,2020-01-01\n3,,2020-01-02\n", r"e\.csv:3: y: empty"),
        ("x,y,date\n1,2,2020-01-01\n3,4\n", r"e\.csv:3: 2 values"),
        ("1,2,2020-01-01\n3,4,01/02/2020\n", r"e\.csv:2: date: '01/02/2020'"),
        ("longitude,latitude,date\n-1.5,53.8,2020-01-01\n-1.5,95,2020-01-02\n", r"e\.csv:3: latitude: '95' is outside"),
        ("a,b,date\n1,2,2020-01-01\n", r"e\.csv:1: missing columns x, y"),
        ("x,y,date\n1,2,2020-01-01\n", r"1 event\(s\)"),
        ("x,y,date\n1,nan,2020-01-01\n2,2,2020-01-01\n", r"e\.csv:2: y: 'nan'"),
    ],
)  # fmt: skip
def test_bad_event_files_name_file_line_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    f = tmp_path / "e.csv"
    f.write_text(text)
    with pytest.raises(CsvInputError, match=message):
        read_event_file(f)
    with pytest.raises(CsvInputError, match="No such file"):
        read_event_file(tmp_path / "missing.csv")


@pytest.mark.parametrize(
    ("times", "fast"),
    [
        ("days", True),  # whole days as numbers
        ("dates", True),  # datetime64 days: whole seconds, a step of 86,400
        ("instants", True),  # date-times to the second
        ("fractions", False),  # fractional days: no whole step, the edge search
    ],
)
def test_shuffled_tables_by_lookup_equal_the_edge_search(
    times: str, fast: bool
) -> None:
    rng = np.random.default_rng(7)
    n = 3_000
    x, y = rng.uniform(0, 3_000, n), rng.uniform(0, 3_000, n)
    days = rng.integers(0, 60, n)
    # Gaps exactly on the 7, 14 and 21 day edges are common at this density.
    t: object = {
        "days": days.astype(np.float64),
        "dates": np.datetime64("2018-01-01") + days.astype("timedelta64[D]"),
        "instants": np.datetime64("2018-01-01T00:00:00")
        + (days * 86_400 + rng.integers(0, 3, n) * 3_600).astype("timedelta64[s]"),
        "fractions": days + rng.uniform(0, 1, n),
    }[times]
    k = _Knox(x, y, t, spatial_bands(100, 3), temporal_bands(7, 3), "manhattan")
    assert (k._steps is not None) == fast
    assert len(k.i) > 10_000
    for _ in range(5):
        order = rng.permutation(n)
        assert np.array_equal(k.shuffled_table(order), k.table(k.t[order]))
