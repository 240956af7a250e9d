"""Proven re-offending, the Ministry of Justice way (issue #14, item 3).

A cohort is the people whose *index event* falls in a calendar quarter: released from
custody, given a non-custodial sentence at court, or cautioned. A person's index event
is their first such event in the quarter. Each is followed up for 12 months; an offence
counts as a proven re-offence when it was committed in the follow-up and proven by a
conviction or caution within the follow-up or a further 6-month waiting period.

The public surface:

- :func:`read_index_events`, :func:`read_offences`: the two CSV extracts as Arrow
  tables, every bad value an error naming file, line and column.
- :func:`cohort_outcomes`: one row per person in the cohort with their re-offences.
- :func:`proven_reoffending`: the cohort's binary rate (with a 95% Wilson interval)
  and frequencies.
- :func:`compare_groups`: a group (say the IOM cohort) against the rest of the cohort.

Notes:
    Ministry of Justice, "Proven reoffending statistics: guide" (the guide to proven
    reoffending statistics, three-month cohorts since the January 2018 publication);
    Wilson, E. B. (1927), "Probable inference, the law of succession, and statistical
    inference", JASA 22:209-212; Newcombe, R. G. (1998), "Interval estimation for the
    difference between independent proportions", Statistics in Medicine 17:873-890.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa

from saferleeds.analytics.csvfile import CsvInputError, read_rows
from saferleeds.analytics.indicators.stats import wilson_interval

INDEX_TYPES: Final = ("custody_release", "court_non_custodial", "caution")
"""Events that put a person in a cohort, in the order that breaks a same-day tie."""

PROVING_DISPOSALS: Final = ("custody", "court_non_custodial", "caution")
"""Disposals that prove an offence: a conviction (custodial or not) or a caution."""

UNPROVEN_DISPOSALS: Final = (
    "",
    "pending",
    "acquitted",
    "no_further_action",
    "community_resolution",
    "penalty_notice",
)
"""Outcomes of an offence that prove nothing (its ``proven_date`` is empty)."""

FOLLOW_UP_MONTHS: Final = 12
WAITING_MONTHS: Final = 6

INDEX_COLUMNS: Final = ("person_id", "index_date", "index_type")
OFFENCE_COLUMNS: Final = ("person_id", "offence_date", "proven_date", "disposal_type")

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")

INDEX_SCHEMA: Final = pa.schema(
    [
        ("person_id", pa.string()),
        ("index_date", pa.date32()),
        ("index_type", pa.string()),
    ]
)
OFFENCE_SCHEMA: Final = pa.schema(
    [
        ("person_id", pa.string()),
        ("offence_date", pa.date32()),
        ("proven_date", pa.date32()),
        ("disposal_type", pa.string()),
    ]
)


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter, ``2018Q1`` being January to March 2018."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Read ``YYYYQn``.

        Raises:
            ValueError: Not of that form.
        """
        m = _QUARTER.match(text.strip().upper())
        if not m:
            raise ValueError(f"a cohort is a quarter YYYYQn, e.g. 2018Q1, not {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def start(self) -> date:
        """The first day of the quarter."""
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """The last day of the quarter."""
        following = date(self.year + (self.number == 4), 3 * self.number % 12 + 1, 1)
        return following - timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


@dataclass(frozen=True)
class Reoffending:
    """Proven re-offending of one cohort (or of a group within it).

    Attributes:
        cohort: The quarter, ``YYYYQn``.
        offenders: People in the cohort.
        reoffenders: Those with at least one proven re-offence.
        reoffences: Proven re-offences, all of them counted.
        binary_rate: ``reoffenders / offenders``.
        ci_low: Lower end of the 95% Wilson interval of the binary rate.
        ci_high: Upper end of it.
        frequency: Re-offences per offender.
        frequency_per_reoffender: Re-offences per re-offender (``None`` when nobody
            re-offended).
        follow_up_complete: Whether the offences data reach the end of the last
            waiting period (otherwise the figures are too low, as the MoJ would not
            yet publish them).
        data_end: The latest offence or proven date in the offences data.
        waiting_end: The end of the waiting period of the cohort's last index event.
    """

    cohort: str
    offenders: int
    reoffenders: int
    reoffences: int
    binary_rate: float
    ci_low: float
    ci_high: float
    frequency: float
    frequency_per_reoffender: float | None
    follow_up_complete: bool
    data_end: date | None
    waiting_end: date

    def to_dict(self) -> dict[str, Any]:
        """The figures as published: the keys of ``saferleeds reoffending --format json``."""
        d = asdict(self)
        for key in ("follow_up_complete", "data_end", "waiting_end"):
            del d[key]
        return d


@dataclass(frozen=True)
class Outcome:
    """One person of a cohort: their index event and their proven re-offences."""

    person_id: str
    index_date: date
    index_type: str
    follow_up_end: date
    waiting_end: date
    reoffences: int


@dataclass(frozen=True)
class GroupComparison:
    """A group of a cohort (say the IOM cohort) against the rest of it.

    Attributes:
        group: The group's figures.
        rest: The figures of everyone else in the cohort.
        difference: ``group.binary_rate - rest.binary_rate``.
        diff_low: Lower end of the 95% Newcombe interval of the difference.
        diff_high: Upper end of it.
        p_value: Two-sided Fisher exact test of the binary rates.
    """

    group: Reoffending
    rest: Reoffending
    difference: float
    diff_low: float
    diff_high: float
    p_value: float


# --- reading the extracts ----------------------------------------------------------------


def read_index_events(path: str | Path) -> pa.Table:
    """Read the index events extract: ``person_id,index_date,index_type``.

    ``index_type`` is one of :data:`INDEX_TYPES`; dates are ``YYYY-MM-DD``.

    Raises:
        CsvInputError: Naming the file, line and column of the first bad value.
    """
    people: list[str] = []
    days: list[date] = []
    types: list[str] = []
    for row in read_rows(path, INDEX_COLUMNS):
        people.append(row.required("person_id"))
        day = row.day("index_date")
        assert day is not None
        days.append(day)
        kind = row.get("index_type")
        if kind not in INDEX_TYPES:
            raise row.error(
                "index_type", f"{kind!r} is not one of {', '.join(INDEX_TYPES)}"
            )
        types.append(kind)
    return pa.table([people, days, types], schema=INDEX_SCHEMA)


def read_offences(path: str | Path) -> pa.Table:
    """Read the offences extract: ``person_id,offence_date,proven_date,disposal_type``.

    ``proven_date`` is empty when the offence is not (yet) proven; when given,
    ``disposal_type`` must be one of :data:`PROVING_DISPOSALS` and the date must not
    be before the offence. When empty, ``disposal_type`` is empty or one of
    :data:`UNPROVEN_DISPOSALS`.

    Raises:
        CsvInputError: Naming the file, line and column of the first bad value.
    """
    people: list[str] = []
    committed: list[date] = []
    proven: list[date | None] = []
    disposals: list[str] = []
    for row in read_rows(path, OFFENCE_COLUMNS):
        people.append(row.required("person_id"))
        offence_date = row.day("offence_date")
        assert offence_date is not None
        proven_date = row.day("proven_date", optional=True)
        disposal = row.get("disposal_type")
        if proven_date is not None:
            if disposal not in PROVING_DISPOSALS:
                raise row.error(
                    "disposal_type",
                    f"{disposal!r} does not prove an offence, yet proven_date is "
                    f"given (proving disposals: {', '.join(PROVING_DISPOSALS)})",
                )
            if proven_date < offence_date:
                raise row.error(
                    "proven_date",
                    f"{proven_date} is before the offence_date {offence_date}",
                )
        elif disposal not in UNPROVEN_DISPOSALS:
            if disposal in PROVING_DISPOSALS:
                raise row.error(
                    "proven_date", f"empty, yet disposal_type is {disposal!r}"
                )
            raise row.error(
                "disposal_type",
                f"{disposal!r} is not one of "
                f"{', '.join(PROVING_DISPOSALS + UNPROVEN_DISPOSALS[1:])} (or empty)",
            )
        committed.append(offence_date)
        proven.append(proven_date)
        disposals.append(disposal)
    return pa.table([people, committed, proven, disposals], schema=OFFENCE_SCHEMA)


# --- the method --------------------------------------------------------------------------


def _arrow(table: pa.Table | duckdb.DuckDBPyRelation) -> pa.Table:
    if isinstance(table, duckdb.DuckDBPyRelation):
        return table.to_arrow_table()
    return table


_OUTCOMES_SQL = f"""
WITH ranked AS (
    SELECT person_id, index_date, index_type,
           row_number() OVER (
               PARTITION BY person_id
               ORDER BY index_date,
                        CASE index_type WHEN '{INDEX_TYPES[0]}' THEN 0
                                        WHEN '{INDEX_TYPES[1]}' THEN 1 ELSE 2 END
           ) AS k
    FROM index_events
    WHERE index_date BETWEEN $start AND $end
      AND ($all_people OR person_id IN (SELECT person_id FROM chosen))
),
cohort AS (
    SELECT person_id, index_date, index_type,
           CAST(index_date + INTERVAL {FOLLOW_UP_MONTHS} MONTH AS DATE) AS follow_up_end,
           CAST(index_date + INTERVAL {FOLLOW_UP_MONTHS + WAITING_MONTHS} MONTH AS DATE)
               AS waiting_end
    FROM ranked
    WHERE k = 1
)
SELECT c.person_id, c.index_date, c.index_type, c.follow_up_end, c.waiting_end,
       count(o.person_id) AS reoffences
FROM cohort AS c
LEFT JOIN offences AS o
  ON o.person_id = c.person_id
 AND o.offence_date > c.index_date
 AND o.offence_date <= c.follow_up_end
 AND o.proven_date IS NOT NULL
 AND o.proven_date <= c.waiting_end
GROUP BY ALL
ORDER BY c.person_id
"""


def cohort_outcomes(
    index_events: pa.Table | duckdb.DuckDBPyRelation,
    offences: pa.Table | duckdb.DuckDBPyRelation,
    cohort: Quarter | str,
    *,
    people: Collection[str] | None = None,
) -> list[Outcome]:
    """Each person of a quarter's cohort, with their proven re-offences.

    Args:
        index_events: ``person_id, index_date, index_type`` (see
            :func:`read_index_events`); an Arrow table or a DuckDB relation.
        offences: ``person_id, offence_date, proven_date, disposal_type`` (see
            :func:`read_offences`).
        cohort: The quarter, a :class:`Quarter` or ``"YYYYQn"``.
        people: Only these people (say, the IOM cohort); ``None`` for everyone.

    Returns:
        One :class:`Outcome` per person with an index event in the quarter, sorted by
        person id.

    Notes:
        As the MoJ's "Proven reoffending statistics: guide" defines it:

        - the index event is the person's first custody release, court non-custodial
          sentence or caution in the quarter (a same-day tie takes the type first in
          :data:`INDEX_TYPES`);
        - a re-offence is committed strictly after the index date and no later than the
          same calendar date 12 months on, and proven (``proven_date``) no later than
          the same calendar date 18 months after the index date;
        - a date with no such calendar date (29 February a year on, 31 August 18
          months on) maps to the last day of that month, as DuckDB's month arithmetic
          does;
        - offences before the index (including the one the index disposal was for) are
          ignored; every proven re-offence counts in the frequency.
    """
    quarter = Quarter.parse(cohort) if isinstance(cohort, str) else cohort
    con = duckdb.connect()
    try:
        con.register("index_events", _arrow(index_events))
        con.register("offences", _arrow(offences))
        chosen = pa.table({"person_id": pa.array(sorted(people or ()), pa.string())})
        con.register("chosen", chosen)
        rows = con.execute(
            _OUTCOMES_SQL,
            {
                "start": quarter.start,
                "end": quarter.end,
                "all_people": people is None,
            },
        ).fetchall()
    finally:
        con.close()
    return [Outcome(*r) for r in rows]


def _data_end(offences: pa.Table) -> date | None:
    con = duckdb.connect()
    try:
        con.register("offences", offences)
        row = con.execute(
            "SELECT greatest(max(offence_date), max(proven_date)) FROM offences"
        ).fetchone()
    finally:
        con.close()
    return row[0] if row else None


def summarise_outcomes(
    outcomes: list[Outcome], cohort: Quarter | str, *, data_end: date | None = None
) -> Reoffending:
    """The binary rate, its 95% Wilson interval and the frequencies of some outcomes.

    Raises:
        ValueError: No outcomes (a rate of nobody is not a rate).

    Notes:
        Binary rate ``r / n``; interval: Wilson (1927) score interval at ``z = 1.96``;
        frequency ``reoffences / n`` and ``reoffences / r`` (MoJ guide).
    """
    quarter = Quarter.parse(cohort) if isinstance(cohort, str) else cohort
    n = len(outcomes)
    if n == 0:
        raise ValueError(f"nobody has an index event in {quarter}")
    reoffenders = sum(o.reoffences > 0 for o in outcomes)
    reoffences = sum(o.reoffences for o in outcomes)
    rate = reoffenders / n
    low, high = wilson_interval(rate, n)
    waiting_end = max(o.waiting_end for o in outcomes)
    return Reoffending(
        cohort=str(quarter),
        offenders=n,
        reoffenders=reoffenders,
        reoffences=reoffences,
        binary_rate=rate,
        ci_low=low,
        ci_high=high,
        frequency=reoffences / n,
        frequency_per_reoffender=reoffences / reoffenders if reoffenders else None,
        follow_up_complete=data_end is not None and data_end >= waiting_end,
        data_end=data_end,
        waiting_end=waiting_end,
    )


def proven_reoffending(
    index_events: pa.Table | duckdb.DuckDBPyRelation,
    offences: pa.Table | duckdb.DuckDBPyRelation,
    cohort: Quarter | str,
    *,
    people: Collection[str] | None = None,
) -> Reoffending:
    """Proven re-offending of a quarter's cohort: binary rate, interval, frequencies.

    Args:
        index_events: ``person_id, index_date, index_type``.
        offences: ``person_id, offence_date, proven_date, disposal_type``.
        cohort: The quarter, a :class:`Quarter` or ``"YYYYQn"``.
        people: Only these people; ``None`` for everyone.

    Raises:
        ValueError: Nobody in the cohort.

    Notes:
        The cohort and counting rules are those of :func:`cohort_outcomes` (MoJ,
        "Proven reoffending statistics: guide"); the interval is Wilson's (1927).
        ``follow_up_complete`` is false when the offences data end before the last
        waiting period does: the MoJ publishes a cohort only once it has.
    """
    offences_t = _arrow(offences)
    outcomes = cohort_outcomes(index_events, offences_t, cohort, people=people)
    return summarise_outcomes(outcomes, cohort, data_end=_data_end(offences_t))


def newcombe_interval(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float, float]:
    """Difference ``k1/n1 - k2/n2`` with its 95% Newcombe hybrid score interval.

    Notes:
        Newcombe (1998), method 10: the difference's interval from the two Wilson
        (1927) intervals, ``d - sqrt((p1 - l1)^2 + (u2 - p2)^2)`` to
        ``d + sqrt((u1 - p1)^2 + (p2 - l2)^2)``.
    """
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(p1, n1)
    l2, u2 = wilson_interval(p2, n2)
    d = p1 - p2
    return (
        d,
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def fisher_exact_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided Fisher exact p-value of ``k1`` of ``n1`` against ``k2`` of ``n2``."""
    from scipy.stats import fisher_exact

    table = [[k1, n1 - k1], [k2, n2 - k2]]
    return float(fisher_exact(table, alternative="two-sided").pvalue)


def compare_groups(
    index_events: pa.Table | duckdb.DuckDBPyRelation,
    offences: pa.Table | duckdb.DuckDBPyRelation,
    cohort: Quarter | str,
    group: Collection[str],
) -> GroupComparison:
    """A group of the cohort (say the IOM cohort) against everyone else in it.

    Args:
        index_events: ``person_id, index_date, index_type``.
        offences: ``person_id, offence_date, proven_date, disposal_type``.
        cohort: The quarter.
        group: The group's person ids; people not in the cohort are ignored.

    Raises:
        ValueError: The group, or the rest, has nobody in the cohort.

    Notes:
        Each side's figures as :func:`proven_reoffending`; the difference of binary
        rates with Newcombe's (1998) hybrid score interval, and a two-sided Fisher
        exact test (IOM cohorts are small, so no normal approximation).
    """
    offences_t = _arrow(offences)
    outcomes = cohort_outcomes(index_events, offences_t, cohort)
    members = set(group)
    inside = [o for o in outcomes if o.person_id in members]
    outside = [o for o in outcomes if o.person_id not in members]
    quarter = Quarter.parse(cohort) if isinstance(cohort, str) else cohort
    if not inside:
        raise ValueError(f"nobody of the group has an index event in {quarter}")
    if not outside:
        raise ValueError(f"everyone with an index event in {quarter} is in the group")
    end = _data_end(offences_t)
    a = summarise_outcomes(inside, quarter, data_end=end)
    b = summarise_outcomes(outside, quarter, data_end=end)
    d, low, high = newcombe_interval(
        a.reoffenders, a.offenders, b.reoffenders, b.offenders
    )
    return GroupComparison(
        group=a,
        rest=b,
        difference=d,
        diff_low=low,
        diff_high=high,
        p_value=fisher_exact_p(a.reoffenders, a.offenders, b.reoffenders, b.offenders),
    )


__all__ = [
    "INDEX_TYPES",
    "PROVING_DISPOSALS",
    "UNPROVEN_DISPOSALS",
    "CsvInputError",
    "GroupComparison",
    "Outcome",
    "Quarter",
    "Reoffending",
    "cohort_outcomes",
    "compare_groups",
    "fisher_exact_p",
    "newcombe_interval",
    "proven_reoffending",
    "read_index_events",
    "read_offences",
    "summarise_outcomes",
]
