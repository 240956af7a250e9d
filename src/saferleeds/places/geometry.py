"""Point-in-polygon lookup of the partnership's LSOAs (shapely STRtree over the boundaries)."""

from __future__ import annotations

import json
from functools import lru_cache

import shapely
from shapely.geometry import shape

from saferleeds.partnership import current


@lru_cache(maxsize=1)
def _index() -> tuple[shapely.STRtree, list[str]]:
    data = json.loads(current().lsoa_boundaries.read_text(encoding="utf-8"))
    geoms = [shape(f["geometry"]) for f in data["features"]]
    codes = [f["properties"]["LSOA11CD"] for f in data["features"]]
    return shapely.STRtree(geoms), codes


def lsoa_code_at(latitude: float, longitude: float) -> str | None:
    """The code of the LSOA containing the point, or None outside the partnership."""
    tree, codes = _index()
    hits = tree.query(shapely.Point(longitude, latitude), predicate="intersects")
    return codes[int(hits[0])] if len(hits) else None


@lru_cache(maxsize=3)
def area_shapes(level: str) -> dict[str, tuple[str, shapely.Geometry]]:
    """Boundaries of the partnership's LSOAs, MSOAs or wards: ``{code: (name, geometry)}``.

    MSOAs are the union of their LSOAs (2011 LSOAs nest exactly in 2011 MSOAs), so only
    the LSOA boundaries need shipping. Wards are their own shipped boundaries (the ward
    lookup is best fit, so a union of LSOAs would not be the ward). Geometries are
    simplified for drawing.

    Args:
        level: ``"lsoa"``, ``"msoa"`` or ``"ward"``.

    Raises:
        ValueError: An unknown level, or wards when the partnership ships none.
    """
    from saferleeds.analytics.geography import read_lsoas

    p = current()
    if level == "ward":
        if p.ward_boundaries is None:
            raise ValueError("the partnership has no ward boundaries")
        wards = json.loads(p.ward_boundaries.read_text(encoding="utf-8"))
        return {
            f["properties"]["code"]: (
                f["properties"]["name"],
                shape(f["geometry"]).simplify(0.0004),
            )
            for f in wards["features"]
        }
    data = json.loads(p.lsoa_boundaries.read_text(encoding="utf-8"))
    lsoa_geom = {
        f["properties"]["LSOA11CD"]: shape(f["geometry"]) for f in data["features"]
    }
    lsoas = read_lsoas(p)
    if level == "lsoa":
        return {x.code: (x.name, lsoa_geom[x.code].simplify(0.0002)) for x in lsoas}
    if level == "msoa":
        members: dict[str, list[shapely.Geometry]] = {}
        names: dict[str, str] = {}
        for x in lsoas:
            members.setdefault(x.msoa_code, []).append(lsoa_geom[x.code])
            names[x.msoa_code] = x.msoa_name
        return {
            code: (names[code], shapely.union_all(geoms).simplify(0.0004))
            for code, geoms in members.items()
        }
    raise ValueError(f"no boundaries for level {level!r}")
