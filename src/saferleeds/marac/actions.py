"""The only way to change Dash assessments, MARAC referrals, meetings, research and actions.

Every action checks who may do it, changes the records in one transaction and writes its
audit entry in that same transaction. A MARAC action (the action plan) is a
:class:`CaseTask` pointing at its referral.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from saferleeds.audit.log import atomic_action, record
from saferleeds.audit.models import Operation
from saferleeds.marac.access import access_marac_referral_by_id
from saferleeds.marac.dash import score_dash
from saferleeds.marac.models import (
    DashAssessment,
    MaracMeeting,
    MaracReferral,
    MaracResearch,
)
from saferleeds.marac.queries import (
    COORDINATOR_ROLES,
    PERPETRATOR_ROLES,
    incident_dates,
    last_referral,
    marac_settings,
)
from saferleeds.marac.rules import (
    REPEAT_WINDOW_DAYS,
    Criterion,
    is_repeat,
    marac_referral_criteria,
)
from saferleeds.partners.models import Agency, RecordType
from saferleeds.partners.policy import (
    CASEWORK_ROLES,
    Actor,
    Forbidden,
    NotFound,
    agreements_in_force,
    may_change,
)
from saferleeds.people.models import SubjectRole
from saferleeds.safeguarding.access.cases import (
    access_case_by_id,
    access_case_task_by_id,
)
from saferleeds.safeguarding.models import Case, CasePerson, CaseTask

__all__ = [
    "NoCriterionMet",
    "DeadlineBeforeReferral",
    "MeetingNotYetHeld",
    "do_record_dash_assessment",
    "do_refer_to_marac",
    "do_create_marac_meeting",
    "do_list_marac_referral",
    "do_record_marac_research",
    "do_add_marac_action",
    "do_complete_marac_action",
    "do_mark_marac_referral_heard",
    "do_undo_marac_referral_heard",
    "do_close_marac_referral",
    "missing_research_agencies",
]

MEETING = "marac_meeting"
"""Audit record type for meetings (they hold no personal data, so no RecordType)."""


class NoCriterionMet(ValueError):
    """A MARAC referral was asked for but none of the four criteria holds."""


class DeadlineBeforeReferral(ValueError):
    """A MARAC action's deadline falls before the referral it belongs to."""


class MeetingNotYetHeld(ValueError):
    """A case was to be recorded as heard before the day of its meeting."""


def _case_for_change(actor: Actor, case_id: int, what: str) -> Case:
    case = access_case_by_id(actor, case_id, audit=False)
    if case.case_type != Case.Type.MARAC:
        raise ValueError(f"case {case.reference} is not a domestic abuse (MARAC) case")
    if actor.agency_id is None or not may_change(
        actor, {case.lead_agency_id}, {case.pk}
    ):
        raise Forbidden(f"you may not {what} on this case")
    return case


def _check_on_case(case: Case, person_id: int, roles: Sequence[str], what: str) -> None:
    if not CasePerson.objects.filter(
        case=case, person_id=person_id, role__in=list(roles)
    ).exists():
        raise ValueError(
            f"person {person_id} is not the {what} on case {case.reference}"
        )


def _require_coordinator(actor: Actor, what: str) -> None:
    if not actor.has(COORDINATOR_ROLES) or actor.agency_id is None:
        raise Forbidden(f"only the MARAC coordinator may {what}")


