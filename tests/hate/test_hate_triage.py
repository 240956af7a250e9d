"""The hate crime team's work on reports: receipt held by the lead agency, the triage
queue and its filters, a report's page, triage, referral to police, closing, opening a
hate crime case, repeat victims and locations at the window's boundary, and who may do
what (a report another agency may not see is the same 404 as a missing one)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.hate import repeats
from saferleeds.hate.access import hate_reports_visible_to
from saferleeds.hate.actions import (
    do_close_hate_report,
    do_open_hate_case,
    do_receive_hate_report,
    do_refer_hate_report_to_police,
    do_triage_hate_report,
    location_key,
)
from saferleeds.hate.models import HateReport
from saferleeds.locking import Conflict
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor, Forbidden, NotFound
from saferleeds.people.actions import do_create_person
from saferleeds.people.models import Person
from saferleeds.safeguarding.models import Case, CasePerson
from tests.hate.conftest import details, share_hate_reports

TODAY = timezone.localdate()
Make = Callable[..., HateReport]
ActorOf = Callable[[str], Actor]


def entries(event: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(event=event).order_by("seq"))


def person(actor: Actor, given: str = "Amira", family: str = "Hassan") -> Person:
    return do_create_person(
        actor=actor, reference=f"LCC-{given}", given_name=given, family_name=family
    )


# --- Receipt -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postcode", "location", "key"),
    [
        ("ls1 6hw", "Anywhere", "postcode:LS16HW"),
        ("LS1 6HW", "Somewhere else", "postcode:LS16HW"),
        ("", "  Boar Lane, bus-stop ", "place:boar lane bus stop"),
        ("", "BOAR LANE BUS STOP", "place:boar lane bus stop"),
        ("", "!!!", ""),
    ],
)
def test_location_key(postcode: str, location: str, key: str) -> None:
    assert location_key(postcode, location) == key


def test_a_public_report_is_held_by_the_lead_agency_with_its_location_key(
    client: Client, personas: dict[str, Any]
) -> None:
    from tests.hate.test_hate_report import valid

    r = client.post(
        "/report/hate/", valid(postcode="ls2 7hy"), REMOTE_ADDR="192.0.2.50"
    )
    assert r.status_code == 302
    report = HateReport.objects.get()
    assert report.agency == Agency.objects.get(code="lcc")
    assert report.location_key == "postcode:LS27HY"
    assert report.reporting_centre is None and report.submitted_by is None
    (entry,) = entries("incidents.hate_report.receive")
    assert entry.actor_id is None and entry.record_id == str(report.pk)


def test_without_a_postcode_the_place_is_the_key(report: Make) -> None:
    r = report(postcode="", location="Kirkgate Market, Leeds")
    assert r.location_key == "place:kirkgate market leeds"


def test_the_lead_agency_is_configurable(
    personas: dict[str, Any], casework_settings: Any
) -> None:
    casework_settings(hate={"lead_agency": "wyp"})
    r = do_receive_hate_report(details(), actor=None)
    assert r.agency.code == "wyp"


def test_the_public_pages_show_the_public_service_not_the_workspace(
    client: Client, personas: dict[str, Any], sign_in: Any
) -> None:
    sign_in(client, personas["carol.coordinator"])
    html = client.get("/report/hate/").content.decode()
    assert "Report a hate incident</a>" in html
    assert "Partnership workspace" not in html and "partnership workspace" not in html
    assert "Sharing agreements" not in html and "Signed in as" not in html
    assert "<title>Report a hate incident or crime – Report a hate incident" in html


# --- Who sees the queue and a report ---------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("carol.coordinator", 200),
        ("pete.practitioner", 200),  # casework role; sees only what is shared to WYP
        ("aisha.analyst", 403),
        ("iris.ig", 403),
        ("ed.executive", 403),
        ("sam.sysadmin", 403),
        ("rita.reporter", 403),
    ],
)
def test_queue_is_for_casework_roles(
    client: Client, personas: dict[str, Any], sign_in: Any, username: str, status: int
) -> None:
    sign_in(client, personas[username])
    for url in ("/hate-reports/", "/hate-reports/repeats/"):
        assert client.get(url).status_code == status, url


def test_queue_needs_sign_in(client: Client, db: None) -> None:
    r = client.get("/hate-reports/")
    assert r.status_code == 302 and "/sign-in/" in r["Location"]


def test_another_agency_without_an_agreement_gets_404_like_a_missing_report(
    client: Client, personas: dict[str, Any], sign_in: Any, report: Make
) -> None:
    r = report()
    sign_in(client, personas["nadia.probation"])
    seen = client.get(f"/hate-reports/{r.pk}/")
    missing = client.get("/hate-reports/999999/")
    assert seen.status_code == missing.status_code == 404
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub(b"", seen.content) == token.sub(b"", missing.content)
    assert r.reference not in client.get("/hate-reports/").content.decode()
    refusal = AuditEntry.objects.get(operation=Operation.REFUSAL, record_id=str(r.pk))
    assert refusal.actor_username == "nadia.probation"
    for action in ("triage", "refer", "close"):
        assert client.get(f"/hate-reports/{r.pk}/{action}/").status_code == 404


@pytest.mark.parametrize(
    ("state", "status"), [("none", 404), ("in_force", 200), ("expired", 404)]
)
def test_a_shared_agency_reads_but_does_not_change(
    client: Client,
    personas: dict[str, Any],
    sign_in: Any,
    report: Make,
    state: str,
    status: int,
) -> None:
    r = report()
    if state == "in_force":
        share_hate_reports("lcc", "wyp")
    elif state == "expired":
        share_hate_reports("lcc", "wyp", ends_on=TODAY - timedelta(days=1))
    sign_in(client, personas["pete.practitioner"])
    assert client.get(f"/hate-reports/{r.pk}/").status_code == status
    queue = client.get("/hate-reports/").content.decode()
    assert (r.reference in queue) == (status == 200)
    if status == 200:
        page = client.get(f"/hate-reports/{r.pk}/").content.decode()
        assert "Only the hate crime team holding it" in page
        assert client.get(f"/hate-reports/{r.pk}/triage/").status_code == 403
        post = client.post(
            f"/hate-reports/{r.pk}/triage/", {"version": 1, "priority": "high"}
        )
        assert post.status_code == 403
        assert HateReport.objects.get().priority == ""


def test_the_queue_audits_each_report_it_shows_and_the_page_its_view(
    client: Client, personas: dict[str, Any], sign_in: Any, report: Make
) -> None:
    a, b = report(), report(postcode="LS2 7HY")
    sign_in(client, personas["carol.coordinator"])
    html = client.get("/hate-reports/").content.decode()
    assert a.reference in html and b.reference in html
    listed = entries("incidents.hate_report.list")
    assert sorted(e.record_id for e in listed) == sorted([str(a.pk), str(b.pk)])
    assert {e.operation for e in listed} == {Operation.CONSULTATION}
    page = client.get(f"/hate-reports/{a.pk}/").content.decode()
    assert "Shouted at about my wheelchair" in page
    (view,) = entries("incidents.hate_report.view")
    assert view.record_id == str(a.pk) and view.actor_username == "carol.coordinator"


def test_queue_filters_by_status_strand_and_date(
    client: Client, personas: dict[str, Any], sign_in: Any, report: Make
) -> None:
    new = report(strands=["race"])
    triaged = report(strands=["religion", "race"])
    HateReport.objects.filter(pk=triaged.pk).update(status="triaged")
    old = report(strands=["disability"])
    HateReport.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - timedelta(days=10)
    )
    sign_in(client, personas["carol.coordinator"])

    def shown(**query: str) -> set[str]:
        r = client.get("/hate-reports/", query)
        assert r.status_code == 200
        html = r.content.decode()
        return {x.reference for x in (new, triaged, old) if x.reference in html}

    assert shown() == {new.reference, triaged.reference, old.reference}
    assert shown(status="triaged") == {triaged.reference}
    assert shown(status="new") == {new.reference, old.reference}
    assert shown(strand="race") == {new.reference, triaged.reference}
    assert shown(strand="disability") == {old.reference}
    old_day = timezone.localtime(timezone.now() - timedelta(days=10)).date()
    # The date filter at its boundary: the day itself is in, the day after is not.
    assert old.reference in shown(received_to=old_day.isoformat())
    assert old.reference not in shown(
        received_from=(old_day + timedelta(days=1)).isoformat()
    )
    assert shown(
        received_from=old_day.isoformat(), received_to=old_day.isoformat()
    ) == {old.reference}
    bad = client.get("/hate-reports/", {"received_from": "2026-02-31"})
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()
    backwards = client.get(
        "/hate-reports/", {"received_from": "2026-03-02", "received_to": "2026-03-01"}
    )
    assert backwards.status_code == 400
    assert "The to date must be on or after the from date" in backwards.content.decode()


# --- Triage, referral, closing ---------------------------------------------------------------


def test_triage_sets_priority_note_status_and_version_and_is_audited(
    report: Make, actor: ActorOf
) -> None:
    r = report()
    carol = actor("carol.coordinator")
    done = do_triage_hate_report(
        r.pk, actor=carol, expected_version=1, priority="high", note="Called back"
    )
    r.refresh_from_db()
    assert (r.status, r.priority, r.triage_note, r.version) == (
        "triaged",
        "high",
        "Called back",
        2,
    )
    assert done.version == 2 and r.triaged_by_id == carol.user_id and r.triaged_at
    (entry,) = entries("incidents.hate_report.triage")
    assert entry.operation == Operation.ALTERATION and entry.record_id == str(r.pk)
    assert "Called back" not in str(entry.detail)


def test_triage_links_a_victim_as_a_combination(report: Make, actor: ActorOf) -> None:
    r = report()
    carol = actor("carol.coordinator")
    amira = person(carol)
    do_triage_hate_report(
        r.pk, actor=carol, expected_version=1, priority="medium", victim_id=amira.pk
    )
    r.refresh_from_db()
    assert r.victim_id == amira.pk
    (link,) = entries("incidents.hate_report.link_victim")
    assert (
        link.operation == Operation.COMBINATION and link.subject_person_id == amira.pk
    )
    # Triaging again without choosing a person keeps the link, and logs no new link.
    do_triage_hate_report(r.pk, actor=carol, expected_version=2, priority="high")
    r.refresh_from_db()
    assert (
        r.victim_id == amira.pk
        and len(entries("incidents.hate_report.link_victim")) == 1
    )


def test_triage_cannot_link_a_person_the_actor_cannot_see(
    report: Make, actor: ActorOf
) -> None:
    r = report()
    nadias = person(actor("nadia.probation"), "Hidden", "Person")
    with pytest.raises(NotFound):
        do_triage_hate_report(
            r.pk,
            actor=actor("carol.coordinator"),
            expected_version=1,
            priority="high",
            victim_id=nadias.pk,
        )
    r.refresh_from_db()
    assert r.victim_id is None and r.status == "new" and r.version == 1
    # The refusal survives the rolled-back action.
    assert AuditEntry.objects.filter(
        operation=Operation.REFUSAL, record_id=str(nadias.pk)
    ).exists()


def test_a_stale_triage_is_refused_and_changes_nothing(
    report: Make, actor: ActorOf
) -> None:
    r = report()
    carol = actor("carol.coordinator")
    do_triage_hate_report(r.pk, actor=carol, expected_version=1, priority="high")
    with pytest.raises(Conflict):
        do_triage_hate_report(
            r.pk, actor=carol, expected_version=1, priority="standard"
        )
    r.refresh_from_db()
    assert r.priority == "high" and r.version == 2
    assert len(entries("incidents.hate_report.triage")) == 1


def test_the_triage_page_gives_409_on_a_stale_save(
    client: Client, personas: dict[str, Any], sign_in: Any, report: Make, actor: ActorOf
) -> None:
    r = report()
    do_triage_hate_report(
        r.pk, actor=actor("carol.coordinator"), expected_version=1, priority="high"
    )
    sign_in(client, personas["carol.coordinator"])
    resp = client.post(
        f"/hate-reports/{r.pk}/triage/", {"version": 1, "priority": "standard"}
    )
    assert resp.status_code == 409
    assert "changed by someone else" in resp.content.decode()
    r.refresh_from_db()
    assert r.priority == "high"


def test_triage_page_validation_and_people_search(
    client: Client, personas: dict[str, Any], sign_in: Any, report: Make, actor: ActorOf
) -> None:
    r = report()
    amira = person(actor("carol.coordinator"))
    sign_in(client, personas["carol.coordinator"])
    bad = client.post(f"/hate-reports/{r.pk}/triage/", {"version": 1})
    assert bad.status_code == 400
    assert '<a href="#priority-1">Select a priority</a>' in bad.content.decode()
    found = client.get(f"/hate-reports/{r.pk}/triage/", {"name": "Hassan"})
    assert f'value="{amira.pk}"' in found.content.decode()
    assert AuditEntry.objects.filter(
        event="people.person.search", record_id=str(amira.pk)
    ).exists()
    ok = client.post(
        f"/hate-reports/{r.pk}/triage/?name=Hassan",
        {"version": 1, "priority": "medium", "note": "n", "victim_id": amira.pk},
    )
    assert ok.status_code == 302 and ok["Location"] == f"/hate-reports/{r.pk}/"
    r.refresh_from_db()
    assert r.victim_id == amira.pk and r.status == "triaged"
    page = client.get(ok["Location"]).content.decode()
    assert "Triage saved" in page and "Amira Hassan" in page


def test_referral_to_police(report: Make, actor: ActorOf) -> None:
    r = report()
    carol = actor("carol.coordinator")
    do_refer_hate_report_to_police(
        r.pk,
        actor=carol,
        expected_version=1,
        referred_on=TODAY,
        police_reference=" 13250101 ",
    )
    r.refresh_from_db()
    assert (r.status, r.police_referred_on, r.police_reference) == (
        "referred_to_police",
        TODAY,
        "13250101",
    )
    (entry,) = entries("incidents.hate_report.refer_to_police")
    assert entry.operation == Operation.DISCLOSURE and entry.recipient == "police"


@pytest.mark.parametrize(
    ("days", "ok"),
    [(1, False), (0, True), (-1, False)],  # tomorrow, today (received today), yesterday
)
def test_referral_date_is_between_receipt_and_today(
    report: Make, actor: ActorOf, days: int, ok: bool
) -> None:
    r = report()
    on = TODAY + timedelta(days=days)
    refer = lambda: do_refer_hate_report_to_police(  # noqa: E731
        r.pk, actor=actor("carol.coordinator"), expected_version=1, referred_on=on,
        police_reference="X1",
    )  # fmt: skip
    if ok:
        refer()
    else:
        with pytest.raises(ValueError):
            refer()
    r.refresh_from_db()
    assert (r.status == "referred_to_police") == ok


def test_refer_page_round_trip_and_errors(
    client: Client, personas: dict[str, Any], sign_in: Any, report: Make
) -> None:
    r = report()
    sign_in(client, personas["carol.coordinator"])
    form = client.get(f"/hate-reports/{r.pk}/refer/").content.decode()
    assert (
        f'name="referred_on_day" type="text" inputmode="numeric" value="{TODAY.day}"'
        in form
    )
    bad = client.post(
        f"/hate-reports/{r.pk}/refer/",
        {"version": 1, "police_reference": "", "referred_on_day": "31",
         "referred_on_month": "2", "referred_on_year": "2026"},
    )  # fmt: skip
    html = bad.content.decode()
    assert bad.status_code == 400
    assert "Enter the police reference" in html
    assert "The date it was referred must be a real date" in html
    good = client.post(
        f"/hate-reports/{r.pk}/refer/",
        {"version": 1, "police_reference": "13/99", "referred_on_day": TODAY.day,
         "referred_on_month": TODAY.month, "referred_on_year": TODAY.year},
    )  # fmt: skip
    assert good.status_code == 302
    r.refresh_from_db()
    assert r.status == "referred_to_police" and r.police_reference == "13/99"


def test_close_and_a_closed_report_cannot_be_referred_or_closed_again(
    client: Client, personas: dict[str, Any], sign_in: Any, report: Make, actor: ActorOf
) -> None:
    r = report()
    sign_in(client, personas["carol.coordinator"])
    assert (
        "Close hate report"
        in client.get(f"/hate-reports/{r.pk}/close/").content.decode()
    )
    assert (
        client.post(f"/hate-reports/{r.pk}/close/", {"version": 1}).status_code == 302
    )
    r.refresh_from_db()
    assert r.status == "closed" and r.version == 2
    (entry,) = entries("incidents.hate_report.close")
    assert entry.operation == Operation.ALTERATION
    carol = actor("carol.coordinator")
    with pytest.raises(Forbidden):
        do_close_hate_report(r.pk, actor=carol, expected_version=2)
    with pytest.raises(Forbidden):
        do_refer_hate_report_to_police(
            r.pk,
            actor=carol,
            expected_version=2,
            referred_on=TODAY,
            police_reference="1",
        )
    assert client.get(f"/hate-reports/{r.pk}/refer/").status_code == 403


def test_opening_a_hate_case_uses_the_case_core(
    client: Client, personas: dict[str, Any], sign_in: Any, report: Make, actor: ActorOf
) -> None:
    r = report()
    carol = actor("carol.coordinator")
    amira = person(carol)
    do_triage_hate_report(
        r.pk, actor=carol, expected_version=1, priority="high", victim_id=amira.pk
    )
    sign_in(client, personas["carol.coordinator"])
    resp = client.post(f"/hate-reports/{r.pk}/case/", {"version": 2})
    assert resp.status_code == 302
    r.refresh_from_db()
    case = Case.objects.get()
    assert r.case == case and case.case_type == "hate"
    assert re.match(rf"^HATE-{TODAY.year}-001$", case.reference)
    assert case.lead_agency.code == "lcc" and case.risk_level == "high"
    assert (
        f'href="/cases/{case.pk}/"'
        in client.get(f"/hate-reports/{r.pk}/").content.decode()
    )
    assert CasePerson.objects.filter(case=case, person=amira, role="victim").exists()
    assert entries("incidents.hate_report.open_case")[0].detail == {"case_id": case.pk}
    assert entries("safeguarding.case.create")
    page = client.get(f"/hate-reports/{r.pk}/").content.decode()
    assert case.reference in page and "Open a hate crime case" not in page
    with pytest.raises(Forbidden):
        do_open_hate_case(r.pk, actor=carol, expected_version=3)
    # A second report's case takes the next number.
    other = report()
    assert do_open_hate_case(other.pk, actor=carol, expected_version=1).reference == (
        f"HATE-{TODAY.year}-002"
    )


# --- Repeat victims and locations -------------------------------------------------------------


def days_ago(n: int) -> Any:
    return TODAY - timedelta(days=n)


@pytest.mark.parametrize(
    ("age", "counted"),
    [(364, True), (365, True), (366, False)],  # the window is 365 days, inclusive
)
def test_repeat_location_at_the_window_boundary(
    report: Make, actor: ActorOf, age: int, counted: bool
) -> None:
    recent = report(postcode="LS2 7HY")
    older = report(postcode="ls27hy", occurred_on=days_ago(age))
    found = repeats.find_repeats(hate_reports_visible_to(actor("carol.coordinator")))
    assert found.location_count.get(recent.pk) == (2 if counted else 1)
    assert (older.pk in found.location_count) == counted
    assert len(found.locations) == (1 if counted else 0)


@pytest.mark.parametrize(("age", "counted"), [(364, True), (365, True), (366, False)])
def test_repeat_victim_by_linked_person_at_the_window_boundary(
    report: Make, actor: ActorOf, age: int, counted: bool
) -> None:
    carol = actor("carol.coordinator")
    amira = person(carol)
    a = report(postcode="LS1 1AA")
    b = report(postcode="LS9 9ZZ", occurred_on=days_ago(age))
    for r in (a, b):
        do_triage_hate_report(
            r.pk, actor=carol, expected_version=1, priority="high", victim_id=amira.pk
        )
    found = repeats.find_repeats(hate_reports_visible_to(carol))
    assert found.victim_count[a.pk] == (2 if counted else 1)
    assert found.location_count[a.pk] == 1  # different places


def test_repeat_victim_by_contact_details_when_not_linked(
    report: Make, actor: ActorOf
) -> None:
    by_email = report(contact_email="Sam@Example.org")
    same_email = report(contact_email="sam@example.org ")
    by_phone = report(contact_email="sam@example.org", contact_phone="07700 900123")
    same_phone = report(contact_phone="+44 7700 900123")
    stranger = report(contact_email="other@example.org")
    anonymous = [report(), report()]
    found = repeats.find_repeats(hate_reports_visible_to(actor("carol.coordinator")))
    # Email links the first three, the phone brings in the fourth (one victim).
    for r in (by_email, same_email, by_phone, same_phone):
        assert found.victim_count[r.pk] == 4
    assert found.victim_count[stranger.pk] == 1
    assert all(r.pk not in found.victim_count for r in anonymous)
    assert [g.count for g in found.victims] == [4]


def test_a_linked_report_is_counted_by_person_not_by_contact(
    report: Make, actor: ActorOf
) -> None:
    carol = actor("carol.coordinator")
    a = report(contact_email="shared@example.org")
    b = report(contact_email="shared@example.org")
    do_triage_hate_report(
        a.pk,
        actor=carol,
        expected_version=1,
        priority="high",
        victim_id=person(carol).pk,
    )
    found = repeats.find_repeats(hate_reports_visible_to(carol))
    assert found.victim_count[a.pk] == found.victim_count[b.pk] == 1


def test_the_window_is_configurable(
    report: Make, actor: ActorOf, casework_settings: Any
) -> None:
    report(postcode="LS2 7HY")
    report(postcode="LS2 7HY", occurred_on=days_ago(31))
    carol = actor("carol.coordinator")
    assert repeats.find_repeats(hate_reports_visible_to(carol)).locations
    casework_settings(hate={"repeat_window_days": 30})
    assert not repeats.find_repeats(hate_reports_visible_to(carol)).locations


def test_repeats_count_only_reports_the_actor_may_see(
    report: Make, actor: ActorOf, personas: dict[str, Any]
) -> None:
    report(postcode="LS2 7HY")
    report(postcode="LS2 7HY")
    nadia = actor("nadia.probation")
    found = repeats.find_repeats(hate_reports_visible_to(nadia))
    assert found.locations == [] and found.location_count == {}


def test_queue_and_repeats_page_show_the_repeats(
    client: Client, personas: dict[str, Any], sign_in: Any, report: Make
) -> None:
    market = [report(postcode="LS2 7HY", location="Kirkgate Market") for _ in range(3)]
    victim = [report(contact_email="r@example.org", postcode="") for _ in range(2)]
    lone = report(postcode="LS6 1AA", location="Headingley")
    sign_in(client, personas["carol.coordinator"])
    queue = client.get("/hate-reports/").content.decode()
    assert queue.count("Repeat location: 3") == 3
    assert queue.count("Repeat victim: 2") == 2
    page = client.get("/hate-reports/repeats/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Kirkgate Market, LS2 7HY" in html and "r@example.org" in html
    assert lone.reference not in html
    shown = {e.record_id for e in entries("incidents.hate_report.repeats")}
    assert shown == {str(r.pk) for r in market + victim}
    detail = client.get(f"/hate-reports/{market[0].pk}/").content.decode()
    assert "Repeat location: 3 reports at this place" in detail
