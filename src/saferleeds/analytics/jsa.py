"""The Joint Strategic Assessment (JSA), generated from the data held.

A Community Safety Partnership writes a strategic assessment every year (Crime and
Disorder Regulations 2007, reg. 5). :func:`build_assessment` assembles its evidence for
one financial year compared with another: an executive summary of what changed
significantly, the partnership's context (population, deprivation, areas), one chapter
per shared priority of the strategy (victim, offender, location) with its indicators,
monthly control charts and the areas most affected, harm-weighted volume and a methods
annex. Every number comes from :func:`~saferleeds.analytics.indicators.compute_indicators`
or :func:`~saferleeds.analytics.indicators.indicator_series`, so the assessment and the
indicators pages and CLI never disagree. Rendering is in :mod:`saferleeds.analytics.jsa_html`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from saferleeds.analytics.indicators import (
    HarmWeights,
    IndicatorResult,
    IndicatorSeries,
    Period,
    compute_indicators,
    default_harm_weights,
    financial_year,
    indicator_series,
    parse_period,
)
from saferleeds.analytics.indicators.compute import Source, resolve_area
from saferleeds.analytics.indicators.engine import as_engine, lit
from saferleeds.analytics.jsa_maps import PlaceMap, place_map
from saferleeds.analytics.priority import (
    CategoryFigures,
    EnteredRecommendation,
    MatrixRow,
    MatrixSettings,
    PartnershipInputs,
    PesteloHeading,
    apply_entered_scores,
    pestelo_scan,
    priority_matrix,
    recommendations,
    with_entered_scan,
)

TOP_N = 10  # areas listed per indicator ("the neighbourhoods most affected")
MAPS_PER_CHAPTER = 2  # each map is a Gi* run and ~110 kB of SVG


class NoData(ValueError):
    """The assessment year has no data for any indicator: no report is built."""


@dataclass(frozen=True)
class Priority:
    """A shared priority of the strategy, with the indicators and themes it reports.

    Attributes:
        key: ``victim``, ``offender`` or ``location``.
        title: The strategy's wording.
        focus: Victim, Offender or Location.
        themes: The critical themes the strategy names under it.
        indicators: Indicator ids of its chapter, in order.
    """

    key: str
    title: str
    focus: str
    themes: tuple[str, ...]
    indicators: tuple[str, ...]


# Safer Leeds Community Safety Strategy 2018-21, "Shared Priorities (2018-21)".
PRIORITIES: tuple[Priority, ...] = (
    Priority(
        "victim",
        "Keeping people safe from harm",
        "Victim",
        (
            "domestic violence and abuse",
            "hate crime",
            "sexual violence and abuse",
            "modern slavery and trafficking",
        ),
        ("domestic_abuse", "hate_incidents", "violence_sexual"),
    ),
    Priority(
        "offender",
        "Preventing & reducing offending",
        "Offender",
        ("re-offending", "drug and alcohol related offending", "organised crime"),
        ("reoffending", "drug_related", "alcohol_related"),
    ),
    Priority(
        "location",
        "Creating safer, stronger communities",
        "Location",
        (
            "anti-social behaviour",
            "community crime",
            "feeling safe",
            "public confidence",
        ),
        ("total_recorded_crime", "asb", "feel_safe", "confidence"),
    ),
)


@dataclass(frozen=True)
class Finding:
    """A change the executive summary reports, in plain words.

    Attributes:
        indicator: Indicator id.
        label: Indicator label.
        kind: ``"change"`` (exact test on the year's total) or ``"spc"`` (a special
            cause month on the control chart).
        direction: ``"rise"`` or ``"fall"``.
        text: The sentence, with the numbers and the test.
    """

    indicator: str
    label: str
    kind: str
    direction: str
    text: str


@dataclass(frozen=True)
class ImdSummary:
    """Deprivation of the partnership's LSOAs (English Indices of Deprivation).

    Attributes:
        source: The file read.
        lsoas: LSOAs matched to an IMD decile.
        by_decile: Decile (1 = most deprived 10% in England) -> (LSOAs, residents).
        deciles: LSOA code -> IMD decile.
    """

    source: str
    lsoas: int
    by_decile: tuple[tuple[int, int, int], ...]
    deciles: dict[str, int]


@dataclass(frozen=True)
class Neighbourhood:
    """A priority neighbourhood of the partnership."""

    name: str
    lsoas: tuple[str, ...]
    population: int


@dataclass(frozen=True)
class Context:
    """The partnership's area and people.

    Attributes:
        area: District code.
        area_name: District name.
        population: Census 2011 usual residents.
        lsoas: Number of LSOAs.
        msoas: Number of MSOAs.
        neighbourhoods: The priority neighbourhoods, by name.
        imd: Deprivation, when an IMD file was given.
        wards: Recorded crime in each electoral ward for the year, compared with the
            year before, ranked by rate (empty without a ward lookup).
    """

    area: str
    area_name: str
    population: int
    lsoas: int
    msoas: int
    neighbourhoods: tuple[Neighbourhood, ...]
    imd: ImdSummary | None
    wards: tuple[IndicatorResult, ...] = ()


@dataclass(frozen=True)
class Chapter:
    """One shared priority's chapter.

    Attributes:
        priority: The priority.
        indicators: District results for its indicators (with the comparison).
        series: Monthly series with control charts, for its count indicators.
        top_lsoas: Indicator id -> the ``TOP_N`` LSOAs of highest rate.
        neighbourhoods: Indicator id -> results for each priority neighbourhood.
        maps: LSOA maps with Gi* hot spots for its first count indicators with data
            (at most ``MAPS_PER_CHAPTER``).
    """

    priority: Priority
    indicators: tuple[IndicatorResult, ...]
    series: tuple[IndicatorSeries, ...]
    top_lsoas: tuple[tuple[str, tuple[IndicatorResult, ...]], ...]
    neighbourhoods: tuple[tuple[str, tuple[IndicatorResult, ...]], ...]
    maps: tuple[PlaceMap, ...] = ()


@dataclass(frozen=True)
class HarmRow:
    """Harm-weighted volume of one police.uk category."""

    category: str
    weight: float | None
    count: int
    harm: float | None
    comparison_count: int | None
    comparison_harm: float | None


@dataclass(frozen=True)
class HarmSection:
    """Harm-weighted volume: weights' status and the totals by category.

    Attributes:
        available: Whether weights are available (else only counts are shown).
        status: Weights' status (``blocked``, ``derived``, ``illustrative``...).
        source: Where the weights come from.
        note: Caveat shown with the figures.
        rows: One per police.uk crime category, highest harm (or count) first.
        police_months: Police.uk months held in the period (harm needs all 12).
        matched_months: Months of the period held with the same month a year
            earlier also held (the priority matrix falls back on these).
        matched: ``(category, count, count a year earlier)`` over the matched months.
    """

    available: bool
    status: str
    source: str
    note: str
    rows: tuple[HarmRow, ...]
    police_months: int
    matched_months: int = 0
    matched: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True)
class Method:
    """One entry of the methods annex."""

    title: str
    text: str


@dataclass(frozen=True)
class Assessment:
    """The Joint Strategic Assessment's content, ready to render.

    Attributes:
        title: Document title.
        period: The assessment year.
        comparison: The year it is compared with.
        alpha: Significance level of the tests.
        summary: Significant changes and special causes, most significant first.
        not_significant: Indicators compared whose change was not significant.
        context: The partnership's area and people.
        chapters: One per shared priority.
        harm: Harm-weighted volume.
        methods: The methods annex.
        sources: Data sources, as cited.
        matrix: The priority-setting matrix, highest priority first.
        pestelo: The PESTELO horizon scan.
        recommendations: Recommendations that follow from the matrix.
        entered_recommendations: Recommendations the analyst entered for the year,
            with the deliverables they feed.
    """

    title: str
    period: Period
    comparison: Period | None
    alpha: float
    summary: tuple[Finding, ...]
    not_significant: tuple[IndicatorResult, ...]
    context: Context
    chapters: tuple[Chapter, ...]
    harm: HarmSection
    methods: tuple[Method, ...]
    sources: tuple[str, ...]
    matrix: tuple[MatrixRow, ...] = ()
    pestelo: tuple[PesteloHeading, ...] = ()
    recommendations: tuple[str, ...] = ()
    entered_recommendations: tuple[EnteredRecommendation, ...] = ()


def parse_year(text: str) -> Period:
    """Parse a financial year: ``2017/18``, ``FY2017/18`` or ``2017-2018``.

    Raises:
        ValueError: If the text is not a financial year.
    """
    period = parse_period(text)
    if period.kind != "financial_year":
        raise ValueError(f"not a financial year: {text!r} (write it as 2017/18)")
    return period


def _fmt_int(n: float | None) -> str:
    return "-" if n is None else f"{n:,.0f}"


def _fmt_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def change_sentence(r: IndicatorResult, alpha: float) -> str:
    """One result's change in plain words, naming the test and its numbers.

    Notes:
        The test is the indicators' own: the exact conditional test for two Poisson
        counts (Przyborowski & Wilenski 1940) for counts, a two-sample z-test of
        weighted proportions for survey shares; see
        :mod:`saferleeds.analytics.indicators.stats`.
    """
    word = "rose" if (r.change or 0) > 0 else "fell"
    if r.unit == "percent":
        return (
            f"{r.label} {word} from {r.comparison_value:.1f}% in "
            f"{r.comparison_period} to {r.value:.1f}% in {r.period} "
            f"({r.change:+.1f} percentage points). A two-sample test of the weighted "
            f"survey shares gives {_fmt_p(r.p_value or 0.0)}: a change this large "
            f"would arise by chance less than {alpha:.0%} of the time if nothing had "
            "changed."
        )
    pct = "" if r.change_pct is None else f", {r.change_pct:+.1f}%"
    return (
        f"{r.label} {word} from {_fmt_int(r.comparison_value)} in "
        f"{r.comparison_period} to {_fmt_int(r.value)} in {r.period} "
        f"({r.change:+,}{pct}; {r.rate_per_1000:.2f} per 1,000 residents). "
        f"Treating each year's count as a Poisson count, the exact test of equal "
        f"rates gives {_fmt_p(r.p_value or 0.0)}: a difference this large would "
        f"arise by chance less than {alpha:.0%} of the time if the underlying rate "
        "had not changed."
    )


def _spc_findings(series: IndicatorSeries, period: Period) -> list[Finding]:
    chart = series.xmr
    if chart is None:
        return []
    out: list[Finding] = []
    for rule in ("outside_limits", "run"):
        months = [
            p.month
            for p in series.points
            if rule in p.signals and period.contains(p.month)
        ]
        if not months:
            continue
        values = [p.value for p in series.points if p.month in months]
        high = sum(1 for v in values if v is not None and v > chart.centre)
        direction = "rise" if 2 * high >= len(values) else "fall"
        listed = ", ".join(
            f"{m:%b %Y} ({_fmt_int(v)})" for m, v in zip(months, values, strict=True)
        )
        if rule == "outside_limits":
            what = (
                f"fell outside the control limits ({chart.lower:,.1f} to "
                f"{chart.upper:,.1f} a month) in {listed}"
            )
        else:
            what = (
                f"stayed on one side of the average ({chart.centre:,.1f} a month) "
                f"for 8 months or more: {listed}"
            )
        out.append(
            Finding(
                series.id,
                series.label,
                "spc",
                direction,
                f"{series.label}: the monthly count {what}. On an XmR control chart "
                "this is a special cause: more than month-to-month variation.",
            )
        )
    return out


def _neighbourhoods(source: Source) -> tuple[Neighbourhood, ...]:
    engine = as_engine(source)
    rows = engine.fetch(
        "SELECT n.name, n.lsoa_code, coalesce(a.population, 0) "
        "FROM area_neighbourhood n JOIN area_lsoa a USING (lsoa_code) "
        "ORDER BY n.name, n.lsoa_code"
    )
    by: dict[str, tuple[list[str], list[int]]] = {}
    for name, lsoa, pop in rows:
        codes, pops = by.setdefault(str(name), ([], []))
        codes.append(str(lsoa))
        pops.append(int(pop))
    return tuple(
        Neighbourhood(name, tuple(codes), sum(pops))
        for name, (codes, pops) in sorted(by.items())
    )


def read_imd(path: Path, lsoa_population: dict[str, int]) -> ImdSummary:
    """Read IMD deciles for the partnership's LSOAs from an IoD LSOA file.

    The CSV needs ``lsoa_code`` (or ``lsoa11cd``) and ``IMD_decile`` columns, as the
    English Indices of Deprivation 2019 LSOA file has (MHCLG, OGL v3.0).

    Raises:
        ValueError: If the columns are missing or no LSOA of the partnership matches.
    """
    deciles: dict[str, int] = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        cols = {c.lower(): c for c in reader.fieldnames or []}
        code_col = cols.get("lsoa_code") or cols.get("lsoa11cd")
        dec_col = cols.get("imd_decile")
        if code_col is None or dec_col is None:
            raise ValueError(f"{path}: needs columns lsoa_code and IMD_decile")
        for row in reader:
            code = row[code_col].strip()
            if code in lsoa_population and row[dec_col].strip():
                deciles[code] = int(row[dec_col])
    if not deciles:
        raise ValueError(f"{path}: no LSOA of the partnership has an IMD decile")
    table = []
    for d in range(1, 11):
        codes = [c for c, v in deciles.items() if v == d]
        table.append((d, len(codes), sum(lsoa_population[c] for c in codes)))
    return ImdSummary(
        path.name, len(deciles), tuple(table), dict(sorted(deciles.items()))
    )


WARD_INDICATOR = "total_recorded_crime"
"""The indicator the context chapter's ward table gives for every ward."""


