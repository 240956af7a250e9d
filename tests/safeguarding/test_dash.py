"""SafeLives Dash risk checklist scoring, at and either side of every threshold."""

from __future__ import annotations

import pytest

from saferleeds.marac.dash import (
    DASH_QUESTION_COUNT,
    DASH_QUESTIONS,
    DashResult,
    RiskLevel,
    score_dash,
)


def answers(yes: int, *, unanswered: int = 0) -> list[bool | None]:
    """``yes`` yes answers, then ``unanswered`` nulls, the rest no."""
    no = DASH_QUESTION_COUNT - yes - unanswered
    return [True] * yes + [None] * unanswered + [False] * no


def test_the_checklist_has_24_numbered_questions() -> None:
    assert DASH_QUESTION_COUNT == 24
    assert [q.number for q in DASH_QUESTIONS] == list(range(1, 25))
    assert all(q.text.strip() for q in DASH_QUESTIONS)
    assert len({q.text for q in DASH_QUESTIONS}) == 24
    assert "strangle" in DASH_QUESTIONS[14].text  # question 15
    assert "threatened to kill" in DASH_QUESTIONS[13].text  # question 14


@pytest.mark.parametrize(
    ("yes", "high", "level"),
    [
        (0, False, RiskLevel.STANDARD),
        (9, False, RiskLevel.STANDARD),
        (10, False, RiskLevel.MEDIUM),
        (13, False, RiskLevel.MEDIUM),
        (14, True, RiskLevel.HIGH),
        (15, True, RiskLevel.HIGH),
        (24, True, RiskLevel.HIGH),
    ],
)
def test_fourteen_yes_is_visible_high_risk(
    yes: int, high: bool, level: RiskLevel
) -> None:
    result = score_dash(answers(yes))
    assert result.yes_count == yes
    assert result.visible_high_risk is high
    assert result.risk_level == level
    assert result.unanswered == ()
    assert result.raised_by_judgement is False


def test_the_position_of_the_yes_answers_does_not_matter() -> None:
    spread = [i % 2 == 0 for i in range(24)]  # 12 yes, on odd questions
    assert score_dash(spread).yes_count == 12
    assert score_dash(list(reversed(answers(14)))).visible_high_risk


@pytest.mark.parametrize("yes", [0, 9, 13])
def test_professional_judgement_raises_to_high(yes: int) -> None:
    result = score_dash(
        answers(yes), professional_judgement=True, judgement_reason=" strangulation "
    )
    assert result.risk_level == RiskLevel.HIGH
    assert result.visible_high_risk is False  # the count is still the count
    assert result.yes_count == yes
    assert result.raised_by_judgement is True
    assert result.judgement_reason == "strangulation"


@pytest.mark.parametrize("yes", [14, 24])
def test_judgement_never_lowers_and_adds_nothing_to_a_high_count(yes: int) -> None:
    without = score_dash(answers(yes), professional_judgement=False)
    with_judgement = score_dash(answers(yes), professional_judgement=True)
    assert without.risk_level == with_judgement.risk_level == RiskLevel.HIGH
    assert with_judgement.raised_by_judgement is False


def test_unanswered_questions_are_listed_and_are_not_yes() -> None:
    result = score_dash(answers(13, unanswered=3))
    assert result.yes_count == 13
    assert result.visible_high_risk is False
    assert result.unanswered == (14, 15, 16)
    all_blank = score_dash([None] * 24)
    assert all_blank.yes_count == 0
    assert all_blank.unanswered == tuple(range(1, 25))
    assert all_blank.risk_level == RiskLevel.STANDARD


def test_accepts_any_sequence() -> None:
    assert score_dash(tuple(answers(14))).visible_high_risk


@pytest.mark.parametrize("count", [0, 1, 23, 25, 27])
def test_wrong_number_of_answers_is_refused(count: int) -> None:
    with pytest.raises(ValueError, match=rf"24 questions; got {count} answers"):
        score_dash([False] * count)


@pytest.mark.parametrize(
    ("bad", "where"),
    [(1, 1), (0, 1), ("yes", 1), ("true", 1), (1.0, 1)],
)
def test_answers_must_be_booleans_or_none(bad: object, where: int) -> None:
    given: list[object] = [False] * 24
    given[where - 1] = bad
    with pytest.raises(ValueError, match=rf"question {where} must be true, false"):
        score_dash(given)  # type: ignore[arg-type]


def test_the_last_question_is_checked_too() -> None:
    given: list[object] = [True] * 23 + ["no"]
    with pytest.raises(ValueError, match="question 24"):
        score_dash(given)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["y" * 24, b"y" * 24, {i: True for i in range(24)}])
def test_a_string_or_mapping_is_not_a_list_of_answers(bad: object) -> None:
    with pytest.raises(ValueError, match="sequence of 24 answers"):
        score_dash(bad)  # type: ignore[arg-type]


def test_judgement_must_be_a_boolean() -> None:
    with pytest.raises(ValueError, match="professional_judgement"):
        score_dash(answers(0), professional_judgement="yes")  # type: ignore[arg-type]


def test_result_is_immutable() -> None:
    result = score_dash(answers(14))
    assert isinstance(result, DashResult)
    with pytest.raises(AttributeError):
        result.yes_count = 0  # type: ignore[misc]
