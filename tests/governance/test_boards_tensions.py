"""Milestones, boards and their meetings, and community tension monitoring (issue #15
items 2, 3 and 5): actions audited, access by role, overdue and trend logic, demo data."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.demo.governance_records import seed_governance_records
from saferleeds.governance.actions import (
    StatusError,
    do_add_board_action,
    do_add_milestone,
    do_complete_milestone,
    do_load_plan,
    do_record_board_meeting,
    do_record_tension_report,
)
from saferleeds.governance.models import (
    Board,
    BoardAction,
    BoardMeeting,
    Deliverable,
    Milestone,
    TensionReport,
)
from saferleeds.governance.rules import is_overdue
from saferleeds.governance.tensions import personal_data_found, trend
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Forbidden, actor_for
from saferleeds.places.models import Area
from tests.partners.matrix import may_open_tensions, may_submit_tension, role_set

pytestmark = pytest.mark.django_db

READERS = ("pete.practitioner", "carol.coordinator", "aisha.analyst", "ed.executive")
NON_READERS = ("fran.agencyadmin", "iris.ig", "sam.sysadmin", "rita.reporter")


def _actor(username: str) -> Any:
    return actor_for(User.objects.get(username=username), purpose="test")


def _monday() -> date:
    today = timezone.localdate()
    return today - timedelta(days=today.weekday())


@pytest.fixture
def plan(personas: dict[str, Any]) -> None:
    do_load_plan(actor=None)


@pytest.fixture
def areas(db: None) -> list[Area]:
    return [
        Area.objects.create(code=f"hood-{n}", name=name, level=Area.Level.NEIGHBOURHOOD)
        for n, name in enumerate(("Harehills", "Lincoln Green", "Beeston"))
    ]


# Overdue and trend logic ----------------------------------------------------------


def test_overdue_boundary() -> None:
    due = date(2026, 3, 31)
    assert not is_overdue(due, None, due)  # on the due date: not yet overdue
    assert is_overdue(due, None, due + timedelta(days=1))
    assert not is_overdue(due, due + timedelta(days=5), due + timedelta(days=9))
    assert not is_overdue(None, None, due)


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ((), "new"),
        ((3,), "new"),
        ((1, 2, 4), "rising"),
        ((4, 2), "falling"),
        ((5, 2, 2), "steady"),
    ],
)
def test_trend(levels: tuple[int, ...], expected: str) -> None:
    assert trend(levels) == expected


def test_personal_data_check() -> None:
    assert personal_data_found("Rumours after an incident near LS9 8AB") == (
        "a full postcode"
    )
    assert personal_data_found("Windows broken at 12 Harehills Lane") == (
        "a house number and street"
    )
    assert personal_data_found("Protest planned in LS9 on 3 occasions") == ""


# Milestones ------------------------------------------------------------------------


def test_milestones_audited_and_overdue_shown(
    plan: None, personas: dict[str, Any], sign_in: Any
) -> None:
    d = Deliverable.objects.get(key="asb-service-review")  # led by LCC
    today = timezone.localdate()
    late = do_add_milestone(
        d.pk,
        title="Terms agreed",
        due_on=today - timedelta(days=1),
        actor=_actor("carol.coordinator"),
    )
    do_add_milestone(
        d.pk, title="Report", due_on=today, actor=_actor("carol.coordinator")
    )
    entry = AuditEntry.objects.get(
        event="governance.milestone.add", record_id=str(late.pk)
    )
    assert entry.operation == Operation.COLLECTION
    client = sign_in(Client(), personas["aisha.analyst"])
    page = client.get(f"/plan/deliverables/{d.pk}/").content.decode()
    assert page.count('data-testid="milestone-overdue"') == 1
    plan_page = client.get("/plan/").content.decode()
    assert "1 milestone overdue" in plan_page
    assert '<dd class="govuk-summary-list__value" data-testid="overdue-count">1' in (
        plan_page
    )
    do_complete_milestone(late.pk, done_on=today, actor=_actor("ed.executive"))
    assert AuditEntry.objects.filter(event="governance.milestone.done").count() == 1
    page = client.get(f"/plan/deliverables/{d.pk}/").content.decode()
    assert 'data-testid="milestone-overdue"' not in page


def test_milestone_refused_outside_the_lead_agency(plan: None) -> None:
    d = Deliverable.objects.get(key="asb-service-review")  # led by LCC
    with pytest.raises(Forbidden):
        do_add_milestone(
            d.pk,
            title="x",
            due_on=date(2026, 1, 1),
            actor=_actor("pete.practitioner"),  # WYP
        )
    assert not Milestone.objects.exists()


# Boards -----------------------------------------------------------------------------


def test_board_meeting_and_actions_audited_and_listed(
    plan: None, personas: dict[str, Any], sign_in: Any
) -> None:
    board = Board.objects.get(key="executive")
    today = timezone.localdate()
    meeting = do_record_board_meeting(
        board.pk,
        held_on=today - timedelta(days=7),
        papers="RAG report\nJSA headlines",
        decisions="Priorities confirmed.",
        actor=_actor("ed.executive"),
    )
    lcc = Agency.objects.get(code="lcc")
    do_add_board_action(
        meeting.pk,
        text="Appoint a review lead",
        owner_agency_id=lcc.pk,
        due_on=today - timedelta(days=1),
        actor=_actor("carol.coordinator"),
    )
    assert AuditEntry.objects.filter(event="governance.board.meeting").count() == 1
    assert AuditEntry.objects.filter(event="governance.board.action").count() == 1
    for username in (*READERS, "fran.agencyadmin"):
        client = sign_in(Client(), personas[username])
        page = client.get("/plan/boards/executive/")
        assert page.status_code == 200, username
        body = page.content.decode()
        assert "Appoint a review lead" in body and "JSA headlines" in body
        assert 'data-testid="action-overdue"' in body
        assert client.get("/plan/boards/").status_code == 200
    client = sign_in(Client(), personas["rita.reporter"])
    assert client.get("/plan/boards/executive/").status_code == 403
    client = sign_in(Client(), personas["aisha.analyst"])
    assert client.get("/plan/boards/no-such-board/").status_code == 404


@pytest.mark.parametrize("username", ["pete.practitioner", "aisha.analyst"])
def test_only_executive_and_coordinators_record_meetings(
    plan: None, username: str
) -> None:
    board = Board.objects.get(key="executive")
    with pytest.raises(Forbidden):
        do_record_board_meeting(
            board.pk,
            held_on=date(2026, 1, 1),
            papers="",
            decisions="",
            actor=_actor(username),
        )
    assert not BoardMeeting.objects.exists() and not BoardAction.objects.exists()


# Community tensions -------------------------------------------------------------


@pytest.mark.parametrize("username", READERS)
def test_readers_see_the_tensions_page(
    personas: dict[str, Any], sign_in: Any, username: str, areas: list[Area]
) -> None:
    client = sign_in(Client(), personas[username])
    page = client.get("/plan/tensions/")
    assert page.status_code == 200
    has_form = 'name="indicators"' in page.content.decode()
    assert has_form == (username in ("pete.practitioner", "carol.coordinator"))


@pytest.mark.parametrize("username", NON_READERS)
def test_others_are_refused_tensions(
    personas: dict[str, Any], sign_in: Any, username: str, areas: list[Area]
) -> None:
    client = sign_in(Client(), personas[username])
    assert client.get("/plan/tensions/").status_code == 403
    assert client.post("/plan/tensions/", {}).status_code == 403


@pytest.mark.parametrize("username", ["aisha.analyst", "ed.executive"])
def test_readers_may_not_submit(
    personas: dict[str, Any], sign_in: Any, username: str, areas: list[Area]
) -> None:
    client = sign_in(Client(), personas[username])
    post = {
        "area": str(areas[0].pk),
        "week": _monday().isoformat(),
        "level": "3",
        "grading": "potential",
        "indicators": "Protest planned",
    }
    assert client.post("/plan/tensions/", post).status_code == 403
    assert not TensionReport.objects.exists()


def test_report_changes_the_area_level_and_trend(
    personas: dict[str, Any], sign_in: Any, areas: list[Area]
) -> None:
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    do_record_tension_report(
        areas[0].pk,
        week_starting=monday - timedelta(weeks=1),
        level=2,
        grading="experienced",
        indicators="Low-level graffiti.",
        actor=_actor("carol.coordinator"),
    )
    client = sign_in(Client(), personas["pete.practitioner"])
    response = client.post(
        "/plan/tensions/",
        {
            "area": str(areas[0].pk),
            "week": monday.isoformat(),
            "level": "4",
            "grading": "evidenced",
            "indicators": "Rumours online after an incident; protest planned.",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(event="governance.tension.report").last()
    assert entry is not None and entry.operation == Operation.COLLECTION
    body = client.get("/plan/tensions/").content.decode()
    row = body.split(f'data-testid="tension-{areas[0].pk}"')[1].split("</tr>")[0]
    assert 'data-level="4"' in row and 'data-trend="rising"' in row
    # A lower report the same week does not lower the week's level (highest wins).
    do_record_tension_report(
        areas[0].pk,
        week_starting=monday,
        level=1,
        grading="potential",
        indicators="Quiet.",
        actor=_actor("carol.coordinator"),
    )
    body = client.get("/plan/tensions/").content.decode()
    row = body.split(f'data-testid="tension-{areas[0].pk}"')[1].split("</tr>")[0]
    assert 'data-level="4"' in row


def test_report_with_personal_data_is_refused(
    personas: dict[str, Any], sign_in: Any, areas: list[Area]
) -> None:
    client = sign_in(Client(), personas["carol.coordinator"])
    response = client.post(
        "/plan/tensions/",
        {
            "area": str(areas[1].pk),
            "week": _monday().isoformat(),
            "level": "3",
            "grading": "potential",
            "indicators": "Windows broken at 12 Harehills Lane, LS9 8AB",
        },
    )
    assert response.status_code == 400
    assert "Remove personal data" in response.content.decode()
    assert not TensionReport.objects.exists()
    with pytest.raises(StatusError):
        do_record_tension_report(
            areas[1].pk,
            week_starting=timezone.localdate(),
            level=6,
            grading="potential",
            indicators="x",
            actor=_actor("carol.coordinator"),
        )


def test_tension_menu_entry_follows_the_page_rule(
    personas: dict[str, Any], sign_in: Any, areas: list[Area]
) -> None:
    reader = sign_in(Client(), personas["aisha.analyst"]).get("/plan/")
    other = sign_in(Client(), personas["fran.agencyadmin"]).get("/plan/")
    assert 'href="/plan/tensions/"' in reader.content.decode()
    assert 'href="/plan/tensions/"' not in other.content.decode()


# Demo data -----------------------------------------------------------------------


def test_demo_records_seeded_through_actions_and_idempotent(
    plan: None, areas: list[Area]
) -> None:
    first = seed_governance_records()
    assert first.milestones >= 5 and first.meetings >= 2
    assert first.tension_reports == 3 * 8  # three areas here, eight weeks each
    assert Milestone.objects.filter(done_on__isnull=True).exists()
    assert BoardAction.objects.exists()
    assert AuditEntry.objects.filter(event="governance.tension.report").count() == 24
    again = seed_governance_records()
    assert (again.milestones, again.meetings, again.tension_reports) == (0, 0, 0)


def test_tensions_page_follows_the_matrix_for_every_persona(
    personas: dict[str, Any], sign_in: Any, areas: list[Area]
) -> None:
    for username, user in personas.items():
        roles = role_set(user)
        client = sign_in(Client(), user)
        page = client.get("/plan/tensions/")
        assert (page.status_code == 200) == may_open_tensions(roles), username
        if page.status_code == 200:
            has_form = 'name="indicators"' in page.content.decode()
            assert has_form == may_submit_tension(roles), username


def test_board_forms_record_a_meeting_an_action_and_close_it(
    plan: None, personas: dict[str, Any], sign_in: Any
) -> None:
    client = sign_in(Client(), personas["carol.coordinator"])
    day = timezone.localdate() - timedelta(days=3)
    assert (
        'data-testid="meeting-form"'
        in client.get("/plan/boards/executive/").content.decode()
    )
    bad = client.post("/plan/boards/executive/meetings/", {"papers": "x"})
    assert (
        bad.status_code == 400 and "Enter date of the meeting" in bad.content.decode()
    )
    ok = client.post(
        "/plan/boards/executive/meetings/",
        {
            "held_on_day": str(day.day),
            "held_on_month": str(day.month),
            "held_on_year": str(day.year),
            "papers": "RAG report",
            "decisions": "Agreed.",
        },
    )
    assert ok.status_code == 302
    meeting = BoardMeeting.objects.get()
    due = timezone.localdate() + timedelta(days=10)
    lcc = Agency.objects.get(code="lcc")
    ok = client.post(
        "/plan/boards/executive/actions/",
        {
            "meeting": str(meeting.pk),
            "text": "Write the paper",
            "owner_agency": str(lcc.pk),
            "due_on_day": str(due.day),
            "due_on_month": str(due.month),
            "due_on_year": str(due.year),
        },
    )
    assert ok.status_code == 302
    action = BoardAction.objects.get()
    assert (action.due_on, action.owner_agency_id) == (due, lcc.pk)
    page = client.get("/plan/boards/executive/").content.decode()
    assert "Write the paper" in page.split('data-testid="open-actions"')[1]
    done = client.post(f"/plan/boards/executive/actions/{action.pk}/done/")
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.done_on == timezone.localdate()
    assert (
        'data-testid="no-open-actions"'
        in client.get("/plan/boards/executive/").content.decode()
    )
    events = set(AuditEntry.objects.values_list("event", flat=True))
    assert {
        "governance.board.meeting",
        "governance.board.action",
        "governance.board.action.done",
    } <= events
    # A reader who does not record meetings sees no form and is refused a post.
    reader = sign_in(Client(), personas["aisha.analyst"])
    assert (
        'data-testid="meeting-form"'
        not in reader.get("/plan/boards/executive/").content.decode()
    )
    assert reader.post("/plan/boards/executive/meetings/", {}).status_code == 403


def test_milestone_form_adds_and_closes_a_milestone(
    plan: None, personas: dict[str, Any], sign_in: Any
) -> None:
    d = Deliverable.objects.get(key="asb-service-review")  # led by LCC
    url = f"/plan/deliverables/{d.pk}/"
    client = sign_in(Client(), personas["ed.executive"])
    assert 'data-testid="milestone-form"' in client.get(url).content.decode()
    bad = client.post(url + "milestones/", {"title": ""})
    assert bad.status_code == 400
    assert "Enter what the milestone is" in bad.content.decode()
    due = timezone.localdate() - timedelta(days=2)
    ok = client.post(
        url + "milestones/",
        {
            "title": "Terms agreed",
            "due_on_day": str(due.day),
            "due_on_month": str(due.month),
            "due_on_year": str(due.year),
        },
    )
    assert ok.status_code == 302
    m = Milestone.objects.get()
    assert 'data-testid="milestone-overdue"' in client.get(url).content.decode()
    assert client.post(f"{url}milestones/{m.pk}/done/").status_code == 302
    m.refresh_from_db()
    assert m.done_on == timezone.localdate()
    assert 'data-testid="milestone-overdue"' not in client.get(url).content.decode()
    # Outside the lead agency: no form, and a post is refused.
    other = sign_in(Client(), personas["pete.practitioner"])
    assert 'data-testid="milestone-form"' not in other.get(url).content.decode()
    assert other.post(url + "milestones/", {"title": "x"}).status_code == 403
