"""The audit pages in the menu, through :mod:`saferleeds.core.registry` (registered by
:meth:`InfogovConfig.ready`): for information-governance leads, who land there."""

from __future__ import annotations

from saferleeds.core import registry
from saferleeds.core.registry import NavItem
from saferleeds.partners.models import Role


def register() -> None:
    """Put the audit pages in the menu of information-governance leads."""
    from saferleeds.infogov.views import may_audit

    registry.register_nav_item(
        NavItem(
            "audit",
            "Audit",
            "audit:index",
            may_audit,
            80,
            home_of=frozenset({Role.IG_LEAD}),
        )
    )
