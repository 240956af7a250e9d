"""Priority setting for the Joint Strategic Assessment: a MoRiLE-style matrix, a
PESTELO horizon scan fed by the data, and recommendations.

Django-free plain functions over figures the assessment already holds (police.uk
counts per category for two years, harm weights, population). The matrix scores each
police.uk crime category on **harm** (how severe one offence is) and **likelihood** (how
often it happens per resident), multiplies them on a 4 x 4 impact x likelihood grid,
reads the trend from an exact test, and keeps a **confidence** score apart from the risk
score, as MoRiLE asks. The band thresholds are parameters (:class:`MatrixSettings`):
the MoRiLE scales are not published, so the defaults are this project's, documented in
:func:`priority_matrix`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from saferleeds.analytics.indicators.stats import compare_counts

__all__ = [
    "ACQUISITIVE",
    "CategoryFigures",
    "EnteredRecommendation",
    "EnteredScore",
    "MatrixRow",
    "MatrixSettings",
    "PartnershipInputs",
    "PesteloHeading",
    "apply_entered_scores",
    "pestelo_scan",
    "with_entered_scan",
    "priority_matrix",
    "recommendations",
]

#: police.uk categories of acquisitive crime (the economic heading of the scan).
ACQUISITIVE = (
    "Bicycle theft",
    "Burglary",
    "Other theft",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
)
BANDS = ("Low", "Medium", "High")


@dataclass(frozen=True)
class MatrixSettings:
    """Thresholds of the priority matrix (each a lower bound of scores 2, 3 and 4).

    Attributes:
        harm_thresholds: Harm weight per offence (ONS Crime Severity Score units) at
            which the harm score reaches 2, 3 and 4.
        likelihood_thresholds: Offences per 1,000 residents per year at which the
            likelihood score reaches 2, 3 and 4.
        high_from: Risk score (harm x likelihood, 1 to 16) from which the band is High.
        medium_from: Risk score from which the band is Medium.
        confident_count: Offences a year from which confidence is High (with every
            month held); from a quarter of it, Medium.
        alpha: Significance level of the trend test.
    """

    harm_thresholds: tuple[float, float, float] = (25.0, 100.0, 300.0)
    likelihood_thresholds: tuple[float, float, float] = (1.0, 5.0, 15.0)
    high_from: int = 9
    medium_from: int = 4
    confident_count: int = 100
    alpha: float = 0.05


@dataclass(frozen=True)
class CategoryFigures:
    """One crime category's inputs to the matrix.

    Attributes:
        category: police.uk category.
        count: Offences in the assessment year.
        comparison_count: Offences in the year before, ``None`` if not held.
        weight: Harm weight per offence, ``None`` without weights.
        complete: Whether every month of both years is held.
        months: Months the counts cover (12 for a year; fewer when only part of
            the year is held in both years: the rate is then annualised).
    """

    category: str
    count: int
    comparison_count: int | None
    weight: float | None
    complete: bool = True
    months: int = 12


@dataclass(frozen=True)
class MatrixRow:
    """One category scored.

    Attributes:
        category: police.uk category.
        count: Offences in the year.
        rate_per_1000: Offences per 1,000 residents a year (annualised from the
            months held when fewer than 12).
        weight: Harm weight per offence (``None``: harm not scored).
        harm_score: 1 to 4 (0 when no weight).
        likelihood_score: 1 to 4.
        risk_score: harm x likelihood, 0 to 16.
        trend: ``"rising"``, ``"falling"`` or ``"stable"`` (exact test), or
            ``"not compared"``.
        p_value: The trend test's p-value.
        band: ``High``, ``Medium`` or ``Low`` (raised one band for a significant rise).
        confidence: ``High``, ``Medium`` or ``Low``, kept apart from the risk score.
        harm_total: count x weight (``None`` without weight).
        scored_by: ``"data"`` (scored by :func:`priority_matrix`), ``"partnership"``
            (scores entered by the partnership) or ``"carried"`` (the partnership's
            scores carried from the year before, not yet confirmed).
        organisational_position: MoRiLE's organisational position, 1 to 4, when
            the partnership entered one.
    """

    category: str
    count: int
    rate_per_1000: float
    weight: float | None
    harm_score: int
    likelihood_score: int
    risk_score: int
    trend: str
    p_value: float | None
    band: str
    confidence: str
    harm_total: float | None
    scored_by: str = "data"
    organisational_position: int | None = None


def _score(value: float, thresholds: Sequence[float]) -> int:
    return 1 + sum(1 for t in thresholds if value >= t)


def priority_matrix(
    figures: Sequence[CategoryFigures],
    population: int,
    settings: MatrixSettings | None = None,
) -> tuple[MatrixRow, ...]:
    """Score crime categories on a MoRiLE-style harm x likelihood matrix.

    Args:
        figures: Each category's counts and harm weight.
        population: Residents of the partnership (rates per 1,000).
        settings: Thresholds (default :class:`MatrixSettings`).

    Returns:
        One row per category, highest priority first (band, risk score, harm total,
        then name).

    Raises:
        ValueError: If the population is not positive.

    Notes:
        Structure after MoRiLE (Management of Risk in Law Enforcement, NPCC): a harm
        section, a likelihood section and a confidence score recorded separately from
        the risk score; risk graded on the 4 x 4 impact x likelihood grid CSPs use for
        strategic assessments (scores 1 to 16; Fife CSP, "Priority setting and the use
        of strategic assessments"). MoRiLE's own scales are not published, so:

        * harm score: the category's ONS Crime Severity Score weight per offence (the
          severity of one offence, in the CSS's custody-days-equivalent units) against
          ``harm_thresholds`` (default 25, 100, 300: shoplifting and criminal damage
          score 1, drugs and weapons 3, burglary and robbery 4);
        * likelihood score: offences per 1,000 residents in the year against
          ``likelihood_thresholds`` (default 1, 5, 15); when only some months are
          held in both years, the count over them times 12 / months;
        * risk = harm x likelihood; band High from ``high_from`` (9), Medium from
          ``medium_from`` (4), else Low;
        * trend: the exact conditional test of two Poisson counts
          (:func:`~saferleeds.analytics.indicators.stats.compare_counts`) of the
          count against the same months a year earlier; a significant rise moves
          the band up one step (an emerging threat);
        * confidence: High when every month of both years is held and the year has at
          least ``confident_count`` offences, Medium from a quarter of that, else Low;
          Low whenever months are missing or there is no harm weight.

        The organisational-position section of MoRiLE (capacity, capability,
        reputation) is a judgement the data cannot make: it is left to the
        partnership and the matrix is ordered by the data alone.
    """
    if population <= 0:
        raise ValueError("population must be positive")
    s = settings or MatrixSettings()
    rows = []
    for f in figures:
        rate = 1000.0 * f.count * 12 / (population * f.months)
        harm_score = 0 if f.weight is None else _score(f.weight, s.harm_thresholds)
        likelihood = _score(rate, s.likelihood_thresholds)
        risk = harm_score * likelihood
        band = 2 if risk >= s.high_from else 1 if risk >= s.medium_from else 0
        trend, p = "not compared", None
        if f.comparison_count is not None:
            cmp = compare_counts(f.count, f.comparison_count, alpha=s.alpha)
            p = cmp.p_value
            if cmp.p_value >= s.alpha:
                trend = "stable"
            elif f.count > f.comparison_count:
                trend = "rising"
                band = min(2, band + 1)
            else:
                trend = "falling"
        if not f.complete or f.weight is None:
            confidence = "Low"
        elif f.count >= s.confident_count:
            confidence = "High"
        elif 4 * f.count >= s.confident_count:
            confidence = "Medium"
        else:
            confidence = "Low"
        rows.append(
            MatrixRow(
                category=f.category,
                count=f.count,
                rate_per_1000=rate,
                weight=f.weight,
                harm_score=harm_score,
                likelihood_score=likelihood,
                risk_score=risk,
                trend=trend,
                p_value=p,
                band=BANDS[band],
                confidence=confidence,
                harm_total=None if f.weight is None else f.count * f.weight,
            )
        )
    rows.sort(
        key=lambda r: (
            -BANDS.index(r.band),
            -r.risk_score,
            -(r.harm_total or 0.0),
            r.category,
        )
    )
    return tuple(rows)


@dataclass(frozen=True)
class PesteloHeading:
    """One heading of the horizon scan.

    Attributes:
        key: ``political``, ``economic``, ... ``organisational``.
        title: The heading.
        evidence: Sentences from the data (empty when the data say nothing here).
        prompt: What the analyst adds from outside the data.
        entered: What the analyst entered under this heading for the year.
    """

    key: str
    title: str
    evidence: tuple[str, ...]
    prompt: str
    entered: tuple[str, ...] = ()


def _change_words(label: str, now: int, then: int | None, alpha: float) -> str:
    if then is None:
        return f"{label}: {now:,} this year (no comparison year held)."
    cmp = compare_counts(now, then, alpha=alpha)
    pct = f"{100 * (now - then) / then:+.1f}%" if then else "new"
    p = "p < 0.001" if cmp.p_value < 0.001 else f"p = {cmp.p_value:.3f}"
    return f"{label}: {then:,} to {now:,} ({pct}, {cmp.verdict}, {p})."


def pestelo_scan(
    matrix: Sequence[MatrixRow],
    figures: Sequence[CategoryFigures],
    *,
    population: int,
    deprived_share: float | None,
    priorities: Sequence[str],
    indicator_changes: Mapping[str, str],
    uncompared: Sequence[str],
    missing: Sequence[str] = (),
    alpha: float = 0.05,
) -> tuple[PesteloHeading, ...]:
    """The PESTELO horizon-scan headings, each with what the data show.

    Args:
        matrix: The scored categories (:func:`priority_matrix`).
        figures: The categories' counts.
        population: Residents.
        deprived_share: Share of residents in the nationally most deprived 20% of
            LSOAs (IMD deciles 1-2), ``None`` without an IMD file.
        priorities: The strategy's shared priorities.
        indicator_changes: Indicator label -> its change sentence, for partner
            indicators (domestic abuse, hate...).
        uncompared: Indicators with no comparison year.
        missing: Indicators with no figure for the year (data not held).
        alpha: Significance level.

    Returns:
        Political, Economic, Social, Technological, Environmental, Legal and
        Organisational headings, in that order.

    Notes:
        PESTELO (political, economic, social, technological, environmental, legal,
        organisational) is the horizon-scan frame of CSP strategic assessments (Fife
        CSP; Home Office guidance on partnership strategic assessments). The data
        speak to some headings only; each heading says what the analyst should add.
    """
    by_cat = {f.category: f for f in figures}

    def summed(cats: Sequence[str]) -> tuple[int, int | None]:
        held = [by_cat[c] for c in cats if c in by_cat]
        now = sum(f.count for f in held)
        if not held or any(f.comparison_count is None for f in held):
            return now, None
        return now, sum(f.comparison_count or 0 for f in held)

    acq_now, acq_then = summed(ACQUISITIVE)
    dmg_now, dmg_then = summed(("Criminal damage and arson",))
    enf_now, enf_then = summed(("Drugs", "Possession of weapons"))
    high = [r.category for r in matrix if r.band == "High"]
    social = [f"{population:,} residents (Census 2011)."]
    if deprived_share is not None:
        social.append(
            f"{deprived_share:.0%} of residents live in LSOAs among the 20% most "
            "deprived in England (IMD deciles 1-2)."
        )
    social += [
        indicator_changes[k]
        for k in sorted(indicator_changes)
        if k.lower().startswith(("anti-social", "hate", "domestic"))
    ]
    return (
        PesteloHeading(
            "political",
            "Political",
            (
                "The strategy's shared priorities: " + "; ".join(priorities) + ".",
                *(
                    ["Categories scored High on the matrix: " + ", ".join(high) + "."]
                    if high
                    else []
                ),
            ),
            "Elections, Police and Crime Plan, national strategies and funding "
            "decisions expected in the next three years.",
        ),
        PesteloHeading(
            "economic",
            "Economic",
            (_change_words("Acquisitive crime", acq_now, acq_then, alpha),)
            if acq_now
            else (),
            "Cost of living, employment and budget pressures on partners.",
        ),
        PesteloHeading(
            "social",
            "Social",
            tuple(social),
            "Population change, new communities, community tensions.",
        ),
        PesteloHeading(
            "technological",
            "Technological",
            (),
            "Fraud and online crime are not in police.uk street-level data: add "
            "Action Fraud figures and digital-enabled harm from partners.",
        ),
        PesteloHeading(
            "environmental",
            "Environmental",
            (_change_words("Criminal damage and arson", dmg_now, dmg_then, alpha),)
            if dmg_now
            else (),
            "Regeneration, housing developments, night-time economy and events.",
        ),
        PesteloHeading(
            "legal",
            "Legal",
            (
                _change_words(
                    "Drugs and possession of weapons (mostly found by police "
                    "activity, so they follow enforcement as much as offending)",
                    enf_now,
                    enf_then,
                    alpha,
                ),
            )
            if enf_now
            else (),
            "New legislation, duties (e.g. the Serious Violence Duty) and changes to "
            "crime recording rules.",
        ),
        PesteloHeading(
            "organisational",
            "Organisational",
            _coverage(uncompared, missing),
            "Restructures, vacancies, commissioning and data-sharing changes.",
        ),
    )


def _coverage(uncompared: Sequence[str], missing: Sequence[str]) -> tuple[str, ...]:
    out = []
    if uncompared:
        out.append(
            "Indicators without a comparison year: " + "; ".join(uncompared) + "."
        )
    if missing:
        out.append(
            "Indicators with no figure for the year (data not held): "
            + "; ".join(missing)
            + "."
        )
    return tuple(out) or ("Every indicator is held for both years.",)


def recommendations(matrix: Sequence[MatrixRow]) -> tuple[str, ...]:
    """Recommendations that follow from the matrix, most pressing first.

    Returns:
        One sentence per High-band category (keep or make it a priority), one per
        significant rise outside the High band (watch), and one naming every
        Low-confidence category with a High or Medium band (improve the data).

    Notes:
        A rule for each, so the same matrix always gives the same list: the
        analyst edits and adds to them before the plan is set.
    """
    out: list[str] = []
    for r in matrix:
        if r.band == "High":
            why = f"risk {r.risk_score} (harm {r.harm_score} x likelihood " + (
                f"{r.likelihood_score})"
            )
            trend = f", {r.trend}" if r.trend != "not compared" else ""
            count = (
                f"; {r.count:,} offences this year"
                if r.scored_by == "data" or (r.count)
                else ""
            )
            out.append(
                f"Keep {r.category.lower()} a partnership priority: {why}{trend}"
                f"{count}."
            )
    for r in matrix:
        if r.band != "High" and r.trend == "rising":
            p = "p < 0.001" if (r.p_value or 0.0) < 0.001 else f"p = {r.p_value:.3f}"
            out.append(
                f"Watch {r.category.lower()}: a significant rise ({r.count:,} "
                f"offences, {p}) though its risk score is {r.risk_score}."
            )
    weak = [
        r.category.lower()
        for r in matrix
        if r.confidence == "Low" and r.band in ("High", "Medium")
    ]
    if weak:
        out.append(
            "Improve the data behind the scores of "
            + ", ".join(weak)
            + ": confidence is low (months missing, few offences or no harm weight)."
        )
    return tuple(out)


CONFIDENCES = ("High", "Medium", "Low")


@dataclass(frozen=True)
class EnteredScore:
    """The partnership's own score of a theme for the year.

    Attributes:
        theme: The theme: a police.uk category (it then replaces the data's scores
            for that row) or another theme (a row of its own).
        method: ``"morile"`` (harm, likelihood, organisational position) or ``"grid"``
            (the 4 x 4 impact x likelihood grid; ``harm`` holds the impact).
        harm: 1 to 4.
        likelihood: 1 to 4.
        organisational_position: 1 to 4 (4: the partnership is least placed to
            manage it now), MoRiLE only; ``None`` otherwise.
        confidence: ``High``, ``Medium`` or ``Low``.
        carried: Carried from the year before and not yet confirmed.
    """

    theme: str
    method: str
    harm: int
    likelihood: int
    organisational_position: int | None
    confidence: str
    carried: bool = False


@dataclass(frozen=True)
class EnteredRecommendation:
    """A recommendation the analyst entered, and the deliverable it feeds.

    Attributes:
        text: The recommendation.
        theme: The theme it is about (may be empty).
        deliverable: The plan's deliverable it became or is linked to ("": none yet).
        lead_agency: That deliverable's lead agency.
        board: That deliverable's board.
    """

    text: str
    theme: str = ""
    deliverable: str = ""
    lead_agency: str = ""
    board: str = ""


@dataclass(frozen=True)
class PartnershipInputs:
    """What the partnership entered for the year: scores, horizon scan, recommendations.

    Attributes:
        scores: Entered (or carried) priority scores, by theme.
        horizon: (PESTELO heading key, text) pairs, in the order entered.
        recommendations: Entered recommendations, in the order entered.
    """

    scores: tuple[EnteredScore, ...] = ()
    horizon: tuple[tuple[str, str], ...] = ()
    recommendations: tuple[EnteredRecommendation, ...] = ()


def _band_of(risk: int, settings: MatrixSettings) -> int:
    return 2 if risk >= settings.high_from else 1 if risk >= settings.medium_from else 0


def _order_key(r: MatrixRow) -> tuple[int, int, int, float, str]:
    return (
        -BANDS.index(r.band),
        -r.risk_score,
        -(r.organisational_position or 0),
        -(r.harm_total or 0.0),
        r.category,
    )


def apply_entered_scores(
    matrix: Sequence[MatrixRow],
    entered: Sequence[EnteredScore],
    settings: MatrixSettings | None = None,
) -> tuple[MatrixRow, ...]:
    """The matrix with the partnership's entered scores in place of the data's.

    Args:
        matrix: The data's matrix (:func:`priority_matrix`).
        entered: The partnership's scores; a theme that names a row's category
            (case-insensitively) replaces that row's harm, likelihood and confidence;
            any other theme becomes a row of its own (no offence count).
        settings: The band thresholds (default :class:`MatrixSettings`).

    Returns:
        The rows, highest priority first.

    Raises:
        ValueError: A score outside 1 to 4, an unknown confidence or method.

    Notes:
        The risk score is harm (impact) x likelihood on the 4 x 4 grid, banded with
        the same thresholds as the data's matrix; a significant rise measured by the
        data still moves the band up one step. MoRiLE's organisational position does
        not change the risk score (MoRiLE keeps it as a separate section): it orders
        rows of equal band and risk, the theme the partnership is least placed to
        manage first. The offence count, rate, weight and trend stay the data's.
    """
    s = settings or MatrixSettings()
    by_theme: dict[str, EnteredScore | None] = {}
    for e in entered:
        for name, value in (("harm", e.harm), ("likelihood", e.likelihood)):
            if not 1 <= value <= 4:
                raise ValueError(f"{e.theme}: {name} score must be 1 to 4, not {value}")
        op = e.organisational_position
        if op is not None and not 1 <= op <= 4:
            raise ValueError(
                f"{e.theme}: organisational position must be 1 to 4, not {op}"
            )
        if e.confidence not in CONFIDENCES:
            raise ValueError(f"{e.theme}: confidence must be High, Medium or Low")
        if e.method not in ("morile", "grid"):
            raise ValueError(f"{e.theme}: method must be morile or grid")
        by_theme[e.theme.strip().lower()] = e
    rows: list[MatrixRow] = []
    for r in matrix:
        mine = by_theme.pop(r.category.lower(), None)
        if mine is None:
            rows.append(r)
            continue
        risk = mine.harm * mine.likelihood
        band = _band_of(risk, s)
        if r.trend == "rising":
            band = min(2, band + 1)
        rows.append(
            MatrixRow(
                category=r.category,
                count=r.count,
                rate_per_1000=r.rate_per_1000,
                weight=r.weight,
                harm_score=mine.harm,
                likelihood_score=mine.likelihood,
                risk_score=risk,
                trend=r.trend,
                p_value=r.p_value,
                band=BANDS[band],
                confidence=mine.confidence,
                harm_total=r.harm_total,
                scored_by="carried" if mine.carried else "partnership",
                organisational_position=(
                    mine.organisational_position if mine.method == "morile" else None
                ),
            )
        )
    for key in sorted(by_theme):
        left = by_theme[key]
        assert left is not None
        risk = left.harm * left.likelihood
        rows.append(
            MatrixRow(
                category=left.theme.strip(),
                count=0,
                rate_per_1000=0.0,
                weight=None,
                harm_score=left.harm,
                likelihood_score=left.likelihood,
                risk_score=risk,
                trend="not compared",
                p_value=None,
                band=BANDS[_band_of(risk, s)],
                confidence=left.confidence,
                harm_total=None,
                scored_by="carried" if left.carried else "partnership",
                organisational_position=(
                    left.organisational_position if left.method == "morile" else None
                ),
            )
        )
    rows.sort(key=_order_key)
    return tuple(rows)


def with_entered_scan(
    scan: Sequence[PesteloHeading], entered: Sequence[tuple[str, str]]
) -> tuple[PesteloHeading, ...]:
    """The horizon scan with the analyst's entries under their headings.

    Raises:
        ValueError: An entry under a heading the scan does not have.
    """
    keys = {h.key for h in scan}
    extra: dict[str, list[str]] = {k: [] for k in keys}
    for key, text in entered:
        if key not in keys:
            raise ValueError(f"unknown PESTELO heading {key!r}")
        extra[key].append(text)
    return tuple(
        PesteloHeading(h.key, h.title, h.evidence, h.prompt, tuple(extra[h.key]))
        for h in scan
    )
