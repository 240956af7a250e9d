"""Governance journeys in the browser (issue #15 items 1-3): update a deliverable's RAG
status with evidence; enter a priority-matrix score and confirm a carried one; record a
board member and upload a meeting's paper. Axe-clean pages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from saferleeds.audit.models import AuditEntry
from saferleeds.governance.actions import (
    do_load_plan,
    do_record_board_meeting,
    do_save_priority_score,
)
from saferleeds.governance.models import (
    BoardMember,
    BoardPaper,
    Deliverable,
    PriorityScore,
    StatusChange,
)
from saferleeds.partners.policy import actor_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _actor(username: str) -> Any:
    return actor_for(User.objects.get(username=username), purpose="test")


def test_update_a_deliverables_rag_with_evidence(
    live_server: Any, page: Any, personas: dict[str, Any]
) -> None:
    from tests.web.axe import assert_accessible
    from tests.web.conftest import browser_sign_in, screenshot

    do_load_plan(actor=None)
    d = Deliverable.objects.get(key="asb-service-review")  # led by the council
    browser_sign_in(page, live_server.url, personas["carol.coordinator"])
    page.goto(f"{live_server.url}/plan/deliverables/{d.pk}/")
    assert_accessible(page)
    # No evidence: the error summary says so, and nothing changes.
    page.get_by_label("Amber").check()
    page.get_by_role("button", name="Save status").click()
    assert page.get_by_role("alert").get_by_text("Enter the evidence").is_visible()
    assert_accessible(page)
    assert page.problems and all("400" in p for p in page.problems)
    page.problems.clear()  # the refused form answers 400, as it should
    page.get_by_label("Amber").check()
    page.get_by_label("Evidence").fill("Review scoped with the board; report due Q3")
    page.get_by_role("button", name="Save status").click()
    page.wait_for_url(f"**/plan/deliverables/{d.pk}/")
    assert page.get_by_text("Status updated").is_visible()
    assert page.get_by_text(
        "Review scoped with the board; report due Q3"
    ).first.is_visible()
    assert_accessible(page)
    screenshot(page, "deliverable-rag-updated")
    d.refresh_from_db()
    assert (d.rag, d.version) == ("amber", 2)
    assert StatusChange.objects.filter(deliverable=d).count() == 1
    assert AuditEntry.objects.filter(event="governance.deliverable.status").count() == 1
    assert page.problems == []


def test_enter_a_matrix_score_and_confirm_a_carried_one(
    live_server: Any, page: Any, personas: dict[str, Any]
) -> None:
    from tests.web.axe import assert_accessible
    from tests.web.conftest import browser_sign_in, screenshot

    do_save_priority_score(
        2016,
        "Hate crime",
        method="morile",
        harm=3,
        likelihood=3,
        organisational_position=2,
        confidence="Medium",
        actor=_actor("ed.executive"),
    )
    browser_sign_in(page, live_server.url, personas["aisha.analyst"])
    page.goto(f"{live_server.url}/plan/jsa/2017-18/")
    assert_accessible(page)
    page.get_by_role("button", name="Carry 1 score from 2016/17").click()
    assert page.get_by_test_id("carried-warning").is_visible()
    page.get_by_role("link", name="Score a theme").click()
    page.wait_for_url("**/plan/jsa/2017-18/scores/new/")
    assert_accessible(page)
    # Missing scores: the error summary lists them.
    page.get_by_label("Theme").select_option("Burglary")
    page.get_by_role("button", name="Save the score").click()
    summary = page.get_by_role("alert")
    assert summary.get_by_text("Select a harm (impact) score from 1 to 4").is_visible()
    assert_accessible(page)
    assert page.problems and all("400" in p for p in page.problems)
    page.problems.clear()  # the refused form answers 400, as it should
    page.get_by_label("Theme").select_option("Burglary")
    page.locator("#id_method").check()  # MoRiLE-style
    page.locator("#id_harm-4").check()
    page.locator("#id_likelihood-3").check()
    page.locator("#id_organisational_position-2").check()
    page.locator("#id_confidence").check()  # High
    page.get_by_label("Rationale (optional)").fill("Repeat burglaries in two wards")
    screenshot(page, "jsa-score-form")
    page.get_by_role("button", name="Save the score").click()
    page.wait_for_url("**/plan/jsa/2017-18/")
    assert page.get_by_text("Score for Burglary saved").is_visible()
    rows = page.get_by_test_id("score-row")
    assert rows.first.get_by_role("rowheader").inner_text().startswith("Burglary")
    page.get_by_role("button", name="Confirm the score for Hate crime").click()
    assert page.get_by_text("Score for Hate crime confirmed").is_visible()
    assert page.get_by_test_id("carried-warning").count() == 0
    assert_accessible(page)
    screenshot(page, "jsa-inputs")
    burglary = PriorityScore.objects.get(year=2017, theme="Burglary")
    assert (burglary.harm, burglary.likelihood, burglary.organisational_position) == (
        4,
        3,
        2,
    )
    assert PriorityScore.objects.get(year=2017, theme="Hate crime").confirmed
    assert page.problems == []


def test_record_a_member_and_upload_a_paper(
    live_server: Any, page: Any, personas: dict[str, Any], tmp_path: Path
) -> None:
    from tests.web.axe import assert_accessible
    from tests.web.conftest import browser_sign_in, screenshot

    do_load_plan(actor=None)
    from saferleeds.governance.models import Board

    board = Board.objects.get(key="executive")
    do_record_board_meeting(
        board.pk,
        held_on=timezone.localdate() - timedelta(days=2),
        papers="",
        decisions="Plan agreed.",
        chair="Jo Chair",
        venue="Civic Hall",
        actor=_actor("ed.executive"),
    )
    browser_sign_in(page, live_server.url, personas["ed.executive"])
    page.goto(f"{live_server.url}/plan/boards/executive/")
    assert_accessible(page)
    form = page.get_by_test_id("member-form")
    form.get_by_label("Name").fill("Sam Member")
    form.get_by_label("Role on the board").fill("Vice-chair")
    form.get_by_label("Agency").select_option(label="West Yorkshire Police")
    form.locator("#from_on-day").fill("1")
    form.locator("#from_on-month").fill("4")
    form.locator("#from_on-year").fill("2026")
    form.get_by_role("button", name="Add the member").click()
    assert page.get_by_text("Member added").is_visible()
    members = page.get_by_test_id("members")
    assert members.get_by_role("cell", name="Sam Member", exact=True).is_visible()
    paper = tmp_path / "q3-report.txt"
    paper.write_text("Quarter 3 performance report\n", encoding="utf-8")
    form = page.get_by_test_id("paper-form")
    form.get_by_label("Meeting").select_option(index=1)
    form.get_by_label("Title of the paper").fill("Q3 performance")
    form.get_by_label("File").set_input_files(str(paper))
    form.get_by_role("button", name="Upload the paper").click()
    assert page.get_by_text("Paper uploaded").is_visible()
    assert_accessible(page)
    screenshot(page, "board-members-papers")
    with page.expect_download() as info:
        page.get_by_role("link", name="Q3 performance").click()
    saved = tmp_path / "got.txt"
    info.value.save_as(saved)
    assert saved.read_text(encoding="utf-8") == "Quarter 3 performance report\n"
    assert BoardMember.objects.filter(name="Sam Member").exists()
    assert BoardPaper.objects.count() == 1
    assert (
        AuditEntry.objects.filter(event="governance.board.paper.download").count() == 1
    )
    assert page.problems == []
