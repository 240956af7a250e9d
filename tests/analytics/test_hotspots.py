"""Hotspots: projection, KDE against brute force, Gi* against PySAL, planted hotspots."""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import shapely
from scipy import sparse, stats

from saferleeds.analytics.hotspots import (
    Grid,
    benjamini_hochberg,
    from_bng,
    grid_gi_star,
    kde_surface,
    lsoa_boundaries,
    lsoa_counts,
    lsoa_gi_star,
    polygon_queen_weights,
    read_points,
    study_grid,
    to_bng,
)
from saferleeds.analytics.hotspots.gistar import (
    _binary_star,
    conditional_permutation_counts,
)
from saferleeds.analytics.hotspots.grid import district_boundary_bng


def _esda_g_local(y: np.ndarray, w: sparse.csr_matrix, permutations: int = 0, **kw):
    esda = pytest.importorskip("esda")
    from libpysal.weights import WSP

    lw = WSP(sparse.csr_matrix(w)).to_W(silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(
            y, lw, star=True, transform="B", permutations=permutations, **kw
        )


# --- projection -----------------------------------------------------------------------


def test_projection_matches_pyproj_and_round_trips() -> None:
    pyproj = pytest.importorskip("pyproj")
    rng = np.random.default_rng(0)
    lon = rng.uniform(-6.0, 1.5, 2000)
    lat = rng.uniform(50.0, 58.5, 2000)
    e, n = to_bng(lon, lat)
    t = pyproj.Transformer.from_crs(4326, 27700, always_xy=True)
    pe, pn = t.transform(lon, lat)
    if np.abs(e - pe).max() > 1.0:  # OSTN15 grid installed: Helmert is within ~5 m
        assert np.abs(e - pe).max() < 6 and np.abs(n - pn).max() < 6
    else:
        assert np.abs(e - pe).max() < 0.01 and np.abs(n - pn).max() < 0.01
    lon2, lat2 = from_bng(e, n)
    assert np.abs(lon2 - lon).max() < 1e-7 and np.abs(lat2 - lat).max() < 1e-7


def test_leeds_town_hall_in_the_right_place() -> None:
    # Leeds Town Hall, SE 29840 33870 (approx.), WGS84 -1.5498, 53.8000.
    e, n = to_bng(-1.5498, 53.8000)
    assert abs(float(e) - 429830) < 150 and abs(float(n) - 433850) < 150


# --- KDE ------------------------------------------------------------------------------


def _brute_kde(cx, cy, x, y, h, kernel):
    r2 = (cx[:, None] - x[None, :]) ** 2 + (cy[:, None] - y[None, :]) ** 2
    if kernel == "gaussian":
        k = np.exp(-0.5 * r2 / h**2) / (2 * np.pi * h * h)
    else:
        u = 1 - r2 / h**2
        k = np.where(u > 0, 3 / (np.pi * h * h) * u * u, 0.0)
    return k.sum(axis=1) * 1e6


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_kde_matches_brute_force_within_one_percent(kernel: str) -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(4000, 500, 6000), rng.uniform(0, 8000, 4000)])
    y = np.concatenate([rng.normal(3000, 300, 6000), rng.uniform(0, 6000, 4000)])
    grid = Grid(0.0, 0.0, 100.0, 80, 60, np.ones((60, 80), dtype=bool))
    surface = kde_surface(x, y, grid, bandwidth=250.0, kernel=kernel)  # type: ignore[arg-type]
    gx, gy = grid.centres()
    exact = _brute_kde(gx.ravel(), gy.ravel(), x, y, 250.0, kernel)
    est = surface.density.ravel()
    floor = exact.max() * 0.01
    big = exact > floor
    # Linear binning on a 4x finer lattice: within 1% (Gaussian) or 2% (quartic,
    # whose second derivative jumps at the radius) above a floor of 1% of the peak.
    rel = 0.01 if kernel == "gaussian" else 0.02
    assert np.abs(est[big] / exact[big] - 1).max() < rel
    assert np.abs(est - exact).max() < 0.005 * exact.max()


