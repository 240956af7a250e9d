"""Load the partnership's geography (LSOAs, MSOAs, wards, neighbourhoods) into the store."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    ward_code: str | None = None
    ward_name: str | None = None


class WardLookupError(ValueError):
    """The partnership's ward lookup file is malformed (the message names file and line)."""


WARD_COLUMNS = ("lsoa11cd", "ward_code", "ward_name")


def read_ward_lookup(partnership: Partnership) -> dict[str, tuple[str, str]]:
    """Read the partnership's LSOA-to-ward lookup: ``{lsoa_code: (ward_code, ward_name)}``.

    The file is the ONS best-fit lookup (columns ``lsoa11cd, ward_code, ward_name`` and
    optionally ``ward_vintage``). When a vintage column is present only its first
    vintage is read, so a long file of several vintages gives one ward per LSOA.

    Returns:
        The lookup; empty when the partnership has no ward lookup.

    Raises:
        WardLookupError: A column is missing, a field is empty, or an LSOA is given
            two wards of one vintage (naming the file and line).
    """
    path = partnership.ward_lookup
    if path is None:
        return {}
    out: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in WARD_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise WardLookupError(f"{path}: line 1: missing column {missing[0]}")
        vintage: str | None = None
        for line, row in enumerate(reader, start=2):
            if "ward_vintage" in row:
                vintage = vintage or row["ward_vintage"]
                if row["ward_vintage"] != vintage:
                    continue
            for col in WARD_COLUMNS:
                if not (row[col] or "").strip():
                    raise WardLookupError(f"{path}: line {line}: {col} is empty")
            code = row["lsoa11cd"].strip()
            if code in out:
                raise WardLookupError(
                    f"{path}: line {line}: lsoa11cd {code} is given a second ward"
                )
            out[code] = (row["ward_code"].strip(), row["ward_name"].strip())
    return out


def _int(v: str) -> int | None:
    return int(v) if v.strip() else None


def read_lsoas(partnership: Partnership) -> list[Lsoa]:
    """Read the partnership's LSOA table (ONS codes, names, parents, population).

    Only rows whose district code is the partnership's are kept. Each LSOA carries its
    electoral ward when the partnership has a ward lookup (``None`` otherwise, or for
    an LSOA the lookup does not list).
    """
    wards = read_ward_lookup(partnership)
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
                    ward_code=wards.get(row["lsoa11cd"], (None, None))[0],
                    ward_name=wards.get(row["lsoa11cd"], (None, None))[1],
                )
            )
    return out


