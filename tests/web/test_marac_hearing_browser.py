"""Hearing MARAC cases in headless Chromium (issue #16, items 1 and 2), as
carol.coordinator, with an axe-core check of each page.

Journey: a meeting 12 days ahead offers no "heard" button (it says from when) -> today's
meeting with two cases, research missing: a warning, then the first case heard on its
own (the meeting stays scheduled, the second case still listed) -> the second case moved
to the later meeting from the meeting page -> the mistaken "heard" undone -> an action
with a deadline before the referral refused on the form, one already past accepted with a
warning.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from saferleeds.audit.models import AuditEntry
from saferleeds.marac.actions import do_create_marac_meeting, do_list_marac_referral
from saferleeds.marac.models import MaracMeeting, MaracReferral
from tests.safeguarding.test_marac_actions import TODAY, build_marac_world, refer
from tests.web.axe import assert_accessible
from tests.web.conftest import browser_sign_in
from tests.web.test_marac_browser import check, fill_date

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db: None, personas: dict[str, Any]) -> dict[str, Any]:
    w = build_marac_world(personas)
    carol = w["carol"]
    w["future"] = do_create_marac_meeting(
        actor=carol, held_on=TODAY + timedelta(days=12), venue="Civic Hall"
    )
    w["today"] = do_create_marac_meeting(actor=carol, held_on=TODAY, venue="Merrion")
    w["early"] = refer(
        w,
        professional_judgement=True,
        reason="Early.",
        referred_on=TODAY - timedelta(days=20),
    )
    w["r1"] = refer(w, professional_judgement=True, reason="First.")
    w["r2"] = refer(w, professional_judgement=True, reason="Second.")
    do_list_marac_referral(w["early"].pk, w["future"].pk, actor=carol)
    for r in (w["r1"], w["r2"]):
        do_list_marac_referral(r.pk, w["today"].pk, actor=carol)
    return w


def test_cases_heard_one_by_one_moved_and_undone(
    live_server: Any, page: Any, personas: dict[str, Any], world: dict[str, Any]
) -> None:
    base = live_server.url
    r1, r2, early = world["r1"], world["r2"], world["early"]
    meeting, future = world["today"], world["future"]
    browser_sign_in(page, base, personas["carol.coordinator"])

    # Not before the meeting's day.
    page.goto(f"{base}/marac/referrals/{early.pk}/")
    assert page.get_by_test_id("hear-from").is_visible()
    assert page.get_by_role("button", name="Record as heard at MARAC").count() == 0
    check(page, "hearing-future")

    # Today's meeting: two cases, research missing, each heard on its own.
    page.goto(f"{base}/marac/meetings/{meeting.pk}/")
    cards = page.get_by_test_id("meeting-case")
    assert cards.count() == 2
    assert "No research yet from" in cards.nth(0).inner_text()
    check(page, "hearing-meeting")
    cards.nth(0).get_by_role("button", name="Record as heard").click()
    page.wait_for_url(f"{base}/marac/meetings/{meeting.pk}/")
    assert page.get_by_text("Research was still missing from").is_visible()
    r1.refresh_from_db()
    r2.refresh_from_db()
    assert (r1.status, r2.status) == ("heard", "listed")
    assert MaracMeeting.objects.get(pk=meeting.pk).status == "scheduled"
    check(page, "hearing-one-heard")

    # The second case moves to the later meeting.
    cards = page.get_by_test_id("meeting-case")
    cards.nth(1).get_by_label(re.compile("^Move .* to another meeting")).select_option(
        str(future.pk)
    )
    cards.nth(1).get_by_role("button", name=re.compile("^Move")).click()
    assert page.get_by_text("Listed for the meeting on").is_visible()
    assert MaracReferral.objects.get(pk=r2.pk).meeting_id == future.pk
    assert MaracMeeting.objects.get(pk=meeting.pk).status == "held"

    # The first case's "heard" was a mistake: undone, audited.
    page.get_by_role("button", name=re.compile("^Undo “heard”")).click()
    assert page.get_by_text("“Heard” undone").is_visible()
    assert MaracReferral.objects.get(pk=r1.pk).status == "listed"
    assert MaracMeeting.objects.get(pk=meeting.pk).status == "scheduled"
    assert AuditEntry.objects.filter(
        event="safeguarding.marac_referral.heard_undone", record_id=str(r1.pk)
    ).exists()
    check(page, "hearing-undone")

    # Deadlines: before the referral refused, already past warned.
    page.goto(f"{base}/marac/referrals/{early.pk}/actions/new/")
    page.get_by_label("Action", exact=True).fill("Police to mark the address")
    page.get_by_label("Owner agency").select_option(label="West Yorkshire Police")
    fill_date(page, "Deadline", TODAY - timedelta(days=6 * 365))
    page.get_by_role("button", name="Add action").click()
    assert (
        page.get_by_role("alert")
        .get_by_text("The deadline must be on or after the referral date")
        .is_visible()
    )
    assert_accessible(page)
    page.problems.clear()  # the refused form answers 400, as it should
    fill_date(page, "Deadline", TODAY - timedelta(days=2))
    page.get_by_role("button", name="Add action").click()
    assert page.get_by_text("has already passed: it shows as overdue").is_visible()
