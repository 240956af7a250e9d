"""A synthetic national police.uk archive, for testing the store at national scale.

data.police.uk publishes a file per force and month; ten years of every force is about
60 million rows. No such archive can ship here, so this writes one: each force's month
is the real West Yorkshire month of July 2018 (shipped, OGL v3.0) replicated to the
force's size and moved to the month asked for, with Crime IDs made unique and each row
placed in an LSOA of the force. Force sizes follow the Home Office recorded-crime
totals for 2017/18 (``data/police/forces.csv``); British Transport Police, which
reports crimes falling within the geographic forces, gets a file too.

The geography is SYNTHETIC: every force is given LSOAs in proportion to its size,
numbered in ONS code form (``E01...``, ``W01...`` for the Welsh forces) but not ONS's
real areas, in MSOAs of five LSOAs and districts of 25 MSOAs. Coordinates stay those
of the West Yorkshire rows. It is fit for measuring imports and indicators at national
scale, not for any finding about a real place.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from saferleeds.analytics.geography import NATIONAL_COLUMNS
from saferleeds.analytics.police_reference import COLUMNS, HEADER

LSOAS_2011 = 34_753  # LSOAs of England and Wales, 2011
LSOAS_PER_MSOA = 5
MSOAS_PER_DISTRICT = 25
MIN_LSOAS = 40


def _data(name: str) -> Path:
    return Path(str(resources.files("saferleeds") / "data" / "police" / name))


SOURCE_MONTH = _data("2018-07-west-yorkshire-street.csv.gz")


@dataclass(frozen=True)
class Force:
    """A police force as data.police.uk names it, with its size.

    Attributes:
        slug: The file-name slug (``2018-07-<slug>-street.csv``).
        name: The "Reported by" / "Falls within" name.
        country: ``"E"`` or ``"W"`` for a geographic force; ``""`` for British
            Transport Police, whose crimes fall within the geographic forces.
        weight: Recorded crime, 2017/18 (Home Office), the force's share of rows.
    """

    slug: str
    name: str
    country: str
    weight: int


def read_forces() -> list[Force]:
    """The forces of England and Wales and British Transport Police.

    Returns:
        From ``data/police/forces.csv``, in slug order.
    """
    with _data("forces.csv").open(encoding="utf-8", newline="") as f:
        return [
            Force(r["slug"], r["name"], r["country"], int(r["recorded_crime_2017_18"]))
            for r in csv.DictReader(f)
        ]


@dataclass(frozen=True)
class NationalPlan:
    """How many rows a month each reporting force gets, and each force's LSOAs.

    Attributes:
        forces: Every reporting force (geographic ones and British Transport Police).
        rows: Rows a month per force slug.
        lsoas: LSOAs per geographic force slug.
    """

    forces: tuple[Force, ...]
    rows: dict[str, int]
    lsoas: dict[str, int]

    @property
    def rows_per_month(self) -> int:
        """All forces' rows of one month."""
        return sum(self.rows.values())

    @property
    def geographic(self) -> tuple[Force, ...]:
        """The forces with an area of their own (not British Transport Police)."""
        return tuple(f for f in self.forces if f.country)


def plan(rows_per_month: int, forces: list[Force] | None = None) -> NationalPlan:
    """Share ``rows_per_month`` and the LSOAs of England and Wales among the forces.

    Args:
        rows_per_month: The national month's rows (about 500,000 a real month).
        forces: The forces (default :func:`read_forces`).

    Returns:
        The plan; every force gets at least one row and :data:`MIN_LSOAS` LSOAs.
    """
    fs = tuple(forces if forces is not None else read_forces())
    total = sum(f.weight for f in fs)
    geo_total = sum(f.weight for f in fs if f.country)
    rows = {f.slug: max(1, round(rows_per_month * f.weight / total)) for f in fs}
    lsoas = {
        f.slug: max(MIN_LSOAS, round(LSOAS_2011 * f.weight / geo_total))
        for f in fs
        if f.country
    }
    return NationalPlan(fs, rows, lsoas)


def write_geography(national: NationalPlan, path: Path) -> int:
    """Write the synthetic national LSOA lookup that
    :func:`saferleeds.analytics.geography.load_national_geography` reads.

    Args:
        national: The plan.
        path: The CSV to write.

    Returns:
        The LSOAs written.
    """
    counters = {"E": [0, 0, 0], "W": [0, 0, 0]}  # LSOA, MSOA, district numbers
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(NATIONAL_COLUMNS)
        for force in national.geographic:
            c = counters[force.country]
            short = force.name.rsplit(" ", 1)[0] if " " in force.name else force.name
            for i in range(national.lsoas[force.slug]):
                if i % LSOAS_PER_MSOA == 0:
                    if i % (LSOAS_PER_MSOA * MSOAS_PER_DISTRICT) == 0:
                        c[2] += 1
                        district = f"{force.country}06{c[2]:06d}"
                        district_no = i // (LSOAS_PER_MSOA * MSOAS_PER_DISTRICT) + 1
                        district_name = f"{short} district {district_no}"
                    c[1] += 1
                    msoa_no = i // LSOAS_PER_MSOA + 1
                    msoa = f"{force.country}02{c[1]:06d}"
                    msoa_name = f"{short} {msoa_no:03d}"
                c[0] += 1
                code = f"{force.country}01{c[0]:06d}"
                letter = chr(ord("A") + i % LSOAS_PER_MSOA)
                # A stable spread of resident counts around a real LSOA's ~1,600.
                pop = (
                    1_000
                    + int(hashlib.sha256(code.encode()).hexdigest()[:4], 16) % 1_300
                )
                w.writerow(
                    [
                        code,
                        f"{msoa_name}{letter}",
                        msoa,
                        msoa_name,
                        district,
                        district_name,
                        force.name,
                        pop,
                    ]
                )
                n += 1
    return n


