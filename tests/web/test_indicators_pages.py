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
    assert "BLOCKED" not in html and "approximate" in html  # ONS CSS harm weights
    assert html.count('data-testid="harm"') == 2  # the two crime cards carry harm


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


@pytest.mark.django_db
def test_wards_in_the_area_picker_drill_down_and_export(
    executive: Client, shipped_rows: list[dict[str, str]]
) -> None:
    page = executive.get("/indicators/", {"period": "2018-07"}).content.decode()
    assert page.count(" (ward)</option>") == 33
    assert '<option value="E05001424">Gipton and Harehills (ward)</option>' in page
    r = executive.get(
        "/indicators/total_recorded_crime/", {"period": "2018-07", "level": "ward"}
    )
    html = r.content.decode()
    assert r.status_code == 200 and html.count("<path") == 33
    assert "Wards ranked" in html
    # One ward: its LSOAs on the map, and the figure is the sum of its LSOAs' rows.
    with current().ward_lookup.open(encoding="utf-8") as f:  # type: ignore[union-attr]
        lsoas = {
            r["lsoa11cd"] for r in csv.DictReader(f) if r["ward_code"] == "E05001424"
        }
    expected = sum(
        1
        for r in shipped_rows
        if r["Month"] == "2018-07"
        and r["LSOA code"] in lsoas
        and r["Crime type"] != ASB
    )
    q = {"period": "2018-07", "area": "E05001424"}
    page = executive.get("/indicators/", q).content.decode()
    crime_map = page.split('data-testid="crime-map"')[1].split("</figure>")[0]
    assert crime_map.count("<path") == len(lsoas)
    export = executive.get("/indicators/export.csv", {**q, "by": "ward"})
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    crime = [r for r in rows if r["id"] == "total_recorded_crime"]
    assert [int(r["value"]) for r in crime] == [expected]


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


# --- one area, empty periods, small counts, rounded exports (issue #16 item 8) -------


def _one_msoa(store_path: Path) -> tuple[str, str]:
    with open_store(store_path, read_only=True) as store:
        code, name = store.execute(
            "SELECT msoa_code, any_value(msoa_name) FROM area_lsoa GROUP BY 1 "
            "ORDER BY 1 LIMIT 1"
        ).fetchone()
    return str(code), str(name)


@pytest.mark.django_db
def test_the_period_box_is_filled_on_the_first_visit(executive: Client) -> None:
    html = executive.get("/indicators/").content.decode()
    box = html.split('id="id_period"')[1].split(">")[0]
    assert 'value="2018-07"' in box  # the latest month held, the period shown
    detail = executive.get("/indicators/total_recorded_crime/").content.decode()
    assert 'value="2018-07"' in detail.split('id="id_period"')[1].split(">")[0]


@pytest.mark.django_db
def test_one_msoa_is_not_ranked_against_itself(
    executive: Client, indicator_store: Path
) -> None:
    import re

    code, name = _one_msoa(indicator_store)
    q = {"period": "2018-07", "area": code}
    # Asked by MSOA: one polygon, one legend band, no ranks.
    r = executive.get("/indicators/total_recorded_crime/", {**q, "level": "msoa"})
    html = r.content.decode()
    assert r.status_code == 200
    figure = html.split('data-testid="detail-map"')[1].split("</figure>")[0]
    assert figure.count("<path") == 1
    legend = re.findall(r'font-size="13">([^<]*)</text>', figure)
    assert len(legend) == 2 and " to " not in legend[0]
    table = html.split('data-testid="ranking"')[1].split("</table>")[0]
    assert "nothing to rank it against" in table and ">Rank<" not in table
    # By default one MSOA is shown by its LSOAs, ranked among themselves.
    r = executive.get("/indicators/total_recorded_crime/", q)
    html = r.content.decode()
    figure = html.split('data-testid="detail-map"')[1].split("</figure>")[0]
    lsoas = figure.count("<path")
    assert lsoas >= 4
    table = html.split('data-testid="ranking"')[1].split("</table>")[0]
    assert ">Rank<" in table and "LSOAs ranked" in table
    # The progress page's map and list for the same area are its LSOAs too.
    page = executive.get("/indicators/", q).content.decode()
    assert "residents by LSOA" in page and f"{name}" in page
    crime_map = page.split('data-testid="crime-map"')[1].split("</figure>")[0]
    assert crime_map.count("<path") == lsoas


