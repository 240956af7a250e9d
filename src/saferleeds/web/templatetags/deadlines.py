"""The shared overdue rule for templates (:func:`saferleeds.core.deadlines.is_overdue`).

Used by the shared deadline cell ``web/_deadline.html`` that MARAC action plans and
board action lists both include.
"""

from __future__ import annotations

from datetime import date

from django import template

from saferleeds.core.deadlines import is_overdue

register = template.Library()


@register.simple_tag
def overdue(due_on: date | None, done_on: date | None, today: date) -> bool:
    """``{% overdue due done today as late %}``: whether it is overdue today."""
    return is_overdue(due_on, done_on, today)
