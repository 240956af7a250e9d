"""Analytics pages cached by the store's data version (issue #18, item 1).

A second view of the map or the indicators recomputes nothing; an import changes the
store's data version, so the very next view shows what it brought.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from saferleeds.analytics.geography import load_geography
from saferleeds.analytics.store import data_version, open_store
from saferleeds.importers.police import import_police
from saferleeds.partnership import current
from tests.conftest import SHIPPED_POLICE

JULY_2017 = SHIPPED_POLICE / "2017-07-west-yorkshire-street.csv.gz"
JULY_2018 = SHIPPED_POLICE / "2018-07-west-yorkshire-street.csv.gz"


def _import(path: Path, month_file: Path) -> None:
    """What ``saferleeds import police`` does: a writable open, geography, one file."""
    with open_store(path) as store:
        if not store.scalar("SELECT count(*) FROM area_lsoa"):
            load_geography(store, current())
        assert import_police(store, [month_file]).exit_code == 0


@pytest.fixture
def one_month_store(tmp_path: Path, settings: Any) -> Path:
    """A store holding July 2017 only, the one the pages read (its own, per test)."""
    path = tmp_path / "analytics.duckdb"
    _import(path, JULY_2017)
    settings.SAFERLEEDS_ANALYTICS_PATH = path
    return path


def _counting(
    monkeypatch: pytest.MonkeyPatch, module: str, name: str
) -> list[tuple[Any, ...]]:
    """Replace ``module.name`` with a wrapper recording each call's arguments."""
    import importlib

    mod = importlib.import_module(module)
    real: Callable[..., Any] = getattr(mod, name)
    calls: list[tuple[Any, ...]] = []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(mod, name, wrapper)
    return calls


