"""Number formatting for pages (British style, thousands separated by commas)."""

from __future__ import annotations

from django import template

from saferleeds.web.charts import month_label as _month_label

register = template.Library()


@register.filter
def thousands(value: int | float | None) -> str:
    """12345 -> '12,345'; None -> '–'."""
    if value is None:
        return "–"
    return f"{value:,}"


@register.filter
def month_label(value: str) -> str:
    """'2018-07' -> 'Jul 2018'."""
    return _month_label(value)


@register.filter
def pvalue(value: float | None) -> str:
    """0.0123 -> '0.012'; below 0.001 -> '< 0.001' (never a misleading 0.000)."""
    if value is None:
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"
