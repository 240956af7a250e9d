"""The partnership's own inputs to the Joint Strategic Assessment (issue #15 items 1
and 2): priority scores entered per theme and carried year to year, the PESTELO
horizon scan and recommendations that feed the plan; audited; used by the JSA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from saferleeds.analytics.jsa import build_assessment, parse_year
from saferleeds.analytics.jsa_html import render_html
from saferleeds.analytics.store import open_store
from saferleeds.audit.models import AuditEntry
from saferleeds.governance.actions import (
    StatusError,
    do_add_horizon_item,
    do_add_recommendation,
    do_carry_priority_scores,
    do_confirm_priority_score,
    do_load_plan,
    do_make_deliverable_from_recommendation,
    do_save_priority_score,
)
from saferleeds.governance.assessment import build_document
from saferleeds.governance.models import (
    Board,
    Deliverable,
    PriorityScore,
    Recommendation,
)
from saferleeds.governance.priorities import partnership_inputs, themes
from saferleeds.locking import Conflict
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Forbidden, actor_for
from tests.analytics.test_jsa import make_store
from tests.partners.matrix import may_open_assessment, role_set

pytestmark = pytest.mark.django_db


def _actor(username: str) -> Any:
    return actor_for(User.objects.get(username=username), purpose="test")


def _score(year: int, theme: str, username: str = "aisha.analyst", **kw: Any) -> Any:
    values = {
        "method": "morile",
        "harm": 3,
        "likelihood": 4,
        "organisational_position": 2,
        "confidence": "Medium",
    } | kw
    return do_save_priority_score(year, theme, actor=_actor(username), **values)


@pytest.fixture
def plan(personas: dict[str, Any]) -> None:
    do_load_plan(actor=None)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_store(tmp_path_factory.mktemp("jsa-inputs") / "analytics.duckdb")


def test_every_persona_gets_the_assessment_answer(
    personas: dict[str, Any], sign_in: Any
) -> None:
    seen = set()
    for username, user in personas.items():
        client = sign_in(Client(), user)
        allowed = may_open_assessment(role_set(user))
        seen.add(allowed)
        for url in ("/plan/jsa/2017-18/", "/plan/jsa/2017-18/scores/new/"):
            status = client.get(url).status_code
            assert status == (200 if allowed else 403), (username, url, status)
        if not allowed:
            assert client.post("/plan/jsa/2017-18/carry/").status_code == 403
    assert seen == {True, False}


@pytest.mark.parametrize("slug", ["2017-19", "2017", "17-18", "1999-00"])
def test_bad_year_addresses_are_not_found(
    personas: dict[str, Any], sign_in: Any, slug: str
) -> None:
    client = sign_in(Client(), personas["aisha.analyst"])
    assert client.get(f"/plan/jsa/{slug}/").status_code == 404


def test_scores_entered_checked_and_audited(personas: dict[str, Any]) -> None:
    score = _score(2017, "Burglary")
    assert score.confirmed and score.carried_from is None
    with pytest.raises(StatusError, match="already scored"):
        _score(2017, "Burglary")
    with pytest.raises(StatusError, match="organisational position"):
        _score(2017, "Drugs", organisational_position=None)
    with pytest.raises(StatusError, match="impact"):
        _score(2017, "Drugs", method="grid", harm=5)
    grid = _score(2017, "Drugs", method="grid", harm=2, likelihood=2)
    assert grid.organisational_position is None  # not kept on the grid
    with pytest.raises(Forbidden):
        _score(2017, "Robbery", username="pete.practitioner")
    changed = do_save_priority_score(
        2017,
        "Burglary",
        method="grid",
        harm=1,
        likelihood=1,
        organisational_position=None,
        confidence="Low",
        expected_version=score.version,
        actor=_actor("ed.executive"),
    )
    assert (changed.harm, changed.version) == (1, 2)
    with pytest.raises(Conflict):
        _score(2017, "Burglary", expected_version=1)
    events = AuditEntry.objects.filter(event="governance.priority_score.save")
    assert events.count() == 3
    assert events.order_by("id").last().detail["from"] == {"harm": 3, "likelihood": 4}


def test_scores_carried_to_next_year_until_confirmed(personas: dict[str, Any]) -> None:
    _score(2016, "Burglary")
    _score(2016, "Hate crime", harm=4)
    _score(2017, "Hate crime", harm=2)  # already scored this year: not carried
    with pytest.raises(StatusError, match="No scores were entered for 2015/16"):
        do_carry_priority_scores(2016, actor=_actor("carol.coordinator"))
    assert do_carry_priority_scores(2017, actor=_actor("carol.coordinator")) == 1
    assert do_carry_priority_scores(2017, actor=_actor("carol.coordinator")) == 0
    carried = PriorityScore.objects.get(year=2017, theme="Burglary")
    assert (carried.carried_from, carried.confirmed) == (2016, False)
    assert PriorityScore.objects.get(year=2017, theme="Hate crime").harm == 2
    inputs = partnership_inputs(2017)
    assert [(s.theme, s.carried) for s in inputs.scores] == [
        ("Burglary", True),
        ("Hate crime", False),
    ]
    do_confirm_priority_score(carried.pk, actor=_actor("ed.executive"))
    with pytest.raises(StatusError, match="already confirmed"):
        do_confirm_priority_score(carried.pk, actor=_actor("ed.executive"))
    assert not any(s.carried for s in partnership_inputs(2017).scores)
    assert (
        AuditEntry.objects.filter(event="governance.priority_score.carry").count() == 1
    )
    assert (
        AuditEntry.objects.filter(event="governance.priority_score.confirm").count()
        == 1
    )


def test_carry_and_confirm_through_the_pages(
    personas: dict[str, Any], sign_in: Any
) -> None:
    _score(2016, "Burglary")
    client = sign_in(Client(), personas["carol.coordinator"])
    page = client.get("/plan/jsa/2017-18/").content.decode()
    assert "Carry 1 score from 2016/17" in page
    assert client.post("/plan/jsa/2017-18/carry/").status_code == 302
    page = client.get("/plan/jsa/2017-18/").content.decode()
    assert 'data-testid="carried"' in page and "not yet confirmed" in page
    score = PriorityScore.objects.get(year=2017)
    assert (
        client.post(f"/plan/jsa/2017-18/scores/{score.pk}/confirm/").status_code == 302
    )
    page = client.get("/plan/jsa/2017-18/").content.decode()
    assert 'data-testid="carried"' not in page
    # A score of another year is not this page's.
    other = _score(2016, "Drugs")
    assert client.get(f"/plan/jsa/2017-18/scores/{other.pk}/").status_code == 404


def test_score_form_errors_and_save(personas: dict[str, Any], sign_in: Any) -> None:
    client = sign_in(Client(), personas["aisha.analyst"])
    r = client.post("/plan/jsa/2017-18/scores/new/", {"method": "morile"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "Select the theme" in body and "Select a likelihood score" in body
    r = client.post(
        "/plan/jsa/2017-18/scores/new/",
        {
            "theme": "Domestic violence and abuse",
            "method": "morile",
            "harm": "4",
            "likelihood": "3",
            "confidence": "High",
        },
    )
    assert r.status_code == 400
    assert "Select an organisational position score" in r.content.decode()
    r = client.post(
        "/plan/jsa/2017-18/scores/new/",
        {
            "theme": "Domestic violence and abuse",
            "method": "morile",
            "harm": "4",
            "likelihood": "3",
            "organisational_position": "2",
            "confidence": "High",
        },
    )
    assert r.status_code == 302
    page = client.get("/plan/jsa/2017-18/").content.decode()
    assert "Domestic violence and abuse" in page
    assert "Domestic violence and abuse" in themes()


def test_recommendation_becomes_a_deliverable_on_the_plan(
    plan: None, personas: dict[str, Any], sign_in: Any
) -> None:
    rec = do_add_recommendation(
        2017,
        text="Target-harden homes in the burglary hotspots",
        theme="Burglary",
        actor=_actor("aisha.analyst"),
    )
    client = sign_in(Client(), personas["aisha.analyst"])
    url = f"/plan/jsa/2017-18/recommendations/{rec.pk}/"
    page = client.get(url).content.decode()
    assert "Target-harden homes in the burglary hotspots" in page
    r = client.post(url, {"form": "new", "title": "", "priority": ""})
    assert r.status_code == 400 and "Enter the deliverable" in r.content.decode()
    wyp = Agency.objects.get(code="wyp")
    board = Board.objects.get(key="executive")
    r = client.post(
        url,
        {
            "form": "new",
            "title": "Target-harden 500 homes",
            "priority": "3",
            "lead_agency": wyp.pk,
            "board": board.pk,
        },
    )
    assert r.status_code == 302
    d = Deliverable.objects.get(title="Target-harden 500 homes")
    assert (d.lead_agency, d.board, d.priority.number) == (wyp, board, 3)
    assert Recommendation.objects.get(pk=rec.pk).deliverable == d
    assert client.get("/plan/").content.decode().count("Target-harden 500 homes") == 1
    with pytest.raises(StatusError, match="already feeds"):
        do_make_deliverable_from_recommendation(
            rec.pk,
            title="again",
            priority_number=3,
            lead_agency_id=wyp.pk,
            board_id=board.pk,
            actor=_actor("aisha.analyst"),
        )
    other = do_add_recommendation(
        2017, text="Keep hate crime a priority", actor=_actor("ed.executive")
    )
    r = client.post(
        f"/plan/jsa/2017-18/recommendations/{other.pk}/",
        {"form": "link", "deliverable": d.pk},
    )
    assert r.status_code == 302
    page = client.get("/plan/jsa/2017-18/").content.decode()
    assert page.count("Target-harden 500 homes") == 2
    assert (
        AuditEntry.objects.filter(event="governance.recommendation.link").count() == 2
    )
    recs = partnership_inputs(2017).recommendations
    assert [(r.deliverable, r.lead_agency) for r in recs] == [
        ("Target-harden 500 homes", wyp.name),
        ("Target-harden 500 homes", wyp.name),
    ]


def test_horizon_scan_entered(personas: dict[str, Any], sign_in: Any) -> None:
    client = sign_in(Client(), personas["ed.executive"])
    r = client.post("/plan/jsa/2017-18/horizon/", {"heading": "", "text": ""})
    assert r.status_code == 400
    assert "Select the PESTELO heading" in r.content.decode()
    r = client.post(
        "/plan/jsa/2017-18/horizon/",
        {"heading": "legal", "text": "Serious Violence Duty from January"},
    )
    assert r.status_code == 302
    assert partnership_inputs(2017).horizon == (
        ("legal", "Serious Violence Duty from January"),
    )
    assert AuditEntry.objects.filter(event="governance.horizon.add").count() == 1


def test_the_assessment_page_uses_the_entered_inputs(
    plan: None, personas: dict[str, Any], settings: Any, store_path: Path
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = store_path
    analyst = _actor("aisha.analyst")
    before = build_document(analyst, store_path, "2017/18").html
    _score(2017, "Burglary", harm=4, likelihood=4, organisational_position=3)
    do_add_horizon_item(
        2017, heading="economic", text="Cost of living rises", actor=analyst
    )
    do_add_recommendation(2017, text="Review burglary prevention", actor=analyst)
    first = build_document(analyst, store_path, "2017/18").html
    assert first != before
    assert first == build_document(analyst, store_path, "2017/18").html
    assert "Cost of living rises" in first and "Review burglary prevention" in first
    assert "Scored by" in first
    # The same document as the analytics build given the same inputs.
    with open_store(store_path, read_only=True) as s:
        direct = render_html(
            build_assessment(s, parse_year("2017/18"), inputs=partnership_inputs(2017))
        )
    assert direct == first
    # Another year's inputs do not leak in.
    assert (
        "Cost of living rises"
        not in build_document(analyst, store_path, "2016/17").html
    )
