"""Hearing MARAC cases safely (issue #16, items 1 and 2), through the actions only.

A case is heard on or after its meeting's day, one case at a time, with the research
still missing kept in the audit entry; a mistaken "heard" is undone by the coordinator
(audited); a listed case moves to another meeting, even off one already held. An action's
deadline before the referral is refused; one already past (but after the referral) is
accepted and shows as overdue.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from saferleeds.audit.models import AuditEntry
from saferleeds.marac.access_pages import read_marac_meeting, read_referral_page
from saferleeds.marac.actions import (
    DeadlineBeforeReferral,
    MeetingNotYetHeld,
    do_add_marac_action,
    do_create_marac_meeting,
    do_list_marac_referral,
    do_mark_marac_referral_heard,
    do_record_marac_research,
    do_undo_marac_referral_heard,
    missing_research_agencies,
)
from saferleeds.marac.forms import ActionForm
from saferleeds.marac.models import MaracMeeting, MaracReferral
from saferleeds.partners.policy import Forbidden
from tests.safeguarding.test_marac_actions import TODAY, build_marac_world, refer


@pytest.fixture
def w(personas: dict[str, Any]) -> dict[str, Any]:
    return build_marac_world(personas)


def listed(w: dict[str, Any], meeting: MaracMeeting, n: int = 1) -> list[MaracReferral]:
    """``n`` referrals of Vicky's, each on professional judgement, listed for ``meeting``."""
    out = []
    for i in range(n):
        r = refer(w, professional_judgement=True, reason=f"Reason {i}.")
        out.append(do_list_marac_referral(r.pk, meeting.pk, actor=w["carol"]))
    return out


def status(obj: MaracMeeting | MaracReferral) -> str:
    obj.refresh_from_db()
    return obj.status


def test_a_case_is_not_heard_before_its_meeting_day(w: dict[str, Any]) -> None:
    carol = w["carol"]
    future = do_create_marac_meeting(actor=carol, held_on=TODAY + timedelta(days=12))
    (r,) = listed(w, future)
    with pytest.raises(MeetingNotYetHeld, match="on or after the day of its meeting"):
        do_mark_marac_referral_heard(r.pk, actor=carol)
    assert status(r) == "listed" and status(future) == "scheduled"
    page = read_referral_page(carol, r.pk)
    assert not page.can_hear and page.hear_from == future.held_on


def test_each_case_is_heard_separately_and_the_meeting_held_after_the_last(
    w: dict[str, Any],
) -> None:
    carol = w["carol"]
    meeting = do_create_marac_meeting(actor=carol, held_on=TODAY)
    r1, r2 = listed(w, meeting, 2)
    do_record_marac_research(
        r1.pk, actor=w["harry"], holds_information=False, findings=""
    )
    missing = {a.code for a in missing_research_agencies(r1)}
    assert missing == {"lcc", "wyp", "nps"}
    page = read_referral_page(carol, r1.pk)
    assert page.can_hear and page.hear_from is None
    assert set(page.row.research_missing) == {
        a.name for a in missing_research_agencies(r1)
    }

    do_mark_marac_referral_heard(r1.pk, actor=carol)
    assert status(r1) == "heard" and status(r2) == "listed"
    assert status(meeting) == "scheduled"  # r2 is still to be heard
    entry = AuditEntry.objects.get(
        event="safeguarding.marac_referral.heard", record_id=str(r1.pk)
    )
    assert sorted(entry.detail["research_missing"]) == sorted(
        a.pk for a in missing_research_agencies(r1)
    )
    do_mark_marac_referral_heard(r2.pk, actor=carol)
    assert status(meeting) == "held"