_OUT = ", ".join(f'{c} AS "{h}"' for c, h in zip(COLUMNS, HEADER, strict=True))


@contextmanager
def month_writer(national: NationalPlan, geography: Path) -> Iterator[MonthWriter]:
    """A writer of the plan's monthly files (one DuckDB session for all months).

    Args:
        national: The plan.
        geography: Its LSOA lookup, as :func:`write_geography` wrote it.

    Yields:
        The writer.
    """
    con = duckdb.connect()
    try:
        yield MonthWriter(con, national, geography)
    finally:
        con.close()


class MonthWriter:
    """Writes one month of every force, as data.police.uk files (see
    :func:`month_writer`)."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, national: NationalPlan, geography: Path
    ) -> None:
        self.con = con
        self.national = national
        cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in COLUMNS) + "}"
        con.execute(
            f"CREATE TABLE real AS SELECT row_number() OVER () - 1 AS j, * FROM "
            f"read_csv(?, columns={cols}, header=true, auto_detect=false)",
            [str(SOURCE_MONTH)],
        )
        self.real_rows = int(con.execute("SELECT count(*) FROM real").fetchone()[0])  # type: ignore[index]
        con.execute(
            "CREATE TABLE geo AS SELECT row_number() OVER (ORDER BY force_name, "
            "lsoa_code) - 1 AS gi, lsoa_code, lsoa_name, force_name FROM "
            "read_csv(?, header=true, all_varchar=true)",
            [str(geography)],
        )
        geo = {f.name: i for i, f in enumerate(national.geographic)}
        rows = []
        for fi, f in enumerate(national.forces):
            rows.append(
                (fi, f.slug, f.name, national.rows[f.slug], geo.get(f.name, -1))
            )
        con.execute(
            "CREATE TABLE force (fi INTEGER, slug VARCHAR, name VARCHAR, n BIGINT, "
            "gf INTEGER)"
        )
        con.executemany("INSERT INTO force VALUES (?, ?, ?, ?, ?)", rows)
        # Each geographic force's LSOAs as a range of geo.gi.
        con.execute(
            "CREATE TABLE area AS SELECT force_name, min(gi) AS lo, count(*) AS n "
            "FROM geo GROUP BY force_name"
        )
        con.execute(
            "CREATE TABLE gforce AS SELECT row_number() OVER (ORDER BY f.gf) - 1 AS k, "
            "f.name, a.lo, a.n FROM force f JOIN area a ON a.force_name = f.name "
            "WHERE f.gf >= 0"
        )
        self.geographic = int(con.execute("SELECT count(*) FROM gforce").fetchone()[0])  # type: ignore[index]

    def write(self, month: str, folder: Path) -> list[Path]:
        """Write ``month`` (``YYYY-MM``) of every force to ``folder``.

        Args:
            month: The month.
            folder: Where the files go (``<month>-<slug>-street.csv``).

        Returns:
            The files, one per reporting force.
        """
        con = self.con
        y, m = int(month[:4]), int(month[5:7])
        tag = y * 12 + m
        r = self.real_rows
        # Row i of force fi is real row (i + 7919 fi) mod R, copy (i + 7919 fi) div R:
        # forces start at different rows, and a copy's rows go to other LSOAs. A row
        # falls within its own force, or for British Transport Police within a
        # geographic force chosen by the row.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE mon AS
            WITH rows AS (
                SELECT f.fi, f.slug, f.name, f.gf, unnest(range(f.n)) AS i FROM force f
            ), placed AS (
                SELECT rows.*, (i + 7919 * fi) % {r} AS j, (i + 7919 * fi) // {r} AS c,
                       CASE WHEN gf >= 0 THEN gf ELSE hash(i, fi) % {self.geographic}
                       END AS k
                FROM rows
            )
            SELECT p.fi, p.slug,
                   CASE WHEN x.crime_id IS NULL OR x.crime_id = '' THEN NULL
                        ELSE left(x.crime_id, 50) || printf('%02x%04x%08x', p.fi,
                             {tag}, p.i) END AS crime_id,
                   '{month}' AS month, p.name AS reported_by,
                   g.name AS falls_within, x.longitude, x.latitude, x.location,
                   CASE WHEN coalesce(x.lsoa_code, '') = '' THEN NULL
                        ELSE geo.lsoa_code END AS lsoa_code,
                   CASE WHEN coalesce(x.lsoa_code, '') = '' THEN NULL
                        ELSE geo.lsoa_name END AS lsoa_name,
                   x.crime_type, x.last_outcome, x.context
            FROM placed p
            JOIN real x ON x.j = p.j
            JOIN gforce g ON g.k = p.k
            LEFT JOIN geo ON geo.gi = g.lo + hash(x.lsoa_code, p.fi, p.c) % g.n
            """
        )
        out = []
        for fi, slug in con.execute(
            "SELECT fi, slug FROM force ORDER BY fi"
        ).fetchall():
            path = folder / f"{month}-{slug}-street.csv"
            con.execute(
                f"COPY (SELECT {_OUT} FROM mon WHERE fi = {int(fi)}) TO "
                f"'{str(path).replace(chr(39), chr(39) * 2)}' (HEADER, DELIMITER ',')"
            )
            out.append(path)
        con.execute("DROP TABLE mon")
        return out
