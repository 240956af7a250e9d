"""How IOM plugs into the person page, through :mod:`saferleeds.core.registry`
(registered by :meth:`IomConfig.ready`): a link to the person's offender page.
"""

from __future__ import annotations

from typing import Any

from saferleeds.core import registry
from saferleeds.core.registry import NavItem, PersonPage


def _shown(actor: Any) -> bool:
    from saferleeds.iom.access_pages import offender_page_shown

    return offender_page_shown(actor)


def _may_use_iom(actor: Any) -> bool:
    from saferleeds.iom.access_pages import may_use_iom

    return may_use_iom(actor)


def register() -> None:
    """Link the offender page from the person page; the IOM home into the menu of
    those its pages open for (the rule the pages refuse others with)."""
    registry.register_nav_item(
        NavItem("iom", "IOM", "iom:home", _may_use_iom, 57, prefixes=("/iom/",))
    )
    registry.register_person_page(
        PersonPage(
            key="offender",
            text="Offending and IOM",
            url_name="iom:offender",
            shown=_shown,
        )
    )
