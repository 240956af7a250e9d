"""Offending data as an actor may read it: extracts for the offender analytics.

:func:`read_reoffending_extract` (offences and disposals as the re-offending tables)
and :func:`read_co_offending_network` (the ties between people of the same crimes)
read through the gate (:func:`~saferleeds.offending.access.offences_visible_to`,
:func:`~saferleeds.offending.access.disposals_visible_to`): an agency's user gets
their own agency's records and those shared with it under an agreement in force.
People are named by pseudonym for a pseudonymised actor (an analyst) and by record id
for everyone else. Every record read is logged as consulted, in one write, under
``offending.offence.extract`` / ``offending.disposal.extract``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from saferleeds.analytics.networks import Edge
from saferleeds.audit.log import record_consultations
from saferleeds.offending.access import disposals_visible_to, offences_visible_to
from saferleeds.offending.models import Offence
from saferleeds.offending.records import DISPOSAL, OFFENCE
from saferleeds.offending.tables import co_offending_edges, index_table, offence_table
from saferleeds.partners.policy import Actor, pseudonymised
from saferleeds.people.present import pseudonym

__all__ = [
    "CoOffendingNetwork",
    "ReoffendingExtract",
    "person_key",
    "read_co_offending_network",
    "read_reoffending_extract",
]

OFFENCE_EVENT = "offending.offence.extract"
DISPOSAL_EVENT = "offending.disposal.extract"


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
class CoOffendingNetwork:
    """Ties between people recorded in the same crimes, as the actor may see them."""

    edges: tuple[Edge, ...]
    offences: int
    pseudonymised: bool


def read_co_offending_network(actor: Actor, *, purpose: str = "") -> CoOffendingNetwork:
    """The co-offending ties among the offences the actor may see, every one logged.

    Only offences with a crime reference can tie people; those are the ones read.
    """
    rows = list(
        offences_visible_to(actor)
        .exclude(crime_reference="")
        .order_by("id")
        .values_list("id", "agency_id", "crime_reference", "person_id")
    )
    detail = {"purpose": purpose} if purpose else {}
    record_consultations(
        actor, [(OFFENCE_EVENT, [(OFFENCE, r[0], r[3]) for r in rows], detail)]
    )
    edges = co_offending_edges((r[1:] for r in rows), person_key(actor))
    return CoOffendingNetwork(tuple(edges), len(rows), pseudonymised(actor))
