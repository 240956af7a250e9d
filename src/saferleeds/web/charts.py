"""Small, accessible SVG charts rendered on the server (no JavaScript, CSP-friendly)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# GOV.UK Frontend colours: dark blue for crime, light blue for ASB, mid grey for gaps.
CRIME = "#1d70b8"
ASB = "#5694ca"
GAP = "#b1b4b6"
TEXT = "#0b0c0c"


def _nice_max(v: int) -> int:
    """Round an axis maximum up to 1, 2 or 5 times a power of ten."""
    if v <= 0:
        return 1
    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 5, 10):
        if v <= m * exp:
            return int(m * exp)
    return int(10 * exp)


def month_label(ym: str) -> str:
    """'2018-07' -> 'Jul 2018'."""
    y, m = ym.split("-")
    return date(int(y), int(m), 1).strftime("%b %Y")


def monthly_bars(
    series: Sequence[tuple[str, int | None, int | None]],
    *,
    title: str,
    chart_id: str = "monthly-chart",
) -> SafeString:
    """A stacked bar chart of crimes and ASB per month; ``None`` months show as gaps.

    Numbers are formatted here and text goes through ``escape``, so the markup is safe.

    Args:
        series: ``(YYYY-MM, crimes, asb)``; ``None`` counts mean no data for the month.
        title: Accessible title of the chart.
        chart_id: Id prefix for the SVG's title and description.
    """
    width, height = 720, 300
    left, right, top, bottom = 64, 16, 16, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(((c or 0) + (a or 0) for _, c, a in series), default=0)
    ymax = _nice_max(peak)
    n = max(len(series), 1)
    slot = plot_w / n
    bar_w = max(min(slot * 0.7, 48), 2)
    base = top + plot_h
    parts: list[str] = []
    for i in range(5):
        y = base - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#e0e0e0"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="12" fill="{TEXT}">{int(ymax * i / 4):,}</text>'
        )
    label_every = max(1, math.ceil(n / 12))
    for i, (ym, crimes, asb) in enumerate(series):
        x = left + slot * i + (slot - bar_w) / 2
        label = escape(month_label(ym))
        if crimes is None:
            parts.append(
                f'<rect x="{x:.1f}" y="{base - 12:.1f}" width="{bar_w:.1f}" height="12" '
                f'fill="none" stroke="{GAP}" stroke-dasharray="3 3">'
                f"<title>{label}: no data imported</title></rect>"
            )
        else:
            h_c = plot_h * crimes / ymax
            h_a = plot_h * (asb or 0) / ymax
            parts.append(
                f'<rect x="{x:.1f}" y="{base - h_c:.1f}" width="{bar_w:.1f}" '
                f'height="{h_c:.1f}" fill="{CRIME}"><title>{label}: {crimes:,} recorded '
                f'crimes</title></rect><rect x="{x:.1f}" y="{base - h_c - h_a:.1f}" '
                f'width="{bar_w:.1f}" height="{h_a:.1f}" fill="{ASB}"><title>{label}: '
                f"{asb or 0:,} ASB incidents</title></rect>"
            )
        if i % label_every == 0:
            cx = x + bar_w / 2
            parts.append(
                f'<text x="{cx:.1f}" y="{base + 16}" text-anchor="end" font-size="12" '
                f'fill="{TEXT}" transform="rotate(-40 {cx:.1f} {base + 16})">{label}</text>'
            )
    described = "; ".join(
        f"{month_label(ym)}: "
        + ("no data" if c is None else f"{c:,} crimes and {a or 0:,} ASB incidents")
        for ym, c, a in series
    )
    svg = (
        f'<svg class="sl-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{escape(chart_id)}-title">'
        f'{escape(title)}</title><desc id="{escape(chart_id)}-desc">{escape(described)}'
        f"</desc>{''.join(parts)}</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - numbers formatted here, all text escaped
