"""Statistics and periods behind the indicators, checked against SciPy and by hand."""

from __future__ import annotations

import math
import random
from datetime import date

import pytest
from scipy.stats import binom, binomtest, norm

from saferleeds.analytics.indicators.periods import (
    add_months,
    calendar_year,
    financial_year,
    financial_year_of,
    month_period,
    parse_period,
    period_between,
    quarter,
    rolling_12,
)
from saferleeds.analytics.indicators.stats import (
    Proportion,
    binom_pmf,
    c_chart,
    compare_counts,
    compare_proportions,
    kish_effective_n,
    poisson_rate_test,
    weighted_proportion,
    wilson_interval,
    xmr_chart,
)


def _pairs() -> list[tuple[int, int]]:
    rng = random.Random(20180701)
    fixed = [
        (25, 16),  # Wheeler's worked example
        (0, 1),
        (1, 0),
        (0, 9),
        (5, 5),
        (3, 4),
        (2, 40),
        (8865, 7664),  # Leeds recorded crime, July 2018 vs July 2017
        (1861, 2007),
        (100_000, 100_500),
        (123_456, 124_000),
    ]
    drawn = []
    for _ in range(400):
        n = rng.choice([1, 2, 3, 7, 20, 50, 200, 1000, 5000, 20_000, 200_000])
        k = rng.randint(0, n)
        drawn.append((k, n - k))
    return fixed + drawn


@pytest.mark.parametrize("t1, t2", [(1, 1), (3, 3), (2, 1), (1, 3), (12, 7)])
def test_poisson_p_values_equal_scipy_binomtest(t1: int, t2: int) -> None:
    worst = 0.0
    for n1, n2 in _pairs():
        ours = poisson_rate_test(n1, n2, t1, t2)
        theirs = binomtest(n1, n1 + n2, t1 / (t1 + t2)).pvalue
        assert ours == pytest.approx(theirs, abs=1e-12, rel=0), (n1, n2, t1, t2)
        worst = max(worst, abs(ours - theirs))
    assert worst < 1e-12


def test_no_events_is_no_evidence() -> None:
    assert poisson_rate_test(0, 0) == 1.0
    c = compare_counts(0, 0)
    assert (c.p_value, c.significant, c.change_pct) == (1.0, False, None)


def test_binomial_point_probabilities_match_scipy() -> None:
    rng = random.Random(7)
    for _ in range(500):
        n = rng.choice([1, 3, 40, 1000, 60_000])
        k = rng.randint(0, n)
        p = rng.uniform(0.01, 0.99)
        theirs = binom.pmf(k, n, p)
        if theirs > 1e-250:
            assert binom_pmf(k, n, p) == pytest.approx(theirs, rel=1e-11)


def test_wheeler_example_is_not_significant() -> None:
    # 25 crimes this month against 16 last: +56%, yet Z = 2(5 - 4) = 2 and the exact
    # test does not reject (Wheeler 2018).
    c = compare_counts(25, 16)
    assert c.change == 9 and c.change_pct == pytest.approx(56.25)
    assert c.z_sqrt == 2.0
    assert not c.significant and c.verdict == "no significant change"
    assert c.p_value == pytest.approx(binomtest(25, 41, 0.5).pvalue, abs=1e-12)


def test_verdicts_follow_direction_and_exposure() -> None:
    assert compare_counts(200, 100).verdict == "significant rise"
    assert compare_counts(100, 200).verdict == "significant fall"
    # 200 in 2 months against 100 in 1 month is the same rate: no change.
    same = compare_counts(200, 100, t_current=2, t_previous=1)
    assert same.change_pct == 0.0 and same.p_value == 1.0
    assert same.verdict == "no significant change"


def test_c_chart_limits_match_hand_calculation() -> None:
    months = [add_months(date(2017, 1, 1), i) for i in range(12)]
    counts = [14, 18, 16, 12, 20, 15, 17, 30, 13, 16, 11, 10]  # sum 192, mean 16
    chart = c_chart(months, counts)
    assert chart is not None
    # centre 16, sigma = sqrt(16) = 4: limits 16 +/- 12
    assert (chart.centre, chart.lower, chart.upper) == (16.0, 4.0, 28.0)
    assert [(s.month, s.rule) for s in chart.signals] == [
        (date(2017, 8, 1), "outside_limits")
    ]
    assert chart.points == 12 and chart.provisional
    low = c_chart(months[:2], [1, 3])  # centre 2: lower limit 2 - 3*1.414 floors at 0
    assert low is not None and low.lower == 0.0
    assert low.upper == pytest.approx(2 + 3 * math.sqrt(2))


