"""The people search in the menu, through :mod:`saferleeds.core.registry` (registered
by :meth:`PeopleConfig.ready`): shown by the rule its view refuses others with."""

from __future__ import annotations

from saferleeds.core import registry
from saferleeds.core.registry import NavItem
from saferleeds.partners.policy import may_see_personal_data


def register() -> None:
    """Put the people search in the menu of the roles that may see personal data."""
    registry.register_nav_item(
        NavItem("people", "People", "people:search", may_see_personal_data, 40)
    )
