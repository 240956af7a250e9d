"""First-time entrants to the youth justice system (issue #14, item 4).

A first-time entrant (FTE) is a child aged 10 to 17 receiving their first youth
caution (or youth conditional caution) or court sentence. The rate is per 100,000
children aged 10 to 17 living in the area.

The population is an argument: the Census file the workspace ships
(``leeds-lsoa-2011-census-population.csv``) has usual residents by LSOA but no age
bands, so the 10-17 population per area must come from the caller (ONS mid-year
estimates or Census table by single year of age), with its source stated where shown.
The workspace imports it with ``saferleeds offending import population FILE``
(:func:`saferleeds.importers.offending.read_population`).

Notes:
    Youth Justice Board / Ministry of Justice, "Youth Justice Statistics" (first time
    entrants: children aged 10-17 who received their first youth caution, youth
    conditional caution or court conviction, recorded on the Police National
    Computer). Age in completed years on the disposal date; a child born on
    29 February becomes a year older on 1 March in a common year, the usual reading
    in England and Wales. The area is the child's area of residence, as the Ministry
    of Justice's first time entrants by local authority are (MoJ, "First time
    entrants (FTE) into the Criminal Justice System", and the YJB's "Youth Justice
    Statistics" local tables: rates per 100,000 of the area's 10-17 population from
    the ONS mid-year estimates), not where the offence was committed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import duckdb
import pyarrow as pa

from saferleeds.analytics.csvfile import read_rows

ENTRY_DISPOSALS: Final = (
    "youth_caution",
    "youth_conditional_caution",
    "caution",
    "conditional_caution",
    "court_sentence",
)
"""Disposals that bring a person into the justice system (their first one counts)."""

OTHER_DISPOSALS: Final = (
    "community_resolution",
    "penalty_notice",
    "no_further_action",
    "acquitted",
)
"""Outcomes that are not an entry (not recorded as a formal disposal on the PNC)."""

MIN_AGE: Final = 10
MAX_AGE: Final = 17
PER: Final = 100_000

DISPOSAL_COLUMNS: Final = (
    "person_id",
    "date_of_birth",
    "disposal_date",
    "disposal_type",
    "area",
)
DISPOSAL_SCHEMA: Final = pa.schema(
    [
        ("person_id", pa.string()),
        ("date_of_birth", pa.date32()),
        ("disposal_date", pa.date32()),
        ("disposal_type", pa.string()),
        ("area", pa.string()),
    ]
)


@dataclass(frozen=True)
class Span:
    """A labelled reporting period, both ends included."""

    label: str
    start: date
    end: date


@dataclass(frozen=True)
class FteRate:
    """First-time entrants of one area in one period.

    Attributes:
        period: The period's label.
        area: The area code.
        entrants: Children aged 10-17 whose first entry disposal fell in the period.
        population: The area's population aged 10-17.
        rate: Entrants per 100,000 of that population.
    """

    period: str
    area: str
    entrants: int
    population: float
    rate: float


def age_on(born: date, day: date) -> int:
    """Age in completed years on ``day`` (29 February birthdays fall on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def read_disposals(path: str | Path) -> pa.Table:
    """Read a disposals extract: ``person_id,date_of_birth,disposal_date,disposal_type,area``.

    ``disposal_type`` is one of :data:`ENTRY_DISPOSALS` or :data:`OTHER_DISPOSALS`;
    ``area`` is the child's area of residence (say an LSOA or ward code).

    Raises:
        CsvInputError: Naming the file, line and column of the first bad value.
    """
    cols: dict[str, list[object]] = {c: [] for c in DISPOSAL_COLUMNS}
    allowed = ENTRY_DISPOSALS + OTHER_DISPOSALS
    for row in read_rows(path, DISPOSAL_COLUMNS):
        born = row.day("date_of_birth")
        day = row.day("disposal_date")
        assert born is not None and day is not None
        if born > day:
            raise row.error("date_of_birth", f"{born} is after the disposal {day}")
        kind = row.get("disposal_type")
        if kind not in allowed:
            raise row.error(
                "disposal_type", f"{kind!r} is not one of {', '.join(allowed)}"
            )
        cols["person_id"].append(row.required("person_id"))
        cols["date_of_birth"].append(born)
        cols["disposal_date"].append(day)
        cols["disposal_type"].append(kind)
        cols["area"].append(row.required("area"))
    return pa.table(list(cols.values()), schema=DISPOSAL_SCHEMA)


_FTE_SQL = f"""
WITH entries AS (
    SELECT person_id, date_of_birth, disposal_date, area,
           row_number() OVER (
               PARTITION BY person_id ORDER BY disposal_date, area
           ) AS k
    FROM disposals
    WHERE disposal_type IN ({", ".join(f"'{d}'" for d in ENTRY_DISPOSALS)})
),
firsts AS (
    SELECT person_id, disposal_date, area,
           year(disposal_date) - year(date_of_birth)
           - CASE WHEN month(disposal_date) * 100 + day(disposal_date)
                       < month(date_of_birth) * 100 + day(date_of_birth)
                  THEN 1 ELSE 0 END AS age
    FROM entries
    WHERE k = 1
)
SELECT p.label, f.area, count(*) AS entrants
FROM firsts AS f
JOIN periods AS p ON f.disposal_date BETWEEN p.start AND p."end"
WHERE f.age BETWEEN {MIN_AGE} AND {MAX_AGE}
GROUP BY ALL
"""


def entrant_counts(
    disposals: pa.Table | duckdb.DuckDBPyRelation, periods: Sequence[Span]
) -> dict[tuple[str, str], int]:
    """First-time entrants by period label and area: ``{(label, area): count}``.

    The count :func:`first_time_entrants` divides by the population; for callers that
    report a count where no population is held. Areas and periods with none are
    absent.

    Raises:
        ValueError: Two periods have the same label.

    Notes:
        As :func:`first_time_entrants`: each person's first entry disposal, counted
        when aged 10-17 on its date, in the area recorded with it (the Ministry of
        Justice counts first-time entrants by the child's area of residence).
    """
    labels = [p.label for p in periods]
    if len(set(labels)) != len(labels):
        raise ValueError("each period needs its own label")
    table = (
        disposals.to_arrow_table()
        if isinstance(disposals, duckdb.DuckDBPyRelation)
        else disposals
    )
    spans = pa.table(
        {
            "label": [p.label for p in periods],
            "start": pa.array([p.start for p in periods], pa.date32()),
            "end": pa.array([p.end for p in periods], pa.date32()),
        }
    )
    con = duckdb.connect()
    try:
        con.register("disposals", table)
        con.register("periods", spans)
        return {(p, a): int(n) for p, a, n in con.execute(_FTE_SQL).fetchall()}
    finally:
        con.close()


def first_time_entrants(
    disposals: pa.Table | duckdb.DuckDBPyRelation,
    population: Mapping[str, float],
    periods: Sequence[Span],
) -> list[FteRate]:
    """First-time entrants per 100,000 children aged 10-17, by period and area.

    Args:
        disposals: ``person_id, date_of_birth, disposal_date, disposal_type, area``
            (see :func:`read_disposals`), every disposal of each person the data hold,
            so that an earlier one rules a later one out.
        population: Children aged 10-17 per area (not in the shipped Census file,
            which has no age bands: the caller supplies it, with its source).
        periods: The periods to count in, each with both ends included.

    Returns:
        One :class:`FteRate` per period and area of ``population`` (areas with no
        entrant have a rate of 0), in the order of ``periods`` then area.

    Raises:
        ValueError: An entrant lives in an area with no population, a population is
            not positive, or two periods have the same label.

    Notes:
        A person's first entry disposal (:data:`ENTRY_DISPOSALS`, earliest date; a tie
        on the day is one entry) counts if they were aged 10-17 on its date, in
        completed years, and in the area recorded with it. A later disposal of someone
        who already entered never counts, whatever their age. YJB/MoJ "Youth Justice
        Statistics", first time entrants.
    """
    for area, n in population.items():
        if not n > 0:
            raise ValueError(f"population of {area} must be positive, not {n}")
    counts = entrant_counts(disposals, periods)
    unknown = sorted({a for _, a in counts} - set(population))
    if unknown:
        raise ValueError(
            f"no 10-17 population for area {', '.join(unknown[:5])}"
            + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        )
    return [
        FteRate(
            period=p.label,
            area=area,
            entrants=counts.get((p.label, area), 0),
            population=population[area],
            rate=PER * counts.get((p.label, area), 0) / population[area],
        )
        for p in periods
        for area in sorted(population)
    ]


__all__ = [
    "ENTRY_DISPOSALS",
    "OTHER_DISPOSALS",
    "FteRate",
    "Span",
    "age_on",
    "entrant_counts",
    "first_time_entrants",
    "read_disposals",
]
