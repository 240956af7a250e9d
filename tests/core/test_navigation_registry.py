"""The navigation registry (``core.registry``): menu items, tabs and homes by role,
each shown by the predicate that guards its page (issue #16, item 5)."""

from __future__ import annotations

from saferleeds.core.actor import Actor
from saferleeds.core.registry import (
    MENU,
    NavItem,
    allowed_nav_items,
    home_url_name,
    nav_items,
    register_nav_item,
)


def actor(*roles: str) -> Actor:
    return Actor(1, "someone", 1, "lcc", frozenset(roles))


def keys(items: tuple[NavItem, ...]) -> list[str]:
    return [i.key for i in items]


def test_each_role_is_offered_the_pages_its_guards_allow(db: None) -> None:
    assert keys(allowed_nav_items(actor("executive"), "casework")) == [
        "marac_figures",
        "asb_statistics",
        "dardr",
    ]
    assert keys(allowed_nav_items(actor("analyst"), "casework")) == [
        "cases",
        "marac_figures",
        "asb",
        "asb_statistics",
        "nrm",
        "dardr",
    ]
    assert "marac" not in keys(allowed_nav_items(actor("ig_lead"), "casework"))
    assert "hate" not in keys(allowed_nav_items(actor("ig_lead"), "casework"))
    assert keys(allowed_nav_items(actor("reporting_centre"), "casework")) == []
    menu = allowed_nav_items(actor("executive"))
    casework = next(i for i in menu if i.key == "casework")
    assert casework.url_name == "marac:marac-figures"  # its first allowed tab
    assert "casework" not in keys(allowed_nav_items(actor("reporting_centre")))
    # A guard is the same function for the page and the menu.
    from saferleeds.marac.access_pages import may_read_figures

    tab = next(i for i in nav_items("casework") if i.key == "marac_figures")
    assert tab.allowed is may_read_figures


def test_each_role_has_a_home() -> None:
    assert home_url_name(actor("case_coordinator")) == "marac:marac-home"
    assert home_url_name(actor("practitioner")) == "safeguarding:case_list"
    assert home_url_name(actor("analyst")) == "indicators"
    assert home_url_name(actor("ig_lead")) == "audit:index"
    assert home_url_name(actor("system_admin")) == "administration:index"
    assert home_url_name(actor("executive")) == "overview"


def test_a_new_page_registers_through_the_hook() -> None:
    item = NavItem(
        "zz_test",
        "Test page",
        "overview",
        lambda a: "analyst" in a.roles,
        order=999,
        section="zz_section",
    )
    register_nav_item(item)
    try:
        assert keys(allowed_nav_items(actor("analyst"), "zz_section")) == ["zz_test"]
        assert allowed_nav_items(actor("executive"), "zz_section") == ()
        assert "zz_test" not in keys(nav_items(MENU))
    finally:
        from saferleeds.core import registry

        del registry._nav_items[("zz_section", "zz_test")]
