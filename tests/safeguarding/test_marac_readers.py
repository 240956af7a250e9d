"""The MARAC pages' readers (``safeguarding.access.marac_pages``): each logs every
record it returns, in one write, under the page's event; roles that never open MARAC
records are refused (analysts see the figures only: counts, no one's details); and a
page's queries do not grow with the number of referrals it shows.

The world is tests.safeguarding.test_marac_actions.build_marac_world.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.marac.access_pages import (
    read_case_form,
    read_dash_page,
    read_marac_case_page,
    read_marac_figures,
    read_marac_home,
    read_marac_meeting,
    read_referral_form,
    read_referral_page,
)
from saferleeds.marac.actions import (
    do_add_marac_action,
    do_create_marac_meeting,
    do_list_marac_referral,
    do_record_dash_assessment,
    do_record_marac_research,
    do_refer_to_marac,
)
from saferleeds.marac.models import MaracReferral
from saferleeds.partners.policy import Forbidden, NotFound
from tests.safeguarding.test_marac_actions import TODAY, answers, build_marac_world


@pytest.fixture
def w(personas: dict[str, Any]) -> dict[str, Any]:
    return build_marac_world(personas)


def refer(w: dict[str, Any], n: int = 0, **kw: Any) -> MaracReferral:
    return do_refer_to_marac(
        w["case"].pk,
        actor=w["pete"],
        victim_id=w["vicky"].pk,
        perpetrator_id=w["paul"].pk,
        referred_on=kw.pop("referred_on", TODAY - timedelta(days=n)),
        professional_judgement=True,
        reason=f"Reason {n}.",
    )


def listed(w: dict[str, Any], count: int) -> Any:
    """A meeting with ``count`` referrals listed, each with research and an action."""
    meeting = do_create_marac_meeting(actor=w["carol"], held_on=TODAY)
    for n in range(count):
        r = refer(w, n)
        do_list_marac_referral(r.pk, meeting.pk, actor=w["carol"])
        do_record_marac_research(
            r.pk, actor=w["pete"], holds_information=True, findings=f"Found {n}."
        )
        do_add_marac_action(
            r.pk,
            actor=w["carol"],
            title=f"Action {n}",
            owner_agency_id=w["agencies"]["wyp"].pk,
            due_on=TODAY + timedelta(days=7),
        )
    return meeting


def logged(event: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(event=event).order_by("seq"))


def queries(call: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


def audit_writes(call: Any) -> tuple[Any, int]:
    """What ``call`` returns, and how many times it moved the audit chain's head."""
    with CaptureQueriesContext(connection) as ctx:
        result = call()
    heads = [
        q
        for q in ctx.captured_queries
        if q["sql"].startswith('UPDATE "audit_chainhead"')
    ]
    return result, len(heads)


# --- Each record returned is logged, once, under the page's event ------------------------


def test_meeting_reader_logs_each_referral_research_and_action_it_returns(
    w: dict[str, Any],
) -> None:
    meeting = listed(w, 3)
    page = read_marac_meeting(w["carol"], meeting.pk)
    assert len(page.rows) == 3
    assert {r.victim for r in page.rows} == {"Vicky Victim"}
    assert all(r.perpetrator == "Paul Perp" for r in page.rows)
    entries = logged("safeguarding.marac_meeting.view")
    shown = {("marac_referral", str(r.referral.pk)) for r in page.rows} | {
        ("case_task", str(t.pk)) for r in page.rows for t in r.actions
    }
    got = {(e.record_type, e.record_id) for e in entries}
    assert shown <= got
    assert sum(1 for rt, _ in got if rt == "marac_research") == 3
    assert len(entries) == 9  # 3 referrals, 3 research entries, 3 actions
    assert {e.operation for e in entries} == {Operation.CONSULTATION}
    assert {e.actor_username for e in entries} == {"carol.coordinator"}
    referral_entries = [e for e in entries if e.record_type == "marac_referral"]
    assert {e.subject_person_id for e in referral_entries} == {w["vicky"].pk}
    with pytest.raises(NotFound):
        read_marac_meeting(w["carol"], 999999)


