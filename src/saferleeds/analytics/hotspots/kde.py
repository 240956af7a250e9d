"""Kernel density surface on the analysis grid, by binning and FFT convolution."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.signal import fftconvolve

from saferleeds.analytics.hotspots.grid import Grid
from saferleeds.analytics.hotspots.projection import from_bng

Kernel = Literal["quartic", "gaussian"]
DEFAULT_BANDWIDTH_M = 250.0
_GAUSS_TRUNCATE = 6.0  # Gaussian kernel cut at 6 bandwidths: relative loss < 1e-7.
# Points binned per pass: bounds the binning's working memory (~100 bytes a point, so
# ~50 MB a pass) whatever the number of points.
BIN_CHUNK = 1 << 19


@dataclass(frozen=True)
class KdeSurface:
    """A kernel density surface over a grid.

    Attributes:
        grid: The grid; values are given for every cell, inactive ones included.
        kernel: ``"quartic"`` or ``"gaussian"``.
        bandwidth: Kernel bandwidth (m): the quartic radius, or the Gaussian sigma.
        density: ``(ny, nx)`` estimated events per km² at each cell centre.
        counts: ``(ny, nx)`` events whose point falls in each cell.
        n_points: Events in the surface: every event within the kernel's reach of a
            cell centre, including those outside the study area.
        n_outside: Events outside the study area (in no active cell). Those within
            the kernel's reach still add density to the cells near the edge.
        n_ignored: Events that add nothing: beyond the kernel's reach of every cell
            centre, or with a missing (non-finite) coordinate.
    """

    grid: Grid
    kernel: str
    bandwidth: float
    density: NDArray[np.float64]
    counts: NDArray[np.int64]
    n_points: int
    n_outside: int = 0
    n_ignored: int = 0

    def to_rows(self, *, active_only: bool = True) -> list[dict[str, Any]]:
        """One dict per cell: id, centre (BNG and WGS84), count and density per km²."""
        g = self.grid
        mask = g.active if active_only else np.ones_like(g.active)
        rows, cols = np.nonzero(mask)
        x = g.x0 + (cols + 0.5) * g.cell
        y = g.y0 + (rows + 0.5) * g.cell
        lon, lat = from_bng(x, y)
        return [
            {
                "cell_id": f"E{xx - g.cell / 2:.0f}N{yy - g.cell / 2:.0f}",
                "easting": xx,
                "northing": yy,
                "longitude": round(lo, 6),
                "latitude": round(la, 6),
                "count": int(c),
                "density_per_km2": float(d),
            }
            for xx, yy, lo, la, c, d in zip(
                x.tolist(),
                y.tolist(),
                lon.tolist(),
                lat.tolist(),
                self.counts[mask].tolist(),
                self.density[mask].tolist(),
                strict=True,
            )
        ]

    def to_geojson(self) -> dict[str, Any]:
        """A GeoJSON FeatureCollection of the active cells as WGS84 squares."""
        shapes = self.grid.active_polygons_wgs84()
        rows = self.to_rows()
        return {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": s, "properties": r}
                for s, r in zip(shapes, rows, strict=True)
            ],
        }


def kernel_reach(kernel: str, bandwidth: float) -> float:
    """How far (m) the kernel reaches: the quartic radius, or 6 Gaussian sigmas."""
    if kernel == "quartic":
        return bandwidth
    if kernel == "gaussian":
        return _GAUSS_TRUNCATE * bandwidth
    raise ValueError(f"kernel must be 'quartic' or 'gaussian', not {kernel!r}")


def _kernel_weights(kernel: str, bandwidth: float, step: float) -> NDArray[np.float64]:
    """Kernel values (per m²) at lattice offsets of ``step`` metres."""
    half = int(math.ceil(kernel_reach(kernel, bandwidth) / step))
    off = np.arange(-half, half + 1) * step
    r2 = off[None, :] ** 2 + off[:, None] ** 2
    h2 = bandwidth * bandwidth
    if kernel == "quartic":
        u = 1.0 - r2 / h2
        return np.where(u > 0, 3.0 / (math.pi * h2) * u * u, 0.0)
    return np.asarray(np.exp(-0.5 * r2 / h2) / (2 * math.pi * h2))


def kde_surface(
    easting: ArrayLike,
    northing: ArrayLike,
    grid: Grid,
    *,
    bandwidth: float = DEFAULT_BANDWIDTH_M,
    kernel: Kernel = "quartic",
    oversample: int = 4,
) -> KdeSurface:
    """Estimate event density at every cell centre of ``grid``.

    The points are linearly binned onto a lattice ``oversample`` times finer than the
    grid (each point shares its weight among the four nearest lattice nodes), and the
    lattice is convolved with the sampled kernel at the cell centres: the Gaussian,
    being separable, as one banded matrix product per axis (exact, no FFT round-off),
    the quartic by FFT. The lattice extends the kernel's reach beyond the outermost cell
    centres, so points outside the grid still add their density to the edge cells;
    the points are binned in chunks of :data:`BIN_CHUNK`, so memory does not grow
    with their number. The cost is independent of the number of points after binning.

    Args:
        easting: Event eastings (m, EPSG:27700; see :func:`projection.to_bng`).
        northing: Event northings (m).
        grid: The output grid.
        bandwidth: Quartic search radius, or Gaussian standard deviation (m);
            default 250 m.
        kernel: ``"quartic"`` (biweight, ``3/(pi h^2) (1 - r^2/h^2)^2`` within
            ``h``) or ``"gaussian"`` (``exp(-r^2 / 2h^2) / (2 pi h^2)``).
        oversample: Lattice refinement (default 4). At a bandwidth of 2.5 cells the
            binning error is under 0.5% of the surface's peak on every cell, edge
            cells included, and under 1% (Gaussian) or 2% (quartic) of the exact
            surface wherever it is above 1% of its peak.

    Returns:
        The surface: density in events per km² (summing kernels, so it integrates to
        the number of events), the point count per cell, and how many points were
        used, lay outside the study area, or reached no cell (``n_points``,
        ``n_outside``, ``n_ignored``).

    Notes:
        Kernel density estimation for crime hotspot mapping follows Chainey (2013),
        *Examining the influence of cell size and bandwidth size on kernel density
        estimation crime hotspot maps*, Geomatics Solutions for Crime, and Chainey,
        Tompson & Uhlig (2008). Linear binning with FFT convolution follows Wand (1994),
        *Fast computation of multivariate kernel estimators*, JCGS 3(4), with the
        lattice padded by the kernel's support as Wand requires for exact edge
        values (no point within reach of a cell is dropped); the Gaussian's product
        form makes its convolution the same sum taken one axis at a time. No edge
        correction (reweighting for the part of a kernel outside the study area) is
        applied.
    """
    if not bandwidth > 0:
        raise ValueError(f"bandwidth must be positive, not {bandwidth!r}")
    if oversample < 1:
        raise ValueError("oversample must be at least 1")
    x = np.asarray(easting, dtype=np.float64).ravel()
    y = np.asarray(northing, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError("easting and northing must have the same length")
    step = grid.cell / oversample
    half = int(math.ceil(kernel_reach(kernel, bandwidth) / step))
    lattice, counts, n_in, n_outside = _bin(x, y, grid, oversample, half)
    pad = half + 1
    if kernel == "gaussian":
        # Separable: one banded product per axis, evaluated at the cell centres only.
        ky = _gauss_rows(grid.ny, lattice.shape[0], pad, oversample, step, bandwidth)
        kx = _gauss_rows(grid.nx, lattice.shape[1], pad, oversample, step, bandwidth)
        at = np.asarray(kx @ np.asarray(ky @ lattice).T).T
    else:
        smooth = fftconvolve(lattice, _kernel_weights(kernel, bandwidth, step), "same")
        at = smooth[
            pad : pad + grid.ny * oversample : oversample,
            pad : pad + grid.nx * oversample : oversample,
        ]
    density = np.maximum(at, 0.0) * 1e6  # per m² -> per km²; FFT round-off below 0
    return KdeSurface(
        grid=grid,
        kernel=kernel,
        bandwidth=float(bandwidth),
        density=np.asarray(density, dtype=np.float64),
        counts=counts,
        n_points=n_in,
        n_outside=n_outside,
        n_ignored=int(x.size - n_in),
    )


def _gauss_rows(
    n_out: int, n_nodes: int, pad: int, oversample: int, step: float, sigma: float
) -> sparse.csr_matrix:
    """``(n_out, n_nodes)`` banded matrix: the 1-D Gaussian (per m) from each cell
    centre (lattice node ``pad + oversample * c``) to the nodes within its reach."""
    off = np.arange(-(pad - 1), pad)
    vals = np.exp(-0.5 * (off * step / sigma) ** 2) / (math.sqrt(2 * math.pi) * sigma)
    centre = pad + oversample * np.arange(n_out)
    return sparse.csr_matrix(
        (
            np.tile(vals, n_out),
            (np.repeat(np.arange(n_out), off.size), (centre[:, None] + off).ravel()),
        ),
        shape=(n_out, n_nodes),
    )


def _bin(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    grid: Grid,
    oversample: int,
    half: int,
) -> tuple[NDArray[np.float64], NDArray[np.int64], int, int]:
    """Linearly bin the points onto the padded lattice, a chunk at a time.

    The lattice holds the cell centres refined ``oversample`` times, padded by
    ``half + 1`` nodes (the kernel's reach, plus the node a point shares its weight
    with) on every side, so every point that reaches a cell centre is binned.

    Returns:
        ``(lattice, counts, n_in, n_outside)``: binned weights, points per cell,
        points binned, and points outside the active cells.
    """
    step = grid.cell / oversample
    pad = half + 1
    fx0 = grid.x0 + 0.5 * grid.cell - pad * step
    fy0 = grid.y0 + 0.5 * grid.cell - pad * step
    fnx = (grid.nx - 1) * oversample + 1 + 2 * pad
    fny = (grid.ny - 1) * oversample + 1 + 2 * pad
    size = fnx * fny
    lattice = np.zeros(size)
    counts = np.zeros(grid.nx * grid.ny, dtype=np.int64)
    active = grid.active.ravel()
    n_in = n_outside = 0
    for lo in range(0, x.size, BIN_CHUNK):
        cx, cy = x[lo : lo + BIN_CHUNK], y[lo : lo + BIN_CHUNK]
        finite = np.isfinite(cx) & np.isfinite(cy)
        if not finite.all():
            cx, cy = cx[finite], cy[finite]
        row, col, on = grid.cell_of(cx, cy)
        cell = row * grid.nx + col
        if not on.all():
            cell = cell[on]
        counts += np.bincount(cell, minlength=counts.size)
        n_outside += int(cx.size - np.count_nonzero(active[cell]))
        u = (cx - fx0) / step
        v = (cy - fy0) / step
        ok = (u >= 0) & (u < fnx - 1) & (v >= 0) & (v < fny - 1)
        if not ok.all():
            u, v = u[ok], v[ok]
        n_in += u.size
        j = u.astype(np.int64)  # floor: u, v >= 0 here
        i = v.astype(np.int64)
        fu, fv = u - j, v - i
        base = i * fnx + j
        lattice += np.bincount(  # one pass over all four corners: faster than four
            np.concatenate([base, base + 1, base + fnx, base + fnx + 1]),
            np.concatenate(
                [(1 - fu) * (1 - fv), fu * (1 - fv), (1 - fu) * fv, fu * fv]
            ),
            minlength=size,
        )
    return (
        lattice.reshape(fny, fnx),
        counts.reshape(grid.ny, grid.nx),
        n_in,
        n_outside,
    )
