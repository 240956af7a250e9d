"""Kernel density surface on the analysis grid, by binning and FFT convolution."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.signal import fftconvolve

from saferleeds.analytics.hotspots.grid import Grid
from saferleeds.analytics.hotspots.projection import from_bng

Kernel = Literal["quartic", "gaussian"]
DEFAULT_BANDWIDTH_M = 250.0
_GAUSS_TRUNCATE = 6.0  # Gaussian kernel cut at 6 bandwidths: relative loss < 1e-7.


@dataclass(frozen=True)
class KdeSurface:
    """A kernel density surface over a grid.

    Attributes:
        grid: The grid; values are given for every cell, inactive ones included.
        kernel: ``"quartic"`` or ``"gaussian"``.
        bandwidth: Kernel bandwidth (m): the quartic radius, or the Gaussian sigma.
        density: ``(ny, nx)`` estimated events per km² at each cell centre.
        counts: ``(ny, nx)`` events whose point falls in each cell.
        n_points: Events on the grid (those off it are not in the surface).
    """

    grid: Grid
    kernel: str
    bandwidth: float
    density: NDArray[np.float64]
    counts: NDArray[np.int64]
    n_points: int

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


def _kernel_weights(kernel: str, bandwidth: float, step: float) -> NDArray[np.float64]:
    """Kernel values (per m²) at lattice offsets of ``step`` metres."""
    if kernel == "quartic":
        reach = bandwidth
    elif kernel == "gaussian":
        reach = _GAUSS_TRUNCATE * bandwidth
    else:
        raise ValueError(f"kernel must be 'quartic' or 'gaussian', not {kernel!r}")
    half = int(math.ceil(reach / step))
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
    grid (each point shares its weight among the four nearest lattice nodes), the
    lattice is convolved with the sampled kernel by FFT, and the result is read at the
    cell centres. The cost is independent of the number of points after binning.

    Args:
        easting: Event eastings (m, EPSG:27700; see :func:`projection.to_bng`).
        northing: Event northings (m).
        grid: The output grid.
        bandwidth: Quartic search radius, or Gaussian standard deviation (m);
            default 250 m.
        kernel: ``"quartic"`` (biweight, ``3/(pi h^2) (1 - r^2/h^2)^2`` within
            ``h``) or ``"gaussian"`` (``exp(-r^2 / 2h^2) / (2 pi h^2)``).
        oversample: Lattice refinement (default 4). At a bandwidth of 2.5 cells the
            binning error is under 1% (Gaussian) or 2% (quartic) of the exact
            surface wherever it is above 1% of its peak.

    Returns:
        The surface: density in events per km² (summing kernels, so it integrates to
        the number of events) and the point count per cell.

    Notes:
        Kernel density estimation for crime hotspot mapping follows Chainey (2013),
        *Examining the influence of cell size and bandwidth size on kernel density
        estimation crime hotspot maps*, Geomatics Solutions for Crime, and Chainey,
        Tompson & Uhlig (2008). Linear binning with FFT convolution follows Wand (1994),
        *Fast computation of multivariate kernel estimators*, JCGS 3(4). No edge
        correction is applied at the study-area boundary.
    """
    if not bandwidth > 0:
        raise ValueError(f"bandwidth must be positive, not {bandwidth!r}")
    if oversample < 1:
        raise ValueError("oversample must be at least 1")
    x = np.asarray(easting, dtype=np.float64)
    y = np.asarray(northing, dtype=np.float64)
    counts = grid.counts(x, y)
    step = grid.cell / oversample
    # Lattice nodes: the cell centres, refined, with one node of margin on each side.
    fx0 = grid.x0 + 0.5 * grid.cell - step * oversample
    fy0 = grid.y0 + 0.5 * grid.cell - step * oversample
    fnx = (grid.nx - 1) * oversample + 1 + 2 * oversample
    fny = (grid.ny - 1) * oversample + 1 + 2 * oversample
    u = (x - fx0) / step
    v = (y - fy0) / step
    ok = (u >= 0) & (u < fnx - 1) & (v >= 0) & (v < fny - 1)
    u, v = u[ok], v[ok]
    j = np.floor(u).astype(np.int64)
    i = np.floor(v).astype(np.int64)
    fu, fv = u - j, v - i
    size = fnx * fny
    base = i * fnx + j
    lattice = (
        np.bincount(base, (1 - fu) * (1 - fv), minlength=size)
        + np.bincount(base + 1, fu * (1 - fv), minlength=size)
        + np.bincount(base + fnx, (1 - fu) * fv, minlength=size)
        + np.bincount(base + fnx + 1, fu * fv, minlength=size)
    ).reshape(fny, fnx)
    k = _kernel_weights(kernel, bandwidth, step)
    smooth = fftconvolve(lattice, k, mode="same")
    at = smooth[
        oversample : oversample + grid.ny * oversample : oversample,
        oversample : oversample + grid.nx * oversample : oversample,
    ]
    density = np.maximum(at, 0.0) * 1e6  # per m² -> per km²; FFT round-off below 0
    return KdeSurface(
        grid=grid,
        kernel=kernel,
        bandwidth=float(bandwidth),
        density=np.asarray(density, dtype=np.float64),
        counts=counts,
        n_points=int(ok.sum()),
    )
