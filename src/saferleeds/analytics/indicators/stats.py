"""Statistics for performance indicators: is a change real, is a month unusual, how
sure is a survey figure?

Pure Python (``math`` only) so the runtime needs no SciPy; the tests check every
function here against SciPy or a hand calculation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, getcontext

# --- exact binomial probabilities (Loader 2000) ----------------------------------------

_LN_2PI = math.log(2 * math.pi)
_PI_50 = Decimal("3.14159265358979323846264338327950288419716939937510")


def _stirlerr_table() -> list[float]:
    # stirlerr(n) = ln(n!) - ln(sqrt(2 pi n) (n/e)^n), exactly for small n, with 50
    # significant digits, then rounded once to a float.
    getcontext().prec = 50
    out = [0.0]  # n = 0 is never used (x = 0 and x = n are handled apart)
    half_ln_2pi = (2 * _PI_50).ln() / 2
    for n in range(1, 16):
        d = Decimal(n)
        value = (
            Decimal(math.factorial(n)).ln() - (d + Decimal("0.5")) * d.ln() + d
        ) - half_ln_2pi
        out.append(float(value))
    return out


_STIRLERR = _stirlerr_table()
_S0, _S1, _S2, _S3, _S4 = 1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188


def _stirlerr(n: int) -> float:
    if n <= 15:
        return _STIRLERR[n]
    nn = float(n) * n
    if n > 500:
        return (_S0 - _S1 / nn) / n
    if n > 80:
        return (_S0 - (_S1 - _S2 / nn) / nn) / n
    if n > 35:
        return (_S0 - (_S1 - (_S2 - _S3 / nn) / nn) / nn) / n
    return (_S0 - (_S1 - (_S2 - (_S3 - _S4 / nn) / nn) / nn) / nn) / n


def _bd0(x: float, np_: float) -> float:
    # x log(x/np) + np - x, without cancellation when x is close to np.
    if abs(x - np_) < 0.1 * (x + np_):
        v = (x - np_) / (x + np_)
        s = (x - np_) * v
        ej = 2 * x * v
        v2 = v * v
        j = 1
        while True:
            ej *= v2
            s1 = s + ej / (2 * j + 1)
            if s1 == s:
                return s1
            s = s1
            j += 1
    return x * math.log(x / np_) + np_ - x


def binom_pmf(k: int, n: int, p: float) -> float:
    """P(X = k) for X ~ Binomial(n, p), accurate to a few ulps.

    Notes:
        Loader's saddle-point expansion (C. Loader, "Fast and accurate computation of
        binomial probabilities", 2000), the algorithm behind R's ``dbinom``: it avoids
        the cancellation of ``lgamma`` differences for large ``n``.
    """
    if k < 0 or k > n:
        return 0.0
    q = 1.0 - p
    if p == 0.0:
        return 1.0 if k == 0 else 0.0
    if q == 0.0:
        return 1.0 if k == n else 0.0
    if k == 0:
        if n == 0:
            return 1.0
        return math.exp(-_bd0(n, n * q) - n * p if p < 0.1 else n * math.log(q))
    if k == n:
        return math.exp(-_bd0(n, n * p) - n * q if q < 0.1 else n * math.log(p))
    lc = (
        _stirlerr(n)
        - _stirlerr(k)
        - _stirlerr(n - k)
        - _bd0(k, n * p)
        - _bd0(n - k, n * q)
    )
    lf = _LN_2PI + math.log(k) + math.log1p(-k / n)
    return math.exp(lc - 0.5 * lf)


def _lower_tail(k: int, n: int, p: float) -> float:
    # P(X <= k), summed from k downwards with the pmf ratio; for k below the mode the
    # terms fall at least geometrically, so the sum stops once they are negligible.
    term = binom_pmf(k, n, p)
    total = term
    odds = (1.0 - p) / p
    x = k
    while x > 0 and term > total * 1e-18:
        term *= x / (n - x + 1) * odds
        total += term
        x -= 1
    return total


def _upper_tail(j: int, n: int, p: float) -> float:
    # P(X >= j), summed from j upwards; for j above the mode the terms fall.
    if j > n:
        return 0.0
    term = binom_pmf(j, n, p)
    total = term
    odds = p / (1.0 - p)
    x = j
    while x < n and term > total * 1e-18:
        term *= (n - x) / (x + 1) * odds
        total += term
        x += 1
    return total


def binom_two_sided_p(k: int, n: int, p: float) -> float:
    """Two-sided exact binomial p-value by the minimum-likelihood method.

    The p-value is the total probability of every outcome no more likely than the one
    observed (with the relative tolerance 1e-7 that R's ``binom.test`` and SciPy's
    ``binomtest`` use, so that exact ties count as "as extreme").

    Args:
        k: Successes observed, ``0 <= k <= n``.
        n: Trials, at least 1.
        p: Success probability under the null hypothesis, ``0 < p < 1``.

    Notes:
        The two-sided rule is the "minimum likelihood" one of R's ``binom.test`` and
        SciPy's ``binomtest`` (Hollander & Wolfe, *Nonparametric Statistical
        Methods*, 1973, s. 2.1), so results agree with both. Tail sums start from
        Loader's accurate point probability and walk outwards; the far tail's boundary
        is found by bisection on the point probabilities, which are monotone either
        side of the mode.
    """
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n >= 1, not k={k}, n={n}")
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be strictly between 0 and 1, not {p}")
    d = binom_pmf(k, n, p)
    bound = d * (1 + 1e-7)
    mean = p * n
    if k == mean:
        return 1.0
    if k < mean:
        # First x in [ceil(np), n] whose probability is <= bound: the far tail from x.
        lo, hi = math.ceil(mean), n + 1
        while lo < hi:
            mid = (lo + hi) // 2
            if binom_pmf(mid, n, p) <= bound:
                hi = mid
            else:
                lo = mid + 1
        pval = _lower_tail(k, n, p) + _upper_tail(lo, n, p)
    else:
        # Last x in [0, floor(np)] whose probability is <= bound: the far tail to x.
        lo, hi = -1, math.floor(mean)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if binom_pmf(mid, n, p) <= bound:
                lo = mid
            else:
                hi = mid - 1
        pval = (_lower_tail(lo, n, p) if lo >= 0 else 0.0) + _upper_tail(k, n, p)
    return min(1.0, pval)


# --- change between two counts ---------------------------------------------------------


@dataclass(frozen=True)
class CountComparison:
    """A count compared with an earlier one.

    Attributes:
        current: The count now.
        previous: The count it is compared with.
        change: ``current - previous``.
        change_pct: Percentage change, ``None`` when ``previous`` is 0.
        p_value: Two-sided exact p-value that the underlying rates are equal.
        significant: ``p_value < alpha``.
        verdict: Plain words: "significant rise", "significant fall" or
            "no significant change".
        z_sqrt: Wheeler's 2(sqrt(current) - sqrt(previous)), roughly standard normal
            for equal exposures; |Z| >= 3 is a strong signal.
    """

    current: int
    previous: int
    change: int
    change_pct: float | None
    p_value: float
    significant: bool
    verdict: str
    z_sqrt: float


def poisson_rate_test(n1: int, n2: int, t1: float = 1.0, t2: float = 1.0) -> float:
    """Exact two-sided p-value that two Poisson counts share one rate.

    Args:
        n1: Count in the first period.
        n2: Count in the second period.
        t1: Exposure of the first (months, or person-months); rates are ``n/t``.
        t2: Exposure of the second.

    Returns:
        The p-value; 1.0 when both counts are 0 (no evidence either way).

    Notes:
        The conditional test of Przyborowski & Wilenski (1940): given the total
        ``n = n1 + n2``, ``n1 ~ Binomial(n, t1 / (t1 + t2))`` under equal rates, so the
        exact binomial test applies (two-sided by minimum likelihood, as in
        :func:`binom_two_sided_p`). Krishnamoorthy & Thomson (2004, J. Stat. Plann.
        Inference 119:23-35) compare it with their more powerful E-test; this
        conditional test is the conservative, exactly-computable choice and matches
        ``scipy.stats.binomtest(n1, n1 + n2, t1 / (t1 + t2))``.
    """
    if n1 < 0 or n2 < 0:
        raise ValueError("counts cannot be negative")
    if t1 <= 0 or t2 <= 0:
        raise ValueError("exposures must be positive")
    n = n1 + n2
    if n == 0:
        return 1.0
    return binom_two_sided_p(n1, n, t1 / (t1 + t2))


def compare_counts(
    current: int,
    previous: int,
    *,
    t_current: float = 1.0,
    t_previous: float = 1.0,
    alpha: float = 0.05,
) -> CountComparison:
    """Compare a count with an earlier one: change, exact p-value and a verdict.

    Args:
        current: The count now.
        previous: The count compared with.
        t_current: Exposure of the current period (e.g. months).
        t_previous: Exposure of the earlier period.
        alpha: Significance level for the verdict (0.05: 95% confidence).

    Notes:
        Percentage change alone misleads for small counts (Wheeler 2018, "Testing
        changes in short run crime patterns: the Poisson E-test", andrewpwheeler.com;
        Wheeler 2016 on the square-root Poisson Z), so every change carries the exact
        conditional test of :func:`poisson_rate_test` and the verdict reads only the
        test. Comparing many areas at once, about ``alpha`` of them will show a
        "significant" change by chance.
    """
    p = poisson_rate_test(current, previous, t_current, t_previous)
    significant = p < alpha
    rate_now, rate_then = current / t_current, previous / t_previous
    if not significant:
        verdict = "no significant change"
    elif rate_now > rate_then:
        verdict = "significant rise"
    else:
        verdict = "significant fall"
    return CountComparison(
        current=current,
        previous=previous,
        change=current - previous,
        change_pct=(100.0 * (rate_now - rate_then) / rate_then) if previous else None,
        p_value=p,
        significant=significant,
        verdict=verdict,
        z_sqrt=2.0 * (math.sqrt(rate_now) - math.sqrt(rate_then)),
    )


# --- survey proportions ----------------------------------------------------------------

Z_95 = 1.959963984540054  # the 97.5th percentile of the standard normal


@dataclass(frozen=True)
class Proportion:
    """A weighted survey proportion with its confidence interval.

    Attributes:
        estimate: Weighted share answering positively, 0-1.
        low: Lower end of the interval, 0-1.
        high: Upper end of the interval, 0-1.
        respondents: Unweighted number of valid answers (the sample base).
        effective_n: Kish's effective sample size of the weights.
    """

    estimate: float
    low: float
    high: float
    respondents: int
    effective_n: float


def kish_effective_n(sum_w: float, sum_w2: float) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2``.

    Notes:
        Kish (1965), *Survey Sampling*: unequal weights inflate variance by the design
        effect ``n sum w^2 / (sum w)^2``; dividing ``n`` by it gives this.
    """
    if sum_w2 <= 0:
        return 0.0
    return sum_w * sum_w / sum_w2