def geography_outdated(store: Store, partnership: Partnership) -> bool:
    """Whether the store's geography must be (re)loaded before an import.

    True when no LSOA is held, or when the partnership has a ward lookup and some
    LSOA has no ward yet (a store made before wards shipped). Never for a store
    holding a national geography (:func:`load_national_geography`): the partnership's
    would replace it.
    """
    if not store.scalar("SELECT count(*) FROM area_lsoa"):
        return True
    if store.scalar("SELECT value FROM store_meta WHERE key = ?", [SCOPE_KEY]) == (
        NATIONAL
    ):
        return False
    if partnership.ward_lookup is None:
        return False
    return bool(store.scalar("SELECT count(*) FROM area_lsoa WHERE ward_code IS NULL"))


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
        con.execute("DELETE FROM store_meta WHERE key = ?", [SCOPE_KEY])
        con.executemany(
            "INSERT INTO area_lsoa (lsoa_code, lsoa_name, msoa_code, msoa_name, "
            "district_code, district_name, population, households, area_hectares, "
            "ward_code, ward_name) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
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
                    x.ward_code,
                    x.ward_name,
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


SCOPE_KEY = "geography_scope"
"""The ``store_meta`` key saying what geography the store holds: absent for the
partnership's, :data:`NATIONAL` for one loaded by :func:`load_national_geography`."""
NATIONAL = "national"

NATIONAL_COLUMNS = (
    "lsoa_code",
    "lsoa_name",
    "msoa_code",
    "msoa_name",
    "district_code",
    "district_name",
    "force_name",
    "population",
)


class GeographyFileError(ValueError):
    """A national geography file is malformed (the message names file, line, field)."""


def read_national_geography(path: Path) -> list[tuple[Any, ...]]:
    """Read a national LSOA lookup: one row per LSOA with its MSOA, district, police
    force area (police.uk's "Falls within" name) and population.

    Args:
        path: A CSV with the columns of :data:`NATIONAL_COLUMNS` (``population`` may
            be empty).

    Returns:
        Rows in the column order of :data:`NATIONAL_COLUMNS`.

    Raises:
        GeographyFileError: A column is missing, a field is empty, a population is not
            a whole number, or an LSOA is listed twice (naming the file and line).
    """
    rows: list[tuple[Any, ...]] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in NATIONAL_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise GeographyFileError(f"{path}: line 1: missing column {missing[0]}")
        for line, row in enumerate(reader, start=2):
            for c in NATIONAL_COLUMNS[:-1]:
                if not (row.get(c) or "").strip():
                    raise GeographyFileError(f"{path}: line {line}: {c}: empty")
            pop = (row.get("population") or "").strip()
            if pop and not pop.isdigit():
                raise GeographyFileError(
                    f"{path}: line {line}: population: not a whole number: {pop[:40]!r}"
                )
            code = row["lsoa_code"].strip()
            if code in seen:
                raise GeographyFileError(
                    f"{path}: line {line}: lsoa_code: {code} also on line {seen[code]}"
                )
            seen[code] = line
            rows.append(
                (
                    *(row[c].strip() for c in NATIONAL_COLUMNS[:-1]),
                    int(pop) if pop else None,
                )
            )
    if not rows:
        raise GeographyFileError(f"{path}: no LSOA rows")
    return rows


def load_national_geography(store: Store, path: Path) -> int:
    """Replace the store's geography with a national one, by police force area.

    Indicators then answer for any force area (give its name as the area) and any
    district or MSOA in it; the partnership's own geography is no longer loaded over
    it (:func:`geography_outdated`). There are no wards or priority neighbourhoods.

    Args:
        store: A writable store.
        path: The lookup (see :func:`read_national_geography`).

    Returns:
        The number of LSOAs loaded.
    """
    rows = read_national_geography(path)
    con = store.con
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM area_lsoa")
        con.execute("DELETE FROM area_neighbourhood")
        # The file is checked above; DuckDB reads it again (tens of thousands of rows:
        # one statement, not one per row). Sorted by force and MSOA, so a force's rows
        # lie together in the table.
        text = ", ".join(f"trim({c})" for c in NATIONAL_COLUMNS[:-1])
        con.execute(
            "INSERT INTO area_lsoa (lsoa_code, lsoa_name, msoa_code, msoa_name, "
            "district_code, district_name, force_name, population) "
            f"SELECT {text}, nullif(trim(population), '')::BIGINT "
            "FROM read_csv(?, header = true, all_varchar = true) "
            "ORDER BY force_name, msoa_code, lsoa_code",
            [str(path)],
        )
        con.execute(
            "INSERT OR REPLACE INTO store_meta VALUES (?, ?)", [SCOPE_KEY, NATIONAL]
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(rows)


@dataclass(frozen=True)
class WardCount:
    """Records in one ward, with its residents and rate."""

    code: str
    name: str
    count: int
    population: int
    rate_per_1000: float | None


def ward_counts(store: Store, lsoa_counts: Mapping[str, int]) -> list[WardCount]:
    """Sum per-LSOA counts into the store's wards, by ward name.

    Args:
        store: The analytics store, with geography (and its wards) loaded.
        lsoa_counts: Records per LSOA code (LSOAs not listed count 0).

    Returns:
        One row per ward, every ward listed (count 0 when none).

    Notes:
        A ward is the set of LSOAs the best-fit lookup places in it, so its count is
        exactly the sum of its LSOAs' counts; the rate is per 1,000 usual residents
        (Census 2011) of those LSOAs, over the whole period (not annualised).
    """
    totals: dict[str, list[Any]] = {}
    for code, name, lsoa, pop in store.execute(
        "SELECT ward_code, ward_name, lsoa_code, coalesce(population, 0) "
        "FROM area_lsoa WHERE ward_code IS NOT NULL ORDER BY ward_code, lsoa_code"
    ).fetchall():
        row = totals.setdefault(code, [name, 0, 0])
        row[1] += int(lsoa_counts.get(lsoa, 0))
        row[2] += int(pop)
    return sorted(
        (
            WardCount(
                code,
                name,
                count,
                pop,
                round(1000 * count / pop, 4) if pop else None,
            )
            for code, (name, count, pop) in totals.items()
        ),
        key=lambda w: w.name,
    )
