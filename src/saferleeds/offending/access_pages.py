"""Offending data as an actor may read it: extracts for the offender analytics.

:func:`read_reoffending_extract` (offences and disposals as the re-offending tables)
and :func:`read_co_offending_network` (the ties between people of the same crimes, and
of the same organised crime group's nominal list)
read through the gate (:func:`~saferleeds.offending.access.offences_visible_to`,
:func:`~saferleeds.offending.access.disposals_visible_to`): an agency's user gets
their own agency's records and those shared with it under an agreement in force.
People are named by pseudonym for a pseudonymised actor (an analyst) and by record id
for everyone else. Every record read is logged as consulted, in one write, under
``offending.offence.extract`` / ``offending.disposal.extract``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
from django.db.models import Q

from saferleeds.analytics.networks import Edge, Period
from saferleeds.audit.log import record_consultations
from saferleeds.offending.access import (
    disposals_visible_to,
    ocg_nominations_visible_to,
    offences_visible_to,
)
from saferleeds.offending.models import Offence
from saferleeds.offending.records import DISPOSAL, OCG_NOMINATION, OFFENCE
from saferleeds.offending.tables import (
    co_offending_edges,
    index_table,
    offence_table,
    same_group_edges,
)
from saferleeds.partners.policy import Actor, pseudonymised
from saferleeds.people.present import pseudonym

__all__ = [
    "CoOffendingNetwork",
    "OcgGroup",
    "ReoffendingExtract",
    "person_key",
    "read_co_offending_network",
    "read_reoffending_extract",
]

OFFENCE_EVENT = "offending.offence.extract"
DISPOSAL_EVENT = "offending.disposal.extract"
OCG_EVENT = "offending.ocg_nomination.extract"


def person_key(actor: Actor) -> Callable[[int], str]:
    """How the actor's extracts name a person: pseudonym or record id."""
    if pseudonymised(actor):
        return pseudonym
    return str


@dataclass(frozen=True)
class ReoffendingExtract:
    """The offences and disposals an actor may see, as the re-offending tables.

    Attributes:
        index_events: ``person_id, index_date, index_type`` of every disposal.
        offences: ``person_id, offence_date, proven_date, disposal_type`` of every
            offence the person is recorded as the offender of.
        pseudonymised: Whether people are named by pseudonym.
    """

    index_events: pa.Table
    offences: pa.Table
    pseudonymised: bool


def read_reoffending_extract(actor: Actor, *, purpose: str = "") -> ReoffendingExtract:
    """Offences and disposals the actor may see, as re-offending tables, all logged."""
    disposals = list(
        disposals_visible_to(actor)
        .order_by("id")
        .values_list("id", "person_id", "disposed_on", "disposal_type")
    )
    offences = list(
        offences_visible_to(actor)
        .filter(role=Offence.Role.OFFENDER)
        .order_by("id")
        .values_list("id", "person_id", "committed_on", "proven_on", "disposal_type")
    )
    detail = {"purpose": purpose} if purpose else {}
    record_consultations(
        actor,
        [
            (DISPOSAL_EVENT, [(DISPOSAL, d[0], d[1]) for d in disposals], detail),
            (OFFENCE_EVENT, [(OFFENCE, o[0], o[1]) for o in offences], detail),
        ],
    )
    key = person_key(actor)
    return ReoffendingExtract(
        index_events=index_table((d[1:] for d in disposals), key),
        offences=offence_table((o[1:] for o in offences), key),
        pseudonymised=pseudonymised(actor),
    )


@dataclass(frozen=True)
class OcgGroup:
    """An organised crime group of the network, as the actor may name it.

    Attributes:
        label: ``reference: name`` for identified actors; ``OCG n`` (numbered by
            size, 1 the largest) for pseudonymised ones, who never see a group's
            reference or working name.
        members: The keys of its nominals the actor may see (pseudonyms or ids).
        nominated: The first and last days its nominations were made or reviewed,
            of those dated (``None``: none is).
    """

    label: str
    members: tuple[str, ...]
    nominated: tuple[date, date] | None = None


