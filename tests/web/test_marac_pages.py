"""MARAC pages through Django's test client: the Dash form and its result, referral,
meetings, research, actions, repeat flags, figures and who may see what.

The world is tests.safeguarding.test_marac_actions.build_marac_world: the MARAC
agreement shares people, cases, checklists, referrals, research and tasks between the
council, police, health and probation (not incidents); Vicky and Paul are on a MARAC
case the council leads, with Pete (police) a member.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from saferleeds.audit.models import AuditEntry
from saferleeds.marac.actions import (
    do_add_marac_action,
    do_create_marac_meeting,
    do_list_marac_referral,
    do_refer_to_marac,
)
from saferleeds.marac.models import (
    DashAssessment,
    MaracMeeting,
    MaracReferral,
    MaracResearch,
)
from saferleeds.marac.views import case_panel
from saferleeds.safeguarding.models import CaseTask
from tests.safeguarding.test_marac_actions import (
    TODAY,
    build_marac_world,
    da_incident,
)


@pytest.fixture
def w(personas: dict[str, Any]) -> dict[str, Any]:
    return build_marac_world(personas)


def client_for(sign_in: Any, personas: dict[str, Any], username: str) -> Client:
    return sign_in(Client(), personas[username])


def dash_post(w: dict[str, Any], yes: int, **extra: str) -> dict[str, str]:
    data = {
        "victim": str(w["vicky"].pk),
        "assessed_day": str(TODAY.day),
        "assessed_month": str(TODAY.month),
        "assessed_year": str(TODAY.year),
        "professional_judgement": "no",
        "judgement_reason": "",
        "assessor_notes": "Seen at the refuge.",
    }
    for n in range(1, 25):
        data[f"q{n}"] = "yes" if n <= yes else ("not_known" if n == 24 else "no")
    return {**data, **extra}


def test_dash_form_scores_and_offers_referral_at_14(
    w: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    c = client_for(sign_in, personas, "pete.practitioner")
    url = f"/cases/{w['case'].pk}/dash/new/"
    page = c.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('type="radio"') >= 24 * 3
    assert "Has the current incident resulted in injury?" in html

    r = c.post(url, dash_post(w, 14))
    dash = DashAssessment.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/dash/{dash.pk}/"
    assert dash.yes_count == 14 and dash.answers[23] is None
    result = c.get(r["Location"]).content.decode()
    assert "14 “yes” of 24: High risk" in result
    assert "Visible high risk (14 or more “yes”)" in result
    assert f"/cases/{w['case'].pk}/marac/refer/?dash={dash.pk}" in result


def test_dash_form_13_yes_is_medium_with_no_criterion(
    w: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    c = client_for(sign_in, personas, "pete.practitioner")
    r = c.post(f"/cases/{w['case'].pk}/dash/new/", dash_post(w, 13), follow=True)
    html = r.content.decode()
    assert "13 “yes” of 24: Medium risk" in html
    assert "No MARAC referral criterion holds" in html


def test_dash_form_errors(
    w: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    c = client_for(sign_in, personas, "pete.practitioner")
    data = dash_post(w, 3, professional_judgement="yes")
    del data["q5"]
    r = c.post(f"/cases/{w['case'].pk}/dash/new/", data)
    assert r.status_code == 400
    html = r.content.decode()
    assert "Answer question 5: yes, no or not known" in html
    assert 'href="#id_q5"' in html
    assert "Give the reason for your professional judgement" in html
    assert not DashAssessment.objects.exists()


def test_referral_refused_without_criterion_then_made_on_judgement(
    w: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    c = client_for(sign_in, personas, "pete.practitioner")
    url = f"/cases/{w['case'].pk}/marac/refer/"
    base = {
        "victim": str(w["vicky"].pk),
        "perpetrator": str(w["paul"].pk),
        "referred_day": str(TODAY.day),
        "referred_month": str(TODAY.month),
        "referred_year": str(TODAY.year),
        "professional_judgement": "no",
        "reason": "",
    }
    r = c.post(url, base)
    assert r.status_code == 400
    assert "No MARAC referral criterion holds" in r.content.decode()
    assert not MaracReferral.objects.exists()
    r = c.post(url, {**base, "professional_judgement": "yes", "reason": "Threats."})
    referral = MaracReferral.objects.get()
    assert r["Location"] == f"/marac/referrals/{referral.pk}/"
    assert referral.criteria == ["professional_judgement"]


def test_coordinator_runs_the_meeting_through_the_pages(
    w: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    referral = do_refer_to_marac(
        w["case"].pk,
        actor=w["pete"],
        victim_id=w["vicky"].pk,
        perpetrator_id=w["paul"].pk,
        referred_on=TODAY,
        professional_judgement=True,
        reason="Threats to kill.",
    )
    carol = client_for(sign_in, personas, "carol.coordinator")
    home = carol.get("/marac/").content.decode()
    assert "Referrals awaiting listing" in home and "Vicky Victim" in home
    assert AuditEntry.objects.filter(
        event="safeguarding.marac.home", record_id=str(referral.pk)
    ).exists()

    day = TODAY  # heard on or after its date: the meeting is today
    r = carol.post(
        "/marac/meetings/new/",
        {"held_day": day.day, "held_month": day.month, "held_year": day.year},
    )
    meeting = MaracMeeting.objects.get()
    assert r["Location"] == f"/marac/meetings/{meeting.pk}/"
    r = carol.post(
        f"/marac/referrals/{referral.pk}/list/", {"meeting": str(meeting.pk)}
    )
    assert r.status_code == 302
    assert MaracReferral.objects.get().status == "listed"

    page = carol.get(f"/marac/meetings/{meeting.pk}/").content.decode()
    assert "MARAC-T-001: Vicky Victim" in page
    assert page.count("Research missing") == 4  # LCC, WYP, CCG, NPS

    harry = client_for(sign_in, personas, "harry.health")
    r = harry.post(
        f"/marac/referrals/{referral.pk}/research/",
        {"holds_information": "yes", "findings": "A&E attendance in May."},
    )
    assert r.status_code == 302
    assert MaracResearch.objects.get().agency.code == "ccg"
    page = carol.get(f"/marac/meetings/{meeting.pk}/").content.decode()
    assert page.count("Research missing") == 3 and "Information shared" in page

    ccg = w["agencies"]["ccg"]
    due = TODAY + timedelta(days=14)
    r = carol.post(
        f"/marac/referrals/{referral.pk}/actions/new/",
        {
            "title": "GP to flag the record",
            "owner_agency": str(ccg.pk),
            "due_day": due.day,
            "due_month": due.month,
            "due_year": due.year,
            "detail": "",
        },
    )
    assert r.status_code == 302
    task = CaseTask.objects.get()
    r = carol.post(f"/marac/referrals/{referral.pk}/heard/")
    assert MaracReferral.objects.get().status == "heard"
    page = carol.get(f"/marac/referrals/{referral.pk}/").content.decode()
    assert "1 still open" in page

    r = harry.post(
        f"/marac/actions/{task.pk}/complete/",
        {
            "completed_day": TODAY.day,
            "completed_month": TODAY.month,
            "completed_year": TODAY.year,
            "evidence": "Flag added.",
        },
    )
    assert r.status_code == 302
    carol.post(f"/marac/referrals/{referral.pk}/close/")
    assert MaracReferral.objects.get().status == "closed"


def test_refusals_show_as_messages_not_errors(
    w: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    referral = do_refer_to_marac(
        w["case"].pk,
        actor=w["pete"],
        victim_id=w["vicky"].pk,
        referred_on=TODAY,
        professional_judgement=True,
        reason="x",
    )
    carol = client_for(sign_in, personas, "carol.coordinator")
    r = carol.post(f"/marac/referrals/{referral.pk}/close/", follow=True)
    assert "only a referral heard at MARAC can be closed" in r.content.decode()
    pete = client_for(sign_in, personas, "pete.practitioner")
    assert pete.post(f"/marac/referrals/{referral.pk}/heard/").status_code == 403
    assert pete.get("/marac/meetings/new/").status_code == 403


def test_who_may_see_the_pages(
    w: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    referral = do_refer_to_marac(
        w["case"].pk,
        actor=w["pete"],
        victim_id=w["vicky"].pk,
        referred_on=TODAY,
        professional_judgement=True,
        reason="x",
    )
    url = f"/marac/referrals/{referral.pk}/"
    assert Client().get(url).status_code == 302  # anonymous: to sign in
    for who, status in [
        ("nadia.probation", 200),  # shared under the MARAC agreement
        ("fran.agencyadmin", 403),
        ("ed.executive", 403),
        ("aisha.analyst", 403),
    ]:
        assert client_for(sign_in, personas, who).get(url).status_code == status, who
    carol = client_for(sign_in, personas, "carol.coordinator")
    assert carol.get("/marac/referrals/999999/").status_code == 404
    assert carol.get("/marac/meetings/999999/").status_code == 404
    for who, status in [
        ("aisha.analyst", 200),
        ("ed.executive", 200),
        ("carol.coordinator", 200),
        ("pete.practitioner", 403),
    ]:
        got = client_for(sign_in, personas, who).get("/marac/figures/").status_code
        assert got == status, who


def test_repeat_flag_on_home_page_from_a_police_incident(
    w: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    first_on = TODAY - timedelta(days=200)
    referral = do_refer_to_marac(
        w["case"].pk,
        actor=w["carol"],
        victim_id=w["vicky"].pk,
        perpetrator_id=w["paul"].pk,
        referred_on=first_on,
        professional_judgement=True,
        reason="First.",
    )
    da_incident(w["pete"], "WYP-DA-9", TODAY - timedelta(days=3), w["vicky"], w["paul"])
    carol = client_for(sign_in, personas, "carol.coordinator")
    html = carol.get("/marac/").content.decode()
    assert "MARAC-T-001, referred" in html
    assert f"/marac/referrals/{referral.pk}/" in html
    assert "1 recorded by agencies that do not share incidents with yours" in html
    assert "WYP-DA-9" not in html  # the police record itself is not disclosed
    pete = client_for(sign_in, personas, "pete.practitioner")
    assert "Repeat flags" not in pete.get("/marac/").content.decode()


def test_figures_page_annualises_a_partial_period(
    w: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    for n in range(2):
        do_refer_to_marac(
            w["case"].pk,
            actor=w["pete"],
            victim_id=w["vicky"].pk,
            referred_on=TODAY - timedelta(days=n),
            professional_judgement=True,
            reason=f"{n}",
        )
    start = TODAY - timedelta(days=30)
    carol = client_for(sign_in, personas, "carol.coordinator")
    r = carol.get(
        "/marac/figures/",
        {
            "start_day": start.day,
            "start_month": start.month,
            "start_year": start.year,
            "end_day": TODAY.day,
            "end_month": TODAY.month,
            "end_year": TODAY.year,
        },
    )
    html = r.content.decode()
    assert r.status_code == 200
    assert "annualised" in html and "SafeLives expects about 40 a year" in html
    assert "West Yorkshire Police" in html and "Leeds females aged 16+" in html
    bad = carol.get("/marac/figures/", {"start_day": "40", "start_month": "1"})
    assert bad.status_code == 400


def test_case_panel_only_on_marac_cases(w: dict[str, Any]) -> None:
    panel = case_panel(w["carol"], w["case"])
    assert panel is not None and panel["can_add"] and panel["referrals"] == []
    assert case_panel(w["aisha"], w["case"]) is None


def test_case_marac_page_lists_checklists_and_referrals(
    w: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    pete = client_for(sign_in, personas, "pete.practitioner")
    pete.post(f"/cases/{w['case'].pk}/dash/new/", dash_post(w, 15))
    html = pete.get(f"/cases/{w['case'].pk}/marac/").content.decode()
    assert "15 of 24" in html and "Start a Dash checklist" in html


def test_action_plan_overdue_on_home(
    w: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    referral = do_refer_to_marac(
        w["case"].pk,
        actor=w["pete"],
        victim_id=w["vicky"].pk,
        referred_on=TODAY - timedelta(days=30),
        professional_judgement=True,
        reason="x",
    )
    meeting = do_create_marac_meeting(actor=w["carol"], held_on=TODAY)
    do_list_marac_referral(referral.pk, meeting.pk, actor=w["carol"])
    do_add_marac_action(
        referral.pk,
        actor=w["carol"],
        title="Police to visit",
        owner_agency_id=w["agencies"]["wyp"].pk,
        due_on=TODAY - timedelta(days=1),
    )
    html = client_for(sign_in, personas, "carol.coordinator").get("/marac/")
    text = html.content.decode()
    assert "Police to visit" in text and "Overdue" in text


def test_figures_default_to_the_last_whole_year(
    w: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    from saferleeds.marac.views import year_before

    html = client_for(sign_in, personas, "ed.executive").get("/marac/figures/")
    text = html.content.decode()
    start = year_before(TODAY) + timedelta(days=1)
    assert f"{start:%-d %B %Y} to {TODAY:%-d %B %Y}" in text
    assert "(a whole year)" in text and "annualised" not in text


def test_year_before_handles_29_february() -> None:
    from datetime import date

    from saferleeds.marac.views import year_before

    assert year_before(date(2024, 2, 29)) == date(2023, 2, 28)
    assert year_before(date(2025, 3, 1)) == date(2024, 3, 1)
