"""Issue #17: KDE at the grid's edge and beyond it; the Gi* permutation tie rule."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import sparse

from saferleeds.analytics.hotspots import (
    Grid,
    gi_star,
    grid_gi_star,
    kde_surface,
    permutation_p_values,
)
from saferleeds.analytics.hotspots import kde as kde_mod
from saferleeds.analytics.hotspots.gistar import (
    _binary_star,
    conditional_permutation_counts,
)

# --- KDE: exact sums on every cell, edge cells included --------------------------------


def _exact(grid: Grid, x: np.ndarray, y: np.ndarray, h: float, kernel: str):
    """Brute-force kernel sums at every cell centre (events per km²), chunked."""
    gx, gy = grid.centres()
    cx, cy = gx.ravel(), gy.ravel()
    out = np.zeros(cx.size)
    for lo in range(0, x.size, 2000):
        xs, ys = x[lo : lo + 2000], y[lo : lo + 2000]
        r2 = (cx[:, None] - xs[None, :]) ** 2 + (cy[:, None] - ys[None, :]) ** 2
        if kernel == "gaussian":
            k = np.exp(-0.5 * r2 / h**2) / (2 * np.pi * h * h)
        else:
            u = 1 - r2 / h**2
            k = np.where(u > 0, 3 / (np.pi * h * h) * u * u, 0.0)
        out += k.sum(axis=1)
    return (out * 1e6).reshape(grid.ny, grid.nx)


def _edge_heavy_points(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points over and well beyond a 6 x 4 km grid, with clusters on and just off edges."""
    parts_x = [rng.uniform(-2000, 8000, 6000)]
    parts_y = [rng.uniform(-2000, 6000, 6000)]
    # Dense clusters straddling the west edge, just past the north edge, and at a corner.
    for cx, cy, sd, n in (
        (0, 2000, 120, 3000),
        (3000, 4150, 80, 3000),
        (6000, 0, 150, 2000),
    ):
        parts_x.append(rng.normal(cx, sd, n))
        parts_y.append(rng.normal(cy, sd, n))
    return np.concatenate(parts_x), np.concatenate(parts_y)


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_kde_error_is_within_half_a_percent_of_the_peak_on_every_cell(
    kernel: str,
) -> None:
    rng = np.random.default_rng(17)
    x, y = _edge_heavy_points(rng)
    grid = Grid(0.0, 0.0, 100.0, 60, 40, np.ones((40, 60), dtype=bool))
    h = 250.0
    surface = kde_surface(x, y, grid, bandwidth=h, kernel=kernel)  # type: ignore[arg-type]
    exact = _exact(grid, x, y, h, kernel)
    err = np.abs(surface.density - exact)
    peak = exact.max()
    assert err.max() <= 0.005 * peak, err.max() / peak
    # The edge cells (outer ring) on their own, where points off the grid matter most.
    ring = np.ones_like(exact, dtype=bool)
    ring[1:-1, 1:-1] = False
    assert err[ring].max() <= 0.005 * peak
    # The edge cells really do get density from beyond the grid.
    inside = (x >= 0) & (x < 6000) & (y >= 0) & (y < 4000)
    only_inside = _exact(grid, x[inside], y[inside], h, kernel)
    assert (exact - only_inside)[ring].max() > 0.05 * peak


def test_kde_reports_points_outside_the_area_and_beyond_reach() -> None:
    active = np.ones((40, 60), dtype=bool)
    active[:, :10] = False  # the study area is the east five sixths of the grid
    grid = Grid(0.0, 0.0, 100.0, 60, 40, active)
    x = np.array([500.0, 3000.0, -100.0, 3000.0, 1e6, np.nan, 5999.0])
    y = np.array([500.0, 2000.0, 2000.0, 4200.0, 1e6, 10.0, 3999.0])
    s = kde_surface(x, y, grid, bandwidth=250.0, kernel="quartic")
    # Outside the area: the inactive west strip, two just off the grid, one far away
    # (the NaN has no place at all and is only ignored).
    assert s.n_outside == 4
    # Used: all but the far point and the NaN (the two off the grid are within 250 m).
    assert s.n_points == 5
    assert s.n_ignored == 2
    assert int(s.counts.sum()) == 3  # points per cell: only those in a cell


def test_kde_binning_in_chunks_equals_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    x, y = _edge_heavy_points(rng)
    grid = Grid(0.0, 0.0, 100.0, 60, 40, np.ones((40, 60), dtype=bool))
    whole = kde_surface(x, y, grid, kernel="gaussian")
    monkeypatch.setattr(kde_mod, "BIN_CHUNK", 997)
    chunked = kde_surface(x, y, grid, kernel="gaussian")
    assert np.allclose(whole.density, chunked.density, rtol=1e-12, atol=1e-9)
    assert (whole.counts == chunked.counts).all()
    assert (whole.n_points, whole.n_outside) == (chunked.n_points, chunked.n_outside)


# --- Gi*: the permutation tie rule -----------------------------------------------------


def test_tie_rule_on_hand_counts() -> None:
    r = 999
    ge = np.array([10, 999, 999, 500])
    le = np.array([995, 999, 5, 500])
    both = permutation_p_values(ge, le, r, "both")
    esda = permutation_p_values(ge, le, r, "esda")
    # An upper-tail unit: ties in the upper tail count under both rules.
    assert both[0] == esda[0] == pytest.approx(2 * 11 / 1000)
    # Every permutation ties: unremarkable when ties count in both tails; the most
    # extreme possible low value when (as in esda) they are left out of the low tail.
    assert both[1] == 1.0 and esda[1] == pytest.approx(2 / 1000)
    # 994 ties and no permutation strictly lower.
    assert both[2] == pytest.approx(2 * 6 / 1000) and esda[2] == pytest.approx(2 / 1000)
    assert both[3] == 1.0 and esda[3] == 1.0
    with pytest.raises(ValueError, match="tie_rule"):
        permutation_p_values(ge, le, r, "lower")  # type: ignore[arg-type]


