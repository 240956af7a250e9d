"""When something due is overdue: one rule for every action plan the system keeps.

MARAC action plans (case tasks from a referral) and the partnership boards' actions
both follow it, so "overdue" means the same on the MARAC home page and on a board's
page. Plain functions over ``datetime.date`` plus the matching database filter; no app
is imported (an import-linter contract checks that ``saferleeds.core`` imports no app).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q

__all__ = ["is_overdue", "overdue_q"]


def is_overdue(due_on: date | None, done_on: date | None, today: date) -> bool:
    """Whether something due on ``due_on`` and done on ``done_on`` is overdue ``today``.

    Done (on any day) is never overdue; not done is overdue from the day after it was
    due (on the due date itself it is not); no due date is never overdue.
    """
    if done_on is not None or due_on is None:
        return False
    return today > due_on


def overdue_q(today: date, *, due: str = "due_on", done: str = "done_on") -> Q:
    """The database filter for :func:`is_overdue`: not done and due before ``today``.

    Args:
        today: The day to judge on.
        due: The due-date field's name (or path).
        done: The field that is null while the thing is not done.
    """
    return Q(**{f"{done}__isnull": True, f"{due}__lt": today})
