"""People pages through Django's test client: search, a person's record, editing.

The world (built only through the actions, as a user would): West Yorkshire Police shares
person and incident records with Leeds City Council under one agreement in force.

- Alice Smith and Bob Jones: held by WYP; an incident links them (victim, suspect), and
  Alice is on a MARAC case Leeds City Council leads.
- Carl Council: held by LCC.
- Nina Hidden: held by the National Probation Service, shared with no one.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saferleeds.audit.models import AuditEntry
from saferleeds.incidents.actions import do_create_incident, do_link_person_to_incident
from saferleeds.partners.actions import do_create_agreement
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import actor_for
from saferleeds.people.actions import do_create_person
from saferleeds.people.models import Person
from saferleeds.people.present import pseudonym
from saferleeds.safeguarding.actions import do_create_case, do_link_person_to_case

ALICE_DETAILS = ("Alice", "Smith", "WY00000001", "LS1 4AP", "17 May 1990")


def build_world(personas: dict[str, Any]) -> dict[str, Any]:
    """Agreements, people, an incident and a case, created through the actions."""
    agencies = {a.code: a for a in Agency.objects.all()}
    today = timezone.localdate()
    agreement = do_create_agreement(
        actor=None,
        reference="wyp-to-lcc",
        providers=[agencies["wyp"]],
        recipients=[agencies["lcc"]],
        title="Police to council community safety sharing",
        purpose="Reducing crime and anti-social behaviour in Leeds.",
        lawful_basis="Crime and Disorder Act 1998 s115",
        record_types=["person", "incident"],
        starts_on=date(2018, 4, 1),
        ends_on=today + timedelta(days=365),
        signed_by="Chief Officer Safer Leeds; Leeds District Commander",
        signed_on=date(2018, 3, 1),
    )
    pete = actor_for(personas["pete.practitioner"])
    carol = actor_for(personas["carol.coordinator"])
    nadia = actor_for(personas["nadia.probation"])
    alice = do_create_person(
        actor=pete,
        reference="WY00000001",
        given_name="Alice",
        family_name="Smith",
        date_of_birth=date(1990, 5, 17),
        sex=Person.Sex.FEMALE,
        postcode="ls1 4ap",
    )
    bob = do_create_person(
        actor=pete,
        reference="WY00000002",
        given_name="Bob",
        family_name="Jones",
        date_of_birth=date(1985, 1, 2),
        sex=Person.Sex.MALE,
        postcode="LS6 1AA",
    )
    carl = do_create_person(
        actor=carol,
        reference="LCC-000123",
        given_name="Carl",
        family_name="Council",
        date_of_birth=date(1970, 11, 30),
        sex=Person.Sex.MALE,
        postcode="LS9 8AB",
    )
    nina = do_create_person(
        actor=nadia,
        reference="NPS-777",
        given_name="Nina",
        family_name="Hidden",
        date_of_birth=date(1992, 7, 7),
        sex=Person.Sex.FEMALE,
        postcode="LS1 4AP",
    )
    incident = do_create_incident(
        actor=pete,
        reference="WYP-13-0001",
        category="crime",
        occurred_on=date(2024, 3, 2),
        summary="Theft from Alice's car on Park Row.",
    )
    do_link_person_to_incident(incident.pk, alice.pk, "victim", actor=pete)
    do_link_person_to_incident(incident.pk, bob.pk, "suspect", actor=pete)
    case = do_create_case(
        actor=carol,
        reference="MARAC-2024-01",
        case_type="marac",
        title="MARAC referral for Alice Smith",
        opened_on=date(2024, 6, 1),
    )
    do_link_person_to_case(case.pk, alice.pk, "victim", actor=carol)
    return {
        "agreement": agreement,
        "alice": alice,
        "bob": bob,
        "carl": carl,
        "nina": nina,
        "incident": incident,
        "case": case,
    }


@pytest.fixture
def world(personas: dict[str, Any]) -> dict[str, Any]:
    return build_world(personas)


@pytest.fixture
def as_user(personas: dict[str, Any], sign_in: Any) -> Any:
    """A fresh client signed in as the named persona."""

    def _as(username: str) -> Client:
        return sign_in(Client(), personas[username])

    return _as


def html_of(response: Any) -> str:
    return response.content.decode()


def without_tokens(html: str) -> str:
    """The page without its per-render CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_pages_need_sign_in(client: Client, world: dict[str, Any]) -> None:
    for url in ["/people/", f"/people/{world['alice'].pk}/"]:
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/sign-in/")


