"""``{% saferleeds_version %}``: the running version, for the page footer."""

from __future__ import annotations

from django import template

from saferleeds import __version__

register = template.Library()


@register.simple_tag
def saferleeds_version() -> str:
    """The installed saferleeds version, e.g. ``0.1.0``."""
    return __version__
