"""The ASB rules at and either side of each boundary: calendar months, the s.104
threshold, working days and bank holidays, service levels, the risk matrix and the
annual statistics (checked against a brute-force count)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from saferleeds.asb.rules import (
    ApplicationFacts,
    ComplaintFacts,
    RiskMatrix,
    ServiceLevels,
    ThresholdRules,
    Verdict,
    add_months,
    annual_statistics,
    check_threshold,
    judge_complaint,
    reporting_year,
    review_deadlines,
    score_risk,
)
from saferleeds.core.calendar import (
    PUBLISHED_BANK_HOLIDAYS,
    add_working_days,
    bank_holidays,
    easter_sunday,
    is_working_day,
    working_days_between,
)

D = date
RULES = ThresholdRules()

# --- calendar months ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2025, 1, 31), 1, D(2025, 2, 28)),  # clamped
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # leap day a year on
        (D(2025, 3, 31), -1, D(2025, 2, 28)),
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
        (D(2025, 12, 15), 1, D(2026, 1, 15)),  # year end
        (D(2026, 1, 15), -1, D(2025, 12, 15)),
        (D(2025, 5, 10), 0, D(2025, 5, 10)),
    ],
)
def test_add_months_clamps_to_the_month_end(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


def test_add_months_agrees_with_dateutil_over_every_day_of_four_years() -> None:
    day = D(2023, 1, 1)
    while day < D(2027, 1, 1):
        for months in (-6, -1, 1, 6, 12):
            assert add_months(day, months) == day + relativedelta(months=months)
        day += timedelta(days=1)


# --- a complaint's verdict: within one month of the behaviour ---------------------------


def _c(behaviour: date, reported: date, key: int = 1, **kw: object) -> ComplaintFacts:
    return ComplaintFacts(key, behaviour, reported, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("behaviour", "reported", "verdict"),
    [
        (D(2025, 3, 10), D(2025, 4, 9), Verdict.QUALIFYING),  # day before
        (D(2025, 3, 10), D(2025, 4, 10), Verdict.QUALIFYING),  # exactly one month
        (D(2025, 3, 10), D(2025, 4, 11), Verdict.TOO_LATE),  # day after
        (D(2025, 1, 31), D(2025, 2, 28), Verdict.QUALIFYING),  # clamped month end
        (D(2025, 1, 31), D(2025, 3, 1), Verdict.TOO_LATE),
        (D(2024, 1, 31), D(2024, 2, 29), Verdict.QUALIFYING),  # leap day
        (D(2024, 1, 31), D(2024, 3, 1), Verdict.TOO_LATE),
        (D(2024, 2, 29), D(2024, 3, 29), Verdict.QUALIFYING),
        (D(2024, 2, 29), D(2024, 3, 30), Verdict.TOO_LATE),
        (D(2025, 3, 10), D(2025, 3, 10), Verdict.QUALIFYING),  # same day
        (D(2025, 3, 10), D(2025, 3, 9), Verdict.BEFORE_BEHAVIOUR),
    ],
)
def test_complaint_counts_only_within_one_month_of_the_behaviour(
    behaviour: date, reported: date, verdict: Verdict
) -> None:
    v = judge_complaint(_c(behaviour, reported), reported + timedelta(days=1), RULES)
    assert v.verdict is verdict
    if verdict is Verdict.TOO_LATE:
        assert v.reason == "Made more than 1 month after the behaviour"


def test_nuisance_alone_does_not_count_and_says_why() -> None:
    v = judge_complaint(
        _c(D(2025, 5, 1), D(2025, 5, 2), harassment=False), D(2025, 6, 1), RULES
    )
    assert v.verdict is Verdict.NUISANCE_ONLY
    assert "Nuisance only" in v.reason
    assert not v.qualifies


# --- the application within six months of the complaint --------------------------------


@pytest.mark.parametrize(
    ("reported", "application", "verdict"),
    [
        (D(2025, 3, 10), D(2025, 9, 9), Verdict.QUALIFYING),
        (D(2025, 3, 10), D(2025, 9, 10), Verdict.QUALIFYING),  # exactly six months
        (D(2025, 3, 10), D(2025, 9, 11), Verdict.OUTSIDE_WINDOW),
        (D(2025, 8, 31), D(2026, 2, 28), Verdict.QUALIFYING),  # clamped
        (D(2025, 8, 31), D(2026, 3, 1), Verdict.OUTSIDE_WINDOW),
        (D(2023, 8, 31), D(2024, 2, 29), Verdict.QUALIFYING),  # leap day
        (D(2023, 8, 31), D(2024, 3, 1), Verdict.OUTSIDE_WINDOW),
        (D(2025, 3, 10), D(2025, 3, 10), Verdict.QUALIFYING),  # same day
        (D(2025, 3, 10), D(2025, 3, 9), Verdict.AFTER_APPLICATION),
    ],
)
def test_application_must_be_within_six_months_of_the_complaint(
    reported: date, application: date, verdict: Verdict
) -> None:
    v = judge_complaint(_c(reported, reported), application, RULES)
    assert v.verdict is verdict
    assert v.in_window is (verdict is Verdict.QUALIFYING)


def test_the_first_failing_rule_is_the_reason_given() -> None:
    # Both too late after the behaviour and outside the window: the window is named.
    v = judge_complaint(_c(D(2024, 1, 1), D(2024, 3, 1)), D(2025, 1, 1), RULES)
    assert v.verdict is Verdict.OUTSIDE_WINDOW
    assert "6 months" in v.reason


# --- the threshold: three qualifying complaints ---------------------------------------


def _three(application: date, *, harassment: tuple[bool, ...] = (True,) * 3) -> list:
    return [
        _c(
            application - timedelta(days=10 * i + 5),
            application - timedelta(days=10 * i),
            i,
            harassment=h,
        )
        for i, h in enumerate(harassment)
    ]


def test_threshold_met_at_three_qualifying_complaints_not_at_two() -> None:
    app = D(2025, 6, 30)
    met = check_threshold(_three(app), app)
    assert met.met and met.qualifying == 3 and met.grounds == ("complaints",)
    two = check_threshold(_three(app, harassment=(True, True, False)), app)
    assert not two.met and two.qualifying == 2
    assert [v.verdict for v in two.verdicts].count(Verdict.NUISANCE_ONLY) == 1
    four = check_threshold([*_three(app), _c(app, app, 9)], app)
    assert four.met and four.qualifying == 4


def test_threshold_window_moves_with_the_application_date() -> None:
    complaints = [
        _c(D(2025, 1, 10), D(2025, 1, 20), 1),
        _c(D(2025, 2, 1), D(2025, 2, 5), 2),
        _c(D(2025, 3, 1), D(2025, 3, 2), 3),
    ]
    # The oldest complaint is 20 January: six months on is 20 July.
    assert check_threshold(complaints, D(2025, 7, 20)).met
    late = check_threshold(complaints, D(2025, 7, 21))
    assert not late.met
    assert late.verdicts[0].verdict is Verdict.OUTSIDE_WINDOW
    assert late.window_start == D(2025, 1, 21)


def test_a_lower_local_threshold_is_configurable() -> None:
    app = D(2025, 6, 30)
    two = _three(app, harassment=(True, True, False))
    assert not check_threshold(two, app).met
    assert check_threshold(two, app, ThresholdRules(complaints=2)).met


def test_local_extra_individuals_counts_different_complainants() -> None:
    app = D(2025, 6, 30)
    rules = ThresholdRules(complaints=99, individuals=5)
    people = [_c(app, app, i, complainant=100 + i) for i in range(5)]
    assert check_threshold(people, app, rules).grounds == ("individuals",)
    four = [_c(app, app, i, complainant=100 + (i % 4)) for i in range(5)]
    assert not check_threshold(four, app, rules).met
    assert not check_threshold(people, app, ThresholdRules(complaints=99)).met


def test_local_extra_one_hate_incident() -> None:
    app = D(2025, 6, 30)
    rules = ThresholdRules(hate_incidents=1)
    hate = [_c(app, app, 1, hate_motivated=True)]
    assert check_threshold(hate, app, rules).grounds == ("hate_incidents",)
    assert not check_threshold([_c(app, app, 1)], app, rules).met
    assert not check_threshold(hate, app).met  # national rule: no extra


def test_threshold_rules_from_settings_keep_national_defaults() -> None:
    assert ThresholdRules.from_settings(lambda k, d: d) == ThresholdRules()
    local = {"threshold_individuals": 5, "threshold_hate_incidents": 1}
    r = ThresholdRules.from_settings(lambda k, d: local.get(k, d))
    assert (r.individuals, r.hate_incidents, r.complaints) == (5, 1, 3)


def test_result_json_keeps_every_complaints_reason() -> None:
    app = D(2025, 6, 30)
    detail = check_threshold(_three(app, harassment=(True, False, True)), app).as_json()
    assert detail["met"] is False
    assert [c["verdict"] for c in detail["complaints"]].count("nuisance_only") == 1
    assert all(c["reason"] for c in detail["complaints"])


# --- bank holidays and working days -------------------------------------------------


def test_easter_dates() -> None:
    known = {
        2019: D(2019, 4, 21),
        2024: D(2024, 3, 31),
        2025: D(2025, 4, 20),
        2038: D(2038, 4, 25),
    }
    for year, day in known.items():
        assert easter_sunday(year) == day


def test_statutory_pattern_reproduces_the_published_gov_uk_list() -> None:
    from saferleeds.core.calendar import PROCLAIMED, statutory_bank_holidays

    for year in range(2018, 2028):
        removed, added = PROCLAIMED.get(year, (frozenset(), frozenset()))
        published = {d for d in PUBLISHED_BANK_HOLIDAYS if d.year == year}
        assert (statutory_bank_holidays(year) - removed) | added == published, year


def test_bank_holidays_shipped_for_2018_to_2030() -> None:
    for year in range(2018, 2031):
        days = bank_holidays(year)
        assert 8 <= len(days) <= 10, year
        assert all(d.weekday() < 5 and d.year == year for d in days)
    assert D(2022, 9, 19) in bank_holidays(2022)  # the Queen's funeral
    assert D(2028, 1, 3) in bank_holidays(2028)  # 1 January 2028 is a Saturday
    assert D(2030, 4, 19) in bank_holidays(2030)  # Good Friday


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2025, 12, 24), True),
        (D(2025, 12, 25), False),
        (D(2025, 12, 26), False),
        (D(2025, 12, 27), False),  # Saturday
        (D(2025, 12, 29), True),
        (D(2026, 12, 28), False),  # Boxing Day substitute
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_add_working_days_skips_weekends_and_bank_holidays() -> None:
    assert add_working_days(D(2025, 11, 21), 1) == D(2025, 11, 24)  # Fri -> Mon
    assert add_working_days(D(2025, 11, 24), 5) == D(2025, 12, 1)
    # Over Christmas 2025: 24th (Wed) + 2 = 29th (25, 26 holidays, 27-28 weekend) + ...
    assert add_working_days(D(2025, 12, 23), 2) == D(2025, 12, 29)
    assert add_working_days(D(2025, 4, 17), 1) == D(2025, 4, 22)  # Easter
    assert add_working_days(D(2025, 4, 17), 0) == D(2025, 4, 17)


def test_working_days_between_inverts_add_working_days() -> None:
    rng = random.Random(6)
    for _ in range(200):
        start = D(2024, 1, 1) + timedelta(days=rng.randrange(900))
        n = rng.randrange(0, 40)
        assert working_days_between(start, add_working_days(start, n)) == n


# --- service levels ------------------------------------------------------------------


def _deadlines(**kw: object) -> dict[str, tuple[date | None, str]]:
    base: dict[str, object] = {
        "received_on": D(2025, 11, 3),  # Monday
        "acknowledged_on": None,
        "decision_on": None,
        "threshold_met": None,
        "review_held_on": None,
        "applicant_told_on": None,
        "today": D(2025, 11, 3),
    }
    base.update(kw)
    return {d.step: (d.due_on, d.state) for d in review_deadlines(**base)}  # type: ignore[arg-type]


def test_acknowledgement_due_in_five_working_days_overdue_the_day_after() -> None:
    ack = "Acknowledge the application"
    assert _deadlines(today=D(2025, 11, 10))[ack] == (D(2025, 11, 10), "due")
    assert _deadlines(today=D(2025, 11, 11))[ack] == (D(2025, 11, 10), "overdue")
    assert _deadlines(acknowledged_on=D(2025, 11, 10))[ack][1] == "done"
    assert _deadlines(acknowledged_on=D(2025, 11, 11))[ack][1] == "done_late"


def test_decision_due_in_fifteen_working_days_and_review_twenty_after() -> None:
    d = _deadlines(today=D(2025, 11, 24))
    assert d["Decide whether the threshold is met"] == (D(2025, 11, 24), "due")
    assert d["Hold the review"] == (None, "not_started")
    held = _deadlines(
        decision_on=D(2025, 11, 24), threshold_met=True, today=D(2025, 12, 23)
    )
    # 20 working days from 24 Nov skip 25 and 26 December: due 22 December.
    assert held["Hold the review"] == (D(2025, 12, 22), "overdue")


def test_threshold_not_met_means_telling_the_applicant_not_a_review() -> None:
    d = _deadlines(
        decision_on=D(2025, 11, 10), threshold_met=False, today=D(2025, 11, 17)
    )
    assert "Hold the review" not in d
    assert d["Tell the applicant the decision"] == (D(2025, 11, 17), "due")


def test_service_levels_configurable() -> None:
    assert ServiceLevels.from_settings(lambda k, d: d) == ServiceLevels()
    local = ServiceLevels.from_settings(
        lambda k, d: {"acknowledge_working_days": 3}.get(k, d)
    )
    assert local.acknowledge == 3
    d = review_deadlines(
        received_on=D(2025, 11, 3),
        acknowledged_on=None,
        decision_on=None,
        threshold_met=None,
        review_held_on=None,
        applicant_told_on=None,
        today=D(2025, 11, 7),
        levels=local,
    )
    assert d[0].due_on == D(2025, 11, 6) and d[0].state == "overdue"


# --- the risk matrix -----------------------------------------------------------------


def _answers_scoring(target: int, matrix: RiskMatrix) -> dict[str, int]:
    """Answers whose weighted total is exactly ``target`` (greedy on weight 1 last)."""
    answers: dict[str, int] = {}
    left = target
    for q in sorted(matrix.questions, key=lambda q: -q.weight):
        take = min(3, left // q.weight)
        answers[q.key] = take
        left -= take * q.weight
    assert left == 0
    return answers


@pytest.mark.parametrize(
    ("score", "level", "review_days"),
    [
        (0, "standard", 28),
        (11, "standard", 28),
        (12, "medium", 14),
        (21, "medium", 14),
        (22, "high", 7),
        (45, "high", 7),
    ],
)
def test_risk_bands_at_their_cut_offs(score: int, level: str, review_days: int) -> None:
    m = RiskMatrix()
    r = score_risk(_answers_scoring(score, m), m)
    assert r.score == score
    assert r.band.level == level
    assert r.review_due(D(2025, 1, 1)) == D(2025, 1, 1) + timedelta(days=review_days)


def test_risk_score_is_weighted_by_factor() -> None:
    r = score_risk({"mental_health": 3, "at_home": 1, "fear": 2})
    assert r.by_factor == {"personal": 6, "situational": 1, "incidental": 4}
    assert r.score == 11
    assert r.answers["health"] == 0  # missing counts 0


def test_risk_answers_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown"):
        score_risk({"nope": 1})
    with pytest.raises(ValueError, match="0 to 3"):
        score_risk({"fear": 4})
    with pytest.raises(ValueError, match="0 to 3"):
        score_risk({"fear": -1})


def test_risk_matrix_configurable() -> None:
    settings = {
        "risk_high_score": 30,
        "risk_medium_score": 10,
        "risk_weights": {"health": 3},
        "risk_review_days": {"high": 3},
    }
    m = RiskMatrix.from_settings(lambda k, d: settings.get(k, d))
    assert m.band("high").min_score == 30 and m.band("high").review_days == 3
    assert score_risk({"health": 3}, m).score == 9
    assert score_risk({"health": 3}, m).band.level == "standard"
    assert score_risk({"health": 3, "support": 1}, m).band.level == "medium"
    assert RiskMatrix.from_settings(lambda k, d: d) == RiskMatrix()
    assert RiskMatrix().max_score == 45


# --- annual statistics ---------------------------------------------------------------


def test_reporting_year() -> None:
    assert reporting_year(2025) == (D(2025, 4, 1), D(2026, 3, 31))
    assert reporting_year(2024, 1) == (D(2024, 1, 1), D(2024, 12, 31))


def test_statistics_boundaries_of_the_financial_year() -> None:
    apps = [
        ApplicationFacts(D(2025, 3, 31), D(2025, 4, 1), True, D(2026, 3, 31), 2),
        ApplicationFacts(D(2025, 4, 1), D(2025, 4, 2), False),
        ApplicationFacts(D(2026, 3, 31)),
        ApplicationFacts(D(2026, 4, 1), D(2026, 4, 2), True, D(2026, 4, 3), 1),
    ]
    s = annual_statistics(apps, 2025)
    assert s.applications == 2
    assert (s.thresholds_met, s.thresholds_not_met, s.awaiting_decision) == (1, 1, 1)
    assert (s.reviews_held, s.reviews_with_recommendations, s.recommendations) == (
        1,
        1,
        2,
    )
    months = dict(s.applications_by_month)
    assert months["2025-04"] == 1 and months["2026-03"] == 1 and len(months) == 12


def test_statistics_match_a_brute_force_count() -> None:
    rng = random.Random(104)
    apps: list[ApplicationFacts] = []
    for _ in range(400):
        received = D(2023, 1, 1) + timedelta(days=rng.randrange(1200))
        decided = (
            received + timedelta(days=rng.randrange(30))
            if rng.random() < 0.85
            else None
        )
        met = (rng.random() < 0.6) if decided else None
        held = (
            decided + timedelta(days=rng.randrange(40))
            if met and rng.random() < 0.8
            else None
        )
        apps.append(
            ApplicationFacts(
                received, decided, met, held, rng.randrange(4) if held else 0
            )
        )
    for year in (2023, 2024, 2025):
        for start_month in (1, 4):
            s = annual_statistics(apps, year, start_month=start_month)
            first, last = s.first_day, s.last_day
            days = {first + timedelta(days=n) for n in range((last - first).days + 1)}
            assert s.applications == sum(a.received_on in days for a in apps)
            assert s.thresholds_met == sum(
                a.decision_on in days and a.threshold_met is True for a in apps
            )
            assert s.thresholds_not_met == sum(
                a.decision_on in days and a.threshold_met is False for a in apps
            )
            assert s.reviews_held == sum(a.review_held_on in days for a in apps)
            assert s.recommendations == sum(
                a.recommendations for a in apps if a.review_held_on in days
            )
            assert s.reviews_with_recommendations == sum(
                1 for a in apps if a.review_held_on in days and a.recommendations
            )
            assert sum(n for _, n in s.applications_by_month) == s.applications
            for month, n in s.applications_by_month:
                assert n == sum(a.received_on.strftime("%Y-%m") == month for a in apps)


def test_risk_response_follows_the_configured_contact_days() -> None:
    m = RiskMatrix.from_settings(
        lambda k, d: {"risk_contact_days": {"high": 2}}.get(k, d)
    )
    assert m.band("high").response == (
        "Contact the victim within 2 days; a vulnerable victim action plan"
    )
    assert (
        RiskMatrix()
        .band("high")
        .response.startswith("Contact the victim within 1 day;")
    )
    assert RiskMatrix().band("standard").response == "Contact the victim within 10 days"
