"""Choropleth maps drawn as SVG on the server from the shipped boundaries.

No tile server, no JavaScript: every area is a path with its own title, and the page
gives the same numbers as a table beside the map.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import shapely
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# A sequential blue scale from GOV.UK Frontend's palette (light to dark), and grey for
# areas with no value.
SCALE = ("#d2e2f1", "#a5c5e4", "#5694ca", "#1d70b8", "#003078")
NO_DATA = "#f3f2f1"


def class_breaks(values: Sequence[float], k: int = len(SCALE)) -> list[float]:
    """Quantile breaks: the upper bound of each of ``k`` classes.

    Quantiles suit skewed crime rates: each colour covers about the same number of areas.
    """
    ordered = sorted(values)
    if not ordered:
        return []
    return [
        ordered[min(len(ordered) - 1, math.ceil(len(ordered) * (i + 1) / k) - 1)]
        for i in range(k)
    ]


def _palette(n: int) -> tuple[str, ...]:
    """``n`` colours of the scale, spread from light to dark (one band: the middle)."""
    if n <= 0:
        return ()
    if n == 1:
        return (SCALE[len(SCALE) // 2],)
    return tuple(SCALE[round(i * (len(SCALE) - 1) / (n - 1))] for i in range(n))


def _colour(value: float | None, breaks: list[float]) -> str:
    if value is None or not breaks:
        return NO_DATA
    for colour, upper in zip(_palette(len(breaks)), breaks, strict=True):
        if value <= upper:
            return colour
    return _palette(len(breaks))[-1]


def _fmt(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def _legend_digits(values: Sequence[float]) -> int:
    """Decimals enough to tell the legend's distinct bounds apart (1 to 4)."""
    distinct = sorted(set(values))
    for digits in range(1, 5):
        if len({_fmt(v, digits) for v in distinct}) == len(distinct):
            return digits
    return 4


def _rings(geom: shapely.Geometry) -> list[list[tuple[float, float]]]:
    polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    rings: list[list[tuple[float, float]]] = []
    for poly in polys:
        rings.append(list(poly.exterior.coords))
        rings.extend(list(i.coords) for i in poly.interiors)
    return rings


