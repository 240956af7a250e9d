"""The partner API: token auth, the same access rules and audit as the pages.

Records are made through the apps' actions, as the pages make them; the API is driven
through DRF's test client with real tokens. Nothing is mocked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.incidents.actions import do_create_incident
from saferleeds.incidents.models import Incident
from saferleeds.partners.actions import do_create_agreement
from saferleeds.partners.models import Agency, SharingAgreement
from saferleeds.partners.policy import actor_for
from saferleeds.people.actions import do_create_person
from saferleeds.people.models import Person
from saferleeds.people.present import pseudonym
from saferleeds.safeguarding.actions import do_create_case
from saferleeds.safeguarding.models import Case

API = "/api/v1"
NOT_FOUND = {"detail": "Not found."}


def client_for(user: User | None) -> APIClient:
    """A client sending ``user``'s API token (or none)."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def entries(**filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("seq"))


@dataclass
class World:
    """The records the tests read: who holds what, and what is shared."""

    users: dict[str, User]
    wyp_person: Person  # held by police, shared with the council
    ccg_person: Person  # held by health, shared with nobody
    lcc_person: Person  # held by the council (the IG lead's own agency)
    incident: Incident  # police incident, shared with the council
    case: Case  # police-led case, shared with the council
    agreement: SharingAgreement

    def client(self, username: str) -> APIClient:
        return client_for(self.users[username])


@pytest.fixture
def world(personas: dict[str, User]) -> World:
    """Police share people, incidents and cases with the council; health shares none."""
    agencies = {a.code: a for a in Agency.objects.all()}
    today = timezone.localdate()
    agreement = do_create_agreement(
        actor=None,
        reference="wyp-lcc-safeguarding",
        title="Police to council: safeguarding",
        purpose="Safeguarding adults and children at risk",
        lawful_basis="Crime and Disorder Act 1998 s115",
        record_types=["person", "incident", "case"],
        providers=[agencies["wyp"]],
        recipients=[agencies["lcc"]],
        starts_on=today - timedelta(days=365),
        ends_on=today + timedelta(days=365),
        signed_by="Chief Constable; Chief Executive",
        signed_on=today - timedelta(days=400),
    )
    pete = actor_for(personas["pete.practitioner"])
    wyp_person = do_create_person(
        actor=pete,
        reference="WYP-0001",
        given_name="Gemma",
        family_name="Thistlewood",
        date_of_birth=date(1990, 4, 2),
        sex="F",
        postcode="ls6 2aa",
    )
    ccg_person = do_create_person(
        actor=actor_for(personas["harry.health"]),
        reference="NHS-77",
        given_name="Robert",
        family_name="Quarmby",
    )
    lcc_person = do_create_person(
        actor=actor_for(personas["carol.coordinator"]),
        reference="LCC-42",
        given_name="Jane",
        family_name="Ackroyd",
        date_of_birth=date(1985, 1, 9),
        postcode="LS11 5AB",
    )
    incident = do_create_incident(
        actor=pete,
        reference="13/123456/24",
        category="domestic_abuse",
        occurred_on=today - timedelta(days=3),
        summary="Gemma Thistlewood reported threats",
    )
    case = do_create_case(
        actor=pete,
        reference="MARAC-2024-001",
        case_type="marac",
        title="MARAC: Gemma Thistlewood",
        opened_on=today,
    )
    return World(
        users=personas,
        wyp_person=wyp_person,
        ccg_person=ccg_person,
        lcc_person=lcc_person,
        incident=incident,
        case=case,
        agreement=agreement,
    )


# --- Authentication and the schema -------------------------------------------------------


