"""Offences and disposals as the tables the offender analytics take.

Shapes records already read (by :mod:`saferleeds.offending.access_pages` for an actor,
or :mod:`saferleeds.offending.queries` for the system's aggregate figures) into the
Arrow tables of :mod:`saferleeds.analytics.reoffending` and the ties of
:mod:`saferleeds.analytics.networks`. Reads nothing itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from itertools import combinations

import pyarrow as pa

from saferleeds.analytics.networks import CO_OFFENDING, SAME_OCG, Edge
from saferleeds.analytics.reoffending import INDEX_SCHEMA, OFFENCE_SCHEMA
from saferleeds.offending.models import Disposal

__all__ = [
    "INDEX_TYPE_OF",
    "co_offending_edges",
    "index_table",
    "offence_table",
    "same_group_edges",
]

#: The MoJ index event each disposal type is: youth disposals count as the adult ones
#: they correspond to (the MoJ's juvenile cohorts use youth cautions and youth court
#: sentences the same way).
INDEX_TYPE_OF: dict[str, str] = {
    Disposal.Type.CUSTODY_RELEASE: "custody_release",
    Disposal.Type.COURT_NON_CUSTODIAL: "court_non_custodial",
    Disposal.Type.YOUTH_COURT_SENTENCE: "court_non_custodial",
    Disposal.Type.CAUTION: "caution",
    Disposal.Type.YOUTH_CAUTION: "caution",
}

DisposalValues = tuple[int, date, str]  # person id, date, disposal type
OffenceValues = tuple[
    int, date, date | None, str
]  # person, committed, proven, disposal


def index_table(rows: Iterable[DisposalValues], key: Callable[[int], str]) -> pa.Table:
    """``person_id, index_date, index_type`` of disposals, people named by ``key``."""
    people: list[str] = []
    days: list[date] = []
    kinds: list[str] = []
    for person_id, day, kind in rows:
        people.append(key(person_id))
        days.append(day)
        kinds.append(INDEX_TYPE_OF[kind])
    return pa.table([people, days, kinds], schema=INDEX_SCHEMA)


def offence_table(rows: Iterable[OffenceValues], key: Callable[[int], str]) -> pa.Table:
    """``person_id, offence_date, proven_date, disposal_type`` of offences."""
    people: list[str] = []
    committed: list[date] = []
    proven: list[date | None] = []
    disposals: list[str] = []
    for person_id, day, proven_on, disposal in rows:
        people.append(key(person_id))
        committed.append(day)
        proven.append(proven_on)
        disposals.append(disposal)
    return pa.table([people, committed, proven, disposals], schema=OFFENCE_SCHEMA)


def co_offending_edges(
    rows: Iterable[tuple[int, str, int] | tuple[int, str, int, date]],
    key: Callable[[int], str],
) -> list[Edge]:
    """Ties between people in the same crime: ``(agency id, crime reference, person)``
    and optionally the day the person's offence was committed.

    Each pair of distinct people recorded (as offender or suspect) under one crime
    reference of one agency is tied once for that crime, dated the crime's earliest
    offence day when days are given; the network sums a pair's crimes into the tie's
    weight. Rows with no crime reference tie nobody.
    """
    crimes: dict[tuple[int, str], set[int]] = defaultdict(set)
    days: dict[tuple[int, str], date] = {}
    for row in rows:
        agency_id, crime, person_id = row[0], row[1], row[2]
        if crime:
            crimes[(agency_id, crime)].add(person_id)
            if len(row) > 3:
                day = row[3]  # type: ignore[misc]
                held = days.get((agency_id, crime))
                days[(agency_id, crime)] = day if held is None else min(held, day)
    edges: list[Edge] = []
    for crime_key, people in crimes.items():
        on = days.get(crime_key)
        for a, b in combinations(sorted(people), 2):
            edges.append(Edge(key(a), key(b), 1.0, CO_OFFENDING, on))
    return edges


def same_group_edges(
    groups: Iterable[set[int] | Mapping[int, date | None]],
    key: Callable[[int], str],
) -> list[Edge]:
    """Ties between people on the same organised crime group's nominal list, one per
    pair and group, undated (the list is the group as it is held now).

    A group given as ``{person: nominated_on}`` dates when each tie began
    (:attr:`Edge.since`): the later of the two nominations' days (the one known,
    when only one is dated; neither: ``None``, in every period)."""
    edges: list[Edge] = []
    for people in groups:
        days: Mapping[int, date | None] = (
            people if isinstance(people, Mapping) else dict.fromkeys(people)
        )
        for a, b in combinations(sorted(days), 2):
            known = [d for d in (days[a], days[b]) if d is not None]
            edges.append(
                Edge(key(a), key(b), 1.0, SAME_OCG, since=max(known, default=None))
            )
    return edges
