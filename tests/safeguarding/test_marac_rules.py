"""SafeLives Marac referral criteria, at and either side of every boundary."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from saferleeds.marac.dash import score_dash
from saferleeds.marac.rules import (
    Criterion,
    incidents_in_window,
    is_repeat,
    marac_referral_criteria,
)

TODAY = date(2025, 6, 30)


def days_ago(*days: int) -> list[date]:
    return [TODAY - timedelta(days=d) for d in days]


def criteria(**kwargs: object) -> list[Criterion]:
    """The criteria with nothing set but ``kwargs``."""
    given: dict[str, object] = {
        "dash": None,
        "professional_judgement": False,
        "incidents": [],
        "last_referral": None,
        "today": TODAY,
    }
    given.update(kwargs)
    return marac_referral_criteria(**given)  # type: ignore[arg-type]


def test_nothing_known_meets_no_criterion() -> None:
    assert criteria() == []


# --- Visible high risk ---------------------------------------------------------------


@pytest.mark.parametrize(("yes", "met"), [(13, False), (14, True), (15, True)])
def test_visible_high_risk_at_fourteen_yes(yes: int, met: bool) -> None:
    dash = score_dash([True] * yes + [False] * (24 - yes))
    assert (Criterion.VISIBLE_HIGH_RISK in criteria(dash=dash)) is met


# --- Professional judgement ----------------------------------------------------------


def test_professional_judgement_is_a_criterion_on_its_own() -> None:
    assert criteria(professional_judgement=True) == [Criterion.PROFESSIONAL_JUDGEMENT]
    low = score_dash([False] * 24)
    assert criteria(dash=low, professional_judgement=True) == [
        Criterion.PROFESSIONAL_JUDGEMENT
    ]


def test_a_judgement_recorded_on_the_checklist_counts() -> None:
    judged = score_dash([False] * 24, professional_judgement=True)
    assert criteria(dash=judged) == [Criterion.PROFESSIONAL_JUDGEMENT]


def test_no_judgement_cannot_remove_visible_high_risk() -> None:
    high = score_dash([True] * 14 + [False] * 10)
    assert criteria(dash=high, professional_judgement=False) == [
        Criterion.VISIBLE_HIGH_RISK
    ]
    assert criteria(dash=high, professional_judgement=True) == [
        Criterion.VISIBLE_HIGH_RISK,
        Criterion.PROFESSIONAL_JUDGEMENT,
    ]


# --- Potential escalation ------------------------------------------------------------


@pytest.mark.parametrize(("count", "met"), [(2, False), (3, True), (4, True)])
def test_potential_escalation_at_three_incidents(count: int, met: bool) -> None:
    incidents = days_ago(*range(0, 30 * count, 30))
    assert len(incidents) == count
    assert (Criterion.POTENTIAL_ESCALATION in criteria(incidents=incidents)) is met


@pytest.mark.parametrize(
    ("oldest", "met"),
    [(364, True), (365, True), (366, False)],
)
def test_an_incident_on_the_window_boundary_counts(oldest: int, met: bool) -> None:
    incidents = days_ago(0, 10, oldest)
    assert (Criterion.POTENTIAL_ESCALATION in criteria(incidents=incidents)) is met


def test_incidents_dated_after_today_do_not_count() -> None:
    incidents = days_ago(0, 1) + [TODAY + timedelta(days=1)]
    assert Criterion.POTENTIAL_ESCALATION not in criteria(incidents=incidents)
    assert incidents_in_window(incidents, today=TODAY, window_days=365) == 2


def test_an_incident_today_counts() -> None:
    assert incidents_in_window([TODAY], today=TODAY, window_days=1) == 1


@pytest.mark.parametrize(
    ("oldest", "met"),
    [(181, True), (182, True), (183, False)],
)
def test_the_window_is_configurable_kent_three_in_six_months(
    oldest: int, met: bool
) -> None:
    incidents = days_ago(0, 50, oldest)
    found = criteria(incidents=incidents, window_days=182)
    assert (Criterion.POTENTIAL_ESCALATION in found) is met


@pytest.mark.parametrize(("count", "met"), [(3, False), (4, True), (5, True)])
def test_the_threshold_is_configurable(count: int, met: bool) -> None:
    incidents = days_ago(*range(count))
    found = criteria(incidents=incidents, escalation_threshold=4)
    assert (Criterion.POTENTIAL_ESCALATION in found) is met


def test_same_day_incidents_each_count() -> None:
    assert Criterion.POTENTIAL_ESCALATION in criteria(incidents=days_ago(5, 5, 5))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"escalation_threshold": 0}, "escalation_threshold"),
        ({"window_days": 0}, "window_days"),
        ({"window_days": -1}, "window_days"),
    ],
)
def test_nonsense_settings_are_refused(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        criteria(**kwargs)


# --- Repeat --------------------------------------------------------------------------

REFERRAL = date(2024, 3, 1)


@pytest.mark.parametrize(
    ("after", "met"),
    [(0, False), (1, True), (364, True), (365, True), (366, False)],
)
def test_repeat_within_365_days_of_the_last_referral(after: int, met: bool) -> None:
    incident = REFERRAL + timedelta(days=after)
    today = REFERRAL + timedelta(days=400)
    found = criteria(incidents=[incident], last_referral=REFERRAL, today=today)
    assert (Criterion.REPEAT in found) is met


def test_no_last_referral_means_no_repeat() -> None:
    assert Criterion.REPEAT not in criteria(incidents=days_ago(1))


def test_one_further_incident_is_enough_even_with_older_ones() -> None:
    before = REFERRAL - timedelta(days=30)
    after = REFERRAL + timedelta(days=200)
    today = REFERRAL + timedelta(days=210)
    assert is_repeat([before], last_referral=REFERRAL, today=today) is False
    assert is_repeat([before, after], last_referral=REFERRAL, today=today) is True


def test_an_incident_dated_after_today_is_not_yet_a_repeat() -> None:
    today = REFERRAL + timedelta(days=10)
    later = REFERRAL + timedelta(days=11)
    assert is_repeat([later], last_referral=REFERRAL, today=today) is False
    assert is_repeat([later], last_referral=REFERRAL, today=later) is True


def test_repeat_uses_its_own_12_months_not_the_escalation_window() -> None:
    # A short escalation window does not shorten the repeat definition.
    incident = REFERRAL + timedelta(days=300)
    today = REFERRAL + timedelta(days=360)
    found = criteria(
        incidents=[incident], last_referral=REFERRAL, today=today, window_days=30
    )
    assert found == [Criterion.REPEAT]


# --- All together --------------------------------------------------------------------


def test_every_criterion_at_once_in_safelives_order() -> None:
    dash = score_dash([True] * 24)
    today = REFERRAL + timedelta(days=100)
    incidents = [today, today - timedelta(days=10), today - timedelta(days=20)]
    assert criteria(
        dash=dash,
        professional_judgement=True,
        incidents=incidents,
        last_referral=REFERRAL,
        today=today,
    ) == [
        Criterion.VISIBLE_HIGH_RISK,
        Criterion.PROFESSIONAL_JUDGEMENT,
        Criterion.POTENTIAL_ESCALATION,
        Criterion.REPEAT,
    ]
    assert [c.value for c in Criterion] == [
        "visible_high_risk",
        "professional_judgement",
        "potential_escalation",
        "repeat",
    ]