def test_every_endpoint_needs_a_token(world: World) -> None:
    anonymous = client_for(None)
    pk = world.wyp_person.pk
    for method, url in [
        ("get", f"{API}/people/?name=Gemma"),
        ("post", f"{API}/people/"),
        ("get", f"{API}/people/{pk}/"),
        ("patch", f"{API}/people/{pk}/"),
        ("get", f"{API}/people/{pk}/access-history/"),
        ("post", f"{API}/people/{pk}/subject-access/"),
        ("post", f"{API}/incidents/"),
        ("get", f"{API}/incidents/{world.incident.pk}/"),
        ("get", f"{API}/cases/{world.case.pk}/"),
        ("get", f"{API}/agreements/"),
        ("get", f"{API}/agreements/{world.agreement.pk}/"),
        ("patch", f"{API}/agreements/{world.agreement.pk}/"),
    ]:
        r = getattr(anonymous, method)(url, {}, format="json")
        assert r.status_code == 401, (method, url, r.content)
        assert r["WWW-Authenticate"].startswith("Token")
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert bad.get(f"{API}/people/{pk}/").status_code == 401
    # Nothing about the person was read, so nothing about them was logged.
    assert not entries(subject_person_id=pk, event="people.person.view")


def test_token_calls_leave_no_session_and_sessions_do_not_open_the_api(
    world: World,
) -> None:
    # A token call must not start a browser session (no cookie, no session row).
    r = world.client("pete.practitioner").get(f"{API}/people/{world.wyp_person.pk}/")
    assert r.status_code == 200
    assert not r.cookies
    # A signed-in browser session is not an API credential.
    browser = APIClient()
    browser.force_login(world.users["pete.practitioner"])
    assert browser.get(f"{API}/agreements/").status_code == 401


def test_openapi_schema_is_served_as_json(db: None) -> None:
    r = APIClient().get(f"{API}/openapi.json")
    assert r.status_code == 200
    schema = json.loads(r.content)
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/people/",
        "/api/v1/people/{id}/",
        "/api/v1/people/{id}/access-history/",
        "/api/v1/people/{id}/subject-access/",
        "/api/v1/incidents/",
        "/api/v1/incidents/{id}/",
        "/api/v1/cases/{id}/",
        "/api/v1/agreements/",
        "/api/v1/agreements/{id}/",
    } <= set(schema["paths"])
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_unknown_api_path_is_a_json_404(world: World) -> None:
    r = world.client("pete.practitioner").get(f"{API}/nothing-here/")
    assert r.status_code == 404 and r.json() == NOT_FOUND


# --- Reading people ---------------------------------------------------------------------


def test_practitioner_reads_a_person_and_the_read_is_audited(world: World) -> None:
    client = world.client("pete.practitioner")
    pk = world.wyp_person.pk
    r = client.get(
        f"{API}/people/{pk}/", HTTP_X_PURPOSE="MARAC-2024-001", REMOTE_ADDR="10.1.2.3"
    )
    assert r.status_code == 200
    body = r.json()
    assert body["given_name"] == "Gemma" and body["family_name"] == "Thistlewood"
    assert body["date_of_birth"] == "1990-04-02"
    assert body["postcode"] == "LS6 2AA"
    assert body["references"] == [
        {"agency": "West Yorkshire Police", "reference": "WYP-0001"}
    ]
    assert body["version"] == 1 and r["ETag"] == '"1"'
    assert r["Cache-Control"] == "no-store"
    [entry] = entries(event="people.person.view", record_id=str(pk))
    assert entry.operation == Operation.CONSULTATION
    assert entry.actor_username == "pete.practitioner"
    assert entry.subject_person_id == pk
    assert entry.purpose == "MARAC-2024-001"
    assert entry.remote_addr == "10.1.2.3"


def test_a_shared_person_is_readable_by_the_recipient_agency(world: World) -> None:
    r = world.client("carol.coordinator").get(f"{API}/people/{world.wyp_person.pk}/")
    assert r.status_code == 200 and r.json()["family_name"] == "Thistlewood"


