"""The only way to change cases: details, consent, closure, members, links, notes, tasks
and documents.

Every action reads the case through :mod:`saferleeds.safeguarding.access` (a case the actor
may not see is ``NotFound``, whether or not it exists), checks the change is theirs to
make (``Forbidden`` otherwise), changes and writes its audit entry in one transaction.
Fields people edit on the case and on tasks are optimistically locked: a save from an
out-of-date version raises :class:`saferleeds.locking.Conflict` and overwrites nothing.

Who may do what:
- change a case (details, consent, members, links, tasks, documents): practitioners and
  case coordinators of the lead agency, or named members of the case;
- close or reopen it: practitioners and case coordinators of the lead agency;
- complete a task: those of the task's owner agency, or of the lead agency;
- a closed case is read-only except for notes and reopening.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from saferleeds.audit.log import atomic_action, record
from saferleeds.audit.models import Operation
from saferleeds.incidents.access import access_incident_by_id
from saferleeds.locking import save_versioned
from saferleeds.partners.access import fetch_visible
from saferleeds.partners.models import Agency, Membership, RecordType
from saferleeds.partners.policy import CASEWORK_ROLES, Actor, Forbidden, may_change
from saferleeds.people.access import access_person_by_id
from saferleeds.people.models import SubjectRole
from saferleeds.places.access import places_visible_to
from saferleeds.places.models import Area
from saferleeds.safeguarding import documents
from saferleeds.safeguarding.access import access_case_by_id, access_case_task_by_id
from saferleeds.safeguarding.models import (
    Case,
    CaseDocument,
    CaseIncident,
    CaseMember,
    CaseNote,
    CasePerson,
    CasePlace,
    CaseTask,
    RiskLevel,
)

__all__ = [
    "do_create_case",
    "do_update_case",
    "do_record_consent",
    "do_close_case",
    "do_reopen_case",
    "do_add_case_member",
    "do_remove_case_member",
    "do_link_person_to_case",
    "do_unlink_person_from_case",
    "do_link_place_to_case",
    "do_unlink_place_from_case",
    "do_link_incident_to_case",
    "do_unlink_incident_from_case",
    "do_add_case_note",
    "do_add_case_task",
    "do_complete_case_task",
    "do_upload_case_document",
    "new_case_reference",
    "EDITABLE_CASE_FIELDS",
]

EDITABLE_CASE_FIELDS = ("title", "summary", "risk_level", "area_id", "review_due_on")
REFERENCE_PREFIX = {
    Case.Type.MARAC: "MARAC",
    Case.Type.HATE: "HATE",
    Case.Type.ASB: "ASB",
    Case.Type.MODERN_SLAVERY: "MS",
    Case.Type.GENERAL: "CASE",
}


def _check_choice(value: str, choices: Any, what: str, *, blank: bool = False) -> None:
    if blank and value == "":
        return
    if value not in choices.values:
        raise ValueError(f"{value!r} is not a {what}")


def _require_open(case: Case) -> None:
    if case.status != Case.Status.OPEN:
        raise Forbidden("this case is closed: reopen it to change it")


def _may_change_case(actor: Actor, case: Case) -> bool:
    return may_change(actor, {case.lead_agency_id}, {case.pk})


def _changeable_case(actor: Actor, case_id: int, *, what: str) -> Case:
    """The case, if the actor may see it, may change it, and it is open."""
    case = access_case_by_id(actor, case_id, audit=False)
    if not _may_change_case(actor, case):
        raise Forbidden(f"you may not {what} on this case")
    _require_open(case)
    return case


def _lead_only(actor: Actor, case: Case, what: str) -> None:
    if not actor.has(CASEWORK_ROLES) or actor.agency_id != case.lead_agency_id:
        raise Forbidden(f"only the lead agency may {what}")


def _check_area(area_id: int | None) -> None:
    if area_id is not None and not Area.objects.filter(pk=area_id).exists():
        raise ValueError(f"no area {area_id}")


def new_case_reference(case_type: str, year: int) -> str:
    """The next free reference for a case type and year, like ``ASB-2026-004``."""
    prefix = f"{REFERENCE_PREFIX.get(case_type, 'CASE')}-{year}-"
    pattern = re.compile(re.escape(prefix) + r"(\d+)$")
    taken = [
        int(m.group(1))
        for ref in Case.objects.filter(reference__startswith=prefix).values_list(
            "reference", flat=True
        )
        if (m := pattern.match(ref))
    ]
    return f"{prefix}{max(taken, default=0) + 1:03d}"


@transaction.atomic
def do_create_case(
    *,
    actor: Actor,
    case_type: str,
    title: str,
    reference: str = "",
    opened_on: date | None = None,
    summary: str = "",
    area_id: int | None = None,
    risk_level: str = "",
    review_due_on: date | None = None,
) -> Case:
    """Open a case led by the actor's agency, with the actor as its first member.

    Args:
        actor: A practitioner or case coordinator; their agency leads the case.
        case_type: A :class:`Case.Type` value.
        title: A short description.
        reference: The case's reference; blank for the next one of its type and year.
        opened_on: When it opened (today by default).
        summary: Free text.
        area_id: The area (an LSOA, usually) the case lists under.
        risk_level: A :class:`RiskLevel` value, or blank.
        review_due_on: When the case is next due for review.

    Raises:
        Forbidden: The actor may not open cases.
        ValueError: An unknown type, risk level or area.
    """
    if (
        not actor.has(CASEWORK_ROLES)
        or actor.agency_id is None
        or actor.user_id is None
    ):
        raise Forbidden("only practitioners and case coordinators open cases")
    _check_choice(case_type, Case.Type, "case type")
    _check_choice(risk_level, RiskLevel, "risk level", blank=True)
    _check_area(area_id)
    opened = opened_on or timezone.localdate()
    fields = {
        "case_type": case_type,
        "title": title.strip(),
        "summary": summary.strip(),
        "lead_agency_id": actor.agency_id,
        "opened_on": opened,
        "area_id": area_id,
        "risk_level": risk_level,
        "review_due_on": review_due_on,
    }
    if reference.strip():
        case = Case.objects.create(reference=reference.strip(), **fields)
    else:
        # Two people opening cases at once can pick the same number: the unique
        # constraint refuses the second, which takes the next number instead.
        for attempt in range(5):
            try:
                with transaction.atomic():
                    case = Case.objects.create(
                        reference=new_case_reference(case_type, opened.year), **fields
                    )
                break
            except IntegrityError:
                if attempt == 4:
                    raise
    CaseMember.objects.create(case=case, user_id=actor.user_id)
    record(
        actor,
        operation=Operation.COLLECTION,
        event="safeguarding.case.create",
        record_type=RecordType.CASE,
        record_id=case.pk,
    )
    return case


@atomic_action
def do_update_case(
    case_id: int, *, actor: Actor, expected_version: int, changes: dict[str, Any]
) -> Case:
    """Change a case's details (title, summary, risk level, area, review date).

    The audit entry names the fields changed, not their values.

    Raises:
        NotFound: The actor may not see the case.
        Forbidden: The actor may see but not change it, or it is closed.
        Conflict: Someone else saved first; nothing is overwritten.
        ValueError: An unknown risk level or area.
    """
    case = _changeable_case(actor, case_id, what="change the details")
    clean = {k: v for k, v in changes.items() if k in EDITABLE_CASE_FIELDS}
    if "title" in clean:
        clean["title"] = (clean["title"] or "").strip()
        if not clean["title"]:
            raise ValueError("a case needs a title")
    if "summary" in clean:
        clean["summary"] = (clean["summary"] or "").strip()
    if "risk_level" in clean:
        _check_choice(clean["risk_level"], RiskLevel, "risk level", blank=True)
    if "area_id" in clean:
        _check_area(clean["area_id"])
    changed = sorted(k for k, v in clean.items() if getattr(case, k) != v)
    save_versioned(Case, case.pk, expected_version, clean)
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.case.update",
        record_type=RecordType.CASE,
        record_id=case.pk,
        detail={"fields": changed, "from_version": expected_version},
    )
    case.refresh_from_db()
    return case


@atomic_action
def do_record_consent(
    case_id: int,
    *,
    actor: Actor,
    expected_version: int,
    consent: str,
    recorded_on: date | None,
    note: str = "",
) -> Case:
    """Record the victim's consent to share (or sharing without it, with the reason).

    Raises:
        NotFound: The actor may not see the case.
        Forbidden: The actor may see but not change it, or it is closed.
        Conflict: Someone else saved first.
        ValueError: An unknown status; no date for a decision; a date in the future or
            before the case opened; sharing without consent with no reason given.
    """
    case = _changeable_case(actor, case_id, what="record consent")
    _check_choice(consent, Case.Consent, "consent status")
    note = note.strip()
    if consent == Case.Consent.NOT_SOUGHT:
        recorded_on = None
    else:
        if recorded_on is None:
            raise ValueError("a consent decision needs the date it was recorded")
        if recorded_on > timezone.localdate():
            raise ValueError("the consent date cannot be in the future")
        if recorded_on < case.opened_on:
            raise ValueError("the consent date cannot be before the case opened")
    if consent == Case.Consent.OVERRIDDEN and not note:
        raise ValueError("sharing without consent needs the reason recorded")
    save_versioned(
        Case,
        case.pk,
        expected_version,
        {"consent": consent, "consent_recorded_on": recorded_on, "consent_note": note},
    )
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.case.consent",
        record_type=RecordType.CASE,
        record_id=case.pk,
        detail={"consent": consent, "from_version": expected_version},
    )
    case.refresh_from_db()
    return case


@atomic_action
def do_close_case(
    case_id: int,
    *,
    actor: Actor,
    expected_version: int,
    outcome: str,
    closed_on: date,
    note: str = "",
) -> Case:
    """Close a case with its outcome.

    Raises:
        NotFound: The actor may not see the case.
        Forbidden: Not the lead agency, or the case is already closed.
        Conflict: Someone else saved first.
        ValueError: An unknown outcome, or a closing date in the future or before the
            case opened.
    """
    case = access_case_by_id(actor, case_id, audit=False)
    _lead_only(actor, case, "close this case")
    _require_open(case)
    _check_choice(outcome, Case.Outcome, "case outcome")
    if closed_on > timezone.localdate():
        raise ValueError("the closing date cannot be in the future")
    if closed_on < case.opened_on:
        raise ValueError("the closing date cannot be before the case opened")
    save_versioned(
        Case,
        case.pk,
        expected_version,
        {
            "status": Case.Status.CLOSED,
            "closed_on": closed_on,
            "outcome": outcome,
            "outcome_note": note.strip(),
        },
    )
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.case.close",
        record_type=RecordType.CASE,
        record_id=case.pk,
        detail={"outcome": outcome, "from_version": expected_version},
    )
    case.refresh_from_db()
    return case


@atomic_action
def do_reopen_case(
    case_id: int, *, actor: Actor, expected_version: int, reason: str
) -> Case:
    """Reopen a closed case; the reason is kept as a note on the case.

    Raises:
        NotFound: The actor may not see the case.
        Forbidden: Not the lead agency, or the case is open.
        Conflict: Someone else saved first.
        ValueError: No reason given.
    """
    case = access_case_by_id(actor, case_id, audit=False)
    _lead_only(actor, case, "reopen this case")
    if case.status != Case.Status.CLOSED:
        raise Forbidden("this case is already open")
    if not reason.strip():
        raise ValueError("reopening a case needs a reason")
    previous = case.outcome
    save_versioned(
        Case,
        case.pk,
        expected_version,
        {
            "status": Case.Status.OPEN,
            "closed_on": None,
            "outcome": "",
            "outcome_note": "",
        },
    )
    note = CaseNote.objects.create(
        case=case,
        author_agency_id=actor.agency_id,
        author_id=actor.user_id,
        kind=CaseNote.Kind.FACT,
        text=f"Case reopened: {reason.strip()}",
    )
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.case.reopen",
        record_type=RecordType.CASE,
        record_id=case.pk,
        detail={"previous_outcome": previous, "from_version": expected_version},
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="safeguarding.case_note.create",
        record_type=RecordType.CASE_NOTE,
        record_id=note.pk,
    )
    case.refresh_from_db()
    return case


@atomic_action
def do_add_case_member(case_id: int, user: User, *, actor: Actor) -> CaseMember:
    """Add a named worker, of any agency, to a case.

    Membership opens the case's records to them, so it is logged as a disclosure with
    them as the recipient.

    Raises:
        NotFound: The actor may not see the case.
        Forbidden: The actor may not change the case, it is closed, or the worker has no
            agency or is not active.
    """
    case = _changeable_case(actor, case_id, what="change the members")
    if not user.is_active or not Membership.objects.filter(user=user).exists():
        raise Forbidden("only active workers of a partner agency can join a case")
    member, _ = CaseMember.objects.get_or_create(case=case, user=user)
    record(
        actor,
        operation=Operation.DISCLOSURE,
        event="safeguarding.case.add_member",
        record_type=RecordType.CASE,
        record_id=case.pk,
        recipient=user.get_username(),
    )
    return member


@atomic_action
def do_remove_case_member(case_id: int, user_id: int, *, actor: Actor) -> None:
    """Take a named worker off a case (they keep what their own agency may see).

    Raises:
        NotFound: The actor may not see the case.
        Forbidden: The actor may not change the case, it is closed, the worker is not a
            member, or they are its last member.
    """
    case = _changeable_case(actor, case_id, what="change the members")
    member = CaseMember.objects.filter(case=case, user_id=user_id).first()
    if member is None:
        raise Forbidden("that worker is not a member of this case")
    if CaseMember.objects.filter(case=case).count() == 1:
        raise Forbidden("a case needs at least one member")
    username = member.user.get_username()
    member.delete()
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.case.remove_member",
        record_type=RecordType.CASE,
        record_id=case.pk,
        detail={"member": username},
    )


@atomic_action
def do_link_person_to_case(
    case_id: int, person_id: int, role: str, *, actor: Actor
) -> CasePerson:
    """Record a person's role on a case (a combination of records)."""
    case = access_case_by_id(actor, case_id, audit=False)
    person = access_person_by_id(actor, person_id, audit=False)
    if not _may_change_case(actor, case):
        raise Forbidden("you may not change this case")
    _require_open(case)
    _check_choice(role, SubjectRole, "role")
    link, _ = CasePerson.objects.get_or_create(case=case, person=person, role=role)
    record(
        actor,
        operation=Operation.COMBINATION,
        event="safeguarding.case.link_person",
        record_type=RecordType.CASE,
        record_id=case.pk,
        subject_person_id=person.pk,
        detail={"role": role},
    )
    return link


