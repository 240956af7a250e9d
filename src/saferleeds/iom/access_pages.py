"""The IOM pages as reads: each page's records the actor may see, already shaped.

One reader per page: :func:`read_iom_home` (the cohort, the candidates, the meetings,
the cohort's re-offending against the rest), :func:`read_iom_member`,
:func:`read_iom_meeting`, :func:`read_offender_page` and the adoption form's
:func:`read_candidate`. Each reads through the gate (``iom.access``,
``offending.access``), and logs what it shows as consulted in one write.

IOM records are opened by practitioners and case coordinators only (their declared
``opening_roles``): the IOM readers refuse anyone else with ``Forbidden`` before
reading. The offender page is for every identified role that may see offences (an IOM
section only for those who open IOM records); pseudonymised actors address people by
pseudonym only and get the same not-found as for a missing person.

Candidates are scored on the offences the actor may see (``analytics.iom_selection``);
the offences of the people a page lists are logged as consulted under
``iom.candidates``. People in the cohort already are never candidates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Max
from django.utils import timezone

from saferleeds.analytics.iom_selection import (
    OffenceFact,
    ScoreParts,
    SelectionParameters,
    gravity_weight,
    load_gravity_weights,
    selection_scores,
)
from saferleeds.analytics.reoffending import (
    GroupComparison,
    Outcome,
    Quarter,
    cohort_outcomes,
)
from saferleeds.audit.log import record_consultations
from saferleeds.iom.access import (
    iom_decisions_visible_to,
    iom_interventions_visible_to,
    iom_members_visible_to,
    iom_pathway_needs_visible_to,
)
from saferleeds.iom.models import (
    IomDecision,
    IomIntervention,
    IomMeeting,
    IomMember,
    Pathway,
    PathwayNeed,
)

# The network page's reads live in saferleeds.iom.network, re-exported here: the one
# module the IOM views read pages through.
from saferleeds.iom.network import (
    NetworkNode,
    NetworkPage,
    read_network_export,
    read_network_graphml,
    read_network_page,
)
from saferleeds.iom.queries import iom_reoffending_comparison, selection_parameters
from saferleeds.iom.records import (
    IOM_DECISION,
    IOM_INTERVENTION,
    IOM_MEMBER,
    IOM_PATHWAY_NEED,
)
from saferleeds.offending.access import disposals_visible_to, offences_visible_to
from saferleeds.offending.models import Disposal, Offence
from saferleeds.offending.records import DISPOSAL, OFFENCE
from saferleeds.offending.tables import index_table, offence_table
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import (
    Actor,
    NotFound,
    may_change,
    may_open,
    may_see_personal_data,
    pseudonymised,
    require_open,
)
from saferleeds.people.models import Person

__all__ = [
    "CandidateRow",
    "IomHome",
    "MeetingPage",
    "MemberPage",
    "MemberRow",
    "NetworkNode",
    "NetworkPage",
    "OffenderPage",
    "read_api_iom_members",
    "read_candidate",
    "read_iom_home",
    "read_iom_meeting",
    "read_iom_member",
    "read_network_export",
    "read_network_graphml",
    "read_network_page",
    "read_offender_page",
]

HOME_EVENT = "iom.home"
CANDIDATES_EVENT = "iom.candidates"
MEMBER_EVENT = "iom.member.view"
MEETING_EVENT = "iom.meeting.view"
OFFENDER_EVENT = "iom.offender.view"

CANDIDATES_SHOWN = 25

Audited = list[tuple[str, object, int | None]]


def _name(person: Person) -> str:
    return f"{person.given_name} {person.family_name}".strip()


def _opener(actor: Actor) -> None:
    """Refuse a role that never opens IOM records, and pseudonymised actors."""
    require_open(actor, IOM_MEMBER)


def _offence_facts(actor: Actor, people: set[int] | None = None) -> list[Any]:
    """``(id, person_id, committed_on, offence_code)`` of the offences the actor may
    see that people are recorded as the offender of (of ``people``, when given)."""
    rows = offences_visible_to(actor).filter(role=Offence.Role.OFFENDER)
    if people is not None:
        rows = rows.filter(person_id__in=sorted(people))
    return list(
        rows.order_by("id").values_list(
            "id", "person_id", "committed_on", "offence_code"
        )
    )


def _scoring_day(actor: Actor, today: date | None) -> date:
    """The day scores are worked out on: today, or the latest offence the actor may
    see when the offending data end earlier (a workspace holding an old extract, the
    demo's), so recency is measured from the end of the data, not from a gap."""
    day = today or timezone.localdate()
    latest = offences_visible_to(actor).aggregate(last=Max("committed_on"))["last"]
    return min(day, latest) if latest is not None else day


def _scores(
    rows: list[Any], on: date, parameters: SelectionParameters
) -> dict[int, ScoreParts]:
    facts = [OffenceFact(str(r[1]), r[2], r[3]) for r in rows]
    return {
        int(s.person): s for s in selection_scores(facts, on=on, parameters=parameters)
    }


def _offences_of(rows: list[Any], people: set[int]) -> Audited:
    return [(OFFENCE, r[0], r[1]) for r in rows if r[1] in people]


# --- The IOM home page ------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    """A member of the cohort, as the home and meeting pages list them."""

    member: IomMember
    name: str
    score: ScoreParts | None
    last_decision: date | None


@dataclass(frozen=True)
class CandidateRow:
    """A person not in the cohort whose selection score reaches the threshold."""

    person_id: int
    name: str
    score: ScoreParts


@dataclass(frozen=True)
class IomHome:
    """The IOM home page.

    Attributes:
        members: The active members the actor may see, by cohort then name.
        candidates: The highest-scoring people not in the cohort, at or above the
            threshold (at most :data:`CANDIDATES_SHOWN`).
        candidates_total: How many reach the threshold.
        next_meeting: The earliest cohort review scheduled and not yet held.
        held: The latest meetings held.
        comparison: The cohort's proven re-offending against the rest's (aggregates).
        parameters: The selection score's parameters.
        today: The day of scoring (today, or the end of the offending data).
    """

    members: tuple[MemberRow, ...]
    candidates: tuple[CandidateRow, ...]
    candidates_total: int
    next_meeting: IomMeeting | None
    held: tuple[IomMeeting, ...]
    comparison: GroupComparison | None
    parameters: SelectionParameters
    today: date


def _active_rows(actor: Actor, scores: dict[int, ScoreParts]) -> list[MemberRow]:
    members = list(
        iom_members_visible_to(actor)
        .filter(status=IomMember.Status.ACTIVE)
        .select_related("person", "agency")
    )
    last: dict[int, date] = {}
    for member_id, decided_on in (
        iom_decisions_visible_to(actor)
        .filter(member__in=[m.pk for m in members])
        .order_by("decided_on")
        .values_list("member_id", "decided_on")
    ):
        last[member_id] = decided_on
    out = [
        MemberRow(m, _name(m.person), scores.get(m.person_id), last.get(m.pk))
        for m in members
    ]
    order = {"fixed": 0, "flex": 1, "free": 2}
    out.sort(key=lambda r: (order.get(r.member.cohort, 3), r.name))
    return out


def read_iom_home(
    actor: Actor,
    *,
    today: date | None = None,
    candidates_shown: int = CANDIDATES_SHOWN,
    with_members: bool = True,
) -> IomHome:
    """The IOM home page as the actor may see it; logs the members shown
    (``iom.home``) and the offences of the people listed (``iom.candidates``).

    Args:
        actor: Who reads.
        today: The day of scoring (default: today, or the end of the offending data).
        candidates_shown: How many of the highest-scoring candidates to list (and
            log); ``saferleeds iom candidates --limit`` and ``iom cohort`` (0).
        with_members: Whether the cohort's members are read (and logged) too;
            ``saferleeds iom candidates`` lists candidates only.

    Raises:
        Forbidden: The actor's roles never open IOM records.
    """
    _opener(actor)
    day = _scoring_day(actor, today)
    parameters = selection_parameters()
    rows = _offence_facts(actor)
    scores = _scores(rows, day, parameters)
    members = _active_rows(actor, scores) if with_members else []
    in_cohort = set(
        IomMember.objects.filter(status=IomMember.Status.ACTIVE).values_list(
            "person_id", flat=True
        )
    )
    eligible = [
        s
        for pid, s in scores.items()
        if pid not in in_cohort and s.score >= parameters.candidate_threshold
    ]
    eligible.sort(key=lambda s: (-s.score, int(s.person)))
    shown = eligible[: max(candidates_shown, 0)]
    names = Person.objects.in_bulk([int(s.person) for s in shown])
    candidates = [
        CandidateRow(int(s.person), _name(names[int(s.person)]), s) for s in shown
    ]
    listed = {c.person_id for c in candidates} | {r.member.person_id for r in members}
    record_consultations(
        actor,
        [
            (
                HOME_EVENT,
                [(IOM_MEMBER, r.member.pk, r.member.person_id) for r in members],
                {},
            ),
            (CANDIDATES_EVENT, _offences_of(rows, listed), {}),
        ],
    )
    upcoming = (
        IomMeeting.objects.filter(status=IomMeeting.Status.SCHEDULED)
        .order_by("held_on", "id")
        .first()
    )
    held = IomMeeting.objects.filter(status=IomMeeting.Status.HELD).order_by(
        "-held_on", "-id"
    )[:5]
    return IomHome(
        members=tuple(members),
        candidates=tuple(candidates),
        candidates_total=len(eligible),
        next_meeting=upcoming,
        held=tuple(held),
        comparison=iom_reoffending_comparison(),
        parameters=parameters,
        today=day,
    )


def read_candidate(
    actor: Actor, person_id: int, *, today: date | None = None
) -> CandidateRow:
    """One person's score for the adoption form, their offences logged.

    Raises:
        Forbidden: The actor's roles never open IOM records.
        NotFound: The actor may see no offence of the person.
    """
    _opener(actor)
    day = _scoring_day(actor, today)
    rows = _offence_facts(actor, {person_id})
    score = _scores(rows, day, selection_parameters()).get(person_id)
    if score is None:
        raise NotFound(f"no offender {person_id}")
    record_consultations(
        actor, [(CANDIDATES_EVENT, _offences_of(rows, {person_id}), {})]
    )
    person = Person.objects.get(pk=person_id)
    return CandidateRow(person_id, _name(person), score)


# --- A member ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberPage:
    """A member's page: the membership, its decisions, needs and interventions."""

    member: IomMember
    name: str
    score: ScoreParts | None
    decisions: tuple[IomDecision, ...]
    needs: tuple[tuple[str, PathwayNeed | None], ...]  # (pathway label, latest need)
    interventions: tuple[IomIntervention, ...]
    may_change: bool
    meetings: tuple[IomMeeting, ...]
    agencies: tuple[Agency, ...]
    parameters: SelectionParameters
    today: date


def read_iom_member(
    actor: Actor, member_id: int, *, today: date | None = None
) -> MemberPage:
    """A member's page; logs the membership, decisions, needs, interventions and
    offences shown (``iom.member.view``).

    Raises:
        Forbidden: The actor's roles never open IOM records.
        NotFound: The membership is missing or not visible.
    """
    _opener(actor)
    day = _scoring_day(actor, today)
    member = (
        iom_members_visible_to(actor)
        .select_related("person", "agency")
        .filter(pk=member_id)
        .first()
    )
    if member is None:
        raise NotFound(f"no IOM member {member_id}")
    decisions = list(
        iom_decisions_visible_to(actor)
        .filter(member=member)
        .select_related("agency", "meeting", "decided_by")
    )
    needs = list(
        iom_pathway_needs_visible_to(actor)
        .filter(member=member)
        .select_related("agency")
        .order_by("-assessed_on", "-id")
    )
    latest: dict[str, PathwayNeed] = {}
    for n in needs:
        latest.setdefault(n.pathway, n)
    interventions = list(
        iom_interventions_visible_to(actor)
        .filter(member=member)
        .select_related("agency", "owner_agency")
    )
    rows = _offence_facts(actor, {member.person_id})
    person = member.person_id
    record_consultations(
        actor,
        [
            (
                MEMBER_EVENT,
                [(IOM_MEMBER, member.pk, person)]
                + [(IOM_DECISION, d.pk, person) for d in decisions]
                + [(IOM_PATHWAY_NEED, n.pk, person) for n in latest.values()]
                + [(IOM_INTERVENTION, i.pk, person) for i in interventions]
                + _offences_of(rows, {person}),
                {},
            )
        ],
    )
    return MemberPage(
        member=member,
        name=_name(member.person),
        score=_scores(rows, day, selection_parameters()).get(person),
        decisions=tuple(decisions),
        needs=tuple((label, latest.get(value)) for value, label in Pathway.choices),
        interventions=tuple(interventions),
        may_change=may_change(actor, {member.agency_id}),
        meetings=tuple(IomMeeting.objects.order_by("-held_on", "-id")[:12]),
        agencies=tuple(Agency.objects.order_by("name")),
        parameters=selection_parameters(),
        today=day,
    )


# --- A meeting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingPage:
    """A cohort review: the decisions taken at it, and the members still to review."""

    meeting: IomMeeting
    decisions: tuple[tuple[IomDecision, str], ...]  # (decision, member's name)
    to_review: tuple[MemberRow, ...]
    today: date


def read_iom_meeting(actor: Actor, meeting_id: int) -> MeetingPage:
    """A cohort review meeting with its decisions and the members not yet reviewed at
    it, as the actor may see them; logs each (``iom.meeting.view``).

    Raises:
        Forbidden: The actor's roles never open IOM records.
        NotFound: No such meeting.
    """
    _opener(actor)
    meeting = IomMeeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(f"no IOM meeting {meeting_id}")
    decisions = list(
        iom_decisions_visible_to(actor)
        .filter(meeting=meeting)
        .select_related("member__person", "agency")
        .order_by("id")
    )
    reviewed = {d.member_id for d in decisions}
    day = _scoring_day(actor, None)
    rows = _offence_facts(actor)
    scores = _scores(rows, day, selection_parameters())
    to_review = [r for r in _active_rows(actor, scores) if r.member.pk not in reviewed]
    listed = {r.member.person_id for r in to_review}
    record_consultations(
        actor,
        [
            (
                MEETING_EVENT,
                [(IOM_DECISION, d.pk, d.member.person_id) for d in decisions]
                + [(IOM_MEMBER, r.member.pk, r.member.person_id) for r in to_review],
                {},
            ),
            (CANDIDATES_EVENT, _offences_of(rows, listed), {}),
        ],
    )
    return MeetingPage(
        meeting=meeting,
        decisions=tuple((d, _name(d.member.person)) for d in decisions),
        to_review=tuple(to_review),
        today=day,
    )


# --- The offender page -------------------------------------------------------------------


@dataclass(frozen=True)
class OffenceRow:
    """One offence with its severity weight (``None``: the code has none)."""

    offence: Offence
    weight: float | None


@dataclass(frozen=True)
class OffenderPage:
    """One person's offending: offences with their harm, disposals, re-offending
    status, score history and, for IOM roles, the cohort history and pathways.

    Attributes:
        person: The person.
        name: Their name.
        offences: Their offences the actor may see, oldest first.
        harm_by_year: ``(year, offences, summed severity weight)``.
        disposals: Their disposals the actor may see.
        reoffending: The latest index event's outcome (``None``: no index event).
        reoffending_complete: Whether its waiting period has passed.
        score: The selection score today.
        score_history: ``(quarter end, score)`` over the last two years.
        iom: Whether the actor opens IOM records (the sections below are shown).
        memberships: Their cohort memberships, newest first.
        decisions: Their cohort decisions, newest first.
        needs: Their latest need on each pathway.
        interventions: Their interventions.
    """

    person: Person
    name: str
    offences: tuple[OffenceRow, ...]
    harm_by_year: tuple[tuple[int, int, float], ...]
    disposals: tuple[Disposal, ...]
    reoffending: Outcome | None
    reoffending_complete: bool
    score: ScoreParts | None
    score_history: tuple[tuple[date, float], ...]
    iom: bool
    memberships: tuple[IomMember, ...]
    decisions: tuple[IomDecision, ...]
    needs: tuple[tuple[str, PathwayNeed | None], ...]
    interventions: tuple[IomIntervention, ...]
    parameters: SelectionParameters
    today: date


def may_use_iom(actor: Actor) -> bool:
    """Whether the actor's roles open IOM records at all: the pages' guard and the
    menu's rule (:mod:`saferleeds.iom.hooks`)."""
    return may_open(actor, IOM_MEMBER)


def offender_page_shown(actor: Actor) -> bool:
    """Whether the actor's roles may use offender pages (identified personal data)."""
    return may_see_personal_data(actor) and not pseudonymised(actor)


def _quarter_ends(day: date, n: int) -> list[date]:
    q = Quarter(day.year, (day.month - 1) // 3 + 1)
    ends: list[date] = []
    for _ in range(n):
        q = Quarter(q.year - 1, 4) if q.number == 1 else Quarter(q.year, q.number - 1)
        ends.append(q.end)
    return sorted(ends)


def _reoffending(disposals: list[Disposal], offences: list[Offence]) -> Outcome | None:
    if not disposals:
        return None
    latest = max(disposals, key=lambda d: (d.disposed_on, d.pk))
    day = latest.disposed_on
    quarter = Quarter(day.year, (day.month - 1) // 3 + 1)
    index = index_table(
        ((d.person_id, d.disposed_on, d.disposal_type) for d in disposals), str
    )
    proven = offence_table(
        (
            (o.person_id, o.committed_on, o.proven_on, o.disposal_type)
            for o in offences
            if o.role == Offence.Role.OFFENDER
        ),
        str,
    )
    found = cohort_outcomes(index, proven, quarter)
    return found[0] if found else None


def read_offender_page(
    actor: Actor, person_id: int, *, today: date | None = None
) -> OffenderPage:
    """One person's offender page; logs every offence, disposal and IOM record shown
    (``iom.offender.view``).

    Raises:
        NotFound: The actor may see no offence, disposal or IOM membership of the
            person, or is pseudonymised (people are addressed by pseudonym then).
    """
    if not offender_page_shown(actor):
        raise NotFound(f"no offender {person_id}")
    day = _scoring_day(actor, today)
    offences = list(
        offences_visible_to(actor)
        .filter(person_id=person_id)
        .select_related("agency")
        .order_by("committed_on", "id")
    )
    disposals = list(
        disposals_visible_to(actor)
        .filter(person_id=person_id)
        .select_related("agency")
        .order_by("disposed_on", "id")
    )
    iom = may_open(actor, IOM_MEMBER)
    memberships: list[IomMember] = []
    decisions: list[IomDecision] = []
    needs: list[PathwayNeed] = []
    interventions: list[IomIntervention] = []
    if iom:
        memberships = list(
            iom_members_visible_to(actor)
            .filter(person_id=person_id)
            .select_related("agency")
        )
        decisions = list(
            iom_decisions_visible_to(actor)
            .filter(member__person_id=person_id)
            .select_related("agency", "meeting")
        )
        needs = list(
            iom_pathway_needs_visible_to(actor)
            .filter(member__person_id=person_id)
            .select_related("agency")
            .order_by("-assessed_on", "-id")
        )
        interventions = list(
            iom_interventions_visible_to(actor)
            .filter(member__person_id=person_id)
            .select_related("owner_agency")
        )
    if not (offences or disposals or memberships):
        raise NotFound(f"no offender {person_id}")
    person = Person.objects.get(pk=person_id)
    latest: dict[str, PathwayNeed] = {}
    for n in needs:
        latest.setdefault(n.pathway, n)
    record_consultations(
        actor,
        [
            (
                OFFENDER_EVENT,
                [(OFFENCE, o.pk, person_id) for o in offences]
                + [(DISPOSAL, d.pk, person_id) for d in disposals]
                + [(IOM_MEMBER, m.pk, person_id) for m in memberships]
                + [(IOM_DECISION, d.pk, person_id) for d in decisions]
                + [(IOM_PATHWAY_NEED, n.pk, person_id) for n in latest.values()]
                + [(IOM_INTERVENTION, i.pk, person_id) for i in interventions],
                {},
            )
        ],
    )
    weights = load_gravity_weights()
    rows = [OffenceRow(o, gravity_weight(o.offence_code, weights)) for o in offences]
    by_year: dict[int, list[float]] = defaultdict(list)
    for r in rows:
        by_year[r.offence.committed_on.year].append(r.weight or 0.0)
    parameters = selection_parameters()
    facts = [
        OffenceFact(str(person_id), o.committed_on, o.offence_code)
        for o in offences
        if o.role == Offence.Role.OFFENDER
    ]
    history: list[tuple[date, float]] = []
    for end in _quarter_ends(day, 8):
        scored = selection_scores(facts, on=end, parameters=parameters)
        history.append((end, scored[0].score if scored else 0.0))
    now = selection_scores(facts, on=day, parameters=parameters)
    outcome = _reoffending(disposals, offences)
    return OffenderPage(
        person=person,
        name=_name(person),
        offences=tuple(rows),
        harm_by_year=tuple(
            (year, len(ws), sum(ws)) for year, ws in sorted(by_year.items())
        ),
        disposals=tuple(disposals),
        reoffending=outcome,
        reoffending_complete=outcome is not None
        and outcome.waiting_end < (today or timezone.localdate()),
        score=now[0] if now else None,
        score_history=tuple(history),
        iom=iom,
        memberships=tuple(memberships),
        decisions=tuple(decisions),
        needs=tuple((label, latest.get(value)) for value, label in Pathway.choices),
        interventions=tuple(interventions),
        parameters=parameters,
        today=day,
    )


# --- The API's list ----------------------------------------------------------------------

API_EVENT = "iom.member.list"


def read_api_iom_members(
    actor: Actor, *, status: str = "", offset: int = 0, limit: int = 50
) -> tuple[IomMember, ...]:
    """A page of the cohort memberships the actor may see, newest first, each logged
    (``iom.member.list``); reasons are the API serializer's to withhold.

    Raises:
        Forbidden: The actor's roles never open IOM records.
    """
    _opener(actor)
    qs = iom_members_visible_to(actor).select_related("agency")
    if status:
        qs = qs.filter(status=status)
    members = tuple(qs.order_by("-adopted_on", "-id")[offset : offset + limit])
    record_consultations(
        actor,
        [(API_EVENT, [(IOM_MEMBER, m.pk, m.person_id) for m in members], {})],
    )
    return members