def wilson_interval(p: float, n: float, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``p`` observed on ``n`` (may be fractional).

    Notes:
        Wilson (1927), JASA 22:209-212; recommended over the Wald interval by Brown,
        Cai & DasGupta (2001), Statistical Science 16:101-133, for its coverage at small
        ``n`` and near 0 or 1. With weights, ``n`` is Kish's effective sample size.
    """
    if n <= 0:
        raise ValueError("n must be positive")
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def weighted_proportion(
    sum_w: float, sum_w_positive: float, sum_w2: float, respondents: int
) -> Proportion | None:
    """The weighted proportion with a 95% Wilson interval on Kish's effective n.

    Args:
        sum_w: Sum of weights of valid answers.
        sum_w_positive: Sum of weights of positive answers.
        sum_w2: Sum of squared weights of valid answers.
        respondents: Number of valid answers.

    Returns:
        ``None`` when there are no valid answers.

    Notes:
        Estimate ``p = sum(w y) / sum(w)``; effective size ``n_eff = (sum w)^2 /
        sum w^2`` (Kish 1965); interval: Wilson score (Wilson 1927) with ``n_eff`` in
        place of ``n``, the approach recommended for weighted survey proportions by
        Kott & Carr (1997) and used in practice for local crime surveys. Design effects
        from clustering or stratification beyond the weights are not modelled.
    """
    if respondents <= 0 or sum_w <= 0:
        return None
    p = sum_w_positive / sum_w
    n_eff = kish_effective_n(sum_w, sum_w2)
    low, high = wilson_interval(p, n_eff)
    return Proportion(p, low, high, respondents, n_eff)


MIN_SURVEY_BASE = 50


def compare_proportions(
    current: Proportion, previous: Proportion
) -> tuple[float, float | None]:
    """Difference of two independent survey proportions and its two-sided p-value.

    Returns:
        ``(difference, p_value)``; the p-value is ``None`` when the pooled share is 0%
        or 100% (no variance to test against).

    Notes:
        Pooled two-sample z-test on Kish effective sample sizes:
        ``pbar = (p1 n1 + p2 n2) / (n1 + n2)``,
        ``z = (p1 - p2) / sqrt(pbar (1 - pbar) (1/n1 + 1/n2))``,
        ``p = erfc(|z| / sqrt 2)`` (normal approximation; Agresti 2013, *Categorical
        Data Analysis*, 3rd ed., s. 3.1.3; Fleiss, Levin & Paik 2003, s. 2.3). As the
        Crime Survey for England and Wales does, a change is reported as real only
        when significant at the 95% level, and callers should not test bases below
        :data:`MIN_SURVEY_BASE` respondents (ONS suppresses such estimates).
    """
    d = current.estimate - previous.estimate
    n1, n2 = current.effective_n, previous.effective_n
    if n1 <= 0 or n2 <= 0:
        return d, None
    pbar = (current.estimate * n1 + previous.estimate * n2) / (n1 + n2)
    var = pbar * (1 - pbar) * (1 / n1 + 1 / n2)
    if var <= 0:
        return d, None
    z = d / math.sqrt(var)
    return d, math.erfc(abs(z) / math.sqrt(2))


# --- statistical process control -------------------------------------------------------

RUN_LENGTH = 8
MIN_POINTS_FOR_FIRM_LIMITS = 20


@dataclass(frozen=True)
class Signal:
    """A special-cause signal at one point of a control chart.

    Attributes:
        month: The month flagged.
        rule: ``"outside_limits"`` (beyond 3 sigma) or ``"run"`` (part of a run of
            8 or more points on one side of the centre line).
    """

    month: date
    rule: str


@dataclass(frozen=True)
class ControlChart:
    """Centre line, 3-sigma limits and special-cause signals for a monthly series.

    Attributes:
        kind: ``"c"`` (c-chart, Poisson counts) or ``"xmr"`` (individuals chart).
        centre: Centre line (mean of the points).
        lower: Lower control limit (never below 0).
        upper: Upper control limit.
        signals: Special-cause points, by month.
        points: Number of points the limits rest on.
        provisional: Fewer than 20 points: limits are trial limits (Montgomery).
    """

    kind: str
    centre: float
    lower: float
    upper: float
    signals: tuple[Signal, ...]
    points: int
    provisional: bool


def _signals(
    months: list[date], values: list[float], centre: float, lower: float, upper: float
) -> tuple[Signal, ...]:
    """Points outside the limits, and runs of 8 on one side of the centre line.

    Notes:
        The run rule (Western Electric rule 4; Montgomery 2013 s. 5.3.6) assumes a
        point falls below the centre with probability about one half. For rare
        events that fails: a Poisson count with mean ``c`` is 0 with probability
        ``exp(-c)``, more than one half when ``c < ln 2``, so a run of zero months
        is the usual state of a small area, not a special cause. Zeros on a chart
        whose lower limit is floored at 0 are therefore neutral (they neither
        start nor extend a run below the centre) when ``exp(-centre) > 1/2``.
    """
    out: dict[tuple[date, str], Signal] = {}
    for m, v in zip(months, values, strict=True):
        if v > upper or v < lower:
            out[(m, "outside_limits")] = Signal(m, "outside_limits")
    zero_is_usual = lower <= 0 and math.exp(-centre) > 0.5
    side = 0
    run: list[date] = []
    for m, v in zip(months, values, strict=True):
        s = 1 if v > centre else -1 if v < centre else 0
        if s == -1 and v <= 0 and zero_is_usual:
            s = 0
        if s != 0 and s == side:
            run.append(m)
        else:
            run = [m] if s != 0 else []
            side = s
        if len(run) >= RUN_LENGTH:
            for r in run:
                out[(r, "run")] = Signal(r, "run")
    return tuple(sorted(out.values(), key=lambda x: (x.month, x.rule)))


def c_chart(months: list[date], counts: list[int]) -> ControlChart | None:
    """A c-chart for monthly counts of events.

    Args:
        months: The months with data, in order (months with no data left out, not
            zero-filled).
        counts: The count in each month.

    Returns:
        ``None`` with no points.

    Notes:
        Montgomery, *Introduction to Statistical Quality Control* (7th ed., 2013),
        s. 7.3.1: centre ``c = mean count``, limits ``c +/- 3 sqrt(c)`` (lower limit
        floored at 0). Signals: a point outside the limits, or a run of 8 consecutive
        points on one side of the centre line (Western Electric rule 4; Montgomery
        s. 5.3.6), where months of 0 do not make a run when a 0 is the usual month
        (``exp(-c) > 1/2``; see :func:`_signals`). A c-chart assumes Poisson variation; large monthly crime counts are
        usually over-dispersed, so read it with the XmR chart.
    """
    if not counts:
        return None
    c = sum(counts) / len(counts)
    half = 3 * math.sqrt(c)
    lower, upper = max(0.0, c - half), c + half
    return ControlChart(
        "c",
        c,
        lower,
        upper,
        _signals(months, [float(x) for x in counts], c, lower, upper),
        len(counts),
        len(counts) < MIN_POINTS_FOR_FIRM_LIMITS,
    )


XMR_FACTOR = 2.66  # 3 / d2, d2 = 1.128 for moving ranges of two


def xmr_chart(
    months: list[date], values: list[float], *, floor_zero: bool = True
) -> ControlChart | None:
    """An XmR (individuals and moving range) chart for a monthly series.

    Args:
        months: The months with data, in order.
        values: The value in each month.
        floor_zero: Floor the lower limit at 0 (counts and percentages cannot be
            negative).

    Returns:
        ``None`` with fewer than two points (no moving range).

    Notes:
        Wheeler & Chambers, *Understanding Statistical Process Control* (2nd ed.,
        1992); Montgomery (2013) s. 6.4: centre ``x = mean``, ``MR = mean |x_i -
        x_(i-1)|``, limits ``x +/- 2.66 MR`` (2.66 = 3 / d2, d2 = 1.128). The limits
        come from month-to-month variation, so they stay honest when counts are
        over-dispersed. Signals as for :func:`c_chart`.
    """
    if len(values) < 2:
        return None
    x = sum(values) / len(values)
    mr = sum(abs(b - a) for a, b in zip(values, values[1:], strict=False)) / (
        len(values) - 1
    )
    lower = x - XMR_FACTOR * mr
    if floor_zero:
        lower = max(0.0, lower)
    upper = x + XMR_FACTOR * mr
    return ControlChart(
        "xmr",
        x,
        lower,
        upper,
        _signals(months, values, x, lower, upper),
        len(values),
        len(values) < MIN_POINTS_FOR_FIRM_LIMITS,
    )
