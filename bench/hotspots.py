"""Hotspots: Gi* (999 permutations) vs PySAL esda.G_Local, KDE vs scikit-learn KernelDensity.

Gi*: the same counts and the same binary queen weights (+ self) over ~25,000 150 m cells
of Leeds; goal >= 10x faster than esda. KDE: 1,000,000 points onto the same cells with a
Gaussian kernel of 250 m; goal >= 50x faster than scikit-learn and within 1% of the exact
surface. scikit-learn (exact: rtol=0) is timed on a random sample of cells and scaled to
the whole grid, since evaluating every cell takes minutes; its values on that sample are
the exact surface the error is measured against. Needs the bench and test extras.
"""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np
import shapely

from saferleeds.analytics.hotspots import gi_star, kde_surface, study_grid
from saferleeds.analytics.hotspots.grid import district_boundary_bng


def _points(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """70% uniform over Leeds, 30% in 60 Gaussian clusters (sd 150-600 m)."""
    area = district_boundary_bng()
    minx, miny, maxx, maxy = area.bounds
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    have = 0
    n_uniform = int(0.7 * n)
    while have < n_uniform:
        x = rng.uniform(minx, maxx, n_uniform)
        y = rng.uniform(miny, maxy, n_uniform)
        ok = shapely.contains_xy(area, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        have += int(ok.sum())
    ux, uy = np.concatenate(xs)[:n_uniform], np.concatenate(ys)[:n_uniform]
    centre = rng.integers(0, n_uniform, 60)
    which = rng.integers(0, 60, n - n_uniform)
    sd = rng.uniform(150, 600, 60)[which]
    cx = ux[centre][which] + rng.normal(0, 1, which.size) * sd
    cy = uy[centre][which] + rng.normal(0, 1, which.size) * sd
    return np.concatenate([ux, cx]), np.concatenate([uy, cy])


def _time(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_gi_star(quick: bool, rng: np.random.Generator) -> None:
    """Gi* with permutations on the grid: ours vs esda.G_Local, same weights."""
    import esda
    from libpysal.weights import WSP

    cell, perms = (250.0, 99) if quick else (150.0, 999)
    grid = study_grid(cell)
    x, y = _points(100_000 if not quick else 20_000, rng)
    counts = grid.counts(x, y)[grid.active].astype(float)
    w = grid.queen_weights()
    lw = WSP(w).to_W(silence_warnings=True)

    def ours() -> object:
        return gi_star(counts, w, permutations=perms, seed=1)

    def peer() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return esda.G_Local(
                counts, lw, star=True, transform="B", permutations=perms, seed=1
            )

    t_ours = _time(ours, 3)
    t_peer = _time(peer, 1)
    a, b = ours(), peer()
    dz = float(np.abs(a.z - b.Zs).max())  # type: ignore[attr-defined]
    dp = float(np.abs(a.p_norm - b.p_norm).max())  # type: ignore[attr-defined]
    print(
        f"  Gi* {grid.n_active:,} cells, {perms} permutations: ours {t_ours:.3f} s, "
        f"esda.G_Local {t_peer:.3f} s -> {t_peer / t_ours:.1f}x faster "
        f"(goal >= 10x); max |dz| {dz:.1e}, max |dp_norm| {dp:.1e}"
    )


def bench_kde(quick: bool, rng: np.random.Generator) -> None:
    """KDE of many points onto the grid: ours vs sklearn KernelDensity (exact)."""
    from sklearn.neighbors import KernelDensity

    n_points, sample = (100_000, 100) if quick else (1_000_000, 200)
    h = 250.0
    grid = study_grid(150.0)
    x, y = _points(n_points, rng)
    t_ours = _time(lambda: kde_surface(x, y, grid, bandwidth=h, kernel="gaussian"), 3)
    surface = kde_surface(x, y, grid, bandwidth=h, kernel="gaussian")
    gx, gy = grid.centres()
    cx, cy = gx[grid.active], gy[grid.active]
    est_all = surface.density[grid.active]
    pick = rng.choice(cx.size, size=sample, replace=False)
    kd = KernelDensity(kernel="gaussian", bandwidth=h, rtol=0.0, atol=0.0)
    t = time.perf_counter()
    kd.fit(np.column_stack([x, y]))
    exact = np.exp(kd.score_samples(np.column_stack([cx[pick], cy[pick]])))
    t_sample = time.perf_counter() - t
    t_peer = t_sample * cx.size / sample
    exact_km2 = exact * x.size * 1e6
    est = est_all[pick]
    floor = 0.01 * est_all.max()
    big = exact_km2 > floor
    rel = float(np.abs(est[big] / exact_km2[big] - 1).max()) if big.any() else 0.0
    print(
        f"  KDE {n_points:,} points -> {grid.n_active:,} cells (Gaussian, 250 m): "
        f"ours {t_ours:.3f} s, sklearn KernelDensity {t_peer:.1f} s (scaled from "
        f"{sample} cells in {t_sample:.1f} s) -> {t_peer / t_ours:.0f}x faster "
        f"(goal >= 50x); max relative error {rel:.2%} on {int(big.sum())} sampled "
        f"cells above 1% of peak (goal <= 1%)"
    )


def run(quick: bool = False) -> None:
    """Print both comparisons."""
    rng = np.random.default_rng(2026)
    bench_gi_star(quick, rng)
    bench_kde(quick, rng)


if __name__ == "__main__":
    import sys

    run(quick="--quick" in sys.argv)
