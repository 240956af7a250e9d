"""Hotspots: Gi* vs PySAL esda.G_Local, KDE vs scikit-learn KernelDensity and KDEpy.

Each peer is configured as its users would run it, and both sides are warmed and timed
as the median of 3 runs (issue #17); a peer whose first run takes over a minute is
timed once, and the table says so (its run count).

* Gi* (999 permutations; by default ~25,000 cells of 150 m over Leeds and 100,000
  points, with ``--large`` ~250,000 cells of 47 m over the same study grid and
  1,000,000 points): esda ``G_Local`` with numba when it is installed (reported),
  ``n_jobs=1``, ``keep_simulations=False``. Both sides are warmed by one run on a small
  grid first (numba compiles once per type signature, not per size). Accuracy: max
  |dz| and max |d p_norm| on every cell, and the cells with a two-sided permutation
  p <= 0.05 under our two tie rules and esda's.
* KDE (Gaussian, 250 m, onto the 150 m cells; 1,000,000 points by default, 10,000,000
  with ``--large``): scikit-learn ``KernelDensity(rtol=1e-3)`` evaluated on every
  active cell (no scaling; not run at 10M points: impractical there, and no time
  is given or estimated for it), and
  KDEpy ``FFTKDE`` on a lattice of the cell centres widened to cover every point, at
  the cell spacing and refined 4 times as ours is (the accuracy-matched setting), on
  coordinates in bandwidth units (``bw=1``): KDEpy cuts a Gaussian where its value
  falls below an absolute 1e-4, so ``bw=250`` in metres would cut it at 2.35 sigma and
  lose ~4% of the mass (measured: 4.4% of peak error at the 150 m lattice).
  Accuracy: max error as a share of the peak against exact kernel sums (every point
  within 8 bandwidths; the rest add under 1e-13 of a kernel's peak each) on a random
  sample of 2,000 active cells plus every edge cell of the grid.

Peak memory is the resident memory one further run adds on each side (run in a forked
child: its peak RSS, VmHWM reset at the start, less its RSS then), so C and Cython
allocations count.

Prints one table (``report.print_table``: benchmark, input, ours, peer, ratio,
accuracy, memory) and writes it to ``bench/results/hotspots[-quick|-large][-gi|-kde].json``.
Needs the bench and test extras. Run::

    .venv/bin/python bench/hotspots.py                 # 25k-cell Gi*, 1M-point KDE
    .venv/bin/python bench/hotspots.py --large --only gi   # 250k-cell Gi*
    .venv/bin/python bench/hotspots.py --large --only kde  # 10M-point KDE vs KDEpy
"""

from __future__ import annotations

import argparse
import importlib.util
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely
from report import median_time, peak_mb, print_table, row, write_summary
from scipy.spatial import cKDTree

from saferleeds.analytics.hotspots import gi_star, kde_surface, study_grid
from saferleeds.analytics.hotspots.grid import Grid, district_boundary_bng

EXACT_SAMPLE = 2_000
# A peer whose first run takes longer than this (s) is timed once, and said so.
ONCE_OVER = 60.0


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


def _esda_g_local(counts: np.ndarray, lw: Any, perms: int) -> Any:
    import esda

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(
            counts,
            lw,
            star=True,
            transform="B",
            permutations=perms,
            seed=1,
            n_jobs=1,
            keep_simulations=False,
        )


def _grid_problem(
    cell: float, n_points: int, rng: np.random.Generator
) -> tuple[Grid, np.ndarray, Any, Any]:
    """The grid, counts per active cell, our weights and esda's (libpysal W)."""
    from libpysal.weights import WSP

    grid = study_grid(cell)
    x, y = _points(n_points, rng)
    counts = grid.counts(x, y)[grid.active].astype(float)
    w = grid.queen_weights()
    return grid, counts, w, WSP(w).to_W(silence_warnings=True)


