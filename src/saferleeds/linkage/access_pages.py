"""Record linkage's pages as reads: the review queue, one pair side by side, and how a
person was linked, each showing only agency records the actor may see.

A pair is shown only when the actor may see *both* of its records through the gate
(:func:`~saferleeds.linkage.access.agency_records_visible_to`): a record never becomes
visible because it was linked or scored against one the actor holds. Each reader logs
the records it returns in one write. Reviewing compares identities, so only
practitioners and case coordinators review (analysts see pseudonyms, and other roles
no personal data): anyone else is refused outright (``Forbidden``, a 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa
from django.utils import timezone

from saferleeds.analytics.linkage.extract import Event, pseudonymised_extract
from saferleeds.analytics.linkage.pseudonym import PseudonymKey
from saferleeds.audit.log import record_consultations, record_many
from saferleeds.audit.models import Operation
from saferleeds.core.registry import PersonRole
from saferleeds.linkage.access import agency_records_visible_to
from saferleeds.linkage.models import AgencyRecord, LinkDecision, LinkPair
from saferleeds.linkage.records import AGENCY_RECORD
from saferleeds.partners.access import NOT_FOUND_DETAIL, refuse
from saferleeds.partners.models import RecordType, Role
from saferleeds.partners.policy import CASEWORK_ROLES, Actor, Forbidden, pseudonymised
from saferleeds.people.access import open_person_by_id
from saferleeds.people.models import Person, SubjectRole

__all__ = [
    "PairPage",
    "PairRow",
    "PersonLinks",
    "RecordLink",
    "RecordView",
    "ReviewQueue",
    "may_review_links",
    "person_linkage_roles",
    "read_analytical_extract",
    "read_person_links",
    "read_review_pair",
    "read_review_queue",
]

# Who makes the analytical extract: as who runs linkage (``actions.RUN_ROLES``).
EXTRACT_ROLES = frozenset({Role.SYSTEM_ADMIN})
PERSON_KIND = RecordType.PERSON
QUEUE_EVENT = "linkage.review.list"
PAIR_EVENT = "linkage.review.view"
QUEUE_LIMIT = 100
NOT_A_REVIEWER = (
    "Reviewing links compares people's identities: it is for practitioners and case "
    "coordinators. Ask your agency administrator if you need it for your work."
)


@dataclass(frozen=True)
class RecordView:
    """One agency record as the review pages show it."""

    id: int
    agency: str
    reference: str
    forename: str
    surname: str
    date_of_birth: date | None
    sex: str
    postcode: str
    address: str
    identifier: str
    person_id: int | None


@dataclass(frozen=True)
class PairRow:
    """One pair in the queue."""

    id: int
    left: RecordView
    right: RecordView
    match_probability: float
    match_weight: float
    status: str


@dataclass(frozen=True)
class ReviewQueue:
    """The pairs awaiting review that the actor may see both records of."""

    rows: tuple[PairRow, ...]
    limit: int

    @property
    def truncated(self) -> bool:
        """Whether there may be more pairs than were returned."""
        return len(self.rows) >= self.limit


@dataclass(frozen=True)
class Evidence:
    """One comparison's contribution to the match weight (a step of the waterfall)."""

    comparison: str
    level: str
    value_l: str
    value_r: str
    match_weight: float


@dataclass(frozen=True)
class PastDecision:
    """An earlier or current decision on the pair."""

    verdict: str
    reason: str
    decided_at: Any
    current: bool


@dataclass(frozen=True)
class PairPage:
    """One pair side by side with the model's evidence and the decisions made."""

    row: PairRow
    evidence: tuple[Evidence, ...]
    decisions: tuple[PastDecision, ...]
    same_person: bool


def _evidence(pair: LinkPair) -> tuple[Evidence, ...]:
    """The pair's stored waterfall (empty until a run has explained it)."""
    contributions = (
        pair.explanation.get("contributions", []) if pair.explanation else []
    )
    return tuple(
        Evidence(
            comparison=str(c.get("comparison", "")),
            level=str(c.get("level", "")),
            value_l=str(c.get("value_l", "")),
            value_r=str(c.get("value_r", "")),
            match_weight=float(c.get("match_weight", 0.0)),
        )
        for c in contributions
    )


def may_review_links(actor: Actor) -> bool:
    """Whether the actor reviews record linkage (practitioners and case coordinators):
    the review pages' guard and their menu item's rule (``linkage.hooks``)."""
    return actor.has(CASEWORK_ROLES)


def _may_review(actor: Actor) -> None:
    if not may_review_links(actor):
        raise Forbidden(NOT_A_REVIEWER)


def _view(r: AgencyRecord) -> RecordView:
    return RecordView(
        id=r.pk,
        agency=r.agency.name,
        reference=r.reference,
        forename=r.forename,
        surname=r.surname,
        date_of_birth=r.date_of_birth,
        sex=Person.Sex(r.sex).label if r.sex in Person.Sex.values else r.sex,
        postcode=r.postcode,
        address=r.address,
        identifier=r.identifier,
        person_id=r.person_id,
    )


