"""The partnership-wide pages in the menu, through :mod:`saferleeds.core.registry`.

Registered by :meth:`WebConfig.ready`: the overview and the indicators, open to every
signed-in user (their views ask only for a signed-in user, as ``signed_in`` does).
"""

from __future__ import annotations

from saferleeds.core import registry
from saferleeds.core.registry import NavItem, signed_in
from saferleeds.partners.models import Role


def register() -> None:
    """Put the overview and the indicators in the menu; analysts land on indicators."""
    registry.register_nav_item(
        NavItem("overview", "Overview", "overview", signed_in, 10)
    )
    registry.register_nav_item(
        NavItem(
            "indicators",
            "Indicators",
            "indicators",
            signed_in,
            20,
            home_of=frozenset({Role.ANALYST}),
        )
    )