@atomic_action
def do_unlink_person_from_case(
    case_id: int, person_id: int, role: str, *, actor: Actor
) -> None:
    """Remove a person's role on a case (the person and their other roles stay).

    Raises:
        NotFound: The actor may not see the case.
        Forbidden: The actor may not change the case, it is closed, or the person does
            not have that role on it.
    """
    case = _changeable_case(actor, case_id, what="unlink people")
    removed, _ = CasePerson.objects.filter(
        case=case, person_id=person_id, role=role
    ).delete()
    if not removed:
        raise Forbidden("that person does not have that role on this case")
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.case.unlink_person",
        record_type=RecordType.CASE,
        record_id=case.pk,
        subject_person_id=person_id,
        detail={"role": role},
    )


@atomic_action
def do_link_place_to_case(
    case_id: int, place_id: int, *, actor: Actor, note: str = ""
) -> CasePlace:
    """Link a place the actor may see to a case (a combination of records).

    Raises:
        NotFound: The actor may not see the case or the place.
        Forbidden: The actor may not change the case, or it is closed.
    """
    case = _changeable_case(actor, case_id, what="link places")
    place = fetch_visible(
        actor,
        places_visible_to(actor),
        RecordType.PLACE,
        place_id,
        event="safeguarding.case.link_place",
        audit=False,
    )
    link, _ = CasePlace.objects.get_or_create(
        case=case, place=place, defaults={"note": note.strip()[:200]}
    )
    record(
        actor,
        operation=Operation.COMBINATION,
        event="safeguarding.case.link_place",
        record_type=RecordType.CASE,
        record_id=case.pk,
        detail={"place": place.pk},
    )
    return link