@atomic_action
def do_record_dash_assessment(
    case_id: int,
    *,
    actor: Actor,
    victim_id: int,
    answers: Sequence[bool | None],
    assessed_on: date,
    professional_judgement: bool = False,
    judgement_reason: str = "",
    assessor_notes: str = "",
) -> DashAssessment:
    """Score and keep a SafeLives Dash checklist for a victim on a MARAC case.

    The grading is computed here (``safeguarding.dash``): 14 or more "yes" is visible
    high risk, 10 to 13 medium, fewer standard; professional judgement raises the
    level to high and never lowers it. The case's risk level follows the checklist.

    Args:
        case_id: The MARAC case.
        actor: Who completed it (a practitioner or coordinator who may change the case).
        victim_id: The victim, who must be linked to the case as its victim.
        answers: 24 answers: True (yes), False (no), None (not known).
        assessed_on: The day it was completed (not in the future).
        professional_judgement: The assessor judges the risk high.
        judgement_reason: Why; required with a judgement.
        assessor_notes: The assessor's free text, kept as written.

    Raises:
        NotFound: The case is missing or not visible.
        Forbidden: The actor may not change the case.
        ValueError: Bad answers, no reason for a judgement, a future date, or a
            victim not on the case.
    """
    case = _case_for_change(actor, case_id, "record a Dash checklist")
    _check_on_case(case, victim_id, [SubjectRole.VICTIM], "victim")
    if assessed_on > timezone.localdate():
        raise ValueError("the checklist date cannot be in the future")
    if professional_judgement and not judgement_reason.strip():
        raise ValueError("give the reason for the professional judgement")
    result = score_dash(
        list(answers),
        professional_judgement=professional_judgement,
        judgement_reason=judgement_reason,
    )
    dash = DashAssessment.objects.create(
        case=case,
        victim_id=victim_id,
        agency_id=actor.agency_id,
        assessor_id=actor.user_id,
        assessed_on=assessed_on,
        answers=list(answers),
        yes_count=result.yes_count,
        visible_high_risk=result.visible_high_risk,
        professional_judgement=result.professional_judgement,
        judgement_reason=result.judgement_reason,
        risk_level=result.risk_level.value,
        assessor_notes=assessor_notes.strip(),
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="safeguarding.dash_assessment.create",
        record_type=RecordType.DASH_ASSESSMENT,
        record_id=dash.pk,
        subject_person_id=victim_id,
        detail={"yes_count": result.yes_count, "risk_level": result.risk_level.value},
    )
    if case.risk_level != result.risk_level.value:
        Case.objects.filter(pk=case.pk).update(
            risk_level=result.risk_level.value, version=F("version") + 1
        )
        record(
            actor,
            operation=Operation.ALTERATION,
            event="safeguarding.case.risk_from_dash",
            record_type=RecordType.CASE,
            record_id=case.pk,
            detail={"fields": ["risk_level"], "dash_id": dash.pk},
        )
    return dash


def referral_criteria(
    case: Case,
    *,
    victim_id: int,
    perpetrator_id: int | None,
    on: date,
    dash: DashAssessment | None,
    professional_judgement: bool,
    exclude_referral_id: int | None = None,
) -> list[Criterion]:
    """The criteria that hold for a referral made on ``on`` (nothing is stored).

    Incidents are every agency's domestic abuse incidents between the victim and the
    perpetrator (counted system-side: the referrer learns only which criteria hold).
    A repeat needs a further incident 1 to 365 days after the victim's last referral
    (SafeLives) that is itself at most 365 days before this referral: an incident
    years ago is history, not the reason for today's referral, and its flag has
    lapsed (see ``marac_queries.repeat_flags``).
    """
    del case  # the criteria are about the people, across every case they are on
    s = marac_settings()
    previous = last_referral(victim_id, on_or_before=on, exclude_id=exclude_referral_id)
    dates = incident_dates(victim_id, perpetrator_id)
    met = marac_referral_criteria(
        dash=(
            score_dash(
                dash.answers,
                professional_judgement=dash.professional_judgement,
                judgement_reason=dash.judgement_reason,
            )
            if dash is not None
            else None
        ),
        professional_judgement=professional_judgement,
        incidents=dates,
        last_referral=None,  # the repeat is decided below, on recent incidents only
        today=on,
        escalation_threshold=s.escalation_threshold,
        window_days=s.escalation_window_days,
    )
    recent = [d for d in dates if 0 <= (on - d).days <= REPEAT_WINDOW_DAYS]
    if previous is not None and is_repeat(
        recent, last_referral=previous.referred_on, today=on
    ):
        met.append(Criterion.REPEAT)  # last in SafeLives' order
    return met