def test_empty_search_page(as_user: Any, world: dict[str, Any]) -> None:
    r = as_user("carol.coordinator").get("/people/")
    html = html_of(r)
    assert r.status_code == 200
    assert '<h1 class="govuk-heading-l">Find a person</h1>' in html
    for label in ["Name", "Date of birth", "Postcode", "Agency reference"]:
        assert f">{label}<" in html
    assert 'class="govuk-date-input"' in html
    assert "people found" not in html and "govuk-error-summary" not in html


def test_search_shows_only_people_the_actor_may_see(
    as_user: Any, world: dict[str, Any]
) -> None:
    # Alice (WYP, shared with LCC) and Nina (NPS, not shared) share a postcode.
    r = as_user("carol.coordinator").get("/people/", {"postcode": "ls14ap"})
    html = html_of(r)
    assert r.status_code == 200
    assert "1 person found" in html
    assert f'href="/people/{world["alice"].pk}/"' in html and "Alice Smith" in html
    assert "Nina" not in html and "Hidden" not in html
    assert "West Yorkshire Police" in html  # known to

    # WYP does not receive LCC's records: Pete cannot find Carl.
    r = as_user("pete.practitioner").get("/people/", {"name": "carl"})
    assert "0 people found" in html_of(r) and "Council" not in html_of(r)


def test_search_by_each_field(as_user: Any, world: dict[str, Any]) -> None:
    carol = as_user("carol.coordinator")
    alice_link = f'href="/people/{world["alice"].pk}/"'
    assert alice_link in html_of(carol.get("/people/", {"name": "alice smith"}))
    dob = {"dob_day": "17", "dob_month": "5", "dob_year": "1990"}
    assert alice_link in html_of(carol.get("/people/", dob))
    assert alice_link in html_of(carol.get("/people/", {"reference": "wy00000001"}))
    r = carol.get(
        "/people/",
        {"name": "smith", "dob_day": "1", "dob_month": "1", "dob_year": "2000"},
    )
    assert "0 people found" in html_of(r)


def test_search_audits_each_person_returned(
    as_user: Any, world: dict[str, Any]
) -> None:
    as_user("carol.coordinator").get("/people/", {"postcode": "LS1 4AP"})
    found = AuditEntry.objects.filter(
        event="people.person.search", actor_username="carol.coordinator"
    )
    assert list(found.values_list("record_id", flat=True)) == [str(world["alice"].pk)]
    assert found.get().purpose == "people search"


@pytest.mark.parametrize(
    ("params", "message", "anchor"),
    [
        (
            {"dob_day": "31", "dob_month": "2", "dob_year": "1990"},
            "Date of birth must be a real date",
            "dob-day",
        ),
        (
            {"dob_day": "3", "dob_month": "", "dob_year": "1990"},
            "Date of birth must include a month",
            "dob-month",
        ),
        (
            {"postcode": "not a postcode"},
            "Enter a full postcode, like LS1 4AP",
            "id_postcode",
        ),
        (
            {"name": "", "postcode": ""},
            "Enter at least one detail to search for",
            "id_name",
        ),
    ],
)
def test_invalid_search_shows_error_summary(
    as_user: Any,
    world: dict[str, Any],
    params: dict[str, str],
    message: str,
    anchor: str,
) -> None:
    r = as_user("carol.coordinator").get("/people/", params)
    html = html_of(r)
    assert r.status_code == 400
    assert "<title>Error: Find a person" in html
    assert 'class="govuk-error-summary"' in html and "There is a problem" in html
    assert f'<a href="#{anchor}">{message}</a>' in html
    assert f'id="{anchor}"' in html  # the summary's link lands on a real field
    assert not AuditEntry.objects.filter(event="people.person.search").exists()


