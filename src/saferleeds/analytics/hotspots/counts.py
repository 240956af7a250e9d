"""Police.uk records per grid cell, counted on DuckDB or on Spark with the same numbers.

The engine does the part that grows with the store: it scans the records and counts
them per map point (police.uk snaps every location to one of a fixed set of anonymous
map points, so a force's ten years fold into a few tens of thousands of points). The
distinct points are then projected to British National Grid and binned here, in the
same numpy code whichever engine counted, so DuckDB and Spark give identical cells by
construction: the engines only group and count, exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from saferleeds.analytics.hotspots.grid import Grid
from saferleeds.analytics.hotspots.projection import to_bng
from saferleeds.analytics.indicators.compute import Source, resolve_area
from saferleeds.analytics.indicators.engine import as_engine, lit


@dataclass(frozen=True)
class LocationCounts:
    """Located records counted per police.uk map point.

    Attributes:
        longitude: WGS84 longitude of each point, ascending (then latitude).
        latitude: WGS84 latitude of each point.
        n: Records at each point.
    """

    longitude: NDArray[np.float64]
    latitude: NDArray[np.float64]
    n: NDArray[np.int64]

    @property
    def records(self) -> int:
        """Located records counted."""
        return int(self.n.sum())


@dataclass(frozen=True)
class GridCounts:
    """Records per cell of a grid.

    Attributes:
        grid: The grid.
        counts: ``(ny, nx)`` records per cell (every cell, active or not).
        records: Located records selected.
        off_grid: Of those, records outside the grid's extent (not counted).
        engine: ``"duckdb"`` or ``"spark"``: where the records were counted.
    """

    grid: Grid
    counts: NDArray[np.int64]
    records: int
    off_grid: int
    engine: str

    @property
    def outside_area(self) -> int:
        """Records on the grid but in cells outside the study area (inactive)."""
        return int(self.counts[~self.grid.active].sum())

    def active_counts(self) -> NDArray[np.int64]:
        """Counts of the active cells, in row-major order (as :meth:`Grid.cell_ids`)."""
        return self.counts[self.grid.active]

    def to_rows(self) -> list[dict[str, Any]]:
        """One row per active cell: ``id`` (``E<easting>N<northing>``) and ``count``."""
        return [
            {"id": cid, "count": int(c)}
            for cid, c in zip(
                self.grid.cell_ids(), self.active_counts().tolist(), strict=True
            )
        ]


def location_query(
    source: Source,
    *,
    crime_type: str | list[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    area: str | None = None,
) -> str:
    """The counting query (DuckDB SQL; the Spark engine transpiles it).

    One row per distinct (longitude, latitude) of the selected located records, with
    their count, ordered by longitude then latitude so both engines return the rows
    in the same order.

    Raises:
        UnknownArea: If ``area`` is not in the store's geography.
    """
    where = [
        "has_location",
        "longitude IS NOT NULL",
        "latitude IS NOT NULL",
    ]
    if area is not None:
        resolved = resolve_area(as_engine(source), area)
        where.append(
            "lsoa_code IN (SELECT a.lsoa_code FROM area_lsoa a "
            f"WHERE {resolved.area_sql})"
        )
    if crime_type is not None:
        types = [crime_type] if isinstance(crime_type, str) else list(crime_type)
        where.append(f"crime_type IN ({', '.join(lit(t) for t in types)})")
    if start is not None:
        where.append(f"month >= {lit(start)}")
    if end is not None:
        where.append(f"month <= {lit(end)}")
    return (
        "SELECT longitude, latitude, count(*) AS n FROM police_street "
        f"WHERE {' AND '.join(where)} "
        "GROUP BY longitude, latitude ORDER BY longitude, latitude"
    )


def location_counts(
    source: Source,
    *,
    crime_type: str | list[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    area: str | None = None,
) -> LocationCounts:
    """Located records per police.uk map point, counted by the source's engine.

    Args:
        source: The analytics store, a DuckDB connection, or an engine
            (:class:`~saferleeds.analytics.indicators.SparkEngine` for Spark).
        crime_type: A police.uk category, a list of them, or ``None`` for all.
        start: First month (its first day), inclusive.
        end: Last month (its first day), inclusive.
        area: The district code, an MSOA, ward or LSOA code, a ward's name or a
            priority neighbourhood (see
            :func:`~saferleeds.analytics.indicators.resolve_area`); ``None`` for
            every record.

    Raises:
        UnknownArea: If ``area`` is not in the store's geography.
    """
    engine = as_engine(source)
    sql = location_query(engine, crime_type=crime_type, start=start, end=end, area=area)
    rows = engine.fetch(sql)
    return LocationCounts(
        np.array([r[0] for r in rows], dtype=np.float64),
        np.array([r[1] for r in rows], dtype=np.float64),
        np.array([r[2] for r in rows], dtype=np.int64),
    )


def grid_counts(
    source: Source,
    grid: Grid,
    *,
    crime_type: str | list[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    area: str | None = None,
) -> GridCounts:
    """Located records per cell of ``grid``, counted on DuckDB or Spark.

    Equal, cell for cell, to ``grid.counts(points.easting, points.northing)`` over
    :func:`~saferleeds.analytics.hotspots.read_points` with the same selection: the
    same projection and binning, applied once per map point and weighted by its count.

    Args:
        source: The analytics store, a DuckDB connection, or an engine.
        grid: The grid (see :func:`~saferleeds.analytics.hotspots.study_grid`).
        crime_type: A police.uk category, a list of them, or ``None`` for all.
        start: First month, inclusive.
        end: Last month, inclusive.
        area: Area to select records in (see :func:`location_counts`).

    Raises:
        UnknownArea: If ``area`` is not in the store's geography.
    """
    engine = as_engine(source)
    loc = location_counts(
        engine, crime_type=crime_type, start=start, end=end, area=area
    )
    e, n = to_bng(loc.longitude, loc.latitude)
    row, col, ok = grid.cell_of(e, n)
    flat = np.zeros(grid.nx * grid.ny, dtype=np.int64)
    # Integer scatter-add (bincount's weights would round through float64).
    np.add.at(flat, row[ok] * grid.nx + col[ok], loc.n[ok])
    return GridCounts(
        grid=grid,
        counts=flat.reshape(grid.ny, grid.nx),
        records=loc.records,
        off_grid=int(loc.n[~ok].sum()),
        engine=engine.name,
    )
