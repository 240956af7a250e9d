"""Hate reports in headless Chromium, axe-checked on every page.

Journeys walked:
- "public hate report to triage": an anonymous visitor files a report on /report/hate/
  and gets a reference; carol.coordinator (LCC hate crime team) signs in, finds it in
  the triage queue, links the victim from a people search, triages it, and records the
  referral to the police.
- "reporting centre": rita.reporter reports for a victim and sees the reference on her
  centre's list.

Screenshots go to test-artifacts/hate-*.png for a person to look at.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from saferleeds.audit.models import AuditEntry
from saferleeds.hate.actions import do_ensure_centre_staff, do_ensure_reporting_centre
from saferleeds.hate.models import HateReport
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import actor_for
from saferleeds.people.actions import do_create_person
from tests.web.axe import assert_accessible
from tests.web.conftest import browser_sign_in, screenshot

pytestmark = pytest.mark.browser


def check(page: Any, name: str) -> None:
    """Axe-check the page as it is and keep a screenshot."""
    assert_accessible(page)
    screenshot(page, f"hate-{name}")


@pytest.fixture
def cast(transactional_db: None, personas: dict[str, Any]) -> dict[str, Any]:
    cache.clear()  # the public form's rate limit
    return personas


def test_public_hate_report_to_triage(
    live_server: Any, page: Any, cast: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    carol = cast["carol.coordinator"]
    victim = do_create_person(
        actor=actor_for(carol),
        reference="LCC-555",
        given_name="Yusuf",
        family_name="Begum",
    )

    # An anonymous visitor files a report.
    page.goto(f"{base}/report/hate/")
    expect(page.locator(".govuk-service-navigation__service-name")).to_have_text(
        "Report a hate incident"
    )
    assert page.get_by_text("Partnership workspace").count() == 0
    day = timezone.localdate() - timedelta(days=2)
    page.get_by_label("What happened?").fill(
        "A man shouted abuse about my religion and pushed me off the pavement."
    )
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Where did it happen?").fill("Kirkgate Market")
    page.get_by_label("Postcode (optional)").fill("LS2 7HY")
    page.get_by_label("Religion or belief").check()
    page.get_by_label("The person it happened to").check()
    page.get_by_role("group", name="Did it happen to you?").get_by_label("Yes").check()
    page.get_by_label("Yes, stay anonymous").check()
    check(page, "public-form")
    page.get_by_role("button", name="Send report").click()
    page.wait_for_url("**/report/hate/sent/")
    report = HateReport.objects.get()
    expect(page.locator(".govuk-panel--confirmation")).to_contain_text(report.reference)
    check(page, "public-sent")

    # The hate crime team finds it in the queue.
    browser_sign_in(page, base, carol)
    page.goto(f"{base}/hate-reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hate reports")
    page.get_by_label("Status").select_option("new")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/hate-reports/?status=new**")
    check(page, "queue")
    page.get_by_role("link", name=report.reference).click()
    page.wait_for_url(f"**/hate-reports/{report.pk}/")
    expect(page.get_by_test_id("report-details")).to_contain_text("Kirkgate Market")
    check(page, "report-new")

    # Triage: find the victim, link them, set the priority.
    page.get_by_role("link", name="Triage").click()
    page.wait_for_url(f"**/hate-reports/{report.pk}/triage/")
    check(page, "triage")
    page.get_by_label("Find a person by name").fill("Begum")
    page.get_by_role("button", name="Find person").click()
    page.wait_for_url("**name=Begum**")
    page.get_by_label("Yusuf Begum").check()
    page.get_by_role("group", name="Priority").get_by_label("High").check()
    page.get_by_label("Triage note (optional)").fill(
        "Called him; wants police involved."
    )
    check(page, "triage-filled")
    page.get_by_role("button", name="Save triage").click()
    page.wait_for_url(f"**/hate-reports/{report.pk}/")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Triage saved")
    expect(page.get_by_test_id("triage")).to_contain_text("Yusuf Begum")
    check(page, "report-triaged")

    # Referral to the police.
    page.get_by_role("link", name="Record referral to police").click()
    page.wait_for_url(f"**/hate-reports/{report.pk}/refer/")
    check(page, "refer")
    page.get_by_label("Police reference").fill("13260001234")
    page.get_by_role("button", name="Save referral").click()
    page.wait_for_url(f"**/hate-reports/{report.pk}/")
    expect(page.get_by_test_id("police")).to_contain_text("13260001234")
    check(page, "report-referred")

    # The repeats page, and the close confirmation (not confirmed).
    page.goto(f"{base}/hate-reports/repeats/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Repeat victims and locations"
    )
    check(page, "repeats")
    page.goto(f"{base}/hate-reports/{report.pk}/close/")
    check(page, "close")

    report.refresh_from_db()
    assert report.status == "referred_to_police" and report.priority == "high"
    assert report.victim_id == victim.pk and report.police_referred_on == (
        timezone.localdate()
    )
    assert AuditEntry.objects.filter(
        event="incidents.hate_report.refer_to_police",
        actor_username="carol.coordinator",
    ).exists()
    assert page.problems == []


def test_reporting_centre_reports_for_a_victim(
    live_server: Any, page: Any, cast: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    centre = do_ensure_reporting_centre(
        "City One Stop Centre", agency=Agency.objects.get(code="lcc"), actor=None
    )
    do_ensure_centre_staff("rita.reporter", centre=centre, password=None, actor=None)
    browser_sign_in(page, base, cast["rita.reporter"])
    page.get_by_role("link", name="Report for a victim").first.click()
    page.wait_for_url("**/hate-reports/centre/")
    check(page, "centre-home-empty")
    page.get_by_role("link", name="Report for a victim").last.click()
    page.wait_for_url("**/hate-reports/centre/new/")
    day = timezone.localdate() - timedelta(days=1)
    page.get_by_label("What happened?").fill("Abuse about her hijab on the bus.")
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Where did it happen?").fill("Number 49 bus, Harehills")
    page.get_by_label("Race or ethnicity").check()
    page.get_by_label("Religion or belief").check()
    page.get_by_label("The person it happened to").check()
    page.get_by_role(
        "group", name="Is the person you are reporting for the victim?"
    ).get_by_label("Yes").check()
    page.get_by_label("No", exact=True).last.check()
    page.get_by_label("Phone", exact=True).check()
    page.get_by_label("Telephone number").fill("07700 900 555")
    page.get_by_label("Your centre's reference (optional)").fill("COSC-9")
    check(page, "centre-form")
    page.get_by_role("button", name="Send report").click()
    page.wait_for_url("**/hate-reports/centre/")
    report = HateReport.objects.get()
    expect(page.get_by_test_id("reference")).to_have_text(report.reference)
    expect(page.get_by_test_id("centre-reports")).to_contain_text("COSC-9")
    check(page, "centre-home-sent")
    assert report.reporting_centre == centre and report.contact_phone == "07700 900 555"
    assert page.problems == []
