"""Read event points, LSOA counts and LSOA harm for hotspot analysis from the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from saferleeds.analytics.areas import area_filter
from saferleeds.analytics.hotspots.projection import to_bng
from saferleeds.analytics.store import Store


@dataclass(frozen=True)
class Points:
    """Located police.uk records: WGS84 and British National Grid coordinates."""

    longitude: NDArray[np.float64]
    latitude: NDArray[np.float64]
    easting: NDArray[np.float64]
    northing: NDArray[np.float64]
    crime_type: tuple[str, ...]
    month: tuple[date, ...]

    def __len__(self) -> int:
        return int(self.longitude.size)


def _where(
    store: Store,
    crime_type: str | list[str] | None,
    start: date | None,
    end: date | None,
    area: str | None,
) -> tuple[str, list[Any]]:
    f = area_filter(store, area)
    sql = [f.sql]
    params: list[Any] = list(f.params)
    if crime_type is not None:
        types = [crime_type] if isinstance(crime_type, str) else list(crime_type)
        sql.append(f"crime_type IN ({', '.join('?' for _ in types)})")
        params += types
    if start is not None:
        sql.append("month >= ?")
        params.append(start)
    if end is not None:
        sql.append("month <= ?")
        params.append(end)
    return " AND ".join(sql), params


def read_points(
    store: Store,
    *,
    crime_type: str | list[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    area: str | None = None,
) -> Points:
    """Located records of one or more crime types in a month range.

    Args:
        store: The analytics store.
        crime_type: A police.uk category, a list of them, or ``None`` for all.
        start: First month (its first day), inclusive.
        end: Last month (its first day), inclusive.
        area: An area code or neighbourhood (see :func:`areas.area_filter`).

    Returns:
        The records that have a location, with coordinates projected to BNG.
    """
    where, params = _where(store, crime_type, start, end, area)
    rows = store.execute(
        "SELECT longitude, latitude, crime_type, month FROM police_street "
        f"WHERE has_location AND longitude IS NOT NULL AND latitude IS NOT NULL "
        f"AND {where} ORDER BY row_key",
        params,
    ).fetchall()
    lon = np.array([r[0] for r in rows], dtype=np.float64)
    lat = np.array([r[1] for r in rows], dtype=np.float64)
    e, n = to_bng(lon, lat)
    return Points(lon, lat, e, n, tuple(r[2] for r in rows), tuple(r[3] for r in rows))


def lsoa_counts(
    store: Store,
    *,
    crime_type: str | list[str] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, int]:
    """Records per LSOA of the partnership, every LSOA listed (0 if none)."""
    where, params = _where(store, crime_type, start, end, None)
    rows = store.execute(
        "SELECT a.lsoa_code, count(p.lsoa_code) FROM area_lsoa a LEFT JOIN "
        f"(SELECT lsoa_code FROM police_street WHERE {where}) p "
        "ON p.lsoa_code = a.lsoa_code GROUP BY a.lsoa_code ORDER BY a.lsoa_code",
        params,
    ).fetchall()
    return {str(c): int(k) for c, k in rows}


def lsoa_harm(
    store: Store,
    weights: Mapping[str, float | Decimal],
    *,
    crime_type: str | list[str] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, float]:
    """Harm-weighted records per LSOA of the partnership, every LSOA listed.

    Args:
        store: The analytics store.
        weights: Harm weight per police.uk category (e.g.
            :attr:`~saferleeds.analytics.indicators.HarmWeights.weights`); categories
            without a weight (ASB) count 0.
        crime_type: A police.uk category, a list of them, or ``None`` for all.
        start: First month, inclusive.
        end: Last month, inclusive.

    Returns:
        ``{lsoa_code: sum of the weights of its records}``, 0.0 where none.

    Notes:
        The harm total of a set of crimes is the sum of each crime's severity weight
        (ONS 2016, "Research outputs: developing a Crime Severity Score"); with
        category weights it is ``sum_c n_c w_c`` over the LSOA's category counts. Fed
        to :func:`~saferleeds.analytics.hotspots.lsoa_gi_star` it gives a
        harm-weighted Gi*: the statistic is defined for any non-negative values
        (Ord & Getis 1995), and the conditional permutation draws the values.
    """
    where, params = _where(store, crime_type, start, end, None)
    rows = store.execute(
        "SELECT a.lsoa_code, p.crime_type, count(p.lsoa_code) FROM area_lsoa a "
        f"LEFT JOIN (SELECT lsoa_code, crime_type FROM police_street WHERE {where}) p "
        "ON p.lsoa_code = a.lsoa_code GROUP BY a.lsoa_code, p.crime_type",
        params,
    ).fetchall()
    out: dict[str, float] = {}
    for code, category, n in rows:
        w = float(weights.get(str(category), 0.0)) if category is not None else 0.0
        out[str(code)] = out.get(str(code), 0.0) + int(n) * w
    return dict(sorted(out.items()))