@atomic_action
def do_refer_to_marac(
    case_id: int,
    *,
    actor: Actor,
    victim_id: int,
    perpetrator_id: int | None = None,
    referred_on: date,
    dash_id: int | None = None,
    professional_judgement: bool = False,
    reason: str = "",
) -> MaracReferral:
    """Refer a victim on a MARAC case to MARAC, if a SafeLives criterion holds.

    Criteria (``safeguarding.marac``): visible high risk on the Dash checklist given;
    professional judgement (here or on that checklist); potential escalation (the
    configured number of incidents in the configured window, ``[casework.marac]``);
    repeat (a further incident within 12 months of the victim's last referral).
    Incidents are counted across every agency; nothing about them is shown to the
    referrer.

    Raises:
        NotFound: The case is missing or not visible.
        Forbidden: The actor may not change the case.
        NoCriterionMet: No criterion holds (nothing is stored).
        ValueError: A victim or perpetrator not on the case, a checklist of another
            case or victim, a future date, or a judgement without a reason.
    """
    case = _case_for_change(actor, case_id, "refer to MARAC")
    _check_on_case(case, victim_id, [SubjectRole.VICTIM], "victim")
    if perpetrator_id is not None:
        _check_on_case(case, perpetrator_id, PERPETRATOR_ROLES, "perpetrator")
    if referred_on > timezone.localdate():
        raise ValueError("the referral date cannot be in the future")
    if professional_judgement and not reason.strip():
        raise ValueError("give the reason for the professional judgement")
    dash = None
    if dash_id is not None:
        dash = DashAssessment.objects.filter(
            pk=dash_id, case=case, victim_id=victim_id
        ).first()
        if dash is None:
            raise ValueError("that Dash checklist is not this victim's on this case")
    criteria = referral_criteria(
        case,
        victim_id=victim_id,
        perpetrator_id=perpetrator_id,
        on=referred_on,
        dash=dash,
        professional_judgement=professional_judgement,
    )
    if not criteria:
        raise NoCriterionMet(
            "No MARAC referral criterion holds: the Dash checklist is below 14 "
            '"yes", there is no professional judgement of high risk, no potential '
            "escalation and no repeat within 12 months of a referral. Nothing was "
            "referred."
        )
    referral = MaracReferral.objects.create(
        case=case,
        victim_id=victim_id,
        perpetrator_id=perpetrator_id,
        referring_agency_id=actor.agency_id,
        referred_by_id=actor.user_id,
        referred_on=referred_on,
        criteria=[c.value for c in criteria],
        is_repeat=Criterion.REPEAT in criteria,
        dash=dash,
        reason=reason.strip(),
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="safeguarding.marac_referral.create",
        record_type=RecordType.MARAC_REFERRAL,
        record_id=referral.pk,
        subject_person_id=victim_id,
        detail={"criteria": referral.criteria, "is_repeat": referral.is_repeat},
    )
    return referral


@transaction.atomic
def do_create_marac_meeting(
    *, actor: Actor, held_on: date, venue: str = "", chair: str = ""
) -> MaracMeeting:
    """Schedule a MARAC meeting (coordinator only).

    Raises:
        Forbidden: The actor is not a case coordinator.
    """
    _require_coordinator(actor, "schedule MARAC meetings")
    meeting = MaracMeeting.objects.create(
        held_on=held_on, venue=venue.strip(), chair=chair.strip()
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="safeguarding.marac_meeting.create",
        record_type=MEETING,
        record_id=meeting.pk,
    )
    return meeting


def _settle_meeting(meeting_id: int | None) -> None:
    """Set a meeting's status from its cases: held once at least one case was heard
    and none is still waiting to be heard; scheduled otherwise.

    Each case is heard on its own, so a meeting is never turned to "held" while a
    listed case is left behind on it (issue #16).
    """
    if meeting_id is None:
        return
    statuses = set(
        MaracReferral.objects.filter(meeting_id=meeting_id).values_list(
            "status", flat=True
        )
    )
    S = MaracReferral.Status
    held = bool(statuses & {S.HEARD, S.CLOSED}) and S.LISTED not in statuses
    MaracMeeting.objects.filter(pk=meeting_id).update(
        status=MaracMeeting.Status.HELD if held else MaracMeeting.Status.SCHEDULED
    )


