"""The JSA's priority-setting matrix, PESTELO scan and recommendations (issue #15),
checked against an independent re-implementation of the documented method."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scipy.stats import binomtest

from saferleeds.analytics.indicators.harm import HarmWeights
from saferleeds.analytics.jsa import build_assessment, parse_year
from saferleeds.analytics.jsa_html import render_html
from saferleeds.analytics.priority import (
    CategoryFigures,
    MatrixSettings,
    pestelo_scan,
    priority_matrix,
    recommendations,
)
from saferleeds.analytics.store import Store, open_store
from tests.analytics.test_jsa import VSO, make_store

FIGURES = [
    # category, count, year before, CSS weight
    CategoryFigures("Robbery", 1000, 800, 799.6),  # harm 4, rate 1.33 -> 2; rising
    CategoryFigures("Shoplifting", 6000, 6100, 11.9),  # harm 1, rate 8 -> 3
    CategoryFigures(VSO, 36000, 30000, 266.8),  # harm 3, rate 48 -> 4
    CategoryFigures("Drugs", 20, 10, 179.4, complete=True),  # few: low confidence
    CategoryFigures("Other crime", 50, 50, None),  # no weight
    CategoryFigures("Burglary", 9000, None, 386.2),  # no comparison
]
POPULATION = 750_000


def _independent(f: CategoryFigures) -> tuple[int, int, str, str, str]:
    """Harm score, likelihood score, band, trend and confidence by hand."""
    w = f.weight
    harm = (
        0 if w is None else (4 if w >= 300 else 3 if w >= 100 else 2 if w >= 25 else 1)
    )
    rate = f.count * 1000 / POPULATION
    lik = 4 if rate >= 15 else 3 if rate >= 5 else 2 if rate >= 1 else 1
    risk = harm * lik
    band = ["Low", "Medium", "High"][(risk >= 4) + (risk >= 9)]
    trend = "not compared"
    if f.comparison_count is not None:
        p = binomtest(f.count, f.count + f.comparison_count, 0.5).pvalue
        trend = (
            "stable"
            if p >= 0.05
            else "rising"
            if f.count > f.comparison_count
            else "falling"
        )
        if trend == "rising":
            band = {"Low": "Medium", "Medium": "High", "High": "High"}[band]
    conf = (
        "Low"
        if w is None
        else "High"
        if f.count >= 100
        else "Medium"
        if f.count >= 25
        else "Low"
    )
    return harm, lik, band, trend, conf


def test_matrix_equals_an_independent_calculation() -> None:
    rows = priority_matrix(FIGURES, POPULATION)
    assert len(rows) == len(FIGURES)
    for r in rows:
        f = next(x for x in FIGURES if x.category == r.category)
        harm, lik, band, trend, conf = _independent(f)
        assert (r.harm_score, r.likelihood_score) == (harm, lik), r.category
        assert r.risk_score == harm * lik
        assert (r.band, r.trend, r.confidence) == (band, trend, conf), r.category
        if f.comparison_count is not None:
            assert r.p_value == pytest.approx(
                binomtest(f.count, f.count + f.comparison_count, 0.5).pvalue,
                abs=1e-12,
            )
    by = {r.category: r for r in rows}
    assert by["Robbery"].band == "High" and by["Robbery"].trend == "rising"
    assert by[VSO].risk_score == 12 and by["Shoplifting"].band == "Low"
    # Ordered by band, then risk score.
    order = [("Low", "Medium", "High").index(r.band) for r in rows]
    assert order == sorted(order, reverse=True)
    assert rows[0].category == VSO


def test_thresholds_are_configurable_and_population_checked() -> None:
    strict = MatrixSettings(high_from=16, medium_from=12)
    rows = {r.category: r for r in priority_matrix(FIGURES, POPULATION, strict)}
    # Robbery: risk 8 is Low under the stricter grid, one band up for its rise.
    assert rows["Robbery"].band == "Medium"
    assert rows[VSO].band == "High"  # 12 is Medium, and it rose significantly
    with pytest.raises(ValueError):
        priority_matrix(FIGURES, 0)


def test_recommendations_and_pestelo_follow_the_matrix() -> None:
    rows = priority_matrix(FIGURES, POPULATION)
    recs = recommendations(rows)
    assert recs[0].startswith("Keep violence and sexual offences a partnership")
    assert any(r.startswith("Keep robbery") for r in recs)
    scan = pestelo_scan(
        rows,
        FIGURES,
        population=POPULATION,
        deprived_share=0.25,
        priorities=["Keeping people safe from harm"],
        indicator_changes={"Hate incidents": "Hate incidents: 10 to 20."},
        uncompared=["Burglary"],
        missing=["Feeling safe"],
    )
    assert [h.title[0] for h in scan] == list("PESTELO")
    economic = scan[1].evidence[0]
    # Acquisitive: Robbery + Shoplifting + Burglary, but Burglary has no comparison.
    assert economic == "Acquisitive crime: 16,000 this year (no comparison year held)."
    assert "25% of residents" in scan[2].evidence[1]
    assert "Hate incidents: 10 to 20." in scan[2].evidence
    assert scan[3].evidence == () and "Action Fraud" in scan[3].prompt
    assert "Burglary" in scan[6].evidence[0]
    assert scan[6].evidence[1] == (
        "Indicators with no figure for the year (data not held): Feeling safe."
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = make_store(tmp_path_factory.mktemp("prio") / "analytics.duckdb")
    with open_store(path, read_only=True) as s:
        yield s


def test_assessment_carries_the_matrix_and_renders_it(store: Store) -> None:
    a = build_assessment(store, parse_year("2017/18"))
    by = {r.category: r for r in a.matrix}
    # Planted: violence 1,200 -> 1,500 (significant rise), burglary 720 both years.
    assert by[VSO].count == 1500 and by[VSO].trend == "rising"
    assert by["Burglary"].trend == "stable" and by["Burglary"].confidence == "High"
    assert by[VSO].weight is not None  # shipped ONS CSS weights
    assert [h.key for h in a.pestelo][0] == "political" and len(a.pestelo) == 7
    assert a.recommendations
    html = render_html(a)
    for anchor in ('id="matrix"', 'id="pestelo"', 'id="recommendations"'):
        assert anchor in html
    assert "Priority-setting matrix" in html.split('id="summary"')[0]  # in contents
    assert html == render_html(build_assessment(store, parse_year("2017/18")))


def test_matrix_is_left_out_without_police_data() -> None:
    from saferleeds.analytics.jsa import Context, HarmSection, _priorities

    empty = HarmSection(False, "blocked", "", "", (), 0)
    ctx = Context("E08000035", "Leeds", 751_485, 482, 107, (), None)
    weights = HarmWeights.illustrative()
    got = _priorities(empty, weights, ctx, [], parse_year("2017/18"), 0.05, None)
    assert got == ((), (), ())


def test_part_year_is_annualised_with_low_confidence() -> None:
    part = [CategoryFigures("Burglary", 900, 700, 386.2, complete=False, months=1)]
    (r,) = priority_matrix(part, POPULATION)
    assert r.rate_per_1000 == pytest.approx(900 * 12 * 1000 / POPULATION)  # 14.4
    assert r.likelihood_score == 3 and r.confidence == "Low"
    assert r.trend == "rising"  # against the same month a year earlier
    assert r.p_value == pytest.approx(binomtest(900, 1600, 0.5).pvalue, abs=1e-12)
