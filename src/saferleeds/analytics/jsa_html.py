"""Render a :class:`~saferleeds.analytics.jsa.Assessment` as HTML, and HTML as PDF.

The HTML is one self-contained file: inline CSS, charts as inline SVG drawn here (no
script, no CDN, no map tiles), a table beside every chart for screen readers, a
contents list and print CSS with page numbers (``@page`` counters, which WeasyPrint
fills in). Output is deterministic: every list is sorted, numbers have fixed formats
and the only date is the data period, so the same data give byte-identical HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from saferleeds.analytics.indicators import IndicatorResult, IndicatorSeries
from saferleeds.analytics.jsa import Assessment, Chapter, Finding
from saferleeds.analytics.jsa_maps import PlaceMap
from saferleeds.analytics.priority import MatrixRow

CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm;
  @bottom-center { content: "Page " counter(page) " of " counter(pages);
    font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9pt;
    color: #505a5f; } }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt;
  color: #0b0c0c; line-height: 1.4; max-width: 60em; margin: 0 auto; padding: 1em; }
h1 { font-size: 22pt; margin: 0 0 .3em; }
h2 { font-size: 16pt; border-bottom: 2px solid #1d70b8; padding-bottom: .2em;
  margin-top: 1.6em; break-before: page; }
h2.first { break-before: avoid; }
h3 { font-size: 12.5pt; margin-top: 1.2em; }
.sub { color: #505a5f; font-size: 12pt; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: 9pt; width: 100%; }
th, td { border-bottom: 1px solid #b1b4b6; padding: 3px 6px; text-align: left;
  vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
table.wide { font-size: 7.5pt; }
table.wide th, table.wide td { padding: 2px 3px; }
tr { break-inside: avoid; }
caption { text-align: left; font-weight: bold; padding-bottom: .3em; }
figure { margin: .5em 0 1em; break-inside: avoid; }
figcaption { font-size: 9pt; color: #505a5f; }
.pair { break-inside: avoid; }
.finding { border-left: 5px solid #d4351c; padding: .2em .8em; margin: .6em 0; }
.finding.fall { border-left-color: #00703c; }
.finding.spc { border-left-color: #f47738; }
.note { color: #505a5f; font-size: 9pt; }
nav ol { padding-left: 1.2em; }
nav a { color: #1d70b8; text-decoration: none; }
@media print { nav a::after { content: leader('.') target-counter(attr(href), page); } }
"""

BLUE = "#1d70b8"
GREY = "#b1b4b6"
ORANGE = "#f47738"
RED = "#d4351c"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _n(v: float | None, digits: int = 0) -> str:
    if v is None:
        return "-"
    return f"{v:,.{digits}f}"


def _times(weight: float | None, n: int) -> float | None:
    return None if weight is None else weight * n


def _p(v: float | None) -> str:
    if v is None:
        return "-"
    return "< 0.001" if v < 0.001 else f"{v:.3f}"


def _change(r: IndicatorResult) -> str:
    if r.unit == "percent":
        return "-" if r.change is None else f"{r.change:+.1f} pts"
    return "-" if r.change_pct is None else f"{r.change_pct:+.1f}%"


def _value(r: IndicatorResult) -> str:
    if r.value is None:
        return "no data"
    if r.unit == "percent":
        return f"{r.value:.1f}%"
    return _n(r.value)


def _comparison_value(r: IndicatorResult) -> str:
    if r.comparison_value is None:
        return "-"
    if r.unit == "percent":
        return f"{r.comparison_value:.1f}%"
    return _n(r.comparison_value)


# --- charts ----------------------------------------------------------------------------