def _row(pair: LinkPair, records: dict[int, AgencyRecord]) -> PairRow:
    return PairRow(
        id=pair.pk,
        left=_view(records[pair.record_l_id]),
        right=_view(records[pair.record_r_id]),
        match_probability=pair.match_probability,
        match_weight=pair.match_weight,
        status=LinkPair.Status(pair.status).label,
    )


def _audited(rows: tuple[PairRow, ...]) -> list[tuple[str, object, int | None]]:
    return [
        (AGENCY_RECORD, view.id, view.person_id)
        for row in rows
        for view in (row.left, row.right)
    ]


def read_review_queue(actor: Actor, *, limit: int = QUEUE_LIMIT) -> ReviewQueue:
    """The pairs awaiting review whose two records the actor may both see, most
    uncertain first, each record logged (``linkage.review.list``).

    Raises:
        Forbidden: The actor's roles do not review links.
    """
    _may_review(actor)
    visible = agency_records_visible_to(actor).values("pk")
    pairs = list(
        LinkPair.objects.filter(
            status=LinkPair.Status.PENDING,
            record_l__in=visible,
            record_r__in=visible,
        )
    )
    pairs.sort(key=lambda p: (abs(p.match_probability - 0.5), p.pk))
    pairs = pairs[:limit]
    ids = {i for p in pairs for i in (p.record_l_id, p.record_r_id)}
    records = {
        r.pk: r
        for r in AgencyRecord.objects.filter(pk__in=ids).select_related("agency")
    }
    rows = tuple(_row(p, records) for p in pairs)
    record_consultations(actor, [(QUEUE_EVENT, _audited(rows), {})])
    return ReviewQueue(rows=rows, limit=limit)


def read_review_pair(actor: Actor, pair_id: int) -> PairPage:
    """One pair side by side, with the evidence and the decisions on it, both records
    logged (``linkage.review.view``).

    Raises:
        Forbidden: The actor's roles do not review links.
        NotFound: The pair is missing, or either record is not visible (logged).
    """
    _may_review(actor)
    pair = LinkPair.objects.filter(pk=pair_id).first()
    ids = [pair.record_l_id, pair.record_r_id] if pair else []
    records = {
        r.pk: r
        for r in agency_records_visible_to(actor)
        .filter(pk__in=ids)
        .select_related("agency")
    }
    if pair is None or len(records) != 2:
        detail = None if pair else dict(NOT_FOUND_DETAIL)
        raise refuse(actor, "link_pair", pair_id, PAIR_EVENT, None, detail)
    row = _row(pair, records)
    record_consultations(actor, [(PAIR_EVENT, _audited((row,)), {"pair": pair.pk})])
    evidence = _evidence(pair)
    decisions = tuple(
        PastDecision(
            verdict=LinkDecision.Verdict(d.verdict).label,
            reason=d.reason,
            decided_at=d.decided_at,
            current=d.superseded_at is None,
        )
        for d in LinkDecision.objects.filter(
            record_a_id=pair.record_l_id, record_b_id=pair.record_r_id
        )
    )
    return PairPage(
        row=row,
        evidence=evidence,
        decisions=decisions,
        same_person=row.left.person_id is not None
        and row.left.person_id == row.right.person_id,
    )


def _person_links(
    actor: Actor, person_id: int
) -> list[tuple[AgencyRecord, LinkPair | None, AgencyRecord | None]]:
    """The person's agency records the actor may see, each with its strongest link
    (not rejected) to another of them and that other record; links to records the
    actor may not see are never considered."""
    records = list(
        agency_records_visible_to(actor)
        .filter(person_id=person_id)
        .select_related("agency")
        .order_by("received_at", "pk")
    )
    ids = {r.pk for r in records}
    by_id = {r.pk: r for r in records}
    best: dict[int, LinkPair] = {}
    for pair in LinkPair.objects.filter(record_l__in=ids, record_r__in=ids).exclude(
        status=LinkPair.Status.REJECTED
    ):
        for rid in (pair.record_l_id, pair.record_r_id):
            held = best.get(rid)
            if held is None or pair.match_weight > held.match_weight:
                best[rid] = pair
    out: list[tuple[AgencyRecord, LinkPair | None, AgencyRecord | None]] = []
    for r in records:
        pair = best.get(r.pk)
        other = None
        if pair is not None:
            other = by_id[
                pair.record_r_id if pair.record_l_id == r.pk else pair.record_l_id
            ]
        out.append((r, pair, other))
    return out


