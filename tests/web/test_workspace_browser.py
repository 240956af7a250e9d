"""The workspace pages in headless Chromium: sign in, search, open a person, be refused a
record outside the agreements, and an axe-core check of every page on the way.

Screenshots go to test-artifacts/workspace-*.png for a person to look at.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from saferleeds.audit.models import AuditEntry
from saferleeds.partners.policy import actor_for
from saferleeds.people.actions import do_update_person
from saferleeds.people.present import pseudonym
from tests.web import conftest as web_conftest
from tests.web.axe import assert_accessible
from tests.web.conftest import screenshot
from tests.web.test_people_pages import ALICE_DETAILS, build_world

pytestmark = pytest.mark.browser


def sign_in(page: Any, live_server_url: str, user: Any) -> None:
    """Sign in through the pages (two-factor included when the helper exists)."""
    helper = getattr(web_conftest, "browser_sign_in", None)
    if helper is not None:
        helper(page, live_server_url, user)
        return
    from saferleeds.demo.personas import DEMO_PASSWORD

    page.goto(f"{live_server_url}/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url)


def check(page: Any, name: str) -> None:
    """Axe-check the page as it is, and keep a screenshot of it.

    Minor and moderate findings (which do not fail the test) are written beside the
    screenshot as workspace-<name>.axe.json for a person to review.
    """
    lesser = assert_accessible(page)
    path = screenshot(page, f"workspace-{name}")
    path.with_suffix(".axe.json").write_text(
        json.dumps({"url": page.url, "minor_or_moderate": lesser}, indent=2),
        encoding="utf-8",
    )


class ExpectErrorStatus:
    """Within the block, the page's own 4xx response is expected: forget it, and the
    console line Chromium writes for it (which may arrive a moment later), but nothing
    else."""

    def __init__(self, page: Any, status: int) -> None:
        self.page, self.status = page, status
        self.console = (
            "console: Failed to load resource: the server responded with a status "
            f"of {status}"
        )

    def __enter__(self) -> None:
        self.mark = len(self.page.problems)

    def _seen(self) -> tuple[bool, bool]:
        new = self.page.problems[self.mark :]
        return (
            any(p.startswith(f"{self.status} ") for p in new),
            any(p.startswith(self.console) for p in new),
        )

    def __exit__(self, *exc: object) -> None:
        for _ in range(40):  # up to 2 s for both lines
            if all(self._seen()):
                break
            self.page.wait_for_timeout(50)
        new = self.page.problems[self.mark :]
        unexpected = [
            p
            for p in new
            if not (p.startswith(f"{self.status} ") or p.startswith(self.console))
        ]
        assert self._seen()[0] and not unexpected, new
        del self.page.problems[self.mark :]


@pytest.fixture
def world(transactional_db: None, personas: dict[str, Any]) -> dict[str, Any]:
    return build_world(personas)


def test_practitioner_searches_opens_a_person_and_is_refused_another(
    live_server: Any,
    page: Any,
    personas: dict[str, Any],
    world: dict[str, Any],
    settings: Any,
    police_store_path: Path,
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = police_store_path
    base = live_server.url
    alice = world["alice"]

    page.goto(f"{base}/sign-in/")
    check(page, "sign-in")
    sign_in(page, base, personas["carol.coordinator"])
    page.goto(f"{base}/overview/")
    check(page, "overview")

    page.get_by_role("link", name="People", exact=True).click()
    page.wait_for_url(f"{base}/people/")
    assert page.get_by_role("heading", name="Find a person").is_visible()
    check(page, "people-search-empty")

    # Invalid input: the error summary, linked to the field.
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("1990")
    with ExpectErrorStatus(page, 400):
        page.get_by_role("button", name="Search").click()
        page.locator(".govuk-error-summary").wait_for()
    summary = page.locator(".govuk-error-summary")
    assert summary.get_by_role(
        "link", name="Date of birth must be a real date"
    ).is_visible()
    assert page.title().startswith("Error: ")
    check(page, "people-search-error")

    page.get_by_label("Day").fill("")
    page.get_by_label("Month").fill("")
    page.get_by_label("Year").fill("")
    page.get_by_label("Postcode").fill("LS1 4AP")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_test_id("results")
    assert results.get_by_role("link", name="Alice Smith").is_visible()
    assert "Nina" not in results.inner_text()  # same postcode, not shared with LCC
    check(page, "people-search-results")

    results.get_by_role("link", name="Alice Smith").click()
    page.wait_for_url(f"{base}/people/{alice.pk}/")
    assert page.get_by_role("heading", name="Alice Smith", level=1).is_visible()
    assert AuditEntry.objects.filter(
        event="people.person.view",
        record_id=str(alice.pk),
        actor_username="carol.coordinator",
        operation="consultation",
    ).exists()
    timeline = page.get_by_test_id("timeline")
    assert timeline.get_by_role("heading", name="MARAC case opened").is_visible()
    assert timeline.get_by_role("heading", name="Crime incident recorded").is_visible()
    check(page, "person-identified")

    page.locator(".moj-sub-navigation").get_by_role(
        "link", name="Change details"
    ).click()
    page.wait_for_url(f"{base}/people/{alice.pk}/edit/")
    check(page, "person-edit")
    # Someone else saves while Carol has the form open: her save is refused (409).
    do_update_person(
        alice.pk,
        actor=actor_for(personas["pete.practitioner"]),
        expected_version=1,
        changes={"family_name": "Smith-Jones"},
    )
    page.get_by_label("Postcode (optional)").fill("ls2 7hy")
    with ExpectErrorStatus(page, 409):
        page.get_by_role("button", name="Save changes").click()
        page.locator(".govuk-error-summary").wait_for()
    summary = page.locator(".govuk-error-summary")
    assert summary.get_by_role(
        "heading", name="Someone else changed this record"
    ).is_visible()
    assert "Nothing was saved" in summary.inner_text()
    assert page.get_by_test_id("conflict").get_by_text("Smith-Jones").is_visible()
    assert page.get_by_label("Last name").input_value() == "Smith-Jones"
    check(page, "person-edit-conflict")
    # Having seen their change, she makes hers again.
    page.get_by_label("Postcode (optional)").fill("ls2 7hy")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"{base}/people/{alice.pk}/")
    assert page.get_by_text("Details saved").is_visible()
    assert page.get_by_test_id("details").get_by_text("LS2 7HY").is_visible()
    check(page, "person-saved")

    # A record outside the agreements: the same 404 page as a missing one.
    nina_url = f"{base}/people/{world['nina'].pk}/"
    with ExpectErrorStatus(page, 404):
        response = page.goto(nina_url)
    assert response.status == 404
    assert page.get_by_role("heading", name="Page not found").is_visible()
    assert "Nina" not in page.content()
    refused_html = page.locator("main").inner_html()
    check(page, "404")
    missing_url = f"{base}/people/987654321/"
    with ExpectErrorStatus(page, 404):
        assert page.goto(missing_url).status == 404
    assert page.locator("main").inner_html() == refused_html

    page.goto(f"{base}/overview/")
    page.get_by_role("link", name="Sharing agreements").click()
    page.wait_for_url(f"{base}/agreements/")
    assert page.get_by_text("In force", exact=True).first.is_visible()
    check(page, "agreements")
    page.get_by_role("link", name=world["agreement"].title).click()
    page.wait_for_url(f"{base}/agreements/{world['agreement'].pk}/")
    check(page, "agreement-detail")

    assert page.problems == []


def test_analyst_sees_a_pseudonymised_person(
    live_server: Any, page: Any, personas: dict[str, Any], world: dict[str, Any]
) -> None:
    base = live_server.url
    alice = world["alice"]
    code = pseudonym(alice.pk)
    sign_in(page, base, personas["aisha.analyst"])
    page.goto(f"{base}/people/")
    check(page, "people-search-analyst")
    page.get_by_label("Pseudonym").fill(code)
    page.get_by_role("button", name="Search").click()
    page.get_by_test_id("results").get_by_role("link", name=code).click()
    page.wait_for_url(f"{base}/people/p/{code}/")  # by pseudonym, never by id
    assert page.get_by_role("heading", name=code, level=1).is_visible()
    html = page.content()
    for identity in [*ALICE_DETAILS, "WYP-13-0001", "MARAC-2024-01"]:
        assert identity not in html, identity
    assert AuditEntry.objects.filter(
        event="people.person.view",
        record_id=str(alice.pk),
        actor_username="aisha.analyst",
    ).exists()
    check(page, "person-pseudonymised")
    assert page.problems == []


def test_ig_lead_audits_a_person_and_downloads_a_bundle(
    live_server: Any, page: Any, personas: dict[str, Any], world: dict[str, Any]
) -> None:
    base = live_server.url
    carl = world["carl"]
    sign_in(page, base, personas["iris.ig"])
    page.get_by_role("link", name="Audit").click()
    page.wait_for_url(f"{base}/audit/")
    check(page, "audit-search")
    page.get_by_label("Name").fill("Council")
    page.get_by_role("button", name="Search").click()
    page.get_by_test_id("results").get_by_role("link", name="Carl Council").click()
    page.wait_for_url(f"{base}/audit/people/{carl.pk}/")
    history = page.get_by_test_id("history")
    assert history.get_by_text("carol.coordinator").first.is_visible()  # created him
    check(page, "audit-person")

    # The download button with no recipient: an error, nothing disclosed.
    with ExpectErrorStatus(page, 400):
        page.get_by_role("button", name="Download subject-access bundle").click()
        page.locator(".govuk-error-summary").wait_for()
    assert (
        page.locator(".govuk-error-summary")
        .get_by_role("link", name=re.compile("Enter who the bundle is for"))
        .is_visible()
    )
    check(page, "audit-sar-error")
    page.get_by_label("Who is the bundle for?").fill("Carl Council, data subject")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download subject-access bundle").click()
    download = info.value
    assert download.suggested_filename.startswith(f"subject-access-person-{carl.pk}-")
    bundle = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert bundle["person"]["family_name"] == "Council"
    assert AuditEntry.objects.filter(
        operation="disclosure", recipient="Carl Council, data subject"
    ).exists()

    # IG leads may end an agreement early: the form page.
    page.goto(f"{base}/agreements/{world['agreement'].pk}/")
    page.get_by_role("button", name="End this agreement early").click()
    page.wait_for_url(f"{base}/agreements/{world['agreement'].pk}/end/")
    check(page, "agreement-end")
    end = timezone.localdate() + timedelta(days=7)
    page.get_by_label("Day").fill(str(end.day))
    page.get_by_label("Month").fill(str(end.month))
    page.get_by_label("Year").fill(str(end.year))
    page.get_by_role("button", name="End agreement").click()
    page.wait_for_url(f"{base}/agreements/{world['agreement'].pk}/")
    assert page.get_by_text("End date brought forward").is_visible()
    check(page, "agreement-ended")
    assert page.problems == []


def test_axe_check_fails_on_serious_violations(page: Any) -> None:
    """The helper really runs axe: a page with known critical faults fails it."""
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>Broken</title></head><body><main>'
        '<h1>Broken</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<input type="text"></main></body></html>'
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "[critical] image-alt" in message and "[critical] label" in message
