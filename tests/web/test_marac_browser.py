"""The MARAC journey in headless Chromium, "Dash to MARAC action done", as
carol.coordinator, with an axe-core check and a screenshot of every page it visits.

Journey: the MARAC home page -> a case's MARAC panel -> the Dash checklist (14 "yes":
visible high risk) -> its result with the criteria -> refer to MARAC -> schedule a
meeting -> list the referral for it -> the meeting's list of cases (research missing)
-> the council's research -> an action for the police -> heard at MARAC -> the police
(pete.practitioner) mark the action done -> the coordinator closes the referral.

A second journey runs the demo's MARAC data (the seeder ``saferleeds demo load`` runs):
the home page's repeat flag and overdue actions, a medium-risk Dash checklist referred
on professional judgement and listed for next week's meeting, research and an action
added and done at that meeting, and last meeting's overdue police action done.

Screenshots go to test-artifacts/marac-*.png for a person to look at.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from saferleeds.marac.models import MaracReferral
from saferleeds.safeguarding.models import CaseTask
from tests.safeguarding.test_marac_actions import TODAY, build_marac_world
from tests.web.axe import assert_accessible
from tests.web.conftest import browser_sign_in, screenshot

pytestmark = pytest.mark.browser


def check(page: Any, name: str) -> None:
    """Axe-check the page (no serious or critical finding), keep a screenshot, and
    write the lesser findings beside it for a person to review."""
    lesser = assert_accessible(page)
    path = screenshot(page, f"marac-{name}")
    path.with_suffix(".axe.json").write_text(
        json.dumps({"url": page.url, "minor_or_moderate": lesser}, indent=2),
        encoding="utf-8",
    )
    assert not page.problems, page.problems


def fill_date(page: Any, group: str, day: Any) -> None:
    box = page.get_by_role("group", name=group)
    box.get_by_label("Day").fill(str(day.day))
    box.get_by_label("Month").fill(str(day.month))
    box.get_by_label("Year").fill(str(day.year))


@pytest.fixture
def world(transactional_db: None, personas: dict[str, Any]) -> dict[str, Any]:
    return build_marac_world(personas)


def test_dash_to_marac_action_done(
    live_server: Any, page: Any, personas: dict[str, Any], world: dict[str, Any]
) -> None:
    base = live_server.url
    case = world["case"]
    browser_sign_in(page, base, personas["carol.coordinator"])

    page.goto(f"{base}/marac/")
    assert page.get_by_role("heading", name="MARAC", level=1).is_visible()
    check(page, "home-empty")

    page.goto(f"{base}/cases/{case.pk}/marac/")
    check(page, "case-panel")
    page.get_by_role("link", name="Start a Dash checklist").click()
    page.wait_for_url(f"{base}/cases/{case.pk}/dash/new/")
    check(page, "dash-form")

    # 14 "yes", question 24 not known, the rest "no": visible high risk.
    for n in range(1, 25):
        choice = "" if n <= 14 else ("-not_known" if n == 24 else "-no")
        page.locator(f"#id_q{n}{choice}").check()
    page.get_by_role("group", name="Do you judge the risk").get_by_label("No").check()
    page.get_by_label("Your notes (optional)").fill("Seen at the refuge.")
    page.get_by_role("button", name="Save and score").click()
    page.wait_for_url(re.compile(r".*/dash/\d+/$"))
    result = page.get_by_test_id("dash-result")
    assert "14 “yes” of 24: High risk" in result.inner_text()
    assert "Visible high risk" in page.get_by_test_id("criteria").inner_text()
    check(page, "dash-result")

    page.get_by_role("link", name="Refer to MARAC").click()
    page.wait_for_url(re.compile(rf".*/cases/{case.pk}/marac/refer/\?dash=\d+$"))
    check(page, "referral-form")
    page.get_by_role("button", name="Refer to MARAC").click()
    page.wait_for_url(re.compile(r".*/marac/referrals/\d+/$"))
    referral = MaracReferral.objects.get()
    assert referral.criteria == ["visible_high_risk"] and referral.dash is not None
    assert page.get_by_text("Referred to MARAC").is_visible()
    check(page, "referral-referred")

    page.goto(f"{base}/marac/")
    assert (
        page.get_by_test_id("awaiting")
        .get_by_role("cell", name="Vicky Victim", exact=True)
        .is_visible()
    )
    check(page, "home-awaiting")
    page.get_by_role("link", name="Schedule a meeting").click()
    check(page, "meeting-form")
    fill_date(page, "Meeting date", TODAY)  # heard today: on its day
    page.get_by_label("Venue (optional)").fill("Civic Hall")
    page.get_by_role("button", name="Schedule meeting").click()
    page.wait_for_url(re.compile(r".*/marac/meetings/\d+/$"))
    meeting_url = page.url
    check(page, "meeting-empty")

    page.goto(f"{base}/marac/referrals/{referral.pk}/")
    page.get_by_label("List for meeting").select_option(index=1)
    page.get_by_role("button", name="List for this meeting").click()
    assert page.get_by_text("Listed for the meeting").is_visible()
    check(page, "referral-listed")

    page.goto(meeting_url)
    card = page.get_by_test_id("meeting-case")
    assert "MARAC-T-001: Vicky Victim" in card.inner_text()
    assert card.get_by_text("Research missing").count() == 4
    check(page, "meeting-listed")

    card.get_by_role("link", name="Open referral").click()
    page.get_by_role("link", name="Add your agency’s research").click()
    check(page, "research-form")
    page.get_by_label("Yes").check()
    page.get_by_label("What your agency holds").fill("Housing: on the transfer list.")
    page.get_by_role("button", name="Save research").click()
    assert page.get_by_text("Research saved").is_visible()

    page.get_by_role("link", name="Add an action").click()
    check(page, "action-form")
    page.get_by_label("Action", exact=True).fill("Police to mark the address")
    page.get_by_label("Owner agency").select_option(label="West Yorkshire Police")
    fill_date(page, "Deadline", TODAY + timedelta(days=14))
    page.get_by_role("button", name="Add action").click()
    assert page.get_by_text("Action added").is_visible()
    page.get_by_role("button", name="Record as heard at MARAC").click()
    assert page.get_by_text("Recorded as heard at MARAC").is_visible()
    assert page.get_by_text("1 still open").is_visible()
    check(page, "referral-heard")

    page.goto(meeting_url)
    assert "Information shared" in page.get_by_test_id("meeting-case").inner_text()
    check(page, "meeting-held")

    # The police, who own the action, mark it done.
    page.context.clear_cookies()
    browser_sign_in(page, base, personas["pete.practitioner"])
    page.goto(f"{base}/marac/referrals/{referral.pk}/")
    page.get_by_role("link", name="Mark done").click()
    check(page, "action-complete-form")
    page.get_by_label("What was done (evidence)").fill("Marker added to the address.")
    page.get_by_role("button", name="Mark as done").click()
    assert page.get_by_text("Action marked as done").is_visible()
    actions = page.get_by_test_id("actions")
    assert "Marker added to the address." in actions.inner_text()
    check(page, "action-done")
    task = CaseTask.objects.get()
    assert (
        task.completed_on == TODAY
        and task.completed_by == personas["pete.practitioner"]
    )

    page.context.clear_cookies()
    browser_sign_in(page, base, personas["carol.coordinator"])
    page.goto(f"{base}/marac/referrals/{referral.pk}/")
    page.get_by_role("button", name="Close referral").click()
    assert page.get_by_text("Referral closed: every action is done").is_visible()
    check(page, "referral-closed")
    assert MaracReferral.objects.get().status == "closed"

    page.goto(f"{base}/marac/figures/")
    assert (
        page.get_by_test_id("figures").get_by_text("Referrals", exact=True).is_visible()
    )
    check(page, "figures")


@pytest.fixture
def demo(transactional_db: None, personas: dict[str, Any]) -> dict[str, Any]:
    """The demo's partner data and its MARAC casework (the seeder the demo runs)."""
    from saferleeds.demo.casework import marac
    from saferleeds.demo.partner_data import seed_partner_data

    seed_partner_data()
    assert marac.seed() > 0
    return {}


