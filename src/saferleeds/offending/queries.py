"""The partnership's proven re-offending figures from every agency's records.

Aggregates only (counts, rates, intervals: nobody's details leave this module), as
``marac.queries`` gives the MARAC figures: the indicators page and ``saferleeds
reoffending`` without ``--as`` read them. Per-person extracts for an actor go through
:mod:`saferleeds.offending.access_pages` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pyarrow as pa

from saferleeds.analytics.fte import DISPOSAL_SCHEMA, Span, first_time_entrants
from saferleeds.analytics.reoffending import Quarter, Reoffending, proven_reoffending
from saferleeds.offending.models import Disposal, Offence
from saferleeds.offending.tables import index_table, offence_table
from saferleeds.people.models import Person

__all__ = [
    "FteFigure",
    "cohort_quarters",
    "latest_first_time_entrants",
    "latest_complete_reoffending",
    "reoffending_figures",
    "workspace_tables",
]


def workspace_tables() -> tuple[pa.Table, pa.Table]:
    """Every agency's disposals and offences as the re-offending tables, people named
    by record id. For aggregate figures only: never shown per person."""
    disposals = Disposal.objects.order_by("id").values_list(
        "person_id", "disposed_on", "disposal_type"
    )
    offences = (
        Offence.objects.filter(role=Offence.Role.OFFENDER)
        .order_by("id")
        .values_list("person_id", "committed_on", "proven_on", "disposal_type")
    )
    return index_table(disposals, str), offence_table(offences, str)


def cohort_quarters() -> list[Quarter]:
    """Quarters with at least one disposal, latest first."""
    days = Disposal.objects.dates("disposed_on", "month", order="DESC")
    seen: list[Quarter] = []
    for d in days:
        q = Quarter(d.year, (d.month - 1) // 3 + 1)
        if q not in seen:
            seen.append(q)
    return seen


def reoffending_figures(cohort: Quarter | str) -> Reoffending:
    """Proven re-offending of a quarter's cohort over every agency's records.

    Raises:
        ValueError: Nobody has an index event in the quarter.
    """
    index_events, offences = workspace_tables()
    return proven_reoffending(index_events, offences, cohort)


def latest_complete_reoffending(today: date | None = None) -> Reoffending | None:
    """The latest cohort whose follow-up and waiting period the data cover.

    A cohort counts once its last index event's 18 months have passed (before
    ``today``, when given) and the offences data reach that far, as the MoJ publishes
    only cohorts whose re-offences can all have been proven. ``None``: no such cohort.
    """
    quarters = cohort_quarters()
    if not quarters:
        return None
    index_events, offences = workspace_tables()
    for quarter in quarters:
        result = proven_reoffending(index_events, offences, quarter)
        if result.follow_up_complete and (today is None or result.waiting_end < today):
            return result
    return None


# --- First-time entrants -----------------------------------------------------------------

# Entry disposals (``analytics.fte``) of the workspace's records: disposals on their
# date, and proven offences on the day they were proven (a conviction or caution; the
# only date a custodial sentence has, its disposal being the release).
_FTE_DISPOSAL = {
    Disposal.Type.YOUTH_CAUTION: "youth_caution",
    Disposal.Type.CAUTION: "caution",
    Disposal.Type.YOUTH_COURT_SENTENCE: "court_sentence",
    Disposal.Type.COURT_NON_CUSTODIAL: "court_sentence",
}
_FTE_OFFENCE = {
    Offence.DisposalType.CAUTION: "caution",
    Offence.DisposalType.COURT_NON_CUSTODIAL: "court_sentence",
    Offence.DisposalType.CUSTODY: "court_sentence",
}
FTE_AREA = "partnership"


@dataclass(frozen=True)
class FteFigure:
    """First-time entrants to the youth justice system over a year, partnership-wide.

    Attributes:
        period: The twelve months counted, to the latest entry the records hold.
        entrants: Children aged 10-17 whose first caution or court sentence fell in it.
        population: The 10-17 population (``None``: not set, so no rate).
        population_source: Where the population comes from.
        rate: Entrants per 100,000 of that population (``None`` without it).
        undated: People with an entry in the period but no date of birth, not counted.
    """

    period: Span
    entrants: int
    population: int | None
    population_source: str
    rate: float | None
    undated: int


def _year_to(end: date) -> Span:
    try:
        start = end.replace(year=end.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February: the year from 1 March
        start = date(end.year - 1, 3, 1)
    return Span(f"12 months to {end.day} {end:%b %Y}", start, end)


def latest_first_time_entrants(
    today: date | None = None, population: dict[str, Any] | None = None
) -> FteFigure | None:
    """First-time entrants in the twelve months to the latest entry on or before
    ``today``, over every agency's disposals and proven offences (counts only).

    Args:
        today: Entries after it are not counted (default: none is left out).
        population: ``{"population": N, "source": "..."}``, children aged 10-17 in the
            partnership's area (the ``FTE_POPULATION`` setting; the shipped Census file
            has no age bands). Without it the figure is a count, with no rate.

    Returns:
        The figure, or ``None`` when the records hold no entry.

    Notes:
        A person's first entry (:func:`saferleeds.analytics.fte.first_time_entrants`)
        is their earliest caution or court sentence of any age the records hold: a
        youth or adult caution or non-custodial sentence on its disposal date, or a
        proven offence's caution, court or custodial sentence on its proven date.
        They count when aged 10-17 on it; people with no date of birth cannot be aged
        and are left out (``undated``).
    """
    events: list[tuple[int, date, str]] = [
        (person, day, _FTE_DISPOSAL[kind])
        for person, day, kind in Disposal.objects.filter(
            disposal_type__in=list(_FTE_DISPOSAL)
        ).values_list("person_id", "disposed_on", "disposal_type")
    ]
    events += [
        (person, day, _FTE_OFFENCE[kind])
        for person, day, kind in Offence.objects.filter(
            role=Offence.Role.OFFENDER,
            proven_on__isnull=False,
            disposal_type__in=list(_FTE_OFFENCE),
        ).values_list("person_id", "proven_on", "disposal_type")
    ]
    if today is not None:
        events = [e for e in events if e[1] <= today]
    if not events:
        return None
    span = _year_to(max(day for _, day, _ in events))
    born = dict(
        Person.objects.filter(pk__in={p for p, _, _ in events}).values_list(
            "pk", "date_of_birth"
        )
    )
    first: dict[int, date] = {}
    for person, day, _ in events:
        first[person] = min(day, first.get(person, day))
    undated = sum(
        1
        for person, day in first.items()
        if born.get(person) is None and span.start <= day <= span.end
    )
    rows = [
        (str(person), born[person], day, kind, FTE_AREA)
        for person, day, kind in events
        if born.get(person) is not None and born[person] <= day
    ]
    table = pa.table(
        [list(column) for column in zip(*rows, strict=True)]
        if rows
        else [[] for _ in DISPOSAL_SCHEMA],
        schema=DISPOSAL_SCHEMA,
    )
    size = int((population or {}).get("population") or 0)
    [result] = first_time_entrants(table, {FTE_AREA: size or 1}, [span])
    return FteFigure(
        period=span,
        entrants=result.entrants,
        population=size or None,
        population_source=str((population or {}).get("source", "")) if size else "",
        rate=result.rate if size else None,
        undated=undated,
    )
