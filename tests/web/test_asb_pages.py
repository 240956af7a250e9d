"""ASB pages through the Django test client: who sees what, validation, each step of a
case review, the 409 on a stale save, the statistics page and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saferleeds.asb.actions import (
    do_open_asb_case,
    do_receive_asb_case_review,
    do_record_asb_complaint,
)
from saferleeds.asb.models import AsbCaseReview, AsbComplaint, AsbIntervention
from saferleeds.asb.views import case_panel
from saferleeds.audit.models import AuditEntry
from saferleeds.partners.policy import Actor, actor_for
from saferleeds.people.actions import do_create_person
from saferleeds.people.models import Person
from saferleeds.safeguarding.models import Case

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _date(prefix: str, d: date) -> dict[str, str]:
    return {
        f"{prefix}_day": str(d.day),
        f"{prefix}_month": str(d.month),
        f"{prefix}_year": str(d.year),
    }


@pytest.fixture
def pete(personas: dict[str, Any]) -> Actor:
    return actor_for(personas["pete.practitioner"])


@pytest.fixture
def victim(pete: Actor) -> Person:
    return do_create_person(
        actor=pete, reference="WYP-V9", given_name="Vera", family_name="Victim"
    )


@pytest.fixture
def asb_case(pete: Actor, victim: Person) -> Case:
    ids = [
        do_record_asb_complaint(
            actor=pete,
            behaviour_on=TODAY - timedelta(days=10 * i + 2),
            reported_on=TODAY - timedelta(days=10 * i + 1),
            description=f"Threats at the door {i}",
            complainant_id=victim.pk,
        ).pk
        for i in range(3)
    ]
    return do_open_asb_case(
        actor=pete, title="Threats, Harehills", opened_on=TODAY, complaint_ids=ids
    )


@pytest.fixture
def pete_client(client: Client, sign_in: Any, personas: dict[str, Any]) -> Client:
    return sign_in(client, personas["pete.practitioner"])


def test_anonymous_users_are_sent_to_sign_in(client: Client) -> None:
    for url in ("/asb/", "/asb/statistics/", "/asb/reviews/1/", "/asb/cases/1/"):
        r = client.get(url)
        assert r.status_code == 302 and "/sign-in/" in r["Location"]


def test_home_lists_cases_and_reviews_and_audits_them(
    pete_client: Client, pete: Actor, asb_case: Case, victim: Person
) -> None:
    review = do_receive_asb_case_review(
        actor=pete, received_on=TODAY, applicant_id=victim.pk, case_id=asb_case.pk
    )
    r = pete_client.get("/asb/")
    assert r.status_code == 200
    body = r.content.decode()
    assert asb_case.reference in body and review.reference in body
    assert "Vera Victim" in body
    shown = AuditEntry.objects.filter(event="safeguarding.asb.home")
    assert {(e.record_type, e.record_id) for e in shown} >= {
        ("case", str(asb_case.pk)),
        ("asb_case_review", str(review.pk)),
    }


def test_roles_without_casework(
    client: Client, sign_in: Any, personas: dict[str, Any], asb_case: Case
) -> None:
    sign_in(client, personas["ed.executive"])
    assert client.get("/asb/").status_code == 403
    assert client.get(f"/asb/cases/{asb_case.pk}/").status_code == 404
    assert client.get("/asb/statistics/").status_code == 200  # counts only
    client.logout()
    # An analyst at another agency sees nothing of Pete's records.
    sign_in(client, personas["aisha.analyst"])
    r = client.get("/asb/")
    assert r.status_code == 200 and asb_case.reference not in r.content.decode()
    assert client.get("/asb/complaints/new/").status_code == 403


def test_other_agency_gets_404_on_the_case_and_review(
    client: Client,
    sign_in: Any,
    personas: dict[str, Any],
    pete: Actor,
    asb_case: Case,
) -> None:
    review = do_receive_asb_case_review(
        actor=pete, received_on=TODAY, case_id=asb_case.pk
    )
    sign_in(client, personas["nadia.probation"])
    assert client.get(f"/asb/cases/{asb_case.pk}/").status_code == 404
    assert client.get(f"/asb/reviews/{review.pk}/").status_code == 404
    r = client.post(
        f"/asb/reviews/{review.pk}/acknowledge/",
        {**_date("on", TODAY), "version": 1},
    )
    assert r.status_code == 404


def test_complaint_form_validates_and_saves(
    pete_client: Client, asb_case: Case, victim: Person
) -> None:
    url = f"/asb/complaints/new/?case={asb_case.pk}"
    assert pete_client.get(url).status_code == 200
    bad = pete_client.post(
        url,
        {
            **_date("behaviour", TODAY),
            **_date("reported", TODAY - timedelta(days=1)),
            "description": "",
        },
    )
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "Enter what happened" in body
    assert "same as or after the date of the behaviour" in body
    assert 'href="#reported-day"' in body
    before = AsbComplaint.objects.count()
    ok = pete_client.post(
        url,
        {
            **_date("behaviour", TODAY - timedelta(days=1)),
            **_date("reported", TODAY),
            "description": "Loud music and shouting",
            "harassment": "no",
            "complainant": str(victim.pk),
        },
    )
    assert ok.status_code == 302 and ok["Location"] == f"/asb/cases/{asb_case.pk}/"
    c = AsbComplaint.objects.order_by("-pk").first()
    assert AsbComplaint.objects.count() == before + 1
    assert c is not None and not c.causes_harassment and c.case_id == asb_case.pk
    future = pete_client.post(
        "/asb/complaints/new/",
        {
            **_date("behaviour", TODAY + timedelta(days=1)),
            **_date("reported", TODAY + timedelta(days=1)),
            "description": "x",
            "harassment": "yes",
        },
    )
    assert (
        future.status_code == 400 and "must be in the past" in future.content.decode()
    )
    unknown = pete_client.post(
        "/asb/complaints/new/",
        {
            **_date("behaviour", TODAY),
            **_date("reported", TODAY),
            "description": "x",
            "harassment": "yes",
            "complainant": "999999",
        },
    )
    assert unknown.status_code == 400
    assert "no person with that number" in unknown.content.decode()


def test_open_case_page(pete_client: Client, pete: Actor, victim: Person) -> None:
    c = do_record_asb_complaint(
        actor=pete,
        behaviour_on=TODAY,
        reported_on=TODAY,
        description="Graffiti threats",
        complainant_id=victim.pk,
    )
    page = pete_client.get(f"/asb/cases/new/?complaint={c.pk}")
    assert page.status_code == 200 and "checked" in page.content.decode()
    assert pete_client.post("/asb/cases/new/", {"title": ""}).status_code == 400
    r = pete_client.post(
        "/asb/cases/new/", {"title": "Graffiti", "complaints": [str(c.pk)]}
    )
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.case is not None and c.case.case_type == "asb"


def test_assessment_form_sets_risk(
    pete_client: Client, asb_case: Case, victim: Person
) -> None:
    url = f"/asb/cases/{asb_case.pk}/assessment/"
    page = pete_client.get(url)
    assert page.status_code == 200 and "Vera Victim" in page.content.decode()
    bad = pete_client.post(
        url, {"complainant": str(victim.pk), **_date("assessed", TODAY)}
    )
    assert bad.status_code == 400 and "Answer: " in bad.content.decode()
    answers = {
        f"q_{k}": "0"
        for k in (
            "health",
            "mental_health",
            "age_isolation",
            "targeted_identity",
            "at_home",
            "repeat",
            "support",
            "fear",
            "threats_violence",
            "daily_life",
        )
    }
    answers.update({"q_fear": "3", "q_threats_violence": "3"})  # 12: medium
    r = pete_client.post(
        url, {"complainant": str(victim.pk), **_date("assessed", TODAY), **answers}
    )
    assert r.status_code == 302
    asb_case.refresh_from_db()
    assert asb_case.risk_level == "medium"
    assert asb_case.review_due_on == TODAY + timedelta(days=14)
    case_page = pete_client.get(f"/asb/cases/{asb_case.pk}/").content.decode()
    assert "Contact the victim within 3 days" in case_page


def test_interventions_and_outcome(pete_client: Client, asb_case: Case) -> None:
    url = f"/asb/cases/{asb_case.pk}/interventions/"
    assert pete_client.get(url).status_code == 200
    bad = pete_client.post(
        url,
        {
            "kind": "cpn",
            **_date("issued", TODAY),
            **_date("expires", TODAY - timedelta(days=1)),
        },
    )
    assert bad.status_code == 400 and "Date it expires must be" in bad.content.decode()
    r = pete_client.post(url, {"kind": "cpw", **_date("issued", TODAY)})
    assert r.status_code == 302
    i = AsbIntervention.objects.get(case=asb_case)
    out = f"/asb/interventions/{i.pk}/outcome/"
    assert pete_client.get(out).status_code == 200
    r = pete_client.post(out, {"outcome": "complied", **_date("outcome_on", TODAY)})
    assert r.status_code == 302
    i.refresh_from_db()
    assert i.outcome == "complied"
    assert "Complied with" in pete_client.get(url).content.decode()


def test_case_review_pages_from_application_to_applicant_told(
    pete_client: Client, asb_case: Case, victim: Person
) -> None:
    new = pete_client.get(f"/asb/reviews/new/?case={asb_case.pk}")
    assert new.status_code == 200
    assert (
        pete_client.post(f"/asb/reviews/new/?case={asb_case.pk}", {}).status_code == 400
    )
    r = pete_client.post(
        f"/asb/reviews/new/?case={asb_case.pk}",
        {**_date("received", TODAY), "applicant": str(victim.pk), "on_behalf": "no"},
    )
    assert r.status_code == 302
    review = AsbCaseReview.objects.get()
    url = f"/asb/reviews/{review.pk}/"
    page = pete_client.get(url).content.decode()
    assert "Threshold met" in page and "Qualifying complaint" in page
    assert "Acknowledge the application" in page

    def post(step: str, data: dict[str, str]) -> Any:
        review.refresh_from_db()
        return pete_client.post(
            f"{url}{step}/", {"version": str(review.version), **data}
        )

    assert post("acknowledge", {}).status_code == 400
    assert post("acknowledge", _date("on", TODAY)).status_code == 302
    stale = pete_client.post(f"{url}decide/", {"version": "1", **_date("on", TODAY)})
    assert stale.status_code == 409, stale.content.decode()[:6000]
    assert "changed by someone else" in stale.content.decode()
    assert post("decide", _date("on", TODAY)).status_code == 302
    bad_hold = post("hold", {**_date("on", TODAY), "chair": "", "outcome": ""})
    assert bad_hold.status_code == 400
    assert "Enter who chaired the review" in bad_hold.content.decode()
    assert (
        post(
            "hold",
            {**_date("on", TODAY), "chair": "Independent chair", "outcome": "Act"},
        ).status_code
        == 302
    )
    from saferleeds.partners.models import Agency

    lcc = Agency.objects.get(code="lcc")
    r = post(
        "recommend",
        {
            "text": "Noise monitoring",
            "owner": str(lcc.pk),
            **_date("due", TODAY + timedelta(days=30)),
        },
    )
    assert r.status_code == 302
    page = pete_client.get(url).content.decode()
    assert "Noise monitoring" in page and "Leeds City Council" in page
    assert post("tell", _date("on", TODAY)).status_code == 302
    review.refresh_from_db()
    assert review.status == "closed"
    assert (
        "Record that the applicant was told"
        not in pete_client.get(url).content.decode()
    )
    rec = review.recommendations.get()
    r = pete_client.post(
        f"/asb/recommendations/{rec.pk}/complete/", _date("done", TODAY)
    )
    assert r.status_code == 302
    rec.refresh_from_db()
    assert rec.completed_on == TODAY


def test_case_panel_only_for_asb_cases(pete: Actor, asb_case: Case) -> None:
    from saferleeds.safeguarding.actions import do_create_case

    marac = do_create_case(
        actor=pete, reference="M-9", case_type="marac", title="m", opened_on=TODAY
    )
    assert case_panel(pete, marac) is None
    panel = case_panel(actor_for_user(pete), asb_case)
    assert panel is not None and len(panel["complaints"]) == 3
    assert panel["asb"]["asb_case"] == asb_case


def actor_for_user(actor: Actor) -> Actor:
    from django.contrib.auth.models import User

    return actor_for(User.objects.get(pk=actor.user_id))


def test_statistics_page_and_csv(
    pete_client: Client, pete: Actor, asb_case: Case
) -> None:
    do_receive_asb_case_review(actor=pete, received_on=TODAY, case_id=asb_case.pk)
    year = TODAY.year if TODAY.month >= 4 else TODAY.year - 1
    r = pete_client.get(f"/asb/statistics/?year={year}")
    assert r.status_code == 200
    assert pete_client.get("/asb/statistics/?year=abc").status_code == 404
    csv_r = pete_client.get(f"/asb/statistics.csv?year={year}")
    assert csv_r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_r.content.decode())))
    by = {(row["measure"], row["period"]): int(row["count"]) for row in rows}
    period = f"{year}-04-01/{year + 1}-03-31"
    assert by[("Applications received", period)] == 1
    assert by[("Awaiting a threshold decision", period)] == 1
    assert by[("Applications received", TODAY.strftime("%Y-%m"))] == 1
    other = pete_client.get(f"/asb/statistics.csv?year={year - 3}").content.decode()
    assert ",1\r\n" not in other


def test_the_case_page_shows_the_asb_panel(pete_client: Client, asb_case: Case) -> None:
    r = pete_client.get(f"/cases/{asb_case.pk}/")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'data-testid="asb-panel"' in body
    assert "Threats at the door 0" in body
    assert f"/asb/cases/{asb_case.pk}/assessment/" in body


def test_home_tags_an_application_past_its_service_level(
    pete_client: Client, pete: Actor, asb_case: Case
) -> None:
    late = do_receive_asb_case_review(
        actor=pete, received_on=TODAY - timedelta(days=40), case_id=asb_case.pk
    )
    fresh = do_receive_asb_case_review(
        actor=pete, received_on=TODAY, case_id=asb_case.pk
    )
    rows = {
        ref: row
        for ref, row in (
            (r.reference, r)
            for r in AsbCaseReview.objects.filter(pk__in=[late.pk, fresh.pk])
        )
    }
    body = pete_client.get("/asb/").content.decode()
    table = body[body.index('data-testid="reviews"') :]
    late_row = table[table.index(rows[late.reference].reference) :]
    late_row = late_row[: late_row.index("</tr>")]
    fresh_row = table[table.index(rows[fresh.reference].reference) :]
    fresh_row = fresh_row[: fresh_row.index("</tr>")]
    assert "Overdue" in late_row and "Acknowledge the application" in late_row
    assert "Overdue" not in fresh_row and "Due" in fresh_row


def test_analyst_sees_pseudonyms_not_names(
    client: Client, sign_in: Any, personas: dict[str, Any]
) -> None:
    from saferleeds.people.present import pseudonym

    carol = actor_for(personas["carol.coordinator"])
    person = do_create_person(
        actor=carol, reference="LCC-77", given_name="Lena", family_name="Lowe"
    )
    ids = [
        do_record_asb_complaint(
            actor=carol,
            behaviour_on=TODAY,
            reported_on=TODAY,
            description="Abuse in the stairwell",
            complainant_id=person.pk,
        ).pk
    ]
    case = do_open_asb_case(
        actor=carol, title="Stairwell abuse", opened_on=TODAY, complaint_ids=ids
    )
    review = do_receive_asb_case_review(
        actor=actor_for(personas["carol.coordinator"]),
        received_on=TODAY,
        applicant_id=person.pk,
        case_id=case.pk,
    )
    sign_in(client, personas["aisha.analyst"])
    for url in ("/asb/", f"/asb/cases/{case.pk}/", f"/asb/reviews/{review.pk}/"):
        r = client.get(url)
        assert r.status_code == 200, url
        body = r.content.decode()
        assert "Lena" not in body and "Lowe" not in body, url
        assert case.reference not in body and review.reference not in body, url
    assert pseudonym(person.pk) in client.get("/asb/").content.decode()
    assert (
        "Abuse in the stairwell"
        not in client.get(f"/asb/cases/{case.pk}/").content.decode()
    )
    # Analysts read; they do not record.
    r = client.post(
        f"/asb/reviews/{review.pk}/acknowledge/", {**_date("on", TODAY), "version": 1}
    )
    assert r.status_code == 403