@atomic_action
def do_unlink_place_from_case(case_id: int, place_id: int, *, actor: Actor) -> None:
    """Remove a place's link to a case (the place itself stays).

    Raises:
        NotFound: The actor may not see the case.
        Forbidden: The actor may not change the case, it is closed, or it is not linked.
    """
    case = _changeable_case(actor, case_id, what="unlink places")
    removed, _ = CasePlace.objects.filter(case=case, place_id=place_id).delete()
    if not removed:
        raise Forbidden("that place is not linked to this case")
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.case.unlink_place",
        record_type=RecordType.CASE,
        record_id=case.pk,
        detail={"place": place_id},
    )


@atomic_action
def do_link_incident_to_case(
    case_id: int, incident_id: int, *, actor: Actor
) -> CaseIncident:
    """Link an incident the actor may see to a case (a combination of records).

    Raises:
        NotFound: The actor may not see the case or the incident.
        Forbidden: The actor may not change the case, or it is closed.
    """
    case = _changeable_case(actor, case_id, what="link incidents")
    incident = access_incident_by_id(
        actor, incident_id, event="safeguarding.case.link_incident", audit=False
    )
    link = CaseIncident.objects.filter(case=case, incident=incident).first()
    if link is None:
        link = CaseIncident.objects.create(case=case, incident=incident)
    record(
        actor,
        operation=Operation.COMBINATION,
        event="safeguarding.case.link_incident",
        record_type=RecordType.CASE,
        record_id=case.pk,
        detail={"incident": incident.pk},
    )
    return link


