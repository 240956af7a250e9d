"""Hooks: how an app plugs into code of an app below it without that app importing it.

An app registers its functions in its ``AppConfig.ready``; the app below calls them
through here, as Wagtail's hooks let modules plug into shared pages. So ``partners``
learns a user's case memberships, and ``incidents`` opens a case, without importing
``safeguarding`` (which builds on both).

Each hook has exactly one provider: calling a hook nobody registered is an error (an
app is missing from ``INSTALLED_APPS``), and registering a second provider replaces the
first (tests may swap one in).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from saferleeds.core.actor import Actor

CASE_MEMBERSHIPS = "case_memberships"
"""``fn(user) -> Iterable[int]``: the ids of the cases a user is a member of."""

CREATE_CASE = "create_case"
"""``fn(*, actor, case_type, title, summary, risk_level) -> case``: open a case."""

LINK_PERSON_TO_CASE = "link_person_to_case"
"""``fn(case_id, person_id, role, *, actor) -> link``: put a person on a case."""

_hooks: dict[str, Callable[..., Any]] = {}


def register(name: str, fn: Callable[..., Any]) -> None:
    """Make ``fn`` the provider of hook ``name``."""
    _hooks[name] = fn


def hook(name: str) -> Callable[..., Any]:
    """The provider of hook ``name``.

    Raises:
        LookupError: No app registered one (its app is not installed or not ready).
    """
    try:
        return _hooks[name]
    except KeyError:
        raise LookupError(f"no app provides the {name!r} hook") from None


def register_case_membership(fn: Callable[[Any], Any]) -> None:
    """Register how to find the ids of the cases a user belongs to."""
    register(CASE_MEMBERSHIPS, fn)


def case_ids_of(user: Any) -> frozenset[int]:
    """The ids of the cases ``user`` is a member of (see :data:`CASE_MEMBERSHIPS`)."""
    return frozenset(hook(CASE_MEMBERSHIPS)(user))


# --- Casework modules on the case page ----------------------------------------------


@dataclass(frozen=True)
class TimelineEvent:
    """One entry on a case timeline; ``text`` is ``None`` when pseudonymised."""

    on: date
    at: datetime | None
    title: str
    byline: str
    text: str | None


@dataclass(frozen=True)
class CaseModule:
    """What a casework module adds to the case page of a case of its type.

    Registered by the module's ``AppConfig.ready`` (:func:`register_case_module`); the
    case core reads and renders a case page through these without importing a module.
    The records a module shows on a case are its declared record kinds with a
    ``case_section`` (:mod:`saferleeds.core.records`), read and logged by the case
    page's reader with the rest of the case.

    Attributes:
        label: The module's app label (``"marac"``).
        case_type: The case type whose cases it serves (``"marac"``).
        timeline: ``fn(section, records, identified) -> [TimelineEvent]``: the case
            timeline's entries for the records of one of its sections.
        read_panel: ``fn(actor, case, shown) -> panel | None``: the data of its panel,
            shaped (in the access layer) from ``shown``, the records the case page's
            reader read, by section; ``None``: no panel.
        render_panel: ``fn(request, actor, page, panel) -> str | None``: the panel's
            HTML (in the web layer), or ``None`` for none.
    """

    label: str
    case_type: str
    timeline: Callable[[str, list[Any], bool], list[TimelineEvent]] | None = None
    read_panel: Callable[[Any, Any, dict[str, list[Any]]], Any] | None = None
    render_panel: Callable[[Any, Any, Any, Any], str | None] | None = None


_case_modules: dict[str, CaseModule] = {}


def register_case_module(module: CaseModule) -> None:
    """Plug a casework module into the case page (one registration per module)."""
    _case_modules[module.label] = module


def case_modules(case_type: str | None = None) -> tuple[CaseModule, ...]:
    """The registered casework modules (of one case type, when given)."""
    return tuple(
        m
        for m in _case_modules.values()
        if case_type is None or m.case_type == case_type
    )


# --- Sections of the person page -----------------------------------------------------


@dataclass(frozen=True)
class PersonRole:
    """One record a person appears on, as the actor may see it (person page)."""

    kind: str  # the record kind's value: "incident", "case"...
    on: date
    title: str
    agency: str
    roles: tuple[str, ...]
    reference: str | None
    detail: str | None
    status: str | None


PersonRolesReader = Callable[
    [Any, int, bool], tuple[list[PersonRole], list[tuple[str, int, int | None]]]
]
"""``fn(actor, person_id, identified) -> (rows, shown)``: the records of one app that a
person is on and the actor may see (read through the gate, withheld fields ``None``
when not ``identified``), with ``shown`` the ``(record_type, id, subject)`` of each for
the audit log (the people app writes them in one entry)."""

_person_roles: dict[str, PersonRolesReader] = {}


def register_person_roles(app: str, reader: PersonRolesReader) -> None:
    """Let an app list on the person page the records a person is on (one per app)."""
    _person_roles[app] = reader


def person_roles_readers() -> tuple[PersonRolesReader, ...]:
    """Every app's reader of the records a person is on."""
    return tuple(_person_roles.values())


