"""The triage queue and repeat locations (issue #16, item 4).

The queue lists open reports oldest first, hides closed ones unless asked for, and ages
each against the configurable triage service level. Repeat locations match by postcode,
by street in the same postcode district, and by distance between points. The public form
hides contact questions under "stay anonymous" (GOV.UK conditional reveal) and gives
Stop Hate UK's number.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saferleeds.hate.access_pages import QueueFilters, read_hate_queue
from saferleeds.hate.actions import do_close_hate_report
from saferleeds.hate.models import HateReport
from saferleeds.hate.repeats import (
    find_repeats,
    metres_between,
    postcode_district,
    street_of,
)
from saferleeds.partners.policy import Actor

Make = Callable[..., HateReport]
ActorOf = Callable[[str], Actor]


def received_days_ago(report: HateReport, days: int) -> HateReport:
    """Back-date when the report was received (``received_at`` is set on insert)."""
    HateReport.objects.filter(pk=report.pk).update(
        received_at=timezone.now() - timedelta(days=days)
    )
    report.refresh_from_db()
    return report


def test_queue_oldest_open_first_closed_hidden_unless_asked(
    report: Make, actor: ActorOf
) -> None:
    carol = actor("carol.coordinator")
    february = received_days_ago(report(), 290)
    last_week = received_days_ago(report(), 7)
    today = report()
    closed = received_days_ago(report(), 400)
    do_close_hate_report(closed.pk, actor=carol, expected_version=closed.version)

    page = read_hate_queue(carol)
    assert [r.report.pk for r in page.rows] == [february.pk, last_week.pk, today.pk]
    assert page.total == 3
    shown = read_hate_queue(carol, QueueFilters(show_closed=True))
    assert [r.report.pk for r in shown.rows][-1] == closed.pk  # closed last
    assert shown.total == 4
    only = read_hate_queue(carol, QueueFilters(status="closed"))
    assert [r.report.pk for r in only.rows] == [closed.pk]


def test_queue_ages_new_reports_against_the_service_level(
    report: Make, actor: ActorOf, casework_settings: Any
) -> None:
    carol = actor("carol.coordinator")
    old = received_days_ago(report(), 290)
    fresh = received_days_ago(report(), 2)
    page = read_hate_queue(carol)
    rows = {r.report.pk: r for r in page.rows}
    assert page.triage_days == 3  # the shipped setting
    assert (rows[old.pk].age_days, rows[old.pk].overdue) == (290, True)
    assert (rows[fresh.pk].age_days, rows[fresh.pk].overdue) == (2, False)
    assert page.overdue == 1

    casework_settings(hate={"triage_days": 1})
    page = read_hate_queue(carol)
    assert page.triage_days == 1 and page.overdue == 2


def test_queue_page_shows_age_warning_and_closed_toggle(
    report: Make, personas: dict[str, Any], sign_in: Any, actor: ActorOf
) -> None:
    carol = actor("carol.coordinator")
    received_days_ago(report(), 290)
    closed = report()
    do_close_hate_report(closed.pk, actor=carol, expected_version=closed.version)
    client = sign_in(Client(), personas["carol.coordinator"])
    html = client.get("/hate-reports/").content.decode()
    assert "290 days" in html and "Over 3-day triage target" in html
    assert "1 new report has waited longer than the 3-day" in html
    assert closed.reference not in html
    assert "Show closed reports" in html
    html = client.get("/hate-reports/?closed=on").content.decode()
    assert closed.reference in html


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("Bus stop outside 12 Boar Ln, city centre", "boar lane"),
        ("boar lane", "boar lane"),
        ("Outside Tesco on Harehills Lane", "harehills lane"),
        ("34a Chapeltown Rd", "chapeltown road"),
        ("Roundhay Road near the Fforde Grene", "roundhay road"),
        ("The park", ""),
        ("On the number 4 bus", ""),
    ],
)
def test_street_of(text: str, street: str) -> None:
    assert street_of(text) == street


def test_postcode_district_and_distance() -> None:
    assert postcode_district("ls1 6hw") == "LS1"
    assert postcode_district("LS28 5AB") == "LS28"
    assert postcode_district("") == ""
    # City Square to Leeds station's front, about 110 m.
    assert 90 < metres_between((53.7958, -1.5474), (53.7952, -1.5460)) < 130


def test_repeat_locations_by_street_in_the_same_district(report: Make) -> None:
    a = report(location="Bus stop outside 12 Boar Ln", postcode="LS1 6HW")
    b = report(location="Boar Lane, by the church", postcode="LS1 6EZ")
    c = report(location="Boar Lane", postcode="")  # one district has a Boar Lane
    elsewhere = report(location="Church Road", postcode="LS6 1AA")
    other = report(location="Church Road", postcode="LS12 1AA")  # another district
    found = find_repeats(HateReport.objects.all())
    groups = {frozenset(r.pk for r in g.reports): g for g in found.locations}
    boar = groups[frozenset({a.pk, b.pk, c.pk})]
    assert any("Boar Lane (LS1)" in reason for reason in boar.reasons)
    assert found.location_count[a.pk] == 3
    assert found.location_count[elsewhere.pk] == 1
    assert found.location_count[other.pk] == 1


def test_repeat_locations_by_distance(report: Make, casework_settings: Any) -> None:
    # Different streets and postcodes, 110 m apart; a third report 2 km away.
    a = report(location="City Square", postcode="LS1 2ES")
    b = report(location="New Station Street", postcode="LS1 4DY")
    far = report(location="Hyde Park", postcode="LS6 1AX")
    for r, point in [
        (a, (53.7958, -1.5474)),
        (b, (53.7952, -1.5460)),
        (far, (53.8130, -1.5640)),
    ]:
        HateReport.objects.filter(pk=r.pk).update(latitude=point[0], longitude=point[1])
    found = find_repeats(HateReport.objects.all())
    (group,) = found.locations
    assert {r.pk for r in group.reports} == {a.pk, b.pk}
    assert group.reasons == ["within 200 m"]
    casework_settings(hate={"repeat_distance_m": 50})
    assert find_repeats(HateReport.objects.all()).locations == []


def test_exact_postcode_still_matches(report: Make) -> None:
    a = report(location="Park", postcode="LS9 7AB")
    b = report(location="Shop", postcode="ls9 7ab")
    (group,) = find_repeats(HateReport.objects.all()).locations
    assert {r.pk for r in group.reports} == {a.pk, b.pk}
    assert group.reasons == ["same postcode"]


def test_public_form_reveals_contact_questions_under_no_and_gives_stop_hate_uk(
    db: None,
) -> None:
    html = Client().get("/report/hate/").content.decode()
    assert 'data-aria-controls="conditional-contact"' in html
    assert (
        'class="govuk-radios__conditional govuk-radios__conditional--hidden" '
        'id="conditional-contact"'
    ) in html
    assert "Stop Hate UK" in html and "0800 138 1625" in html
    assert 'href="tel:08001381625"' in html


def test_repeats_page_says_how_locations_matched(
    report: Make, personas: dict[str, Any], sign_in: Any
) -> None:
    report(location="Bus stop outside 12 Boar Ln", postcode="LS1 6HW")
    report(location="Boar Lane, by the church", postcode="LS1 6EZ")
    client = sign_in(Client(), personas["carol.coordinator"])
    html = client.get("/hate-reports/repeats/").content.decode()
    assert "Matched by" in html
    assert "Same street: Boar Lane (LS1)" in html