def test_referral_reader_logs_the_referral_and_its_plan_in_one_write(
    w: dict[str, Any],
) -> None:
    listed(w, 1)
    referral = MaracReferral.objects.get()
    before = AuditEntry.objects.count()
    # Nadia (probation) sees it under the agreement; one write logs it all.
    page, writes = audit_writes(lambda: read_referral_page(w["nadia"], referral.pk))
    assert writes == 1
    new = list(AuditEntry.objects.order_by("seq")[before:])
    assert [e.event for e in new] == [
        "safeguarding.marac_referral.view",
        "safeguarding.marac_referral.view_plan",
        "safeguarding.marac_referral.view_plan",
        "safeguarding.marac_referral.view_plan",
    ]
    assert page.row.victim == "Vicky Victim" and not page.pseudonymised
    assert [x.agency.code for x in page.research] == ["wyp"]
    assert page.mine is None and page.can_research and not page.coordinator
    assert len(page.row.actions) == 1 and page.open_actions == page.row.actions


def test_home_reader_logs_referrals_awaiting_and_overdue_actions(
    w: dict[str, Any],
) -> None:
    awaiting = [refer(w, n) for n in range(2)]
    meeting = do_create_marac_meeting(actor=w["carol"], held_on=TODAY)
    heard = refer(w, 5)
    do_list_marac_referral(heard.pk, meeting.pk, actor=w["carol"])
    task = do_add_marac_action(
        heard.pk,
        actor=w["carol"],
        title="Police to visit",
        owner_agency_id=w["agencies"]["wyp"].pk,
        due_on=TODAY - timedelta(days=1),
    )
    home = read_marac_home(w["pete"])
    assert [r.pk for r, _ in home.awaiting] == [a.pk for a in reversed(awaiting)]
    assert {name for _, name in home.awaiting} == {"Vicky Victim"}
    assert [t.pk for t in home.overdue] == [task.pk]
    assert home.upcoming == ((meeting, 1),) and home.flags is None
    got = {(e.record_type, e.record_id) for e in logged("safeguarding.marac.home")}
    assert got == {("marac_referral", str(a.pk)) for a in awaiting} | {
        ("case_task", str(task.pk))
    }
    assert read_marac_home(w["carol"]).flags == ()  # the coordinator's flags


def test_dash_case_panel_and_form_readers_log_what_they_show(
    w: dict[str, Any],
) -> None:
    dash = do_record_dash_assessment(
        w["case"].pk,
        actor=w["pete"],
        victim_id=w["vicky"].pk,
        answers=answers(15),
        assessed_on=TODAY,
    )
    referral = refer(w)
    page = read_dash_page(w["carol"], dash.pk)
    assert page.victim == "Vicky Victim" and page.perpetrator_id == w["paul"].pk
    assert page.result.yes_count == 15 and page.can_refer
    (entry,) = logged("safeguarding.dash_assessment.view")
    assert entry.record_id == str(dash.pk)
    assert entry.subject_person_id == w["vicky"].pk

    panel, writes = audit_writes(lambda: read_marac_case_page(w["carol"], w["case"].pk))
    assert writes == 1
    assert [d.id for d in panel.dashes] == [dash.pk]
    assert [r.id for r in panel.referrals] == [referral.pk]
    case_view = logged("safeguarding.case.view")
    panel_entries = logged("safeguarding.marac.case_panel")
    assert [e.record_id for e in case_view] == [str(w["case"].pk)]
    assert {(e.record_type, e.record_id) for e in panel_entries} == {
        ("dash_assessment", str(dash.pk)),
        ("marac_referral", str(referral.pk)),
    }

    form = read_case_form(w["pete"], w["case"].pk, perpetrators=True, dash_id=dash.pk)
    assert form.victims == ((w["vicky"].pk, "Vicky Victim"),)
    assert form.perpetrators == ((w["paul"].pk, "Paul Perp"),)
    assert form.dash == dash and form.can_change
    assert len(logged("safeguarding.case.view")) == 2
    read_case_form(w["pete"], w["case"].pk, audit=False)  # a save: logged by its action
    assert len(logged("safeguarding.case.view")) == 2

    research_form = read_referral_form(w["harry"], referral.pk)
    assert research_form.victim == "Vicky Victim" and research_form.mine is None
    assert research_form.agency_name == w["agencies"]["ccg"].name
    assert [e.actor_username for e in logged("safeguarding.marac_referral.view")] == [
        "harry.health"
    ]


# --- Roles: analysts never open MARAC records; they may read the figures ----------------


def test_readers_refuse_roles_that_never_open_marac_records(
    w: dict[str, Any],
) -> None:
    referral = refer(w)
    meeting = do_create_marac_meeting(actor=w["carol"], held_on=TODAY)
    for who in ("aisha", "ed"):
        for read in (
            lambda a: read_marac_home(a),
            lambda a: read_marac_meeting(a, meeting.pk),
            lambda a: read_referral_page(a, referral.pk),
            lambda a: read_marac_case_page(a, w["case"].pk),
            lambda a: read_case_form(a, w["case"].pk),
            lambda a: read_referral_form(a, referral.pk),
        ):
            with pytest.raises(Forbidden):
                read(w[who])
    assert not AuditEntry.objects.filter(
        operation=Operation.CONSULTATION, actor_username="aisha.analyst"
    ).exists()


