"""The partnership's proven re-offending figures from every agency's records.

Aggregates only (counts, rates, intervals: nobody's details leave this module), as
``marac.queries`` gives the MARAC figures: the indicators page and ``saferleeds
reoffending`` without ``--as`` read them. Per-person extracts for an actor go through
:mod:`saferleeds.offending.access_pages` instead.
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from saferleeds.analytics.reoffending import Quarter, Reoffending, proven_reoffending
from saferleeds.offending.models import Disposal, Offence
from saferleeds.offending.tables import index_table, offence_table

__all__ = [
    "cohort_quarters",
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