def bar_chart_svg(
    title: str,
    labels: Sequence[str],
    now: Sequence[float],
    then: Sequence[float] | None = None,
) -> str:
    """Horizontal bars (this year, and the year before if given) as inline SVG."""
    width, row, left = 560, 34 if then is not None else 20, 250
    height = row * len(labels) + 30
    top = max([*now, *(then or ()), 1.0])
    scale = (width - left - 60) / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} '
        f'{height}" width="100%"><title>{_e(title)}</title>'
    ]
    for i, (lab, a) in enumerate(zip(labels, now, strict=True)):
        y = 10 + i * row
        short = lab if len(lab) <= 44 else lab[:43] + "…"
        parts.append(
            f'<text x="{left - 6}" y="{y + 10}" font-size="10" text-anchor="end">'
            f"{_e(short)}</text>"
            f'<rect x="{left}" y="{y}" width="{a * scale:.1f}" height="12" '
            f'fill="{BLUE}"/><text x="{left + a * scale + 4:.1f}" y="{y + 10}" '
            f'font-size="9">{_n(a, 2)}</text>'
        )
        if then is not None:
            b = then[i]
            parts.append(
                f'<rect x="{left}" y="{y + 13}" width="{b * scale:.1f}" height="12" '
                f'fill="{GREY}"/><text x="{left + b * scale + 4:.1f}" y="{y + 23}" '
                f'font-size="9">{_n(b, 2)}</text>'
            )
    if then is None:
        parts.append("</svg>")
        return "".join(parts)
    parts.append(
        f'<rect x="{left}" y="{height - 14}" width="10" height="10" fill="{BLUE}"/>'
        f'<text x="{left + 14}" y="{height - 5}" font-size="9">this year</text>'
        f'<rect x="{left + 80}" y="{height - 14}" width="10" height="10" '
        f'fill="{GREY}"/><text x="{left + 94}" y="{height - 5}" font-size="9">'
        "year before</text></svg>"
    )
    return "".join(parts)


