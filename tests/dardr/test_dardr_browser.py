"""The death review journey in headless Chromium, axe-checked on every page: the
council's case coordinator opens a review from the casework tabs, adds a
recommendation to its action plan, marks it implemented with the evidence, and sees it
counted on the recommendations tracker; the executive sees the figures only.

Screenshots go to test-artifacts/dardr-*.png for a person to look at.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from saferleeds.dardr.actions import (
    do_add_dardr_recommendation,
    do_record_dardr_decision,
    do_record_dardr_notification,
)
from saferleeds.dardr.models import DeathReview, Recommendation
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import actor_for
from tests.web.axe import assert_accessible
from tests.web.conftest import browser_sign_in, screenshot
from tests.web.test_workspace_browser import ExpectErrorStatus

pytestmark = pytest.mark.browser


def check(page: Any, name: str) -> None:
    """Axe-check the page and keep a screenshot (and any lesser findings) of it."""
    lesser = assert_accessible(page)
    path = screenshot(page, f"dardr-{name}")
    path.with_suffix(".axe.json").write_text(
        json.dumps({"url": page.url, "minor_or_moderate": lesser}, indent=2),
        encoding="utf-8",
    )
    assert not page.problems, page.problems


@pytest.fixture
def review(transactional_db: None, personas: dict[str, Any]) -> DeathReview:
    """A review under way, with one overdue recommendation already."""
    carol = actor_for(User.objects.get(username="carol.coordinator"))
    today = timezone.localdate()
    r = do_record_dardr_notification(
        reference="DARDR 2026/07",
        pseudonym="Adult G",
        deceased_name="Gail Inventedname",
        notified_by_id=Agency.objects.get(code="wyp").pk,
        notified_on=today - timedelta(days=200),
        actor=carol,
    )
    r = do_record_dardr_decision(
        r.pk,
        decision="review",
        decided_on=today - timedelta(days=180),
        chair="Independent chair",
        expected_version=r.version,
        actor=carol,
    )
    do_add_dardr_recommendation(
        r.pk,
        text="Police check previous incidents at the address",
        owner_agency_id=Agency.objects.get(code="wyp").pk,
        due_on=today - timedelta(days=10),
        expected_change="Repeat incidents at an address are seen",
        actor=carol,
    )
    return r


def test_a_coordinator_adds_a_recommendation_and_implements_it(
    live_server: Any, page: Any, personas: dict[str, Any], review: DeathReview
) -> None:
    base = live_server.url
    today = timezone.localdate()
    due = today + timedelta(days=90)
    browser_sign_in(page, base, personas["carol.coordinator"])
    page.goto(f"{base}/marac/")
    tabs = page.locator("nav[aria-label='Casework sections']")
    tabs.get_by_role("link", name="Death reviews", exact=True).click()
    page.wait_for_url(f"{base}/death-reviews/")
    assert page.get_by_test_id("overdue-count").inner_text() == "1"
    assert page.get_by_test_id("percent-implemented").inner_text() == "0.0%"
    check(page, "index")

    page.get_by_role("link", name="DARDR 2026/07").click()
    page.wait_for_url(f"{base}/death-reviews/{review.pk}/")
    assert "Gail Inventedname" in page.get_by_test_id("review-summary").inner_text()
    check(page, "review")

    form = page.get_by_test_id("recommendation-form")
    form.get_by_label("Recommendation", exact=True).fill(
        "GP practices ask about domestic abuse in antenatal appointments"
    )
    form.get_by_label("Owner agency").select_option(
        label="NHS Leeds Clinical Commissioning Group"
    )
    page.fill("#due_on-day", str(due.day))
    page.fill("#due_on-month", str(due.month))
    page.fill("#due_on-year", str(due.year))
    form.get_by_label("What is expected to change").fill(
        "Disclosures in antenatal care are recorded and referred"
    )
    form.get_by_role("button", name="Add the recommendation").click()
    page.wait_for_url(f"{base}/death-reviews/{review.pk}/")
    assert "Recommendation added" in page.locator("main").inner_text()
    rec = Recommendation.objects.get(number=2, review=review)
    assert rec.status == "open"

    page.get_by_role("link", name="GP practices ask about domestic abuse").click()
    page.wait_for_url(f"{base}/death-reviews/recommendations/{rec.pk}/")
    check(page, "recommendation")
    implemented = page.get_by_test_id("implemented-form")
    # No evidence: refused, said in the error summary.
    with ExpectErrorStatus(page, 400):
        implemented.get_by_role("button", name="Mark implemented").click()
        page.wait_for_load_state()
    assert (
        "Enter the evidence of completion"
        in page.locator(".govuk-error-summary").inner_text()
    )
    check(page, "recommendation-error")
    page.get_by_label("Evidence of completion").fill(
        "IRIS programme live in all practices; audit of 200 records attached"
    )
    page.get_by_role("button", name="Mark implemented").click()
    page.wait_for_url(f"{base}/death-reviews/recommendations/{rec.pk}/")
    assert page.get_by_test_id("recommendation-status").inner_text() == "Implemented"
    assert "IRIS programme" in page.get_by_test_id("evidence").inner_text()
    assert "Implemented" in page.get_by_test_id("history").inner_text()
    rec.refresh_from_db()
    assert rec.status == "implemented" and rec.implemented_on == today

    page.goto(f"{base}/death-reviews/tracker/")
    assert page.get_by_test_id("percent-implemented").inner_text() == "50.0%"
    assert page.get_by_test_id("overdue-count").inner_text() == "1"
    check(page, "tracker")
    page.get_by_label("Show").select_option(label="Implemented")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/death-reviews/tracker/?*status=implemented*")
    rows = page.get_by_test_id("tracker-row")
    assert rows.count() == 1 and "GP practices" in rows.first.inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these recommendations (CSV)").click()
    body = open(download.value.path(), encoding="utf-8-sig").read()
    assert "GP practices" in body and "Police check" not in body


def test_the_executive_sees_figures_only(
    live_server: Any, page: Any, personas: dict[str, Any], review: DeathReview
) -> None:
    base = live_server.url
    browser_sign_in(page, base, personas["ed.executive"])
    page.goto(f"{base}/death-reviews/")
    assert page.get_by_test_id("figures-only").is_visible()
    assert page.get_by_test_id("overdue-count").inner_text() == "1"
    text = page.locator("main").inner_text()
    assert "DARDR 2026/07" not in text and "Gail" not in text
    check(page, "executive")