def person_linkage_roles(
    actor: Actor, person_id: int, identified: bool
) -> tuple[list[PersonRole], list[tuple[str, int, int | None]]]:
    """The person page's "how this person was linked": the agency records of the
    person that the actor may see, each with the strongest link to another of them
    (match weight, and whether the model or a reviewer made it).

    Registered with ``core.registry.register_person_roles``; the people app logs the
    records returned. Links to records the actor may not see are never described.
    """
    links = _person_links(actor, person_id)
    rows = []
    for r, pair, other in links:
        if pair is None or other is None:
            detail = "Linked to this person (no other record of theirs you may see)."
        else:
            how = LinkPair.Status(pair.status).label.lower()
            named = f" {other.reference}" if identified else ""
            detail = (
                f"Linked to {other.agency.name}'s record{named} at match weight "
                f"{pair.match_weight:.1f} (probability {pair.match_probability:.3f}; "
                f"{how})."
            )
        rows.append(
            PersonRole(
                kind="agency_record",
                on=r.received_at.date(),
                title="Agency record",
                agency=r.agency.name,
                roles=("Linked record",),
                reference=r.reference if identified else None,
                detail=detail,
                status=None,
            )
        )
    return rows, [(AGENCY_RECORD, r.pk, person_id) for r, _, _ in links]


@dataclass(frozen=True)
class RecordLink:
    """One of a person's agency records and how it was linked to another of theirs.

    ``reference`` and ``other_reference`` are ``None`` for a pseudonymised actor;
    the link fields are ``None`` when no other record of theirs is visible.
    """

    record: int
    agency: str
    reference: str | None
    received_on: date
    other_record: int | None
    other_agency: str | None
    other_reference: str | None
    match_weight: float | None
    match_probability: float | None
    status: str | None
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class PersonLinks:
    """How a resolved person was linked, as the person page says (API twin)."""

    person: int
    links: tuple[RecordLink, ...]


LINKS_EVENT = "linkage.person.links"


def read_person_links(actor: Actor, person_id: int) -> PersonLinks:
    """How a resolved person's agency records (those the actor may see) were linked:
    each record's strongest link, its match weight and the evidence (the waterfall).

    The person is opened by id as the person page opens them (so a pseudonymised
    actor, who addresses people by pseudonym only, gets the not-found of a missing
    person); the person and each record shown are logged (``linkage.person.links``).

    Raises:
        NotFound: The person is missing or not visible (logged).
    """
    open_person_by_id(actor, person_id, event=LINKS_EVENT)
    identified = not pseudonymised(actor)
    links = _person_links(actor, person_id)
    out = []
    for r, pair, other in links:
        out.append(
            RecordLink(
                record=r.pk,
                agency=r.agency.code,
                reference=r.reference if identified else None,
                received_on=r.received_at.date(),
                other_record=other.pk if other else None,
                other_agency=other.agency.code if other else None,
                other_reference=other.reference if other and identified else None,
                match_weight=pair.match_weight if pair else None,
                match_probability=pair.match_probability if pair else None,
                status=LinkPair.Status(pair.status).label if pair else None,
                evidence=_evidence(pair) if pair else (),
            )
        )
    record_consultations(
        actor,
        [(LINKS_EVENT, [(AGENCY_RECORD, r.pk, person_id) for r, _, _ in links], {})],
    )
    return PersonLinks(person=person_id, links=tuple(out))


EXTRACT_EVENT = "linkage.person.extract"
EXTRACT_RECIPIENT = "analytics store (pseudonymised extract)"


def read_analytical_extract(actor: Actor | None, key: PseudonymKey) -> pa.Table:
    """The pseudonymised analytical extract keyed by resolved person.

    For each resolved person (a person some agency record is linked to): one row per
    agency record (``record``, the agency and the month received) and one per
    incident naming them as its victim (``victim``, the recording agency and the
    month it happened), the person shown only as their pseudonym under ``key``
    (``analytics.linkage.extract``). Nothing else about anyone leaves: no name, date
    of birth, postcode, reference or record id. Each person disclosed is logged
    (``Operation.DISCLOSURE`` to the analytics store).

    Only the system or a system administrator makes it, as only they run linkage
    over every agency's records; it carries no identities.

    Raises:
        Forbidden: The actor may not make the extract.
    """
    if actor is not None and not actor.has(EXTRACT_ROLES):
        raise Forbidden("only the system or a system administrator makes the extract")
    resolved = AgencyRecord.objects.filter(person__isnull=False)
    events: list[Event] = [
        Event(person_id, "record", agency, timezone.localdate(received))
        for person_id, agency, received in resolved.values_list(
            "person_id", "agency__code", "received_at"
        )
    ]
    people = {e.person_id for e in events}
    # Incidents reached through the person (``incident_roles``), not by importing the
    # incidents app, which sits beside linkage in the layers.
    victims = (
        Person.objects.filter(pk__in=resolved.values("person_id"))
        .filter(incident_roles__role=SubjectRole.VICTIM)
        .values_list(
            "pk",
            "incident_roles__incident__owner_agency__code",
            "incident_roles__incident__occurred_on",
        )
    )
    events += [Event(pk, "victim", agency, on) for pk, agency, on in victims]
    table = pseudonymised_extract(events, key)
    record_many(
        actor,
        operation=Operation.DISCLOSURE,
        event=EXTRACT_EVENT,
        records=[(PERSON_KIND, pk, int(pk)) for pk in sorted(people, key=str)],
        recipient=EXTRACT_RECIPIENT,
        detail={"key_id": key.key_id, "rows": table.num_rows},
    )
    return table
