"""Third-party reporting centres: their staff report for a victim (audited, held by the
centre's agency) and see only their own centre's references, never the triage queue or
a report's contents; centres and their staff are created from the command line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.hate.actions import (
    centre_references,
    do_ensure_centre_staff,
    do_ensure_reporting_centre,
    do_submit_centre_report,
)
from saferleeds.hate.models import HateReport, ReportingCentre
from saferleeds.partners.models import Agency, Role
from saferleeds.partners.policy import Actor, Forbidden, actor_for
from tests.cli.test_cli import manage_shell, saferleeds
from tests.hate.conftest import details

Make = Callable[..., HateReport]
ActorOf = Callable[[str], Actor]


def form(**changes: Any) -> dict[str, Any]:
    """The centre form, complete: a named victim who wants a phone call."""
    yesterday = timezone.localdate() - timedelta(days=1)
    data: dict[str, Any] = {
        "what_happened": "Neighbour shouted abuse about his religion.",
        "occurred_on_day": str(yesterday.day),
        "occurred_on_month": str(yesterday.month),
        "occurred_on_year": str(yesterday.year),
        "occurred_time": "",
        "location": "Chapeltown Road",
        "postcode": "LS7 3HY",
        "strands": ["religion"],
        "perceived_by": "victim",
        "reporter_is_victim": "yes",
        "anonymous": "no",
        "contact_preference": "phone",
        "contact_name": "Mr Khan",
        "contact_phone": "07700 900 444",
        "centre_reference": "COSC-77",
        "centre_notes": "Needs an Urdu interpreter.",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def other_centre(personas: dict[str, Any]) -> ReportingCentre:
    """A second centre, reporting to the police, with its own worker."""
    c = do_ensure_reporting_centre(
        "Students' Union Advice Centre",
        agency=Agency.objects.get(code="wyp"),
        actor=None,
    )
    do_ensure_centre_staff("sue.union", centre=c, password=None, actor=None)
    return c


def test_centre_worker_reports_for_a_victim_through_the_page(
    client: Client, personas: dict[str, Any], sign_in: Any, centre: ReportingCentre
) -> None:
    rita = personas["rita.reporter"]
    sign_in(client, rita)
    page = client.get("/hate-reports/centre/new/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Does the victim want to stay anonymous?" in html
    assert 'name="reported_via"' not in html  # it is the centre, not asked
    # The worker's own details are not offered for the victim's.
    assert 'autocomplete="off"' in html and 'autocomplete="tel"' not in html
    r = client.post("/hate-reports/centre/new/", form())
    assert r.status_code == 302 and r["Location"] == "/hate-reports/centre/"
    report = HateReport.objects.get()
    assert report.reported_via == HateReport.ReportedVia.THIRD_PARTY_CENTRE
    assert report.reporting_centre == centre and report.submitted_by == rita
    assert report.agency.code == "lcc" and report.location_key == "postcode:LS73HY"
    assert (report.centre_reference, report.centre_notes) == (
        "COSC-77",
        "Needs an Urdu interpreter.",
    )
    assert report.contact_phone == "07700 900 444" and not report.anonymous
    entry = AuditEntry.objects.get(event="incidents.hate_report.centre_submit")
    assert entry.operation == Operation.COLLECTION
    assert entry.actor_username == "rita.reporter" and entry.record_id == str(report.pk)
    home = client.get(r["Location"]).content.decode()
    assert "Report sent" in home and report.reference in home
    # The confirmation shows once; the list keeps the reference.
    again = client.get("/hate-reports/centre/").content.decode()
    assert "Report sent" not in again and report.reference in again


def test_centre_form_validation_stores_nothing(
    client: Client, personas: dict[str, Any], sign_in: Any, centre: ReportingCentre
) -> None:
    sign_in(client, personas["rita.reporter"])
    r = client.post(
        "/hate-reports/centre/new/",
        form(what_happened="", centre_reference="x" * 61, contact_phone=""),
    )
    html = r.content.decode()
    assert r.status_code == 400
    assert '<a href="#what_happened">Enter what happened</a>' in html
    assert '<a href="#contact_phone">Enter your telephone number</a>' in html
    assert "Your reference must be 60 characters or fewer" in html
    assert not HateReport.objects.exists()


def test_an_anonymous_centre_report(
    personas: dict[str, Any], centre: ReportingCentre, actor: ActorOf
) -> None:
    r = do_submit_centre_report(details(), actor=actor("rita.reporter"))
    assert r.anonymous and r.contact_phone == "" and r.reporting_centre == centre


def test_centre_staff_see_only_their_own_centres_references(
    client: Client,
    personas: dict[str, Any],
    sign_in: Any,
    centre: ReportingCentre,
    other_centre: ReportingCentre,
    report: Make,
    actor: ActorOf,
) -> None:
    mine = do_submit_centre_report(
        details(what_happened="Spat at on the bus"),
        actor=actor("rita.reporter"),
        centre_reference="MINE-1",
    )
    theirs = do_submit_centre_report(
        details(), actor=actor_for(User.objects.get(username="sue.union"))
    )
    public = report()
    HateReport.objects.filter(pk=mine.pk).update(status="referred_to_police")
    assert [r.pk for r in centre_references(actor("rita.reporter"))] == [mine.pk]
    sign_in(client, personas["rita.reporter"])
    html = client.get("/hate-reports/centre/").content.decode()
    assert mine.reference in html and "MINE-1" in html and "Referred to police" in html
    assert theirs.reference not in html and public.reference not in html
    # Reference, date and status only: nothing of what happened or who it was.
    assert "Spat at on the bus" not in html and "Boar Lane" not in html


@pytest.mark.parametrize(
    "url",
    [
        "/hate-reports/",
        "/hate-reports/repeats/",
        "/hate-reports/{id}/",
        "/hate-reports/{id}/triage/",
        "/hate-reports/{id}/refer/",
        "/hate-reports/{id}/close/",
    ],
)
def test_centre_staff_never_reach_the_triage_pages(
    client: Client,
    personas: dict[str, Any],
    sign_in: Any,
    centre: ReportingCentre,
    actor: ActorOf,
    url: str,
) -> None:
    own = do_submit_centre_report(details(), actor=actor("rita.reporter"))
    sign_in(client, personas["rita.reporter"])
    r = client.get(url.format(id=own.pk))
    assert r.status_code == 403
    assert own.reference not in r.content.decode()
    post = client.post(f"/hate-reports/{own.pk}/case/", {"version": 1})
    assert post.status_code == 403


def test_the_reporting_centre_role_sees_no_hate_report(
    centre: ReportingCentre, actor: ActorOf, report: Make
) -> None:
    from saferleeds.hate.access import hate_reports_visible_to

    do_submit_centre_report(details(), actor=actor("rita.reporter"))
    report()
    assert not hate_reports_visible_to(actor("rita.reporter")).exists()


@pytest.mark.parametrize(
    "username", ["carol.coordinator", "pete.practitioner", "iris.ig", "ed.executive"]
)
def test_only_centre_staff_use_the_centre_pages(
    client: Client,
    personas: dict[str, Any],
    sign_in: Any,
    centre: ReportingCentre,
    actor: ActorOf,
    username: str,
) -> None:
    sign_in(client, personas[username])
    assert client.get("/hate-reports/centre/").status_code == 403
    assert client.get("/hate-reports/centre/new/").status_code == 403
    assert client.post("/hate-reports/centre/new/", form()).status_code == 403
    with pytest.raises(Forbidden):
        do_submit_centre_report(details(), actor=actor(username))
    assert not HateReport.objects.exists()


def test_the_role_without_an_active_centre_is_refused(
    client: Client, personas: dict[str, Any], sign_in: Any, actor: ActorOf
) -> None:
    # rita has the role but (no centre fixture) no centre.
    sign_in(client, personas["rita.reporter"])
    assert client.get("/hate-reports/centre/").status_code == 403
    with pytest.raises(Forbidden):
        do_submit_centre_report(details(), actor=actor("rita.reporter"))
    c = do_ensure_reporting_centre(
        "Closed Centre", agency=Agency.objects.get(code="lcc"), actor=None
    )
    do_ensure_centre_staff("rita.reporter", centre=c, password=None, actor=None)
    assert client.get("/hate-reports/centre/").status_code == 200
    ReportingCentre.objects.filter(pk=c.pk).update(active=False)
    assert client.get("/hate-reports/centre/").status_code == 403


def test_a_centres_reports_are_held_by_its_agency(
    personas: dict[str, Any], other_centre: ReportingCentre, actor: ActorOf
) -> None:
    from saferleeds.hate.access import hate_reports_visible_to

    r = do_submit_centre_report(
        details(), actor=actor_for(User.objects.get(username="sue.union"))
    )
    assert r.agency.code == "wyp"
    assert hate_reports_visible_to(actor("pete.practitioner")).filter(pk=r.pk).exists()
    assert not hate_reports_visible_to(actor("carol.coordinator")).exists()


def test_ensuring_a_centre_and_staff_is_safe_to_repeat_and_audited(
    personas: dict[str, Any],
) -> None:
    lcc = Agency.objects.get(code="lcc")
    a = do_ensure_reporting_centre("Hub", agency=lcc, actor=None)
    b = do_ensure_reporting_centre("Hub", agency=lcc, address="New address", actor=None)
    assert (
        a.pk == b.pk and ReportingCentre.objects.get(pk=a.pk).address == "New address"
    )
    ops = list(
        AuditEntry.objects.filter(event="incidents.reporting_centre.ensure")
        .order_by("seq")
        .values_list("operation", flat=True)
    )
    assert ops == [Operation.COLLECTION, Operation.ALTERATION]
    user = do_ensure_centre_staff("new.worker", centre=a, password="x" * 16, actor=None)
    do_ensure_centre_staff("new.worker", centre=a, password=None, actor=None)
    assert list(user.role_grants.values_list("role", flat=True)) == [
        Role.REPORTING_CENTRE
    ]
    assert user.reporting_centre_staff.centre == a and user.membership.agency == lcc


# --- The command line ---------------------------------------------------------------------


@pytest.mark.database_child  # its command's own process uses the database
def test_cli_creates_centres_and_staff(tmp_path: Path) -> None:
    assert saferleeds(tmp_path, "manage", "migrate", "-v", "0").returncode == 0
    manage_shell(
        tmp_path,
        "from saferleeds.partners.models import Agency; "
        "Agency.objects.get_or_create(code='lcc', defaults={'name': 'Leeds City "
        "Council', 'kind': 'responsible_authority'}); "
        "from django.contrib.auth.models import User; "
        "User.objects.get_or_create(username='carol.coordinator'); "
        # The PostgreSQL run shares one database across runs: start without tom.
        "User.objects.filter(username='tom.hub').delete()",
    )
    bad = saferleeds(tmp_path, "users", "centre-add", "Hub", "--agency", "nope")
    assert bad.returncode == 1 and "no agency" in bad.stderr
    ok = saferleeds(
        tmp_path, "users", "centre-add", "City Hub", "--agency", "lcc", "--address", "X"
    )
    assert ok.returncode == 0, ok.stderr
    staff = saferleeds(
        tmp_path, "users", "centre-staff-add", "tom.hub", "--centre", "City Hub"
    )
    assert staff.returncode == 0, staff.stderr
    password = staff.stdout.strip()
    assert len(password) >= 16
    check = manage_shell(
        tmp_path,
        "from django.contrib.auth.models import User; u = User.objects.get("
        f"username='tom.hub'); print(u.check_password('{password}'), "
        "u.reporting_centre_staff.centre.name, list(u.role_grants.values_list("
        "'role', flat=True)))",
    )
    assert "True City Hub ['reporting_centre']" in check
    again = saferleeds(
        tmp_path, "users", "centre-staff-add", "tom.hub", "--centre", "City Hub"
    )
    assert again.returncode == 0 and again.stdout == "" and "Updated" in again.stderr
    # An existing partner account is not turned into centre staff.
    taken = saferleeds(
        tmp_path,
        "users",
        "centre-staff-add",
        "carol.coordinator",
        "--centre",
        "City Hub",
    )
    assert taken.returncode == 1 and "not centre staff" in taken.stderr
    missing = saferleeds(tmp_path, "users", "centre-staff-add", "x", "--centre", "Nope")
    assert missing.returncode == 1
    listed = saferleeds(tmp_path, "users", "centre-list")
    assert "City Hub" in listed.stdout and "tom.hub" in listed.stdout
