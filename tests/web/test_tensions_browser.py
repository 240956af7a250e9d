"""Community tension monitoring in headless Chromium (issue #15 item 5), axe-checked.

Journey: a ward reported at level 2 last week; pete.practitioner records this week's
report at level 4 through the form and sees the ward's level change to 4, rising; the
ward's page shows the weeks; the map colours the 33 wards (no tiles) with the same
levels as its table; the weekly return lists the ward first.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from saferleeds.governance.actions import do_record_tension_report
from saferleeds.partners.policy import actor_for
from saferleeds.partnership import current
from saferleeds.places.actions import do_load_geography
from saferleeds.places.models import Area
from tests.web.axe import assert_accessible
from tests.web.conftest import browser_sign_in, screenshot

pytestmark = pytest.mark.browser

WARD = "Gipton and Harehills"


@pytest.fixture
def ward(transactional_db: None, personas: dict[str, Any]) -> Area:
    do_load_geography(current(), actor=None)
    area = Area.objects.get(level=Area.Level.WARD, name=WARD)
    today = timezone.localdate()
    do_record_tension_report(
        area.pk,
        week_starting=today - timedelta(weeks=1),
        level=2,
        grading="experienced",
        indicators="Low-level graffiti near the shops.",
        actor=actor_for(personas["carol.coordinator"], purpose="test"),
    )
    return area


def test_record_a_report_and_see_the_level_change(
    live_server: Any, page: Any, personas: dict[str, Any], ward: Area
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    browser_sign_in(page, base, personas["pete.practitioner"])
    page.goto(f"{base}/plan/tensions/")
    row = page.get_by_test_id(f"tension-{ward.pk}")
    expect(row.locator("[data-level]")).to_have_attribute("data-level", "2")
    page.get_by_label("Ward or neighbourhood").select_option(label=f"{WARD} (ward)")
    page.get_by_label("4 High").check()
    page.get_by_label("Evidenced").check()
    page.get_by_label("Indicators and triggers").fill(
        "Leaflets ahead of a planned march; rumours online."
    )
    page.get_by_role("button", name="Record the report").click()
    expect(page.get_by_text("Tension report recorded")).to_be_visible()
    row = page.get_by_test_id(f"tension-{ward.pk}")
    expect(row.locator("[data-level]")).to_have_attribute("data-level", "4")
    expect(row.locator("[data-trend]")).to_have_attribute("data-trend", "rising")
    assert_accessible(page)
    screenshot(page, "tensions-list")

    row.get_by_role("link", name=WARD).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(WARD)
    expect(page.get_by_test_id("area-level").locator("[data-level]")).to_have_attribute(
        "data-level", "4"
    )
    assert_accessible(page)
    screenshot(page, "tensions-area")

    page.get_by_role("link", name="Map by ward").click()
    page.wait_for_selector("#sl-tension-map[data-ready='true']", timeout=30_000)
    assert page.get_attribute("#sl-tension-map", "data-wards") == "33"
    assert page.locator("#sl-tension-map .leaflet-overlay-pane svg path").count() == 33
    assert page.locator("#sl-tension-map img.leaflet-tile").count() == 0  # no tiles
    first = page.get_by_test_id("ward-levels").locator("tbody tr").first
    expect(first).to_have_attribute("data-ward", ward.code)
    assert_accessible(page)
    screenshot(page, "tensions-map")

    page.get_by_role("link", name="Weekly return").click()
    table = page.get_by_test_id("return")
    expect(table.locator("tbody tr").first).to_have_attribute("data-area", ward.code)
    assert_accessible(page)
    screenshot(page, "tensions-return")
    assert page.problems == []
