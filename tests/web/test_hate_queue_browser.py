"""The public hate form's anonymous choice and the triage queue in headless Chromium
(issue #16, item 4), axe-checked.

Journey: a visitor opens /report/hate/: Stop Hate UK's number is given; the contact
questions are hidden until "No" (not anonymous) is chosen and hide again on "Yes, stay
anonymous"; the anonymous report is sent. carol.coordinator's queue lists the report
received in February first, marked over the triage service level, and the new one after
it; a closed report is hidden until "Show closed reports" is ticked.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from saferleeds.hate.actions import do_close_hate_report, do_receive_hate_report
from saferleeds.hate.models import HateReport
from saferleeds.partners.policy import actor_for
from tests.hate.conftest import details
from tests.web.axe import assert_accessible
from tests.web.conftest import browser_sign_in, screenshot

pytestmark = pytest.mark.browser


def check(page: Any, name: str) -> None:
    assert_accessible(page)
    screenshot(page, f"hate-queue-{name}")


@pytest.fixture
def cast(transactional_db: None, personas: dict[str, Any]) -> dict[str, Any]:
    cache.clear()  # the public form's rate limit
    return personas


def test_anonymous_hides_contact_and_queue_shows_oldest_open_first(
    live_server: Any, page: Any, cast: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    carol = actor_for(cast["carol.coordinator"])
    old = do_receive_hate_report(details(location="Boar Lane"), actor=None)
    HateReport.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - timedelta(days=290)
    )
    closed = do_receive_hate_report(details(), actor=None)
    do_close_hate_report(closed.pk, actor=carol, expected_version=closed.version)

    # The public form.
    page.goto(f"{base}/report/hate/")
    expect(page.get_by_role("link", name="0800 138 1625")).to_be_visible()
    contact = page.get_by_test_id("contact-questions")
    expect(contact).to_be_hidden()
    anonymous = page.get_by_role("group", name="Do you want to stay anonymous?")
    anonymous.get_by_label("No", exact=True).check()
    expect(contact).to_be_visible()
    expect(page.get_by_label("Telephone number")).to_be_visible()
    check(page, "form-contact-shown")
    page.get_by_label("Yes, stay anonymous").check()
    expect(contact).to_be_hidden()
    check(page, "form-anonymous")

    page.get_by_label("What happened?").fill("Shouted at in the street.")
    day = timezone.localdate() - timedelta(days=1)
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Where did it happen?").fill("Outside 3 Boar Ln")
    page.get_by_label("Race or ethnicity").check()
    page.get_by_role("group", name="Who thinks it was motivated").get_by_label(
        "The person it happened to"
    ).check()
    page.get_by_role("group", name="Did it happen to you?").get_by_label("Yes").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", name="Report sent")).to_be_visible()
    new = HateReport.objects.exclude(pk__in=[old.pk, closed.pk]).get()
    assert new.anonymous and not new.contact_phone

    # The hate crime team's queue.
    browser_sign_in(page, base, cast["carol.coordinator"])
    page.goto(f"{base}/hate-reports/")
    rows = page.get_by_test_id("queue").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(old.reference)
    expect(rows.nth(0).get_by_test_id("age")).to_contain_text("290 days")
    expect(rows.nth(0)).to_contain_text("Over 3-day triage target")
    expect(rows.nth(1)).to_contain_text(new.reference)
    # "Boar Lane", "Outside 3 Boar Ln" and the closed report's "Bus stop on Boar
    # Lane": the same street, so one repeat location (closed reports count too).
    expect(rows.nth(0).get_by_test_id("repeats")).to_contain_text("Repeat location: 3")
    expect(page.get_by_test_id("overdue-warning")).to_be_visible()
    check(page, "queue")
    page.get_by_label("Show closed reports").check()
    page.get_by_role("button", name="Filter").click()
    rows = page.get_by_test_id("queue").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text(closed.reference)
    check(page, "queue-with-closed")
