"""The map in the menu, through :mod:`saferleeds.core.registry` (registered by
:meth:`PlacesConfig.ready`): open to every signed-in user, as its view is."""

from __future__ import annotations

from saferleeds.core import registry
from saferleeds.core.registry import NavItem, signed_in


def register() -> None:
    """Put the map in the menu."""
    registry.register_nav_item(NavItem("map", "Map", "places:map", signed_in, 30))
