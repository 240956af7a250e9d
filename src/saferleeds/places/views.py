"""The map page: hotspots, forecasts and near repeats over the shipped boundaries.

Views parse and render only; every number comes from ``saferleeds.analytics``
(hotspots, forecast, nearrepeat). Everything shown is an aggregate (counts per cell,
per LSOA, per band of distance and time), never a person, so any signed-in role may
see it. There is no tile server: the base layer is the partnership's own boundaries,
and each layer is GeoJSON (WGS84) from a same-origin endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import shapely
from django import forms
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from shapely.geometry import mapping, shape

from saferleeds.analytics import StoreBusy, open_store
from saferleeds.analytics.events import Events, read_events
from saferleeds.analytics.forecast import Grid as ForecastGrid
from saferleeds.analytics.forecast import ewma_forecast, prospective_surface
from saferleeds.analytics.geography import WardCount, ward_counts
from saferleeds.analytics.hotspots import (
    GiStarResult,
    from_bng,
    grid_gi_star,
    kde_surface,
    lsoa_counts,
    lsoa_gi_star,
    read_points,
    study_grid,
    to_bng,
)
from saferleeds.analytics.nearrepeat import (
    DEFAULT_ALPHA,
    DEFAULT_MIN_RATIO,
    KnoxResult,
    knox_test,
    spatial_bands,
    temporal_bands,
)
from saferleeds.analytics.store import data_version
from saferleeds.core.analytics_cache import cached
from saferleeds.partnership import current
from saferleeds.places.geometry import area_shapes

ALL = ""
DEFAULT_NEAR_REPEAT_TYPE = "Burglary"
# Grid cells for the map: coarse enough to send the whole district as GeoJSON.
MAP_CELL_M = 500.0
KDE_BANDWIDTH_M = 750.0
FORECAST_CELL_M = 250.0
NEAR_REPEAT_SPACE = spatial_bands(100, 3)  # metres, the NRC's default
NEAR_REPEAT_TIME = temporal_bands(7, 3)  # days
NEAR_REPEAT_PERMUTATIONS = 99
TOP_LSOAS = 10


class MapForm(forms.Form):
    """Crime type and police.uk months for the layers; crime type for near repeats."""

    crime_type = forms.ChoiceField(required=False, label="Crime type")
    start = forms.ChoiceField(required=False, label="From")
    end = forms.ChoiceField(required=False, label="To")
    nr_type = forms.ChoiceField(required=False, label="Near repeats of")

    def __init__(
        self,
        *args: Any,
        types: list[str],
        months: list[date],
        event_types: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["crime_type"].choices = [
            (ALL, "All crime"),
            *[(t, t) for t in types],
        ]
        month_choices = [(m.strftime("%Y-%m"), m.strftime("%B %Y")) for m in months]
        self.fields["start"].choices = month_choices
        self.fields["end"].choices = month_choices
        self.fields["nr_type"].choices = [(t, t) for t in event_types]
        self.months = months

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = self.window(data)
        if start and end and start > end:
            self.add_error("end", "The ‘to’ month must be the same as or after ‘from’")
        return data

    def window(self, data: dict[str, Any]) -> tuple[date | None, date | None]:
        """The first and last police.uk month chosen (default: every month held)."""

        def month(text: str | None, default: date | None) -> date | None:
            return date.fromisoformat(f"{text}-01") if text else default

        first = self.months[0] if self.months else None
        last = self.months[-1] if self.months else None
        return month(data.get("start"), first), month(data.get("end"), last)


def _choices(store: Any) -> tuple[list[str], list[date], list[str]]:
    """Crime types and months of the police.uk records, and the dated events' types."""
    types = [
        t
        for (t,) in store.execute(
            "SELECT DISTINCT crime_type FROM police_street ORDER BY 1"
        ).fetchall()
    ]
    months = [
        m
        for (m,) in store.execute(
            "SELECT DISTINCT month FROM police_street ORDER BY 1"
        ).fetchall()
    ]
    return types, months, _event_types(store)


