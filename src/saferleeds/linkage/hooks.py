"""How record linkage plugs into the person page, through :mod:`saferleeds.core.registry`.

Registered by :meth:`LinkageConfig.ready`: the person page lists, among the records a
person is on, the agency records linked to them that the viewer may see, each with
the match weight of its strongest link ("how this person was linked").
"""

from __future__ import annotations

from saferleeds.core import registry
from saferleeds.core.registry import NavItem
from saferleeds.linkage.access_pages import may_review_links, person_linkage_roles


def register() -> None:
    """Plug "how this person was linked" into the person page; the review queue into
    the menu of those who review (the rule its pages refuse others with)."""
    registry.register_person_roles("linkage", person_linkage_roles)
    registry.register_nav_item(
        NavItem(
            "linkage",
            "Linkage",
            "linkage:review",
            may_review_links,
            58,
            prefixes=("/linkage/",),
        )
    )
