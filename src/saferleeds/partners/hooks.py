"""The sharing agreements and the Administration pages in the menu, through
:mod:`saferleeds.core.registry` (registered by :meth:`PartnersConfig.ready`).
"""

from __future__ import annotations

from saferleeds.core import registry
from saferleeds.core.registry import NavItem, signed_in
from saferleeds.partners.accounts import may_administer
from saferleeds.partners.models import Role


def register() -> None:
    """Agreements for every signed-in user (the register is public to the partnership);
    Administration for administrators, who land there."""
    registry.register_nav_item(
        NavItem(
            "agreements", "Sharing agreements", "agreements:register", signed_in, 70
        )
    )
    registry.register_nav_item(
        NavItem(
            "administration",
            "Administration",
            "administration:index",
            may_administer,
            90,
            home_of=frozenset({Role.AGENCY_ADMIN, Role.SYSTEM_ADMIN}),
        )
    )
