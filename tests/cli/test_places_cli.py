"""`saferleeds hotspots`, `near-repeat`, `forecast` and `neighbourhood profile` as a
user runs them, after `saferleeds demo load`, checked against independent recounts."""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from saferleeds.analytics.store import open_store
from saferleeds.partnership import current
from tests.cli.test_cli import saferleeds

ASB = "Anti-social behaviour"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("places")
    r = saferleeds(d, "demo", "load")
    assert r.returncode == 0, r.stderr
    return d


def _sql(
    data: Path, sql: str, params: list[Any] | None = None
) -> list[tuple[Any, ...]]:
    # Through the store, which reads its monthly Parquet files as police_street.
    with open_store(data / "analytics.duckdb", read_only=True) as store:
        return list(store.execute(sql, params or []).fetchall())


def _json(data: Path, *args: str) -> Any:
    r = saferleeds(data, *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _district_rows(
    data: Path, start: str, end: str, crime_type: str | None = None
) -> int:
    sql = (
        "SELECT count(*) FROM police_street WHERE has_location AND month BETWEEN ? "
        "AND ? AND lsoa_code IN (SELECT lsoa_code FROM area_lsoa)"
    )
    params: list[Any] = [f"{start}-01", f"{end}-01"]
    if crime_type:
        sql += " AND crime_type = ?"
        params.append(crime_type)
    return int(_sql(data, sql, params)[0][0])


def test_gistar_grid_geojson_counts_sum_to_the_period_rows(
    data: Path, shipped_rows: list[dict[str, str]]
) -> None:
    gj = _json(data, "hotspots", "gistar", "--cell", "500", "--permutations", "99")
    assert gj["type"] == "FeatureCollection" and gj["features"]
    for f in gj["features"][:50]:
        assert f["type"] == "Feature" and f["geometry"]["type"] == "Polygon"
        assert len(f["geometry"]["coordinates"][0]) == 5
        assert {"count", "z", "p", "q", "label"} <= set(f["properties"])
        assert f["properties"]["label"] in {"hot", "cold", "not significant"}
    total = sum(f["properties"]["count"] for f in gj["features"])
    # Default period: the latest month held (2018-07); the district's located rows.
    assert total == _district_rows(data, "2018-07", "2018-07")
    # The same from the shipped CSV, read by Python's csv module.
    lsoas = {str(r[0]) for r in _sql(data, "SELECT lsoa_code FROM area_lsoa")}
    assert total == sum(
        1
        for r in shipped_rows
        if r["Month"] == "2018-07" and r["LSOA code"] in lsoas and r["Longitude"]
    )


def test_gistar_lsoa_json_and_crime_type_filter(data: Path) -> None:
    got = _json(
        data,
        "hotspots",
        "gistar",
        "--level",
        "lsoa",
        "--crime-type",
        "Burglary",
        "--from",
        "2017-07",
        "--to",
        "2018-07",
        "--permutations",
        "0",
        "--format",
        "json",
    )
    assert got["level"] == "lsoa" and got["p_source"] == "analytic"
    units = got["units"]
    assert len(units) == len(_sql(data, "SELECT lsoa_code FROM area_lsoa"))
    per_lsoa = dict(
        _sql(
            data,
            "SELECT lsoa_code, count(*) FROM police_street WHERE crime_type = "
            "'Burglary' AND lsoa_code IN (SELECT lsoa_code FROM area_lsoa) "
            "GROUP BY 1",
        )
    )
    assert {u["id"]: u["count"] for u in units if u["count"]} == per_lsoa
    assert got["records"] == sum(per_lsoa.values())
    assert got["hot"] == [u["id"] for u in units if u["label"] == "hot"]


def test_gistar_csv_and_kde(data: Path) -> None:
    r = saferleeds(
        data, "hotspots", "gistar", "--cell", "1000", "--permutations", "9",
        "--format", "csv",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    header = r.stdout.splitlines()[0].split(",")
    assert header[:4] == ["id", "count", "z", "p"] and "label" in header
    kde = _json(
        data, "hotspots", "kde", "--cell", "500", "--bandwidth", "750", "--format",
        "json", "--crime-type", "Burglary",
    )  # fmt: skip
    assert kde["bandwidth"] == 750 and kde["kernel"] == "quartic"
    assert sum(c["count"] for c in kde["cells"]) == _district_rows(
        data, "2018-07", "2018-07", "Burglary"
    )
    assert max(c["density_per_km2"] for c in kde["cells"]) > 0
    gj = _json(data, "hotspots", "kde", "--cell", "1000")
    assert gj["type"] == "FeatureCollection"
    assert {"count", "density_per_km2"} <= set(gj["features"][0]["properties"])


def test_hotspots_bad_options_exit_2(data: Path) -> None:
    for args in (
        ("hotspots", "gistar", "--level", "msoa"),
        ("hotspots", "kde", "--format", "xml"),
        ("hotspots", "kde", "--from", "2018-13"),
    ):
        r = saferleeds(data, *args)
        assert r.returncode == 2 and "error" in r.stderr, args


def test_near_repeat_json_matches_observed_table(data: Path) -> None:
    from saferleeds.analytics.hotspots import to_bng
    from saferleeds.analytics.nearrepeat import (
        observed_table,
        spatial_bands,
        temporal_bands,
    )

    got = _json(data, "near-repeat", "--permutations", "19", "--format", "json")
    assert got["crime_type"] == "Burglary" and got["permutations"] == 19
    rows = _sql(
        data,
        "SELECT longitude, latitude, day FROM point_event WHERE crime_type = "
        "'Burglary' ORDER BY day, event_key",
    )
    x, y = to_bng(
        np.array([r[0] for r in rows], dtype=float),
        np.array([r[1] for r in rows], dtype=float),
    )
    t = np.array([r[2] for r in rows], dtype="datetime64[D]")
    expected = observed_table(x, y, t, spatial_bands(100, 3), temporal_bands(7, 3))
    assert got["observed"] == expected
    assert got["events"] == len(rows)
    assert len(got["bands"]) == 5 * 4
    for b in got["bands"]:
        assert {
            "spatial_band",
            "temporal_band",
            "observed",
            "expected",
            "knox_ratio",
            "p_value",
        } <= set(b)
    flat = [v for row in expected for v in row]
    assert [b["observed"] for b in got["bands"]] == flat
    assert sum(flat) == len(rows) * (len(rows) - 1) // 2


def test_near_repeat_bands_formats_and_errors(data: Path) -> None:
    r = saferleeds(
        data, "near-repeat", "--space", "200x2", "--time", "14x2", "--from",
        "2018-01-01", "--to", "2018-12-31", "--permutations", "9", "--format", "csv",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("spatial_band,temporal_band") and len(lines) == 1 + 4 * 3
    table = saferleeds(data, "near-repeat", "--permutations", "9")
    assert table.returncode == 0 and "Knox" in table.stdout
    for args in (("--space", "100"), ("--time", "0x3"), ("--from", "2018-02-30")):
        bad = saferleeds(data, "near-repeat", *args)
        assert bad.returncode == 2 and "error" in bad.stderr, args
    none = saferleeds(data, "near-repeat", "--crime-type", "Nothing")
    assert none.returncode == 2 and "dated events" in none.stderr


def test_forecast_evaluate_prints_pai_for_both_methods(data: Path) -> None:
    for method, rival in (("prospective", "prospective"), ("ewma", "ewma")):
        r = saferleeds(data, "forecast", "--method", method, "--evaluate")
        assert r.returncode == 0, r.stderr
        assert "PAI" in r.stdout
        rows = [ln.split() for ln in r.stdout.splitlines()]
        methods = {ln[0] for ln in rows if ln and ln[0] in {rival, "naive"}}
        assert methods == {rival, "naive"}, r.stdout
    ev = _json(data, "forecast", "--method", "ewma", "--evaluate", "--format", "json")
    assert ev["methods"] == ["ewma", "naive"] and len(ev["periods"]) == 3
    assert {"hit_rate", "pai"} <= set(ev["summary"]["ewma"]["0.05"])


def test_forecast_outputs(data: Path) -> None:
    gj = _json(data, "forecast", "--crime-type", "Burglary")
    assert gj["type"] == "FeatureCollection" and gj["features"]
    ranks = [f["properties"]["rank"] for f in gj["features"]]
    assert ranks == list(range(1, len(ranks) + 1))
    assert gj["features"][0]["geometry"]["type"] == "Polygon"
    lsoa = _json(data, "forecast", "--method", "ewma", "--format", "json")
    assert lsoa["level"] == "lsoa" and lsoa["forecast_from"] == "2019-01-01"
    n_lsoas = len(_sql(data, "SELECT lsoa_code FROM area_lsoa"))
    assert len(lsoa["units"]) == n_lsoas
    dec = dict(
        _sql(
            data,
            "SELECT lsoa_code, count(*) FROM point_event WHERE day >= '2018-12-01' "
            "GROUP BY 1",
        )
    )
    assert {u["id"]: u["last_month"] for u in lsoa["units"] if u["last_month"]} == dec
    r = saferleeds(
        data, "forecast", "--method", "ewma", "--level", "grid", "--format", "csv"
    )
    assert r.returncode == 0 and r.stdout.startswith("id,rank,score,last_month")
    bad = saferleeds(data, "forecast", "--level", "lsoa")
    assert bad.returncode == 2 and "grid" in bad.stderr


def test_neighbourhood_profile_equals_a_recount(data: Path) -> None:
    nb = current().priority_neighbourhoods[0]
    got = _json(
        data, "neighbourhood", "profile", nb.name, "--period", "2018-07",
        "--permutations", "99", "--format", "json",
    )  # fmt: skip
    lsoas = sorted(nb.lsoas)
    assert got["name"] == nb.name and sorted(got["lsoas"]) == lsoas
    counts = dict(
        _sql(
            data,
            "SELECT strftime(month, '%Y-%m'), count(*) FROM police_street WHERE "
            "crime_type <> ? AND list_contains(?, lsoa_code) GROUP BY 1",
            [ASB, lsoas],
        )
    )
    pop = _sql(
        data,
        "SELECT sum(population) FROM area_lsoa WHERE list_contains(?, lsoa_code)",
        [lsoas],
    )[0][0]
    assert got["crime_count"] == counts["2018-07"]
    crime = got["indicators"][0]
    assert crime["neighbourhood"]["comparison_value"] == counts["2017-07"]
    assert got["rate_per_1000"] == pytest.approx(counts["2018-07"] / pop * 1000)
    assert got["rate_ratio"] == pytest.approx(
        got["rate_per_1000"] / crime["district"]["rate_per_1000"]
    )
    per_lsoa = dict(
        _sql(
            data,
            "SELECT lsoa_code, count(*) FROM police_street WHERE crime_type <> ? AND "
            "month = '2018-07-01' AND list_contains(?, lsoa_code) GROUP BY 1",
            [ASB, lsoas],
        )
    )
    assert {h["lsoa_code"]: h["count"] for h in got["hotspots"] if h["count"]} == (
        per_lsoa
    )
    places = collections.Counter(
        (lo, la)
        for lo, la in _sql(
            data,
            "SELECT longitude, latitude FROM police_street WHERE has_location AND "
            "month = '2018-07-01' AND list_contains(?, lsoa_code)",
            [lsoas],
        )
    )
    top = [p["count"] for p in got["repeat_locations"]]
    assert top == sorted(places.values(), reverse=True)[: len(top)]
    table = saferleeds(data, "neighbourhood", "profile", nb.name)
    assert table.returncode == 0 and "Hotspots" in table.stdout
    unknown = saferleeds(data, "neighbourhood", "profile", "Nowhere")
    assert unknown.returncode == 2 and "unknown neighbourhood" in unknown.stderr


def test_kde_reports_records_outside_and_gistar_takes_the_esda_tie_rule(
    data: Path,
) -> None:
    kde = _json(data, "hotspots", "kde", "--cell", "500", "--format", "json")
    inside = sum(c["count"] for c in kde["cells"])  # active cells only
    assert kde["outside_area"] == kde["records"] - inside
    assert kde["on_grid"] + kde["beyond_reach"] == kde["records"]
    args = ("hotspots", "gistar", "--cell", "1000", "--permutations", "99")
    both = _json(data, *args, "--format", "json")
    esda = _json(data, *args, "--tie-rule", "esda", "--format", "json")
    assert both["tie_rule"] == "both" and esda["tie_rule"] == "esda"
    # The same draws: leaving ties out of the low tail never raises a p-value, and
    # lowers it for cells whose permutations tie them (empty among empty cells).
    pb = {u["id"]: u["p"] for u in both["units"]}
    pe = {u["id"]: u["p"] for u in esda["units"]}
    assert all(pe[i] <= pb[i] + 1e-12 for i in pb)
    assert any(pe[i] < pb[i] for i in pb)
    bad = saferleeds(data, *args, "--tie-rule", "lower")
    assert bad.returncode == 2 and "--tie-rule" in bad.stderr


def test_gistar_harm_weighted_lsoa(data: Path) -> None:
    from saferleeds.analytics.indicators.harm import SHIPPED_WEIGHTS, load_harm_weights

    weights = load_harm_weights(SHIPPED_WEIGHTS).weights
    got = _json(
        data, "hotspots", "gistar", "--level", "lsoa", "--harm", "--from", "2018-07",
        "--to", "2018-07", "--permutations", "0", "--format", "json",
    )  # fmt: skip
    assert got["value"] == "harm"
    rows = _sql(
        data,
        "SELECT lsoa_code, crime_type, count(*) FROM police_street WHERE month = "
        "'2018-07-01' AND lsoa_code IN (SELECT lsoa_code FROM area_lsoa) GROUP BY 1, 2",
    )
    expected: collections.Counter[str] = collections.Counter()
    for code, ctype, n in rows:
        expected[code] += n * float(weights.get(ctype, 0))
    harm = {u["id"]: u["harm"] for u in got["units"]}
    for code, value in expected.items():
        assert harm[code] == pytest.approx(value, abs=1e-3)
    grid = saferleeds(data, "hotspots", "gistar", "--harm")
    assert grid.returncode == 2 and "--harm needs --level lsoa" in grid.stderr
