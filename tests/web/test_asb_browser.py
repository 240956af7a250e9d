"""The ASB journey in headless Chromium, axe-checked on every page: a practitioner records
complaints, opens a case, assesses the victim's risk, records an intervention, receives
an ASB Case Review application that meets the threshold, holds the review with a
recommendation and tells the applicant the outcome; then the year's statistics.

Screenshots go to test-artifacts/asb-*.png for a person to look at.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from saferleeds.asb.models import AsbCaseReview, AsbComplaint
from saferleeds.partners.policy import actor_for
from saferleeds.people.actions import do_create_person
from saferleeds.safeguarding.models import Case
from tests.web.axe import assert_accessible
from tests.web.conftest import browser_sign_in, screenshot
from tests.web.test_workspace_browser import ExpectErrorStatus

pytestmark = pytest.mark.browser


def check(page: Any, name: str) -> None:
    """Axe-check the page and keep a screenshot (and any lesser findings) of it."""
    lesser = assert_accessible(page)
    path = screenshot(page, f"asb-{name}")
    path.with_suffix(".axe.json").write_text(
        json.dumps({"url": page.url, "minor_or_moderate": lesser}, indent=2),
        encoding="utf-8",
    )
    assert not page.problems, page.problems


def fill_date(page: Any, prefix: str, d: date) -> None:
    page.fill(f"#{prefix}-day", str(d.day))
    page.fill(f"#{prefix}-month", str(d.month))
    page.fill(f"#{prefix}-year", str(d.year))


@pytest.fixture
def people(transactional_db: None, personas: dict[str, Any]) -> dict[str, Any]:
    pete = actor_for(personas["pete.practitioner"])
    return {
        "victim": do_create_person(
            actor=pete, reference="WYP-A1", given_name="Vera", family_name="Victim"
        ),
        "perpetrator": do_create_person(
            actor=pete, reference="WYP-A2", given_name="Percy", family_name="Nuisance"
        ),
    }


def test_asb_complaint_to_case_review_outcome(
    live_server: Any, page: Any, personas: dict[str, Any], people: dict[str, Any]
) -> None:
    base = live_server.url
    today = timezone.localdate()
    victim, perpetrator = people["victim"], people["perpetrator"]
    browser_sign_in(page, base, personas["pete.practitioner"])
    page.goto(f"{base}/asb/")
    assert page.get_by_role(
        "heading", name="Anti-social behaviour", level=1
    ).is_visible()
    check(page, "home-empty")

    # Three complaints, the first entered wrongly once.
    for n, days_ago in enumerate((40, 20, 5)):
        page.get_by_role("button", name="Record a complaint").click()
        page.wait_for_url(f"{base}/asb/complaints/new/")
        fill_date(page, "behaviour", today - timedelta(days=days_ago))
        if n == 0:
            fill_date(page, "reported", today - timedelta(days=days_ago + 1))
            with ExpectErrorStatus(page, 400):
                page.get_by_role("button", name="Save complaint").click()
                page.locator(".govuk-error-summary").wait_for()
            summary = page.locator(".govuk-error-summary")
            assert summary.get_by_role("link", name="Enter what happened").is_visible()
            assert page.title().startswith("Error: ")
            check(page, "complaint-error")
        fill_date(page, "reported", today - timedelta(days=days_ago - 1))
        page.get_by_label("What happened").fill(
            f"Threats shouted at the door ({n + 1})"
        )
        page.get_by_label("Yes", exact=True).check()
        page.get_by_label("Complainant's person number (optional)").fill(str(victim.pk))
        if n == 0:
            check(page, "complaint-form")
        page.get_by_role("button", name="Save complaint").click()
        page.wait_for_url(f"{base}/asb/")
        assert page.get_by_test_id("flash").inner_text() == "Complaint recorded"
    assert AsbComplaint.objects.count() == 3
    check(page, "home-complaints")

    # Open a case from them, naming the alleged perpetrator.
    page.get_by_role("button", name="Open a case", exact=True).click()
    page.wait_for_url(f"{base}/asb/cases/new/")
    page.get_by_label("Case title").fill("Threats at the door, Harehills")
    for box in page.locator("input[name=complaints]").all():
        box.check()
    page.get_by_label("Alleged perpetrator's person number (optional)").fill(
        str(perpetrator.pk)
    )
    check(page, "case-form")
    page.get_by_role("button", name="Open case").click()
    page.wait_for_url(lambda url: "/asb/cases/" in url and "/new/" not in url)
    case = Case.objects.get(case_type="asb")
    assert page.get_by_test_id("asb-complaints").locator("tbody tr").count() == 3
    check(page, "case")

    # The victim's risk: a score of 22 is high risk.
    page.get_by_role("link", name="Assess the victim's risk").click()
    page.wait_for_url(f"{base}/asb/cases/{case.pk}/assessment/")
    page.get_by_label("Vera Victim (complainant)").check()
    fill_date(page, "assessed", today)
    answers = {"fear": 3, "threats_violence": 3, "mental_health": 3, "repeat": 2}
    for q in (
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
    ):
        value = answers.get(q, 0)
        page.check(f"#id_q_{q}" if value == 0 else f"#id_q_{q}-{value}")
    check(page, "assessment-form")
    page.get_by_role("button", name="Save assessment").click()
    page.wait_for_url(f"{base}/asb/cases/{case.pk}/")
    assert "score 22, high risk" in page.get_by_test_id("flash").inner_text()
    assert page.get_by_test_id("case-risk").inner_text().strip() == "High"
    check(page, "case-assessed")

    # An intervention on the perpetrator.
    page.get_by_role("link", name="See and record interventions").click()
    page.wait_for_url(f"{base}/asb/cases/{case.pk}/interventions/")
    page.get_by_label("Intervention", exact=True).select_option("cpw")
    page.get_by_label("Served on").select_option(str(perpetrator.pk))
    fill_date(page, "issued", today)
    page.get_by_role("button", name="Save intervention").click()
    page.wait_for_url(f"{base}/asb/cases/{case.pk}/interventions/")
    assert (
        "Community protection warning"
        in page.get_by_test_id("interventions").inner_text()
    )
    check(page, "interventions")

    # The application: threshold met, each complaint's reason shown.
    page.get_by_role("link", name="Back to the case").click()
    page.get_by_role("link", name="Receive a case review application").click()
    page.wait_for_url(f"{base}/asb/reviews/new/?case={case.pk}")
    fill_date(page, "received", today)
    page.get_by_label("Applicant").select_option(str(victim.pk))
    page.get_by_label("No", exact=True).check()
    check(page, "review-form")
    page.get_by_role("button", name="Save and check the threshold").click()
    page.wait_for_url(lambda url: "/asb/reviews/" in url and "/new/" not in url)
    review = AsbCaseReview.objects.get()
    url = f"{base}/asb/reviews/{review.pk}/"
    assert "Threshold met" in page.get_by_test_id("threshold").inner_text()
    assert (
        page.get_by_test_id("verdicts").inner_text().count("Qualifying complaint") == 3
    )
    check(page, "review-received")

    page.fill("#on-day", str(today.day))
    page.fill("#on-month", str(today.month))
    page.fill("#on-year", str(today.year))
    page.get_by_role("button", name="Record acknowledgement").click()
    page.wait_for_url(url)
    fill_date(page, "on", today)
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_url(url)
    assert (
        page.get_by_test_id("review-status").inner_text()
        == "Threshold met: review to hold"
    )
    check(page, "review-due")

    fill_date(page, "on", today)
    page.get_by_label("Chair").fill("Independent chair, Leeds Housing Forum")
    page.get_by_label("Outcome").fill("A joint plan: CCTV and evening patrols.")
    page.get_by_role("button", name="Record the review").click()
    page.wait_for_url(url)
    page.get_by_label("Recommendation", exact=True).fill("Install CCTV at the property")
    page.get_by_label("Owner agency").select_option(label="Leeds City Council")
    fill_date(page, "due", today + timedelta(days=28))
    page.get_by_role("button", name="Add recommendation").click()
    page.wait_for_url(url)
    assert "Install CCTV" in page.get_by_test_id("recommendations").inner_text()
    check(page, "review-held")

    fill_date(page, "on", today)
    page.get_by_role("button", name="Record that the applicant was told").click()
    page.wait_for_url(url)
    assert page.get_by_test_id("review-status").inner_text() == "Closed"
    assert "Done" in page.get_by_test_id("deadlines").inner_text()
    check(page, "review-closed")
    review.refresh_from_db()
    assert review.status == "closed" and review.applicant_told_on == today

    page.goto(f"{base}/asb/statistics/")
    stats = page.get_by_test_id("statistics").inner_text()
    assert "Reviews held\t1" in stats and "Recommendations made\t1" in stats
    check(page, "statistics")