def test_kde_counts_per_cell_and_mass() -> None:
    rng = np.random.default_rng(2)
    x = rng.uniform(2000, 6000, 3000)
    y = rng.uniform(2000, 4000, 3000)
    grid = Grid(0.0, 0.0, 100.0, 80, 60, np.ones((60, 80), dtype=bool))
    surface = kde_surface(x, y, grid)
    brute = np.zeros((60, 80), dtype=int)
    for xi, yi in zip(x, y, strict=True):
        brute[int(yi // 100), int(xi // 100)] += 1
    assert (surface.counts == brute).all()
    # Far from the edges the kernels integrate to the number of points.
    assert surface.density.sum() * 0.01 == pytest.approx(3000, rel=1e-3)
    rows = surface.to_rows()
    assert len(rows) == 80 * 60 and sum(r["count"] for r in rows) == 3000
    gj = surface.to_geojson()
    assert len(gj["features"]) == 4800
    assert gj["features"][0]["geometry"]["type"] == "Polygon"


# --- Gi* against PySAL ----------------------------------------------------------------


def test_grid_gi_star_matches_pysal() -> None:
    grid = study_grid(250)
    rng = np.random.default_rng(3)
    gx, gy = grid.centres()
    cx, cy = gx[grid.active], gy[grid.active]
    pick = rng.integers(0, cx.size, 8000)
    x = np.concatenate([cx[pick], rng.normal(430000, 400, 600)])
    y = np.concatenate([cy[pick], rng.normal(433500, 400, 600)])
    res = grid_gi_star(x, y, grid, permutations=0, p_source="analytic")
    ref = _esda_g_local(res.value, grid.queen_weights())
    assert np.abs(ref.Zs - res.z).max() < 1e-9
    assert np.abs(ref.p_norm - res.p_norm).max() < 1e-9
    assert np.abs(ref.Gs - res.g).max() < 1e-12
    assert res.value.size == grid.n_active and res.value.sum() > 0
    assert (res.value == 0).sum() > 0  # empty cells are part of the study area
    assert res.hot


def test_grid_queen_weights_are_the_eight_neighbours_and_self() -> None:
    active = np.ones((4, 5), dtype=bool)
    active[0, 0] = False
    grid = Grid(0.0, 0.0, 10.0, 5, 4, active)
    w = grid.queen_weights().toarray()
    idx = grid.active_index()
    for r in range(4):
        for c in range(5):
            if idx[r, c] < 0:
                continue
            want = {
                int(idx[rr, cc])
                for rr in range(max(r - 1, 0), min(r + 2, 4))
                for cc in range(max(c - 1, 0), min(c + 2, 5))
                if idx[rr, cc] >= 0
            }
            assert set(np.flatnonzero(w[idx[r, c]])) == want


def test_lsoa_weights_match_libpysal_queen() -> None:
    libpysal = pytest.importorskip("libpysal")
    shapes = lsoa_boundaries()
    geoms = list(shapes.values())
    ours = polygon_queen_weights(geoms)
    ref = libpysal.weights.Queen.from_iterable(geoms, silence_warnings=True)
    ref_sparse = ref.sparse.tocsr()
    assert (ours != ref_sparse).nnz == 0


def test_lsoa_gi_star_matches_pysal(police_store_path: Path) -> None:
    from saferleeds.analytics.store import open_store

    with open_store(police_store_path, read_only=True) as store:
        counts = lsoa_counts(store)
    res = lsoa_gi_star(counts, permutations=999, seed=4)
    assert len(res.ids) == len(lsoa_boundaries()) and res.value.sum() > 0
    w = polygon_queen_weights(list(lsoa_boundaries().values()))
    ref = _esda_g_local(res.value, w)
    assert np.abs(ref.Zs - res.z).max() < 1e-9
    assert np.abs(ref.p_norm - res.p_norm).max() < 1e-9
    gj = res.to_geojson()
    assert gj["features"][0]["properties"]["id"] == res.ids[0]
    assert gj["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    again = lsoa_gi_star(counts, permutations=999, seed=4)
    assert res.p_sim is not None and again.p_sim is not None
    assert (res.p_sim == again.p_sim).all()  # seeded


def test_benjamini_hochberg_matches_scipy() -> None:
    rng = np.random.default_rng(5)
    p = np.concatenate([rng.uniform(size=500), rng.uniform(0, 1e-3, 30), [1.0, 0.0]])
    assert np.allclose(benjamini_hochberg(p), stats.false_discovery_control(p))


def _naive_counts(y, w, draws):
    """Same draws, one unit at a time: neighbours drawn from the others."""
    w = _binary_star(w)
    n = y.size
    ge = np.zeros(n, dtype=int)
    le = np.zeros(n, dtype=int)
    for i in range(n):
        nb = [j for j in w.indices[w.indptr[i] : w.indptr[i + 1]] if j != i]
        k = len(nb)
        if k == 0:
            continue
        t = y[nb].sum()
        for row in draws:
            pick = [j for j in row[: k + 1] if j != i][:k]
            s = y[pick].sum()
            ge[i] += s >= t
            le[i] += s <= t
    return ge, le


def test_fast_permutation_counts_equal_naive() -> None:
    rng = np.random.default_rng(6)
    active = rng.uniform(size=(9, 11)) > 0.15
    grid = Grid(0.0, 0.0, 1.0, 11, 9, active)
    y = rng.poisson(1.5, grid.n_active).astype(float)
    w = _binary_star(grid.queen_weights())
    ge, le = conditional_permutation_counts(y, w, 300, np.random.default_rng(7))
    from saferleeds.analytics.hotspots.gistar import _distinct_rows

    draws = _distinct_rows(np.random.default_rng(7), y.size, 9, 300)
    nge, nle = _naive_counts(y, w, draws)
    assert (ge == nge).all() and (le == nle).all()


def test_permutation_p_values_agree_with_pysal_in_distribution() -> None:
    pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    w = libpysal.weights.lat2W(15, 15, rook=False).sparse.tocsr()
    rng = np.random.default_rng(8)
    y = rng.uniform(0, 10, 225)
    y[:20] += 8
    perms = 4999
    ref = _esda_g_local(y, w, permutations=perms, seed=9)
    ge, _ = conditional_permutation_counts(y, _binary_star(w), perms, rng)
    folded = (np.minimum(ge, perms - ge) + 1) / (perms + 1)
    assert np.abs(folded - ref.p_sim).max() < 0.03


# --- planted hotspots and the null ----------------------------------------------------


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from saferleeds.demo.generator import generate

    out = tmp_path_factory.mktemp("synthetic")
    generate(out, seed=1, scale=1.0)
    return out


def test_planted_hotspots_found_and_null_is_quiet(synthetic: Path) -> None:
    with (synthetic / "offences.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    e, n = to_bng(
        [float(r["longitude"]) for r in rows], [float(r["latitude"]) for r in rows]
    )
    grid = study_grid(100)
    res = grid_gi_star(e, n, grid, seed=1)
    assert res.p_source == "permutation" and res.permutations == 99_999
    hot = np.zeros(grid.active.shape, dtype=bool)
    hot[grid.active] = np.array(res.label) == "hot"
    spots = json.loads((synthetic / "truth" / "hotspots.json").read_text())["hotspots"]
    assert len(spots) == 5
    he, hn = to_bng([s["longitude"] for s in spots], [s["latitude"] for s in spots])
    rr, cc, ok = grid.cell_of(he, hn)
    assert ok.all()
    for r, c in zip(rr.tolist(), cc.tolist(), strict=True):
        assert hot[max(r - 1, 0) : r + 2, max(c - 1, 0) : c + 2].any(), (r, c)
    assert not res.cold
    # Null: as many points, uniform over the district.
    area = district_boundary_bng()
    minx, miny, maxx, maxy = area.bounds
    rng = np.random.default_rng(10)
    px = rng.uniform(minx, maxx, 4 * len(rows))
    py = rng.uniform(miny, maxy, 4 * len(rows))
    inside = shapely.contains_xy(area, px, py)
    px, py = px[inside][: len(rows)], py[inside][: len(rows)]
    null = grid_gi_star(px, py, grid, seed=2)
    # FDR at 5%: any false discovery has probability about alpha; allow a couple.
    assert len(null.hot) <= 2 and len(null.cold) == 0


def test_read_points_from_store(police_store_path: Path) -> None:
    from datetime import date

    from saferleeds.analytics.store import open_store

    with open_store(police_store_path, read_only=True) as store:
        pts = read_points(store, crime_type="Burglary")
        located = store.scalar(
            "SELECT count(*) FROM police_street WHERE has_location AND "
            "crime_type = 'Burglary'"
        )
        month = store.scalar("SELECT min(month) FROM police_street")
        some = read_points(store, start=month, end=month)
        none = read_points(store, start=date(1990, 1, 1), end=date(1990, 1, 1))
    assert len(pts) == located > 0
    assert set(pts.crime_type) == {"Burglary"}
    assert len(some) > 0 and len(none) == 0
    e, n = to_bng(pts.longitude, pts.latitude)
    assert np.allclose(e, pts.easting)
