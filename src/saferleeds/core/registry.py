"""Hooks: how an app plugs into code of an app below it without that app importing it.

An app registers its functions in its ``AppConfig.ready``; the app below calls them
through here, as Wagtail's hooks let modules plug into shared pages. So ``partners``
learns a user's case memberships, and ``incidents`` opens a case, without importing
``safeguarding`` (which builds on both).

Each hook has exactly one provider: calling a hook nobody registered is an error (an
app is missing from ``INSTALLED_APPS``), and registering a second provider replaces the
first (tests may swap one in).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CASE_MEMBERSHIPS = "case_memberships"
"""``fn(user) -> Iterable[int]``: the ids of the cases a user is a member of."""

CREATE_CASE = "create_case"
"""``fn(*, actor, case_type, title, summary, risk_level) -> case``: open a case."""

LINK_PERSON_TO_CASE = "link_person_to_case"
"""``fn(case_id, person_id, role, *, actor) -> link``: put a person on a case."""

_hooks: dict[str, Callable[..., Any]] = {}


def register(name: str, fn: Callable[..., Any]) -> None:
    """Make ``fn`` the provider of hook ``name``."""
    _hooks[name] = fn


def hook(name: str) -> Callable[..., Any]:
    """The provider of hook ``name``.

    Raises:
        LookupError: No app registered one (its app is not installed or not ready).
    """
    try:
        return _hooks[name]
    except KeyError:
        raise LookupError(f"no app provides the {name!r} hook") from None


def register_case_membership(fn: Callable[[Any], Any]) -> None:
    """Register how to find the ids of the cases a user belongs to."""
    register(CASE_MEMBERSHIPS, fn)


def case_ids_of(user: Any) -> frozenset[int]:
    """The ids of the cases ``user`` is a member of (see :data:`CASE_MEMBERSHIPS`)."""
    return frozenset(hook(CASE_MEMBERSHIPS)(user))
