"""The hate report pages' readers (``incidents.access_pages``): each logs every report
it returns under the page's event, in one write; roles that never open hate reports
(analysts among them) are refused; and the queue's and the repeats page's queries do
not grow with the number of reports shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.hate.access_pages import (
    QueueFilters,
    read_hate_queue,
    read_hate_repeats,
    read_hate_report_form,
    read_hate_report_page,
)
from saferleeds.hate.actions import do_triage_hate_report
from saferleeds.hate.models import HateReport
from saferleeds.partners.policy import Actor, Forbidden, NotFound
from saferleeds.people.actions import do_create_person

Make = Callable[..., HateReport]
ActorOf = Callable[[str], Actor]


def logged(event: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(event=event).order_by("seq"))


def run(call: Any) -> tuple[Any, int, int]:
    """What ``call`` returns, its queries, and how many audit writes it made."""
    with CaptureQueriesContext(connection) as ctx:
        result = call()
    sql = [q["sql"] for q in ctx.captured_queries]
    return (
        result,
        len(sql),
        sum(1 for q in sql if q.startswith('UPDATE "audit_chainhead"')),
    )


def test_queue_reader_logs_each_report_it_returns_in_one_write(
    report: Make, actor: ActorOf
) -> None:
    shown = [report(strands=["race"]), report(strands=["race", "religion"])]
    report(strands=["disability"])  # filtered out: not shown, not logged
    carol = actor("carol.coordinator")
    page, _, writes = run(lambda: read_hate_queue(carol, QueueFilters(strand="race")))
    assert writes == 1 and page.total == 2
    # Oldest first (issue #16): the longest-waiting report at the top.
    assert [r.report.pk for r in page.rows] == [r.pk for r in shown]
    assert page.rows[1].strands == ("Race or ethnicity", "Religion or belief")
    entries = logged("incidents.hate_report.list")
    assert sorted(e.record_id for e in entries) == sorted(str(r.pk) for r in shown)
    assert {e.operation for e in entries} == {Operation.CONSULTATION}


def test_report_page_and_form_readers_log_the_report(
    report: Make, actor: ActorOf
) -> None:
    carol = actor("carol.coordinator")
    amira = do_create_person(
        actor=carol, reference="LCC-A", given_name="Amira", family_name="Hassan"
    )
    r = report(postcode="LS2 7HY")
    do_triage_hate_report(
        r.pk, actor=carol, expected_version=1, priority="high", victim_id=amira.pk
    )
    page, _, writes = run(lambda: read_hate_report_page(carol, r.pk))
    assert writes == 1
    assert page.victim == amira and page.can_change and page.repeat_victim == 1
    (entry,) = logged("incidents.hate_report.view")
    assert entry.record_id == str(r.pk) and entry.subject_person_id == amira.pk

    form = read_hate_report_form(carol, r.pk, with_victim=True, search="Amira")
    assert form.current_victim == amira and form.results is not None
    assert [p.id for p in form.results] == [amira.pk]
    assert len(logged("incidents.hate_report.view")) == 2
    assert [e.record_id for e in logged("people.person.search")] == [str(amira.pk)]
    read_hate_report_form(carol, r.pk, audit=False)  # a save: logged by its action
    assert len(logged("incidents.hate_report.view")) == 2
    with pytest.raises(NotFound):
        read_hate_report_page(carol, 999999)


def test_repeats_reader_logs_each_report_in_a_group(
    report: Make, actor: ActorOf
) -> None:
    market = [report(postcode="LS2 7HY", location="Kirkgate Market") for _ in range(2)]
    lone = report(postcode="LS6 1AA", location="Headingley")
    page, _, writes = run(lambda: read_hate_repeats(actor("carol.coordinator")))
    assert writes == 1 and [g.count for g in page.locations] == [2]
    shown = {e.record_id for e in logged("incidents.hate_report.repeats")}
    assert shown == {str(r.pk) for r in market} and str(lone.pk) not in shown


@pytest.mark.parametrize("username", ["aisha.analyst", "ed.executive", "iris.ig"])
def test_readers_refuse_roles_that_never_open_hate_reports(
    report: Make, actor: ActorOf, username: str
) -> None:
    """Hate pages are for practitioners and case coordinators only (``may_open``):
    an analyst gets no pseudonymised view, but a refusal, and nothing is logged as
    consulted."""
    r = report()
    who = actor(username)
    for read in (
        lambda: read_hate_queue(who),
        lambda: read_hate_repeats(who),
        lambda: read_hate_report_page(who, r.pk),
        lambda: read_hate_report_form(who, r.pk),
    ):
        with pytest.raises(Forbidden):
            read()
    assert not AuditEntry.objects.filter(
        operation=Operation.CONSULTATION, actor_username=username
    ).exists()


def test_queue_and_repeats_queries_do_not_grow_with_reports(
    report: Make, actor: ActorOf, personas: dict[str, Any], sign_in: Any
) -> None:
    def add(count: int) -> None:
        for n in range(count):
            report(postcode="LS2 7HY", location="Kirkgate Market")
            report(contact_email=f"v{n % 2}@example.org", postcode="")

    add(3)
    # A fresh actor each time: an actor remembers the agreements it has read.
    a, b = actor("carol.coordinator"), actor("carol.coordinator")
    _, queue_small, _ = run(lambda: read_hate_queue(a))
    _, repeats_small, _ = run(lambda: read_hate_repeats(b))
    client = sign_in(Client(), personas["carol.coordinator"])
    assert client.get("/hate-reports/").status_code == 200  # the session's stamps
    _, page_small, _ = run(lambda: client.get("/hate-reports/"))
    _, repeats_page_small, _ = run(lambda: client.get("/hate-reports/repeats/"))
    add(9)
    carol = actor("carol.coordinator")
    queue, queue_big, _ = run(lambda: read_hate_queue(carol))
    assert queue.total == 24 and len(queue.rows) == 24
    assert queue_big == queue_small
    fresh = actor("carol.coordinator")
    assert run(lambda: read_hate_repeats(fresh))[1] == repeats_small
    response, page_big, _ = run(lambda: client.get("/hate-reports/"))
    # Two places with 12 reports each (the market; the default bus stop).
    assert response.content.decode().count("Repeat location: 12") == 24
    assert page_big == page_small
    assert run(lambda: client.get("/hate-reports/repeats/"))[1] == repeats_page_small
