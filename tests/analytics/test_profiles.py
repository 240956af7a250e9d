"""Neighbourhood profiles, checked against independent recounts of the shipped CSVs."""

from __future__ import annotations

import collections
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from saferleeds.analytics.areas import UnknownArea
from saferleeds.analytics.indicators import parse_period
from saferleeds.analytics.profiles import NeighbourhoodProfile, neighbourhood_profile
from saferleeds.analytics.store import Store, open_store
from saferleeds.partnership import current

ASB = "Anti-social behaviour"
NAME = "Lincoln Green (Burmantofts)"


@pytest.fixture(scope="module")
def store(police_store_path: Path) -> Iterator[Store]:
    with open_store(police_store_path, read_only=True) as s:
        yield s


@pytest.fixture(scope="module")
def profile(store: Store) -> NeighbourhoodProfile:
    return neighbourhood_profile(store, NAME, parse_period("2018-07"), permutations=99)


def _lsoas() -> set[str]:
    (n,) = [n for n in current().priority_neighbourhoods if n.name == NAME]
    return set(n.lsoas)


def test_counts_rates_and_trend_equal_a_recount(
    profile: NeighbourhoodProfile, store: Store, shipped_rows: list[dict[str, str]]
) -> None:
    lsoas = _lsoas()
    assert set(profile.lsoas) == lsoas
    crimes = collections.Counter(
        r["Month"]
        for r in shipped_rows
        if r["LSOA code"] in lsoas and r["Crime type"] != ASB
    )
    assert profile.crime_count == crimes["2018-07"] > 0
    crime = profile.indicators[0]
    assert crime.id == "total_recorded_crime"
    assert crime.neighbourhood.comparison_value == crimes["2017-07"]
    assert profile.comparison_period == "2017-07"
    pop = store.scalar(
        "SELECT sum(population) FROM area_lsoa WHERE list_contains(?, lsoa_code)",
        [sorted(lsoas)],
    )
    assert crime.neighbourhood.population == pop
    assert profile.rate_per_1000 == pytest.approx(crimes["2018-07"] / pop * 1000)
    district_lsoas = {
        str(r[0]) for r in store.execute("SELECT lsoa_code FROM area_lsoa").fetchall()
    }
    district = sum(
        1
        for r in shipped_rows
        if r["Month"] == "2018-07"
        and r["LSOA code"] in district_lsoas
        and r["Crime type"] != ASB
    )
    assert crime.district.value == district
    assert profile.rate_ratio == pytest.approx(
        profile.rate_per_1000 / crime.district.rate_per_1000
    )
    assert crime.neighbourhood.p_value is not None and crime.neighbourhood.verdict
    asb = next(i for i in profile.indicators if i.id == "asb")
    assert asb.neighbourhood.value == sum(
        1
        for r in shipped_rows
        if r["Month"] == "2018-07"
        and r["LSOA code"] in lsoas
        and r["Crime type"] == ASB
    )


def test_harm_is_the_count_times_ons_css_weight_per_category(
    profile: NeighbourhoodProfile, shipped_rows: list[dict[str, str]]
) -> None:
    from saferleeds.analytics.indicators import default_harm_weights

    weights = default_harm_weights()
    assert weights.available
    lsoas = _lsoas()
    expected = sum(
        float(weights.weights[r["Crime type"]])
        for r in shipped_rows
        if r["Month"] == "2018-07"
        and r["LSOA code"] in lsoas
        and r["Crime type"] != ASB
    )
    assert profile.harm == pytest.approx(expected)
    assert profile.harm_note and "approximate" in profile.harm_note


def test_hotspots_and_repeat_locations_equal_a_recount(
    profile: NeighbourhoodProfile, shipped_rows: list[dict[str, str]]
) -> None:
    lsoas = _lsoas()
    july = [r for r in shipped_rows if r["Month"] == "2018-07"]
    per_lsoa = collections.Counter(
        r["LSOA code"]
        for r in july
        if r["LSOA code"] in lsoas and r["Crime type"] != ASB
    )
    assert {h.lsoa_code: h.count for h in profile.hotspots} == dict(per_lsoa)
    assert all(h.label in {"hot", "cold", "not significant"} for h in profile.hotspots)
    assert set(profile.hot_lsoas) == {
        h.lsoa_code for h in profile.hotspots if h.label == "hot"
    }
    places = collections.Counter(
        (round(float(r["Longitude"]), 6), round(float(r["Latitude"]), 6))
        for r in july
        if r["LSOA code"] in lsoas and r["Longitude"]
    )
    assert profile.located_records == sum(places.values())
    top = profile.repeat_locations
    assert [p.rank for p in top] == list(range(1, len(top) + 1))
    assert [p.count for p in top] == sorted(places.values(), reverse=True)[: len(top)]
    assert places[(round(top[0].longitude, 6), round(top[0].latitude, 6))] == (
        top[0].count
    )


def test_lsoa_list_gives_the_same_figures_as_the_name(
    profile: NeighbourhoodProfile, store: Store
) -> None:
    other = neighbourhood_profile(
        store, sorted(_lsoas()), parse_period("2018-07"), permutations=99
    )
    assert other.crime_count == profile.crime_count
    assert other.rate_per_1000 == pytest.approx(profile.rate_per_1000)
    a, b = other.indicators[0].neighbourhood, profile.indicators[0].neighbourhood
    assert (a.comparison_value, a.population) == (b.comparison_value, b.population)
    assert a.p_value == pytest.approx(b.p_value)
    assert other.hotspots == profile.hotspots
    assert other.repeat_locations == profile.repeat_locations


def test_to_dict_is_json_ready(profile: NeighbourhoodProfile) -> None:
    d = json.loads(json.dumps(profile.to_dict(), allow_nan=False))
    assert d["name"] == NAME and d["period"] == "2018-07"
    assert {"neighbourhood", "district", "rate_ratio"} <= set(d["indicators"][0])
    assert {"lsoa_code", "count", "z", "p", "q", "label"} == set(d["hotspots"][0])


def test_unknown_neighbourhood_or_lsoa(store: Store) -> None:
    with pytest.raises(UnknownArea, match="unknown neighbourhood"):
        neighbourhood_profile(store, "Nowhere", parse_period("2018-07"))
    with pytest.raises(UnknownArea, match="E01999999"):
        neighbourhood_profile(store, ["E01999999"], parse_period("2018-07"))


def test_top_places_by_harm_equal_a_recount(
    profile: NeighbourhoodProfile, shipped_rows: list[dict[str, str]]
) -> None:
    from saferleeds.analytics.indicators import default_harm_weights

    weights = {c: float(w) for c, w in default_harm_weights().weights.items()}
    lsoas = _lsoas()
    harm: collections.Counter[tuple[float, float]] = collections.Counter()
    for r in shipped_rows:
        if r["Month"] == "2018-07" and r["LSOA code"] in lsoas and r["Longitude"]:
            key = (float(r["Longitude"]), float(r["Latitude"]))
            harm[key] += weights.get(r["Crime type"], 0.0)
    assert profile.harm_locations
    top = profile.harm_locations[0]
    assert top.rank == 1 and top.harm == pytest.approx(max(harm.values()))
    got = [p.harm for p in profile.harm_locations]
    assert got == sorted(got, reverse=True)
    for p in profile.harm_locations:
        assert p.harm == pytest.approx(harm[(p.longitude, p.latitude)])