def choropleth(
    shapes: Mapping[str, tuple[str, shapely.Geometry]],
    values: Mapping[str, float | None],
    *,
    title: str,
    unit: str,
    width: int = 640,
    map_id: str = "map",
) -> SafeString:
    """An SVG choropleth of ``values`` over ``shapes`` with a legend.

    Args:
        shapes: ``{code: (name, geometry)}`` in WGS84.
        values: ``{code: value}``; missing or ``None`` draws as no data.
        title: Accessible title.
        unit: What the values are (for tooltips and legend).
        width: Width of the drawing in SVG units.
        map_id: Id prefix for the title element.
    """
    if not shapes:
        return mark_safe("")  # noqa: S308 - empty string
    minx, miny, maxx, maxy = shapely.union_all([g for _, g in shapes.values()]).bounds
    # Equirectangular, scaled by cos(latitude): true enough for one district.
    kx = math.cos(math.radians((miny + maxy) / 2))
    scale = (width - 20) / ((maxx - minx) * kx)
    height = int((maxy - miny) * scale) + 20

    def xy(lon: float, lat: float) -> str:
        return f"{10 + (lon - minx) * kx * scale:.1f},{10 + (maxy - lat) * scale:.1f}"

    present = [v for v in values.values() if v is not None]
    # Equal quantiles collapse into one band: a single area (or areas all alike) get
    # one band and one colour, never five bands reading "24.8 to 24.8".
    breaks = sorted(set(class_breaks(present)))
    digits = _legend_digits([*breaks, min(present)] if present else [])
    paths = []
    for code, (name, geom) in sorted(shapes.items()):
        value = values.get(code)
        d = " ".join(
            "M" + " L".join(xy(x, y) for x, y in ring) + " Z" for ring in _rings(geom)
        )
        label = f"{name} ({code}): " + (
            "no data" if value is None else f"{_fmt(value, digits)} {unit}"
        )
        paths.append(
            f'<path d="{d}" fill="{_colour(value, breaks)}" stroke="#ffffff" '
            f'stroke-width="0.6"><title>{escape(label)}</title></path>'
        )
    legend = []
    lower = min(present) if present else 0.0
    for i, (colour, upper) in enumerate(
        zip(_palette(len(breaks)), breaks, strict=True)
    ):
        y = 10 + i * 22
        text = (
            _fmt(upper, digits)
            if lower == upper
            else f"{_fmt(lower, digits)} to {_fmt(upper, digits)}"
        )
        legend.append(
            f'<rect x="{width + 10}" y="{y}" width="18" height="18" fill="{colour}"/>'
            f'<text x="{width + 34}" y="{y + 14}" font-size="13">'
            f"{escape(text)}</text>"
        )
        lower = upper
    y = 10 + len(breaks) * 22
    legend.append(
        f'<rect x="{width + 10}" y="{y}" width="18" height="18" fill="{NO_DATA}" '
        f'stroke="#b1b4b6"/><text x="{width + 34}" y="{y + 14}" font-size="13">no data</text>'
    )
    svg = (
        f'<svg class="sl-map" viewBox="0 0 {width + 170} {max(height, y + 30)}" role="img" '
        f'aria-labelledby="{escape(map_id)}-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(map_id)}-title">{escape(title)}</title>'
        f"{''.join(paths)}{''.join(legend)}</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - numbers formatted here, all text escaped


def sparkline(
    points: Sequence[tuple[str, float | None]],
    *,
    centre: float | None = None,
    upper: float | None = None,
    lower: float | None = None,
    signals: Sequence[int] = (),
    title: str,
    width: int = 220,
    height: int = 56,
    css_class: str = "sl-spark",
) -> SafeString:
    """A small line of monthly values with SPC centre line and control limits.

    Args:
        points: ``(label, value)`` in time order; ``None`` breaks the line.
        centre: Centre line (mean).
        upper: Upper control limit.
        lower: Lower control limit.
        signals: Indexes of special-cause points, drawn as red dots.
        title: Accessible title (the card's text carries the numbers).
    """
    values = [v for _, v in points if v is not None]
    if not values:
        return mark_safe("")  # noqa: S308 - empty string
    top = max([*values, *(x for x in (upper, centre) if x is not None)])
    bottom = min([*values, *(x for x in (lower, centre) if x is not None)], default=0)
    bottom = min(bottom, 0) if lower is None else bottom
    span = (top - bottom) or 1.0
    n = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return 4 + (width - 8) * i / n

    def y(v: float) -> float:
        return 4 + (height - 8) * (top - v) / span

    parts = []
    for value, dash in ((upper, "3 2"), (lower, "3 2"), (centre, "")):
        if value is not None:
            parts.append(
                f'<line x1="4" x2="{width - 4}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                f'stroke="#505a5f" stroke-width="1"'
                + (f' stroke-dasharray="{dash}"' if dash else "")
                + "/>"
            )
    segment: list[str] = []
    for i, (_, v) in enumerate(points):
        if v is None:
            if len(segment) > 1:
                parts.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" '
                    'stroke="#1d70b8" stroke-width="2"/>'
                )
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(v):.1f}")
    if len(segment) > 1:
        parts.append(
            f'<polyline points="{" ".join(segment)}" fill="none" '
            'stroke="#1d70b8" stroke-width="2"/>'
        )
    for i, (_, v) in enumerate(points):
        if v is not None:
            colour = "#d4351c" if i in signals else "#1d70b8"
            r = 3.5 if i in signals else 2
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{r}" fill="{colour}"/>'
            )
    return mark_safe(  # noqa: S308 - numbers formatted here, title escaped
        f'<svg class="{escape(css_class)}" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f"{''.join(parts)}</svg>"
    )