def test_person_page_shows_record_and_audits_the_view(
    as_user: Any, world: dict[str, Any]
) -> None:
    alice = world["alice"]
    r = as_user("carol.coordinator").get(f"/people/{alice.pk}/")
    html = html_of(r)
    assert r.status_code == 200
    assert "<title>Alice Smith" in html
    for text in ["Alice", "Smith", "17 May 1990", "Female", "LS1 4AP"]:
        assert text in html
    # Known to: WYP with its reference.
    assert "West Yorkshire Police" in html and "WY00000001" in html
    # Roles across agencies: the WYP incident (shared) and the LCC case (led by LCC).
    assert "Incident: Crime" in html and "WYP-13-0001" in html
    assert "MARAC case" in html and "MARAC-2024-01" in html
    assert html.count("moj-badge") >= 2 and ">Victim<" in html
    # MOJ timeline, newest first: the case (June 2024) before the incident (March).
    assert 'class="moj-timeline"' in html
    assert html.index('datetime="2024-06-01"') < html.index('datetime="2024-03-02"')
    entry = AuditEntry.objects.get(event="people.person.view", record_id=str(alice.pk))
    assert entry.actor_username == "carol.coordinator"
    assert entry.operation == "consultation" and entry.subject_person_id == alice.pk
    assert entry.purpose == "view person record"
    # The incident and case shown are logged as seen too.
    shown = AuditEntry.objects.filter(event="people.person.roles")
    assert {(e.record_type, e.record_id) for e in shown} == {
        ("incident", str(world["incident"].pk)),
        ("case", str(world["case"].pk)),
    }


def test_person_outside_agreements_is_the_same_404_as_a_missing_one(
    as_user: Any, world: dict[str, Any]
) -> None:
    carol = as_user("carol.coordinator")
    refused = carol.get(f"/people/{world['nina'].pk}/")
    missing = carol.get("/people/987654321/")
    assert refused.status_code == missing.status_code == 404
    assert without_tokens(html_of(refused)) == without_tokens(html_of(missing))
    assert "Page not found" in html_of(refused) and "Nina" not in html_of(refused)
    # The refusal is logged (a missing id has nothing to log against); no consultation.
    entries = AuditEntry.objects.filter(
        event="people.person.view", record_id=str(world["nina"].pk)
    )
    assert list(entries.values_list("operation", flat=True)) == ["refusal"]


def test_analyst_sees_pseudonyms_and_no_identities(
    as_user: Any, world: dict[str, Any]
) -> None:
    aisha = as_user("aisha.analyst")
    alice = world["alice"]
    code = pseudonym(alice.pk)

    search = aisha.get("/people/")
    html = html_of(search)
    assert 'name="pseudonym"' in html
    assert 'name="name"' not in html and 'name="reference"' not in html

    found = aisha.get("/people/", {"pseudonym": code.lower()})
    page = aisha.get(f"/people/p/{code}/")
    assert found.status_code == page.status_code == 200
    for html in [html_of(found), html_of(page)]:
        assert code in html
        for identity in [
            *ALICE_DETAILS,
            "1990-05-17",
            "WYP-13-0001",  # incident reference
            "MARAC-2024-01",  # case reference
            "Park Row",  # incident summary
            "MARAC referral for",  # case title
        ]:
            assert identity not in html, identity
    html = html_of(page)
    assert "Person (pseudonymised)" in html
    assert "1990" in html and "LS1" in html  # year of birth, postcode district
    assert "Incident: Crime" in html and "Victim" in html
    # Identifying fields in the query string are not a way round the pseudonym form.
    r = aisha.get("/people/", {"name": "Alice"})
    assert r.status_code == 400 and "Alice Smith" not in html_of(r)


def test_roles_without_personal_data_are_refused(
    as_user: Any, world: dict[str, Any]
) -> None:
    ed = as_user("ed.executive")
    r = ed.get("/people/")
    assert r.status_code == 403
    assert "You cannot do this" in html_of(r)
    # A record page answers as for a missing record.
    assert ed.get(f"/people/{world['alice'].pk}/").status_code == 404


