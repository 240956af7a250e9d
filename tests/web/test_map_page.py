"""The map page: GeoJSON layers, hot LSOAs, the near-repeat table, and the browser."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.test import Client

from saferleeds.analytics.events import load_events, read_events
from saferleeds.analytics.geography import load_geography
from saferleeds.analytics.hotspots import to_bng
from saferleeds.analytics.nearrepeat import knox_test, spatial_bands, temporal_bands
from saferleeds.analytics.store import open_store
from saferleeds.demo.generator import generate
from saferleeds.importers.police import import_police
from saferleeds.partnership import current
from tests.conftest import SHIPPED_POLICE
from tests.web.axe import assert_accessible
from tests.web.conftest import browser_sign_in, screenshot

LAYERS = "/places/map/layers/"


@pytest.fixture(scope="module")
def map_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("map")
    generate(d / "synthetic", seed=5, scale=0.2)
    path = d / "analytics.duckdb"
    with open_store(path) as store:
        load_geography(store, current())
        import_police(store, [SHIPPED_POLICE])
        load_events(store, d / "synthetic" / "offences.csv")
    return path


@pytest.fixture
def analyst(
    client: Client,
    personas: dict[str, Any],
    sign_in: Any,
    settings: Any,
    map_store: Path,
) -> Client:
    settings.SAFERLEEDS_ANALYTICS_PATH = map_store
    return sign_in(client, personas["aisha.analyst"])


def _geojson(client: Client, name: str, **query: str) -> dict[str, Any]:
    r = client.get(f"{LAYERS}{name}.geojson", query)
    assert r.status_code == 200, r.content[:300]
    assert r["Content-Type"].startswith("application/geo+json")
    fc = json.loads(r.content)
    assert fc["type"] == "FeatureCollection"
    for f in fc["features"]:
        assert f["type"] == "Feature"
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        lon, lat = np.asarray(
            f["geometry"]["coordinates"][0]
            if f["geometry"]["type"] == "Polygon"
            else f["geometry"]["coordinates"][0][0]
        ).T
        assert -2.0 < lon.min() and lon.max() < -1.1  # WGS84 around Leeds, not BNG
        assert 53.6 < lat.min() and lat.max() < 54.0
    return fc


def _leeds_located(rows: list[dict[str, str]], month: str | None = None) -> list[Any]:
    leeds = {
        r["lsoa11cd"]
        for r in csv.DictReader(current().lsoa_population.open(encoding="utf-8"))
    }
    return [
        r
        for r in rows
        if r["LSOA code"] in leeds
        and r["Longitude"]
        and r["Latitude"]
        and (month is None or r["Month"] == month)
    ]


@pytest.mark.django_db
def test_boundary_layers(analyst: Client) -> None:
    assert len(_geojson(analyst, "district")["features"]) == 1
    assert len(_geojson(analyst, "msoa")["features"]) == 107
    lsoa = _geojson(analyst, "lsoa")
    assert len(lsoa["features"]) == 482
    assert {"code", "name"} <= set(lsoa["features"][0]["properties"])


@pytest.mark.django_db
def test_ward_layers_count_every_record_of_their_lsoas(
    analyst: Client, shipped_rows: list[dict[str, str]]
) -> None:
    wards = _geojson(analyst, "ward")
    assert len(wards["features"]) == 33
    lookup = {
        r["lsoa11cd"]: r["ward_code"]
        for r in csv.DictReader(current().ward_lookup.open(encoding="utf-8"))  # type: ignore[union-attr]
    }
    expected: dict[str, int] = dict.fromkeys(set(lookup.values()), 0)
    for r in shipped_rows:
        if r["Month"] == "2018-07" and r["Crime type"] == "Burglary":
            if r["LSOA code"] in lookup:
                expected[lookup[r["LSOA code"]]] += 1
    fc = _geojson(analyst, "ward-crime", crime_type="Burglary", start="2018-07")
    got = {f["properties"]["code"]: f["properties"]["count"] for f in fc["features"]}
    assert got == expected and sum(got.values()) > 0
    page = analyst.get("/places/map/", {"crime_type": "Burglary", "start": "2018-07"})
    body = page.content.decode()
    table = body.split('data-testid="ward-crime"')[1].split("</table>")[0]
    assert table.count("data-ward=") == 33


@pytest.mark.django_db
def test_gi_star_grid_counts_every_selected_record(
    analyst: Client, shipped_rows: list[dict[str, str]]
) -> None:
    fc = _geojson(analyst, "gistar-grid", crime_type="Burglary", start="2018-07")
    expected = _leeds_located(
        [r for r in shipped_rows if r["Crime type"] == "Burglary"], "2018-07"
    )
    assert sum(f["properties"]["value"] for f in fc["features"]) == len(expected)
    props = fc["features"][0]["properties"]
    assert {"id", "value", "z", "q", "label"} <= set(props)
    assert {f["properties"]["label"] for f in fc["features"]} <= {
        "hot",
        "cold",
        "not significant",
    }
    assert fc["meta"]["hot"] >= 1


@pytest.mark.django_db
def test_gi_star_lsoa_and_kde_and_forecasts(
    analyst: Client, shipped_rows: list[dict[str, str]]
) -> None:
    gi = _geojson(analyst, "gistar-lsoa")
    assert len(gi["features"]) == 482
    leeds_all = [
        r
        for r in shipped_rows
        if r["LSOA code"] in {f["properties"]["id"] for f in gi["features"]}
    ]
    assert sum(f["properties"]["value"] for f in gi["features"]) == len(leeds_all)
    kde = _geojson(analyst, "kde", crime_type="Burglary")
    assert kde["features"] and kde["meta"]["points"] == len(
        _leeds_located([r for r in shipped_rows if r["Crime type"] == "Burglary"])
    )
    assert all(f["properties"]["density_per_km2"] > 0 for f in kde["features"])
    fl = _geojson(analyst, "forecast-lsoa", crime_type="Burglary")
    assert fl["meta"]["months"] == ["2017-07", "2018-07"]
    assert fl["meta"]["forecast_month"] == "2018-08"
    one = fl["features"][0]["properties"]
    assert {"id", "name", "forecast", "last"} <= set(one)
    fg = _geojson(analyst, "forecast-grid", crime_type="Burglary")
    assert fg["features"] and all(f["properties"]["risk"] > 0 for f in fg["features"])
    assert fg["meta"]["events"] > 0


@pytest.mark.django_db
def test_unknown_layer_and_bad_months(analyst: Client) -> None:
    assert analyst.get(f"{LAYERS}x.geojson").status_code == 404
    assert analyst.get(f"{LAYERS}secret-people.geojson").status_code == 404
    r = analyst.get(f"{LAYERS}kde.geojson", {"start": "2018-07", "end": "2017-07"})
    assert r.status_code == 400
    r = analyst.get("/places/map/", {"start": "1999-01"})
    assert r.status_code == 400 and "There is a problem" in r.content.decode()


@pytest.mark.django_db
def test_page_lists_hot_lsoas_and_the_near_repeat_table(
    analyst: Client, map_store: Path
) -> None:
    r = analyst.get("/places/map/")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'data-testid="hot-lsoas"' in html and "Hot</strong>" in html
    with open_store(map_store) as store:
        ev = read_events(store, crime_type="Burglary")
    x, y = to_bng(ev.longitude, ev.latitude)
    knox = knox_test(
        x, y, ev.day, spatial_bands(100, 3), temporal_bands(7, 3), permutations=99
    )
    table = html.split('data-testid="near-repeat"')[1].split("</table>")[0]
    rows = [
        [int(v) for v in re.findall(r'data-observed="(\d+)"', tr)]
        for tr in table.split("<tbody")[1].split("</tr>")[:-1]
    ]
    assert tuple(tuple(r) for r in rows) == knox.observed
    assert len(rows) == 5 and all(len(r) == 4 for r in rows)
    assert "[0, 7) days" in table and "&gt;= 300 m" in table
    assert "Same location" in table


@pytest.mark.django_db
def test_near_repeat_marks_need_ratio_and_p_and_the_span_is_the_offences_used(
    analyst: Client, map_store: Path, settings: Any
) -> None:
    with open_store(map_store) as store:
        ev = read_events(store, crime_type="Burglary")
    first, last = ev.day.min().item(), ev.day.max().item()
    for min_ratio in (1.2, 1.0, 50.0):
        settings.SAFERLEEDS_NEAR_REPEAT_MIN_RATIO = min_ratio
        html = analyst.get("/places/map/").content.decode()
        table = html.split('data-testid="near-repeat"')[1].split("</table>")[0]
        caption = table.split("<caption")[1].split("</caption>")[0]
        # The caption states the span of the offences the Knox test used.
        assert f"{first:%-d %B %Y} to {last:%-d %B %Y}" in caption
        marked = re.findall(r'class="sl-nr__ratio">([0-9.]+)(\*{0,2})<', table)
        assert marked
        for ratio, star in marked:
            if star:
                assert float(ratio) >= min_ratio - 0.005, (ratio, star)
        if min_ratio == 50.0:
            assert not any(star for _, star in marked)
        assert f"at least {min_ratio:g}" in html


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    for path in ("/places/map/", f"{LAYERS}kde.geojson"):
        r = client.get(path)
        assert r.status_code == 302 and r["Location"].startswith("/sign-in/")


@pytest.mark.browser
def test_map_page_draws_layers_and_is_accessible(
    live_server: Any,
    page: Any,
    personas: dict[str, Any],
    settings: Any,
    map_store: Path,
    transactional_db: None,
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = map_store
    browser_sign_in(page, live_server.url, personas["ed.executive"])
    page.goto(f"{live_server.url}/places/map/?crime_type=Burglary")
    page.wait_for_selector("#sl-map[data-ready='true']", timeout=30_000)
    assert page.locator(".leaflet-overlay-pane svg path").count() > 107
    assert int(page.get_attribute("#sl-map", "data-loaded-gistar-lsoa")) == 482
    page.get_by_label("Density (KDE), crimes per km²").check()
    page.wait_for_selector("#sl-map[data-loaded-kde]", timeout=30_000)
    assert page.locator("#sl-map-keys .sl-map-legend__row").count() >= 4
    page.get_by_label("LSOA boundaries").check()
    assert page.locator(".leaflet-overlay-pane svg path").count() > 482
    assert_accessible(page)
    screenshot(page, "map-page")
    page.get_by_label("Density (KDE), crimes per km²").uncheck()
    page.get_by_label("Gi* hot and cold LSOAs").uncheck()
    for label, name in (
        ("Gi* hot and cold cells (500 m)", "gistar-grid"),
        ("Prospective forecast (250 m cells)", "forecast-grid"),
    ):
        page.get_by_label(label).check()
        page.wait_for_selector(f"#sl-map[data-loaded-{name}]", timeout=30_000)
    page.get_by_label("Crime by ward, per 1,000 residents").check()
    page.wait_for_selector("#sl-map[data-loaded-ward-crime='33']", timeout=30_000)
    page.get_by_label("Ward boundaries").check()
    screenshot(page, "map-page-wards")
    page.get_by_label("Crime by ward, per 1,000 residents").uncheck()
    page.get_by_label("District boundary").check()
    titles = page.locator("#sl-map-keys .sl-map-legend__title").all_text_contents()
    assert titles == [
        "Gi* hot and cold cells (500 m)",
        "Prospective forecast (250 m cells)",
    ]
    screenshot(page, "map-page-forecast")
    assert page.problems == []