def test_not_shared_and_missing_get_the_same_404(world: World) -> None:
    client = world.client("pete.practitioner")
    missing = Person.objects.order_by("-pk").first().pk + 1000
    hidden = client.get(f"{API}/people/{world.ccg_person.pk}/")
    absent = client.get(f"{API}/people/{missing}/")
    huge = client.get(f"{API}/people/{2**70}/")
    for r in (hidden, absent, huge):
        assert r.status_code == 404
        assert r.content == absent.content
        assert r["Content-Type"] == absent["Content-Type"]
    assert hidden.json() == NOT_FOUND
    # Both are logged as refusals (the IG lead sees attempts, id-probing too), so both
    # take the same work (security finding 9); the missing id is not a person. (The
    # out-of-range id is refused before any lookup.)
    hid, gone = entries(actor_username="pete.practitioner", operation=Operation.REFUSAL)
    assert (hid.record_id, hid.event, hid.subject_person_id, hid.detail) == (
        str(world.ccg_person.pk),
        "people.person.view",
        world.ccg_person.pk,
        {},
    )
    assert (gone.record_id, gone.event, gone.subject_person_id, gone.detail) == (
        str(missing),
        "people.person.view",
        None,
        {"reason": "not found"},
    )
    assert not entries(
        operation=Operation.CONSULTATION, actor_username="pete.practitioner"
    )


@pytest.mark.parametrize(
    "username", ["ed.executive", "fran.agencyadmin", "sam.sysadmin"]
)
def test_roles_without_personal_data_get_404_on_every_record(
    world: World, username: str
) -> None:
    client = world.client(username)
    for url in (
        f"{API}/people/{world.wyp_person.pk}/",
        f"{API}/people/{world.lcc_person.pk}/",
        f"{API}/incidents/{world.incident.pk}/",
        f"{API}/cases/{world.case.pk}/",
    ):
        r = client.get(url)
        assert (r.status_code, r.json()) == (404, NOT_FOUND), url
    assert client.get(f"{API}/people/?name=Gemma").json() == []


def test_analyst_sees_a_pseudonym_and_no_names(world: World) -> None:
    client = world.client("aisha.analyst")
    pk = world.wyp_person.pk
    r = client.get(f"{API}/people/by-pseudonym/{pseudonym(pk)}/")
    assert r.status_code == 200
    body = r.json()
    assert "id" not in body  # addressed by pseudonym only (security finding 13)
    assert body["pseudonymised"] is True
    assert body["pseudonym"] == pseudonym(pk) == body["display_name"]
    for field in ("given_name", "family_name", "date_of_birth", "postcode"):
        assert body[field] is None, field
    assert body["references"] == []
    assert body["year_of_birth"] == 1990 and body["postcode_district"] == "LS6"
    # The pseudonym is hex: with ids that depend on the test order (PostgreSQL's
    # sequences are not rolled back), it may contain "2AA" by chance, so leave it out.
    shown = r.content.replace(pseudonym(pk).encode(), b"")
    for secret in (b"Gemma", b"Thistlewood", b"WYP-0001", b"1990-04-02", b"2AA"):
        assert secret not in shown
    assert entries(event="people.person.view", actor_username="aisha.analyst")
    # The incident and case are shown without their identifying free text.
    incident = client.get(f"{API}/incidents/{world.incident.pk}/").json()
    assert incident["reference"] is None and incident["summary"] is None
    case = client.get(f"{API}/cases/{world.case.pk}/").json()
    assert case["title"] is None and case["reference"] is None


# --- Searching people -------------------------------------------------------------------


def test_search_audits_one_entry_per_person_returned(world: World) -> None:
    pete = actor_for(world.users["pete.practitioner"])
    sister = do_create_person(
        actor=pete, reference="WYP-0002", given_name="Lucy", family_name="Thistlewood"
    )
    client = world.client("pete.practitioner")
    r = client.get(f"{API}/people/", {"name": "thistlewood"}, HTTP_X_PURPOSE="search")
    assert r.status_code == 200
    found = r.json()
    assert sorted(p["id"] for p in found) == sorted([world.wyp_person.pk, sister.pk])
    assert {p["given_name"] for p in found} == {"Gemma", "Lucy"}
    logged = entries(event="people.person.search")
    assert sorted(e.record_id for e in logged) == sorted(str(p["id"]) for p in found)
    assert {e.subject_person_id for e in logged} == {p["id"] for p in found}
    assert {e.detail["fields"] == ["name"] for e in logged} == {True}
    # Someone held only by health is not found, and an empty result logs nothing.
    before = AuditEntry.objects.count()
    assert client.get(f"{API}/people/", {"name": "Quarmby"}).json() == []
    assert AuditEntry.objects.count() == before