def test_xmr_limits_match_hand_calculation() -> None:
    months = [add_months(date(2017, 1, 1), i) for i in range(5)]
    chart = xmr_chart(months, [10.0, 12.0, 11.0, 13.0, 12.0])
    assert chart is not None
    # mean 11.6; moving ranges 2, 1, 2, 1: mean 1.5; limits 11.6 +/- 2.66 * 1.5
    assert chart.centre == pytest.approx(11.6)
    assert chart.upper == pytest.approx(15.59)
    assert chart.lower == pytest.approx(7.61)
    assert chart.signals == ()
    assert xmr_chart(months[:1], [3.0]) is None


def test_runs_rule_flags_eight_on_one_side_not_seven() -> None:
    months = [add_months(date(2016, 1, 1), i) for i in range(20)]
    # 6 low, then 8 high, then 6 low: centre between them, no point beyond limits.
    values = [10.0] * 6 + [12.0] * 8 + [10.0] * 6
    chart = xmr_chart(months, values)
    assert chart is not None
    assert {s.month for s in chart.signals if s.rule == "run"} == set(months[6:14])
    seven = [10.0] * 6 + [12.0] * 7 + [10.0] * 7
    chart7 = xmr_chart(months, seven)
    assert chart7 is not None and not [s for s in chart7.signals if s.rule == "run"]


def _runs_by_hand(values: list[float], centre: float, usual_zero: bool) -> set[int]:
    """The run rule written out: indices in a run of 8 or more strictly on one side,
    zeros neutral when a zero is the usual month."""
    sides = []
    for v in values:
        side = (v > centre) - (v < centre)
        sides.append(0 if (usual_zero and v == 0) else side)
    flagged: set[int] = set()
    start = 0
    for i in range(1, len(sides) + 1):
        if i == len(sides) or sides[i] != sides[start]:
            if sides[start] != 0 and i - start >= 8:
                flagged.update(range(start, i))
            start = i
    return flagged


def test_runs_of_zeros_in_a_small_area_are_not_signals() -> None:
    months = [add_months(date(2016, 1, 1), i) for i in range(24)]
    # A rare event: one month in six has one; the mean 1/6 is below ln 2, so a zero
    # is the usual month (P(0) = exp(-1/6) = 0.85) and runs of zeros are expected.
    rare = [1.0 if i % 6 == 5 else 0.0 for i in range(24)]
    rare[0:10] = [0.0] * 10
    for chart in (xmr_chart(months, rare), c_chart(months, [int(v) for v in rare])):
        assert chart is not None and chart.lower == 0.0
        assert math.exp(-chart.centre) > 0.5
        runs = {s.month for s in chart.signals if s.rule == "run"}
        assert runs == set()
        assert runs == {months[i] for i in _runs_by_hand(rare, chart.centre, True)}
    # With a mean of 3 a month of 0 is unusual (P = 0.05): eight in a row still
    # signal, exactly as the rule written out by hand says.
    busy = [3.0, 4.0, 2.0, 5.0, 3.0, 4.0] + [0.0] * 8 + [3.0, 4.0, 5.0, 3.0, 2.0, 4.0]
    chart = c_chart(months[:20], [int(v) for v in busy])
    assert chart is not None and math.exp(-chart.centre) < 0.5
    runs = {s.month for s in chart.signals if s.rule == "run"}
    assert runs == {months[i] for i in _runs_by_hand(busy, chart.centre, False)}
    assert runs == set(months[6:14])


def test_wilson_interval_matches_scipy_and_hand_calculation() -> None:
    lo, hi = wilson_interval(0.6, 100)
    ci = binomtest(60, 100).proportion_ci(method="wilson")
    assert lo == pytest.approx(ci.low, abs=1e-12)
    assert hi == pytest.approx(ci.high, abs=1e-12)
    assert (lo, hi) == pytest.approx((0.50200, 0.69060), abs=5e-6)


def test_weighted_proportion_uses_kish_effective_n() -> None:
    # Four respondents, weights 1, 1, 2, 2; the first, third and fourth say yes.
    # p = (1 + 2 + 2) / 6 = 5/6; n_eff = 6^2 / (1 + 1 + 4 + 4) = 3.6.
    # Wilson by hand: z^2 = 3.841459, z^2/n = 1.067072, centre = (0.833333 +
    # 0.533536) / 2.067072 = 0.661259, half = 1.959964 * sqrt(0.038580 + 0.074102)
    # / 2.067072 = 0.318288: interval 0.34297 to 0.97955.
    prop = weighted_proportion(6.0, 5.0, 10.0, 4)
    assert prop is not None
    assert prop.estimate == pytest.approx(5 / 6)
    assert prop.effective_n == pytest.approx(3.6)
    assert (prop.low, prop.high) == pytest.approx((0.34297, 0.97955), abs=1e-5)
    assert prop.respondents == 4
    assert kish_effective_n(10.0, 10.0) == 10.0  # equal weights: n
    assert weighted_proportion(0.0, 0.0, 0.0, 0) is None


