"""The partnership's entered priority scores, horizon scan and recommendations in the
matrix and the Joint Strategic Assessment (issue #15 item 1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from saferleeds.analytics.jsa import build_assessment, parse_year
from saferleeds.analytics.jsa_html import render_html
from saferleeds.analytics.priority import (
    CategoryFigures,
    EnteredRecommendation,
    EnteredScore,
    MatrixSettings,
    PartnershipInputs,
    PesteloHeading,
    apply_entered_scores,
    priority_matrix,
    with_entered_scan,
)
from saferleeds.analytics.store import Store, open_store
from tests.analytics.test_jsa import make_store

FIGURES = [
    CategoryFigures("Burglary", 600, 590, 400.0),
    CategoryFigures("Shoplifting", 3000, 2990, 10.0),
    CategoryFigures("Drugs", 100, 40, 150.0),  # a significant rise
]


def _band(risk: int, rising: bool) -> str:
    """Independent banding: the 4 x 4 grid's High 9-16, Medium 4-8, Low 1-3, one
    step up for a significant rise."""
    names = ["Low", "Medium", "High"]
    i = 0 if risk < 4 else 1 if risk < 9 else 2
    return names[min(2, i + rising)]


def test_entered_score_replaces_the_data_row() -> None:
    data = priority_matrix(FIGURES, 100_000)
    got = apply_entered_scores(
        data,
        [EnteredScore("burglary", "morile", 2, 1, 3, "Medium")],
    )
    row = next(r for r in got if r.category == "Burglary")
    before = next(r for r in data if r.category == "Burglary")
    assert (row.harm_score, row.likelihood_score, row.risk_score) == (2, 1, 2)
    assert row.band == _band(2, False) == "Low"
    assert row.confidence == "Medium" and row.organisational_position == 3
    assert row.scored_by == "partnership"
    # The data's count, rate, weight and trend stay.
    assert (row.count, row.rate_per_1000, row.trend) == (
        before.count,
        before.rate_per_1000,
        before.trend,
    )
    # Untouched rows are the data's rows.
    assert {r for r in got if r.category != "Burglary"} == {
        r for r in data if r.category != "Burglary"
    }


def test_a_rise_measured_by_the_data_still_lifts_the_band() -> None:
    data = priority_matrix(FIGURES, 100_000)
    assert next(r for r in data if r.category == "Drugs").trend == "rising"
    got = apply_entered_scores(data, [EnteredScore("Drugs", "grid", 2, 2, 4, "High")])
    row = next(r for r in got if r.category == "Drugs")
    assert row.band == _band(4, True) == "High"
    assert row.organisational_position is None  # not kept on the grid


@pytest.mark.parametrize("harm", range(1, 5))
@pytest.mark.parametrize("likelihood", range(1, 5))
def test_every_cell_of_the_grid(harm: int, likelihood: int) -> None:
    (row,) = apply_entered_scores(
        [], [EnteredScore("Modern slavery", "grid", harm, likelihood, None, "Low")]
    )
    assert row.risk_score == harm * likelihood
    assert row.band == _band(harm * likelihood, False)
    assert row.count == 0 and row.trend == "not compared"


def test_theme_outside_the_data_is_a_row_and_order_uses_org_position() -> None:
    got = apply_entered_scores(
        [],
        [
            EnteredScore("Hate crime", "morile", 3, 3, 1, "Medium"),
            EnteredScore("Domestic violence and abuse", "morile", 3, 3, 4, "High"),
            EnteredScore("Organised crime", "morile", 4, 3, 1, "Low", carried=True),
        ],
    )
    assert [r.category for r in got] == [
        "Organised crime",  # risk 12
        "Domestic violence and abuse",  # risk 9, organisational position 4
        "Hate crime",  # risk 9, organisational position 1
    ]
    assert got[0].scored_by == "carried"


@pytest.mark.parametrize(
    "bad",
    [
        EnteredScore("X", "grid", 0, 1, None, "Low"),
        EnteredScore("X", "grid", 1, 5, None, "Low"),
        EnteredScore("X", "morile", 1, 1, 5, "Low"),
        EnteredScore("X", "grid", 1, 1, None, "Sure"),
        EnteredScore("X", "delphi", 1, 1, None, "Low"),
    ],
)
def test_out_of_range_is_refused(bad: EnteredScore) -> None:
    with pytest.raises(ValueError, match="X"):
        apply_entered_scores([], [bad])


def test_entered_scan_points_go_under_their_heading() -> None:
    scan = (
        PesteloHeading("political", "Political", ("a",), "p"),
        PesteloHeading("legal", "Legal", (), "l"),
    )
    got = with_entered_scan(scan, [("legal", "New duty"), ("legal", "Another")])
    assert got[0].entered == () and got[1].entered == ("New duty", "Another")
    with pytest.raises(ValueError, match="heading"):
        with_entered_scan(scan, [("weather", "x")])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = make_store(tmp_path_factory.mktemp("jsa-entered") / "analytics.duckdb")
    with open_store(path, read_only=True) as s:
        yield s


INPUTS = PartnershipInputs(
    scores=(
        EnteredScore("Burglary", "morile", 4, 4, 2, "High"),
        EnteredScore("Modern slavery and trafficking", "grid", 4, 1, None, "Low", True),
    ),
    horizon=(("legal", "The Serious Violence Duty starts in January."),),
    recommendations=(
        EnteredRecommendation(
            "Fund a burglary target-hardening scheme",
            "Burglary",
            "Target-harden homes",
            "West Yorkshire Police",
            "Safer Leeds Executive",
        ),
        EnteredRecommendation("Map modern slavery referrals"),
    ),
)


def test_assessment_uses_the_entered_inputs_byte_identically(store: Store) -> None:
    year = parse_year("2017/18")
    plain = render_html(build_assessment(store, year))
    assert "Scored by" not in plain and "The partnership&#x27;s scan" not in plain
    a = build_assessment(store, year, inputs=INPUTS)
    row = next(r for r in a.matrix if r.category == "Burglary")
    assert (row.risk_score, row.band, row.scored_by) == (16, "High", "partnership")
    assert any(r.category == "Modern slavery and trafficking" for r in a.matrix)
    html = render_html(a)
    assert html == render_html(build_assessment(store, year, inputs=INPUTS))
    assert "Scored by" in html and "Carried, unconfirmed" in html
    assert "1 score(s) were carried" in html
    assert "The Serious Violence Duty starts in January." in html
    assert "Fund a burglary target-hardening scheme" in html
    assert "Target-harden homes" in html and "Not yet on the plan" in html
    # A High-band entered theme without offences is recommended without a count.
    assert "Keep burglary a partnership priority: risk 16" in html


def test_matrix_from_entered_scores_alone(tmp_path: Path) -> None:
    got = apply_entered_scores(
        [], INPUTS.scores, MatrixSettings(high_from=16, medium_from=2)
    )
    assert [r.band for r in got] == ["High", "Medium"]
