"""Regressions: what a page or bundle shows never exceeds what the policy allows."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from saferleeds.incidents.actions import do_create_incident, do_link_person_to_incident
from saferleeds.infogov.subject_access import do_export_subject_access
from saferleeds.partners.actions import do_create_agreement, do_update_agreement
from saferleeds.partners.models import Agency, RecordType
from saferleeds.partners.policy import NotFound, actor_for
from saferleeds.people.access import PeopleQuery, access_person_by_id, search_people
from saferleeds.people.actions import do_add_agency_reference, do_create_person
from saferleeds.people.present import present_person


def _share(providers: list[str], recipients: list[str], types: list[str]) -> None:
    ag = {a.code: a for a in Agency.objects.all()}
    do_create_agreement(
        actor=None,
        reference=f"{'-'.join(providers)}-to-{'-'.join(recipients)}",
        providers=[ag[c] for c in providers],
        recipients=[ag[c] for c in recipients],
        title="t",
        purpose="t",
        lawful_basis="t",
        record_types=types,
        starts_on=date(2020, 1, 1),
        ends_on=date(2100, 1, 1),
        signed_by="t",
        signed_on=date(2020, 1, 1),
    )


@pytest.fixture
def shared_person(personas: dict[str, Any]) -> Any:
    """Held by the police and probation; the council sees it only through the police."""
    _share(["wyp"], ["lcc"], [RecordType.PERSON])
    _share(["wyp", "nps"], ["wyp", "nps"], [RecordType.PERSON])
    person = do_create_person(
        actor=actor_for(personas["pete.practitioner"]),
        reference="WY00000042",
        given_name="Kim",
        family_name="Ray",
    )
    do_add_agency_reference(
        person.pk, actor=actor_for(personas["nadia.probation"]), reference="X123456"
    )
    return person


@pytest.mark.django_db
def test_holders_outside_the_viewers_agreements_are_not_shown(
    personas: dict[str, Any], shared_person: Any
) -> None:
    carol = actor_for(personas["carol.coordinator"])
    view = present_person(carol, access_person_by_id(carol, shared_person.pk))
    assert view.references == (("West Yorkshire Police", "WY00000042"),)
    assert "National Probation Service" not in view.agencies
    nadia = actor_for(personas["nadia.probation"])
    both = present_person(nadia, access_person_by_id(nadia, shared_person.pk))
    assert {name for name, _ in both.references} == {
        "West Yorkshire Police",
        "National Probation Service",
    }


@pytest.mark.django_db
def test_reference_search_does_not_confirm_unshared_holders(
    personas: dict[str, Any], shared_person: Any
) -> None:
    carol = actor_for(personas["carol.coordinator"])
    assert search_people(carol, PeopleQuery(reference="X123456")) == []
    assert [
        p.id for p in search_people(carol, PeopleQuery(reference="WY00000042"))
    ] == [shared_person.pk]


@pytest.mark.django_db
def test_subject_access_bundle_holds_only_the_leads_agencys_records(
    personas: dict[str, Any],
) -> None:
    carol = actor_for(personas["carol.coordinator"])
    person = do_create_person(
        actor=carol, reference="LCC-9", given_name="Jo", family_name="Ng"
    )
    _share(["lcc"], ["wyp"], [RecordType.PERSON])
    pete = actor_for(personas["pete.practitioner"])
    police = do_create_incident(
        actor=pete,
        reference="WYP-INTEL-9",
        category="crime",
        occurred_on=date(2018, 7, 1),
        summary="police only",
    )
    do_link_person_to_incident(police.pk, person.pk, "suspect", actor=pete)
    council = do_create_incident(
        actor=carol,
        reference="LCC-ASB-1",
        category="asb",
        occurred_on=date(2018, 7, 2),
        summary="council",
    )
    do_link_person_to_incident(council.pk, person.pk, "complainant", actor=carol)
    bundle = json.loads(
        do_export_subject_access(
            person.pk,
            actor=actor_for(personas["iris.ig"]),
            recipient="the data subject",
        )
    )
    incidents = bundle["records"]["incident"]["items"]
    assert [i["reference"] for i in incidents] == ["LCC-ASB-1"]
    assert "police only" not in json.dumps(bundle)


@pytest.mark.django_db
def test_updating_a_missing_agreement_is_not_found(personas: dict[str, Any]) -> None:
    with pytest.raises(NotFound):
        do_update_agreement(
            10**9,
            actor=actor_for(personas["iris.ig"]),
            expected_version=1,
            changes={"title": "x"},
        )


@pytest.mark.django_db
def test_a_refused_change_is_logged_even_though_the_action_rolls_back(
    personas: dict[str, Any], shared_person: Any
) -> None:
    from saferleeds.audit.models import AuditEntry
    from saferleeds.people.actions import do_update_person

    harry = actor_for(
        personas["harry.health"]
    )  # health shares nothing with anyone here
    with pytest.raises(NotFound):
        do_update_person(
            shared_person.pk,
            actor=harry,
            expected_version=1,
            changes={"family_name": "X"},
        )
    with pytest.raises(NotFound):
        do_export_subject_access(
            shared_person.pk, actor=actor_for(personas["iris.ig"]), recipient="someone"
        )
    refusals = AuditEntry.objects.filter(
        operation="refusal", record_id=str(shared_person.pk)
    )
    assert sorted(refusals.values_list("actor_username", flat=True)) == [
        "harry.health",
        "iris.ig",
    ]