def _has_wards(source: Source) -> bool:
    rows = as_engine(source).fetch(
        "SELECT count(*) FROM area_lsoa WHERE ward_code IS NOT NULL"
    )
    return bool(rows and rows[0][0])


def _context(source: Source, imd_path: Path | None) -> Context:
    engine = as_engine(source)
    area = resolve_area(engine)
    rows = engine.fetch(
        "SELECT lsoa_code, msoa_code, coalesce(population, 0) FROM area_lsoa "
        f"WHERE district_code = {lit(area.code)} ORDER BY lsoa_code"
    )
    pops = {str(r[0]): int(r[2]) for r in rows}
    return Context(
        area.code,
        area.name,
        sum(pops.values()),
        len(pops),
        len({r[1] for r in rows}),
        _neighbourhoods(engine),
        read_imd(imd_path, pops) if imd_path is not None else None,
    )


def _harm(
    source: Source,
    period: Period,
    comparison: Period | None,
    weights: HarmWeights,
    district: str,
) -> HarmSection:
    engine = as_engine(source)
    counts: dict[tuple[str, date], int] = {}
    held: set[date] = set()
    if engine.has_table("police_street"):
        start = min(period.start, comparison.start) if comparison else period.start
        for ctype, month, n in engine.fetch(
            "SELECT p.crime_type, p.month, count(*) FROM police_street p "
            "JOIN area_lsoa a ON a.lsoa_code = p.lsoa_code "
            f"WHERE a.district_code = {lit(district)} AND p.month >= {lit(start)} "
            f"AND p.month <= {lit(period.end)} AND p.crime_type <> "
            "'Anti-social behaviour' GROUP BY 1, 2"
        ):
            counts[(str(ctype), month)] = int(n)
        held = {
            r[0]
            for r in engine.fetch(
                f"SELECT DISTINCT month FROM police_street WHERE month >= {lit(start)} "
                f"AND month <= {lit(period.end)}"
            )
        }

    def total(ctype: str, p: Period) -> int | None:
        if any(m not in held for m in p.months):
            return None
        return sum(counts.get((ctype, m), 0) for m in p.months)

    rows = []
    for ctype in sorted({c for c, _ in counts}):
        w = weights.weights.get(ctype) if weights.available else None
        n = total(ctype, period)
        cn = total(ctype, comparison) if comparison else None
        if n is None:
            continue
        rows.append(
            HarmRow(
                ctype,
                float(w) if w is not None else None,
                n,
                float(w * n) if w is not None else None,
                cn,
                float(w * cn) if w is not None and cn is not None else None,
            )
        )
    rows.sort(key=lambda r: (-(r.harm or 0.0), -r.count, r.category))
    earlier = {m: m.replace(year=m.year - 1) for m in period.months}
    matched = [
        m
        for m in period.months
        if m in held and (comparison is None or earlier[m] in held)
    ]
    by_type = sorted(
        (
            c,
            sum(counts.get((c, m), 0) for m in matched),
            sum(counts.get((c, earlier[m]), 0) for m in matched),
        )
        for c in {c for c, _ in counts}
    )
    return HarmSection(
        weights.available,
        weights.status,
        weights.source,
        weights.note,
        tuple(rows),
        sum(1 for m in period.months if m in held),
        len(matched),
        tuple(by_type),
    )


