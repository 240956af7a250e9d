"""Domestic Abuse Related Death Reviews (issue #15 item 4): the actions and their audit,
the overdue boundary, the stage, the roll-up against an independent count, who opens
what (pages and API), the tracker's filters and its audited CSV export, the demo."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.dardr.access_pages import (
    TrackerFilters,
    read_dardr_index,
    read_tracker,
    summarise,
    tracker_csv,
)
from saferleeds.dardr.actions import (
    DardrError,
    do_add_dardr_recommendation,
    do_mark_recommendation_implemented,
    do_record_dardr_decision,
    do_record_dardr_notification,
    do_request_dardr_imr,
    do_update_dardr_progress,
    do_update_recommendation_status,
)
from saferleeds.dardr.models import DeathReview, Recommendation, RecommendationChange
from saferleeds.dardr.rules import is_overdue, stage_of
from saferleeds.demo.dardr import seed_dardr
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Forbidden, NotFound, actor_for

pytestmark = pytest.mark.django_db

OPENERS = ("carol.coordinator", "aisha.analyst")
FIGURES_ONLY = ("ed.executive",)
REFUSED = (
    "pete.practitioner",
    "fran.agencyadmin",
    "iris.ig",
    "sam.sysadmin",
    "nadia.probation",
    "harry.health",
    "rita.reporter",
)


def _actor(username: str) -> Any:
    return actor_for(User.objects.get(username=username), purpose="test")


def _agency(code: str) -> int:
    return Agency.objects.get(code=code).pk


@pytest.fixture
def review(personas: dict[str, Any]) -> DeathReview:
    """A review the council commissioned a year ago, decided on 11 months ago."""
    carol = _actor("carol.coordinator")
    today = timezone.localdate()
    r = do_record_dardr_notification(
        reference="DARDR T/1",
        pseudonym="Adult T",
        deceased_name="Tess Secretname",
        date_of_death=today - timedelta(days=370),
        notified_by_id=_agency("wyp"),
        notified_on=today - timedelta(days=365),
        actor=carol,
    )
    return do_record_dardr_decision(
        r.pk,
        decision="review",
        decided_on=today - timedelta(days=335),
        chair="A. Chair",
        expected_version=r.version,
        actor=carol,
    )


def _add(review: DeathReview, due: date, owner: str = "wyp") -> Recommendation:
    return do_add_dardr_recommendation(
        review.pk,
        text="Train call handlers on coercive control",
        owner_agency_id=_agency(owner),
        due_on=due,
        expected_change="Coercive control identified on calls",
        actor=_actor("carol.coordinator"),
    )


# --- actions -------------------------------------------------------------------------


def test_actions_change_the_review_and_audit_each_change(review: DeathReview) -> None:
    carol = _actor("carol.coordinator")
    today = timezone.localdate()
    before = AuditEntry.objects.count()
    imr = do_request_dardr_imr(
        review.pk,
        agency_id=_agency("ccg"),
        requested_on=today - timedelta(days=300),
        actor=carol,
    )
    review.refresh_from_db()
    assert list(review.panel_agencies.values_list("code", flat=True)) == ["ccg"]
    rec = _add(review, today + timedelta(days=30))
    assert rec.number == 1 and rec.status == "open"
    rec = do_update_recommendation_status(
        rec.pk, status="in_progress", note="Started", expected_version=1, actor=carol
    )
    rec = do_mark_recommendation_implemented(
        rec.pk,
        evidence="Training records for 400 staff",
        implemented_on=today,
        expected_version=rec.version,
        actor=carol,
    )
    assert (rec.status, rec.implemented_on, rec.evidence) == (
        "implemented",
        today,
        "Training records for 400 staff",
    )
    history = list(
        RecommendationChange.objects.filter(recommendation=rec).order_by("id")
    )
    assert [(h.from_status, h.to_status) for h in history] == [
        ("", "open"),
        ("open", "in_progress"),
        ("in_progress", "implemented"),
    ]
    events = list(
        AuditEntry.objects.filter(seq__gt=before)
        .order_by("seq")
        .values_list("event", "operation", "record_type")
    )
    assert events == [
        ("dardr.review.imr_request", Operation.ALTERATION, "dardr_review"),
        ("dardr.recommendation.add", Operation.COLLECTION, "dardr_recommendation"),
        ("dardr.recommendation.status", Operation.ALTERATION, "dardr_recommendation"),
        (
            "dardr.recommendation.implemented",
            Operation.ALTERATION,
            "dardr_recommendation",
        ),
    ]
    assert imr.received_on is None


def test_implemented_needs_evidence_and_not_implemented_a_reason(
    review: DeathReview,
) -> None:
    carol = _actor("carol.coordinator")
    rec = _add(review, timezone.localdate())
    with pytest.raises(DardrError, match="evidence"):
        do_mark_recommendation_implemented(
            rec.pk,
            evidence="  ",
            implemented_on=timezone.localdate(),
            expected_version=1,
            actor=carol,
        )
    with pytest.raises(DardrError, match="evidence"):
        do_update_recommendation_status(
            rec.pk, status="implemented", expected_version=1, actor=carol
        )
    with pytest.raises(DardrError, match="why it will not be implemented"):
        do_update_recommendation_status(
            rec.pk, status="not_implemented", note="", expected_version=1, actor=carol
        )
    rec.refresh_from_db()
    assert rec.status == "open" and rec.version == 1


def test_no_review_needs_a_reason_and_takes_no_recommendations(
    personas: dict[str, Any],
) -> None:
    carol = _actor("carol.coordinator")
    today = timezone.localdate()
    r = do_record_dardr_notification(
        reference="DARDR T/2",
        pseudonym="Adult U",
        notified_on=today - timedelta(days=10),
        actor=carol,
    )
    with pytest.raises(DardrError, match="why there will be no review"):
        do_record_dardr_decision(
            r.pk,
            decision="no_review",
            decided_on=today,
            expected_version=1,
            actor=carol,
        )
    r = do_record_dardr_decision(
        r.pk,
        decision="no_review",
        decided_on=today,
        reason="Criteria not met: death by natural causes",
        expected_version=1,
        actor=carol,
    )
    with pytest.raises(DardrError, match="decision to hold a review"):
        _add(r, today)


def test_only_the_commissioning_agencys_coordinators_change_a_review(
    review: DeathReview, personas: dict[str, Any]
) -> None:
    # The analyst sees the review (own agency) but may not change it; the
    # practitioner may not open it at all; another agency's coordinator cannot see it.
    with pytest.raises(Forbidden):
        _add_as(review, "aisha.analyst")
    with pytest.raises(Forbidden):
        _add_as(review, "pete.practitioner")
    other = User.objects.create(username="wyp.coordinator")
    from saferleeds.partners.actions import do_ensure_user

    do_ensure_user(
        "wyp.coordinator",
        agency=Agency.objects.get(code="wyp"),
        roles=["case_coordinator"],
        password=None,
        actor=None,
    )
    before = AuditEntry.objects.filter(operation=Operation.REFUSAL).count()
    with pytest.raises(NotFound):
        _add_as(review, other.username)
    # The refusal is logged even though the action rolled back.
    assert AuditEntry.objects.filter(operation=Operation.REFUSAL).count() == before + 1
    assert not Recommendation.objects.exists()


def _add_as(review: DeathReview, username: str) -> Recommendation:
    return do_add_dardr_recommendation(
        review.pk,
        text="x",
        owner_agency_id=_agency("wyp"),
        due_on=timezone.localdate(),
        expected_change="y",
        actor=_actor(username),
    )


def test_progress_dates_follow_the_reviews_course(review: DeathReview) -> None:
    carol = _actor("carol.coordinator")
    today = timezone.localdate()
    common: dict[str, Any] = {
        "chair": "A. Chair",
        "panel_agency_ids": [],
        "expected_version": review.version,
        "actor": carol,
    }
    with pytest.raises(DardrError, match="needs the overview report first"):
        do_update_dardr_progress(
            review.pk,
            report_submitted_on=None,
            qa_submitted_on=today,
            qa_outcome="pending",
            qa_outcome_on=None,
            published_on=None,
            **common,
        )
    with pytest.raises(DardrError, match="approved"):
        do_update_dardr_progress(
            review.pk,
            report_submitted_on=today - timedelta(days=100),
            qa_submitted_on=today - timedelta(days=50),
            qa_outcome="resubmit",
            qa_outcome_on=today - timedelta(days=20),
            published_on=today,
            **common,
        )
    review = do_update_dardr_progress(
        review.pk,
        report_submitted_on=today - timedelta(days=100),
        qa_submitted_on=today - timedelta(days=50),
        qa_outcome="approved",
        qa_outcome_on=today - timedelta(days=20),
        published_on=today,
        **common,
    )
    assert review.published_on == today


# --- rules ---------------------------------------------------------------------------


def test_overdue_from_the_day_after_the_due_date() -> None:
    due = date(2026, 3, 31)
    assert not is_overdue("open", due, date(2026, 3, 30))
    assert not is_overdue("open", due, due)  # on the due date: not overdue
    assert is_overdue("open", due, date(2026, 4, 1))  # the day after: overdue
    assert is_overdue("in_progress", due, date(2026, 4, 1))
    assert not is_overdue("implemented", due, date(2026, 4, 1))
    assert not is_overdue("not_implemented", due, date(2026, 4, 1))


def test_overdue_boundary_on_the_tracker(review: DeathReview) -> None:
    today = timezone.localdate()
    due_today = _add(review, today)
    due_yesterday = _add(review, today - timedelta(days=1))
    carol = _actor("carol.coordinator")
    page = read_tracker(carol, TrackerFilters(status="overdue"), today)
    assert [r.id for r in page.rows] == [due_yesterday.pk]
    assert page.rows[0].days_overdue == 1
    assert page.summary.overdue == 1
    # Tomorrow the one due today is overdue too.
    later = read_tracker(carol, TrackerFilters(status="overdue"), today + timedelta(1))
    assert {r.id for r in later.rows} == {due_today.pk, due_yesterday.pk}


def test_stage_follows_the_dates() -> None:
    d = date(2026, 1, 1)
    base: dict[str, Any] = {
        "decision": "review",
        "report_submitted_on": None,
        "qa_submitted_on": None,
        "qa_outcome": "pending",
        "qa_outcome_on": None,
        "published_on": None,
    }
    assert stage_of(**{**base, "decision": "pending"})[0] == "awaiting_decision"
    assert stage_of(**{**base, "decision": "no_review"})[0] == "not_reviewed"
    assert stage_of(**base)[0] == "under_way"
    assert stage_of(**{**base, "report_submitted_on": d})[0] == "report_written"
    sent = {**base, "report_submitted_on": d, "qa_submitted_on": d}
    assert stage_of(**sent)[0] == "with_home_office"
    back = {**sent, "qa_outcome": "resubmit", "qa_outcome_on": d + timedelta(9)}
    assert stage_of(**back)[0] == "changes_asked"
    resent = {**back, "qa_submitted_on": d + timedelta(20)}
    assert stage_of(**resent)[0] == "with_home_office"
    approved = {**sent, "qa_outcome": "approved", "qa_outcome_on": d + timedelta(9)}
    assert stage_of(**approved)[0] == "approved"
    assert stage_of(**{**approved, "published_on": d + timedelta(30)})[0] == (
        "published"
    )


def test_summary_against_an_independent_count() -> None:
    today = date(2026, 6, 1)
    statuses = ["implemented", "open", "in_progress", "not_implemented"]
    recs = [
        (statuses[n % 4], today + timedelta(days=(n % 7) - 3), f"Agency {n % 3}")
        for n in range(41)
    ]
    got = summarise(recs, today)
    # Independently: plain counting.
    total = len(recs)
    done = sum(1 for s, _, _ in recs if s == "implemented")
    late = sum(
        1 for s, d, _ in recs if s in ("open", "in_progress") and (today - d).days >= 1
    )
    assert (got.total, got.implemented, got.overdue) == (total, done, late)
    assert got.unimplemented == total - done
    assert got.percent_implemented == round(done * 100 / total, 1)
    for a in got.by_agency:
        mine = [r for r in recs if r[2] == a.agency]
        assert a.total == len(mine)
        assert a.implemented == sum(1 for s, _, _ in mine if s == "implemented")
    assert sum(a.total for a in got.by_agency) == total
    # "Learning from loss": 25% of 4.
    quarter = summarise(
        [(s, today, "A") for s in ("implemented", "open", "open", "open")], today
    )
    assert quarter.percent_implemented == 25.0
    assert summarise([], today).percent_implemented is None


# --- pages, API, export -----------------------------------------------------------------


def test_pages_answer_by_role(
    review: DeathReview, personas: dict[str, Any], sign_in: Any
) -> None:
    rec = _add(review, timezone.localdate() - timedelta(days=3))
    urls = {
        "index": "/death-reviews/",
        "review": f"/death-reviews/{review.pk}/",
        "recommendation": f"/death-reviews/recommendations/{rec.pk}/",
        "tracker": "/death-reviews/tracker/",
        "csv": "/death-reviews/tracker/export.csv",
        "api list": "/api/v1/dardr-recommendations/",
        "api review": f"/api/v1/dardr-reviews/{review.pk}/",
    }
    for username in OPENERS + FIGURES_ONLY + REFUSED:
        user = personas[username]
        client = sign_in(Client(), user)
        token = Token.objects.get_or_create(user=user)[0].key
        got = {
            name: client.get(url, HTTP_AUTHORIZATION=f"Token {token}").status_code
            for name, url in urls.items()
        }
        if username in OPENERS:
            assert set(got.values()) == {200}, (username, got)
        elif username in FIGURES_ONLY:
            assert got["index"] == 200, got
            assert {v for k, v in got.items() if k != "index"} == {403}, got
        else:
            assert set(got.values()) == {403}, (username, got)
    # A refusal names who does open reviews (not the casework roles of other kinds).
    pete = sign_in(Client(), personas["pete.practitioner"])
    refusal = pete.get(f"/death-reviews/{review.pk}/").content.decode()
    assert "community safety officers (case coordinators) and analysts" in refusal
    # The executive sees the figures, no review.
    ed = sign_in(Client(), personas["ed.executive"])
    html = ed.get("/death-reviews/").content.decode()
    assert "DARDR T/1" not in html and "Adult T" not in html
    assert 'data-testid="overdue-count">1<' in html


def test_analyst_never_sees_the_deceaseds_name(
    review: DeathReview, personas: dict[str, Any], sign_in: Any
) -> None:
    _add(review, timezone.localdate())
    carol = sign_in(Client(), personas["carol.coordinator"])
    assert (
        "Tess Secretname" in carol.get(f"/death-reviews/{review.pk}/").content.decode()
    )
    aisha_user = personas["aisha.analyst"]
    aisha = sign_in(Client(), aisha_user)
    token = Token.objects.get_or_create(user=aisha_user)[0].key
    for url in (
        "/death-reviews/",
        f"/death-reviews/{review.pk}/",
        "/death-reviews/tracker/",
        "/death-reviews/tracker/export.csv",
        f"/api/v1/dardr-reviews/{review.pk}/",
        "/api/v1/dardr-recommendations/",
    ):
        body = aisha.get(url, HTTP_AUTHORIZATION=f"Token {token}").content.decode(
            "utf-8-sig"
        )
        assert "Secretname" not in body, url
        assert "Adult T" in body or "DARDR T/1" in body, url


def test_consultations_are_audited(
    review: DeathReview, personas: dict[str, Any]
) -> None:
    rec = _add(review, timezone.localdate())
    aisha = _actor("aisha.analyst")
    before = AuditEntry.objects.count()
    read_tracker(aisha, TrackerFilters(), timezone.localdate())
    entry = AuditEntry.objects.filter(seq__gt=before).get()
    assert (entry.event, entry.operation, entry.record_id) == (
        "dardr.recommendation.list",
        Operation.CONSULTATION,
        str(rec.pk),
    )


def test_tracker_filters_and_refuses_unknown_values(
    review: DeathReview, personas: dict[str, Any], sign_in: Any
) -> None:
    carol = _actor("carol.coordinator")
    today = timezone.localdate()
    late = _add(review, today - timedelta(days=5), owner="wyp")
    done = _add(review, today + timedelta(days=5), owner="ccg")
    do_mark_recommendation_implemented(
        done.pk,
        evidence="Policy revised",
        implemented_on=today,
        expected_version=1,
        actor=carol,
    )

    def ids(**f: Any) -> set[int]:
        return {r.id for r in read_tracker(carol, TrackerFilters(**f), today).rows}

    assert ids() == {late.pk, done.pk}
    assert ids(status="implemented") == {done.pk}
    assert ids(status="unimplemented") == {late.pk}
    assert ids(agency="ccg") == {done.pk}
    assert ids(review=review.pk) == {late.pk, done.pk}
    page = read_tracker(carol, TrackerFilters(), today)
    assert page.summary.percent_implemented == 50.0
    client = sign_in(Client(), personas["carol.coordinator"])
    r = client.get("/death-reviews/tracker/?status=bogus")
    assert r.status_code == 400
    assert "There is no status called" in r.content.decode()
    r = client.get("/death-reviews/tracker/export.csv?agency=nope")
    assert r.status_code == 400 and b"no agency with the code" in r.content
    token = Token.objects.get_or_create(user=personas["carol.coordinator"])[0].key
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    assert (
        client.get("/api/v1/dardr-recommendations/?status=bogus", **auth).status_code
        == 400
    )
    assert (
        client.get("/api/v1/dardr-recommendations/?agency=nope", **auth).status_code
        == 400
    )
    listed = client.get("/api/v1/dardr-recommendations/?status=overdue", **auth).json()
    assert [r["id"] for r in listed] == [late.pk] and listed[0]["overdue"] is True


def test_csv_export_is_the_filtered_rows_and_audited_as_a_disclosure(
    review: DeathReview, personas: dict[str, Any], sign_in: Any
) -> None:
    today = timezone.localdate()
    late = _add(review, today - timedelta(days=2))
    _add(review, today + timedelta(days=2))
    Recommendation.objects.filter(pk=late.pk).update(text="=HYPERLINK(1)")
    client = sign_in(Client(), personas["carol.coordinator"])
    before = AuditEntry.objects.count()
    r = client.get("/death-reviews/tracker/export.csv?status=overdue")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Review", "Report name", "Number", "Recommendation"]
    assert len(rows) == 2
    assert rows[1][3] == "'=HYPERLINK(1)"  # a formula neutralised
    assert rows[1][8:10] == ["Yes", "2"]
    entries = list(AuditEntry.objects.filter(seq__gt=before))
    assert [(e.event, e.operation, e.record_id) for e in entries] == [
        ("dardr.recommendation.export", Operation.DISCLOSURE, str(late.pk))
    ]
    # Only roles that open recommendations export them.
    with pytest.raises(Forbidden):
        tracker_csv(_actor("ed.executive"), TrackerFilters(), today)


def test_add_and_implement_through_the_pages(
    review: DeathReview, personas: dict[str, Any], sign_in: Any
) -> None:
    client = sign_in(Client(), personas["carol.coordinator"])
    today = timezone.localdate()
    due = today + timedelta(days=60)
    r = client.post(
        f"/death-reviews/{review.pk}/recommendations/",
        {
            "text": "",
            "owner_agency": _agency("ccg"),
            "due_on_day": due.day,
            "due_on_month": due.month,
            "due_on_year": due.year,
            "expected_change": "",
        },
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert "Enter the recommendation" in html and "Enter what is expected" in html
    r = client.post(
        f"/death-reviews/{review.pk}/recommendations/",
        {
            "text": "GPs ask about abuse",
            "owner_agency": _agency("ccg"),
            "due_on_day": due.day,
            "due_on_month": due.month,
            "due_on_year": due.year,
            "expected_change": "More disclosures",
        },
    )
    assert r.status_code == 302
    rec = Recommendation.objects.get()
    url = f"/death-reviews/recommendations/{rec.pk}/implemented/"
    dates = {
        "implemented_on_day": today.day,
        "implemented_on_month": today.month,
        "implemented_on_year": today.year,
    }
    r = client.post(url, {"evidence": "", "version": 1, **dates})
    assert (
        r.status_code == 400
        and "Enter the evidence of completion" in r.content.decode()
    )
    r = client.post(url, {"evidence": "IRIS in all practices", "version": 1, **dates})
    assert r.status_code == 302
    rec.refresh_from_db()
    assert rec.status == "implemented" and rec.evidence == "IRIS in all practices"
    # A stale version is a conflict, nothing overwritten.
    r = client.post(
        f"/death-reviews/recommendations/{rec.pk}/status/",
        {"status": "in_progress", "note": "", "version": 1},
    )
    assert r.status_code == 409
    rec.refresh_from_db()
    assert rec.status == "implemented"
    # The analyst reads but may not post.
    aisha = sign_in(Client(), personas["aisha.analyst"])
    r = aisha.post(url, {"evidence": "x", "version": 2, **dates})
    assert r.status_code == 403


# --- demo ------------------------------------------------------------------------------


def test_demo_reviews_have_overdue_and_implemented_recommendations(
    personas: dict[str, Any],
) -> None:
    assert seed_dardr() == 3
    assert seed_dardr() == 3  # safe to repeat
    today = timezone.localdate()
    page = read_tracker(_actor("carol.coordinator"), TrackerFilters(), today)
    s = page.summary
    assert s.total == 10 and s.implemented == 3 and s.not_implemented == 1
    assert s.overdue == 3  # due 120, 30 and 1 day ago; the one due today is not
    assert s.percent_implemented == 30.0
    index = read_dardr_index(_actor("carol.coordinator"), today)
    stages = {r.reference: r.stage_label for r in index.reviews}
    assert stages == {
        "DARDR 2023/01": "Published",
        "DARDR 2024/02": "With the Home Office QA panel",
        "DARDR 2025/03": "Awaiting the decision to review",
    }


def test_demo_pages_show_no_raw_values(personas: dict[str, Any], sign_in: Any) -> None:
    from tests.web.test_navigation import _stored_values, raw_values, tabs_below_title

    seed_dardr()
    stored = _stored_values()
    review = DeathReview.objects.get(reference="DARDR 2023/01")
    rec = review.recommendations.first()
    pages = [
        "/death-reviews/",
        "/death-reviews/tracker/",
        "/death-reviews/tracker/?status=overdue",
        f"/death-reviews/{review.pk}/",
        f"/death-reviews/recommendations/{rec.pk}/",
        "/death-reviews/new/",
    ]
    for username in ("carol.coordinator", "aisha.analyst"):
        client = sign_in(Client(), personas[username])
        for url in pages:
            r = client.get(url)
            if url.endswith("/new/") and username == "aisha.analyst":
                assert r.status_code == 403
                continue
            html = r.content.decode()
            assert r.status_code == 200, (username, url)
            assert not raw_values(html, stored), (
                username,
                url,
                raw_values(html, stored),
            )
            assert tabs_below_title(html), url
    ed = sign_in(Client(), personas["ed.executive"])
    html = ed.get("/death-reviews/").content.decode()
    assert not raw_values(html, stored)