def test_coordinator_runs_the_demo_meeting(
    live_server: Any, page: Any, personas: dict[str, Any], demo: dict[str, Any]
) -> None:
    """From the demo data: the MARAC home page, a medium-risk Dash checklist referred
    on professional judgement, listed for next week's meeting, research and an action
    at the meeting, the action done, and an overdue action from last meeting done."""
    from saferleeds.demo.casework.marac import demo_marac_cases
    from saferleeds.marac.models import MaracMeeting

    base = live_server.url
    demo_cases = demo_marac_cases()  # MARAC-<year opened>-<number>
    browser_sign_in(page, base, personas["carol.coordinator"])
    page.goto(f"{base}/marac/")
    first = demo_cases[1].reference
    assert page.get_by_test_id("repeat-flags").get_by_text(first).count()
    assert page.get_by_test_id("overdue").get_by_role("row").count() >= 3
    check(page, "demo-home")

    # The medium-risk checklist on the demo's fifth case: referred on judgement.
    case5 = demo_cases[5]
    page.goto(f"{base}/cases/{case5.pk}/marac/")
    page.get_by_role("link", name=re.compile(r"^\d+ \w+ \d{4} checklist$")).click()
    assert (
        "12 “yes” of 24: Medium risk" in page.get_by_test_id("dash-result").inner_text()
    )
    check(page, "demo-dash-medium")
    page.get_by_role("link", name="Refer on professional judgement").click()
    page.get_by_role(
        "group", name="Are you referring on professional judgement?"
    ).get_by_label("Yes").check()
    page.get_by_label("Reason for the referral").fill(
        "Disclosed threats to kill at the GP."
    )
    page.get_by_role("button", name="Refer to MARAC").click()
    page.wait_for_url(re.compile(r".*/marac/referrals/\d+/$"))
    upcoming = MaracMeeting.objects.get(status="scheduled")
    page.get_by_label("List for meeting").select_option(str(upcoming.pk))
    page.get_by_role("button", name="List for this meeting").click()
    assert page.get_by_text("Listed for the meeting").is_visible()

    # The meeting: three cases now, research missing, then added.
    page.goto(f"{base}/marac/meetings/{upcoming.pk}/")
    cases = page.get_by_test_id("meeting-case")
    assert cases.count() == 3
    check(page, "demo-meeting")
    cases.filter(has_text=case5.reference).get_by_role(
        "link", name="Open referral"
    ).click()
    page.get_by_role("link", name="Add your agency’s research").click()
    page.get_by_label("Yes").check()
    page.get_by_label("What your agency holds").fill("Children known to social care.")
    page.get_by_role("button", name="Save research").click()
    page.get_by_role("link", name="Add an action").click()
    page.get_by_label("Action", exact=True).fill("IDVA to agree a safety plan")
    page.get_by_label("Owner agency").select_option(label="Leeds City Council")
    fill_date(page, "Deadline", TODAY + timedelta(days=7))
    page.get_by_role("button", name="Add action").click()
    page.get_by_role("link", name="Mark done").click()
    page.get_by_label("What was done (evidence)").fill("Safety plan agreed by phone.")
    page.get_by_role("button", name="Mark as done").click()
    assert page.get_by_text("Action marked as done").is_visible()
    check(page, "demo-action-done")

    # Last meeting's overdue police action, followed up and done.
    page.goto(f"{base}/marac/")
    page.get_by_test_id("overdue").get_by_role(
        "link", name="Police to put a warning marker on the address"
    ).click()
    page.wait_for_url(re.compile(r".*/marac/referrals/\d+/$"))
    page.get_by_test_id("actions").get_by_role("row").filter(
        has_text="Police to put a warning marker"
    ).get_by_role("link", name=re.compile("^Mark done")).click()
    page.get_by_label("What was done (evidence)").fill("Marker on the address.")
    page.get_by_role("button", name="Mark as done").click()
    page.goto(f"{base}/marac/")
    assert (
        "Police to put a warning marker"
        not in page.get_by_test_id("overdue").inner_text()
    )
    check(page, "demo-home-after")