def test_a_mistaken_heard_is_undone_by_the_coordinator_and_audited(
    w: dict[str, Any],
) -> None:
    carol = w["carol"]
    meeting = do_create_marac_meeting(actor=carol, held_on=TODAY)
    (r,) = listed(w, meeting)
    with pytest.raises(ValueError, match="recorded as heard"):
        do_undo_marac_referral_heard(r.pk, actor=carol)  # not heard yet
    do_mark_marac_referral_heard(r.pk, actor=carol)
    assert status(meeting) == "held"
    assert read_referral_page(carol, r.pk).can_undo_heard
    assert not read_referral_page(w["pete"], r.pk).can_undo_heard
    with pytest.raises(Forbidden):
        do_undo_marac_referral_heard(r.pk, actor=w["pete"])
    undone = do_undo_marac_referral_heard(r.pk, actor=carol)
    assert undone.status == "listed" and undone.meeting_id == meeting.pk
    assert status(meeting) == "scheduled"
    assert AuditEntry.objects.filter(
        event="safeguarding.marac_referral.heard_undone",
        record_id=str(r.pk),
        actor_username="carol.coordinator",
        operation="alteration",
    ).exists()
    # Heard again, properly this time: both entries stay on the record.
    do_mark_marac_referral_heard(r.pk, actor=carol)
    assert (
        AuditEntry.objects.filter(
            event="safeguarding.marac_referral.heard", record_id=str(r.pk)
        ).count()
        == 2
    )


def test_a_listed_case_moves_to_another_meeting(w: dict[str, Any]) -> None:
    carol = w["carol"]
    today = do_create_marac_meeting(actor=carol, held_on=TODAY)
    later = do_create_marac_meeting(actor=carol, held_on=TODAY + timedelta(days=28))
    r1, r2 = listed(w, today, 2)
    do_mark_marac_referral_heard(r1.pk, actor=carol)
    assert [m for m, _ in read_marac_meeting(carol, today.pk).move_to] == [later.pk]
    moved = do_list_marac_referral(r2.pk, later.pk, actor=carol)
    assert moved.meeting_id == later.pk and moved.status == "listed"
    assert status(today) == "held"  # the last case still to hear has left it
    entry = AuditEntry.objects.get(
        event="safeguarding.marac_referral.list",
        record_id=str(r2.pk),
        detail__moved_from=today.pk,
    )
    assert entry.detail["meeting_id"] == later.pk


def test_a_case_stranded_on_a_held_meeting_can_still_move(w: dict[str, Any]) -> None:
    """Data from before issue #16: a meeting held with a case still listed on it."""
    carol = w["carol"]
    old = do_create_marac_meeting(actor=carol, held_on=TODAY - timedelta(days=7))
    (r,) = listed(w, old)
    MaracMeeting.objects.filter(pk=old.pk).update(status="held")
    later = do_create_marac_meeting(actor=carol, held_on=TODAY + timedelta(days=7))
    assert read_referral_page(carol, r.pk).can_list
    assert do_list_marac_referral(r.pk, later.pk, actor=carol).meeting_id == later.pk


def test_action_deadline_before_the_referral_is_refused(w: dict[str, Any]) -> None:
    carol, ccg = w["carol"], w["agencies"]["ccg"]
    referred_on = TODAY - timedelta(days=30)
    r = refer(w, referred_on=referred_on, professional_judgement=True, reason="x")
    kw: dict[str, Any] = {
        "actor": carol,
        "title": "GP review",
        "owner_agency_id": ccg.pk,
    }
    with pytest.raises(DeadlineBeforeReferral, match="on or after the referral date"):
        do_add_marac_action(r.pk, due_on=TODAY - timedelta(days=6 * 365), **kw)
    with pytest.raises(DeadlineBeforeReferral):
        do_add_marac_action(r.pk, due_on=referred_on - timedelta(days=1), **kw)
    # On the referral day, or past but after it: accepted (the page warns).
    assert do_add_marac_action(r.pk, due_on=referred_on, **kw).due_on == referred_on
    past = do_add_marac_action(r.pk, due_on=TODAY - timedelta(days=3), **kw)
    assert past.due_on < TODAY


def test_action_form_puts_the_refusal_on_the_deadline() -> None:
    referred_on = TODAY - timedelta(days=30)
    early = referred_on - timedelta(days=1)
    form = ActionForm(
        {
            "title": "GP review",
            "owner_agency": "1",
            "due_day": str(early.day),
            "due_month": str(early.month),
            "due_year": str(early.year),
        },
        agencies=[(1, "Health")],
        referred_on=referred_on,
    )
    assert not form.is_valid()
    assert "on or after the referral date" in form.field_errors["due"]
