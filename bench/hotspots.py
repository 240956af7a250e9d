"""Hotspots: Gi* vs PySAL esda.G_Local, KDE vs scikit-learn KernelDensity and KDEpy.

Each peer is configured as its users would run it, and both sides are warmed and timed
as the median of 3 runs (issue #17):

* Gi* (999 permutations, ~25,000 cells of 150 m over Leeds): esda ``G_Local`` with
  numba when it is installed (reported), ``n_jobs=1``, ``keep_simulations=False``,
  warmed by one run first. Accuracy: max |dz| and max |d p_norm| on every cell, and the
  cells with a two-sided permutation p <= 0.05 under our two tie rules and esda's.
* KDE (1,000,000 points, Gaussian, 250 m, onto the same cells): scikit-learn
  ``KernelDensity(rtol=1e-3)`` evaluated on every active cell (no scaling), and KDEpy
  ``FFTKDE`` on a lattice of the cell centres widened to cover every point, at the cell
  spacing and refined 4 times as ours is (the accuracy-matched setting). Accuracy:
  max error as a share of the peak against exact kernel sums on a random sample of
  2,000 cells plus every edge cell of the grid.

Peak memory is the resident memory one further run adds on each side (run in a forked
child: its peak RSS, VmHWM reset at the start, less its RSS then), so C and Cython
allocations count.
Prints one table (benchmark, input, ours, peer, ratio, accuracy, memory) and writes it
to ``bench/results/hotspots.json`` (``hotspots-quick.json`` with ``--quick``). Needs the
bench and test extras.
"""

from __future__ import annotations

import importlib.util
import json
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from report import peak_mb

from saferleeds.analytics.hotspots import gi_star, kde_surface, study_grid
from saferleeds.analytics.hotspots.grid import Grid, district_boundary_bng

RESULTS = Path(__file__).resolve().parent / "results"
EXACT_SAMPLE = 2_000


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


