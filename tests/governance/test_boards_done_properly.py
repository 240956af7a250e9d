"""Boards done properly (issue #15 item 3): members with roles, agencies and dates;
meetings with a chair, venue and uploaded papers (stored as case documents are, every
download audited); actions with owners, due dates and the overdue rule MARAC shares."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.core.deadlines import is_overdue, overdue_q
from saferleeds.governance.access_pages import is_member
from saferleeds.governance.actions import (
    StatusError,
    do_add_board_action,
    do_add_board_member,
    do_end_board_membership,
    do_load_plan,
    do_record_board_meeting,
    do_upload_board_paper,
)
from saferleeds.governance.models import Board, BoardAction, BoardMember, BoardPaper
from saferleeds.marac.models import MaracMeeting
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Forbidden, actor_for
from saferleeds.safeguarding.documents import DocumentRejected

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _actor(username: str) -> Any:
    return actor_for(User.objects.get(username=username), purpose="test")


@pytest.fixture
def plan(personas: dict[str, Any]) -> None:
    do_load_plan(actor=None)


@pytest.fixture(autouse=True)
def document_root(tmp_path: Path) -> Any:
    with override_settings(SAFERLEEDS_DOCUMENT_ROOT=tmp_path / "documents"):
        yield tmp_path / "documents"


def test_marac_and_board_meetings_share_the_meeting_base() -> None:
    names = {"held_on", "venue", "chair"}
    assert names <= {f.name for f in MaracMeeting._meta.get_fields()}
    from saferleeds.governance.models import BoardMeeting

    assert names <= {f.name for f in BoardMeeting._meta.get_fields()}


def test_overdue_rule_and_its_filter_agree(plan: None) -> None:
    board = Board.objects.get(key="executive")
    today = timezone.localdate()
    meeting = do_record_board_meeting(
        board.pk,
        held_on=today - timedelta(days=30),
        papers="",
        decisions="",
        actor=_actor("ed.executive"),
    )
    lcc = Agency.objects.get(code="lcc")
    for days in (-1, 0, 1):
        do_add_board_action(
            meeting.pk,
            text=f"due {days}",
            owner_agency_id=lcc.pk,
            due_on=today + timedelta(days=days),
            actor=_actor("ed.executive"),
        )
    by_rule = {
        a.text
        for a in BoardAction.objects.all()
        if is_overdue(a.due_on, a.done_on, today)
    }
    by_filter = set(
        BoardAction.objects.filter(overdue_q(today)).values_list("text", flat=True)
    )
    assert by_rule == by_filter == {"due -1"}


def test_membership_boundaries() -> None:
    start, end = date(2026, 4, 1), date(2027, 3, 31)
    assert not is_member(start, end, start - timedelta(days=1))
    assert is_member(start, end, start) and is_member(start, end, end)
    assert not is_member(start, end, end + timedelta(days=1))
    assert is_member(start, None, date(2040, 1, 1))


def test_members_added_ended_audited_and_shown(
    plan: None, personas: dict[str, Any], sign_in: Any
) -> None:
    board = Board.objects.get(key="executive")
    wyp = Agency.objects.get(code="wyp")
    today = timezone.localdate()
    member = do_add_board_member(
        board.pk,
        name="Jo Chair",
        role="Chair",
        agency_id=wyp.pk,
        from_on=today - timedelta(days=100),
        actor=_actor("carol.coordinator"),
    )
    do_add_board_member(
        board.pk,
        name="Former Member",
        role="Member",
        agency_id=wyp.pk,
        from_on=today - timedelta(days=400),
        to_on=today - timedelta(days=10),
        actor=_actor("ed.executive"),
    )
    with pytest.raises(StatusError, match="on or after"):
        do_add_board_member(
            board.pk,
            name="Backwards",
            role="Member",
            agency_id=wyp.pk,
            from_on=today,
            to_on=today - timedelta(days=1),
            actor=_actor("ed.executive"),
        )
    with pytest.raises(Forbidden):
        do_add_board_member(
            board.pk,
            name="X",
            role="Member",
            agency_id=wyp.pk,
            from_on=today,
            actor=_actor("aisha.analyst"),
        )
    assert AuditEntry.objects.filter(event="governance.board.member.add").count() == 2
    client = sign_in(Client(), personas["pete.practitioner"])
    body = client.get("/plan/boards/executive/").content.decode()
    assert "Jo Chair" in body and "Past members (1)" in body
    assert 'data-testid="member-form"' not in body  # a reader, not a recorder
    # The end-of-membership button is the recorder's; a reader's post is refused.
    url = f"/plan/boards/executive/members/{member.pk}/end/"
    assert client.post(url).status_code == 403
    client = sign_in(Client(), personas["ed.executive"])
    assert client.post(url).status_code == 302
    assert BoardMember.objects.get(pk=member.pk).to_on == today
    assert AuditEntry.objects.filter(event="governance.board.member.end").count() == 1
    with pytest.raises(StatusError, match="already ended"):
        do_end_board_membership(member.pk, to_on=today, actor=_actor("ed.executive"))


def test_member_form_errors_name_the_fields(
    plan: None, personas: dict[str, Any], sign_in: Any
) -> None:
    client = sign_in(Client(), personas["carol.coordinator"])
    r = client.post(
        "/plan/boards/executive/members/",
        {"name": "", "role": "Chair", "agency": "", "from_on_day": "31"},
    )
    assert r.status_code == 400
    body = r.content.decode()
    assert "Enter the member&#x27;s name" in body
    assert "Select the member&#x27;s agency" in body
    assert "Date membership started must include a month and year" in body


def test_papers_uploaded_checked_and_each_download_audited(
    plan: None, personas: dict[str, Any], sign_in: Any, document_root: Path
) -> None:
    board = Board.objects.get(key="executive")
    meeting = do_record_board_meeting(
        board.pk,
        held_on=timezone.localdate() - timedelta(days=3),
        papers="Verbal update",
        decisions="",
        actor=_actor("ed.executive"),
        chair="Jo Chair",
        venue="Civic Hall",
    )
    client = sign_in(Client(), personas["carol.coordinator"])
    r = client.post(
        "/plan/boards/executive/papers/",
        {
            "paper_meeting": meeting.pk,
            "title": "Performance report Q3",
            "file": SimpleUploadedFile("q3.pdf", PDF, "application/pdf"),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    paper = BoardPaper.objects.get()
    assert paper.size == len(PDF) and (document_root / paper.stored_name).exists()
    assert AuditEntry.objects.filter(event="governance.board.paper.upload").count() == 1
    # A program renamed .pdf is refused with the case documents' message.
    r = client.post(
        "/plan/boards/executive/papers/",
        {
            "paper_meeting": meeting.pk,
            "title": "Bad",
            "file": SimpleUploadedFile("evil.pdf", b"MZ\x90\x00", "application/pdf"),
        },
    )
    assert r.status_code == 400 and "not a real PDF" in r.content.decode()
    with pytest.raises(DocumentRejected):
        do_upload_board_paper(
            meeting.pk,
            title="x",
            filename="x.exe",
            data=b"x",
            actor=_actor("ed.executive"),
        )
    # Every plan reader downloads it; each download is an audited consultation.
    reader = sign_in(Client(), personas["pete.practitioner"])
    body = reader.get("/plan/boards/executive/").content.decode()
    assert "Performance report Q3" in body and "Jo Chair, Civic Hall" in body
    url = f"/plan/boards/executive/papers/{paper.pk}/"
    got = reader.get(url)
    assert got.status_code == 200 and got.content == PDF
    assert 'filename="q3.pdf"' in got["Content-Disposition"]
    entries = AuditEntry.objects.filter(event="governance.board.paper.download")
    assert entries.count() == 1
    assert entries.get().operation == Operation.CONSULTATION
    # Outside the partnership: refused; another board's address: not found.
    outsider = sign_in(Client(), personas["rita.reporter"])
    assert outsider.get(url).status_code == 403
    other = Board.objects.exclude(key="executive").first()
    assert other is not None
    assert reader.get(f"/plan/boards/{other.key}/papers/{paper.pk}/").status_code == 404
    assert entries.count() == 1
    # Readers may not upload.
    r = reader.post(
        "/plan/boards/executive/papers/",
        {
            "paper_meeting": meeting.pk,
            "title": "x",
            "file": SimpleUploadedFile("a.txt", b"hello", "text/plain"),
        },
    )
    assert r.status_code == 403


def test_actions_with_owner_and_overdue_on_the_boards_list(
    plan: None, personas: dict[str, Any], sign_in: Any
) -> None:
    board = Board.objects.get(key="executive")
    today = timezone.localdate()
    meeting = do_record_board_meeting(
        board.pk,
        held_on=today - timedelta(days=20),
        papers="",
        decisions="Agreed the plan.",
        actor=_actor("ed.executive"),
    )
    client = sign_in(Client(), personas["ed.executive"])
    lcc = Agency.objects.get(code="lcc")
    past = today - timedelta(days=2)
    r = client.post(
        "/plan/boards/executive/actions/",
        {
            "meeting": meeting.pk,
            "text": "Report the review's progress",
            "owner_agency": lcc.pk,
            "owner": "Sam Lead",
            "due_on_day": past.day,
            "due_on_month": past.month,
            "due_on_year": past.year,
        },
    )
    assert r.status_code == 302
    assert BoardAction.objects.get().owner == "Sam Lead"
    body = client.get("/plan/boards/executive/").content.decode()
    assert "Sam Lead, " in body and 'data-testid="action-overdue"' in body
    listing = client.get("/plan/boards/").content.decode()
    assert "1 overdue" in listing


def test_demo_seeds_members_paper_and_assessment_inputs_once(plan: None) -> None:
    from saferleeds.demo.governance_records import seed_governance_records
    from saferleeds.governance.models import HorizonItem, PriorityScore, Recommendation

    seed_governance_records()
    assert BoardMember.objects.filter(board__key="executive").count() == 4
    assert BoardPaper.objects.count() == 1
    assert PriorityScore.objects.filter(year=2016).count() == 5
    assert HorizonItem.objects.filter(year=2017).count() == 3
    assert Recommendation.objects.filter(deliverable__isnull=False).count() == 1
    seed_governance_records()
    assert BoardMember.objects.count() == 4 and BoardPaper.objects.count() == 1
    assert PriorityScore.objects.count() == 5