def test_search_by_other_fields(world: World) -> None:
    client = world.client("carol.coordinator")
    for params in (
        {"reference": "wyp-0001"},
        {"postcode": "ls6  2aa"},
        {"date_of_birth": "1990-04-02"},
        {"pseudonym": pseudonym(world.wyp_person.pk).lower()},
    ):
        r = client.get(f"{API}/people/", params)
        assert r.status_code == 200, params
        assert [p["id"] for p in r.json()] == [world.wyp_person.pk], params


def test_search_needs_a_parameter(world: World) -> None:
    """Security finding 16 (issue #11): as the schema says, a search of nothing is a
    valid request that finds no one (never a browse), and an empty or unknown
    parameter, or a value of the wrong type, is a 400."""
    r = world.client("pete.practitioner").get(f"{API}/people/")
    assert (r.status_code, r.json()) == (200, [])
    assert not entries(event="people.person.search")
    for params in ({"name": ""}, {"status": ""}, {"nmae": "Gemma"}):
        r = world.client("pete.practitioner").get(f"{API}/people/", params)
        assert r.status_code == 400, params
    assert (
        world.client("pete.practitioner").get(f"{API}/cases/?status=").status_code
        == 400
    )
    bad_date = world.client("pete.practitioner").get(
        f"{API}/people/", {"date_of_birth": "2 April 1990"}
    )
    assert bad_date.status_code == 400 and "date_of_birth" in bad_date.json()


def test_analyst_searches_by_pseudonym_only(world: World) -> None:
    client = world.client("aisha.analyst")
    for params in (
        {"name": "Gemma"},
        {"postcode": "LS6 2AA"},
        {"reference": "WYP-0001"},
        {"date_of_birth": "1990-04-02"},
        {"name": "Gemma", "pseudonym": "P-1"},
    ):
        r = client.get(f"{API}/people/", params)
        assert r.status_code == 403, params
        assert "pseudonym" in r.json()["detail"]
    assert not entries(actor_username="aisha.analyst")
    r = client.get(f"{API}/people/", {"pseudonym": pseudonym(world.wyp_person.pk)})
    assert r.status_code == 200
    [found] = r.json()
    assert found["given_name"] is None and found["pseudonymised"] is True
    [entry] = entries(event="people.person.search", actor_username="aisha.analyst")
    assert entry.record_id == str(world.wyp_person.pk)


# --- Recording and changing people ------------------------------------------------------


