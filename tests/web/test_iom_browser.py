"""The IOM journey in headless Chromium, axe-checked on every page: an IOM coordinator
(here the police practitioner who holds the offences) schedules the cohort review,
reviews the candidates, adopts one into the Fixed cohort, records a pathway need and
an intervention, and records a review decision at the meeting.

Screenshots go to test-artifacts/iom-*.png for a person to look at.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from saferleeds.iom.models import IomIntervention, IomMember, PathwayNeed
from saferleeds.offending.models import Offence
from saferleeds.partners.models import Agency
from saferleeds.people.models import AgencyReference, Person
from tests.web.axe import assert_accessible
from tests.web.conftest import browser_sign_in, screenshot
from tests.web.test_workspace_browser import ExpectErrorStatus

pytestmark = pytest.mark.browser


def check(page: Any, name: str) -> None:
    """Axe-check the page and keep a screenshot (and any lesser findings) of it."""
    lesser = assert_accessible(page)
    path = screenshot(page, f"iom-{name}")
    path.with_suffix(".axe.json").write_text(
        json.dumps({"url": page.url, "minor_or_moderate": lesser}, indent=2),
        encoding="utf-8",
    )
    assert not page.problems, page.problems


@pytest.fixture
def burglar(transactional_db: None, personas: dict[str, Any]) -> Person:
    """A person known to the police with eight burglaries in the last eight months."""
    wyp = Agency.objects.get(code="wyp")
    person = Person.objects.create(
        given_name="Barry", family_name="Burgess", created_by=wyp
    )
    AgencyReference.objects.create(person=person, agency=wyp, reference="WYP-B1")
    today = timezone.localdate()
    for n in range(8):
        Offence.objects.create(
            agency=wyp,
            reference=f"WYP-OF-B{n}",
            person=person,
            offence_code="028/01",
            committed_on=today - timedelta(days=10 + 30 * n),
            role="offender",
        )
    return person


def test_an_iom_coordinator_runs_a_cohort_review(
    live_server: Any, page: Any, personas: dict[str, Any], burglar: Person
) -> None:
    base = live_server.url
    today = timezone.localdate()
    browser_sign_in(page, base, personas["pete.practitioner"])
    page.goto(f"{base}/iom/")
    assert page.get_by_role(
        "heading", name="Integrated Offender Management", level=1
    ).is_visible()
    candidates = page.get_by_test_id("candidates")
    assert "Barry Burgess" in candidates.inner_text()
    check(page, "home")

    # Schedule today's cohort review.
    page.get_by_role("button", name="Schedule a cohort review").click()
    page.wait_for_url(f"{base}/iom/meetings/new/")
    page.fill("#held-day", str(today.day))
    page.fill("#held-month", str(today.month))
    page.fill("#held-year", str(today.year))
    page.get_by_label("Chair (optional)").fill("DI Shaw")
    check(page, "meeting-form")
    page.get_by_role("button", name="Schedule the review").click()
    page.wait_for_url(lambda url: "/iom/meetings/" in url and "/new/" not in url)
    check(page, "meeting")

    # Adopt the candidate; a missing reason first.
    page.goto(f"{base}/iom/")
    page.get_by_role("link", name="Adopt Barry Burgess").click()
    page.wait_for_url(f"{base}/iom/candidates/{burglar.pk}/adopt/")
    assert "selection score" in page.get_by_test_id("intro").inner_text()
    page.get_by_label("Fixed").check()
    with ExpectErrorStatus(page, 400):
        page.get_by_role("button", name="Adopt").click()
        page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error: ")
    check(page, "adopt-error")
    page.get_by_label("Reason for adoption").fill("Eight burglaries in eight months")
    page.get_by_label("Decided at").select_option(index=1)
    check(page, "adopt-form")
    page.get_by_role("button", name="Adopt").click()
    member = IomMember.objects.get()
    page.wait_for_url(f"{base}/iom/members/{member.pk}/")
    assert page.get_by_test_id("member-name").inner_text() == "Barry Burgess"
    check(page, "member")

    # A pathway need and an intervention.
    page.get_by_role("button", name="Record a pathway need").click()
    page.get_by_label("Pathway").select_option("drugs_alcohol")
    page.get_by_label("High").check()
    page.get_by_label("Notes (optional)").fill("Daily heroin use")
    check(page, "need-form")
    page.get_by_role("button", name="Record the need").click()
    page.wait_for_url(f"{base}/iom/members/{member.pk}/")
    page.get_by_role("button", name="Add an intervention").click()
    page.get_by_label("Pathway").select_option("drugs_alcohol")
    page.get_by_label("Intervention").fill("Drug rehabilitation requirement")
    page.get_by_label("Delivered by").select_option(label="National Probation Service")
    page.get_by_label("In progress").check()
    check(page, "intervention-form")
    page.get_by_role("button", name="Add the intervention").click()
    page.wait_for_url(f"{base}/iom/members/{member.pk}/")
    assert "Drug rehabilitation requirement" in (
        page.get_by_test_id("interventions").inner_text()
    )
    check(page, "member-with-pathways")
    assert PathwayNeed.objects.get().level == "high"
    assert IomIntervention.objects.get().status == "active"

    # A review decision (adopted at this meeting, the member is not on its list of
    # members still to review: the decision is made from the member's page).
    meeting = member.decisions.get().meeting
    page.get_by_role("button", name="Record a review decision").click()
    page.wait_for_url(f"{base}/iom/members/{member.pk}/decide/")
    page.get_by_label("Retain in the cohort").check()
    page.get_by_label("Reason").fill("Still offending; engaging with the DRR")
    page.get_by_label("Decided at").select_option(str(meeting.pk))
    check(page, "decision-form")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_url(f"{base}/iom/members/{member.pk}/")
    page.goto(f"{base}/iom/meetings/{meeting.pk}/")
    assert "Still offending" in page.get_by_test_id("meeting-decisions").inner_text()
    check(page, "meeting-decisions")

    # The offender page, from the person page.
    page.goto(f"{base}/people/{burglar.pk}/")
    page.get_by_role("link", name="Offending and IOM").click()
    page.wait_for_url(f"{base}/iom/offenders/{burglar.pk}/")
    assert "Fixed cohort" in page.get_by_test_id("iom-status").inner_text()
    check(page, "offender")
