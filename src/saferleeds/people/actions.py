"""The only way to change people: each action checks, changes and audits atomically."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from saferleeds.audit.log import atomic_action, record
from saferleeds.audit.models import Operation
from saferleeds.locking import save_versioned
from saferleeds.partners.models import Agency, RecordType
from saferleeds.partners.policy import (
    CASEWORK_ROLES,
    IG_ROLES,
    Actor,
    Forbidden,
    may_change,
)
from saferleeds.people.access import access_person_by_id
from saferleeds.people.models import AgencyReference, Person
from saferleeds.textclean import clean_text

EDITABLE = ("given_name", "family_name", "date_of_birth", "sex", "postcode")


def _normalise_postcode(value: str) -> str:
    return " ".join(clean_text(value).upper().split())


def _clean_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The editable fields of ``changes``, text cleaned of bidi and control characters
    (as the forms do, so the API path is covered too)."""
    clean = {k: v for k, v in changes.items() if k in EDITABLE}
    for name in ("given_name", "family_name"):
        if isinstance(clean.get(name), str):
            clean[name] = clean_text(clean[name]).strip()
    if "postcode" in clean:
        clean["postcode"] = _normalise_postcode(clean["postcode"] or "")
    return clean


@transaction.atomic
def do_create_person(
    *,
    actor: Actor,
    reference: str,
    given_name: str,
    family_name: str,
    date_of_birth: date | None = None,
    sex: str = Person.Sex.UNKNOWN,
    postcode: str = "",
) -> Person:
    """Record a person as known to the actor's agency under its own reference."""
    if not actor.has(CASEWORK_ROLES) or actor.agency_id is None:
        raise Forbidden("only practitioners and case coordinators record people")
    person = Person.objects.create(
        given_name=clean_text(given_name).strip(),
        family_name=clean_text(family_name).strip(),
        date_of_birth=date_of_birth,
        sex=sex,
        postcode=_normalise_postcode(postcode),
        created_by_id=actor.agency_id,
    )
    AgencyReference.objects.create(
        person=person,
        agency_id=actor.agency_id,
        reference=clean_text(reference).strip(),
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="people.person.create",
        record_type=RecordType.PERSON,
        record_id=person.pk,
        subject_person_id=person.pk,
    )
    return person


@atomic_action
def do_update_person(
    person_id: int, *, actor: Actor, expected_version: int, changes: dict[str, Any]
) -> Person:
    """Change a person's details if nobody saved since ``expected_version``.

    The audit entry names the fields changed, not their values, so the log itself holds
    no more personal data than it must.

    Raises:
        NotFound: The actor may not see the person.
        Forbidden: The actor may see but not change them.
        Conflict: Someone else saved first; nothing is overwritten.
    """
    person = access_person_by_id(actor, person_id, audit=False)
    holders = set(person.agency_refs.values_list("agency_id", flat=True))
    cases = set(person.case_links.values_list("case_id", flat=True))
    if not may_change(actor, holders, cases):
        raise Forbidden("you may not change this person's details")
    clean = _clean_changes(changes)
    changed = sorted(k for k, v in clean.items() if getattr(person, k) != v)
    save_versioned(Person, person.pk, expected_version, clean)
    record(
        actor,
        operation=Operation.ALTERATION,
        event="people.person.update",
        record_type=RecordType.PERSON,
        record_id=person.pk,
        subject_person_id=person.pk,
        detail={"fields": changed, "from_version": expected_version},
    )
    person.refresh_from_db()
    return person


@atomic_action
def do_add_agency_reference(
    person_id: int, *, actor: Actor, reference: str
) -> AgencyReference:
    """Record that the actor's agency also knows this person (combination of records)."""
    person = access_person_by_id(actor, person_id, audit=False)
    if not actor.has(CASEWORK_ROLES) or actor.agency_id is None:
        raise Forbidden("only practitioners and case coordinators link records")
    ref = AgencyReference.objects.create(
        person=person,
        agency=Agency.objects.get(pk=actor.agency_id),
        reference=reference.strip(),
    )
    record(
        actor,
        operation=Operation.COMBINATION,
        event="people.agency_reference.add",
        record_type=RecordType.PERSON,
        record_id=person.pk,
        subject_person_id=person.pk,
        detail={"agency": actor.agency_code},
    )
    return ref


@atomic_action
def do_erase_agency_record(person_id: int, *, actor: Actor, reason: str) -> bool:
    """Erase the actor's agency's record of a person; the person goes when no agency holds them.

    For information-governance leads acting on a retention review or an erasure request.
    The audit entry records who erased what and why, never the erased content (ICO).

    Returns:
        Whether the person was deleted entirely.

    Raises:
        Forbidden: Not an IG lead, no reason given, or the agency does not hold the person.
        NotFound: The actor may not see the person.
    """
    if not actor.has(IG_ROLES) or not reason.strip():
        raise Forbidden("erasure is for information-governance leads, with a reason")
    person = access_person_by_id(actor, person_id, audit=False)
    removed, _ = AgencyReference.objects.filter(
        person=person, agency_id=actor.agency_id
    ).delete()
    if not removed:
        raise Forbidden("your agency holds no record of this person")
    gone = not AgencyReference.objects.filter(person=person).exists()
    if gone:
        person.delete()
    record(
        actor,
        operation=Operation.ERASURE,
        event="people.person.erase",
        record_type=RecordType.PERSON,
        record_id=person_id,
        subject_person_id=person_id,
        detail={
            "agency": actor.agency_code,
            "person_deleted": gone,
            "reason": reason[:200],
        },
    )
    return gone