def missing_research_agencies(referral: MaracReferral) -> list[Agency]:
    """The MARAC's agencies (those receiving MARAC research under an agreement in
    force) that have not yet recorded research on ``referral``, by name."""
    ids: set[int] = set()
    for agreement in agreements_in_force():
        if RecordType.MARAC_RESEARCH.value in agreement.record_types:
            ids |= {a.id for a in agreement.recipients.all()}
    done = MaracResearch.objects.filter(referral=referral).values_list(
        "agency_id", flat=True
    )
    return list(
        Agency.objects.filter(pk__in=ids).exclude(pk__in=list(done)).order_by("name")
    )


def _referral_for_change(actor: Actor, referral_id: int) -> MaracReferral:
    referral = access_marac_referral_by_id(actor, referral_id, audit=False)
    # Lock the row so two coordinators' changes to its status cannot interleave.
    return MaracReferral.objects.select_for_update().get(pk=referral.pk)


def _bump(referral: MaracReferral, **changes: object) -> None:
    for name, value in changes.items():
        setattr(referral, name, value)
    referral.version += 1
    referral.save(update_fields=[*changes, "version"])


@atomic_action
def do_list_marac_referral(
    referral_id: int, meeting_id: int, *, actor: Actor
) -> MaracReferral:
    """List a referral for a scheduled meeting (or move it to another one).

    A referral listed but not yet heard can be moved, even off a meeting that has been
    held; the meeting it leaves is settled again (see :func:`_settle_meeting`).

    Raises:
        NotFound: The referral is missing or not visible, or no such meeting.
        Forbidden: The actor is not a case coordinator.
        ValueError: The meeting was held, or the referral was already heard.
    """
    _require_coordinator(actor, "list referrals for meetings")
    referral = _referral_for_change(actor, referral_id)
    meeting = MaracMeeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(f"no MARAC meeting {meeting_id}")
    if meeting.status != MaracMeeting.Status.SCHEDULED:
        raise ValueError(
            "that meeting has been held: list the referral for a later one"
        )
    if referral.status not in (
        MaracReferral.Status.REFERRED,
        MaracReferral.Status.LISTED,
    ):
        raise ValueError("this referral has already been heard")
    moved_from = referral.meeting_id
    _bump(referral, meeting=meeting, status=MaracReferral.Status.LISTED)
    if moved_from is not None and moved_from != meeting.pk:
        _settle_meeting(moved_from)
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.marac_referral.list",
        record_type=RecordType.MARAC_REFERRAL,
        record_id=referral.pk,
        subject_person_id=referral.victim_id,
        detail={"meeting_id": meeting.pk, "moved_from": moved_from},
    )
    return referral


@atomic_action
def do_record_marac_research(
    referral_id: int, *, actor: Actor, holds_information: bool, findings: str
) -> MaracResearch:
    """Record (or update) what the actor's agency holds on a referral's parties.

    One research entry per agency per referral; a second call updates it.

    Raises:
        NotFound: The referral is missing or not visible.
        Forbidden: The actor is not a practitioner or coordinator of an agency.
        ValueError: Information held but no findings given, or the referral closed.
    """
    if not actor.has(CASEWORK_ROLES) or actor.agency_id is None:
        raise Forbidden("only practitioners and coordinators record MARAC research")
    referral = _referral_for_change(actor, referral_id)
    if referral.status in (
        MaracReferral.Status.CLOSED,
        MaracReferral.Status.WITHDRAWN,
    ):
        raise ValueError("this referral is closed")
    if holds_information and not findings.strip():
        raise ValueError("say what your agency holds on the parties")
    research, created = MaracResearch.objects.update_or_create(
        referral=referral,
        agency_id=actor.agency_id,
        defaults={
            "author_id": actor.user_id,
            "holds_information": holds_information,
            "findings": findings.strip(),
        },
    )
    record(
        actor,
        operation=Operation.COLLECTION if created else Operation.ALTERATION,
        event=(
            "safeguarding.marac_research.create"
            if created
            else "safeguarding.marac_research.update"
        ),
        record_type=RecordType.MARAC_RESEARCH,
        record_id=research.pk,
        subject_person_id=referral.victim_id,
    )
    return research