def test_every_writable_open_changes_the_data_version(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with open_store(path) as store:
        first = data_version(store)
    with open_store(path, read_only=True) as store:
        after_write = data_version(store)
    with open_store(path, read_only=True) as store:
        assert data_version(store) == after_write  # reading changes nothing
    assert after_write != first  # closing a writer bumps it again
    with open_store(path) as store:
        pass
    with open_store(path, read_only=True) as store:
        assert data_version(store) != after_write
    # A missing store reads as a fresh empty one: never a version to reuse results of.
    versions = set()
    for _ in range(2):
        with open_store(tmp_path / "missing.duckdb", read_only=True) as store:
            versions.add(data_version(store))
    assert len(versions) == 2


@pytest.mark.django_db
def test_second_map_view_and_its_layer_recompute_nothing(
    client: Client,
    personas: dict[str, Any],
    sign_in: Any,
    one_month_store: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gi = _counting(monkeypatch, "saferleeds.places.views", "lsoa_gi_star")
    kde = _counting(monkeypatch, "saferleeds.places.views", "kde_surface")
    analyst = sign_in(client, personas["aisha.analyst"])
    first = analyst.get("/places/map/")
    assert first.status_code == 200
    assert len(gi) == 1
    second = analyst.get("/places/map/")
    assert second.status_code == 200
    assert len(gi) == 1, "the second view recomputed Gi*"
    # The same table of hot LSOAs, from the cache.
    table = first.content.decode().split('data-testid="hot-lsoas"')[1]
    assert table == second.content.decode().split('data-testid="hot-lsoas"')[1]
    # The Gi* layer reuses the page's Gi*; each layer is computed once.
    for _ in range(2):
        r = analyst.get("/places/map/layers/gistar-lsoa.geojson")
        assert r.status_code == 200
        assert r["Content-Type"] == "application/geo+json"
        assert json.loads(r.content)["meta"]["layer"] == "gistar-lsoa"
        analyst.get("/places/map/layers/kde.geojson")
    assert len(gi) == 1
    assert len(kde) == 1
    # Another selection is another result.
    analyst.get("/places/map/", {"crime_type": "Burglary"})
    assert len(gi) == 2


@pytest.mark.django_db
def test_an_import_shows_on_the_map_right_after_it(
    client: Client,
    personas: dict[str, Any],
    sign_in: Any,
    one_month_store: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gi = _counting(monkeypatch, "saferleeds.places.views", "lsoa_gi_star")
    analyst = sign_in(client, personas["aisha.analyst"])
    before = analyst.get("/places/map/").content.decode()
    assert "July 2017" in before and "July 2018" not in before
    layer_before = json.loads(
        analyst.get("/places/map/layers/gistar-lsoa.geojson").content
    )
    assert len(gi) == 1
    _import(one_month_store, JULY_2018)
    after = analyst.get("/places/map/").content.decode()
    assert len(gi) == 2, "the import did not invalidate the cached Gi*"
    # The new month is offered and is the default end of the window.
    assert '<option value="2018-07" selected>July 2018</option>' in after
    assert "July 2017 to July 2018" in after
    # The layers' URLs carry the new version, so the browser fetches them afresh too.
    assert data_version_of(before) != data_version_of(after)
    layer_after = json.loads(
        analyst.get("/places/map/layers/gistar-lsoa.geojson").content
    )
    total = sum(f["properties"]["value"] for f in layer_after["features"])
    assert total > sum(f["properties"]["value"] for f in layer_before["features"])


def data_version_of(page: str) -> str:
    """The ``v`` parameter of the map's layer URLs."""
    query = page.split('data-query="')[1].split('"')[0]
    return dict(p.split("=", 1) for p in query.replace("&amp;", "&").split("&"))["v"]


@pytest.mark.django_db
def test_indicators_cached_until_an_import(
    client: Client,
    personas: dict[str, Any],
    sign_in: Any,
    one_month_store: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dash = _counting(monkeypatch, "saferleeds.web.indicators", "dashboard")
    ranked = _counting(monkeypatch, "saferleeds.web.indicators", "compute_indicators")
    executive = sign_in(client, personas["ed.executive"])
    first = executive.get("/indicators/")
    assert first.status_code == 200
    assert "2017-07" in first.content.decode()
    executive.get("/indicators/")
    assert (len(dash), len(ranked)) == (1, 1), "the second view recomputed"
    _import(one_month_store, JULY_2018)
    after = executive.get("/indicators/")
    assert len(dash) == 2
    # The period reported is the month just imported.
    assert 'value="2018-07"' in after.content.decode()


def _version(path: Path) -> str:
    with open_store(path, read_only=True) as store:
        return data_version(store)


@pytest.mark.django_db
def test_the_same_page_after_an_import_is_recomputed_by_the_version_alone(
    client: Client,
    personas: dict[str, Any],
    sign_in: Any,
    one_month_store: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tests above pass on a moved default (the new month becomes the period, so
    the cache key changes) even if an import left the data version as it was. Here
    every page asked for is the same before and after the import, argument for
    argument: only the import's new data version can make them show what it brought.
    """
    dash = _counting(monkeypatch, "saferleeds.web.indicators", "dashboard")
    gi = _counting(monkeypatch, "saferleeds.places.views", "lsoa_gi_star")
    executive = sign_in(client, personas["ed.executive"])
    analyst = sign_in(Client(), personas["aisha.analyst"])
    indicators = "/indicators/?period=2018-07"  # a month the store does not hold yet
    the_map = "/places/map/?start=2017-07&end=2017-07"
    version = _version(one_month_store)
    before = executive.get(indicators)
    assert before.status_code == 200
    assert analyst.get(the_map).status_code == 200
    executive.get(indicators)
    analyst.get(the_map)
    assert (len(dash), len(gi)) == (1, 1), "not cached to begin with"
    # Reading changes nothing: the version the pages were cached under still holds.
    assert _version(one_month_store) == version
    _import(one_month_store, JULY_2018)
    assert _version(one_month_store) != version, "the import kept the data version"
    after = executive.get(indicators)
    analyst.get(the_map)
    assert (len(dash), len(gi)) == (2, 2), "the same page was served from before"
    # And the page shows the month just imported, right away.
    assert 'data-testid="no-data"' in before.content.decode()
    shown = after.content.decode()
    assert 'data-testid="no-data"' not in shown
    assert 'data-testid="crime-map"' in shown
    assert '<span class="govuk-caption-l">Leeds, 2018-07</span>' in shown


@pytest.mark.browser
def test_layer_list_sits_beside_the_map_not_on_it(
    live_server: Any,
    page: Any,
    personas: dict[str, Any],
    one_month_store: Path,
    transactional_db: None,
) -> None:
    """Issue #16 item 11: the layer list covered the north-east of the district."""
    from tests.web.conftest import browser_sign_in, screenshot

    browser_sign_in(page, live_server.url, personas["aisha.analyst"])
    for width, name in ((1280, "map-layers-wide"), (600, "map-layers-narrow")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/places/map/")
        page.wait_for_selector("#sl-map[data-ready='true']", timeout=30_000)
        assert page.locator(".sl-map .leaflet-control-layers").count() == 0
        control = page.locator("#sl-map-layers .leaflet-control-layers")
        m = page.locator("#sl-map").bounding_box()
        c = control.bounding_box()
        assert m is not None and c is not None
        if width > 1000:  # beside the map
            assert c["x"] >= m["x"] + m["width"], (m, c)
        else:  # below it
            assert c["y"] >= m["y"] + m["height"], (m, c)
        # Every layer is listed and works from there.
        page.get_by_label("LSOA boundaries").check()
        page.get_by_label("Density (KDE), crimes per km²").check()
        page.wait_for_selector("#sl-map[data-loaded-kde]", timeout=30_000)
        screenshot(page, name)
    assert page.problems == []


@pytest.mark.django_db
def test_partner_figures_cached_until_their_records_or_the_store_change(
    client: Client,
    personas: dict[str, Any],
    sign_in: Any,
    one_month_store: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Re-offending, first-time entrants and the map's drawing are cached as well:
    the first two come from partners' records in the database, so a new extract
    recomputes them (and nothing of the store's); an import recomputes everything."""
    from saferleeds.importers.offending import (
        read_disposal_extract,
        read_offence_extract,
    )
    from saferleeds.offending.actions import do_import_disposals, do_import_offences
    from saferleeds.partners.models import Agency
    from saferleeds.people.models import AgencyReference, Person
    from tests.offending.conftest import DISPOSALS, OFFENCES, REFS

    wyp, nps = Agency.objects.get(code="wyp"), Agency.objects.get(code="nps")
    for ref in REFS:
        person = Person.objects.create(
            given_name=f"Given{ref}", family_name=f"Family{ref}", created_by=wyp
        )
        for agency in (wyp, nps):
            AgencyReference.objects.create(person=person, agency=agency, reference=ref)
    assert not do_import_offences(
        read_offence_extract(OFFENCES), actor=None, agency=wyp
    ).problems
    reoffending = _counting(
        monkeypatch, "saferleeds.web.indicators", "latest_complete_reoffending"
    )
    fte = _counting(
        monkeypatch, "saferleeds.web.indicators", "latest_first_time_entrants"
    )
    drawn = _counting(monkeypatch, "saferleeds.web.indicators", "choropleth")
    dash = _counting(monkeypatch, "saferleeds.web.indicators", "dashboard")
    executive = sign_in(client, personas["ed.executive"])
    first = executive.get("/indicators/").content.decode()
    again = executive.get("/indicators/").content.decode()
    main = '<main class="govuk-main-wrapper'
    assert again.split(main)[1] == first.split(main)[1]  # not the form's CSRF token
    assert (len(reoffending), len(fte), len(drawn), len(dash)) == (1, 1, 1, 1)
    # A partner's disposals extract: its figures afresh, the store's from the cache.
    assert not do_import_disposals(
        read_disposal_extract(DISPOSALS), actor=None, agency=nps
    ).problems
    executive.get("/indicators/")
    assert (len(reoffending), len(fte), len(drawn), len(dash)) == (2, 2, 1, 1)
    # An import of the store: everything afresh.
    _import(one_month_store, JULY_2018)
    executive.get("/indicators/")
    assert (len(reoffending), len(fte), len(drawn), len(dash)) == (3, 3, 2, 2)


@pytest.mark.django_db
def test_indicators_page_reads_a_fixed_number_of_queries(
    client: Client, personas: dict[str, Any], sign_in: Any, one_month_store: Path
) -> None:
    """Once cached, the page reads the session, the user and the partners' records'
    fingerprints: no query per card, area or cohort (issue #18, item 2)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    executive = sign_in(client, personas["ed.executive"])
    executive.get("/indicators/")
    with CaptureQueriesContext(connection) as ctx:
        assert executive.get("/indicators/").status_code == 200
    assert len(ctx.captured_queries) <= 12, [q["sql"] for q in ctx.captured_queries]


def test_readers_share_one_database_per_published_version(tmp_path: Path) -> None:
    """Pages open the store per request; the process keeps one read-only database
    per published version, and an import's new version is read right after it."""
    from saferleeds.analytics import store as store_module

    path = tmp_path / "s.duckdb"
    with open_store(path) as store:
        store.execute("CREATE TABLE t AS SELECT 1 AS x")
    opened = store_module._connect
    calls: list[Path | None] = []

    def counting(p: Path | None, read_only: bool) -> Any:
        if read_only:
            calls.append(p)
        return opened(p, read_only)

    store_module._READERS.clear()
    try:
        store_module._connect = counting  # type: ignore[assignment]
        for _ in range(3):
            with open_store(path, read_only=True) as store:
                assert store.scalar("SELECT x FROM t") == 1
        assert len(calls) == 1
        with open_store(path) as store:
            store.execute("UPDATE t SET x = 2")
        with open_store(path, read_only=True) as store:
            assert store.scalar("SELECT x FROM t") == 2
        assert len(calls) == 2 and calls[1] != calls[0]  # the new version's file
    finally:
        store_module._connect = opened  # type: ignore[assignment]
        store_module._READERS.clear()
