"""IOM figures and settings: the selection parameters in force, and the cohort's
proven re-offending against everyone else's.

Aggregates only (counts, rates, intervals): nobody's details leave this module. The
per-person pages read through :mod:`saferleeds.iom.access_pages`.
"""

from __future__ import annotations

from django.conf import settings

from saferleeds.analytics.iom_selection import SelectionParameters
from saferleeds.analytics.reoffending import GroupComparison, compare_groups
from saferleeds.iom.models import IomMember
from saferleeds.offending.queries import cohort_quarters, workspace_tables

__all__ = [
    "iom_reoffending_comparison",
    "member_person_ids",
    "members_version",
    "selection_parameters",
]


def selection_parameters() -> SelectionParameters:
    """The selection score's parameters: the defaults, overridden by the
    ``IOM_SELECTION`` setting (a dict of :class:`SelectionParameters` fields)."""
    return SelectionParameters.from_mapping(getattr(settings, "IOM_SELECTION", None))


def members_version() -> tuple[object, ...]:
    """A fingerprint of who was ever in the IOM cohort (what
    :func:`iom_reoffending_comparison` reads): their number, the latest id and the sum
    of their person ids, in one aggregate query. A cache keyed by it is reused until
    someone joins, is removed or is re-pointed to another person."""
    from django.db.models import Count, Max, Sum

    row = IomMember.objects.aggregate(n=Count("pk"), last=Max("pk"), s=Sum("person_id"))
    return (row["n"], row["last"], row["s"])


def member_person_ids() -> set[str]:
    """The person ids of everyone ever in the IOM cohort, as the re-offending tables
    key people (the group the indicators page and ``saferleeds reoffending --iom``
    compare with the rest)."""
    return {
        str(p) for p in IomMember.objects.values_list("person_id", flat=True).distinct()
    }


def iom_reoffending_comparison() -> GroupComparison | None:
    """Proven re-offending of everyone ever in the IOM cohort against the rest.

    For the latest quarter's cohort whose follow-up and waiting period the data
    cover and in which both groups have someone (else the latest with both groups,
    its ``follow_up_complete`` false); ``None`` when no quarter has both.
    """
    members = member_person_ids()
    if not members:
        return None
    index_events, offences = workspace_tables()
    fallback: GroupComparison | None = None
    for quarter in cohort_quarters():
        try:
            result = compare_groups(index_events, offences, quarter, members)
        except ValueError:
            continue
        if result.group.follow_up_complete:
            return result
        fallback = fallback or result
    return fallback
