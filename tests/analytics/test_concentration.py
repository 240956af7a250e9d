"""Repeat places, crime concentration and repeat victimisation against brute force."""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from saferleeds.analytics.hotspots import (
    gini,
    place_concentration,
    read_points,
    repeat_victimisation,
)


def _brute_gini(x: list[float]) -> float:
    """Mean absolute difference over all ordered pairs / (2 * mean), pairs by value."""
    n, mean = len(x), sum(x) / len(x)
    m = Counter(x)
    total = sum(ma * mb * abs(a - b) for a, ma in m.items() for b, mb in m.items())
    return total / (2 * n * n * mean)


def test_gini_matches_mean_absolute_difference() -> None:
    rng = np.random.default_rng(0)
    x = rng.poisson(2, 300).tolist()
    assert gini(x) == pytest.approx(_brute_gini(x), abs=1e-12)
    assert gini([3, 3, 3]) == 0.0
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)
    assert gini([]) == 0.0


def test_concentration_of_shipped_months_matches_brute_force(
    shipped_rows: list[dict[str, str]],
) -> None:
    located = [r for r in shipped_rows if r["Longitude"] and r["Latitude"]]
    places = Counter((float(r["Longitude"]), float(r["Latitude"])) for r in located)
    res = place_concentration(
        [float(r["Longitude"]) for r in located],
        [float(r["Latitude"]) for r in located],
    )
    assert res.events == len(located) == sum(places.values())
    assert res.places == len(places)
    ranked = sorted(places.values(), reverse=True)
    k = math.ceil(0.05 * len(places))
    assert res.top_places == k
    assert res.share_of_events == pytest.approx(sum(ranked[:k]) / len(located))
    assert [p.count for p in res.by_count] == ranked[:20]
    top = res.by_count[0]
    assert places[(top.longitude, top.latitude)] == top.count
    assert res.gini == pytest.approx(_brute_gini(list(places.values())), abs=1e-9)
    assert res.by_harm is None  # no harm weights shipped
    # Crime is concentrated: the top 5% of places hold far more than 5% of crime.
    assert res.share_of_events > 0.15
    assert len(res.to_rows()) == 20
    assert res.to_geojson()["features"][0]["geometry"]["type"] == "Point"


def test_harm_weighting_and_zero_places() -> None:
    lon = [0.0, 0.0, 0.0, 1.0, 2.0, 2.0]
    lat = [0.0, 0.0, 0.0, 1.0, 2.0, 2.0]
    types = ["Shoplifting", "Shoplifting", "Shoplifting", "Robbery", "Burglary", "X"]
    weights = {"Shoplifting": 1.0, "Robbery": 50.0, "Burglary": 10.0}
    res = place_concentration(lon, lat, crime_type=types, harm_weights=weights)
    assert res.by_count[0].count == 3 and res.by_count[0].harm == 3.0
    assert res.by_harm is not None and res.by_harm[0].longitude == 1.0
    assert res.by_harm[0].harm == 50.0
    assert res.harm_unweighted == 1
    with pytest.raises(ValueError):
        place_concentration(lon, lat, harm_weights=weights)
    # Counting 100 places (97 with no events): the top 5 places hold every event.
    wide = place_concentration(lon, lat, n_places=100)
    assert wide.places == 100 and wide.top_places == 5
    assert wide.share_of_events == 1.0
    assert wide.gini == pytest.approx(_brute_gini([3, 1, 2] + [0] * 97))


def test_concentration_from_store(police_store_path: Path) -> None:
    from saferleeds.analytics.store import open_store

    with open_store(police_store_path, read_only=True) as store:
        pts = read_points(store, crime_type="Shoplifting")
    res = place_concentration(pts.longitude, pts.latitude, crime_type=pts.crime_type)
    assert res.events == len(pts) > 0


def test_repeat_victimisation_on_synthetic_offences(tmp_path: Path) -> None:
    from saferleeds.demo.generator import generate

    generate(tmp_path, seed=3, scale=0.5)
    with (tmp_path / "offences.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    vids = [r["victim_record_id"] for r in rows]
    dates = [r["date"] for r in rows]
    res = repeat_victimisation(vids, dates)
    per = Counter(v for v in vids if v)
    assert res.victims == len(per)
    assert res.incidents == sum(per.values())
    assert res.repeat_victims == sum(1 for c in per.values() if c > 1)
    assert res.repeat_incidents == sum(c - 1 for c in per.values())
    assert res.distribution == dict(Counter(per.values()))
    assert res.repeat_victims > 0
    # Within 30 days of the victim's previous offence.
    by_victim: dict[str, list[str]] = defaultdict(list)
    for v, d in zip(vids, dates, strict=True):
        if v:
            by_victim[v].append(d)
    from datetime import date

    brute = 0
    for ds in by_victim.values():
        days = sorted(date.fromisoformat(d) for d in ds)
        brute += sum((b - a).days <= 30 for a, b in zip(days, days[1:], strict=False))
    windowed = repeat_victimisation(vids, dates, window_days=30)
    assert windowed.repeat_incidents == brute
    assert repeat_victimisation([], []).victims == 0
