"""The only way to change cases, their members, links and notes."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction

from saferleeds.audit.log import atomic_action, record
from saferleeds.audit.models import Operation
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import CASEWORK_ROLES, Actor, Forbidden, may_change
from saferleeds.people.access import access_person_by_id
from saferleeds.safeguarding.access import access_case_by_id
from saferleeds.safeguarding.models import Case, CaseMember, CaseNote, CasePerson


@transaction.atomic
def do_create_case(
    *, actor: Actor, reference: str, case_type: str, title: str, opened_on: date
) -> Case:
    """Open a case led by the actor's agency, with the actor as its first member."""
    if (
        not actor.has(CASEWORK_ROLES)
        or actor.agency_id is None
        or actor.user_id is None
    ):
        raise Forbidden("only practitioners and case coordinators open cases")
    case = Case.objects.create(
        reference=reference,
        case_type=case_type,
        title=title,
        lead_agency_id=actor.agency_id,
        opened_on=opened_on,
    )
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
def do_add_case_member(case_id: int, user: User, *, actor: Actor) -> CaseMember:
    """Add a named worker to a case; the audit names them as the recipient."""
    case = access_case_by_id(actor, case_id, audit=False)
    if not may_change(actor, {case.lead_agency_id}, {case.pk}):
        raise Forbidden("you may not change this case's members")
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
def do_link_person_to_case(
    case_id: int, person_id: int, role: str, *, actor: Actor
) -> CasePerson:
    """Record a person's role on a case (a combination of records)."""
    case = access_case_by_id(actor, case_id, audit=False)
    person = access_person_by_id(actor, person_id, audit=False)
    if not may_change(actor, {case.lead_agency_id}, {case.pk}):
        raise Forbidden("you may not change this case")
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
def do_add_case_note(case_id: int, *, actor: Actor, kind: str, text: str) -> CaseNote:
    """Add a note, marked fact or professional assessment."""
    case = access_case_by_id(actor, case_id, audit=False)
    if (
        not may_change(actor, {case.lead_agency_id}, {case.pk})
        or actor.agency_id is None
    ):
        raise Forbidden("you may not add notes to this case")
    note = CaseNote.objects.create(
        case=case,
        author_agency_id=actor.agency_id,
        author_id=actor.user_id,
        kind=kind,
        text=text,
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="safeguarding.case_note.create",
        record_type=RecordType.CASE_NOTE,
        record_id=note.pk,
    )
    return note