def test_navigation_shows_pages_by_role(as_user: Any, world: dict[str, Any]) -> None:
    def nav(username: str) -> set[str]:
        html = html_of(as_user(username).get("/agreements/"))
        menu = html.split('id="navigation"')[1].split("</ul>")[0]
        return set(
            re.findall(r'class="govuk-service-navigation__link" href="([^"]+)"', menu)
        )

    everyone = {"/overview/", "/indicators/", "/places/map/", "/plan/", "/agreements/"}
    # "Casework" leads to the first casework page the role may open (issue #16 item 5):
    # the case list for roles that see personal data, the MARAC figures for executives.
    assert nav("carol.coordinator") == everyone | {
        "/people/",
        "/cases/",
        "/iom/",
        "/linkage/review/",
        "/plan/jsa/",
        "/plan/tensions/",
    }
    assert nav("aisha.analyst") == everyone | {
        "/people/",
        "/cases/",
        "/plan/jsa/",
        "/plan/tensions/",
    }
    assert nav("iris.ig") == everyone | {"/people/", "/cases/", "/audit/"}
    assert nav("ed.executive") == everyone | {
        "/marac/figures/",
        "/plan/jsa/",
        "/plan/tensions/",
    }
    html = html_of(as_user("carol.coordinator").get(f"/people/{world['alice'].pk}/"))
    assert 'href="/people/" aria-current="true">People<' in html


def test_navigation_lists_each_page_once_for_several_roles(
    personas: dict[str, Any], sign_in: Any, db: None
) -> None:
    from saferleeds.partners.actions import do_ensure_user
    from saferleeds.partners.models import Role

    user = do_ensure_user(
        "multi.role",
        agency=Agency.objects.get(code="lcc"),
        roles=[Role.PRACTITIONER, Role.ANALYST, Role.SYSTEM_ADMIN, Role.IG_LEAD],
        password=None,
        actor=None,
    )
    html = html_of(sign_in(Client(), user).get("/people/"))
    menu = html.split('id="navigation"')[1].split("</ul>")[0]
    links = re.findall(r'class="govuk-service-navigation__link" href="([^"]+)"', menu)
    assert links == [
        "/overview/",
        "/indicators/",
        "/places/map/",
        "/people/",
        "/cases/",
        "/iom/",
        "/linkage/review/",
        "/plan/",
        "/plan/jsa/",
        "/plan/tensions/",
        "/agreements/",
        "/audit/",
        "/administration/",
    ]


def test_edit_conflict_keeps_the_first_save(
    as_user: Any, world: dict[str, Any]
) -> None:
    alice = world["alice"]
    url = f"/people/{alice.pk}/edit/"
    pete, carol = as_user("pete.practitioner"), as_user("carol.coordinator")
    # Both open the form at version 1.
    for client in (pete, carol):
        form = client.get(url)
        assert form.status_code == 200
        assert '<input type="hidden" name="version" value="1">' in html_of(form)
    base = {
        "given_name": "Alice",
        "dob_day": "17",
        "dob_month": "5",
        "dob_year": "1990",
        "sex": "F",
        "postcode": "LS1 4AP",
        "version": "1",
    }
    first = pete.post(url, {**base, "family_name": "Smith-Jones"})
    assert first.status_code == 302 and first["Location"] == f"/people/{alice.pk}/"
    assert "Details saved" in html_of(pete.get(first["Location"]))

    second = carol.post(url, {**base, "family_name": "Brown", "postcode": "LS2 7HY"})
    html = html_of(second)
    assert second.status_code == 409
    assert "<title>Error: Change details" in html
    assert "Someone else changed this record" in html
    assert "changed by someone else while you were editing it" in html
    assert "Nothing was saved" in html
    # What is saved now beside what they typed, and the form now at version 2.
    assert "Smith-Jones" in html and "Brown" in html and "LS2 7HY" in html
    assert '<input type="hidden" name="version" value="2">' in html

    alice.refresh_from_db()
    assert (alice.family_name, alice.postcode, alice.version) == (
        "Smith-Jones",
        "LS1 4AP",
        2,
    )
    updates = AuditEntry.objects.filter(event="people.person.update")
    assert [e.actor_username for e in updates] == ["pete.practitioner"]
    assert updates.get().detail == {"fields": ["family_name"], "from_version": 1}


