"""Resolve an area (district, MSOA, ward, LSOA, or priority neighbourhood) to a row filter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from saferleeds.analytics.store import Store

_LSOA = re.compile(r"^[EW]01\d{6}$")
_MSOA = re.compile(r"^[EW]02\d{6}$")


class UnknownArea(ValueError):
    """Raised for an area code the store's geography does not hold."""


@dataclass(frozen=True)
class AreaFilter:
    """A SQL predicate on ``lsoa_code`` and its parameters, with the area's label."""

    sql: str
    params: list[Any]
    code: str | None
    name: str


def area_filter(
    store: Store, area: str | None, column: str = "lsoa_code"
) -> AreaFilter:
    """Return the predicate selecting records in ``area``.

    Args:
        store: The analytics store, with geography loaded.
        area: ``None`` (every record in the store), the district code, an MSOA, ward
            or LSOA code, a ward's name (any letter case), the name of a priority
            neighbourhood, or in a national geography a police force area's name.
        column: The LSOA-code column to filter.

    Raises:
        UnknownArea: If the store's geography does not know the code.
    """
    if area is None:
        return AreaFilter("TRUE", [], None, "all records")
    district = store.execute(
        "SELECT DISTINCT district_code, district_name FROM area_lsoa"
    ).fetchall()
    for code, name in district:
        if area == code:
            return AreaFilter(
                f"{column} IN (SELECT lsoa_code FROM area_lsoa)", [], code, name
            )
    if _MSOA.match(area):
        name = store.scalar(
            "SELECT any_value(msoa_name) FROM area_lsoa WHERE msoa_code = ?", [area]
        )
        if name:
            return AreaFilter(
                f"{column} IN (SELECT lsoa_code FROM area_lsoa WHERE msoa_code = ?)",
                [area],
                area,
                str(name),
            )
    if _LSOA.match(area):
        name = store.scalar(
            "SELECT lsoa_name FROM area_lsoa WHERE lsoa_code = ?", [area]
        )
        if name:
            return AreaFilter(f"{column} = ?", [area], area, str(name))
    ward = store.execute(
        "SELECT any_value(ward_code), any_value(ward_name) FROM area_lsoa "
        "WHERE ward_code = ? OR lower(ward_name) = ?",
        [area, area.strip().lower()],
    ).fetchone()
    if ward is not None and ward[0]:
        return AreaFilter(
            f"{column} IN (SELECT lsoa_code FROM area_lsoa WHERE ward_code = ?)",
            [ward[0]],
            str(ward[0]),
            str(ward[1]),
        )
    force = store.scalar(
        "SELECT any_value(force_name) FROM area_lsoa WHERE lower(force_name) = ?",
        [area.strip().lower()],
    )
    if force:
        return AreaFilter(
            f"{column} IN (SELECT lsoa_code FROM area_lsoa WHERE force_name = ?)",
            [force],
            str(force),
            str(force),
        )
    if store.scalar("SELECT count(*) FROM area_neighbourhood WHERE name = ?", [area]):
        return AreaFilter(
            f"{column} IN (SELECT lsoa_code FROM area_neighbourhood WHERE name = ?)",
            [area],
            area,
            area,
        )
    raise UnknownArea(
        f"unknown area {area!r}: give the district code, an MSOA, ward or LSOA code in "
        "the partnership, a ward's name, or a priority neighbourhood's name"
    )