def _query(request: HttpRequest, store: Any) -> tuple[MapForm, dict[str, Any]]:
    """Parse the form against what the store holds."""
    # Cached like the results: after an import, the next view lists the new months.
    types, months, event_types = cached(
        store, "map.choices", (), lambda: _choices(store)
    )
    form = MapForm(
        request.GET or None, types=types, months=months, event_types=event_types
    )
    valid = form.is_valid() if form.is_bound else True
    data = form.cleaned_data if form.is_bound and valid else {}
    start, end = form.window(data)
    nr_type = data.get("nr_type") or (
        DEFAULT_NEAR_REPEAT_TYPE
        if DEFAULT_NEAR_REPEAT_TYPE in event_types or not event_types
        else event_types[0]
    )
    return form, {
        "valid": valid,
        "crime_type": data.get("crime_type") or None,
        "start": start,
        "end": end,
        "months": [m for m in months if start and end and start <= m <= end],
        "nr_type": nr_type,
    }


def _event_types(store: Any) -> list[str]:
    """Crime types of the dated events held (none if the table is missing)."""
    exists = store.scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'point_event'"
    )
    if not exists:
        return []
    return [
        t
        for (t,) in store.execute(
            "SELECT DISTINCT crime_type FROM point_event ORDER BY 1"
        ).fetchall()
    ]


def _events(store: Any, crime_type: str | None) -> Events | None:
    """Dated events (``point_event``) of a type, or ``None`` if none are held."""
    if not _event_types(store):
        return None
    ev = read_events(store, crime_type=crime_type)
    return ev if len(ev) else None


def _district_points(store: Any, q: dict[str, Any]) -> Any:
    return read_points(
        store,
        crime_type=q["crime_type"],
        start=q["start"],
        end=q["end"],
        area=current().district_code,
    )


def _lsoa_counts(store: Any, q: dict[str, Any]) -> dict[str, int]:
    return lsoa_counts(
        store, crime_type=q["crime_type"], start=q["start"], end=q["end"]
    )


def lsoa_hotspots(store: Any, q: dict[str, Any]) -> GiStarResult:
    """Gi* over the LSOAs of the police.uk records selected.

    Cached by the store's data version: its permutations were most of the page's time,
    and the page and its ``gistar-lsoa`` layer share the one result.
    """
    return cached(
        store,
        "map.lsoa_gi_star",
        (q["crime_type"], q["start"], q["end"]),
        lambda: lsoa_gi_star(_lsoa_counts(store, q)),
    )


def near_repeats(
    store: Any, crime_type: str
) -> tuple[KnoxResult | None, Events | None]:
    """The Knox test on the dated events of one type (BNG metres, whole days)."""
    ev = _events(store, crime_type)
    if ev is None or len(ev) < 2:
        return None, ev
    x, y = to_bng(ev.longitude, ev.latitude)
    result = knox_test(
        x,
        y,
        ev.day,
        NEAR_REPEAT_SPACE,
        NEAR_REPEAT_TIME,
        permutations=NEAR_REPEAT_PERMUTATIONS,
        seed=0,
    )
    return result, ev


def near_repeat_summary(
    store: Any, crime_type: str
) -> tuple[KnoxResult | None, int, date | None, date | None]:
    """The Knox test of one type and its events' count, first and last day (cached).

    Only what the page shows is cached, not the events themselves.
    """

    def compute() -> tuple[KnoxResult | None, int, date | None, date | None]:
        knox, events = near_repeats(store, crime_type)
        if events is None:
            return knox, 0, None, None
        return knox, len(events), events.day.min().item(), events.day.max().item()

    return cached(store, "map.near_repeats", (crime_type,), compute)


def _collection(features: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features, "meta": meta}


def _lsoa_features(rows: list[dict[str, Any]], key: str = "id") -> list[dict[str, Any]]:
    """Features on the simplified LSOA boundaries, with each row's properties."""
    shapes = area_shapes("lsoa")
    out = []
    for r in rows:
        code = r[key]
        if code not in shapes:
            continue
        name, geom = shapes[code]
        out.append(
            {
                "type": "Feature",
                "geometry": mapping(geom),
                "properties": {**r, "name": name},
            }
        )
    return out