@dataclass(frozen=True)
class CoOffendingNetwork:
    """Ties between people recorded in the same crimes, and on the same organised
    crime group's nominal list, as the actor may see them.

    Attributes:
        edges: Co-offending ties (dated by their crime) and same-group ties
            (undated), people named by :func:`person_key`.
        offences: Offences with a crime reference read.
        pseudonymised: Whether people are named by pseudonym.
        nominations: OCG nominations read.
        groups: The groups of those nominations, largest first.
        person_ids: Record ids of the people tied to someone, for the audit log of
            an export (never shown).
    """

    edges: tuple[Edge, ...]
    offences: int
    pseudonymised: bool
    nominations: int = 0
    groups: tuple[OcgGroup, ...] = ()
    person_ids: tuple[int, ...] = ()


def read_co_offending_network(
    actor: Actor,
    *,
    purpose: str = "",
    periods: Sequence[Period] = (),
    with_groups: bool = True,
) -> CoOffendingNetwork:
    """The co-offending ties among the offences the actor may see, and the ties of
    the OCG nominal lists they may see, every record read logged.

    Only offences with a crime reference can tie people; those are the ones read
    (only those committed in one of ``periods``, when given). Nominal lists have no
    period: the list as held now is read whatever the periods.
    """
    offences = offences_visible_to(actor).exclude(crime_reference="")
    if periods:
        in_any = Q()
        for period in periods:
            in_any |= Q(committed_on__range=(period.start, period.end))
        offences = offences.filter(in_any)
    rows = list(
        offences.order_by("id").values_list(
            "id", "agency_id", "crime_reference", "person_id", "committed_on"
        )
    )
    nominations = (
        list(
            ocg_nominations_visible_to(actor)
            .order_by("id")
            .values_list(
                "id",
                "agency_id",
                "ocg_reference",
                "ocg_name",
                "person_id",
                "nominated_on",
            )
        )
        if with_groups
        else []
    )
    detail = {"purpose": purpose} if purpose else {}
    record_consultations(
        actor,
        [
            (OFFENCE_EVENT, [(OFFENCE, r[0], r[3]) for r in rows], detail),
            (
                OCG_EVENT,
                [(OCG_NOMINATION, n[0], n[4]) for n in nominations],
                detail,
            ),
        ],
    )
    key = person_key(actor)
    # Each group's nominals and the day each was nominated or last reviewed.
    members: dict[tuple[int, str], dict[int, date | None]] = defaultdict(dict)
    names: dict[tuple[int, str], str] = {}
    for _, agency_id, reference, name, person_id, on in nominations:
        members[(agency_id, reference)][person_id] = on
        names[(agency_id, reference)] = f"{reference}: {name}"

    def span(days: dict[int, date | None]) -> tuple[date, date] | None:
        known = [d for d in days.values() if d is not None]
        return (min(known), max(known)) if known else None

    order = sorted(members, key=lambda g: (-len(members[g]), names[g]))
    hidden = pseudonymised(actor)
    groups = tuple(
        OcgGroup(
            f"OCG {n}" if hidden else names[g],
            tuple(sorted(key(p) for p in members[g])),
            span(members[g]),
        )
        for n, g in enumerate(order, start=1)
    )
    edges = co_offending_edges((r[1:] for r in rows), key) + same_group_edges(
        members.values(), key
    )
    # The people tied to someone (those an export discloses), by record id.
    by_id = co_offending_edges((r[1:] for r in rows), str) + same_group_edges(
        members.values(), str
    )
    people = sorted({int(x) for e in by_id for x in (e.source, e.target)})
    return CoOffendingNetwork(
        tuple(edges), len(rows), hidden, len(nominations), groups, tuple(people)
    )
