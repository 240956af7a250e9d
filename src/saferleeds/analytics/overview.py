"""The partnership overview: recorded crime per month and by type, for an area."""

from __future__ import annotations

from dataclasses import dataclass

from saferleeds.analytics.areas import area_filter
from saferleeds.analytics.police_reference import ASB
from saferleeds.analytics.store import Store


@dataclass(frozen=True)
class TypeCount:
    """Recorded records of one police.uk category in the area and period."""

    crime_type: str
    count: int
    share: float  # of recorded crime (ASB: of ASB, i.e. 1.0)
    is_asb: bool


@dataclass(frozen=True)
class Overview:
    """What the overview page shows for one area."""

    area_code: str | None
    area_name: str
    by_month: list[
        tuple[str, int | None, int | None]
    ]  # (YYYY-MM, crimes, asb); None = no data
    by_type: list[TypeCount]
    crimes: int
    asb: int
    population: int | None
    unlocated_in_force: int  # rows with no location: cannot be placed in any area

    @property
    def crimes_per_1000(self) -> float | None:
        """Recorded crime per 1,000 residents over the whole period, if population known."""
        if not self.population:
            return None
        return 1000 * self.crimes / self.population


def msoa_choices(store: Store) -> list[tuple[str, str]]:
    """Return ``(code, name)`` for every MSOA of the partnership, by name."""
    return [
        (c, n)
        for c, n in store.execute(
            "SELECT DISTINCT msoa_code, msoa_name FROM area_lsoa ORDER BY msoa_name"
        ).fetchall()
    ]


def crime_overview(store: Store, area: str | None = None) -> Overview:
    """Count recorded crime and ASB per month and by type within the partnership.

    Args:
        store: The analytics store, with geography and police.uk rows loaded.
        area: An MSOA or LSOA code or neighbourhood name; ``None`` is the district.

    Returns:
        The counts; months with no records in between are filled with zeros.
    """
    district = store.scalar("SELECT any_value(district_code) FROM area_lsoa")
    f = area_filter(store, area or district)
    if f.code is None:  # no geography loaded: nothing is in the partnership
        return Overview(None, "no geography loaded", [], [], 0, 0, None, 0)
    pf = area_filter(store, area or district, column="p.lsoa_code")
    # Months between the first and last imported with no file imported are "no data",
    # not zero crime: the store records which months it holds.
    months = store.execute(
        f"""
        WITH span AS (SELECT min(month) lo, max(month) hi FROM police_street),
        m AS (SELECT unnest(generate_series(lo, hi, INTERVAL 1 MONTH))::DATE AS month
              FROM span WHERE lo IS NOT NULL),
        held AS (SELECT DISTINCT month FROM police_street)
        SELECT strftime(m.month, '%Y-%m'), held.month IS NOT NULL,
               count(p.row_key) FILTER (WHERE p.crime_type <> '{ASB}'),
               count(p.row_key) FILTER (WHERE p.crime_type = '{ASB}')
        FROM m LEFT JOIN held ON held.month = m.month
        LEFT JOIN police_street p ON p.month = m.month AND {pf.sql}
        GROUP BY ALL ORDER BY 1
        """,
        pf.params,
    ).fetchall()
    types = store.execute(
        f"SELECT crime_type, count(*) FROM police_street WHERE {f.sql} GROUP BY 1",
        f.params,
    ).fetchall()
    crimes = sum(n for t, n in types if t != ASB)
    asb = sum(n for t, n in types if t == ASB)
    by_type = sorted(
        (
            TypeCount(
                t,
                n,
                (n / crimes if crimes else 0.0) if t != ASB else 1.0,
                t == ASB,
            )
            for t, n in types
        ),
        key=lambda tc: (tc.is_asb, -tc.count, tc.crime_type),
    )
    pop = store.scalar(
        f"SELECT sum(population) FROM area_lsoa WHERE {f.sql}",
        f.params,
    )
    unlocated = store.scalar(
        "SELECT count(*) FROM police_street WHERE NOT has_location"
    )
    return Overview(
        area_code=f.code,
        area_name=f.name,
        by_month=[
            (m, int(c), int(a)) if held else (m, None, None) for m, held, c, a in months
        ],
        by_type=by_type,
        crimes=crimes,
        asb=asb,
        population=int(pop) if pop is not None else None,
        unlocated_in_force=int(unlocated or 0),
    )