@atomic_action
def do_add_marac_action(
    referral_id: int,
    *,
    actor: Actor,
    title: str,
    owner_agency_id: int,
    due_on: date,
    detail: str = "",
) -> CaseTask:
    """Add an action to a referral's MARAC action plan (a task on its case).

    Raises:
        NotFound: The referral is missing or not visible.
        Forbidden: The actor is not the coordinator and may not change the case.
        ValueError: No title, an unknown owner agency, a closed referral, or a
            deadline before the referral date (a deadline already past is allowed:
            the page warns, and the action shows as overdue).
    """
    referral = _referral_for_change(actor, referral_id)
    case = referral.case
    coordinator = actor.has(COORDINATOR_ROLES)
    if actor.agency_id is None or not (
        coordinator or may_change(actor, {case.lead_agency_id}, {case.pk})
    ):
        raise Forbidden("you may not add actions to this MARAC action plan")
    if referral.status in (
        MaracReferral.Status.CLOSED,
        MaracReferral.Status.WITHDRAWN,
    ):
        raise ValueError("this referral is closed")
    if not title.strip():
        raise ValueError("say what the action is")
    if due_on < referral.referred_on:
        raise DeadlineBeforeReferral(
            f"The deadline must be on or after the referral date, "
            f"{referral.referred_on:%-d %B %Y}"
        )
    if not Agency.objects.filter(pk=owner_agency_id).exists():
        raise ValueError("choose the agency that owns the action")
    task = CaseTask.objects.create(
        case=case,
        title=title.strip(),
        detail=detail.strip(),
        owner_agency_id=owner_agency_id,
        due_on=due_on,
        created_by_id=actor.user_id,
        created_by_agency_id=actor.agency_id,
        marac_referral=referral,
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="safeguarding.marac_action.create",
        record_type=RecordType.CASE_TASK,
        record_id=task.pk,
        subject_person_id=referral.victim_id,
        detail={"referral_id": referral.pk, "owner_agency_id": owner_agency_id},
    )
    return task


@atomic_action
def do_complete_marac_action(
    task_id: int, *, actor: Actor, completed_on: date, evidence: str
) -> CaseTask:
    """Mark a MARAC action done, with the evidence of what was done.

    The owner agency's practitioners, the case's members and the coordinator may.

    Raises:
        NotFound: The action is missing or not visible.
        Forbidden: The actor may not complete it.
        ValueError: Not a MARAC action, already done, no evidence, or a future date.
    """
    task = access_case_task_by_id(actor, task_id, audit=False)
    if task.marac_referral_id is None:
        raise ValueError("that task is not a MARAC action")
    allowed = actor.has(COORDINATOR_ROLES) or may_change(
        actor, {task.owner_agency_id, task.created_by_agency_id}, {task.case_id}
    )
    if not allowed or not actor.has(CASEWORK_ROLES):
        raise Forbidden("you may not complete this action")
    if task.completed_on is not None:
        raise ValueError("this action is already done")
    if not evidence.strip():
        raise ValueError("say what was done (the evidence)")
    if completed_on > timezone.localdate():
        raise ValueError("the completion date cannot be in the future")
    updated = CaseTask.objects.filter(pk=task.pk, completed_on__isnull=True).update(
        completed_on=completed_on,
        completed_by_id=actor.user_id,
        completion_note=evidence.strip(),
        version=F("version") + 1,
    )
    if not updated:
        raise ValueError("this action is already done")
    task.refresh_from_db()
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.marac_action.complete",
        record_type=RecordType.CASE_TASK,
        record_id=task.pk,
        detail={"fields": ["completed_on", "completed_by", "completion_note"]},
    )
    return task


