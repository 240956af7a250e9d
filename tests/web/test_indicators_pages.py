"""The Executive's indicators page: figures, verdicts, map, exports, drill-down."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from saferleeds.analytics.geography import load_geography
from saferleeds.analytics.indicators.survey import SAMPLE_SURVEY, load_survey
from saferleeds.analytics.partner_extract import load_partner_extract
from saferleeds.analytics.store import open_store
from saferleeds.demo.generator import generate
from saferleeds.importers.police import import_police
from saferleeds.partnership import current
from tests.conftest import SHIPPED_POLICE
from tests.web.axe import assert_accessible
from tests.web.conftest import browser_sign_in, screenshot

ASB = "Anti-social behaviour"


@pytest.fixture(scope="module")
def indicator_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("indicators")
    generate(d / "synthetic", seed=5, scale=0.2)
    path = d / "analytics.duckdb"
    with open_store(path) as store:
        load_geography(store, current())
        import_police(store, [SHIPPED_POLICE])
        load_partner_extract(store, d / "synthetic")
        load_survey(store, SAMPLE_SURVEY)
    return path


@pytest.fixture
def executive(
    client: Client,
    personas: dict[str, Any],
    sign_in: Any,
    settings: Any,
    indicator_store: Path,
) -> Client:
    settings.SAFERLEEDS_ANALYTICS_PATH = indicator_store
    return sign_in(client, personas["ed.executive"])


@pytest.mark.django_db
def test_cards_show_every_indicator_with_recounted_figures(
    executive: Client, shipped_rows: list[dict[str, str]]
) -> None:
    leeds = {
        r["lsoa11cd"]
        for r in csv.DictReader(current().lsoa_population.open(encoding="utf-8"))
    }
    july18 = [
        r for r in shipped_rows if r["Month"] == "2018-07" and r["LSOA code"] in leeds
    ]
    crimes = sum(1 for r in july18 if r["Crime type"] != ASB)
    r = executive.get("/indicators/", {"period": "2018-07", "compare": "previous-year"})
    html = r.content.decode()
    assert r.status_code == 200
    assert html.count('class="sl-card"') == 10
    assert f">{crimes:,}<" in html  # 8,865 recorded crimes in Leeds, July 2018
    assert "Significant rise" in html and "govuk-tag--red" in html
    assert "Re-Offending" in html or "Re-offending" in html
    assert html.count("<path") >= 107  # every MSOA on the map
    assert "BLOCKED" in html  # harm weights: said plainly, not faked


@pytest.mark.django_db
def test_bad_period_is_a_clear_error(executive: Client) -> None:
    r = executive.get("/indicators/", {"period": "July"})
    assert r.status_code == 400
    assert "Enter a period like 2018-07" in r.content.decode()


@pytest.mark.django_db
def test_exports_are_attachments_with_the_same_numbers(executive: Client) -> None:
    q = {"period": "2018-07", "compare": "previous-year"}
    c = executive.get("/indicators/export.csv", q)
    assert c.status_code == 200 and "attachment" in c["Content-Disposition"]
    assert "no-store" in c["Cache-Control"]
    rows = list(csv.DictReader(io.StringIO(c.content.decode("utf-8-sig"))))
    total = next(r for r in rows if r["id"] == "total_recorded_crime")
    assert total["value"] == "8865" and total["comparison_value"] == "7664"
    x = executive.get("/indicators/export.xlsx", q)
    wb = load_workbook(io.BytesIO(x.content))
    assert [ws.sheet_state for ws in wb.worksheets] == ["visible"]
    assert wb.active.max_row == len(rows) + 1
    assert executive.get("/indicators/export.exe", q).status_code == 404


@pytest.mark.django_db
def test_drill_down_by_msoa_and_lsoa(executive: Client) -> None:
    r = executive.get("/indicators/total_recorded_crime/", {"period": "2018-07"})
    assert r.status_code == 200
    assert r.content.decode().count("<path") == 107
    r = executive.get(
        "/indicators/total_recorded_crime/", {"period": "2018-07", "level": "lsoa"}
    )
    assert r.content.decode().count("<path") >= 470  # LSOAs with data in the month
    assert executive.get("/indicators/no_such_thing/").status_code == 404


@pytest.mark.browser
def test_indicators_pages_are_accessible(
    live_server: Any,
    page: Any,
    personas: dict[str, Any],
    settings: Any,
    indicator_store: Path,
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = indicator_store
    browser_sign_in(page, live_server.url, personas["ed.executive"])
    page.goto(f"{live_server.url}/indicators/?period=2018-07")
    assert page.get_by_test_id("indicator-cards").is_visible()
    assert_accessible(page)
    screenshot(page, "indicators")
    page.get_by_role("link", name="Volume of total recorded crime").click()
    page.wait_for_url("**/indicators/total_recorded_crime/**")
    assert_accessible(page)
    screenshot(page, "indicator-detail")
    assert page.problems == []