def test_edit_validation_errors(as_user: Any, world: dict[str, Any]) -> None:
    alice = world["alice"]
    r = as_user("pete.practitioner").post(
        f"/people/{alice.pk}/edit/",
        {
            "given_name": "",
            "family_name": "Smith",
            "dob_day": "40",
            "dob_month": "5",
            "dob_year": "1990",
            "sex": "F",
            "postcode": "LS1",
            "version": "1",
        },
    )
    html = html_of(r)
    assert r.status_code == 400
    assert '<a href="#id_given_name">Enter the person&#x27;s first name</a>' in html
    assert '<a href="#dob-day">Date of birth must be a real date</a>' in html
    assert '<a href="#id_postcode">Enter a full postcode, like LS1 4AP</a>' in html
    alice.refresh_from_db()
    assert alice.version == 1


def test_edit_is_for_those_who_may_change_the_record(
    as_user: Any, world: dict[str, Any]
) -> None:
    alice = world["alice"]
    url = f"/people/{alice.pk}/edit/"
    # Analysts may see Alice (pseudonymised, by pseudonym) but not change her; they
    # never address her by id, which is the 404 of a missing record (finding 13).
    aisha = as_user("aisha.analyst")
    assert aisha.get(url).status_code == 404
    assert aisha.post(url, {"version": "1"}).status_code == 404
    assert "Change details" not in html_of(
        aisha.get(f"/people/p/{pseudonym(alice.pk)}/")
    )
    # Harry (health) cannot see her at all: 404.
    assert as_user("harry.health").get(url).status_code == 404
    # Carol (LCC) may change Alice only because Alice is on Carol's case.
    assert as_user("carol.coordinator").get(url).status_code == 200
    alice.refresh_from_db()
    assert alice.version == 1


def test_analyst_pages_address_people_by_pseudonym_only(
    as_user: Any, world: dict[str, Any]
) -> None:
    """Security finding 13 (issue #11): analyst pages linked to ``/people/<id>/``
    beside the pseudonym. Now search results and the case page link by pseudonym
    (``/people/p/<pseudonym>/``), no person id shows, and ``/people/<id>/`` is the 404
    of a missing record for an analyst (the refusal logged). Identified users keep
    the id addresses."""
    alice = world["alice"]
    code = pseudonym(alice.pk)
    aisha = as_user("aisha.analyst")
    found = html_of(aisha.get("/people/", {"pseudonym": code}))
    assert f'href="/people/p/{code}/"' in found
    assert f"/people/{alice.pk}/" not in found
    case = aisha.get(f"/cases/{world['case'].pk}/")
    assert case.status_code == 200
    assert f'href="/people/p/{code}/"' in html_of(case)
    assert f"/people/{alice.pk}/" not in html_of(case)
    page = aisha.get(f"/people/p/{code}/")
    assert page.status_code == 200 and code in html_of(page)
    assert f"/people/{alice.pk}/" not in html_of(page)

    by_id = aisha.get(f"/people/{alice.pk}/")
    missing = aisha.get("/people/987654321/")
    assert by_id.status_code == missing.status_code == 404
    assert without_tokens(html_of(by_id)) == without_tokens(html_of(missing))
    refusals = AuditEntry.objects.filter(
        actor_username="aisha.analyst", operation="refusal", record_id=str(alice.pk)
    )
    assert refusals.count() == 1
    assert aisha.get("/people/p/P-0000000000/").status_code == 404

    carol = as_user("carol.coordinator")
    assert carol.get(f"/people/{alice.pk}/").status_code == 200
    assert f'href="/people/{alice.pk}/"' in html_of(
        carol.get(f"/cases/{world['case'].pk}/")
    )
