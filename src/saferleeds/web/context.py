"""Template context shared by every page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from saferleeds import config
from saferleeds import partnership as partnership_config
from saferleeds.analytics import open_store
from saferleeds.core.actor import Actor
from saferleeds.core.analytics_cache import cached
from saferleeds.core.registry import (
    MENU,
    NavItem,
    allowed_nav_items,
    home_url_name,
    nav_items,
)


def _held_months() -> list[date]:
    """The police.uk months the analytics store holds (cached by its data version);
    none when there is no store or it cannot be read."""
    path = Path(settings.SAFERLEEDS_ANALYTICS_PATH)
    if not path.exists():
        return []
    try:
        with open_store(path, read_only=True) as store:
            return cached(
                store,
                "banner.months",
                (),
                lambda: [
                    m
                    for (m,) in store.execute(
                        "SELECT DISTINCT month FROM police_street ORDER BY 1"
                    ).fetchall()
                ],
            )
    except (duckdb.Error, OSError):
        return []  # the banner falls back to its general sentence


def police_months_text(months: list[date], today: date) -> str:
    """Which real police.uk months the demo holds, and how old the latest is.

    For example "July 2017 and July 2018; the latest is 8 years old" or
    "January 2016 to December 2018 (36 months); the latest is 7 years old".
    """
    if not months:
        return ""
    names = [m.strftime("%B %Y") for m in months]
    if len(names) <= 3:
        held = (
            names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        )
    else:
        held = f"{names[0]} to {names[-1]} ({len(names)} months)"
    last = months[-1]
    years = today.year - last.year - ((today.month, today.day) < (last.month, last.day))
    if years >= 1:
        age = f"{years} year{'s' if years != 1 else ''} old"
    else:
        n = (today.year - last.year) * 12 + today.month - last.month
        age = f"{n} month{'s' if n != 1 else ''} old"
    return f"{held}; the latest is {age}"


def partnership(request: HttpRequest) -> dict[str, Any]:
    """Expose the partnership's name and the environment to templates (and, in the
    demo, which real police.uk months it holds, for the banner)."""
    p = partnership_config.current()
    env = config.environment()
    demo_police = (
        police_months_text(_held_months(), timezone.localdate())
        if env == "demo"
        else ""
    )
    return {
        "demo_police_months": demo_police,
        "partnership_name": p.name,
        "service_name": f"{p.name} partnership workspace",
        "saferleeds_env": env,
    }


# --- Navigation -------------------------------------------------------------------------


@dataclass(frozen=True)
class NavLink:
    """One link of the menu or of a set of tabs, as a template draws it.

    Attributes:
        key: The item's key (``core.registry.NavItem.key``).
        title: The link's text.
        url: Where it leads.
        current: Whether the page shown is this item's (or one of its tabs').
        exact: Whether the page shown is the link's own URL (``aria-current="page"``;
            otherwise a current link has ``aria-current="true"``).
    """

    key: str
    title: str
    url: str
    current: bool = False
    exact: bool = False

    @property
    def aria_current(self) -> str:
        """The ``aria-current`` value: ``"page"``, ``"true"`` or ``""`` (none)."""
        return "page" if self.exact else "true" if self.current else ""


def nav_actor(user: Any) -> Actor:
    """The actor the menu is drawn for: the user's id, agency and roles (those the
    view's actor read, else one query; the agency is the one the header shows anyway).

    The predicates of :class:`~saferleeds.core.registry.NavItem` decide on these; a
    page's view builds the full actor (case memberships too) for its own checks.
    """
    if not user.is_authenticated:
        return Actor(None, "", None, "", frozenset())
    membership = getattr(user, "membership", None)
    roles = getattr(user, "_saferleeds_roles", None)  # read by partners' actor_for
    if roles is None:
        roles = frozenset(user.role_grants.values_list("role", flat=True))
    return Actor(
        user_id=user.pk,
        username=user.get_username(),
        agency_id=membership.agency_id if membership else None,
        agency_code=membership.agency.code if membership else "",
        roles=roles,
    )


def home_of(user: Any) -> str:
    """The URL of a signed-in user's own home page (where signing in leads): the page
    the navigation registry names for their roles (``NavItem.home_of``)."""
    return reverse(home_url_name(nav_actor(user)))


def _url(item: NavItem) -> str | None:
    try:
        return reverse(item.url_name) if item.url_name else None
    except NoReverseMatch:  # a page its app has not mounted (tests may leave one out)
        return None


def _paths(item: NavItem, url: str) -> tuple[str, ...]:
    return (url, *item.prefixes)


def _longest(path: str, candidates: dict[str, tuple[str, ...]]) -> str | None:
    """The key whose path is the longest prefix of ``path`` (``None``: no match)."""
    best, length = None, 0
    for key, paths in candidates.items():
        for p in paths:
            if p != "/" and path.startswith(p) and len(p) > length:
                best, length = key, len(p)
    return best


class Navigation:
    """The menu and tabs of one request, computed on first use and once per request
    (panels rendered with the request reuse them)."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @cached_property
    def actor(self) -> Actor:
        """Whom the links are for."""
        return nav_actor(self.request.user)

    @cached_property
    def menu(self) -> list[NavLink]:
        """The service navigation: the pages the actor may open, the current one marked."""
        if not self.request.user.is_authenticated:
            return []
        items = []
        for item in allowed_nav_items(self.actor, MENU):
            url = _url(item)
            if url is None:
                continue
            paths = list(_paths(item, url))
            if any(i.url_name is None for i in nav_items(MENU) if i.key == item.key):
                for tab in nav_items(item.key):  # a group: current on any of its tabs
                    tab_url = _url(tab)
                    if tab_url:
                        paths.extend(_paths(tab, tab_url))
            items.append((item, url, tuple(paths)))
        current = _longest(self.request.path, {i.key: p for i, _, p in items})
        return [
            NavLink(
                i.key,
                i.title,
                url,
                current=i.key == current,
                exact=i.key == current and self.request.path == url,
            )
            for i, url, _ in items
        ]

    def tabs(self, section: str, current: str = "") -> list[NavLink]:
        """The tabs of menu item ``section`` the actor may open.

        The current tab is the one whose URL is the page's; failing that, the one with
        key ``current`` (a page below a tab names its tab), then the longest match.
        """
        key = ("tabs", section)
        cache: dict[Any, Any] = self.__dict__.setdefault("_tabs", {})
        if key not in cache:
            cache[key] = [
                (item, url)
                for item in allowed_nav_items(self.actor, section)
                if (url := _url(item)) is not None
            ]
        shown: list[tuple[NavItem, str]] = cache[key]
        path = self.request.path
        exact = next((i.key for i, url in shown if url == path), None)
        chosen = exact or (
            current
            if any(i.key == current for i, _ in shown)
            else _longest(path, {i.key: _paths(i, url) for i, url in shown})
        )
        return [
            NavLink(i.key, i.title, url, current=i.key == chosen, exact=url == path)
            for i, url in shown
        ]

    @cached_property
    def home(self) -> str:
        """The URL of the actor's own home page (where signing in leads)."""
        return reverse(home_url_name(self.actor))


def navigation_of(request: HttpRequest) -> Navigation:
    """The request's :class:`Navigation` (made once per request)."""
    nav = getattr(request, "_saferleeds_navigation", None)
    if nav is None:
        nav = Navigation(request)
        request._saferleeds_navigation = nav  # type: ignore[attr-defined]
    return nav


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Expose ``nav``: the menu (``nav.menu``) and tabs (``{% nav_tabs %}``)."""
    return {"nav": navigation_of(request)}