def test_practitioner_records_a_person(world: World) -> None:
    client = world.client("pete.practitioner")
    r = client.post(
        f"{API}/people/",
        {
            "reference": "WYP-0100",
            "given_name": " Tom ",
            "family_name": "Bracewell",
            "date_of_birth": "2001-12-25",
            "sex": "M",
            "postcode": "ls1  1ur",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["given_name"] == "Tom" and body["postcode"] == "LS1 1UR"
    assert r["Location"].endswith(f"/api/v1/people/{body['id']}/")
    [entry] = entries(event="people.person.create", record_id=str(body["id"]))
    assert entry.operation == Operation.COLLECTION
    assert entry.actor_username == "pete.practitioner"
    # The same reference twice at the same agency is a conflict, not a server error.
    again = client.post(
        f"{API}/people/",
        {"reference": "WYP-0100", "given_name": "T", "family_name": "B"},
        format="json",
    )
    assert again.status_code == 409
    assert Person.objects.filter(family_name="B").count() == 0


def test_recording_a_person_is_refused_or_rejected(world: World) -> None:
    person = {"reference": "X-1", "given_name": "A", "family_name": "B"}
    for username in ("aisha.analyst", "iris.ig", "ed.executive"):
        r = world.client(username).post(f"{API}/people/", person, format="json")
        assert r.status_code == 403, username
    client = world.client("pete.practitioner")
    for bad in (
        {**person, "postcode": "not a postcode"},
        {**person, "sex": "Q"},
        {**person, "given_name": ""},
        {"given_name": "A", "family_name": "B"},
        {**person, "family_name": "x" * 101},
    ):
        r = client.post(f"{API}/people/", bad, format="json")
        assert r.status_code == 400, bad
    assert (
        client.post(
            f"{API}/people/", "[1, 2]", content_type="application/json"
        ).status_code
        == 400
    )
    assert (
        client.post(f"{API}/people/", "{", content_type="application/json").status_code
        == 400
    )


def test_update_with_a_stale_version_is_a_409(world: World) -> None:
    client = world.client("pete.practitioner")
    url = f"{API}/people/{world.wyp_person.pk}/"
    first = client.patch(url, {"postcode": "LS7 3BB", "version": 1}, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["version"] == 2 and first.json()["postcode"] == "LS7 3BB"
    assert first["ETag"] == '"2"'
    [entry] = entries(event="people.person.update")
    assert entry.operation == Operation.ALTERATION
    assert entry.detail == {"fields": ["postcode"], "from_version": 1}
    # A second editor still holding version 1 overwrites nothing.
    stale = client.patch(url, {"given_name": "Gem", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert "changed by someone else" in stale.json()["detail"]
    world.wyp_person.refresh_from_db()
    assert world.wyp_person.given_name == "Gemma"
    # If-Match carries the version too; it must agree with the body's if both are sent.
    by_header = client.patch(
        url, {"given_name": "Gem"}, format="json", HTTP_IF_MATCH='"2"'
    )
    assert by_header.status_code == 200 and by_header.json()["version"] == 3
    stale_header = client.patch(url, {"sex": "F"}, format="json", HTTP_IF_MATCH='"2"')
    assert stale_header.status_code == 409
    assert stale_header.json()["current_version"] == 3
    disagree = client.patch(
        url, {"sex": "F", "version": 3}, format="json", HTTP_IF_MATCH='"2"'
    )
    assert disagree.status_code == 400
    assert client.patch(url, {"sex": "F"}, format="json").status_code == 400
    assert (
        client.patch(url, {"sex": "F"}, format="json", HTTP_IF_MATCH="abc").status_code
        == 400
    )


def test_update_refused_for_viewers_and_404_for_strangers(world: World) -> None:
    change = {"given_name": "X", "version": 1}
    # Analysts address people by pseudonym only: by id, the 404 of a missing record
    # (security finding 13). The IG lead may see these people but not change them.
    analyst = world.client("aisha.analyst").patch(
        f"{API}/people/{world.wyp_person.pk}/", change, format="json"
    )
    assert (analyst.status_code, analyst.json()) == (404, NOT_FOUND)
    ig = world.client("iris.ig").patch(
        f"{API}/people/{world.lcc_person.pk}/", change, format="json"
    )
    assert ig.status_code == 403
    # A practitioner at an agency the person is not shared with cannot tell they exist.
    stranger = world.client("nadia.probation").patch(
        f"{API}/people/{world.wyp_person.pk}/", change, format="json"
    )
    assert (stranger.status_code, stranger.json()) == (404, NOT_FOUND)
    assert not entries(event="people.person.update")


# --- Incidents and cases ----------------------------------------------------------------


def test_incidents_create_and_read(world: World) -> None:
    client = world.client("pete.practitioner")
    r = client.post(
        f"{API}/incidents/",
        {
            "reference": "13/999/24",
            "category": "asb",
            "occurred_on": "2024-05-01",
            "summary": "Noise",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["owner_agency"] == "wyp" and created["reference"] == "13/999/24"
    assert entries(event="incidents.incident.create", record_id=str(created["id"]))
    assert (
        client.post(
            f"{API}/incidents/",
            {"reference": "13/999/24", "category": "asb", "occurred_on": "2024-05-01"},
            format="json",
        ).status_code
        == 409
    )
    bad_place = client.post(
        f"{API}/incidents/",
        {"reference": "X", "category": "asb", "occurred_on": "2024-05-01", "place": 9},
        format="json",
    )
    assert bad_place.status_code == 400 and "place" in bad_place.json()
    refused = world.client("aisha.analyst").post(
        f"{API}/incidents/",
        {"reference": "A", "category": "asb", "occurred_on": "2024-05-01"},
        format="json",
    )
    assert refused.status_code == 403

    r = client.get(f"{API}/incidents/{world.incident.pk}/")
    assert r.status_code == 200
    assert r.json()["summary"] == "Gemma Thistlewood reported threats"
    [entry] = entries(event="incidents.incident.view")
    assert entry.record_id == str(world.incident.pk)
    assert (
        world.client("carol.coordinator")
        .get(f"{API}/incidents/{world.incident.pk}/")
        .status_code
        == 200
    )
    hidden = world.client("nadia.probation").get(
        f"{API}/incidents/{world.incident.pk}/"
    )
    missing = world.client("nadia.probation").get(f"{API}/incidents/{10**9}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_cases_read(world: World) -> None:
    r = world.client("carol.coordinator").get(f"{API}/cases/{world.case.pk}/")
    assert r.status_code == 200
    assert r.json() == {
        "id": world.case.pk,
        "reference": "MARAC-2024-001",
        "case_type": "marac",
        "title": "MARAC: Gemma Thistlewood",
        "status": "open",
        "risk_level": "",
        "consent": "not_sought",
        "lead_agency": "wyp",
        "opened_on": world.case.opened_on.isoformat(),
        "review_due_on": None,
        "closed_on": None,
        "version": 1,
        "summary": "",
        "consent_recorded_on": None,
        "consent_note": "",
        "outcome": "",
        "outcome_note": "",
        "members": ["pete.practitioner"],
        "people": [],
        "tasks": [],
    }
    [entry] = entries(event="safeguarding.case.view")
    assert (entry.record_id, entry.actor_username) == (
        str(world.case.pk),
        "carol.coordinator",
    )
    hidden = world.client("harry.health").get(f"{API}/cases/{world.case.pk}/")
    missing = world.client("harry.health").get(f"{API}/cases/{10**9}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


# --- Sharing agreements -----------------------------------------------------------------


def test_any_signed_in_user_lists_and_reads_agreements(world: World) -> None:
    for username in ("ed.executive", "fran.agencyadmin", "aisha.analyst"):
        client = world.client(username)
        listed = client.get(f"{API}/agreements/")
        assert listed.status_code == 200
        [agreement] = listed.json()
        assert agreement["reference"] == "wyp-lcc-safeguarding"
        assert agreement["providers"] == ["wyp"] and agreement["recipients"] == ["lcc"]
        assert agreement["record_types"] == ["case", "incident", "person"]
        assert agreement["in_force"] is True
        one = client.get(f"{API}/agreements/{world.agreement.pk}/")
        assert one.status_code == 200 and one["ETag"] == '"1"'
    assert world.client("ed.executive").get(f"{API}/agreements/999999/").json() == (
        NOT_FOUND
    )


def test_ending_an_agreement_early_cuts_access_off(world: World) -> None:
    url = f"{API}/agreements/{world.agreement.pk}/"
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    carol = world.client("carol.coordinator")
    assert carol.get(f"{API}/people/{world.wyp_person.pk}/").status_code == 200

    refused = carol.patch(url, {"ends_on": yesterday, "version": 1}, format="json")
    assert refused.status_code == 403
    iris = world.client("iris.ig")
    ended = iris.patch(url, {"ends_on": yesterday, "version": 1}, format="json")
    assert ended.status_code == 200, ended.content
    assert ended.json()["version"] == 2 and ended.json()["in_force"] is False
    [entry] = entries(event="partners.agreement.end")
    assert entry.detail == {
        "fields": ["ends_on"],
        "from_version": 1,
        "ends_on": yesterday,
    }

    stale = iris.patch(url, {"title": "Renamed", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    backwards = iris.patch(url, {"ends_on": "2000-01-01", "version": 2}, format="json")
    assert backwards.status_code == 400
    unknown = iris.patch(url, {"record_types": ["pets"], "version": 2}, format="json")
    assert unknown.status_code == 400
    missing = iris.patch(f"{API}/agreements/999999/", {"version": 1}, format="json")
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)
    # The next request is decided under the agreements now in force.
    gone = carol.get(f"{API}/people/{world.wyp_person.pk}/")
    assert (gone.status_code, gone.json()) == (404, NOT_FOUND)


# --- Access history and subject access (IG lead only) ----------------------------------


def test_access_history_is_for_the_ig_lead_only(world: World) -> None:
    pk = world.lcc_person.pk
    world.client("carol.coordinator").get(
        f"{API}/people/{pk}/", HTTP_X_PURPOSE="MARAC prep"
    )
    iris = world.client("iris.ig")
    r = iris.get(f"{API}/people/{pk}/access-history/")
    assert r.status_code == 200
    history = r.json()
    # Newest first, starting with this very reading of the history.
    assert [(h["event"], h["actor_username"]) for h in history] == [
        ("audit.person_history.view", "iris.ig"),
        ("people.person.view", "carol.coordinator"),
        ("people.person.create", "carol.coordinator"),
    ]
    assert history[1]["purpose"] == "MARAC prep"
    [entry] = entries(event="audit.person_history.view")
    assert entry.subject_person_id == pk and entry.actor_username == "iris.ig"
    for username in ("carol.coordinator", "aisha.analyst", "ed.executive"):
        r = world.client(username).get(f"{API}/people/{pk}/access-history/")
        assert r.status_code == 403, username
    # The IG lead answers for their own agency's records, not those shared in.
    other = iris.get(f"{API}/people/{world.wyp_person.pk}/access-history/")
    assert (other.status_code, other.json()) == (404, NOT_FOUND)


def test_subject_access_export_is_ig_only_and_logged_as_a_disclosure(
    world: World,
) -> None:
    pk = world.lcc_person.pk
    url = f"{API}/people/{pk}/subject-access/"
    iris = world.client("iris.ig")
    r = iris.post(url, {"recipient": "Jane Ackroyd (data subject)"}, format="json")
    assert r.status_code == 200, r.content
    assert r["Content-Type"].startswith("application/json")
    assert r["Content-Disposition"] == (
        f'attachment; filename="subject-access-person-{pk}.json"'
    )
    assert r["Cache-Control"] == "no-store"
    bundle = json.loads(r.content)
    assert bundle["person"]["family_name"] == "Ackroyd"
    assert bundle["recipient"] == "Jane Ackroyd (data subject)"
    assert bundle["agency_references"] == [
        {"agency": "Leeds City Council", "reference": "LCC-42"}
    ]
    [entry] = entries(event="audit.subject_access.export")
    assert entry.operation == Operation.DISCLOSURE
    assert entry.recipient == "Jane Ackroyd (data subject)"
    assert entry.subject_person_id == pk and entry.actor_username == "iris.ig"

    assert iris.post(url, {"recipient": "  "}, format="json").status_code == 400
    assert iris.post(url, {}, format="json").status_code == 400
    for username in ("carol.coordinator", "aisha.analyst", "sam.sysadmin"):
        r = world.client(username).post(url, {"recipient": "X"}, format="json")
        assert r.status_code == 403, username
    other = iris.post(
        f"{API}/people/{world.wyp_person.pk}/subject-access/",
        {"recipient": "X"},
        format="json",
    )
    assert (other.status_code, other.json()) == (404, NOT_FOUND)
    assert len(entries(event="audit.subject_access.export")) == 1


# --- Analysts address people by pseudonym only (security finding 13) ----------------------


def test_analyst_answers_carry_no_person_id(world: World) -> None:
    """Security finding 13 (issue #11): analyst answers carried the record id beside
    the pseudonym (``"id": 5, "pseudonym": ...``), so the pseudonym protected nothing.
    Now the person JSON a pseudonymised caller gets has no ``id``, searching and
    reading go by pseudonym, and the people on a case come with no id either."""
    from saferleeds.safeguarding.actions import do_link_person_to_case

    pk = world.wyp_person.pk
    code = pseudonym(pk)
    do_link_person_to_case(
        world.case.pk, pk, "victim", actor=actor_for(world.users["pete.practitioner"])
    )
    aisha = world.client("aisha.analyst")
    found = aisha.get(f"{API}/people/", {"pseudonym": code})
    assert found.status_code == 200
    [person] = found.json()
    assert "id" not in person and person["pseudonym"] == code
    for r in (
        aisha.get(f"{API}/people/by-pseudonym/{code}/"),
        aisha.get(f"{API}/people/by-pseudonym/{code.lower()}/"),
    ):
        assert r.status_code == 200
        assert "id" not in r.json() and r.json()["pseudonym"] == code
    assert entries(
        event="people.person.view",
        actor_username="aisha.analyst",
        operation=Operation.CONSULTATION,
        record_id=str(pk),
    )
    case = aisha.get(f"{API}/cases/{world.case.pk}/").json()
    assert case["people"] == [{"person": None, "pseudonym": code, "role": "victim"}]
    # Identified callers keep ids (and may use the pseudonym address too).
    pete = world.client("pete.practitioner")
    assert pete.get(f"{API}/people/{pk}/").json()["id"] == pk
    assert pete.get(f"{API}/people/by-pseudonym/{code}/").json()["id"] == pk
    assert pete.get(f"{API}/cases/{world.case.pk}/").json()["people"][0]["person"] == pk


def test_analyst_by_id_is_the_404_of_a_missing_record(world: World) -> None:
    """Security finding 13 (issue #11): a pseudonymised caller asking for a person by
    record id gets the same answer as for a missing record, and the refusal is logged;
    a pseudonym of no one the caller may see is a 404 too."""
    aisha = world.client("aisha.analyst")
    pk = world.wyp_person.pk
    by_id = aisha.get(f"{API}/people/{pk}/")
    missing = aisha.get(f"{API}/people/{10**9}/")
    assert (by_id.status_code, by_id.json()) == (404, NOT_FOUND)
    assert by_id.content == missing.content
    assert entries(
        actor_username="aisha.analyst",
        operation=Operation.REFUSAL,
        record_id=str(pk),
    )
    hidden = aisha.get(f"{API}/people/by-pseudonym/{pseudonym(world.ccg_person.pk)}/")
    assert (hidden.status_code, hidden.json()) == (404, NOT_FOUND)
    nobody = aisha.get(f"{API}/people/by-pseudonym/P-0000000000/")
    assert (nobody.status_code, nobody.json()) == (404, NOT_FOUND)


def test_strings_are_strings_and_required_ones_are_not_blank(world: World) -> None:
    """Security finding 16 (issue #11): ``"judgement_reason": 0`` was accepted (DRF
    turns numbers into text) and required strings had no ``minLength`` in the schema.
    Now a number where a string belongs is a 400, a blank or whitespace-only required
    string is a 400, and the schema shows ``minLength: 1`` for required strings."""
    pete = world.client("pete.practitioner")
    r = pete.post(
        f"{API}/dash/score",
        {"answers": [False] * 24, "judgement_reason": 0},
        format="json",
    )
    assert r.status_code == 400 and "judgement_reason" in r.json()
    for body in (
        {"reference": 7, "given_name": "A", "family_name": "B"},
        {"reference": "R-1", "given_name": " ", "family_name": "B"},
        {"reference": "R-1", "given_name": "", "family_name": "B"},
    ):
        assert pete.post(f"{API}/people/", body, format="json").status_code == 400
    r = pete.post(
        f"{API}/incidents/",
        {
            "reference": "X",
            "category": "crime",
            "occurred_on": "2024-01-01",
            "place": "1",
        },
        format="json",
    )
    assert r.status_code == 400 and "place" in r.json()
    schema = APIClient().get(f"{API}/openapi.json").json()["components"]["schemas"]
    person = schema["PersonCreate"]["properties"]
    assert person["given_name"]["minLength"] == 1
    assert schema["IncidentCreate"]["properties"]["reference"]["minLength"] == 1