@dataclass(frozen=True)
class PersonPage:
    """A page about one person that an app adds to the person page's sub-navigation.

    Attributes:
        key: Its name in the sub-navigation (``"offender"``).
        text: Its sub-navigation label.
        url_name: The page, a URL name taking ``person_id``.
        shown: ``fn(actor) -> bool``: whether the actor's roles may use it at all
            (the page itself still answers 404 for a person the actor may not see).
    """

    key: str
    text: str
    url_name: str
    shown: Callable[[Any], bool]


_person_pages: dict[str, PersonPage] = {}


def register_person_page(page: PersonPage) -> None:
    """Link a page of an app from the person page's sub-navigation (one per key)."""
    _person_pages[page.key] = page


def person_pages() -> tuple[PersonPage, ...]:
    """The pages apps link from the person page, in registration order."""
    return tuple(_person_pages.values())


# --- Sections of the Administration pages --------------------------------------------


@dataclass(frozen=True)
class AdminSection:
    """A section an app adds to the Administration pages (``/administration/``).

    Attributes:
        key: Its name in the sub-navigation's ``admin_section`` (``"centres"``).
        title: Its sub-navigation label.
        url_name: The page the sub-navigation links to (``"administration:centres"``).
        urlpatterns: ``fn() -> [URLPattern]``: its pages, mounted in the
            ``administration`` namespace (called when the URLconf loads).
        description: What it is for, on the Administration index page.
    """

    key: str
    title: str
    url_name: str
    urlpatterns: Callable[[], list[Any]]
    description: str = ""


_admin_sections: dict[str, AdminSection] = {}


def register_admin_section(section: AdminSection) -> None:
    """Add a section to the Administration pages (one per key)."""
    _admin_sections[section.key] = section


def admin_sections() -> tuple[AdminSection, ...]:
    """The sections apps added to the Administration pages, in registration order."""
    return tuple(_admin_sections.values())


# --- Navigation: the service menu, the tabs, and each role's home page ----------------

MENU = "menu"
"""The ``section`` of the items of the service navigation (the menu under the header)."""


def signed_in(actor: Actor) -> bool:
    """Whether the actor is a signed-in user (the rule of pages open to every user)."""
    return actor.user_id is not None


@dataclass(frozen=True)
class NavItem:
    """A page in the service navigation or among a menu item's tabs.

    Registered by the app that serves the page (:func:`register_nav_item`, from its
    ``hooks.register``), with ``allowed`` the very predicate the page's view refuses
    (403) an actor with: a link is shown to exactly the actors the page answers. The
    menu and the tabs are drawn from these by ``web.context`` (``nav_menu`` and
    ``nav_tabs`` in every template's context).

    Attributes:
        key: Its name (``"marac"``); a template includes the tabs with
            ``section=key`` to mark the item current.
        title: The link's text.
        url_name: The page (``"marac:marac-home"``); ``None`` for a menu item that
            groups tabs: it links to the first of its tabs the actor may open, and is
            shown when there is one.
        allowed: ``fn(actor) -> bool``: whether the actor may open the page.
        order: Position among its section's items (lowest first).
        section: :data:`MENU` for the service navigation, or the key of the menu item
            whose tabs it is (``"casework"``).
        prefixes: Paths under which the item is current besides its own URL (the
            longest matching path wins, so ``/marac/figures/`` beats ``/marac/``).
        home_of: Roles that land on this page after signing in (the first item, by
            ``order``, that the actor may open and that names one of their roles).
    """

    key: str
    title: str
    url_name: str | None
    allowed: Callable[[Actor], bool] = signed_in
    order: int = 100
    section: str = MENU
    prefixes: tuple[str, ...] = ()
    home_of: frozenset[str] = frozenset()


_nav_items: dict[tuple[str, str], NavItem] = {}


def register_nav_item(item: NavItem) -> None:
    """Add a page to the menu or to a menu item's tabs (one per section and key)."""
    _nav_items[(item.section, item.key)] = item


def nav_items(section: str = MENU) -> tuple[NavItem, ...]:
    """Every registered item of a section, in order."""
    return tuple(
        sorted(
            (i for i in _nav_items.values() if i.section == section),
            key=lambda i: (i.order, i.key),
        )
    )


def allowed_nav_items(actor: Actor, section: str = MENU) -> tuple[NavItem, ...]:
    """The items of a section the actor may open, in order.

    A grouping menu item (``url_name`` ``None``) comes back with the URL name of the
    first of its tabs the actor may open, or not at all when there is none.
    """
    shown = []
    for item in nav_items(section):
        if item.url_name is None:
            tabs = allowed_nav_items(actor, item.key)
            if tabs:
                shown.append(replace(item, url_name=tabs[0].url_name))
        elif item.allowed(actor):
            shown.append(item)
    return tuple(shown)


def home_url_name(actor: Actor, default: str = "overview") -> str:
    """The URL name of the page the actor lands on after signing in.

    The first page (menu items, then each one's tabs, by order) the actor may open
    whose ``home_of`` names one of the actor's roles; ``default`` when none does.
    """
    for item in allowed_nav_items(actor):
        candidates = [item] if item.home_of else []
        if _nav_items.get((MENU, item.key), item).url_name is None:
            candidates = list(allowed_nav_items(actor, item.key))
        for each in candidates:
            if {str(r) for r in each.home_of} & actor.roles and each.url_name:
                return each.url_name
    return default