def _median_time(fn: Callable[[], object], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _peak_mb(fn: Callable[[], object]) -> float:
    """Peak resident memory (MB) one run adds, in a forked child (C allocations too),
    by ``bench/report.py``, which first hands back the free heap earlier runs left."""
    return peak_mb(fn)


def _row(
    benchmark: str,
    inputs: str,
    ours: float,
    peer_name: str,
    peer: float,
    accuracy: str,
    mem_ours: float,
    mem_peer: float,
) -> dict[str, Any]:
    return {
        "benchmark": benchmark,
        "input": inputs,
        "ours_s": round(ours, 4),
        "peer": peer_name,
        "peer_s": round(peer, 4),
        "ratio": round(peer / ours, 2),
        "measured": True,  # every figure here is measured, none scaled
        "accuracy": accuracy,
        "memory_mb_ours": round(mem_ours, 1),
        "memory_mb_peer": round(mem_peer, 1),
    }


def bench_gi_star(quick: bool, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Gi* with permutations on the grid: ours vs esda.G_Local, same weights."""
    import esda
    from libpysal.weights import WSP

    numba = importlib.util.find_spec("numba") is not None
    cell, perms, n_points = (250.0, 99, 20_000) if quick else (150.0, 999, 100_000)
    grid = study_grid(cell)
    x, y = _points(n_points, rng)
    counts = grid.counts(x, y)[grid.active].astype(float)
    w = grid.queen_weights()
    lw = WSP(w).to_W(silence_warnings=True)

    def ours(tie_rule: str = "both") -> Any:
        return gi_star(counts, w, permutations=perms, seed=1, tie_rule=tie_rule)  # type: ignore[arg-type]

    def peer() -> Any:
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

    a, b = ours(), peer()  # warm both (numba compiles on the first call)
    t_ours, t_peer = _median_time(ours), _median_time(peer)
    m_ours, m_peer = _peak_mb(ours), _peak_mb(peer)
    dz = float(np.abs(a.z - b.Zs).max())
    dp = float(np.abs(a.p_norm - b.p_norm).max())
    sig_both = int((a.p_sim <= 0.05).sum())
    sig_esda_rule = int((ours("esda").p_sim <= 0.05).sum())
    sig_peer = int((np.minimum(1.0, 2 * b.p_sim) <= 0.05).sum())
    peer_name = f"esda.G_Local ({'numba' if numba else 'no numba: not installed'})"
    return [
        _row(
            "Gi*",
            f"{grid.n_active:,} cells of {cell:g} m, {perms} permutations",
            t_ours,
            peer_name,
            t_peer,
            f"max |dz| {dz:.1e}, max |dp_norm| {dp:.1e}; cells p<=0.05: "
            f"ours {sig_both:,} (ties both tails), {sig_esda_rule:,} (esda rule), "
            f"esda {sig_peer:,}",
            m_ours,
            m_peer,
        )
    ]


def _exact_density(
    cx: np.ndarray, cy: np.ndarray, x: np.ndarray, y: np.ndarray, h: float
) -> np.ndarray:
    """Exact Gaussian kernel sums (events per km²) at the given centres, chunked."""
    out = np.zeros(cx.size)
    for lo in range(0, x.size, 20_000):
        xs, ys = x[lo : lo + 20_000], y[lo : lo + 20_000]
        r2 = (cx[:, None] - xs[None, :]) ** 2 + (cy[:, None] - ys[None, :]) ** 2
        out += np.exp(-0.5 * r2 / (h * h)).sum(axis=1)
    return out / (2 * np.pi * h * h) * 1e6


def _kdepy_surface(
    x: np.ndarray, y: np.ndarray, grid: Grid, h: float, refine: int = 1
) -> Callable[[], np.ndarray]:
    """KDEpy FFTKDE on the cell centres' lattice (``refine`` times finer), widened to
    cover every point; read at the cell centres."""
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
    mesh = np.stack(np.meshgrid(gx, gy, indexing="ij"), axis=-1).reshape(-1, 2)
    data = np.column_stack([x, y])

    def run() -> np.ndarray:
        dens = FFTKDE(kernel="gaussian", bw=h).fit(data).evaluate(mesh)
        full = np.asarray(dens).reshape(nx, ny).T * x.size * 1e6
        rows = slice(below, below + grid.ny * refine, refine)
        return np.asarray(full[rows, left : left + grid.nx * refine : refine])

    return run


def bench_kde(quick: bool, rng: np.random.Generator) -> list[dict[str, Any]]:
    """KDE of many points onto the grid: ours vs sklearn (rtol=1e-3) and KDEpy."""
    from sklearn.neighbors import KernelDensity

    n_points = 100_000 if quick else 1_000_000
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
    exact = _exact_density(ex_x, ex_y, x, y, h)
    peak = float(exact.max())

    def error(full: np.ndarray, on_active: np.ndarray | None = None) -> str:
        if on_active is not None:  # sklearn gives active cells only
            got = on_active[pick_active]
            ref = exact[: pick_active.size]
        else:
            got = np.concatenate([full[grid.active][pick_active], full[edge]])
            ref = exact
        return f"{float(np.abs(got - ref).max()) / peak:.3%} of peak"

    inputs = f"{n_points:,} points -> {grid.n_active:,} cells (Gaussian, 250 m)"
    rows = []
    d_ours = ours()
    t_ours = _median_time(ours)
    m_ours = _peak_mb(ours)
    acc_ours = error(d_ours)
    d_sk = sklearn()
    t_sk = _median_time(sklearn, 1 if not quick else 3)
    m_sk = _peak_mb(sklearn)
    rows.append(
        _row(
            "KDE",
            inputs,
            t_ours,
            "sklearn KernelDensity rtol=1e-3, all cells"
            + ("" if quick else " (1 run: minutes each)"),
            t_sk,
            f"ours {acc_ours}; sklearn {error(np.empty(0), d_sk)} "
            f"({pick_active.size:,} sampled + {int(edge.sum()):,} edge cells)",
            m_ours,
            m_sk,
        )
    )
    if importlib.util.find_spec("KDEpy") is None:
        print("  (KDEpy not installed: no FFT peer)")
        return rows
    for refine in (1, 4):
        kdepy = _kdepy_surface(x, y, grid, h, refine)
        d_kp = kdepy()
        t_kp = _median_time(kdepy)
        m_kp = _peak_mb(kdepy)
        rows.append(
            _row(
                "KDE",
                inputs,
                t_ours,
                f"KDEpy FFTKDE, lattice {grid.cell / refine:g} m",
                t_kp,
                f"ours {acc_ours}; KDEpy {error(d_kp)}",
                m_ours,
                m_kp,
            )
        )
    return rows


def _print_table(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        print(
            f"  {r['benchmark']:<4} | {r['input']} | ours {r['ours_s']:.3f} s "
            f"({r['memory_mb_ours']:.0f} MB) | {r['peer']} {r['peer_s']:.3f} s "
            f"({r['memory_mb_peer']:.0f} MB) | {r['ratio']:.1f}x | {r['accuracy']}"
        )


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Run both comparisons, print the table and write it as JSON."""
    rng = np.random.default_rng(2026)
    rows = bench_gi_star(quick, rng) + bench_kde(quick, rng)
    _print_table(rows)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("hotspots-quick.json" if quick else "hotspots.json")
    out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(f"  written to {out}")
    return rows


if __name__ == "__main__":
    import sys

    run(quick="--quick" in sys.argv)