@atomic_action
def do_mark_marac_referral_heard(referral_id: int, *, actor: Actor) -> MaracReferral:
    """Record that one listed case was heard at its meeting, on or after its date.

    Each case is heard on its own: the meeting turns to "held" only once none of its
    cases is still waiting to be heard (:func:`_settle_meeting`). Research still
    missing does not stop the hearing (the page warns before); which agencies had
    not shared theirs is kept in the audit entry.

    Args:
        referral_id: The referral (the case) heard.
        actor: The MARAC coordinator.

    Returns:
        The referral, now heard.

    Raises:
        NotFound: The referral is missing or not visible.
        Forbidden: The actor is not a case coordinator.
        MeetingNotYetHeld: The meeting's date is still to come.
        ValueError: The referral is not listed for a meeting.
    """
    _require_coordinator(actor, "record referrals as heard")
    referral = _referral_for_change(actor, referral_id)
    if referral.status != MaracReferral.Status.LISTED or referral.meeting_id is None:
        raise ValueError("only a referral listed for a meeting can be heard")
    meeting = MaracMeeting.objects.get(pk=referral.meeting_id)
    if meeting.held_on > timezone.localdate():
        raise MeetingNotYetHeld(
            f"The meeting is on {meeting.held_on:%-d %B %Y}: a case can be recorded "
            "as heard on or after the day of its meeting"
        )
    missing = missing_research_agencies(referral)
    _bump(referral, status=MaracReferral.Status.HEARD)
    _settle_meeting(meeting.pk)
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.marac_referral.heard",
        record_type=RecordType.MARAC_REFERRAL,
        record_id=referral.pk,
        subject_person_id=referral.victim_id,
        detail={
            "meeting_id": meeting.pk,
            "research_missing": [a.pk for a in missing],
        },
    )
    return referral


@atomic_action
def do_undo_marac_referral_heard(referral_id: int, *, actor: Actor) -> MaracReferral:
    """Undo a mistaken "heard": the case is listed for its meeting again.

    The meeting is settled again (back to scheduled if this case was the only one
    heard). Actions added to the plan stay. The undo is its own audit entry, so the
    mistake and its correction both remain on the record.

    Args:
        referral_id: The referral recorded as heard by mistake.
        actor: The MARAC coordinator.

    Returns:
        The referral, listed again.

    Raises:
        NotFound: The referral is missing or not visible.
        Forbidden: The actor is not a case coordinator.
        ValueError: The referral is not heard (not yet heard, or already closed).
    """
    _require_coordinator(actor, "undo a hearing")
    referral = _referral_for_change(actor, referral_id)
    if referral.status != MaracReferral.Status.HEARD:
        raise ValueError(
            "only a referral recorded as heard (and not closed) can be undone"
        )
    _bump(referral, status=MaracReferral.Status.LISTED)
    _settle_meeting(referral.meeting_id)
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.marac_referral.heard_undone",
        record_type=RecordType.MARAC_REFERRAL,
        record_id=referral.pk,
        subject_person_id=referral.victim_id,
        detail={"meeting_id": referral.meeting_id},
    )
    return referral


@atomic_action
def do_close_marac_referral(referral_id: int, *, actor: Actor) -> MaracReferral:
    """Close a heard referral once every action on its plan is done.

    Raises:
        NotFound: The referral is missing or not visible.
        Forbidden: The actor is not a case coordinator.
        ValueError: Not heard yet, or actions still open.
    """
    _require_coordinator(actor, "close referrals")
    referral = _referral_for_change(actor, referral_id)
    if referral.status != MaracReferral.Status.HEARD:
        raise ValueError("only a referral heard at MARAC can be closed")
    open_actions = CaseTask.objects.filter(
        marac_referral=referral, completed_on__isnull=True
    ).count()
    if open_actions:
        raise ValueError(
            f"{open_actions} action{'s' if open_actions != 1 else ''} still open: "
            "close the referral when every action is done"
        )
    _bump(referral, status=MaracReferral.Status.CLOSED)
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.marac_referral.close",
        record_type=RecordType.MARAC_REFERRAL,
        record_id=referral.pk,
        subject_person_id=referral.victim_id,
    )
    return referral
