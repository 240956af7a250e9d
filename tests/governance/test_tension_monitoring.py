"""Community tension monitoring (issue #15 item 5): levels per area per week with their
trend, linked records through the access layer, events, the weekly return (page and
audited CSV) and the map of current levels by ward."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.governance.actions import do_record_tension_report
from saferleeds.governance.models import TensionEvent, TensionLink
from saferleeds.governance.tension_actions import (
    TensionInputError,
    do_link_tension_record,
    do_record_tension_event,
)
from saferleeds.governance.tensions import ReportFacts, monday, weekly_return
from saferleeds.hate.actions import do_receive_hate_report
from saferleeds.partners.policy import Forbidden, NotFound, actor_for
from saferleeds.partnership import current
from saferleeds.places.actions import do_load_geography
from saferleeds.places.models import Area
from tests.hate.conftest import details
from tests.partners.matrix import may_open_tensions, role_set

pytestmark = pytest.mark.django_db

W0 = date(2026, 11, 2)  # a Monday
W1, W2, W3 = (W0 + timedelta(weeks=n) for n in (1, 2, 3))


def _actor(username: str) -> Any:
    return actor_for(User.objects.get(username=username), purpose="test")


def _facts(area: int, week: date, level: int, grading: str = "Evidenced") -> Any:
    return ReportFacts(
        area,
        f"Area {area}",
        f"A{area}",
        "Ward",
        week,
        level,
        grading,
        f"indicators {area} {week} {level}",
        "Police",
    )


# The weekly return, against hand-worked weeks -------------------------------------------


def test_weekly_return_levels_trends_and_carried_areas() -> None:
    reports = [
        _facts(1, W0, 2),
        _facts(1, W1, 3),
        _facts(1, W1, 1, "Potential"),  # a lower report the same week: highest wins
        _facts(2, W0, 4),
        _facts(2, W1, 2),
        _facts(3, W0, 3),  # not reported in W1: carried
        _facts(4, W1, 1),  # first report in W1: new
        _facts(5, W2, 5),  # after the week: not in W1's return
    ]
    rows = {r.area_id: r for r in weekly_return(reports, W1 + timedelta(days=3))}
    assert set(rows) == {1, 2, 3, 4}
    assert (rows[1].level, rows[1].previous, rows[1].trend, rows[1].reports) == (
        3,
        2,
        "rising",
        2,
    )
    assert rows[1].gradings == ("Evidenced", "Potential")
    assert (rows[2].level, rows[2].trend) == (2, "falling")
    assert (rows[3].level, rows[3].carried, rows[3].trend, rows[3].last_week) == (
        3,
        True,
        "not reported",
        W0,
    )
    assert (rows[4].level, rows[4].previous, rows[4].trend) == (1, None, "new")
    # Highest level first, reported before carried at the same level.
    order = [r.area_id for r in weekly_return(reports, W1)]
    assert order == [1, 3, 2, 4]
    assert monday(date(2026, 11, 8)) == W0  # a Sunday belongs to the week before


def test_steady_compares_with_the_last_week_reported_not_the_calendar() -> None:
    rows = weekly_return([_facts(1, W0, 3), _facts(1, W3, 3)], W3)
    assert (rows[0].previous, rows[0].trend) == (3, "steady")


# Pages and access -----------------------------------------------------------------------


@pytest.fixture
def wards(personas: dict[str, Any]) -> list[Area]:
    do_load_geography(current(), actor=None)
    return list(Area.objects.filter(level=Area.Level.WARD).order_by("name"))


def _report(area: Area, week: date, level: int, who: str = "carol.coordinator") -> Any:
    return do_record_tension_report(
        area.pk,
        week_starting=week,
        level=level,
        grading="evidenced",
        indicators=f"Level {level} indicators",
        actor=_actor(who),
    )


def test_every_tension_page_follows_the_read_rule_for_every_persona(
    personas: dict[str, Any], sign_in: Any, wards: list[Area]
) -> None:
    _report(wards[0], monday(timezone.localdate()), 3)
    pages = (
        "/plan/tensions/map/",
        "/plan/tensions/return/",
        "/plan/tensions/return.csv",
        f"/plan/tensions/areas/{wards[0].pk}/",
    )
    for username, user in personas.items():
        client = sign_in(Client(), user)
        allowed = may_open_tensions(role_set(user))
        for url in pages:
            status = client.get(url).status_code
            assert status == (200 if allowed else 403), (username, url, status)


def test_unknown_area_and_bad_week_are_not_found(
    personas: dict[str, Any], sign_in: Any, wards: list[Area]
) -> None:
    client = sign_in(Client(), personas["aisha.analyst"])
    lsoa = Area.objects.filter(level=Area.Level.LSOA).first()
    assert lsoa is not None
    assert client.get(f"/plan/tensions/areas/{lsoa.pk}/").status_code == 404
    assert client.get("/plan/tensions/areas/999999/").status_code == 404
    assert client.get("/plan/tensions/return/?week=last-week").status_code == 404


def test_area_page_shows_weekly_levels_with_trends(
    personas: dict[str, Any], sign_in: Any, wards: list[Area]
) -> None:
    this = monday(timezone.localdate())
    for n, level in enumerate((2, 2, 4)):
        _report(wards[0], this - timedelta(weeks=2 - n), level)
    body = (
        sign_in(Client(), personas["ed.executive"])
        .get(f"/plan/tensions/areas/{wards[0].pk}/")
        .content.decode()
    )
    level = body.split('data-testid="area-level"')[1].split("</p>")[0]
    assert 'data-level="4"' in level and 'data-trend="rising"' in level
    weeks = body.split('data-testid="area-weeks"')[1].split("</table>")[0]
    trends = [t.split('"')[0] for t in weeks.split('data-trend="')[1:]]
    assert trends == ["rising", "steady", "new"]  # newest first


def test_map_lists_all_33_wards_with_their_current_level(
    personas: dict[str, Any], sign_in: Any, wards: list[Area]
) -> None:
    assert len(wards) == 33
    this = monday(timezone.localdate())
    _report(wards[5], this - timedelta(weeks=1), 2)
    _report(wards[5], this, 5)
    body = (
        sign_in(Client(), personas["aisha.analyst"])
        .get("/plan/tensions/map/")
        .content.decode()
    )
    table = body.split('data-testid="ward-levels"')[1].split("</table>")[0]
    assert table.count("data-ward=") == 33
    first = table.split("data-ward=")[1]
    assert wards[5].code in first and 'data-level="5"' in first
    assert 'data-trend="rising"' in first
    assert body.count('"type": "Feature"') == 33  # the boundaries, in the page
    assert "openstreetmap" not in body.lower() and "{z}" not in body  # no tiles


# Linked records through the access layer -----------------------------------------------


@pytest.fixture
def hate_report(personas: dict[str, Any]) -> Any:
    return do_receive_hate_report(details(location="Harehills Lane"), actor=None)


def test_link_only_what_the_linker_may_see_and_show_it_only_to_those_who_may(
    personas: dict[str, Any], sign_in: Any, wards: list[Area], hate_report: Any
) -> None:
    carol = _actor("carol.coordinator")
    report = _report(wards[0], monday(timezone.localdate()), 3)
    client = sign_in(Client(), personas["carol.coordinator"])
    page = client.get(f"/plan/tensions/areas/{wards[0].pk}/").content.decode()
    assert f'value="hate_report:{hate_report.pk}"' in page  # offered for linking
    r = client.post(
        f"/plan/tensions/areas/{wards[0].pk}/reports/{report.pk}/links/",
        {"record": f"hate_report:{hate_report.pk}"},
    )
    assert r.status_code == 302
    link = TensionLink.objects.get()
    assert (link.record_type, link.record_id) == ("hate_report", hate_report.pk)
    entry = AuditEntry.objects.filter(event="governance.tension.link").get()
    assert entry.operation == Operation.COMBINATION
    assert (entry.record_type, entry.record_id) == ("hate_report", str(hate_report.pk))
    # Linking again adds nothing.
    do_link_tension_record(
        report.pk, record_type="hate_report", record_id=hate_report.pk, actor=carol
    )
    assert TensionLink.objects.count() == 1
    # Carol sees it (and the view is logged); the analyst and the executive, who never
    # open hate reports, see only that a link exists.
    before = AuditEntry.objects.filter(event="governance.tension.linked.list").count()
    body = client.get(f"/plan/tensions/areas/{wards[0].pk}/").content.decode()
    links = body.split(f'data-testid="links-{report.pk}"')[1].split("</dd>")[0]
    assert f'data-link="hate_report:{hate_report.pk}"' in links
    assert hate_report.what_happened not in body
    assert (
        AuditEntry.objects.filter(event="governance.tension.linked.list").count()
        > before
    )
    for username in ("aisha.analyst", "ed.executive"):
        other = sign_in(Client(), personas[username])
        body = other.get(f"/plan/tensions/areas/{wards[0].pk}/").content.decode()
        links = body.split(f'data-testid="links-{report.pk}"')[1].split("</dd>")[0]
        assert "data-link=" not in links, username
        assert "1 linked record you may not open" in links, username


def test_a_record_the_linker_may_not_see_is_refused_like_a_missing_one(
    personas: dict[str, Any], wards: list[Area], hate_report: Any
) -> None:
    report = _report(wards[0], monday(timezone.localdate()), 2)
    # Pete (police) has no agreement sharing the council's hate reports: refused, as
    # for a missing record, and the refusal is logged.
    pete = _actor("pete.practitioner")
    assert hate_report.agency_id != pete.agency_id
    with pytest.raises(NotFound):
        do_link_tension_record(
            report.pk, record_type="hate_report", record_id=hate_report.pk, actor=pete
        )
    refusal = AuditEntry.objects.filter(operation=Operation.REFUSAL).last()
    assert refusal is not None and refusal.record_id == str(hate_report.pk)
    with pytest.raises(NotFound):
        do_link_tension_record(
            report.pk,
            record_type="hate_report",
            record_id=999999,
            actor=_actor("carol.coordinator"),
        )
    assert AuditEntry.objects.filter(operation=Operation.REFUSAL).count() == 2
    with pytest.raises(Forbidden):
        do_link_tension_record(
            report.pk,
            record_type="hate_report",
            record_id=hate_report.pk,
            actor=_actor("aisha.analyst"),
        )
    with pytest.raises(TensionInputError):
        do_link_tension_record(
            report.pk,
            record_type="person",
            record_id=1,
            actor=_actor("carol.coordinator"),
        )
    assert not TensionLink.objects.exists()


# Events ---------------------------------------------------------------------------------


def test_events_recorded_audited_and_shown_in_the_return(
    personas: dict[str, Any], sign_in: Any, wards: list[Area]
) -> None:
    today = timezone.localdate()
    client = sign_in(Client(), personas["pete.practitioner"])
    url = f"/plan/tensions/areas/{wards[1].pk}/events/"
    bad = client.post(
        url,
        {
            "title": "March past 12 Harehills Lane",
            "happens_on_day": str(today.day),
            "happens_on_month": str(today.month),
            "happens_on_year": str(today.year),
        },
    )
    assert bad.status_code == 400 and "Remove personal data" in bad.content.decode()
    missing = client.post(url, {"title": "", "happens_on_day": ""})
    assert missing.status_code == 400
    assert "Enter what the event is" in missing.content.decode()
    ok = client.post(
        url,
        {
            "title": "Football derby",
            "happens_on_day": str(today.day),
            "happens_on_month": str(today.month),
            "happens_on_year": str(today.year),
        },
    )
    assert ok.status_code == 302
    assert TensionEvent.objects.get().title == "Football derby"
    assert AuditEntry.objects.filter(
        event="governance.tension.event", operation=Operation.COLLECTION
    ).exists()
    _report(wards[1], today, 2)
    body = client.get("/plan/tensions/return/").content.decode()
    assert "Football derby" in body.split('data-testid="return-events"')[1]
    with pytest.raises(Forbidden):
        do_record_tension_event(
            wards[1].pk, happens_on=today, title="x", actor=_actor("ed.executive")
        )
    readers = sign_in(Client(), personas["ed.executive"])
    assert readers.post(url, {"title": "x"}).status_code == 403


# The weekly return ----------------------------------------------------------------------


def test_weekly_return_csv_matches_the_page_and_is_audited_as_a_disclosure(
    personas: dict[str, Any], sign_in: Any, wards: list[Area]
) -> None:
    this = monday(timezone.localdate())
    _report(wards[0], this - timedelta(weeks=1), 2)
    _report(wards[0], this, 4)
    _report(wards[1], this - timedelta(weeks=1), 3)  # carried this week
    do_record_tension_report(
        wards[2].pk,
        week_starting=this,
        level=1,
        grading="potential",
        indicators='=HYPERLINK("x")',
        actor=_actor("pete.practitioner"),
    )
    client = sign_in(Client(), personas["ed.executive"])
    page = client.get("/plan/tensions/return/", {"week": this.isoformat()})
    body = page.content.decode()
    table = body.split('data-testid="return"')[1].split("</table>")[0]
    assert [c.split('"')[0] for c in table.split('data-area="')[1:]] == [
        wards[0].code,
        wards[1].code,
        wards[2].code,
    ]
    response = client.get("/plan/tensions/return.csv", {"week": this.isoformat()})
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    got = {r["area_code"]: r for r in rows}
    assert (got[wards[0].code]["level"], got[wards[0].code]["trend"]) == ("4", "rising")
    assert got[wards[0].code]["previous_level"] == "2"
    assert got[wards[1].code]["reported_this_week"] == "no"
    assert got[wards[2].code]["indicators"].startswith("'=")  # formula neutralised
    disclosures = AuditEntry.objects.filter(
        event="governance.tension.return.export", operation=Operation.DISCLOSURE
    )
    assert disclosures.count() == 2  # the week's two reports, not the carried one
    assert {e.recipient for e in disclosures} == {"CSV download"}
    views = AuditEntry.objects.filter(event="governance.tension.return.view")
    assert views.count() == 2
    # A week with nothing reported is said so, and the export is still logged.
    empty = client.get("/plan/tensions/return/", {"week": "2020-01-06"})
    assert 'data-testid="no-return"' in empty.content.decode()
    client.get("/plan/tensions/return.csv", {"week": "2020-01-06"})
    assert (
        AuditEntry.objects.filter(event="governance.tension.return.export").count() == 3
    )