@pytest.mark.django_db
def test_a_period_with_no_data_says_so(executive: Client) -> None:
    q = {"period": "2018-01"}  # police.uk months held: 2017-07 and 2018-07
    detail = executive.get("/indicators/total_recorded_crime/", q).content.decode()
    assert 'data-testid="no-data"' in detail
    assert "No figures for recorded crime" in detail or "No figures for" in detail
    assert 'data-testid="ranking"' not in detail
    page = executive.get("/indicators/", q).content.decode()
    assert 'data-testid="no-data"' in page and "held for 2018-01" in page
    assert "Highest rates" not in page


@pytest.mark.django_db
def test_small_rates_are_given_per_100000(
    executive: Client, indicator_store: Path
) -> None:
    import re

    html = executive.get("/indicators/", {"period": "2018-07"}).content.decode()
    assert "0.00 per 1,000" not in html
    shown = re.findall(r"([0-9.,]+) per (1,000|100,000) residents", html)
    assert shown
    for number, unit in shown:
        value = float(number.replace(",", ""))
        if unit == "1,000":
            assert value >= 1, (number, unit)  # below 1 is given per 100,000
        else:
            assert value < 100, (number, unit)
    # An MSOA's hate incidents are few: the drill-down gives them per 100,000.
    code, _ = _one_msoa(indicator_store)
    detail = executive.get(
        "/indicators/hate_incidents/",
        {"period": "2018-07", "area": code, "level": "lsoa"},
    ).content.decode()
    if 'data-testid="ranking"' in detail:
        table = detail.split('data-testid="ranking"')[1].split("</table>")[0]
        assert "per 100,000" in table and "0.00<" not in table


@pytest.mark.django_db
def test_exports_are_rounded_as_the_page_shows_them(executive: Client) -> None:
    q = {"period": "FY2017/18", "compare": "previous-year"}
    rows = list(
        csv.DictReader(
            io.StringIO(
                executive.get("/indicators/export.csv", q).content.decode("utf-8-sig")
            )
        )
    )
    assert rows
    decimals = {
        "rate_per_1000": 2,
        "rate_per_100000": 1,
        "change_pct": 1,
        "ci_low": 1,
        "ci_high": 1,
        "p_value": 3,
        "harm": 0,
    }
    for row in rows:
        for column, most in decimals.items():
            v = row[column]
            if v and v != "< 0.001":
                assert len(v.split(".")[1]) <= most if "." in v else True, (column, v)
        for column in ("value", "comparison_value"):
            v = row[column]
            if v and "." in v:
                assert len(v.split(".")[1]) <= 1, (column, v)
        assert "_full" not in ",".join(row)
    full = list(
        csv.DictReader(
            io.StringIO(
                executive.get(
                    "/indicators/export.csv", {**q, "full": "1"}
                ).content.decode("utf-8-sig")
            )
        )
    )
    assert {"value_full", "change_pct_full", "p_value_full"} <= set(full[0])
    hate = next(r for r in full if r["id"] == "hate_incidents")
    assert float(hate["rate_per_100000"]) == round(
        float(hate["rate_per_1000_full"]) * 100, 1
    )
    for a, b in zip(rows, full, strict=True):
        if b["change_pct_full"]:
            assert float(a["change_pct"]) == round(float(b["change_pct_full"]), 1)


@pytest.mark.django_db
def test_runs_of_zero_months_are_not_marked_out_of_control(
    executive: Client, indicator_store: Path
) -> None:
    import math
    import re

    with open_store(indicator_store, read_only=True) as store:
        msoas = [
            str(c)
            for (c,) in store.execute(
                "SELECT DISTINCT msoa_code FROM area_lsoa ORDER BY 1 LIMIT 6"
            ).fetchall()
        ]
    checked = 0
    for code in msoas:
        html = executive.get(
            "/indicators/hate_incidents/", {"period": "2018-07", "area": code}
        ).content.decode()
        table = html.split("Monthly figures as a table")[1].split("</table>")[0]
        rows = re.findall(
            r'<td class="govuk-table__cell govuk-table__cell--numeric">([^<]*)</td>'
            r'<td class="govuk-table__cell">([^<]*)</td>',
            table,
        )
        values = [(float(v), s) for v, s in rows if v != "no data"]
        mean = sum(v for v, _ in values) / len(values)
        zeros = [s for v, s in values if v == 0]
        if math.exp(-mean) > 0.5 and len(zeros) >= 8:
            checked += 1
            assert all("run" not in s for s in zeros), (code, values)
            trend = html.split('data-testid="trend-chart"')[1].split("</figure>")[0]
            red = len(re.findall(r'fill="#d4351c"', trend))
            assert red == sum(1 for _, s in values if s.strip()), code
    assert checked, "no small-area series with mostly zero months to check"