METHODS: tuple[Method, ...] = (
    Method(
        "Periods",
        "The assessment year is a financial year, April to March, made of whole "
        "calendar months (police.uk records are dated to the month). A month counts "
        "only if its source covers it: a police.uk month imported, or a partner "
        "extract covering the whole month. A year with a month missing has no figure, "
        "never a partial total that would read as a fall.",
    ),
    Method(
        "Counts and rates",
        "Each indicator counts the records its definition in the indicator registry "
        "selects (saferleeds.analytics.indicators.registry), in the partnership's "
        "LSOAs. Rates are per 1,000 usual residents (ONS Census 2011) over the year.",
    ),
    Method(
        "Change between years",
        "Counts are compared with the exact conditional test for two Poisson counts "
        "(Przyborowski & Wilenski 1940; Krishnamoorthy & Thomson 2004): given the two "
        "years' total, this year's count is binomial with probability one half if the "
        "rate has not changed, and the two-sided p-value is the exact binomial one. A "
        "change is called significant when p < alpha. Survey shares are weighted "
        "proportions with Wilson 95% intervals on Kish's effective sample size, "
        "compared by a two-sample z-test. Comparing many indicators and areas, about "
        "one in twenty shows a 'significant' change by chance at alpha = 0.05.",
    ),
    Method(
        "Control charts (SPC)",
        "Monthly counts over the comparison year and the assessment year are plotted "
        "on an XmR (individuals) chart: centre line the mean, limits the mean plus or "
        "minus 2.66 times the mean moving range (Wheeler & Chambers 1992; Montgomery "
        "2013, s. 6.4). A special cause is a month outside the limits or a run of 8 "
        "or more months on one side of the centre line (Western Electric rule 4). "
        "With fewer than 20 months the limits are trial limits.",
    ),
    Method(
        "Maps and hot spots",
        "Each chapter maps up to two of its count indicators by LSOA for the year, "
        "shaded in five quantile classes, from the shipped ONS boundaries (no tiles). "
        "Hot and cold spots are LSOAs whose Getis-Ord Gi* (Ord & Getis 1995; binary "
        "queen contiguity plus the LSOA itself) is significant after the "
        "Benjamini-Hochberg false discovery rate of 5% across LSOAs, with pseudo "
        "p-values from 99,999 conditional permutations under a fixed seed (so a "
        "rebuild gives the same map). Near-repeat (Knox) analysis needs events dated "
        "to the day: police.uk records are dated to the month, so it is not part of "
        "this document; run `saferleeds near-repeat` on dated partner events.",
    ),
    Method(
        "Areas most affected",
        "LSOAs are ranked by rate per 1,000 residents for the year (rank 1 the highest "
        "rate); priority neighbourhoods are the partnership's own LSOA groups. Small "
        "populations make rates volatile: read a high rank with its count.",
    ),
    Method(
        "Harm-weighted volume",
        "Each crime is counted by a severity weight instead of as one: the ONS Crime "
        "Severity Score (ONS 2016), one weight per Home Office offence code from "
        "sentencing data, averaged to police.uk categories by West Yorkshire's 2017/18 "
        "offence volumes (src/saferleeds/data/harm/README.md). Where the weights are "
        "not available the volume is shown unweighted and the report says so.",
    ),
    Method(
        "Priority-setting matrix",
        "Each police.uk crime category is scored, after MoRiLE (Management of Risk in "
        "Law Enforcement), on harm (its ONS Crime Severity Score weight per offence: "
        "1 below 25, 2 from 25, 3 from 100, 4 from 300) and likelihood (offences per "
        "1,000 residents in the year: 1 below 1, 2 from 1, 3 from 5, 4 from 15). The "
        "risk score is harm x likelihood on the 4 x 4 impact x likelihood grid (1 to "
        "16): High from 9, Medium from 4, else Low; a significant rise (exact test "
        "above) moves a category up one band. Confidence is scored apart from risk: "
        "High with every month of both years held and at least 100 offences, Medium "
        "from 25, else Low. MoRiLE's own scales are not published: these thresholds "
        "are the project's defaults and configurable (saferleeds.analytics.priority). "
        "Organisational position (capacity, capability) is the partnership's "
        "judgement and is not scored from the data. Where the partnership entered its "
        "own scores for the year (harm or impact, likelihood, organisational position "
        "1 to 4, and confidence), they replace the data's harm, likelihood and "
        "confidence for that theme; the banding and the rise rule stay the same, and "
        "organisational position orders themes of equal band and risk. Scores carried "
        "from the year before are used, and marked, until the partnership confirms "
        "them.",
    ),
    Method(
        "Horizon scan (PESTELO)",
        "Political, economic, social, technological, environmental, legal and "
        "organisational headings. Under each, the sentences are computed from the "
        "data held (acquisitive crime for economic, criminal damage for "
        "environmental, drugs and weapons for legal, coverage for organisational); "
        "the prompt under each says what the analyst adds from outside the data.",
    ),
    Method(
        "Deprivation",
        "The English Indices of Deprivation rank every LSOA in England; decile 1 holds "
        "the 10% most deprived. Residents are Census 2011 usual residents of the LSOAs "
        "in each decile.",
    ),
    Method(
        "Reproducibility",
        "The document is generated from the data by `saferleeds jsa build`; the same "
        "data and settings give byte-identical HTML. It carries no date other than the "
        "data period.",
    ),
)

