"""A user's first visit in headless Chromium: sign in, see the chart, filter by an MSOA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import browser_sign_in, screenshot

pytestmark = pytest.mark.browser


def test_sign_in_see_chart_and_filter_by_msoa(
    live_server: Any,
    page: Any,
    personas: dict[str, Any],
    settings: Any,
    police_store_path: Path,
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = police_store_path
    page.goto(f"{live_server.url}/overview/")
    assert "/sign-in/" in page.url
    browser_sign_in(page, live_server.url, personas["carol.coordinator"])
    page.wait_for_url("**/overview/")

    chart = page.get_by_role("img", name="Recorded crime and ASB per month, Leeds")
    assert chart.is_visible()
    assert (
        page.locator("[data-testid=monthly-chart] svg rect[fill='#1d70b8']").count()
        == 2
    )
    assert page.get_by_test_id("crimes-total").inner_text() == "16,529"
    assert page.get_by_text("Signed in as Carol Nowak, Leeds City Council").is_visible()
    screenshot(page, "overview-district")

    page.get_by_label("Area").select_option("E02002402")
    page.get_by_role("button", name="Show area").click()
    page.wait_for_url("**/overview/?msoa=E02002402")
    assert page.get_by_text("Leeds 073 (E02002402)").first.is_visible()
    filtered = int(page.get_by_test_id("crimes-total").inner_text().replace(",", ""))
    assert 0 < filtered < 16529
    screenshot(page, "overview-msoa")

    # The table beneath the chart gives the same figures to screen-reader users.
    page.get_by_text("Figures per month as a table").click()
    assert page.get_by_role("cell", name="no data").count() == 11
    assert page.problems == []  # no failed asset, no script error