def _one_hot_grid() -> tuple[Grid, np.ndarray]:
    grid = Grid(0.0, 0.0, 1.0, 12, 12, np.ones((12, 12), dtype=bool))
    y = np.zeros(grid.n_active)
    y[0] = 30.0  # one busy corner cell; every other cell empty
    return grid, y


def test_empty_neighbourhoods_are_not_cold_unless_ties_leave_the_low_tail() -> None:
    grid, y = _one_hot_grid()
    w = grid.queen_weights()
    r = 1999
    both = gi_star(y, w, permutations=r, seed=4, tie_rule="both")
    esda = gi_star(y, w, permutations=r, seed=4, tie_rule="esda")
    assert both.tie_rule == "both" and esda.tie_rule == "esda"
    ge, le = conditional_permutation_counts(
        y, _binary_star(w), r, np.random.default_rng(4)
    )
    # A cell away from the busy corner: its neighbours sum to 0, and no permutation
    # can give less, so every permutation is >= and the low tail holds only ties.
    far = 12 * 6 + 6
    assert ge[far] == r and 0 < le[far] <= r
    assert esda.p_sim is not None and both.p_sim is not None
    assert esda.p_sim[far] == pytest.approx(2 / (r + 1))
    assert both.p_sim[far] == min(1.0, 2 * (le[far] + 1) / (r + 1)) > 0.5
    # Both rules agree wherever the observed value is not tied by most permutations:
    # the busy cell's neighbours, in the upper tail.
    nb = 1  # east of the corner
    assert both.p_sim[nb] == esda.p_sim[nb] < 0.1
    # With the rule that drops ties, the many empty cells are cold candidates; with
    # ties counted in both tails none is (an empty cell among empty cells is typical).
    assert (both.p_sim[y == 0] > 0.5).sum() > (esda.p_sim[y == 0] > 0.5).sum()
    with pytest.raises(ValueError, match="tie_rule"):
        gi_star(y, w, permutations=9, tie_rule="nope")  # type: ignore[arg-type]


def _esda_g_local_sims(
    y: np.ndarray, w: sparse.csr_matrix, permutations: int, seed: int
):
    esda = pytest.importorskip("esda")
    from libpysal.weights import WSP

    lw = WSP(sparse.csr_matrix(w)).to_W(silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(
            y,
            lw,
            star=True,
            transform="B",
            permutations=permutations,
            seed=seed,
            keep_simulations=True,
            n_jobs=1,
        )


def test_esda_rule_reproduces_esda_p_sim_from_its_own_simulations() -> None:
    # esda's own reference distributions, counted by our rule, give exactly its p_sim
    # (ours is two-sided: twice esda's directed one-sided value).
    pytest.importorskip("libpysal")
    grid = Grid(0.0, 0.0, 1.0, 10, 10, np.ones((10, 10), dtype=bool))
    rng = np.random.default_rng(11)
    y = rng.poisson(0.4, grid.n_active).astype(float)  # sparse: many ties
    y[:5] += 4
    r = 999
    ref = _esda_g_local_sims(y, grid.queen_weights(), r, seed=5)
    sims = np.asarray(ref.rGs)
    obs = np.asarray(ref.Gs)[:, None]
    ge = (sims >= obs).sum(axis=1)
    le = (sims <= obs).sum(axis=1)
    assert (le + ge > r).any(), "the case should hold ties"
    ours = permutation_p_values(ge, le, r, "esda")
    assert np.allclose(ours, np.minimum(1.0, 2 * np.asarray(ref.p_sim)), atol=1e-12)
    # Counting ties in both tails is never smaller, and larger where ties fall low.
    both = permutation_p_values(ge, le, r, "both")
    assert (both >= ours - 1e-12).all() and (both > ours).any()


def test_esda_rule_agrees_with_esda_end_to_end_on_a_small_grid() -> None:
    pytest.importorskip("libpysal")
    grid = Grid(0.0, 0.0, 1.0, 14, 14, np.ones((14, 14), dtype=bool))
    rng = np.random.default_rng(12)
    cells = grid.n_active
    y = rng.poisson(0.5, cells).astype(float)
    y[rng.choice(cells, 8, replace=False)] += 5
    r = 4999
    ref = _esda_g_local_sims(y, grid.queen_weights(), r, seed=6)
    gx, gy = grid.centres()
    # Points at the cell centres, as many as each cell's count.
    px = np.repeat(gx[grid.active], y.astype(int))
    py = np.repeat(gy[grid.active], y.astype(int))
    ours = grid_gi_star(px, py, grid, permutations=r, seed=1, tie_rule="esda")
    assert ours.p_sim is not None
    # Independent draws: agreement to Monte Carlo error (sd <= 0.5 / sqrt(r) = 0.007).
    assert np.abs(ours.p_sim / 2 - np.asarray(ref.p_sim)).max() < 0.035
    both = grid_gi_star(px, py, grid, permutations=r, seed=1, tie_rule="both")
    assert both.p_sim is not None
    # esda's rule finds more small p-values (cold candidates) than ties-in-both-tails.
    assert (ours.p_sim <= 0.1).sum() > (both.p_sim <= 0.1).sum()
