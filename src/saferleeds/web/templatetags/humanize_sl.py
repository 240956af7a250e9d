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