def _boundaries(level: str) -> Callable[[Any, dict[str, Any]], dict[str, Any]]:
    def layer(store: Any, q: dict[str, Any]) -> dict[str, Any]:
        if level == "district":
            p = current()
            data = json.loads(p.district_boundary.read_text(encoding="utf-8"))
            geom = shapely.union_all(
                [shape(f["geometry"]) for f in data["features"]]
            ).simplify(0.0004)
            features = [
                {
                    "type": "Feature",
                    "geometry": mapping(geom),
                    "properties": {"code": p.district_code, "name": p.district_name},
                }
            ]
        else:
            features = [
                {
                    "type": "Feature",
                    "geometry": mapping(g),
                    "properties": {"code": code, "name": name},
                }
                for code, (name, g) in sorted(area_shapes(level).items())
            ]
        return _collection(features, layer=level, title=f"{level} boundaries")

    return layer


def _kde(store: Any, q: dict[str, Any]) -> dict[str, Any]:
    pts = _district_points(store, q)
    surface = kde_surface(
        pts.easting, pts.northing, study_grid(MAP_CELL_M), bandwidth=KDE_BANDWIDTH_M
    )
    fc = surface.to_geojson()
    features = [f for f in fc["features"] if f["properties"]["density_per_km2"] > 0]
    return _collection(
        features,
        layer="kde",
        cell_m=MAP_CELL_M,
        bandwidth_m=KDE_BANDWIDTH_M,
        kernel=surface.kernel,
        points=surface.n_points,
        outside_area=surface.n_outside,
    )


def _gistar_grid(store: Any, q: dict[str, Any]) -> dict[str, Any]:
    pts = _district_points(store, q)
    result = grid_gi_star(pts.easting, pts.northing, study_grid(MAP_CELL_M))
    fc = result.to_geojson()
    features = [
        f
        for f in fc["features"]
        if f["properties"]["value"] > 0 or f["properties"]["label"] != "not significant"
    ]
    return _collection(
        features,
        layer="gistar-grid",
        cell_m=MAP_CELL_M,
        alpha=result.alpha,
        p_source=result.p_source,
        permutations=result.permutations,
        hot=len(result.hot),
        cold=len(result.cold),
    )


def _gistar_lsoa(store: Any, q: dict[str, Any]) -> dict[str, Any]:
    result = lsoa_hotspots(store, q)
    return _collection(
        _lsoa_features(result.to_rows()),
        layer="gistar-lsoa",
        alpha=result.alpha,
        p_source=result.p_source,
        permutations=result.permutations,
        hot=len(result.hot),
        cold=len(result.cold),
    )


def _forecast_lsoa(store: Any, q: dict[str, Any]) -> dict[str, Any]:
    months = q["months"]
    per_month = [
        lsoa_counts(store, crime_type=q["crime_type"], start=m, end=m) for m in months
    ]
    codes = sorted(per_month[0]) if per_month else []
    counts = np.array([[pm.get(c, 0) for pm in per_month] for c in codes], dtype=float)
    forecast = ewma_forecast(counts) if codes else np.zeros(0)
    last = months[-1] if months else None
    following = (
        date(last.year + (last.month == 12), last.month % 12 + 1, 1) if last else None
    )
    rows = [
        {"id": c, "forecast": round(float(v), 3), "last": int(counts[i, -1])}
        for i, (c, v) in enumerate(zip(codes, forecast.tolist(), strict=True))
    ]
    return _collection(
        _lsoa_features(rows),
        layer="forecast-lsoa",
        method="EWMA, half-life 3 months",
        months=[m.strftime("%Y-%m") for m in months],
        forecast_month=following.strftime("%Y-%m") if following else None,
    )