def spc_chart_svg(series: IndicatorSeries) -> str:
    """An XmR control chart of a monthly series as inline SVG (gaps left as gaps)."""
    width, height, left, bottom = 520, 200, 50, 30
    pts = series.points
    chart = series.xmr
    vals = [p.value for p in pts if p.value is not None]
    hi = max([*vals, chart.upper if chart else 0.0, 1.0]) * 1.05
    plot_w, plot_h = width - left - 10, height - bottom - 10
    step = plot_w / max(1, len(pts) - 1)

    def y(v: float) -> float:
        return 10 + plot_h * (1 - v / hi)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} '
        f'{height}" width="100%"><title>{_e(series.label)}: monthly count with '
        "control limits</title>",
        f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - 10}" y2="{y(0):.1f}" '
        'stroke="#0b0c0c"/>',
        f'<text x="{left - 4}" y="{y(hi / 1.05):.1f}" font-size="9" '
        f'text-anchor="end">{_n(hi / 1.05)}</text>'
        f'<text x="{left - 4}" y="{y(0):.1f}" font-size="9" text-anchor="end">0</text>',
    ]
    if chart is not None:
        for v, colour, dash in (
            (chart.centre, "#0b0c0c", ""),
            (chart.upper, RED, ' stroke-dasharray="4 3"'),
            (chart.lower, RED, ' stroke-dasharray="4 3"'),
        ):
            parts.append(
                f'<line x1="{left}" y1="{y(v):.1f}" x2="{width - 10}" '
                f'y2="{y(v):.1f}" stroke="{colour}"{dash}/>'
            )
    path: list[str] = []
    for i, p in enumerate(pts):
        x = left + i * step
        if p.value is None:
            if path:
                parts.append(
                    f'<polyline fill="none" stroke="{BLUE}" stroke-width="2" '
                    f'points="{" ".join(path)}"/>'
                )
            path = []
            continue
        path.append(f"{x:.1f},{y(p.value):.1f}")
        colour = ORANGE if p.signals else BLUE
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y(p.value):.1f}" r="3" fill="{colour}"/>'
        )
        if i % 3 == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 12}" font-size="8" '
                f'text-anchor="middle">{p.month:%b %y}</text>'
            )
    if path:
        parts.append(
            f'<polyline fill="none" stroke="{BLUE}" stroke-width="2" '
            f'points="{" ".join(path)}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


# --- sections --------------------------------------------------------------------------


def _indicator_table(results: Sequence[IndicatorResult], caption: str) -> str:
    rows = "".join(
        f"<tr><td>{_e(r.label)}</td><td class='n'>{_value(r)}</td>"
        f"<td class='n'>{_n(r.rate_per_1000, 2)}</td>"
        f"<td class='n'>{_comparison_value(r)}</td>"
        f"<td class='n'>{_change(r)}</td><td class='n'>{_p(r.p_value)}</td>"
        f"<td class='n'>{_n(r.harm)}</td>"
        f"<td>{_e(r.verdict or '')}"
        + (f"<br><span class='note'>{_e(r.note)}</span>" if r.note else "")
        + "</td></tr>"
        for r in results
    )
    return (
        f"<table><caption>{_e(caption)}</caption><thead><tr><th>Indicator</th>"
        "<th class='n'>This year</th><th class='n'>Per 1,000</th>"
        "<th class='n'>Year before</th><th class='n'>Change</th><th class='n'>p</th>"
        "<th class='n'>Harm</th>"
        f"<th>Verdict</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _series_table(series: IndicatorSeries) -> str:
    rows = "".join(
        f"<tr><td>{p.month:%Y-%m}</td><td class='n'>{_n(p.value)}</td>"
        f"<td>{_e(', '.join(s.replace('_', ' ') for s in p.signals))}</td></tr>"
        for p in series.points
    )
    chart = series.xmr
    limits = (
        f"centre {chart.centre:,.1f}, limits {chart.lower:,.1f} to {chart.upper:,.1f}"
        + (" (trial limits)" if chart.provisional else "")
        if chart
        else "too few months for limits"
    )
    return (
        f"<table><caption>{_e(series.label)} by month ({_e(limits)})</caption>"
        "<thead><tr><th>Month</th><th class='n'>Count</th><th>Special cause</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _area_table(results: Sequence[IndicatorResult], caption: str, key: str) -> str:
    rows = "".join(
        f"<tr><td>{_e(r.area_name)}</td>"
        f"<td>{_e(r.area if key in ('lsoa', 'ward') else '')}</td>"
        f"<td class='n'>{_n(r.value)}</td><td class='n'>{_n(r.rate_per_1000, 2)}</td>"
        f"<td class='n'>{_comparison_value(r)}</td><td class='n'>{_change(r)}</td>"
        f"<td>{_e(r.verdict or '')}</td></tr>"
        for r in results
    )
    return (
        f"<table><caption>{_e(caption)}</caption><thead><tr><th>Area</th>"
        "<th>Code</th><th class='n'>Count</th><th class='n'>Per 1,000</th>"
        "<th class='n'>Year before</th><th class='n'>Change</th><th>Verdict</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>"
    )


def _finding(f: Finding) -> str:
    cls = "spc" if f.kind == "spc" else f.direction
    return f'<p class="finding {cls}">{_e(f.text)}</p>'


def _chapter(ch: Chapter, a: Assessment) -> str:
    pr = ch.priority
    out = [
        f'<h2 id="ch-{pr.key}">{_e(pr.title)} ({_e(pr.focus)})</h2>',
        "<p>Critical themes: " + _e(", ".join(pr.themes)) + ".</p>",
        _indicator_table(
            ch.indicators,
            f"{pr.title}: indicators, {a.period.label}"
            + (f" compared with {a.comparison.label}" if a.comparison else ""),
        ),
    ]
    rated = [
        r for r in ch.indicators if r.rate_per_1000 is not None and r.unit == "count"
    ]
    if rated:
        out.append(
            "<figure>"
            + bar_chart_svg(
                f"{pr.title}: rate per 1,000 residents",
                [r.label for r in rated],
                [r.rate_per_1000 or 0.0 for r in rated],
                [r.comparison_rate_per_1000 or 0.0 for r in rated],
            )
            + "<figcaption>Rate per 1,000 residents, this year and the year before "
            "(the table above gives the same figures).</figcaption></figure>"
        )
    for s in ch.series:
        out.append(
            f"<h3>{_e(s.label)}: monthly control chart</h3><div class='pair'>"
            f"<figure>{spc_chart_svg(s)}<figcaption>XmR chart: centre line, "
            "3-sigma limits (dashed), special causes in orange.</figcaption></figure>"
            f"{_series_table(s)}</div>"
        )
    for ind_id, tops in ch.top_lsoas:
        label = next(r.label for r in ch.indicators if r.id == ind_id)
        out.append(
            f"<h3>{_e(label)}: the {len(tops)} LSOAs with the highest rate</h3>"
            + _area_table(tops, f"{label}, top LSOAs by rate per 1,000", "lsoa")
        )
    for m in ch.maps:
        out.append(_place_map(m))
    for ind_id, hoods in ch.neighbourhoods:
        if not hoods:
            continue
        label = next(r.label for r in ch.indicators if r.id == ind_id)
        out.append(
            f"<h3>{_e(label)}: priority neighbourhoods</h3>"
            + _area_table(hoods, f"{label} in the priority neighbourhoods", "hood")
        )
    return "\n".join(out)


def _place_map(m: PlaceMap) -> str:
    """An indicator's LSOA map, and its hot and cold spots as a table beside it."""
    spots = [("hot", s) for s in m.hot] + [("cold", s) for s in m.cold]
    if spots:
        rows = "".join(
            f"<tr><td>{kind}</td><td>{_e(s.name)} ({_e(s.code)})</td>"
            f'<td class="num">{_n(s.value)}</td><td class="num">{s.z:.2f}</td>'
            f'<td class="num">{_p(s.p)}</td></tr>'
            for kind, s in spots
        )
        table = (
            f"<table><caption>{_e(m.label)}: significant hot and cold spots "
            "(Gi*, 5% false discovery rate)</caption><thead><tr><th>Spot</th>"
            '<th>LSOA</th><th class="num">Count</th><th class="num">z</th>'
            f'<th class="num">p</th></tr></thead><tbody>{rows}</tbody></table>'
        )
    else:
        table = (
            f"<p>No LSOA is a significant hot or cold spot for {_e(m.label.lower())} "
            "at a 5% false discovery rate.</p>"
        )
    return (
        f"<h3>{_e(m.label)}: where, and hot spots</h3><div class='pair'><figure>"
        f"{m.svg}<figcaption>{_e(m.label)} recorded in each of {m.lsoas} LSOAs; red "
        "outlines hot spots, blue cold spots (Getis-Ord Gi*, see the methods annex)."
        f"</figcaption></figure>{table}</div>"
    )


_BAND_COLOUR = {"High": RED, "Medium": ORANGE, "Low": "#00703c"}


def matrix_grid_svg(a: Assessment) -> str:
    """The 4 x 4 harm x likelihood grid with each category placed in its cell."""
    size, left, top = 90, 70, 20
    cells: dict[tuple[int, int], list[str]] = {}
    for r in a.matrix:
        if r.harm_score:
            cells.setdefault((r.harm_score, r.likelihood_score), []).append(r.category)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 '
        f'{left + 4 * size + 10} {top + 4 * size + 40}" width="100%">'
        "<title>Priority matrix: harm score by likelihood score</title>"
    ]
    for h in range(1, 5):
        for lk in range(1, 5):
            risk = h * lk
            fill = "#f6d7d2" if risk >= 9 else "#fde7d2" if risk >= 4 else "#cce2d8"
            x, y = left + (lk - 1) * size, top + (4 - h) * size
            parts.append(
                f'<rect x="{x}" y="{y}" width="{size}" height="{size}" '
                f'fill="{fill}" stroke="#ffffff"/><text x="{x + size - 4}" '
                f'y="{y + 11}" font-size="8" text-anchor="end" fill="#505a5f">'
                f"{risk}</text>"
            )
            for i, name in enumerate(cells.get((h, lk), [])[:5]):
                short = name if len(name) <= 17 else name[:16] + "…"
                parts.append(
                    f'<text x="{x + 4}" y="{y + 24 + 13 * i}" font-size="8.5">'
                    f"{_e(short)}</text>"
                )
    for k in range(1, 5):
        parts.append(
            f'<text x="{left - 6}" y="{top + (4 - k) * size + size / 2:.0f}" '
            f'font-size="9" text-anchor="end">harm {k}</text>'
            f'<text x="{left + (k - 1) * size + size / 2:.0f}" '
            f'y="{top + 4 * size + 14}" font-size="9" text-anchor="middle">'
            f"likelihood {k}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


_SCORED_BY = {
    "data": "Data",
    "partnership": "Partnership",
    "carried": "Carried, unconfirmed",
}


def _matrix_section(a: Assessment) -> str:
    entered = any(r.scored_by != "data" for r in a.matrix)

    def extra(r: MatrixRow) -> str:
        if not entered:
            return ""
        op = "-" if r.organisational_position is None else r.organisational_position
        return f"<td class='n'>{op}</td><td>{_e(_SCORED_BY[r.scored_by])}</td>"

    def volume(r: MatrixRow) -> str:
        if r.scored_by != "data" and not r.count and r.weight is None:
            # A theme the data do not count (e.g. modern slavery): no figures.
            return "<td class='n'>-</td><td class='n'>-</td>"
        return (
            f"<td class='n'>{_n(r.count)}</td>"
            f"<td class='n'>{_n(r.rate_per_1000, 2)}</td>"
        )

    rows = "".join(
        f"<tr><td>{_e(r.category)}</td>{volume(r)}"
        f"<td class='n'>{_n(r.weight, 1)}</td><td class='n'>{r.harm_score}</td>"
        f"<td class='n'>{r.likelihood_score}</td><td class='n'>{r.risk_score}</td>"
        f"<td>{_e(r.trend)}</td><td><strong style='color:"
        f"{_BAND_COLOUR[r.band]}'>{_e(r.band)}</strong></td>"
        f"<td>{_e(r.confidence)}</td>{extra(r)}</tr>"
        for r in a.matrix
    )
    carried = sum(1 for r in a.matrix if r.scored_by == "carried")
    out = [
        '<h2 id="matrix">Priority-setting matrix</h2>',
        "<p>Each crime category scored on harm (severity of one offence) and "
        "likelihood (offences per resident), after MoRiLE; risk is harm x likelihood "
        "on a 4 x 4 grid, the trend comes from the exact test and confidence is "
        "scored separately (methods annex). "
        + (
            "Where the partnership entered its own scores (harm or impact, "
            "likelihood, organisational position and confidence) they replace the "
            "data's; the Scored by column says which.</p>"
            if entered
            else "Organisational position is for the partnership to add.</p>"
        ),
        *(
            [
                f"<p class='note'>{carried} score(s) were carried from the year "
                "before and are not yet confirmed by the partnership.</p>"
            ]
            if carried
            else []
        ),
        *(
            [
                f"<p class='note'>police.uk data are held for only "
                f"{a.harm.matched_months} month(s) of {_e(a.period.label)} with the "
                "same month a year earlier: the matrix scores those months, "
                "annualised, and every confidence score is Low.</p>"
            ]
            if a.harm.police_months < a.period.n_months
            and any(r.scored_by == "data" for r in a.matrix)
            else []
        ),
        *(
            [
                "<p class='note'>No police.uk month of "
                f"{_e(a.period.label)} is held with the same month a year earlier: "
                "the matrix holds the partnership's own scores only.</p>"
            ]
            if not any(r.scored_by == "data" for r in a.matrix)
            else []
        ),
        "<div class='pair'><figure>"
        + matrix_grid_svg(a)
        + "<figcaption>Categories placed by harm and likelihood score; shading: "
        "risk 9 and over (red), 4 to 8 (amber), under 4 (green). The table below "
        "gives the same scores.</figcaption></figure></div>",
        ("<table class='wide'>" if entered else "<table>")
        + "<caption>Priority matrix, "
        + _e(a.period.label)
        + "</caption><thead><tr><th>Category</th><th class='n'>Offences</th>"
        "<th class='n'>Per 1,000</th><th class='n'>Harm weight</th>"
        "<th class='n'>Harm</th><th class='n'>Likelihood</th><th class='n'>Risk</th>"
        "<th>Trend</th><th>Priority</th><th>Confidence</th>"
        + ("<th class='n'>Org. pos.</th><th>Scored by</th>" if entered else "")
        + "</tr></thead><tbody>"
        + rows
        + "</tbody></table>",
        '<h2 id="pestelo">Horizon scan (PESTELO)</h2>',
    ]
    for hd in a.pestelo:
        out.append(f"<h3>{_e(hd.title)}</h3>")
        if hd.evidence:
            out.append(
                "<ul>" + "".join(f"<li>{_e(t)}</li>" for t in hd.evidence) + "</ul>"
            )
        elif not hd.entered:
            out.append("<p class='note'>Nothing in the data held speaks to this.</p>")
        if hd.entered:
            out.append(
                "<p>The partnership's scan:</p><ul>"
                + "".join(f"<li>{_e(t)}</li>" for t in hd.entered)
                + "</ul>"
            )
        else:
            out.append(f"<p class='note'>For the analyst to add: {_e(hd.prompt)}</p>")
    out.append('<h2 id="recommendations">Recommendations</h2>')
    if a.recommendations:
        out.append(
            "<ol>" + "".join(f"<li>{_e(t)}</li>" for t in a.recommendations) + "</ol>"
        )
    else:
        out.append("<p>No category reaches the High band or rises significantly.</p>")
    out.append(
        "<p class='note'>Generated from the matrix by fixed rules; the analyst "
        "reviews them before they feed the plan's deliverables.</p>"
    )
    if a.entered_recommendations:
        out.append("<h3>The partnership's recommendations</h3>")
        out.append(
            "<table><caption>Recommendations for "
            + _e(a.period.label)
            + " and the plan's deliverables they feed</caption><thead><tr>"
            "<th>Recommendation</th><th>Theme</th><th>Deliverable</th>"
            "<th>Lead agency</th><th>Board</th></tr></thead><tbody>"
            + "".join(
                f"<tr><td>{_e(r.text)}</td><td>{_e(r.theme or '-')}</td>"
                f"<td>{_e(r.deliverable or 'Not yet on the plan')}</td>"
                f"<td>{_e(r.lead_agency or '-')}</td><td>{_e(r.board or '-')}</td></tr>"
                for r in a.entered_recommendations
            )
            + "</tbody></table>"
        )
    return "\n".join(out)


def render_html(a: Assessment) -> str:
    """The assessment as one self-contained HTML document.

    Notes:
        Deterministic: no clock is read; sections, rows and numbers come in a fixed
        order and format, so equal assessments give byte-identical text.
    """
    ctx = a.context
    comp = a.comparison.label if a.comparison else "no comparison"
    toc = [
        ("summary", "Executive summary"),
        ("context", "Context"),
        *((f"ch-{c.priority.key}", c.priority.title) for c in a.chapters),
        ("harm", "Harm-weighted volume"),
        *(
            [
                ("matrix", "Priority-setting matrix"),
                ("pestelo", "Horizon scan (PESTELO)"),
                ("recommendations", "Recommendations"),
            ]
            if a.matrix
            else []
        ),
        ("methods", "Methods annex"),
        ("sources", "Sources"),
    ]
    body: list[str] = [
        f"<h1>{_e(a.title)}</h1>",
        f'<p class="sub">{_e(a.period.label)} (April {a.period.start.year} to March '
        f"{a.period.end.year}), compared with {_e(comp)}</p>",
        '<nav aria-label="Contents"><h2 class="first">Contents</h2><ol>'
        + "".join(f'<li><a href="#{k}">{_e(t)}</a></li>' for k, t in toc)
        + "</ol></nav>",
        '<h2 id="summary">Executive summary</h2>',
    ]
    if a.summary:
        body.append(
            f"<p>What changed significantly in {_e(a.period.label)} "
            f"(tests at the {a.alpha:.0%} level):</p>"
        )
        body += [_finding(f) for f in a.summary]
    elif any(r.p_value is not None for c in a.chapters for r in c.indicators):
        body.append(
            "<p>No indicator changed significantly, and no month was a special cause "
            "on its control chart.</p>"
        )
    else:
        body.append(
            f"<p>No indicator could be compared with {_e(comp)}: the data held do not "
            "cover both years, so no change is reported (see each chapter's notes)."
            "</p>"
        )
    uncompared = [
        r.label
        for c in a.chapters
        for r in c.indicators
        if r.value is not None and r.p_value is None
    ]
    if uncompared:
        body.append(
            "<p>Not compared (no data for the comparison year): "
            + _e("; ".join(uncompared))
            + ".</p>"
        )
    if a.not_significant:
        body.append(
            "<p>No significant change: "
            + _e(
                "; ".join(
                    f"{r.label} ({_comparison_value(r)} to {_value(r)}, "
                    f"p = {_p(r.p_value)})"
                    for r in a.not_significant
                )
            )
            + ".</p>"
        )
    body += [
        '<h2 id="context">Context</h2>',
        f"<p>{_e(ctx.area_name)} ({_e(ctx.area)}) has {ctx.population:,} residents "
        f"(Census 2011) in {ctx.msoas:,} MSOAs and {ctx.lsoas:,} LSOAs"
        + (f", and {len(ctx.wards)} electoral wards" if ctx.wards else "")
        + ".</p>",
    ]
    if ctx.neighbourhoods:
        body.append(
            "<table><caption>Priority neighbourhoods</caption><thead><tr>"
            "<th>Neighbourhood</th><th>LSOAs</th><th class='n'>Residents</th></tr>"
            "</thead><tbody>"
            + "".join(
                f"<tr><td>{_e(n.name)}</td><td>{_e(', '.join(n.lsoas))}</td>"
                f"<td class='n'>{n.population:,}</td></tr>"
                for n in ctx.neighbourhoods
            )
            + "</tbody></table>"
        )
    if ctx.wards:
        body.append(
            "<h3>Wards</h3><p>Recorded crime (police.uk, excluding anti-social "
            "behaviour) in each electoral ward, highest rate first. A ward is the LSOAs "
            "the ONS best-fit lookup places in it, so its count is the sum of theirs.</p>"
            + _area_table(
                ctx.wards,
                f"Recorded crime by ward, {a.period.label}, ranked by rate per 1,000",
                "ward",
            )
        )
    if ctx.imd is not None:
        imd = ctx.imd
        body.append(
            "<div class='pair'><figure>"
            + bar_chart_svg(
                "Residents by national IMD decile (1 = most deprived)",
                [f"decile {d}" for d, _, _ in imd.by_decile],
                [float(p) / 1000 for _, _, p in imd.by_decile],
            )
            + "<figcaption>Thousands of residents by national IMD decile.</figcaption>"
            "</figure><table><caption>Deprivation ("
            + _e(imd.source)
            + ")</caption><thead><tr><th>IMD decile</th><th class='n'>LSOAs</th>"
            "<th class='n'>Residents</th></tr></thead><tbody>"
            + "".join(
                f"<tr><td>{d}</td><td class='n'>{n}</td><td class='n'>{p:,}</td></tr>"
                for d, n, p in imd.by_decile
            )
            + "</tbody></table></div>"
        )
    else:
        body.append(
            "<p class='note'>Deprivation: no English Indices of Deprivation file was "
            "given (saferleeds jsa build --imd FILE).</p>"
        )
    for ch in a.chapters:
        body.append(_chapter(ch, a))
    h = a.harm
    body.append('<h2 id="harm">Harm-weighted volume</h2>')
    body.append(
        f"<p>Weights: {_e(h.source or 'none')} (status: {_e(h.status)}). "
        f"{_e(h.note)}</p>"
    )
    if h.police_months < a.period.n_months:
        body.append(
            f"<p class='note'>police.uk data held for {h.police_months} of "
            f"{a.period.n_months} months of {_e(a.period.label)}: no yearly volume.</p>"
        )
    if h.rows:
        body.append(
            "<table><caption>Crime by police.uk category, count and harm</caption>"
            "<thead><tr><th>Category</th><th class='n'>Weight</th>"
            "<th class='n'>Count</th><th class='n'>Harm</th>"
            "<th class='n'>Count, year before</th><th class='n'>Harm, year before</th>"
            "</tr></thead><tbody>"
            + "".join(
                f"<tr><td>{_e(r.category)}</td><td class='n'>{_n(r.weight, 2)}</td>"
                f"<td class='n'>{_n(r.count)}</td><td class='n'>{_n(r.harm)}</td>"
                f"<td class='n'>{_n(r.comparison_count)}</td>"
                f"<td class='n'>{_n(r.comparison_harm)}</td></tr>"
                for r in h.rows
            )
            + "</tbody></table>"
        )
    weight_of = {r.category: r.weight for r in a.matrix}
    if not h.rows and h.matched_months and h.available and weight_of:
        body.append(
            f"<table><caption>Crime by police.uk category, count and harm over the "
            f"{h.matched_months} month(s) held in both years</caption><thead><tr>"
            "<th>Category</th><th class='n'>Weight</th><th class='n'>Count</th>"
            "<th class='n'>Harm</th><th class='n'>Count, year before</th>"
            "<th class='n'>Harm, year before</th></tr></thead><tbody>"
            + "".join(
                f"<tr><td>{_e(c)}</td><td class='n'>{_n(weight_of.get(c), 2)}</td>"
                f"<td class='n'>{_n(n)}</td>"
                f"<td class='n'>{_n(_times(weight_of.get(c), n))}</td>"
                f"<td class='n'>{_n(m)}</td>"
                f"<td class='n'>{_n(_times(weight_of.get(c), m))}</td></tr>"
                for c, n, m in sorted(
                    h.matched,
                    key=lambda t: (-(_times(weight_of.get(t[0]), t[1]) or 0.0), t[0]),
                )
            )
            + "</tbody></table>"
        )
    if h.available and any(r.harm for r in h.rows):
        ranked = [r for r in h.rows if r.harm is not None]
        body.append(
            "<figure>"
            + bar_chart_svg(
                "Harm-weighted volume by police.uk category (thousands)",
                [r.category for r in ranked],
                [(r.harm or 0.0) / 1000 for r in ranked],
                [(r.comparison_harm or 0.0) / 1000 for r in ranked]
                if all(r.comparison_harm is not None for r in ranked)
                else None,
            )
            + "<figcaption>Harm (count x ONS Crime Severity Score weight), thousands; "
            "the table above gives the same figures.</figcaption></figure>"
        )
    if a.matrix:
        body.append(_matrix_section(a))
    body.append('<h2 id="methods">Methods annex</h2>')
    body += [f"<h3>{_e(m.title)}</h3><p>{_e(m.text)}</p>" for m in a.methods]
    body.append('<h2 id="sources">Sources</h2><ul>')
    body += [f"<li>{_e(s)}</li>" for s in a.sources]
    body.append("</ul>")
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{_e(a.title)}, {_e(a.period.label)}</title>"
        f"<style>{CSS}</style></head><body><main>\n"
        + "\n".join(body)
        + "\n</main></body></html>\n"
    )


def write_pdf(html_text: str, path: Path) -> None:
    """Render the HTML to a PDF with WeasyPrint (needs Debian's pango libraries).

    Raises:
        ImportError: If WeasyPrint is not installed.
    """
    from weasyprint import HTML

    HTML(string=html_text).write_pdf(str(path))