SOURCES: tuple[str, ...] = (
    "data.police.uk street-level crime and anti-social behaviour, West Yorkshire "
    "Police (Open Government Licence v3.0).",
    "ONS Census 2011 usual residents by LSOA; ONS LSOA and MSOA codes and names "
    "(Open Government Licence v3.0).",
    "Partner extracts (pseudonymised incidents) and the resident survey, as loaded "
    "into the analytics store.",
    "Safer Leeds Community Safety Strategy 2018-21: shared priorities, themes and "
    "indicators.",
)


def build_assessment(
    source: Source,
    period: Period,
    *,
    comparison: Period | None = None,
    harm_weights: HarmWeights | None = None,
    imd_path: Path | None = None,
    alpha: float = 0.05,
    title: str | None = None,
    matrix_settings: MatrixSettings | None = None,
    inputs: PartnershipInputs | None = None,
) -> Assessment:
    """Assemble the Joint Strategic Assessment for a financial year.

    Args:
        source: The analytics store (or a DuckDB connection or engine).
        period: The assessment year (see :func:`parse_year`).
        comparison: The year compared with (default: the year before).
        harm_weights: Harm weights (default
            :func:`~saferleeds.analytics.indicators.default_harm_weights`).
        imd_path: An English Indices of Deprivation LSOA CSV for the context chapter
            (``lsoa_code, IMD_decile``); ``None`` leaves deprivation out.
        alpha: Significance level of the tests.
        title: Document title (default "<district> Joint Strategic Assessment").
        matrix_settings: Thresholds of the priority matrix (default
            :class:`~saferleeds.analytics.priority.MatrixSettings`).
        inputs: What the partnership entered for the year: priority scores (used
            in place of the data's, :func:`~saferleeds.analytics.priority.
            apply_entered_scores`), horizon-scan points and recommendations.

    Returns:
        The assessment; render it with :func:`saferleeds.analytics.jsa_html.render_html`.

    Raises:
        NoData: If no indicator has a value for the year.

    Notes:
        Indicator values, rates, changes, p-values and verdicts are those of
        :func:`~saferleeds.analytics.indicators.compute_indicators` for the district
        with ``compare`` set to the comparison year (the exact conditional Poisson
        test, Przyborowski & Wilenski 1940; weighted proportions compared by a z-test);
        control charts are :func:`~saferleeds.analytics.indicators.indicator_series`'
        XmR charts (Wheeler & Chambers 1992). The executive summary lists each
        significant change (p < ``alpha``) and each special-cause month within the
        year, largest |z| first.
    """
    comparison = comparison or financial_year(period.start.year - 1)
    weights = harm_weights if harm_weights is not None else default_harm_weights()
    compare = "previous-year"
    if comparison.start != period.year_earlier().start:
        raise ValueError(
            f"compare with the year before ({period.year_earlier().label}); other "
            "comparisons are not supported yet"
        )
    results = compute_indicators(
        source, period, compare=compare, harm_weights=weights, alpha=alpha
    )
    if all(r.value is None for r in results):
        notes = sorted({r.note for r in results if r.note and r.source != "none"})
        raise NoData(
            f"no data held for {period.label}: "
            + ("; ".join(notes) if notes else "no indicator has a value")
        )
    by_id = {r.id: r for r in results}
    context = _context(source, imd_path)
    ward_total = by_id.get(WARD_INDICATOR)
    # A year without the indicator's figure (months missing) would list every ward
    # as "no data": leave the table out rather than print 33 empty rows.
    if ward_total is not None and ward_total.value is not None and _has_wards(source):
        by_ward = compute_indicators(
            source,
            period,
            by="ward",
            compare=compare,
            indicators=[WARD_INDICATOR],
            harm_weights=weights,
            alpha=alpha,
        )
        context = replace(
            context,
            wards=tuple(sorted(by_ward, key=lambda r: (r.rank or 10**9, r.area))),
        )

    series: dict[str, IndicatorSeries] = {}
    for r in results:
        if r.unit == "count" and r.value is not None:
            series[r.id] = indicator_series(
                source,
                r.id,
                comparison.start,
                period.end,
                harm_weights=weights,
            )

    chapters = []
    for pr in PRIORITIES:
        ids = [i for i in pr.indicators if i in by_id]
        tops: list[tuple[str, tuple[IndicatorResult, ...]]] = []
        hoods: list[tuple[str, tuple[IndicatorResult, ...]]] = []
        maps: list[PlaceMap] = []
        for i in ids:
            if by_id[i].unit != "count" or by_id[i].value is None:
                continue
            ranked = compute_indicators(
                source,
                period,
                by="lsoa",
                compare=compare,
                indicators=[i],
                harm_weights=weights,
                alpha=alpha,
            )
            tops.append((i, tuple(r for r in ranked if r.rank and r.rank <= TOP_N)))
            if len(maps) < MAPS_PER_CHAPTER and by_id[i].value:
                maps.append(
                    place_map(
                        i,
                        by_id[i].label,
                        {r.area: float(r.value or 0) for r in ranked},
                        {r.area: r.area_name for r in ranked},
                    )
                )
            per_hood = [
                compute_indicators(
                    source,
                    period,
                    area=n.name,
                    compare=compare,
                    indicators=[i],
                    harm_weights=weights,
                    alpha=alpha,
                )[0]
                for n in context.neighbourhoods
            ]
            per_hood.sort(key=lambda r: (-(r.rate_per_1000 or 0.0), r.area))
            hoods.append((i, tuple(per_hood)))
        chapters.append(
            Chapter(
                pr,
                tuple(by_id[i] for i in ids),
                tuple(series[i] for i in ids if i in series),
                tuple(tops),
                tuple(hoods),
                maps=tuple(maps),
            )
        )

    findings: list[tuple[float, Finding]] = []
    not_sig: list[IndicatorResult] = []
    for r in results:
        if r.p_value is None or r.value is None:
            continue
        if r.significant:
            findings.append(
                (
                    r.p_value,
                    Finding(
                        r.id,
                        r.label,
                        "change",
                        "rise" if (r.change or 0) > 0 else "fall",
                        change_sentence(r, alpha),
                    ),
                )
            )
        else:
            not_sig.append(r)
    spc: list[Finding] = []
    for ind_id in sorted(series):
        spc += _spc_findings(series[ind_id], period)
    findings.sort(key=lambda x: (x[0], x[1].indicator))
    harm = _harm(source, period, comparison, weights, context.area)
    entered = inputs or PartnershipInputs()
    matrix, scan, recs = _priorities(
        harm, weights, context, results, period, alpha, matrix_settings, entered
    )
    return Assessment(
        title=title or f"{context.area_name} Joint Strategic Assessment",
        period=period,
        comparison=comparison,
        alpha=alpha,
        summary=tuple(f for _, f in findings) + tuple(spc),
        not_significant=tuple(not_sig),
        context=context,
        chapters=tuple(chapters),
        harm=harm,
        methods=METHODS,
        sources=SOURCES,
        matrix=matrix,
        pestelo=scan,
        recommendations=recs,
        entered_recommendations=entered.recommendations,
    )


