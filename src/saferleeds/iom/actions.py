"""The only way to change IOM records: meetings, cohort decisions, pathway needs and
interventions.

Every action checks who may do it, changes the records in one transaction and writes
its audit entry in that same transaction. Cohort work is casework: practitioners and
case coordinators only. A person is adopted by an actor who may see at least one of
their offences (the offending data are why they are selected); their agency becomes
the lead agency. Changes to a membership, its needs and interventions are made by
the lead agency's staff (``partners.policy.may_change``), or, for an intervention, by
the agency that owns it too.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from saferleeds.audit.log import atomic_action, record
from saferleeds.audit.models import Operation
from saferleeds.iom.access import access_iom_intervention_by_id, access_iom_member_by_id
from saferleeds.iom.models import (
    Cohort,
    IomDecision,
    IomIntervention,
    IomMeeting,
    IomMember,
    Pathway,
    PathwayNeed,
)
from saferleeds.iom.records import (
    IOM_DECISION,
    IOM_INTERVENTION,
    IOM_MEMBER,
    IOM_PATHWAY_NEED,
)
from saferleeds.offending.access import offences_visible_to
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import (
    CASEWORK_ROLES,
    Actor,
    Forbidden,
    NotFound,
    may_change,
)
from saferleeds.people.models import Person

__all__ = [
    "MEETING",
    "do_add_iom_intervention",
    "do_adopt_iom_member",
    "do_create_iom_meeting",
    "do_decide_iom_member",
    "do_mark_iom_meeting_held",
    "do_record_iom_pathway_need",
    "do_update_iom_intervention",
]

MEETING = "iom_meeting"
"""Audit record type for meetings (they hold no personal data, so no record kind)."""


def _require_casework(actor: Actor, what: str) -> None:
    if not actor.has(CASEWORK_ROLES) or actor.agency_id is None:
        raise Forbidden(f"only practitioners and case coordinators may {what}")


def _not_future(day: date, what: str) -> None:
    if day > timezone.localdate():
        raise ValueError(f"the {what} cannot be in the future")


def _reason(text: str) -> str:
    reason = text.strip()
    if not reason:
        raise ValueError("give the reason for the decision")
    return reason


def _meeting(meeting_id: int | None) -> IomMeeting | None:
    if meeting_id is None:
        return None
    meeting = IomMeeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise ValueError(f"no IOM cohort review meeting {meeting_id}")
    return meeting


def _member_for_change(actor: Actor, member_id: int, what: str) -> IomMember:
    member = access_iom_member_by_id(actor, member_id, audit=False)
    if not may_change(actor, {member.agency_id}):
        raise Forbidden(f"only the lead agency may {what}")
    # Lock the row so two decisions about one member cannot interleave.
    return IomMember.objects.select_for_update().get(pk=member.pk)


def _log(
    actor: Actor,
    operation: Operation,
    event: str,
    record_type: str,
    record_id: int,
    person_id: int,
    **detail: object,
) -> None:
    record(
        actor,
        operation=operation,
        event=event,
        record_type=record_type,
        record_id=record_id,
        subject_person_id=person_id,
        detail=detail or None,
    )


@transaction.atomic
def do_create_iom_meeting(
    *, actor: Actor, held_on: date, chair: str = "", venue: str = ""
) -> IomMeeting:
    """Schedule a cohort review meeting.

    Raises:
        Forbidden: The actor is not a practitioner or case coordinator.
    """
    _require_casework(actor, "schedule IOM cohort reviews")
    meeting = IomMeeting.objects.create(
        held_on=held_on, chair=chair.strip(), venue=venue.strip()
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="iom.meeting.create",
        record_type=MEETING,
        record_id=meeting.pk,
    )
    return meeting


@transaction.atomic
def do_mark_iom_meeting_held(meeting_id: int, *, actor: Actor) -> IomMeeting:
    """Mark a cohort review meeting as held.

    Raises:
        Forbidden: The actor is not a practitioner or case coordinator.
        NotFound: No such meeting.
    """
    _require_casework(actor, "run IOM cohort reviews")
    meeting = IomMeeting.objects.select_for_update().filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(f"no IOM meeting {meeting_id}")
    meeting.status = IomMeeting.Status.HELD
    meeting.save(update_fields=["status"])
    record(
        actor,
        operation=Operation.ALTERATION,
        event="iom.meeting.held",
        record_type=MEETING,
        record_id=meeting.pk,
    )
    return meeting


@atomic_action
def do_adopt_iom_member(
    person_id: int,
    *,
    actor: Actor,
    cohort: str,
    reason: str,
    decided_on: date,
    meeting_id: int | None = None,
    score: float | None = None,
) -> IomMember:
    """Adopt a person into the IOM cohort, the actor's agency leading.

    Args:
        person_id: The person.
        actor: Who decides (a practitioner or case coordinator).
        cohort: ``fixed``, ``flex`` or ``free``.
        reason: Why (kept, withheld from pseudonymised readers).
        decided_on: The day of the decision (not in the future).
        meeting_id: The cohort review meeting that decided, if any.
        score: The selection score shown when deciding, kept with the membership.

    Raises:
        Forbidden: The actor is not a practitioner or case coordinator.
        NotFound: The actor may see no offence of the person (or no such person).
        ValueError: An unknown cohort, no reason, a future date, a meeting that does
            not exist, or the person is in the cohort already.
    """
    _require_casework(actor, "adopt people into the IOM cohort")
    if not offences_visible_to(actor).filter(person_id=person_id).exists():
        raise NotFound(f"no offender {person_id}")
    Cohort(cohort)
    why = _reason(reason)
    _not_future(decided_on, "decision date")
    meeting = _meeting(meeting_id)
    person = Person.objects.select_for_update().get(pk=person_id)
    if IomMember.objects.filter(person=person, status=IomMember.Status.ACTIVE).exists():
        raise ValueError("this person is in the IOM cohort already")
    agency = Agency.objects.get(pk=actor.agency_id)
    member = IomMember.objects.create(
        person=person,
        agency=agency,
        cohort=cohort,
        adopted_on=decided_on,
        adopted_reason=why,
        score_at_adoption=score,
    )
    decision = IomDecision.objects.create(
        member=member,
        agency=agency,
        meeting=meeting,
        decision=IomDecision.Kind.ADOPT,
        cohort=cohort,
        reason=why,
        decided_on=decided_on,
        decided_by_id=actor.user_id,
    )
    _log(
        actor,
        Operation.COLLECTION,
        "iom.member.adopt",
        IOM_MEMBER,
        member.pk,
        person.pk,
        cohort=cohort,
        decision=decision.pk,
    )
    _log(
        actor, Operation.COLLECTION, "iom.decision.create", IOM_DECISION,
        decision.pk, person.pk,
    )  # fmt: skip
    return member


@atomic_action
def do_decide_iom_member(
    member_id: int,
    *,
    actor: Actor,
    decision: str,
    reason: str,
    decided_on: date,
    cohort: str | None = None,
    meeting_id: int | None = None,
) -> IomDecision:
    """Record a review decision about a member: retain, change cohort, or de-select.

    Args:
        member_id: The membership (active).
        actor: Who decides (staff of the lead agency).
        decision: ``retain``, ``change`` or ``deselect``.
        reason: Why.
        decided_on: The day of the decision (not in the future).
        cohort: The new cohort, for ``change`` (another than the current one).
        meeting_id: The cohort review meeting that decided, if any.

    Raises:
        NotFound: The membership is missing or not visible.
        Forbidden: The actor is not of the lead agency.
        ValueError: An unknown decision, a member de-selected already, no reason, a
            future date, or a change to no other cohort.
    """
    member = _member_for_change(actor, member_id, "decide about this member")
    kind = IomDecision.Kind(decision)
    if kind == IomDecision.Kind.ADOPT:
        raise ValueError("a member is adopted once; record retain, change or de-select")
    if member.status != IomMember.Status.ACTIVE:
        raise ValueError("this member was de-selected already")
    why = _reason(reason)
    _not_future(decided_on, "decision date")
    if decided_on < member.adopted_on:
        raise ValueError("the decision cannot be before the adoption")
    meeting = _meeting(meeting_id)
    new_cohort = member.cohort
    if kind == IomDecision.Kind.CHANGE:
        if cohort is None or Cohort(cohort) == member.cohort:
            raise ValueError("choose the cohort the member moves to")
        new_cohort = cohort
    changes: dict[str, object] = {"cohort": new_cohort}
    if kind == IomDecision.Kind.DESELECT:
        changes |= {
            "status": IomMember.Status.DESELECTED,
            "deselected_on": decided_on,
            "deselected_reason": why,
        }
    IomMember.objects.filter(pk=member.pk).update(**changes, version=F("version") + 1)
    made = IomDecision.objects.create(
        member=member,
        agency_id=actor.agency_id,
        meeting=meeting,
        decision=kind,
        cohort=new_cohort,
        reason=why,
        decided_on=decided_on,
        decided_by_id=actor.user_id,
    )
    _log(
        actor,
        Operation.ALTERATION,
        f"iom.member.{kind.value}",
        IOM_MEMBER,
        member.pk,
        member.person_id,
        cohort=new_cohort,
        decision=made.pk,
    )
    _log(
        actor, Operation.COLLECTION, "iom.decision.create", IOM_DECISION,
        made.pk, member.person_id,
    )  # fmt: skip
    return made


@atomic_action
def do_record_iom_pathway_need(
    member_id: int,
    *,
    actor: Actor,
    pathway: str,
    level: str,
    assessed_on: date,
    notes: str = "",
) -> PathwayNeed:
    """Record a member's assessed need on one of the seven pathways.

    Raises:
        NotFound: The membership is missing or not visible.
        Forbidden: The actor is not of the lead agency.
        ValueError: An unknown pathway or level, or a future date.
    """
    member = _member_for_change(actor, member_id, "assess this member's needs")
    Pathway(pathway)
    PathwayNeed.Level(level)
    _not_future(assessed_on, "assessment date")
    need = PathwayNeed.objects.create(
        member=member,
        agency_id=actor.agency_id,
        pathway=pathway,
        level=level,
        notes=notes.strip(),
        assessed_on=assessed_on,
        assessed_by_id=actor.user_id,
    )
    _log(
        actor, Operation.COLLECTION, "iom.pathway_need.create", IOM_PATHWAY_NEED,
        need.pk, member.person_id, pathway=pathway, level=level,
    )  # fmt: skip
    return need


@atomic_action
def do_add_iom_intervention(
    member_id: int,
    *,
    actor: Actor,
    pathway: str,
    description: str,
    owner_agency_id: int,
    started_on: date,
    status: str = IomIntervention.Status.PLANNED,
) -> IomIntervention:
    """Add an intervention on a pathway for a member, owned by a partner agency.

    Raises:
        NotFound: The membership is missing or not visible.
        Forbidden: The actor is not of the lead agency.
        ValueError: An unknown pathway, status or agency, no description, or a
            future start.
    """
    member = _member_for_change(actor, member_id, "add interventions for this member")
    Pathway(pathway)
    IomIntervention.Status(status)
    text = description.strip()
    if not text:
        raise ValueError("describe the intervention")
    _not_future(started_on, "start date")
    if not Agency.objects.filter(pk=owner_agency_id).exists():
        raise ValueError("choose the agency that delivers the intervention")
    intervention = IomIntervention.objects.create(
        member=member,
        agency_id=actor.agency_id,
        owner_agency_id=owner_agency_id,
        pathway=pathway,
        description=text[:300],
        status=status,
        started_on=started_on,
        recorded_by_id=actor.user_id,
    )
    _log(
        actor, Operation.COLLECTION, "iom.intervention.create", IOM_INTERVENTION,
        intervention.pk, member.person_id, pathway=pathway, status=status,
    )  # fmt: skip
    return intervention


@atomic_action
def do_update_iom_intervention(
    intervention_id: int,
    *,
    actor: Actor,
    status: str,
    outcome: str = "",
    ended_on: date | None = None,
) -> IomIntervention:
    """Change an intervention's status and record its outcome.

    Staff of the agency that recorded it or of the agency that delivers it may.
    An ended status (completed, not engaged, withdrawn) needs its end date.

    Raises:
        NotFound: The intervention is missing or not visible.
        Forbidden: The actor is of neither agency.
        ValueError: An unknown status, an ended one with no end date, or a future
            or too early end date.
    """
    seen = access_iom_intervention_by_id(actor, intervention_id, audit=False)
    if not may_change(actor, {seen.agency_id, seen.owner_agency_id}):
        raise Forbidden("only the recording or delivering agency may update it")
    intervention = IomIntervention.objects.select_for_update().get(pk=seen.pk)
    new = IomIntervention.Status(status)
    ended = new not in (IomIntervention.Status.PLANNED, IomIntervention.Status.ACTIVE)
    if ended and ended_on is None:
        raise ValueError("give the day the intervention ended")
    if ended_on is not None:
        _not_future(ended_on, "end date")
        if ended_on < intervention.started_on:
            raise ValueError("the end date cannot be before the start")
    before = intervention.status
    intervention.status = new
    intervention.outcome = outcome.strip()
    intervention.ended_on = ended_on if ended else None
    intervention.version += 1
    intervention.save(update_fields=["status", "outcome", "ended_on", "version"])
    _log(
        actor, Operation.ALTERATION, "iom.intervention.update", IOM_INTERVENTION,
        intervention.pk, intervention.member.person_id,
        status={"from": before, "to": new.value},
    )  # fmt: skip
    return intervention