def test_figures_reader_gives_an_analyst_counts_only_and_logs_the_period(
    w: dict[str, Any],
) -> None:
    refer(w)
    start = TODAY - timedelta(days=30)
    figures = read_marac_figures(w["aisha"], start, TODAY)
    assert figures.referrals == 1
    (entry,) = logged("safeguarding.marac.figures")
    assert entry.actor_username == "aisha.analyst"
    assert entry.record_id == "" and entry.subject_person_id is None
    assert entry.detail == {"from": start.isoformat(), "to": TODAY.isoformat()}
    with pytest.raises(Forbidden):
        read_marac_figures(w["pete"], start, TODAY)  # practitioners: no figures


# --- Query counts do not grow with rows ----------------------------------------------------


@pytest.mark.parametrize("who", ["pete", "carol"])
def test_home_queries_do_not_grow_with_referrals(w: dict[str, Any], who: str) -> None:
    """3 referrals awaiting listing and 3 overdue actions, then 12 and 12.

    (All for one victim: the coordinator's repeat flags read once per victim with a
    recent referral, in ``marac_queries.repeat_flags``.)
    """
    meeting = do_create_marac_meeting(actor=w["carol"], held_on=TODAY)

    def add(count: int) -> None:
        for n in range(count):
            refer(w, n)
            # Referred before the deadline: a deadline before its referral is refused.
            heard = refer(w, n, referred_on=TODAY - timedelta(days=n + 2))
            do_list_marac_referral(heard.pk, meeting.pk, actor=w["carol"])
            do_add_marac_action(
                heard.pk,
                actor=w["carol"],
                title=f"Overdue {n}",
                owner_agency_id=w["agencies"]["wyp"].pk,
                due_on=TODAY - timedelta(days=1),
            )

    add(3)
    small = queries(lambda: read_marac_home(w[who]))
    assert len(read_marac_home(w[who]).awaiting) == 3
    add(9)
    home = read_marac_home(w[who])
    assert len(home.awaiting) == 12 and len(home.overdue) == 12
    assert queries(lambda: read_marac_home(w[who])) == small


def test_meeting_and_referral_queries_do_not_grow_with_rows(
    w: dict[str, Any],
) -> None:
    meeting = listed(w, 3)
    small = queries(lambda: read_marac_meeting(w["carol"], meeting.pk))
    first = MaracReferral.objects.order_by("pk").first()
    assert first is not None
    referral_small = queries(lambda: read_referral_page(w["carol"], first.pk))
    for n in range(9):
        r = refer(w, 20 + n)
        do_list_marac_referral(r.pk, meeting.pk, actor=w["carol"])
        do_record_marac_research(
            r.pk, actor=w["harry"], holds_information=False, findings=""
        )
        for m in range(2):
            do_add_marac_action(
                first.pk,
                actor=w["carol"],
                title=f"More {n}.{m}",
                owner_agency_id=w["agencies"]["ccg"].pk,
                due_on=TODAY + timedelta(days=3),
            )
    assert len(read_marac_meeting(w["carol"], meeting.pk).rows) == 12
    assert queries(lambda: read_marac_meeting(w["carol"], meeting.pk)) == small
    assert len(read_referral_page(w["carol"], first.pk).row.actions) == 19
    assert queries(lambda: read_referral_page(w["carol"], first.pk)) == referral_small


def test_meeting_page_renders_within_the_same_queries_for_3_and_12(
    w: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    meeting = listed(w, 3)
    client = sign_in(Client(), personas["carol.coordinator"])
    url = f"/marac/meetings/{meeting.pk}/"
    assert client.get(url).status_code == 200  # the session's first stamps
    small = queries(lambda: client.get(url))
    for n in range(9):
        r = refer(w, 30 + n)
        do_list_marac_referral(r.pk, meeting.pk, actor=w["carol"])
    response = client.get(url)
    assert response.content.decode().count('data-testid="meeting-case"') == 12
    assert queries(lambda: client.get(url)) == small
    refer(w, 40)  # one referral awaiting listing (none: no audit write at all)
    home_small = queries(lambda: client.get("/marac/"))
    for n in range(11):
        refer(w, 41 + n)
    assert queries(lambda: client.get("/marac/")) == home_small