@atomic_action
def do_unlink_incident_from_case(
    case_id: int, incident_id: int, *, actor: Actor
) -> None:
    """Remove an incident's link to a case (the incident itself stays).

    Raises:
        NotFound: The actor may not see the case.
        Forbidden: The actor may not change the case, it is closed, or it is not linked.
    """
    case = _changeable_case(actor, case_id, what="unlink incidents")
    removed, _ = CaseIncident.objects.filter(
        case=case, incident_id=incident_id
    ).delete()
    if not removed:
        raise Forbidden("that incident is not linked to this case")
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.case.unlink_incident",
        record_type=RecordType.CASE,
        record_id=case.pk,
        detail={"incident": incident_id},
    )


@atomic_action
def do_add_case_note(case_id: int, *, actor: Actor, kind: str, text: str) -> CaseNote:
    """Add a note, marked fact or professional assessment (allowed on closed cases)."""
    case = access_case_by_id(actor, case_id, audit=False)
    if not _may_change_case(actor, case) or actor.agency_id is None:
        raise Forbidden("you may not add notes to this case")
    _check_choice(kind, CaseNote.Kind, "note kind")
    if not text.strip():
        raise ValueError("a note needs text")
    note = CaseNote.objects.create(
        case=case,
        author_agency_id=actor.agency_id,
        author_id=actor.user_id,
        kind=kind,
        text=text.strip(),
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="safeguarding.case_note.create",
        record_type=RecordType.CASE_NOTE,
        record_id=note.pk,
    )
    return note