def test_two_proportion_test_matches_hand_calculation() -> None:
    a = Proportion(0.6, 0.0, 1.0, 100, 100.0)
    b = Proportion(0.5, 0.0, 1.0, 100, 100.0)
    diff, p = compare_proportions(a, b)
    # pooled 0.55: z = 0.1 / sqrt(0.55 * 0.45 * 0.02) = 1.42134
    z = 0.1 / math.sqrt(0.55 * 0.45 * 0.02)
    assert diff == pytest.approx(0.1)
    assert p == pytest.approx(2 * norm.sf(z), abs=1e-12)
    assert p == pytest.approx(0.15522, abs=1e-5)
    same = Proportion(1.0, 0.0, 1.0, 50, 50.0)
    assert compare_proportions(same, same) == (0.0, None)


# --- periods ---------------------------------------------------------------------------


def test_financial_year_boundaries() -> None:
    fy = financial_year(2017)
    assert (fy.start, fy.end, fy.label, fy.kind) == (
        date(2017, 4, 1),
        date(2018, 3, 1),
        "FY 2017/18",
        "financial_year",
    )
    assert financial_year_of(date(2018, 3, 31)) == fy
    assert financial_year_of(date(2018, 4, 1)).label == "FY 2018/19"
    assert financial_year_of(date(2017, 1, 15)).label == "FY 2016/17"
    assert fy.previous().label == "FY 2016/17"
    assert fy.contains(date(2017, 4, 1)) and fy.contains(date(2018, 3, 31))
    assert not fy.contains(date(2017, 3, 31)) and not fy.contains(date(2018, 4, 1))
    assert fy.n_months == 12 and len(fy.months) == 12


def test_quarters_and_their_neighbours() -> None:
    q1 = quarter(2018, 1)
    assert (q1.start, q1.end, q1.label) == (
        date(2018, 1, 1),
        date(2018, 3, 1),
        "2018 Q1",
    )
    assert q1.previous().label == "2017 Q4"
    assert q1.previous().start == date(2017, 10, 1)
    assert q1.year_earlier().label == "2017 Q1"
    assert quarter(2018, 4).end == date(2018, 12, 1)
    with pytest.raises(ValueError):
        quarter(2018, 5)


def test_rolling_twelve_months() -> None:
    r = rolling_12(date(2018, 7, 1))
    assert (r.start, r.end, r.kind, r.label) == (
        date(2017, 8, 1),
        date(2018, 7, 1),
        "rolling_12",
        "12 months to 2018-07",
    )
    prev = r.previous()
    assert (prev.start, prev.end) == (date(2016, 8, 1), date(2017, 7, 1))
    assert prev == r.year_earlier()
    # Twelve months to March is a financial year, to December a calendar year.
    assert rolling_12(date(2018, 3, 1)) == financial_year(2017)
    assert rolling_12(date(2018, 12, 1)) == calendar_year(2018)


def test_months_and_custom_spans() -> None:
    m = month_period(2018, 1)
    assert m.previous() == month_period(2017, 12)
    assert m.year_earlier() == month_period(2017, 1)
    span = period_between(date(2017, 11, 20), date(2018, 2, 3))
    assert (span.kind, span.label, span.n_months) == ("custom", "2017-11 to 2018-02", 4)
    assert span.previous().label == "2017-07 to 2017-10"
    with pytest.raises(ValueError):
        period_between(date(2018, 2, 1), date(2018, 1, 1))


@pytest.mark.parametrize(
    "text, label",
    [
        ("2018-07", "2018-07"),
        ("2018-Q3", "2018 Q3"),
        ("2018q3", "2018 Q3"),
        ("FY2017/18", "FY 2017/18"),
        ("2017/18", "FY 2017/18"),
        ("2017-2018", "FY 2017/18"),
        ("1999/00", "FY 1999/00"),
        ("2018", "2018"),
        ("R12-2018-07", "12 months to 2018-07"),
        ("12m:2018-03", "FY 2017/18"),
        ("2017-07..2018-02", "2017-07 to 2018-02"),
    ],
)
def test_parse_period(text: str, label: str) -> None:
    assert parse_period(text).label == label


@pytest.mark.parametrize("text", ["2018-13", "FY2017/19", "last year", "2018-Q5"])
def test_parse_period_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        parse_period(text)
