"""The casework API: cases, Dash assessments, MARAC referrals and hate reports.

Each endpoint for a caller allowed and one refused (the refusal a 404 identical to a
missing record), the audit entries written, and the validation answers. Records are made
through the apps' actions, over real tokens; nothing is mocked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from saferleeds.audit.models import AuditEntry
from saferleeds.hate.actions import do_receive_hate_report
from saferleeds.hate.models import HateReport
from saferleeds.marac.models import DashAssessment, MaracReferral
from saferleeds.partners.actions import do_create_agreement
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import actor_for
from saferleeds.people.actions import do_create_person
from saferleeds.people.present import pseudonym
from saferleeds.safeguarding.actions import (
    do_add_case_member,
    do_add_case_task,
    do_create_case,
    do_link_person_to_case,
)
from saferleeds.safeguarding.models import Case

API = "/api/v1"
NOT_FOUND = {"detail": "Not found."}
TODAY = timezone.localdate
HIGH = [True] * 14 + [False] * 10  # 14 yes: visible high risk
LOW = [True] * 3 + [False] * 20 + [None]


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def new_entries(before: int, **filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(seq__gt=before, **filters).order_by("seq"))


def last_seq() -> int:
    last = AuditEntry.objects.order_by("-seq").first()
    return last.seq if last else 0


@dataclass
class World:
    users: dict[str, User]
    case: Case  # police-led MARAC case, shared with the council
    victim: int
    perpetrator: int
    hate: HateReport  # held by the council's hate crime team

    def client(self, username: str) -> APIClient:
        return client_for(self.users[username])


@pytest.fixture
def world(personas: dict[str, User]) -> World:
    """Police share casework with the council; health and probation see nothing."""
    agencies = {a.code: a for a in Agency.objects.all()}
    do_create_agreement(
        actor=None,
        reference="wyp-lcc-marac",
        title="Police to council: MARAC",
        purpose="MARAC",
        lawful_basis="Crime and Disorder Act 1998 s115",
        record_types=[
            "person",
            "case",
            "case_task",
            "dash_assessment",
            "marac_referral",
        ],
        providers=[agencies["wyp"]],
        recipients=[agencies["lcc"]],
        starts_on=TODAY() - timedelta(days=30),
        ends_on=TODAY() + timedelta(days=30),
        signed_by="x",
        signed_on=TODAY() - timedelta(days=31),
    )
    pete = actor_for(personas["pete.practitioner"])
    case = do_create_case(
        actor=pete,
        reference="MARAC-API-1",
        case_type="marac",
        title="MARAC: Gemma Thistlewood",
        opened_on=TODAY() - timedelta(days=10),
    )
    pete = actor_for(personas["pete.practitioner"])
    victim = do_create_person(
        actor=pete, reference="WYP-V", given_name="Gemma", family_name="Thistlewood"
    )
    perpetrator = do_create_person(
        actor=pete, reference="WYP-P", given_name="Darren", family_name="Cole"
    )
    do_link_person_to_case(case.pk, victim.pk, "victim", actor=pete)
    do_link_person_to_case(case.pk, perpetrator.pk, "suspect", actor=pete)
    hate = do_receive_hate_report(
        {
            "what_happened": "Shouted at on the bus by Darren Cole",
            "occurred_on": TODAY() - timedelta(days=2),
            "location": "Number 4 bus, Kirkstall Road",
            "postcode": "LS4 2AA",
            "strands": ["race"],
            "perceived_by": "victim",
            "reporter_is_victim": True,
            "contact_name": "Ama Mensah",
            "contact_email": "ama@example.org",
            "contact_preference": "email",
        }
    )
    return World(personas, case, victim.pk, perpetrator.pk, hate)


def _dash_body(world: World, answers: list[Any] = HIGH, **more: Any) -> dict[str, Any]:
    return {
        "victim": world.victim,
        "answers": answers,
        "assessed_on": TODAY().isoformat(),
        "assessor_notes": "Strangled last week",
        **more,
    }


# --- Every new endpoint needs a token ----------------------------------------------------


def test_every_casework_endpoint_needs_a_token(world: World) -> None:
    anonymous = client_for(None)
    pk = world.case.pk
    for method, url in [
        ("get", f"{API}/cases/"),
        ("post", f"{API}/cases/"),
        ("get", f"{API}/cases/{pk}/"),
        ("post", f"{API}/cases/{pk}/dash-assessments/"),
        ("post", f"{API}/cases/{pk}/marac-referrals/"),
        ("get", f"{API}/dash-assessments/1/"),
        ("get", f"{API}/marac-referrals/"),
        ("get", f"{API}/marac-referrals/1/"),
        ("get", f"{API}/hate-reports/"),
        ("get", f"{API}/hate-reports/{world.hate.pk}/"),
    ]:
        r = getattr(anonymous, method)(url, {}, format="json")
        assert r.status_code == 401, (method, url, r.status_code)


def test_schema_lists_the_casework_operations(db: None) -> None:
    paths = set(APIClient().get(f"{API}/openapi.json").json()["paths"])
    assert {
        "/api/v1/cases/",
        "/api/v1/cases/{id}/",
        "/api/v1/cases/{id}/dash-assessments/",
        "/api/v1/cases/{id}/marac-referrals/",
        "/api/v1/dash-assessments/{id}/",
        "/api/v1/marac-referrals/",
        "/api/v1/marac-referrals/{id}/",
        "/api/v1/hate-reports/",
        "/api/v1/hate-reports/{id}/",
        "/api/v1/dash/score",
    } <= paths


# --- Cases -------------------------------------------------------------------------------


def test_case_list_filters_and_audits_each_row(world: World) -> None:
    carol = world.client("carol.coordinator")
    own = do_create_case(
        actor=actor_for(world.users["carol.coordinator"]),
        reference="ASB-API-1",
        case_type="asb",
        title="Noise",
        opened_on=TODAY(),
    )
    before = last_seq()
    r = carol.get(f"{API}/cases/")
    assert r.status_code == 200
    assert [c["reference"] for c in r.json()] == ["ASB-API-1", "MARAC-API-1"]
    listed = new_entries(before, event="safeguarding.case.list")
    assert sorted(e.record_id for e in listed) == sorted(
        [str(own.pk), str(world.case.pk)]
    )
    assert [c["id"] for c in carol.get(f"{API}/cases/?case_type=marac").json()] == [
        world.case.pk
    ]
    assert carol.get(f"{API}/cases/?status=closed").json() == []
    assert len(carol.get(f"{API}/cases/?limit=1&offset=1").json()) == 1
    assert carol.get(f"{API}/cases/?case_type=nonsense").status_code == 400
    # Paging bounds, at and either side.
    assert carol.get(f"{API}/cases/?limit=0").status_code == 400
    assert carol.get(f"{API}/cases/?limit=1").status_code == 200
    assert carol.get(f"{API}/cases/?limit=200").status_code == 200
    assert carol.get(f"{API}/cases/?limit=201").status_code == 400
    assert carol.get(f"{API}/cases/?offset=-1").status_code == 400
    assert carol.get(f"{API}/cases/?offset=2").json() == []
    # Health sees none of them, and nothing is logged as shown.
    before = last_seq()
    assert world.client("harry.health").get(f"{API}/cases/").json() == []
    assert not new_entries(before, event="safeguarding.case.list")


def test_case_detail_with_people_members_and_tasks(world: World) -> None:
    pete = actor_for(world.users["pete.practitioner"])
    do_add_case_task(
        world.case.pk,
        actor=pete,
        title="Safety plan visit",
        owner_agency_id=pete.agency_id,
        due_on=TODAY() + timedelta(days=7),
    )
    before = last_seq()
    r = world.client("carol.coordinator").get(f"{API}/cases/{world.case.pk}/")
    assert r.status_code == 200
    body = r.json()
    assert body["reference"] == "MARAC-API-1" and body["lead_agency"] == "wyp"
    assert body["members"] == ["pete.practitioner"]
    assert body["people"] == [
        {
            "person": world.victim,
            "pseudonym": pseudonym(world.victim),
            "role": "victim",
        },
        {
            "person": world.perpetrator,
            "pseudonym": pseudonym(world.perpetrator),
            "role": "suspect",
        },
    ]
    assert [t["title"] for t in body["tasks"]] == ["Safety plan visit"]
    assert r["ETag"] == f'"{body["version"]}"'
    # The same events as the case page: the case, then each record shown with it.
    logged = new_entries(before)
    assert [e.event for e in logged].count("safeguarding.case.view") == 1
    shown = [
        e.record_type
        for e in logged
        if e.event == "safeguarding.case.view_records"
        and e.detail == {"case": world.case.pk, "channel": "api"}
    ]
    assert shown.count("person") == 2 and shown.count("case_task") == 1


def test_case_detail_pseudonymised_for_the_analyst(world: World) -> None:
    # The analyst's agency (the council) receives the police's cases.
    r = world.client("aisha.analyst").get(f"{API}/cases/{world.case.pk}/")
    assert r.status_code == 200
    body = r.json()
    assert body["reference"] is None and body["title"] is None
    assert b"Thistlewood" not in r.content


def test_case_detail_refused_is_the_same_404_as_missing(world: World) -> None:
    nadia = world.client("nadia.probation")
    before = last_seq()
    hidden = nadia.get(f"{API}/cases/{world.case.pk}/")
    missing = nadia.get(f"{API}/cases/{10**9}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == NOT_FOUND
    # Both logged as refusals, the same work either way (security finding 9).
    refusal, probe = new_entries(before)
    assert refusal.operation == "refusal" and refusal.record_id == str(world.case.pk)
    assert (probe.operation, probe.record_id, probe.detail) == (
        "refusal",
        str(10**9),
        {"reason": "not found"},
    )


def test_case_create(world: World) -> None:
    before = last_seq()
    r = world.client("harry.health").post(
        f"{API}/cases/",
        {"case_type": "modern_slavery", "title": "Car wash"},
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["case_type"] == "modern_slavery" and body["lead_agency"] == "ccg"
    assert body["reference"].startswith("MS-") and body["members"] == ["harry.health"]
    assert r["Location"] == f"{API}/cases/{body['id']}/"
    assert new_entries(before, event="safeguarding.case.create")
    # Validation, duplicates, and roles that may not open cases.
    harry = world.client("harry.health")
    assert (
        harry.post(
            f"{API}/cases/", {"case_type": "piracy", "title": "x"}, format="json"
        ).status_code
        == 400
    )
    assert harry.post(f"{API}/cases/", {"title": "x"}, format="json").status_code == 400
    dup = harry.post(
        f"{API}/cases/",
        {"case_type": "asb", "title": "x", "reference": "MARAC-API-1"},
        format="json",
    )
    assert dup.status_code == 409
    for username in ("aisha.analyst", "ed.executive"):
        refused = world.client(username).post(
            f"{API}/cases/", {"case_type": "asb", "title": "x"}, format="json"
        )
        assert refused.status_code == 403, username


# --- Dash assessments --------------------------------------------------------------------


def test_dash_assessment_recorded_read_and_audited(world: World) -> None:
    pete = world.client("pete.practitioner")
    before = last_seq()
    r = pete.post(
        f"{API}/cases/{world.case.pk}/dash-assessments/",
        _dash_body(world),
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["yes_count"] == 14 and body["visible_high_risk"] is True
    assert body["risk_level"] == "high" and body["agency"] == "wyp"
    dash = DashAssessment.objects.get()
    assert r["Location"] == f"{API}/dash-assessments/{dash.pk}/"
    assert new_entries(before, event="safeguarding.dash_assessment.create")

    before = last_seq()
    read = world.client("carol.coordinator").get(f"{API}/dash-assessments/{dash.pk}/")
    assert read.status_code == 200
    assert read.json()["assessor_notes"] == "Strangled last week"
    [entry] = new_entries(before)
    assert entry.operation == "consultation" and entry.record_id == str(dash.pk)
    assert entry.subject_person_id == world.victim

    # The analyst may not open Dash assessments at all (security finding 3).
    analyst = world.client("aisha.analyst").get(f"{API}/dash-assessments/{dash.pk}/")
    assert analyst.status_code == 403 and b"Strangled" not in analyst.content
    hidden = world.client("harry.health").get(f"{API}/dash-assessments/{dash.pk}/")
    missing = world.client("harry.health").get(f"{API}/dash-assessments/{10**9}/")
    assert hidden.status_code == 404 and hidden.content == missing.content


@pytest.mark.parametrize(
    "answers",
    [
        [True] * 23,  # too few
        [True] * 25,  # too many
        ["yes"] + [True] * 23,  # not a boolean
        [1] + [True] * 23,
        "yes",
    ],
)
def test_dash_answers_must_be_24_booleans(world: World, answers: Any) -> None:
    r = world.client("pete.practitioner").post(
        f"{API}/cases/{world.case.pk}/dash-assessments/",
        _dash_body(world, answers=answers),
        format="json",
    )
    assert r.status_code == 400 and "answers" in r.json()
    assert not DashAssessment.objects.exists()


def test_dash_refusals(world: World) -> None:
    url = f"{API}/cases/{world.case.pk}/dash-assessments/"
    pete = world.client("pete.practitioner")
    # The action's own rules: the victim must be on the case; no future date.
    r = pete.post(url, _dash_body(world, victim=world.perpetrator), format="json")
    assert r.status_code == 400
    tomorrow = (TODAY() + timedelta(days=1)).isoformat()
    r = pete.post(url, _dash_body(world, assessed_on=tomorrow), format="json")
    assert r.status_code == 400
    # Carol sees the police case under the agreement but is not on it: 403.
    r = world.client("carol.coordinator").post(url, _dash_body(world), format="json")
    assert r.status_code == 403
    # Health cannot see it: the same 404 as a missing case.
    hidden = world.client("harry.health").post(url, _dash_body(world), format="json")
    missing = world.client("harry.health").post(
        f"{API}/cases/{10**9}/dash-assessments/", _dash_body(world), format="json"
    )
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert not DashAssessment.objects.exists()


def test_dash_score_endpoint_is_unchanged(world: World) -> None:
    r = world.client("pete.practitioner").post(
        f"{API}/dash/score", {"answers": HIGH}, format="json"
    )
    assert r.status_code == 200
    assert r.json()["yes_count"] == 14 and r.json()["visible_high_risk"] is True
    assert not DashAssessment.objects.exists()


# --- MARAC referrals ---------------------------------------------------------------------


def _refer(world: World, username: str = "pete.practitioner", **body: Any) -> Any:
    return world.client(username).post(
        f"{API}/cases/{world.case.pk}/marac-referrals/",
        {
            "victim": world.victim,
            "perpetrator": world.perpetrator,
            "referred_on": TODAY().isoformat(),
            **body,
        },
        format="json",
    )


def test_marac_referral_on_visible_high_risk(world: World) -> None:
    pete = world.client("pete.practitioner")
    dash = pete.post(
        f"{API}/cases/{world.case.pk}/dash-assessments/",
        _dash_body(world),
        format="json",
    ).json()
    before = last_seq()
    r = _refer(world, dash=dash["id"])
    assert r.status_code == 201, r.content
    body = r.json()
    assert "visible_high_risk" in body["criteria"] and body["dash"] == dash["id"]
    assert body["referring_agency"] == "wyp" and body["status"] == "referred"
    assert new_entries(before, event="safeguarding.marac_referral.create")
    referral = MaracReferral.objects.get()
    assert r["Location"] == f"{API}/marac-referrals/{referral.pk}/"

    carol = world.client("carol.coordinator")
    before = last_seq()
    assert carol.get(f"{API}/marac-referrals/{referral.pk}/").status_code == 200
    listed = carol.get(f"{API}/marac-referrals/")
    assert [x["id"] for x in listed.json()] == [referral.pk]
    events = [e.event for e in new_entries(before)]
    assert events == [
        "safeguarding.marac_referral.view",
        "safeguarding.marac_referral.list",
    ]
    assert carol.get(f"{API}/marac-referrals/?status=heard").json() == []
    assert carol.get(f"{API}/marac-referrals/?status=x").status_code == 400
    nadia = world.client("nadia.probation")
    assert nadia.get(f"{API}/marac-referrals/").json() == []
    hidden = nadia.get(f"{API}/marac-referrals/{referral.pk}/")
    missing = nadia.get(f"{API}/marac-referrals/{10**9}/")
    assert hidden.status_code == 404 and hidden.content == missing.content


def test_marac_referral_refused_without_a_criterion(world: World) -> None:
    pete = world.client("pete.practitioner")
    dash = pete.post(
        f"{API}/cases/{world.case.pk}/dash-assessments/",
        _dash_body(world, answers=LOW),
        format="json",
    ).json()
    r = _refer(world, dash=dash["id"])
    assert r.status_code == 400
    assert "criterion" in str(r.json())
    # Professional judgement needs a reason, then it is a criterion.
    assert _refer(world, professional_judgement=True).status_code == 400
    r = _refer(world, professional_judgement=True, reason="Threats to kill")
    assert r.status_code == 201 and r.json()["criteria"] == ["professional_judgement"]


def test_marac_referral_refused_to_those_off_the_case(world: World) -> None:
    assert (
        _refer(
            world, "carol.coordinator", professional_judgement=True, reason="x"
        ).status_code
        == 403
    )
    assert (
        _refer(
            world, "harry.health", professional_judgement=True, reason="x"
        ).status_code
        == 404
    )
    assert not MaracReferral.objects.exists()


def test_membership_lets_another_agency_refer(world: World) -> None:
    do_add_case_member(
        world.case.pk,
        world.users["harry.health"],
        actor=actor_for(world.users["pete.practitioner"]),
    )
    r = _refer(world, "harry.health", professional_judgement=True, reason="GP concern")
    assert r.status_code == 201 and r.json()["referring_agency"] == "ccg"


# --- Hate reports ------------------------------------------------------------------------


def test_hate_reports_for_the_holding_agency(world: World) -> None:
    carol = world.client("carol.coordinator")
    before = last_seq()
    listed = carol.get(f"{API}/hate-reports/")
    assert [x["id"] for x in listed.json()] == [world.hate.pk]
    assert listed.json()[0]["contact_email"] == "ama@example.org"
    r = carol.get(f"{API}/hate-reports/{world.hate.pk}/")
    assert r.status_code == 200 and r.json()["strands"] == ["race"]
    events = [e.event for e in new_entries(before)]
    assert events == ["incidents.hate_report.list", "incidents.hate_report.view"]
    assert carol.get(f"{API}/hate-reports/?status=closed").json() == []
    assert carol.get(f"{API}/hate-reports/?status=x").status_code == 400


def test_hate_reports_refused(world: World) -> None:
    # The analyst may not open hate reports at all (security finding 3).
    r = world.client("aisha.analyst").get(f"{API}/hate-reports/{world.hate.pk}/")
    assert r.status_code == 403
    assert b"Ama" not in r.content and b"Darren" not in r.content
    pete = world.client("pete.practitioner")  # no agreement shares hate reports
    assert pete.get(f"{API}/hate-reports/").json() == []
    hidden = pete.get(f"{API}/hate-reports/{world.hate.pk}/")
    missing = pete.get(f"{API}/hate-reports/{10**9}/")
    assert hidden.status_code == 404 and hidden.content == missing.content
    assert world.client("ed.executive").get(f"{API}/hate-reports/").status_code == 403


# --- One rule for pages and API (security finding 3) ---------------------------------


@pytest.mark.parametrize("username", ["iris.ig", "aisha.analyst", "ed.executive"])
def test_roles_the_pages_refuse_are_refused_by_the_api(
    world: World, username: str, sign_in: Any
) -> None:
    """Security finding 3 (issue #11): the IG lead read hate reports (with the
    reporter's e-mail) and Dash checklists (answers, assessor's notes) through the API,
    and the analyst pseudonymised, while the pages refused both. Now the API answers as
    the pages do: 403 for every id, existing or not, lists included; the attempt on an
    existing record is logged as a refusal."""
    pete = world.client("pete.practitioner")
    dash = pete.post(
        f"{API}/cases/{world.case.pk}/dash-assessments/",
        _dash_body(world),
        format="json",
    ).json()
    referral = _refer(world, dash=dash["id"]).json()
    client = world.client(username)
    for kind, record_id, page in [
        ("dash-assessments", dash["id"], f"/dash/{dash['id']}/"),
        ("marac-referrals", referral["id"], f"/marac/referrals/{referral['id']}/"),
        ("hate-reports", world.hate.pk, f"/hate-reports/{world.hate.pk}/"),
    ]:
        before = last_seq()
        r = client.get(f"{API}/{kind}/{record_id}/")
        missing = client.get(f"{API}/{kind}/{10**9}/")
        assert r.status_code == missing.status_code == 403, (kind, r.status_code)
        assert r.content == missing.content
        assert b"ama@example.org" not in r.content
        assert b"Strangled" not in r.content
        refusals = new_entries(before, operation="refusal", record_id=str(record_id))
        assert len(refusals) == 1, kind
        # The page says the same.
        page_client = sign_in(Client(), world.users[username])
        assert page_client.get(page).status_code == 403, page
    for kind in ("marac-referrals", "hate-reports"):
        assert client.get(f"{API}/{kind}/").status_code == 403, kind


def test_ig_subject_access_export_is_a_separate_disclosure_path(world: World) -> None:
    """Security finding 3 (issue #11): refusing the IG lead the hate reports and Dash
    checklists does not break the subject-access export, which is a disclosure to the
    data subject logged as such, not casework."""
    lcc_person = do_create_person(
        actor=actor_for(world.users["carol.coordinator"]),
        reference="LCC-SA",
        given_name="Sam",
        family_name="Subject",
    )
    iris = world.client("iris.ig")
    r = iris.post(
        f"{API}/people/{lcc_person.pk}/subject-access/",
        {"recipient": "Sam Subject"},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert b"Subject" in r.content
    assert AuditEntry.objects.filter(
        operation="disclosure", record_id=str(lcc_person.pk)
    ).exists()