@atomic_action
def do_add_case_task(
    case_id: int,
    *,
    actor: Actor,
    title: str,
    owner_agency_id: int,
    due_on: date,
    detail: str = "",
    assigned_to_id: int | None = None,
    marac_referral_id: int | None = None,
) -> CaseTask:
    """Add a task for an agency, due on a date (MARAC actions pass their referral).

    Raises:
        NotFound: The actor may not see the case.
        Forbidden: The actor may not change the case, or it is closed.
        ValueError: No title; an unknown owner agency; a due date before the case
            opened; an assignee who does not work for the owner agency.
    """
    case = _changeable_case(actor, case_id, what="add tasks")
    if actor.agency_id is None or actor.user_id is None:
        raise Forbidden("only workers of a partner agency add tasks")
    if not title.strip():
        raise ValueError("a task needs a title")
    if not Agency.objects.filter(pk=owner_agency_id).exists():
        raise ValueError(f"no agency {owner_agency_id}")
    if due_on < case.opened_on:
        raise ValueError("a task cannot be due before the case opened")
    if (
        assigned_to_id is not None
        and not Membership.objects.filter(
            user_id=assigned_to_id, agency_id=owner_agency_id
        ).exists()
    ):
        raise ValueError(
            "the task can be assigned only to a worker of its owner agency"
        )
    if (
        marac_referral_id is not None
        and not case.marac_referrals.filter(pk=marac_referral_id).exists()
    ):
        raise ValueError("that MARAC referral is not on this case")
    task = CaseTask.objects.create(
        case=case,
        title=title.strip(),
        detail=detail.strip(),
        owner_agency_id=owner_agency_id,
        assigned_to_id=assigned_to_id,
        due_on=due_on,
        created_by_id=actor.user_id,
        created_by_agency_id=actor.agency_id,
        marac_referral_id=marac_referral_id,
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="safeguarding.case_task.create",
        record_type=RecordType.CASE_TASK,
        record_id=task.pk,
        detail={"case": case.pk, "owner_agency": owner_agency_id},
    )
    return task


