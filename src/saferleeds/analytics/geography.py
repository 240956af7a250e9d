"""Load the partnership's geography (LSOAs, MSOAs, neighbourhoods) into the store."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from saferleeds.analytics.store import Store
from saferleeds.partnership import Partnership


@dataclass(frozen=True)
class Lsoa:
    """One Lower Layer Super Output Area with its parents and population."""

    code: str
    name: str
    msoa_code: str
    msoa_name: str
    district_code: str
    district_name: str
    population: int | None
    households: int | None
    area_hectares: float | None


def _int(v: str) -> int | None:
    return int(v) if v.strip() else None


def read_lsoas(partnership: Partnership) -> list[Lsoa]:
    """Read the partnership's LSOA table (ONS codes, names, parents, population).

    Only rows whose district code is the partnership's are kept.
    """
    out: list[Lsoa] = []
    with partnership.lsoa_population.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if row["lad_code"] != partnership.district_code:
                continue
            out.append(
                Lsoa(
                    code=row["lsoa11cd"],
                    name=row["lsoa11nm"],
                    msoa_code=row["msoa11cd"],
                    msoa_name=row["msoa11nm"],
                    district_code=row["lad_code"],
                    district_name=row["lad_name"],
                    population=_int(row["usual_residents"]),
                    households=_int(row["households"]),
                    area_hectares=float(row["area_hectares"])
                    if row["area_hectares"].strip()
                    else None,
                )
            )
    return out


def load_geography(store: Store, partnership: Partnership) -> int:
    """Replace the store's area tables with the partnership's geography.

    Returns:
        The number of LSOAs loaded.
    """
    lsoas = read_lsoas(partnership)
    known = {lsoa.code for lsoa in lsoas}
    con = store.con
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM area_lsoa")
        con.execute("DELETE FROM area_neighbourhood")
        con.executemany(
            "INSERT INTO area_lsoa VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (
                    x.code,
                    x.name,
                    x.msoa_code,
                    x.msoa_name,
                    x.district_code,
                    x.district_name,
                    x.population,
                    x.households,
                    x.area_hectares,
                )
                for x in lsoas
            ],
        )
        rows = []
        for n in partnership.priority_neighbourhoods:
            for code in n.lsoas:
                if code not in known:
                    raise ValueError(
                        f"priority neighbourhood {n.name!r}: LSOA {code} is not in "
                        f"{partnership.district_name}"
                    )
                rows.append((n.name, code))
        if rows:
            con.executemany("INSERT INTO area_neighbourhood VALUES (?, ?)", rows)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(lsoas)
