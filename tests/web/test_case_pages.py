"""Case pages through Django's test client: the list and its filters, the case page,
its forms, and document downloads.

The world (built through the actions; no sharing agreements): Carol (Leeds City Council)
leads three cases and added Pete (police) to the first; Pete leads a police case of his
own. Harry (NHS) is on none of them. Aisha is an LCC analyst.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import actor_for
from saferleeds.people.actions import do_create_person
from saferleeds.people.present import pseudonym
from saferleeds.places.models import Area
from saferleeds.safeguarding.actions import cases as actions
from saferleeds.safeguarding.models import Case, CaseTask
from tests.safeguarding.test_case_actions import PDF


@pytest.fixture
def world(personas: dict[str, Any], tmp_path: Path, settings: Any) -> dict[str, Any]:
    settings.SAFERLEEDS_DOCUMENT_ROOT = tmp_path / "documents"
    return build_world(personas)


def build_world(personas: dict[str, Any]) -> dict[str, Any]:
    """Areas, cases, a person, tasks and a document, created through the actions."""
    today = timezone.localdate()
    agencies = {a.code: a for a in Agency.objects.all()}
    lsoa = Area.objects.create(code="E01011111", name="Leeds 001A", level="lsoa")
    other_lsoa = Area.objects.create(code="E01022222", name="Leeds 099Z", level="lsoa")
    msoa = Area.objects.create(code="E02000001", name="Leeds 001", level="msoa")
    msoa.lsoas.add(lsoa)
    carol = actor_for(personas["carol.coordinator"])
    pete = actor_for(personas["pete.practitioner"])
    opened = today - timedelta(days=60)
    marac = actions.do_create_case(
        actor=carol,
        case_type="marac",
        title="MARAC referral for Alice Smith",
        opened_on=opened,
        area_id=lsoa.pk,
        risk_level="high",
        review_due_on=today + timedelta(days=7),
    )
    asb = actions.do_create_case(
        actor=carol,
        case_type="asb",
        title="Noise nuisance on Elm Row",
        opened_on=opened,
        area_id=other_lsoa.pk,
        review_due_on=today + timedelta(days=8),
    )
    closed = actions.do_create_case(
        actor=carol, case_type="general", title="Closed welfare case", opened_on=opened
    )
    police = actions.do_create_case(
        actor=pete, case_type="general", title="Police-only case", opened_on=opened
    )
    carol = actor_for(personas["carol.coordinator"])
    actions.do_close_case(
        closed.pk,
        actor=carol,
        expected_version=1,
        outcome="resolved",
        closed_on=today,
    )
    alice = do_create_person(
        actor=carol, reference="LCC-1", given_name="Alice", family_name="Smith"
    )
    actions.do_link_person_to_case(marac.pk, alice.pk, "victim", actor=carol)
    actions.do_add_case_note(marac.pk, actor=carol, kind="fact", text="Alice moved.")
    late = actions.do_add_case_task(
        asb.pk,
        actor=carol,
        title="Send a warning letter",
        owner_agency_id=agencies["lcc"].pk,
        due_on=today - timedelta(days=1),
    )
    actions.do_add_case_task(
        marac.pk,
        actor=carol,
        title="Flag the address",
        owner_agency_id=agencies["wyp"].pk,
        due_on=today,
    )
    doc = actions.do_upload_case_document(
        marac.pk, actor=carol, title="Action plan", filename="plan.pdf", data=PDF
    )
    actions.do_add_case_member(marac.pk, personas["pete.practitioner"], actor=carol)
    return {
        "marac": marac,
        "asb": asb,
        "closed": closed,
        "police": police,
        "alice": alice,
        "late": late,
        "doc": doc,
        "lsoa": lsoa,
        "msoa": msoa,
        "agencies": agencies,
    }


def client_for(personas: dict[str, Any], sign_in: Any, username: str) -> Client:
    return sign_in(Client(), personas[username])


def listed(response: Any) -> set[str]:
    """References shown in the case list."""
    return set(re.findall(r"(?:MARAC|ASB|CASE)-\d{4}-\d{3}", response.content.decode()))


@pytest.mark.django_db
def test_list_shows_open_cases_and_audits_each_one(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    carol = client_for(personas, sign_in, "carol.coordinator")
    r = carol.get("/cases/")
    assert r.status_code == 200
    assert listed(r) == {world["marac"].reference, world["asb"].reference}
    seen = AuditEntry.objects.filter(
        event="safeguarding.case.list", actor_username="carol.coordinator"
    )
    assert {e.record_id for e in seen} == {
        str(world["marac"].pk),
        str(world["asb"].pk),
    }
    assert {e.operation for e in seen} == {Operation.CONSULTATION}
    # The overdue task shows on its case's next due date.
    assert "Overdue" in r.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=closed", {"closed"}),
        ("status=all", {"marac", "asb", "closed"}),
        ("status=all&case_type=asb", {"asb"}),
        ("status=all&case_type=marac", {"marac"}),
        ("status=all&lead_agency={wyp}", set()),
        ("status=all&lead_agency={lcc}", {"marac", "asb", "closed"}),
        ("area={lsoa}", {"marac"}),
        ("area={msoa}", {"marac"}),
        ("due=overdue", {"asb"}),
        ("due=7", {"marac"}),
        ("due=14", {"marac", "asb"}),
        ("status=bogus&due=nonsense", {"marac", "asb"}),
    ],
)
def test_each_filter(
    world: dict[str, Any],
    personas: dict[str, Any],
    sign_in: Any,
    query: str,
    expected: set[str],
) -> None:
    carol = client_for(personas, sign_in, "carol.coordinator")
    ids = {
        "wyp": world["agencies"]["wyp"].pk,
        "lcc": world["agencies"]["lcc"].pk,
        "lsoa": world["lsoa"].pk,
        "msoa": world["msoa"].pk,
    }
    r = carol.get(f"/cases/?{query.format(**ids)}")
    assert r.status_code == 200
    assert listed(r) == {world[k].reference for k in expected}


@pytest.mark.django_db
def test_list_is_paginated(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    carol_actor = actor_for(personas["carol.coordinator"])
    for n in range(26):
        actions.do_create_case(
            actor=carol_actor, case_type="general", title=f"Bulk {n}"
        )
    carol = client_for(personas, sign_in, "carol.coordinator")
    first = carol.get("/cases/?case_type=general")
    second = carol.get("/cases/?case_type=general&page=2")
    assert len(listed(first)) == 25 and len(listed(second)) == 1
    assert "page 1 of 2" in first.content.decode()
    assert 'href="?case_type=general&amp;page=2"' in first.content.decode()


@pytest.mark.django_db
def test_case_page_for_a_member_of_another_agency(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    pete = client_for(personas, sign_in, "pete.practitioner")
    r = pete.get(f"/cases/{world['marac'].pk}/")
    assert r.status_code == 200
    page = r.content.decode()
    for text in (
        world["marac"].reference,
        "Alice Smith",
        "Alice moved.",
        "Flag the address",
        "Action plan",
        "Case opened",
        "Pete Walsh",
    ):
        assert text in page, text
    # Pete's agency owns the task, so he may complete it.
    assert "/complete/" in page
    consulted = AuditEntry.objects.filter(
        event="safeguarding.case.view_records", actor_username="pete.practitioner"
    )
    assert {e.record_type for e in consulted} >= {"case_note", "case_task", "person"}
    assert AuditEntry.objects.filter(
        event="safeguarding.case.view", actor_username="pete.practitioner"
    ).exists()


@pytest.mark.django_db
def test_case_page_is_404_for_another_agency_without_agreement_or_membership(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    harry = client_for(personas, sign_in, "harry.health")
    assert harry.get(f"/cases/{world['marac'].pk}/").status_code == 404
    assert harry.get("/cases/999999/").status_code == 404
    assert AuditEntry.objects.filter(
        operation=Operation.REFUSAL,
        actor_username="harry.health",
        record_id=str(world["marac"].pk),
    ).exists()
    assert listed(harry.get("/cases/?status=all")) == set()
    # Carol may not see the police case either.
    carol = client_for(personas, sign_in, "carol.coordinator")
    assert carol.get(f"/cases/{world['police'].pk}/").status_code == 404


@pytest.mark.django_db
def test_analyst_sees_pseudonyms_and_no_free_text(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    aisha = client_for(personas, sign_in, "aisha.analyst")
    r = aisha.get(f"/cases/{world['marac'].pk}/")
    assert r.status_code == 200
    page = r.content.decode()
    assert pseudonym(world["alice"].pk) in page
    for secret in (
        "Alice",
        "Smith",
        world["marac"].reference,
        "Alice moved.",
        "Flag the address",
        "plan.pdf",
    ):
        assert secret not in page, secret
    assert f"/documents/{world['doc'].pk}/" not in page
    listing = aisha.get("/cases/").content.decode()
    assert listed(aisha.get("/cases/")) == set()
    assert f"Case {world['marac'].pk}" in listing
    # No forms for analysts.
    assert aisha.get(f"/cases/{world['marac'].pk}/tasks/new/").status_code == 403
    assert aisha.get("/cases/new/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username", ["ed.executive", "fran.agencyadmin", "sam.sysadmin"]
)
def test_roles_without_personal_data_are_refused(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any, username: str
) -> None:
    user = client_for(personas, sign_in, username)
    assert user.get("/cases/").status_code == 403
    assert user.get(f"/cases/{world['marac'].pk}/").status_code == 403


@pytest.mark.django_db
def test_document_download_is_audited_and_refused_to_others(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    url = f"/cases/{world['marac'].pk}/documents/{world['doc'].pk}/"
    pete = client_for(personas, sign_in, "pete.practitioner")
    r = pete.get(url)
    assert r.status_code == 200
    assert b"".join(r) == PDF if r.streaming else r.content == PDF
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert r["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in r["Cache-Control"]
    [entry] = AuditEntry.objects.filter(event="safeguarding.case_document.download")
    assert (entry.operation, entry.actor_username, entry.record_id) == (
        Operation.CONSULTATION,
        "pete.practitioner",
        str(world["doc"].pk),
    )
    harry = client_for(personas, sign_in, "harry.health")
    assert harry.get(url).status_code == 404
    aisha = client_for(personas, sign_in, "aisha.analyst")
    assert aisha.get(url).status_code == 403
    # The right document under the wrong case is not found.
    wrong = f"/cases/{world['asb'].pk}/documents/{world['doc'].pk}/"
    assert pete.get(wrong).status_code == 404
    downloads = AuditEntry.objects.filter(
        event="safeguarding.case_document.download", operation=Operation.CONSULTATION
    )
    assert downloads.count() == 1  # Pete's only: nothing was sent for the wrong case


@pytest.mark.django_db
def test_task_form_errors_then_success(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    carol = client_for(personas, sign_in, "carol.coordinator")
    url = f"/cases/{world['marac'].pk}/tasks/new/"
    assert carol.get(url).status_code == 200
    r = carol.post(
        url, {"title": "", "owner_agency": "", "due_day": "31", "due_month": "2"}
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert "govuk-error-summary" in page
    for message in (
        "Enter what needs to be done",
        "Select the agency that owns the task",
        "Due date must include a year",
    ):
        assert message in page, message
    opened = world["marac"].opened_on - timedelta(days=1)
    r = carol.post(
        url,
        {
            "title": "Too early",
            "owner_agency": world["agencies"]["ccg"].pk,
            "due_day": opened.day,
            "due_month": opened.month,
            "due_year": opened.year,
        },
    )
    assert r.status_code == 400
    assert "Due date must be on or after the date the case opened" in r.content.decode()
    due = timezone.localdate() + timedelta(days=5)
    r = carol.post(
        url,
        {
            "title": "GP letter",
            "owner_agency": world["agencies"]["ccg"].pk,
            "due_day": due.day,
            "due_month": due.month,
            "due_year": due.year,
        },
    )
    assert r.status_code == 302
    assert CaseTask.objects.filter(title="GP letter", due_on=due).exists()


@pytest.mark.django_db
def test_editing_from_an_old_version_is_a_conflict(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    carol = client_for(personas, sign_in, "carol.coordinator")
    url = f"/cases/{world['marac'].pk}/edit/"
    form = {"title": "First save", "risk_level": "high", "version": "1"}
    assert carol.post(url, form).status_code == 302
    r = carol.post(url, {**form, "title": "Second save"})
    assert r.status_code == 409
    assert "Someone else changed this case" in r.content.decode()
    assert 'name="version" value="2"' in r.content.decode()
    rows = r.context["conflict_rows"]
    assert rows == [("Title", "First save", "Second save")]
    assert Case.objects.get(pk=world["marac"].pk).title == "First save"


@pytest.mark.django_db
def test_upload_page_refuses_wrong_content_and_accepts_a_pdf(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any, settings: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.SAFERLEEDS_DOCUMENT_MAX_BYTES = len(PDF)
    carol = client_for(personas, sign_in, "carol.coordinator")
    url = f"/cases/{world['marac'].pk}/documents/new/"
    fake = SimpleUploadedFile("x.pdf", b"MZ" + b"\x00" * 10)
    r = carol.post(url, {"title": "Fake", "file": fake})
    assert r.status_code == 400
    assert "not a real PDF" in r.content.decode()
    big = SimpleUploadedFile("big.pdf", PDF + b" ")
    r = carol.post(url, {"title": "Big", "file": big})
    assert r.status_code == 400 and "must be smaller than" in r.content.decode()
    r = carol.post(url, {"title": "", "file": SimpleUploadedFile("ok.pdf", PDF)})
    assert "Enter a title for the document" in r.content.decode()
    r = carol.post(url, {"title": "Fits", "file": SimpleUploadedFile("ok.pdf", PDF)})
    assert r.status_code == 302


@pytest.mark.django_db
def test_close_and_reopen_pages_are_for_the_lead_agency(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    pete = client_for(personas, sign_in, "pete.practitioner")
    assert pete.get(f"/cases/{world['marac'].pk}/close/").status_code == 403
    carol = client_for(personas, sign_in, "carol.coordinator")
    today = timezone.localdate()
    r = carol.post(
        f"/cases/{world['marac'].pk}/close/",
        {
            "outcome": "risk_reduced",
            "closed_day": today.day,
            "closed_month": today.month,
            "closed_year": today.year,
            "version": world["marac"].version,
        },
    )
    assert r.status_code == 302
    page = carol.get(f"/cases/{world['marac'].pk}/").content.decode()
    assert "Risk reduced" in page and "Reopen case" in page
    assert carol.get(f"/cases/{world['marac'].pk}/tasks/new/").status_code == 403
    r = carol.post(f"/cases/{world['marac'].pk}/reopen/", {"reason": "", "version": 3})
    assert r.status_code == 400
    assert "Enter why the case is being reopened" in r.content.decode()


@pytest.mark.django_db
def test_link_a_person_and_a_place_from_a_linked_incident_then_unlink(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    from saferleeds.incidents.actions import (
        do_create_incident,
        do_link_person_to_incident,
    )
    from saferleeds.places.actions import do_create_place
    from saferleeds.safeguarding.models import CaseIncident, CasePerson, CasePlace

    carol_actor = actor_for(personas["carol.coordinator"])
    bob = do_create_person(
        actor=carol_actor, reference="LCC-2", given_name="Bob", family_name="Jones"
    )
    place = do_create_place(actor=carol_actor, address="2 Elm Row", postcode="LS6 1AA")
    incident = do_create_incident(
        actor=carol_actor,
        reference="LCC-INC-7",
        category="domestic_abuse",
        occurred_on=timezone.localdate(),
        place=place,
    )
    do_link_person_to_incident(incident.pk, bob.pk, "suspect", actor=carol_actor)
    carol = client_for(personas, sign_in, "carol.coordinator")
    case_url = f"/cases/{world['marac'].pk}"
    # Nothing to offer until the incident is linked.
    assert (
        "There is no one to link"
        in carol.get(f"{case_url}/people/new/").content.decode()
    )
    r = carol.post(f"{case_url}/incidents/new/", {"reference": "nope"})
    assert r.status_code == 400
    assert "No incident you have access to has that reference" in r.content.decode()
    r = carol.post(f"{case_url}/incidents/new/", {"reference": "lcc-inc-7"})
    assert r.status_code == 302
    assert CaseIncident.objects.filter(incident=incident).exists()
    r = carol.post(f"{case_url}/people/new/", {"person": bob.pk})
    assert r.status_code == 400
    assert "Select the person&#x27;s role on the case" in r.content.decode()
    r = carol.post(f"{case_url}/people/new/", {"person": bob.pk, "role": "suspect"})
    assert r.status_code == 302
    r = carol.post(f"{case_url}/places/new/", {"place": place.pk, "note": "Bob's flat"})
    assert r.status_code == 302
    assert CasePlace.objects.get(place=place).note == "Bob's flat"
    page = carol.get(f"{case_url}/").content.decode()
    assert "Bob Jones" in page and "2 Elm Row" in page and "LCC-INC-7" in page
    # Unlinking, by the buttons' posts.
    assert (
        carol.post(
            f"{case_url}/people/{bob.pk}/unlink/", {"role": "suspect"}
        ).status_code
        == 302
    )
    assert not CasePerson.objects.filter(person=bob).exists()
    assert carol.post(f"{case_url}/places/{place.pk}/unlink/").status_code == 302
    assert carol.post(f"{case_url}/incidents/{incident.pk}/unlink/").status_code == 302
    assert not CaseIncident.objects.filter(incident=incident).exists()
    # Unlinking what is not linked is refused; a stranger gets 404; GET is not allowed.
    assert carol.post(f"{case_url}/places/{place.pk}/unlink/").status_code == 403
    harry = client_for(personas, sign_in, "harry.health")
    assert harry.post(f"{case_url}/places/{place.pk}/unlink/").status_code == 404
    assert carol.get(f"{case_url}/places/{place.pk}/unlink/").status_code == 405


@pytest.mark.django_db
def test_members_are_added_from_any_agency_and_removed(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    carol = client_for(personas, sign_in, "carol.coordinator")
    case_url = f"/cases/{world['marac'].pk}"
    page = carol.get(f"{case_url}/members/new/").content.decode()
    assert "Harry" in page and "Aisha" not in page  # caseworkers only
    harry = personas["harry.health"]
    assert carol.post(f"{case_url}/members/new/", {"user": ""}).status_code == 400
    assert carol.post(f"{case_url}/members/new/", {"user": harry.pk}).status_code == 302
    entry = AuditEntry.objects.get(
        event="safeguarding.case.add_member", recipient="harry.health"
    )
    assert entry.operation == Operation.DISCLOSURE
    assert (
        client_for(personas, sign_in, "harry.health").get(f"{case_url}/").status_code
        == 200
    )
    assert carol.post(f"{case_url}/members/{harry.pk}/remove/").status_code == 302
    assert (
        client_for(personas, sign_in, "harry.health").get(f"{case_url}/").status_code
        == 404
    )


@pytest.mark.django_db
def test_a_task_is_assigned_only_to_a_worker_of_its_owner_agency(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    carol = client_for(personas, sign_in, "carol.coordinator")
    url = f"/cases/{world['marac'].pk}/tasks/new/"
    due = timezone.localdate()
    form = {
        "title": "Check the GP record",
        "owner_agency": world["agencies"]["wyp"].pk,
        "assigned_to": personas["harry.health"].pk,
        "due_day": due.day,
        "due_month": due.month,
        "due_year": due.year,
    }
    r = carol.post(url, form)
    assert r.status_code == 400
    assert "assigned only to a worker of its owner agency" in r.content.decode()
    assert 'href="#id_assigned_to"' in r.content.decode()
    form["owner_agency"] = world["agencies"]["ccg"].pk
    assert carol.post(url, form).status_code == 302
    task = CaseTask.objects.get(title="Check the GP record")
    assert task.assigned_to == personas["harry.health"]
    assert "Harry" in carol.get(f"/cases/{world['marac'].pk}/").content.decode()


FORM_PAGES = [
    "edit/",
    "consent/",
    "notes/new/",
    "tasks/new/",
    "documents/new/",
    "members/new/",
    "incidents/new/",
    "places/new/",
    "people/new/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", [*FORM_PAGES, "close/", "reopen/"])
def test_form_pages_refuse_strangers_analysts_and_closed_cases(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any, suffix: str
) -> None:
    marac = f"/cases/{world['marac'].pk}/{suffix}"
    closed = f"/cases/{world['closed'].pk}/{suffix}"
    harry = client_for(personas, sign_in, "harry.health")
    assert harry.get(marac).status_code == 404
    assert harry.post(marac, {}).status_code == 404
    aisha = client_for(personas, sign_in, "aisha.analyst")
    assert aisha.get(marac).status_code == 403
    carol = client_for(personas, sign_in, "carol.coordinator")
    if suffix == "reopen/":
        assert carol.get(marac).status_code == 403  # it is open
        assert carol.get(closed).status_code == 200
    elif suffix == "notes/new/":
        assert carol.get(closed).status_code == 200  # notes stay open to add
    else:
        assert carol.get(marac).status_code == 200
        assert carol.get(closed).status_code == 403
        assert carol.post(closed, {}).status_code == 403