@atomic_action
def do_complete_case_task(
    task_id: int,
    *,
    actor: Actor,
    expected_version: int,
    completed_on: date,
    note: str,
) -> CaseTask:
    """Mark a task done, with the evidence of completion.

    Raises:
        NotFound: The actor may not see the task.
        Forbidden: Neither the owner agency nor the lead agency, the task is already
            done, or the case is closed.
        Conflict: Someone else saved the task first.
        ValueError: No evidence; a date in the future or before the case opened.
    """
    task = access_case_task_by_id(actor, task_id, audit=False)
    case = task.case
    if not actor.has(CASEWORK_ROLES) or actor.agency_id not in {
        task.owner_agency_id,
        case.lead_agency_id,
    }:
        raise Forbidden("only the owner agency or the lead agency complete a task")
    _require_open(case)
    if task.completed_on is not None:
        raise Forbidden("this task is already complete")
    if not note.strip():
        raise ValueError("completing a task needs a note of what was done")
    if completed_on > timezone.localdate():
        raise ValueError("the completion date cannot be in the future")
    if completed_on < case.opened_on:
        raise ValueError("the completion date cannot be before the case opened")
    save_versioned(
        CaseTask,
        task.pk,
        expected_version,
        {
            "completed_on": completed_on,
            "completed_by_id": actor.user_id,
            "completion_note": note.strip(),
        },
    )
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.case_task.complete",
        record_type=RecordType.CASE_TASK,
        record_id=task.pk,
        detail={"case": case.pk, "from_version": expected_version},
    )
    task.refresh_from_db()
    return task


@atomic_action
def do_upload_case_document(
    case_id: int, *, actor: Actor, title: str, filename: str, data: bytes
) -> CaseDocument:
    """Attach a document to a case: checked, stored outside the web root, audited.

    Raises:
        NotFound: The actor may not see the case.
        Forbidden: The actor may not change the case, or it is closed.
        documents.DocumentRejected: Not an allowed type, empty, or too large.
        ValueError: No title.
    """
    case = _changeable_case(actor, case_id, what="add documents")
    if actor.agency_id is None or actor.user_id is None:
        raise Forbidden("only workers of a partner agency add documents")
    if not title.strip():
        raise ValueError("a document needs a title")
    checked = documents.check_document(filename, data)
    stored = documents.store_document(data)
    try:
        doc = CaseDocument.objects.create(
            case=case,
            agency_id=actor.agency_id,
            uploaded_by_id=actor.user_id,
            title=title.strip()[:200],
            original_name=documents.download_name(filename)[:255],
            content_type=checked.content_type,
            size=checked.size,
            sha256=hashlib.sha256(data).hexdigest(),
            stored_name=stored,
        )
        record(
            actor,
            operation=Operation.COLLECTION,
            event="safeguarding.case_document.upload",
            record_type=RecordType.ATTACHMENT,
            record_id=doc.pk,
            detail={"case": case.pk, "type": checked.kind, "size": checked.size},
        )
    except BaseException:
        # The record was not saved, so neither may the bytes be kept.
        documents.remove_document(stored)
        raise
    return doc