def _priorities(
    harm: HarmSection,
    weights: HarmWeights,
    context: Context,
    results: list[IndicatorResult],
    period: Period,
    alpha: float,
    settings: MatrixSettings | None,
    inputs: PartnershipInputs | None = None,
) -> tuple[tuple[MatrixRow, ...], tuple[PesteloHeading, ...], tuple[str, ...]]:
    """The priority matrix, PESTELO scan and recommendations from the year's figures,
    with the partnership's entered scores and horizon-scan points in place."""
    complete = harm.police_months == period.n_months
    figures = [
        CategoryFigures(
            r.category,
            r.count,
            r.comparison_count,
            r.weight,
            complete and r.comparison_count is not None,
        )
        for r in harm.rows
    ]
    if not figures and harm.matched_months:
        # Part of the year held: score the months held in both years, annualised,
        # with low confidence (the matrix says so).
        per = (
            {c: float(w) for c, w in weights.weights.items()} if harm.available else {}
        )
        figures = [
            CategoryFigures(
                c,
                n,
                m,
                per.get(c),
                complete=False,
                months=harm.matched_months,
            )
            for c, n, m in harm.matched
            if n or m
        ]
    inputs = inputs or PartnershipInputs()
    s = settings or MatrixSettings(alpha=alpha)
    if not figures or context.population <= 0:
        if not inputs.scores:
            return (), (), ()
        # No police.uk month to score: the matrix is the partnership's scores alone,
        # and the scan still carries what the partnership entered.
        figures = []
        matrix = apply_entered_scores((), inputs.scores, s)
    else:
        matrix = apply_entered_scores(
            priority_matrix(figures, context.population, s), inputs.scores, s
        )
    deprived = None
    if context.imd is not None:
        total = sum(p for _, _, p in context.imd.by_decile)
        low = sum(p for d, _, p in context.imd.by_decile if d <= 2)
        deprived = low / total if total else None
    changes = {
        r.label: f"{r.label}: {_fmt_int(r.comparison_value)} to {_fmt_int(r.value)} "
        f"({r.verdict or 'compared'}, {_fmt_p(r.p_value)})."
        for r in results
        if r.p_value is not None and r.value is not None and r.unit == "count"
    }
    uncompared = [r.label for r in results if r.value is not None and r.p_value is None]
    scan = pestelo_scan(
        matrix,
        figures,
        population=context.population,
        deprived_share=deprived,
        priorities=[p.title for p in PRIORITIES],
        indicator_changes=changes,
        uncompared=uncompared,
        missing=[r.label for r in results if r.value is None],
        alpha=s.alpha,
    )
    return matrix, with_entered_scan(scan, inputs.horizon), recommendations(matrix)
