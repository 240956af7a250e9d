"""Death reviews among the casework tabs, through :mod:`saferleeds.core.registry`
(registered by :meth:`DardrConfig.ready`): shown by the rule its first page refuses
others with (case coordinators and analysts open the reviews, the executive reads the
figures)."""

from __future__ import annotations

from saferleeds.core import registry
from saferleeds.core.registry import NavItem
from saferleeds.dardr.rules import may_read_dardr


def register() -> None:
    """Put "Death reviews" among the casework tabs (after modern slavery)."""
    registry.register_nav_item(
        NavItem(
            "dardr",
            "Death reviews",
            "dardr:index",
            may_read_dardr,
            60,
            section="casework",
            prefixes=("/death-reviews/",),
        )
    )
