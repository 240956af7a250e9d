"""The tabs of a menu item, drawn from the navigation registry (``core.registry``).

``{% load navigation %}{% nav_tabs "casework" section as tabs %}``: the tabs of the
"Casework" menu item that the signed-in actor may open, with the one named ``section``
(or the page's own) marked current.
"""

from __future__ import annotations

from typing import Any

from django import template

from saferleeds.web.context import NavLink, navigation_of

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_tabs(context: dict[str, Any], section: str, current: str = "") -> list[NavLink]:
    """The tabs of menu item ``section`` the actor may open (see ``Navigation.tabs``)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return navigation_of(request).tabs(section, current or "")
