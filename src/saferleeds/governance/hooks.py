"""The plan in the menu, through :mod:`saferleeds.core.registry` (registered by
:meth:`GovernanceConfig.ready`): shown by the rule its pages refuse others with."""

from __future__ import annotations

from saferleeds.core import registry
from saferleeds.core.registry import NavItem
from saferleeds.governance.rules import (
    may_read_assessment,
    may_read_plan,
    may_read_tensions,
)


def register() -> None:
    """Put the plan on a page in the menu of every partnership role, and the Joint
    Strategic Assessment in the menu of those who build it, and community tensions in
    the menu of those who read them."""
    registry.register_nav_item(
        NavItem("plan", "Plan", "governance:plan", may_read_plan, 60)
    )
    registry.register_nav_item(
        NavItem(
            "assessment",
            "Assessment",
            "governance:assessment",
            may_read_assessment,
            61,
            prefixes=("/plan/jsa/",),
        )
    )
    registry.register_nav_item(
        NavItem(
            "tensions",
            "Tensions",
            "governance:tensions",
            may_read_tensions,
            62,
            prefixes=("/plan/tensions/",),
        )
    )
