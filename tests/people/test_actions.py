"""Changing people: optimistic locking, erasure, and the audit of each."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from saferleeds.audit.models import AuditEntry
from saferleeds.locking import Conflict
from saferleeds.partners.actions import do_create_agreement, do_ensure_user
from saferleeds.partners.models import Agency, RecordType, Role
from saferleeds.partners.policy import Forbidden, NotFound, actor_for
from saferleeds.people.access import access_person_by_id
from saferleeds.people.actions import (
    do_add_agency_reference,
    do_create_person,
    do_erase_agency_record,
    do_update_person,
)
from saferleeds.people.models import Person


@pytest.fixture
def person(personas: dict[str, Any]) -> Person:
    return do_create_person(
        actor=actor_for(personas["carol.coordinator"]),
        reference="LCC-1",
        given_name="Ann",
        family_name="Lee",
        date_of_birth=date(1990, 1, 2),
        postcode="ls9  7ab",
    )


@pytest.mark.django_db
def test_second_save_from_the_same_version_conflicts_and_overwrites_nothing(
    personas: dict[str, Any], person: Person
) -> None:
    carol = actor_for(personas["carol.coordinator"])
    assert person.postcode == "LS9 7AB"  # normalised on the way in
    do_update_person(
        person.pk, actor=carol, expected_version=1, changes={"family_name": "Leigh"}
    )
    with pytest.raises(Conflict) as conflict:
        do_update_person(
            person.pk, actor=carol, expected_version=1, changes={"family_name": "Lea"}
        )
    assert conflict.value.current_version == 2
    person.refresh_from_db()
    assert (person.family_name, person.version) == ("Leigh", 2)
    assert AuditEntry.objects.filter(event="people.person.update").count() == 1


@pytest.mark.django_db
def test_only_holders_and_case_members_change_a_person(
    personas: dict[str, Any], person: Person
) -> None:
    with pytest.raises(NotFound):  # the health practitioner cannot even see them
        do_update_person(
            person.pk,
            actor=actor_for(personas["harry.health"]),
            expected_version=1,
            changes={"family_name": "X"},
        )
    with pytest.raises(Forbidden):  # the analyst can see (pseudonymised) but not change
        do_update_person(
            person.pk,
            actor=actor_for(personas["aisha.analyst"]),
            expected_version=1,
            changes={"family_name": "X"},
        )
    person.refresh_from_db()
    assert person.family_name == "Lee" and person.version == 1


@pytest.mark.django_db
def test_erasure_removes_one_agencys_record_then_the_person(
    personas: dict[str, Any], person: Person
) -> None:
    iris = actor_for(personas["iris.ig"])
    with pytest.raises(Forbidden):
        do_erase_agency_record(
            person.pk, actor=actor_for(personas["carol.coordinator"]), reason="request"
        )
    with pytest.raises(Forbidden):
        do_erase_agency_record(person.pk, actor=iris, reason=" ")
    assert (
        do_erase_agency_record(person.pk, actor=iris, reason="retention review") is True
    )
    assert not Person.objects.filter(pk=person.pk).exists()
    entry = AuditEntry.objects.get(event="people.person.erase")
    assert entry.operation == "erasure" and entry.subject_person_id == person.pk
    assert entry.detail == {
        "agency": "lcc",
        "person_deleted": True,
        "reason": "retention review",
    }
    assert "Lee" not in str(entry.detail) and "Ann" not in str(entry.detail)


@pytest.mark.django_db
def test_a_person_held_by_two_agencies_survives_one_erasure(
    personas: dict[str, Any], person: Person
) -> None:
    wyp_ig = do_ensure_user(
        "wyp.ig",
        agency=Agency.objects.get(code="wyp"),
        roles=[Role.IG_LEAD],
        password=None,
        actor=None,
    )
    # The police see the council's record under an agreement and link their own to it.
    lcc, wyp = Agency.objects.get(code="lcc"), Agency.objects.get(code="wyp")
    do_create_agreement(
        actor=None,
        reference="t",
        providers=[lcc],
        recipients=[wyp],
        title="t",
        purpose="t",
        lawful_basis="t",
        record_types=[RecordType.PERSON],
        starts_on=date(2020, 1, 1),
        ends_on=date(2100, 1, 1),
        signed_by="t",
        signed_on=date(2020, 1, 1),
    )
    do_add_agency_reference(
        person.pk,
        actor=actor_for(personas["pete.practitioner"]),
        reference="WY12345678",
    )
    assert (
        do_erase_agency_record(
            person.pk, actor=actor_for(personas["iris.ig"]), reason="request"
        )
        is False
    )
    assert access_person_by_id(actor_for(wyp_ig), person.pk).family_name == "Lee"
    with pytest.raises(NotFound):  # the council no longer holds them
        access_person_by_id(actor_for(personas["iris.ig"]), person.pk)