def _forecast_grid(store: Any, q: dict[str, Any]) -> dict[str, Any]:
    ev = _events(store, q["crime_type"])
    if ev is None:
        return _collection([], layer="forecast-grid", events=0, at=None)
    x, y = to_bng(ev.longitude, ev.latitude)
    grid = ForecastGrid.covering(x, y, FORECAST_CELL_M)
    at = ev.day.max() + np.timedelta64(1, "D")
    risk = prospective_surface(x, y, ev.day, grid, at)
    cells = np.nonzero(risk > 0)[0]
    rows, cols = np.divmod(cells, grid.nx)
    x0 = grid.x0 + cols * grid.cell_size
    y0 = grid.y0 + rows * grid.cell_size
    s = grid.cell_size
    lon, lat = from_bng(
        np.stack([x0, x0 + s, x0 + s, x0, x0], axis=1),
        np.stack([y0, y0, y0 + s, y0 + s, y0], axis=1),
    )
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[round(a, 6), round(b, 6)] for a, b in zip(lo, la, strict=True)]
                ],
            },
            "properties": {"cell": int(c), "risk": round(float(risk[c]), 4)},
        }
        for c, lo, la in zip(cells.tolist(), lon.tolist(), lat.tolist(), strict=True)
    ]
    return _collection(
        features,
        layer="forecast-grid",
        method="prospective (Bowers, Johnson & Pease 2004): 400 m, 8 weeks",
        cell_m=FORECAST_CELL_M,
        events=len(ev),
        at=str(at),
    )


def ward_crime(store: Any, q: dict[str, Any]) -> list[WardCount]:
    """Records per ward for the selection (the sum over each ward's LSOAs), cached."""
    return cached(
        store,
        "map.ward_counts",
        (q["crime_type"], q["start"], q["end"]),
        lambda: ward_counts(store, _lsoa_counts(store, q)),
    )


def _ward_crime(store: Any, q: dict[str, Any]) -> dict[str, Any]:
    shapes = area_shapes("ward")
    features = [
        {
            "type": "Feature",
            "geometry": mapping(shapes[w.code][1]),
            "properties": {
                "code": w.code,
                "name": w.name,
                "count": w.count,
                "population": w.population,
                "rate_per_1000": w.rate_per_1000,
            },
        }
        for w in ward_crime(store, q)
        if w.code in shapes
    ]
    return _collection(
        features,
        layer="ward-crime",
        method="police.uk records per 1,000 residents (Census 2011) of each ward's "
        "LSOAs (ONS best-fit lookup)",
    )


LAYERS: dict[str, Callable[[Any, dict[str, Any]], dict[str, Any]]] = {
    "district": _boundaries("district"),
    "msoa": _boundaries("msoa"),
    "ward": _boundaries("ward"),
    "ward-crime": _ward_crime,
    "lsoa": _boundaries("lsoa"),
    "kde": _kde,
    "gistar-grid": _gistar_grid,
    "gistar-lsoa": _gistar_lsoa,
    "forecast-lsoa": _forecast_lsoa,
    "forecast-grid": _forecast_grid,
}


def _busy(request: HttpRequest, exc: StoreBusy) -> HttpResponse:
    return render(request, "web/busy.html", {"message": str(exc)}, status=503)


@require_GET
def map_layer(request: HttpRequest, name: str) -> HttpResponse:
    """One layer as a GeoJSON FeatureCollection (WGS84), for the query's selection."""
    layer = LAYERS.get(name)
    if layer is None:
        raise Http404("no such layer")
    try:
        with open_store(settings.SAFERLEEDS_ANALYTICS_PATH, read_only=True) as store:
            form, q = _query(request, store)
            if not q["valid"]:
                return JsonResponse({"errors": form.errors}, status=400)
            # Each layer once per selection and data version, kept as the JSON text
            # itself: encoding the larger layers again took as long as reading them.
            body = cached(
                store,
                "map.layer",
                (name, q["crime_type"], q["start"], q["end"]),
                lambda: json.dumps(layer(store, q), cls=DjangoJSONEncoder).encode(),
            )
    except StoreBusy as exc:
        return JsonResponse({"error": str(exc)}, status=503)
    response = HttpResponse(body, content_type="application/geo+json")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _nr_reading() -> tuple[float, float]:
    """The effect-size reading of the Knox table: smallest ratio, largest p-value.

    ``SAFERLEEDS_NEAR_REPEAT_MIN_RATIO`` and ``SAFERLEEDS_NEAR_REPEAT_ALPHA`` in the
    settings override the defaults (1.2 and 0.05).
    """
    return (
        float(getattr(settings, "SAFERLEEDS_NEAR_REPEAT_MIN_RATIO", DEFAULT_MIN_RATIO)),
        float(getattr(settings, "SAFERLEEDS_NEAR_REPEAT_ALPHA", DEFAULT_ALPHA)),
    )


