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
