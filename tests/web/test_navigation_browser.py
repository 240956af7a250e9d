"""Navigation by role in headless Chromium, on the demo data (issue #16, items 5-6).

The MARAC coordinator signs in and lands on MARAC, with "Casework" and the "MARAC" tab
current and the tabs below the title; a person's roles read "Victim", not the badge's
capitals; the case list's area filter is a searchable box, not a 600-entry list;
signing out says so. The executive's "Casework" holds only the figures it may read,
and a refusal says each thing once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.axe import assert_accessible
from tests.web.conftest import browser_sign_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(
    transactional_db: None, personas: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    from saferleeds.demo.seed import seed_demo

    settings.SAFERLEEDS_DOCUMENT_ROOT = tmp_path / "documents"
    seed_demo()


def menu(page: Any) -> list[str]:
    return page.locator("#navigation a").all_inner_texts()


def tabs(page: Any) -> list[str]:
    return page.locator("nav[aria-label='Casework sections'] a").all_inner_texts()


def test_coordinator_lands_on_marac_and_finds_her_way(
    live_server: Any, page: Any, personas: dict[str, Any], demo: None
) -> None:
    from saferleeds.partners.policy import actor_for
    from saferleeds.people.models import SubjectRole
    from saferleeds.safeguarding.access import cases_visible_to
    from saferleeds.safeguarding.models import CasePerson

    base = live_server.url
    browser_sign_in(page, base, personas["carol.coordinator"])
    assert page.url == f"{base}/marac/"
    assert menu(page) == [
        "Overview",
        "Indicators",
        "Map",
        "People",
        "Casework",
        "IOM",
        "Linkage",
        "Plan",
        "Assessment",
        "Tensions",
        "Sharing agreements",
    ]
    current = page.locator("#navigation [aria-current]")
    assert current.inner_text() == "Casework"
    assert tabs(page) == [
        "Cases",
        "MARAC",
        "MARAC figures",
        "Hate reports",
        "ASB",
        "ASB statistics",
        "Modern slavery",
        "Death reviews",
    ]
    tab = page.locator("nav[aria-label='Casework sections'] [aria-current='page']")
    assert tab.inner_text() == "MARAC"
    title = page.get_by_role("heading", level=1).bounding_box()
    assert title["y"] < tab.bounding_box()["y"]  # tabs below the title
    assert_accessible(page)
    screenshot(page, "navigation-coordinator-home")

    # Every tab opens, and keeps the tabs below its title.
    for name in tabs(page):
        page.locator("nav[aria-label='Casework sections']").get_by_role(
            "link", name=name, exact=True
        ).click()
        page.wait_for_load_state()
        assert (
            page.locator(
                "nav[aria-label='Casework sections'] [aria-current='page']"
            ).inner_text()
            == name
        )
        h1 = page.get_by_role("heading", level=1).bounding_box()
        nav = page.locator("nav[aria-label='Casework sections']").bounding_box()
        assert h1["y"] < nav["y"], name

    # A victim reads as "Victim" (the badge no longer shouts "VICTIM").
    victim = (
        CasePerson.objects.filter(
            role=SubjectRole.VICTIM,
            case__in=cases_visible_to(actor_for(personas["carol.coordinator"])),
        )
        .order_by("pk")
        .first()
    )
    page.goto(f"{base}/people/{victim.person_id}/")
    badges = page.locator(".sl-role-badge").all_inner_texts()
    assert "Victim" in badges and "VICTIM" not in badges

    # The area filter: type to search instead of scrolling hundreds of areas.
    page.goto(f"{base}/cases/?status=")
    box = page.get_by_role("combobox", name="Area")
    box.fill("Leeds 02")
    option = page.locator("#id_area__listbox").get_by_role("option").first
    chosen = option.inner_text()
    assert "Leeds 02" in chosen
    option.click()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/cases/?*area=*")
    assert "area=&" not in page.url + "&"
    assert page.get_by_role("combobox", name="Area").input_value() == chosen
    screenshot(page, "navigation-area-filter")
    # Emptying the box goes back to any area.
    page.get_by_role("combobox", name="Area").fill("")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/cases/?*")
    assert "area=&" in page.url + "&"

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/account/signed-out/")
    assert page.get_by_role("heading", name="You have been signed out").is_visible()
    assert "You signed out" in page.locator("main").inner_text()


def test_executive_sees_the_figures_it_may_read(
    live_server: Any, page: Any, personas: dict[str, Any], demo: None
) -> None:
    base = live_server.url
    browser_sign_in(page, base, personas["ed.executive"])
    assert page.url == f"{base}/overview/"
    assert "People" not in menu(page)
    page.locator("#navigation").get_by_role("link", name="Casework").click()
    page.wait_for_url(f"{base}/marac/figures/")
    assert tabs(page) == ["MARAC figures", "ASB statistics", "Death reviews"]
    page.locator("nav[aria-label='Casework sections']").get_by_role(
        "link", name="ASB statistics"
    ).click()
    page.wait_for_url(f"{base}/asb/statistics/")
    assert page.locator("#navigation [aria-current]").inner_text() == "Casework"
    # A page its role may not open: said once, not twice.
    page.goto(f"{base}/people/")
    text = page.locator("main").inner_text()
    assert text.lower().count("agency administrator") == 1, text