def bench_gi_star(size: str, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Gi* with permutations on the grid: ours vs esda.G_Local, same weights."""
    numba = importlib.util.find_spec("numba") is not None
    cell, perms, n_points = {
        "quick": (250.0, 99, 20_000),
        "default": (150.0, 999, 100_000),
        "large": (47.0, 999, 1_000_000),
    }[size]
    # Warm both sides on a small grid: esda's numba kernels compile on their first
    # call (once per type signature, whatever the size), and our code's caches fill.
    _, wc, ww, wlw = _grid_problem(1000.0, 5_000, np.random.default_rng(0))
    gi_star(wc, ww, permutations=perms, seed=1)
    t = time.perf_counter()
    _esda_g_local(wc, wlw, perms)
    print(
        f"  esda warm-up (numba {'on' if numba else 'off'}): {time.perf_counter() - t:.1f} s"
    )

    grid, counts, w, lw = _grid_problem(cell, n_points, rng)
    print(f"  Gi*: {grid.n_active:,} active cells of {cell:g} m, {n_points:,} points")

    def ours(tie_rule: str = "both") -> Any:
        return gi_star(counts, w, permutations=perms, seed=1, tie_rule=tie_rule)  # type: ignore[arg-type]

    def peer() -> Any:
        return _esda_g_local(counts, lw, perms)

    t_ours, a, n_ours = median_time(ours)
    t_peer, b, n_peer = median_time(peer, once_over=ONCE_OVER)
    print(
        f"  ours {t_ours:.3f} s ({n_ours}x), esda {t_peer:.3f} s ({n_peer}x)",
        flush=True,
    )
    m_ours, m_peer = peak_mb(ours), peak_mb(peer)
    dz = float(np.abs(a.z - b.Zs).max())
    dp = float(np.abs(a.p_norm - b.p_norm).max())
    sig_both = int((a.p_sim <= 0.05).sum())
    sig_esda_rule = int((ours("esda").p_sim <= 0.05).sum())
    sig_peer = int((np.minimum(1.0, 2 * b.p_sim) <= 0.05).sum())
    peer_name = (
        "esda.G_Local (numba, n_jobs=1, warmed)"
        if numba
        else "esda.G_Local (no numba: not installed)"
    )
    return [
        row(
            "Gi*",
            f"{grid.n_active:,} cells of {cell:g} m, {n_points:,} points, "
            f"{perms} permutations",
            t_ours,
            peer_name,
            t_peer,
            accuracy=f"max |dz| {dz:.1e}, max |dp_norm| {dp:.1e}; cells p<=0.05: "
            f"ours {sig_both:,} (ties both tails), {sig_esda_rule:,} (esda rule), "
            f"esda {sig_peer:,}",
            memory_mb_ours=m_ours,
            memory_mb_peer=m_peer,
            repeats_ours=n_ours,
            repeats_peer=n_peer,
        )
    ]


def _exact_density(
    cx: np.ndarray, cy: np.ndarray, x: np.ndarray, y: np.ndarray, h: float
) -> np.ndarray:
    """Exact Gaussian kernel sums (events per km²) at the given centres.

    Every point within 8 bandwidths of a centre is summed (found with a k-d tree, so
    10M points take seconds, not hours); each point beyond adds under
    ``exp(-32)`` = 1.3e-14 of its kernel's peak.
    """
    tree = cKDTree(np.column_stack([x, y]))
    out = np.zeros(cx.size)
    for lo in range(0, cx.size, 64):
        centres = np.column_stack([cx[lo : lo + 64], cy[lo : lo + 64]])
        for k, idx in enumerate(tree.query_ball_point(centres, 8 * h)):
            if idx:
                i = np.asarray(idx)
                r2 = (x[i] - centres[k, 0]) ** 2 + (y[i] - centres[k, 1]) ** 2
                out[lo + k] = np.exp(-0.5 * r2 / (h * h)).sum()
    return out / (2 * np.pi * h * h) * 1e6


def _kdepy_surface(
    x: np.ndarray, y: np.ndarray, grid: Grid, h: float, refine: int = 1
) -> Callable[[], np.ndarray]:
    """KDEpy FFTKDE on the cell centres' lattice (``refine`` times finer), widened to
    cover every point, in bandwidth units; read at the cell centres."""
    from KDEpy import FFTKDE

    c = grid.cell / refine
    x_first, y_first = grid.x0 + grid.cell / 2, grid.y0 + grid.cell / 2
    # Whole cells either side, beyond the points and the kernel's reach.
    reach = 8 * h
    left = int(np.ceil((x_first - x.min() + reach) / c))
    below = int(np.ceil((y_first - y.min() + reach) / c))
    nx = left + int(np.ceil((x.max() + reach - x_first) / c)) + 1
    ny = below + int(np.ceil((y.max() + reach - y_first) / c)) + 1
    gx = x_first + (np.arange(nx) - left) * c
    gy = y_first + (np.arange(ny) - below) * c
    # In bandwidth units (bw=1): KDEpy cuts an infinite kernel where its value falls
    # below an absolute 1e-4, so with bw=250 (metres) the Gaussian would be cut at
    # 2.35 sigma, losing ~4% of every point's mass; at bw=1 the cut is 3.9 sigma.
    mesh = np.stack(np.meshgrid(gx / h, gy / h, indexing="ij"), axis=-1).reshape(-1, 2)
    data = np.column_stack([x / h, y / h])

    def run() -> np.ndarray:
        dens = FFTKDE(kernel="gaussian", bw=1.0).fit(data).evaluate(mesh)
        full = np.asarray(dens).reshape(nx, ny).T * x.size * 1e6 / (h * h)
        rows = slice(below, below + grid.ny * refine, refine)
        return np.asarray(full[rows, left : left + grid.nx * refine : refine])

    return run


def bench_kde(size: str, rng: np.random.Generator) -> list[dict[str, Any]]:
    """KDE of many points onto the grid: ours vs sklearn (rtol=1e-3) and KDEpy."""
    from sklearn.neighbors import KernelDensity

    n_points = {"quick": 100_000, "default": 1_000_000, "large": 10_000_000}[size]
    h = 250.0
    grid = study_grid(150.0)
    x, y = _points(n_points, rng)
    gx, gy = grid.centres()
    cx, cy = gx[grid.active], gy[grid.active]

    def ours() -> np.ndarray:
        return kde_surface(x, y, grid, bandwidth=h, kernel="gaussian").density

    def sklearn() -> np.ndarray:
        kd = KernelDensity(kernel="gaussian", bandwidth=h, rtol=1e-3)
        kd.fit(np.column_stack([x, y]))
        return np.exp(kd.score_samples(np.column_stack([cx, cy]))) * x.size * 1e6

    # Exact sums on a random sample of active cells plus every edge cell of the grid.
    edge = np.zeros(grid.active.shape, dtype=bool)
    edge[[0, -1], :] = True
    edge[:, [0, -1]] = True
    pick_active = rng.choice(cx.size, size=min(EXACT_SAMPLE, cx.size), replace=False)
    ex_x = np.concatenate([cx[pick_active], gx[edge]])
    ex_y = np.concatenate([cy[pick_active], gy[edge]])
    t = time.perf_counter()
    exact = _exact_density(ex_x, ex_y, x, y, h)
    print(f"  exact sums on {exact.size:,} cells: {time.perf_counter() - t:.1f} s")
    peak = float(exact.max())
    sample = f"{pick_active.size:,} sampled + {int(edge.sum()):,} edge cells"

    def error(full: np.ndarray, on_active: np.ndarray | None = None) -> str:
        if on_active is not None:  # sklearn gives active cells only
            got = on_active[pick_active]
            ref = exact[: pick_active.size]
        else:
            got = np.concatenate([full[grid.active][pick_active], full[edge]])
            ref = exact
        return f"{float(np.abs(got - ref).max()) / peak:.3%} of peak"

    inputs = f"{n_points:,} points -> {grid.n_active:,} cells (Gaussian, 250 m)"
    ours()  # warm
    t_ours, d_ours, n_ours = median_time(ours)
    m_ours = peak_mb(ours)
    acc_ours = error(d_ours)
    print(f"  ours {t_ours:.3f} s ({n_ours}x), {m_ours:.0f} MB, {acc_ours}", flush=True)
    rows = []
    if size == "large":
        print(
            "  sklearn KernelDensity not run at 10M points: impractical "
            "(no time measured or estimated)"
        )
    else:
        sklearn()  # warm
        t_sk, d_sk, n_sk = median_time(sklearn, once_over=ONCE_OVER)
        m_sk = peak_mb(sklearn)
        rows.append(
            row(
                "KDE",
                inputs,
                t_ours,
                "sklearn KernelDensity rtol=1e-3, all cells",
                t_sk,
                accuracy=f"ours {acc_ours}; sklearn {error(np.empty(0), d_sk)} "
                f"({sample}; sklearn: sampled active cells only)",
                memory_mb_ours=m_ours,
                memory_mb_peer=m_sk,
                repeats_ours=n_ours,
                repeats_peer=n_sk,
            )
        )
    if importlib.util.find_spec("KDEpy") is None:
        print("  (KDEpy not installed: no FFT peer)")
        return rows
    for refine in (1, 4):
        kdepy = _kdepy_surface(x, y, grid, h, refine)
        kdepy()  # warm
        t_kp, d_kp, n_kp = median_time(kdepy, once_over=ONCE_OVER)
        m_kp = peak_mb(kdepy)
        rows.append(
            row(
                "KDE",
                inputs,
                t_ours,
                f"KDEpy FFTKDE, lattice {grid.cell / refine:g} m",
                t_kp,
                accuracy=f"ours {acc_ours}; KDEpy {error(d_kp)} ({sample})",
                memory_mb_ours=m_ours,
                memory_mb_peer=m_kp,
                repeats_ours=n_ours,
                repeats_peer=n_kp,
            )
        )
    return rows


def run(
    quick: bool = False, *, large: bool = False, only: str | None = None
) -> list[dict[str, Any]]:
    """Run the comparisons, print the table and write it as JSON.

    Args:
        quick: Small inputs, for a smoke run.
        large: The issue's large sizes (Gi* ~250k cells, KDE 10M points).
        only: ``"gi"`` or ``"kde"`` to run one of the two.
    """
    size = "quick" if quick else "large" if large else "default"
    rng = np.random.default_rng(2026)
    rows: list[dict[str, Any]] = []
    if only in (None, "gi"):
        rows += bench_gi_star(size, rng)
    if only in (None, "kde"):
        rows += bench_kde(size, rng)
    print_table(rows)
    name = "hotspots" + ("" if size == "default" else f"-{size}")
    name += "" if only is None else f"-{only}"
    out = write_summary(rows, f"{name}.json")
    print(f"  written to {out}")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs")
    parser.add_argument(
        "--large",
        action="store_true",
        help="Gi* on ~250k cells of 47 m, KDE of 10M points (KDEpy peer only)",
    )
    parser.add_argument("--only", choices=("gi", "kde"), help="run one benchmark")
    args = parser.parse_args()
    run(args.quick, large=args.large, only=args.only)
