"""The case core in headless Chromium: Carol opens a case from the list, adds a task
(after a form with errors), marks it complete, uploads a document and downloads it; an
axe-core check of each page on the way. Screenshots go to test-artifacts/cases-*.png.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from saferleeds.audit.models import AuditEntry
from saferleeds.partners.policy import actor_for
from saferleeds.safeguarding.actions.cases import do_update_case
from saferleeds.safeguarding.models import CaseDocument, CaseTask
from tests.safeguarding.test_case_actions import PDF
from tests.web.axe import assert_accessible
from tests.web.conftest import browser_sign_in, screenshot
from tests.web.test_case_pages import build_world
from tests.web.test_workspace_browser import ExpectErrorStatus

pytestmark = pytest.mark.browser


def check(page: Any, name: str) -> None:
    """Axe-check the page (serious or critical findings fail) and keep a screenshot."""
    lesser = assert_accessible(page)
    path = screenshot(page, f"cases-{name}")
    path.with_suffix(".axe.json").write_text(
        json.dumps({"url": page.url, "minor_or_moderate": lesser}, indent=2),
        encoding="utf-8",
    )


@pytest.fixture
def world(
    transactional_db: None, personas: dict[str, Any], tmp_path: Path, settings: Any
) -> dict[str, Any]:
    settings.SAFERLEEDS_DOCUMENT_ROOT = tmp_path / "documents"
    return build_world(personas)


def test_open_a_case_add_and_complete_a_task_and_upload_a_document(
    live_server: Any,
    page: Any,
    personas: dict[str, Any],
    world: dict[str, Any],
    tmp_path: Path,
) -> None:
    base = live_server.url
    case = world["marac"]
    browser_sign_in(page, base, personas["carol.coordinator"])

    page.goto(f"{base}/overview/")
    page.get_by_role("link", name="Casework", exact=True).click()
    page.wait_for_url(f"{base}/cases/")
    cases = page.get_by_test_id("cases")
    assert cases.get_by_role("link", name=case.reference).is_visible()
    assert cases.get_by_text("Overdue").is_visible()
    check(page, "list")

    # Filters: the overdue ones only.
    page.get_by_label("Due").select_option("overdue")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/cases/?*due=overdue*")
    assert (
        page.get_by_test_id("cases")
        .get_by_role("link", name=world["asb"].reference)
        .is_visible()
    )
    assert (
        page.get_by_test_id("cases").get_by_role("link", name=case.reference).count()
        == 0
    )
    check(page, "list-filtered")

    page.get_by_role("link", name="Clear filters").click()
    page.get_by_test_id("cases").get_by_role("link", name=case.reference).click()
    page.wait_for_url(f"{base}/cases/{case.pk}/")
    assert page.get_by_test_id("case-heading").inner_text().startswith(case.reference)
    assert (
        page.get_by_test_id("timeline")
        .get_by_role("heading", name="Case opened")
        .is_visible()
    )
    check(page, "case")

    # A task: first with errors, then properly.
    page.get_by_role("link", name="Add a task").click()
    page.wait_for_url(f"{base}/cases/{case.pk}/tasks/new/")
    check(page, "task-new")
    with ExpectErrorStatus(page, 400):
        page.get_by_role("button", name="Add task").click()
        page.locator(".govuk-error-summary").wait_for()
    summary = page.locator(".govuk-error-summary")
    assert summary.get_by_role("link", name="Enter what needs to be done").is_visible()
    assert summary.get_by_role("link", name="Enter due date").is_visible()
    assert page.title().startswith("Error: ")
    check(page, "task-new-errors")
    summary.get_by_role("link", name="Enter what needs to be done").click()
    assert page.evaluate("document.activeElement.id") == "id_title"
    due = timezone.localdate()
    page.get_by_label("What needs to be done").fill("Refer to the IDVA service")
    page.get_by_label("Agency responsible").select_option(label="Leeds City Council")
    page.get_by_label("Day").fill(str(due.day))
    page.get_by_label("Month").fill(str(due.month))
    page.get_by_label("Year").fill(str(due.year))
    page.get_by_role("button", name="Add task").click()
    page.wait_for_url(f"{base}/cases/{case.pk}/")
    assert page.get_by_role("alert").get_by_text("Task added").is_visible()
    task = CaseTask.objects.get(title="Refer to the IDVA service")
    tasks = page.get_by_test_id("tasks")
    assert tasks.get_by_role(
        "cell", name="Refer to the IDVA service", exact=True
    ).is_visible()

    # Complete it, with the evidence.
    tasks.get_by_role("link", name="Complete task: Refer to the IDVA service").click()
    page.wait_for_url(f"{base}/cases/{case.pk}/tasks/{task.pk}/complete/")
    with ExpectErrorStatus(page, 400):
        page.get_by_role("button", name="Mark as complete").click()
        page.locator(".govuk-error-summary").wait_for()
    check(page, "task-complete-errors")
    page.get_by_label("Day").fill(str(due.day))
    page.get_by_label("Month").fill(str(due.month))
    page.get_by_label("Year").fill(str(due.year))
    page.get_by_label("What was done").fill("Referral accepted by the IDVA service")
    page.get_by_role("button", name="Mark as complete").click()
    page.wait_for_url(f"{base}/cases/{case.pk}/")
    assert page.get_by_role("alert").get_by_text("Task marked as complete").is_visible()
    assert (
        page.get_by_test_id("tasks")
        .get_by_text("Done: Referral accepted by the IDVA service")
        .is_visible()
    )
    task.refresh_from_db()
    assert task.completed_on == due

    # A document: a wrong one first, then a real PDF; then download it.
    page.get_by_role("link", name="Add a document").click()
    page.wait_for_url(f"{base}/cases/{case.pk}/documents/new/")
    check(page, "document-new")
    fake = tmp_path / "statement.pdf"
    fake.write_bytes(b"MZ this is a program")
    page.get_by_label("Title").fill("Victim statement")
    page.get_by_label("File").set_input_files(str(fake))
    with ExpectErrorStatus(page, 400):
        page.get_by_role("button", name="Upload document").click()
        page.locator(".govuk-error-summary").wait_for()
    assert (
        page.locator(".govuk-error-summary").get_by_text("not a real PDF").is_visible()
    )
    check(page, "document-errors")
    real = tmp_path / "statement.pdf"
    real.write_bytes(PDF)
    page.get_by_label("File").set_input_files(str(real))
    page.get_by_role("button", name="Upload document").click()
    page.wait_for_url(f"{base}/cases/{case.pk}/")
    assert page.get_by_role("alert").get_by_text("Document added").is_visible()
    doc = CaseDocument.objects.get(title="Victim statement")
    with page.expect_download() as info:
        page.get_by_test_id("documents").get_by_role(
            "link", name="Victim statement"
        ).click()
    download = info.value
    assert download.suggested_filename == "statement.pdf"
    assert Path(download.path()).read_bytes() == PDF
    assert AuditEntry.objects.filter(
        event="safeguarding.case_document.download", record_id=str(doc.pk)
    ).exists()
    check(page, "case-after")
    assert not page.problems, page.problems  # type: ignore[attr-defined]


def test_other_forms_with_errors_are_accessible(
    live_server: Any, page: Any, personas: dict[str, Any], world: dict[str, Any]
) -> None:
    base = live_server.url
    case = world["marac"]
    browser_sign_in(page, base, personas["carol.coordinator"])
    for path, button, name in [
        ("/cases/new/", "Open case", "new"),
        (f"/cases/{case.pk}/edit/", None, "edit"),
        (f"/cases/{case.pk}/consent/", None, "consent"),
        (f"/cases/{case.pk}/close/", "Close case", "close"),
        (f"/cases/{case.pk}/notes/new/", "Add note", "note"),
        (f"/cases/{case.pk}/members/new/", "Add member", "member"),
        (f"/cases/{case.pk}/incidents/new/", "Link incident", "incident"),
        (f"/cases/{case.pk}/places/new/", None, "place"),
    ]:
        page.goto(f"{base}{path}")
        check(page, name)
        if button:
            with ExpectErrorStatus(page, 400):
                page.get_by_role("button", name=button).click()
                page.locator(".govuk-error-summary").wait_for()
            check(page, f"{name}-errors")
    page.goto(f"{base}/cases/{case.pk}/consent/")
    page.get_by_label("Shared without consent (risk of serious harm)").check()
    with ExpectErrorStatus(page, 400):
        page.get_by_role("button", name="Save consent").click()
        page.locator(".govuk-error-summary").wait_for()
    summary = page.locator(".govuk-error-summary")
    assert summary.get_by_role(
        "link", name="Enter why the information is shared without consent"
    ).is_visible()
    assert summary.get_by_role(
        "link", name="Enter the date consent was recorded"
    ).is_visible()
    check(page, "consent-override-errors")

    # Someone else saves the details while Carol has the form open: hers is refused.
    page.goto(f"{base}/cases/{case.pk}/edit/")
    case.refresh_from_db()
    do_update_case(
        case.pk,
        actor=actor_for(personas["pete.practitioner"]),
        expected_version=case.version,
        changes={"title": "Retitled by Pete"},
    )
    page.get_by_label("Title").fill("Retitled by Carol")
    with ExpectErrorStatus(page, 409):
        page.get_by_role("button", name="Save changes").click()
        page.locator(".govuk-error-summary").wait_for()
    rows = page.get_by_test_id("conflict-rows")
    assert rows.get_by_role("cell", name="Retitled by Pete").is_visible()
    assert rows.get_by_role("cell", name="Retitled by Carol").is_visible()
    assert page.get_by_label("Title").input_value() == "Retitled by Pete"
    check(page, "edit-conflict")
    assert not page.problems, page.problems  # type: ignore[attr-defined]


def test_analyst_case_page_is_accessible(
    live_server: Any, page: Any, personas: dict[str, Any], world: dict[str, Any]
) -> None:
    base = live_server.url
    browser_sign_in(page, base, personas["aisha.analyst"])
    page.goto(f"{base}/cases/")
    check(page, "analyst-list")
    page.goto(f"{base}/cases/{world['marac'].pk}/")
    assert "Alice" not in page.content()
    check(page, "analyst-case")
