"""Template filters of the death review pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(container: Any, key: str) -> Any:
    """``container[key]``, or ``None`` when it has no such item (a form's field, a
    dict's value)."""
    try:
        return container[key]
    except (KeyError, TypeError, IndexError):
        return None