def _nr_table(result: KnoxResult) -> list[dict[str, Any]]:
    """Rows of distance bands, cells of time bands, as the Near Repeat Calculator.

    A cell is marked (``significant``) only when its Knox ratio is at least the
    configured minimum *and* its p-value at most alpha; ``strong`` when p is also at
    most a fifth of alpha (0.01 by default). A ratio of 1.00 is never marked, however
    many pairs make it "significant".
    """
    min_ratio, alpha = _nr_reading()
    rows = []
    for i, label in enumerate(result.spatial_labels):
        cells = []
        for j in range(len(result.temporal_labels)):
            ratio = result.knox_ratio[i][j]
            p = result.p_value[i][j]
            cells.append(
                {
                    "observed": result.observed[i][j],
                    "expected": result.expected[i][j],
                    "ratio": None if np.isnan(ratio) else ratio,
                    "p": p,
                    "significant": p <= alpha and ratio >= min_ratio,
                    "strong": p <= alpha / 5 and ratio >= min_ratio,
                }
            )
        rows.append({"label": label, "cells": cells})
    return rows


@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    """The map, its legend, the top hot LSOAs and the near-repeat table."""
    try:
        with open_store(settings.SAFERLEEDS_ANALYTICS_PATH, read_only=True) as store:
            form, q = _query(request, store)
            if not q["months"]:
                return render(
                    request,
                    "places/map.html",
                    {"form": form, "empty": True},
                    status=200 if q["valid"] else 400,
                )
            gi = lsoa_hotspots(store, q)
            wards = ward_crime(store, q)
            knox, nr_events, first_day, last_day = near_repeat_summary(
                store, q["nr_type"]
            )
            version = data_version(store)
    except StoreBusy as exc:
        return _busy(request, exc)
    shapes = area_shapes("lsoa")
    ranked = sorted(
        (r for r in gi.to_rows() if r["value"] > 0),
        key=lambda r: (-(r["label"] == "hot"), -r["z"]),
    )[:TOP_LSOAS]
    for r in ranked:
        r["name"] = shapes[r["id"]][0] if r["id"] in shapes else r["id"]
    # The layers' URLs carry the data version, so the browser's copy of a layer (kept
    # five minutes) is never one from before the last import.
    params = request.GET.copy() if q["valid"] else QueryDict(mutable=True)
    params["v"] = version
    query = params.urlencode()
    return render(
        request,
        "places/map.html",
        {
            "form": form,
            "q": q,
            "query": query,
            "layers_url": reverse("places:map_layer", kwargs={"name": "lsoa"}).replace(
                "lsoa.geojson", ""
            ),
            "top": ranked,
            "wards": sorted(wards, key=lambda w: (-(w.rate_per_1000 or 0), w.name)),
            "hot_count": len(gi.hot),
            "cold_count": len(gi.cold),
            "gi": gi,
            "knox": knox,
            "nr_rows": _nr_table(knox) if knox else [],
            "nr_events": nr_events,
            "nr_first": first_day,
            "nr_last": last_day,
            "nr_min_ratio": _nr_reading()[0],
            "nr_alpha": _nr_reading()[1],
            "nr_strong_alpha": _nr_reading()[1] / 5,
        },
        status=200 if q["valid"] else 400,
    )
