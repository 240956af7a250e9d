"""The regular analysis grid in British National Grid metres, and points binned to it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from shapely.geometry import shape

from saferleeds.analytics.hotspots.projection import from_bng, to_bng

DEFAULT_CELL_M = 100.0


@dataclass(frozen=True)
class Grid:
    """A regular grid of square cells over the study area (EPSG:27700 metres).

    Cell ``(row, col)`` spans ``x0 + col*cell .. x0 + (col+1)*cell`` east and
    ``y0 + row*cell ..`` north. ``active`` marks the cells that belong to the study area
    (they intersect its boundary); statistics use every active cell, empty or not.

    Attributes:
        x0: West edge of the grid (m).
        y0: South edge of the grid (m).
        cell: Cell side (m).
        nx: Columns.
        ny: Rows.
        active: ``(ny, nx)`` boolean mask of study-area cells.
    """

    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    active: NDArray[np.bool_]

    @property
    def n_active(self) -> int:
        """Number of study-area cells."""
        return int(self.active.sum())

    def centres(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Easting and northing of every cell centre, each ``(ny, nx)``."""
        xs = self.x0 + (np.arange(self.nx) + 0.5) * self.cell
        ys = self.y0 + (np.arange(self.ny) + 0.5) * self.cell
        gx, gy = np.meshgrid(xs, ys)
        return gx, gy

    def active_index(self) -> NDArray[np.int64]:
        """``(ny, nx)`` array: position of each active cell in row-major order, else -1."""
        idx = np.full(self.active.shape, -1, dtype=np.int64)
        idx[self.active] = np.arange(self.n_active)
        return idx

    def cell_of(
        self, easting: ArrayLike, northing: ArrayLike
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
        """Row and column of the cell holding each point, and whether it is on the grid."""
        x = np.asarray(easting, dtype=np.float64)
        y = np.asarray(northing, dtype=np.float64)
        col = np.floor((x - self.x0) / self.cell).astype(np.int64)
        row = np.floor((y - self.y0) / self.cell).astype(np.int64)
        ok = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        return row, col, ok

    def counts(self, easting: ArrayLike, northing: ArrayLike) -> NDArray[np.int64]:
        """Points per cell, ``(ny, nx)``; points off the grid are not counted."""
        row, col, ok = self.cell_of(easting, northing)
        flat = np.bincount(row[ok] * self.nx + col[ok], minlength=self.nx * self.ny)
        return flat.reshape(self.ny, self.nx).astype(np.int64)

    def cell_ids(self) -> list[str]:
        """Identifiers ``E<easting>N<northing>`` (south-west corner, m) of active cells."""
        rows, cols = np.nonzero(self.active)
        xs = self.x0 + cols * self.cell
        ys = self.y0 + rows * self.cell
        return [
            f"E{x:.0f}N{y:.0f}" for x, y in zip(xs.tolist(), ys.tolist(), strict=True)
        ]

    def active_polygons_wgs84(self) -> list[dict[str, Any]]:
        """GeoJSON polygons (WGS84) of the active cells, in row-major order."""
        rows, cols = np.nonzero(self.active)
        x = self.x0 + cols * self.cell
        y = self.y0 + rows * self.cell
        cx = np.stack([x, x + self.cell, x + self.cell, x, x], axis=1)
        cy = np.stack([y, y, y + self.cell, y + self.cell, y], axis=1)
        lon, lat = from_bng(cx, cy)
        lon_r, lat_r = np.round(lon, 6).tolist(), np.round(lat, 6).tolist()
        return [
            {
                "type": "Polygon",
                "coordinates": [[[a, b] for a, b in zip(lo, la, strict=True)]],
            }
            for lo, la in zip(lon_r, lat_r, strict=True)
        ]

    def queen_weights(self) -> sparse.csr_matrix:
        """Binary queen contiguity between active cells, with each cell its own neighbour.

        Returns:
            ``(n_active, n_active)`` CSR matrix of ones: the cell and the (up to 8)
            active cells around it.
        """
        idx = self.active_index()
        padded = np.full((self.ny + 2, self.nx + 2), -1, dtype=np.int64)
        padded[1:-1, 1:-1] = idx
        rows_l: list[NDArray[np.int64]] = []
        cols_l: list[NDArray[np.int64]] = []
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                nb = padded[1 + dr : 1 + dr + self.ny, 1 + dc : 1 + dc + self.nx]
                ok = (idx >= 0) & (nb >= 0)
                rows_l.append(idx[ok])
                cols_l.append(nb[ok])
        r = np.concatenate(rows_l)
        c = np.concatenate(cols_l)
        n = self.n_active
        w = sparse.csr_matrix((np.ones(r.size), (r, c)), shape=(n, n))
        w.sort_indices()
        return w


def project_geometry(geom: shapely.Geometry) -> shapely.Geometry:
    """A WGS84 (lon, lat) shapely geometry in British National Grid metres."""

    def fn(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        e, n = to_bng(coords[:, 0], coords[:, 1])
        return np.column_stack([e, n])

    return shapely.transform(geom, fn)


@lru_cache(maxsize=4)
def _district_bng(path: str) -> shapely.Geometry:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    geoms = [shape(f["geometry"]) for f in data["features"]]
    return project_geometry(shapely.union_all(geoms))


def district_boundary_bng() -> shapely.Geometry:
    """The partnership's district boundary in British National Grid metres."""
    from saferleeds.partnership import current

    return _district_bng(str(current().district_boundary))


def study_grid(
    cell: float = DEFAULT_CELL_M,
    boundary: shapely.Geometry | None = None,
    *,
    margin: float = 0.0,
) -> Grid:
    """The grid of ``cell``-metre squares covering a study area.

    Args:
        cell: Cell side in metres (default 100 m, a common street-scale choice;
            Chainey 2013 suggests the shorter side of the study area / 150).
        boundary: Study area in British National Grid metres; default the
            partnership's district (:func:`district_boundary_bng`).
        margin: Extra metres of (inactive) grid around the boundary's extent.

    Returns:
        The grid, snapped to multiples of ``cell``, with the cells that intersect the
        boundary marked active.
    """
    if not cell > 0:
        raise ValueError(f"cell size must be positive, not {cell!r}")
    area = district_boundary_bng() if boundary is None else boundary
    minx, miny, maxx, maxy = shapely.bounds(area)
    x0 = np.floor((minx - margin) / cell) * cell
    y0 = np.floor((miny - margin) / cell) * cell
    nx = int(np.ceil((maxx + margin - x0) / cell))
    ny = int(np.ceil((maxy + margin - y0) / cell))
    xs = x0 + np.arange(nx) * cell
    ys = y0 + np.arange(ny) * cell
    gx, gy = np.meshgrid(xs, ys)
    boxes = shapely.box(gx, gy, gx + cell, gy + cell)
    shapely.prepare(area)
    active = np.asarray(shapely.intersects(area, boxes), dtype=bool)
    return Grid(float(x0), float(y0), float(cell), nx, ny, active)


def bbox_grid(
    easting: ArrayLike, northing: ArrayLike, cell: float = DEFAULT_CELL_M
) -> Grid:
    """A grid over the points' bounding box with every cell active (no boundary)."""
    x = np.asarray(easting, dtype=np.float64)
    y = np.asarray(northing, dtype=np.float64)
    x0 = float(np.floor(x.min() / cell) * cell)
    y0 = float(np.floor(y.min() / cell) * cell)
    nx = int(np.floor((x.max() - x0) / cell)) + 1
    ny = int(np.floor((y.max() - y0) / cell)) + 1
    return Grid(x0, y0, float(cell), nx, ny, np.ones((ny, nx), dtype=bool))
