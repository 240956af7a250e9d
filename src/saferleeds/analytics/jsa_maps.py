"""Maps for the Joint Strategic Assessment: LSOA choropleths with Gi* hot spots, as SVG.

The assessment is read offline and printed, so its maps are drawn here as inline SVG
from the shipped LSOA boundaries (no tiles, no script): each LSOA shaded by its count
for the year in five quantile classes, significant Gi* hot spots outlined in red and
cold spots in blue, with a legend. A table of the hot spots sits beside each map for
screen readers and for readers who want the numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from saferleeds.analytics.hotspots.gistar import (
    DEFAULT_PERMUTATIONS,
    lsoa_boundaries,
    lsoa_gi_star,
)
from saferleeds.analytics.hotspots.projection import to_bng

PERMUTATIONS = DEFAULT_PERMUTATIONS  # enough for a 5% FDR over ~500 LSOAs (999 is not)
SEED = 20180401  # fixed, so the same data gives the same document, byte for byte
ALPHA = 0.05
# ColorBrewer "Purples" (5 classes): sequential, readable in grey print, colour-blind safe.
CLASSES = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")
HOT, COLD = "#d4351c", "#1d70b8"  # GOV.UK red and blue
WIDTH = 560


@dataclass(frozen=True)
class HotSpot:
    """One LSOA found to be a significant Gi* hot (or cold) spot.

    Attributes:
        code: LSOA code.
        name: LSOA name.
        value: The year's count.
        z: Gi* z-score.
        p: Pseudo p-value from the conditional permutations.
    """

    code: str
    name: str
    value: float
    z: float
    p: float


@dataclass(frozen=True)
class PlaceMap:
    """One indicator's map for a chapter.

    Attributes:
        indicator: Indicator id.
        label: Indicator label.
        svg: The map as inline SVG.
        hot: Significant hot spots, highest z first.
        cold: Significant cold spots, lowest z first.
        breaks: Upper bounds of the five shading classes.
        lsoas: LSOAs drawn.
    """

    indicator: str
    label: str
    svg: str
    hot: tuple[HotSpot, ...]
    cold: tuple[HotSpot, ...]
    breaks: tuple[float, ...]
    lsoas: int


@functools.lru_cache(maxsize=4)
def _projected() -> tuple[tuple[str, ...], tuple[BaseGeometry, ...]]:
    """The partnership's LSOA polygons in British National Grid metres, in code order."""
    shapes = lsoa_boundaries()

    def bng(coords: np.ndarray) -> np.ndarray:
        e, n = to_bng(coords[:, 0], coords[:, 1])
        return np.column_stack([e, n])

    geoms = tuple(shapely.transform(g, bng) for g in shapes.values())
    return tuple(shapes), geoms


def quantile_breaks(
    values: Sequence[float], classes: int = len(CLASSES)
) -> tuple[float, ...]:
    """Upper bounds of ``classes`` quantile classes (the last is the maximum).

    Args:
        values: The mapped values.
        classes: How many classes.

    Returns:
        Non-decreasing bounds, one per class.

    Notes:
        Quantiles by NumPy's default (linear) method; ties can make two bounds equal,
        in which case the lower class is simply empty.
    """
    if not values:
        return tuple(0.0 for _ in range(classes))
    qs = np.quantile(
        np.asarray(values, dtype=float), np.linspace(0, 1, classes + 1)[1:]
    )
    return tuple(float(q) for q in qs)


def count_breaks(
    values: Sequence[float], classes: int = len(CLASSES)
) -> tuple[float, ...]:
    """Class bounds for counts: a class of its own for none recorded, when some LSOAs
    have none, and quantile classes of the rest.

    Sparse counts (most LSOAs recording none in a year) would otherwise put every
    quantile at 0 and leave the map with one shade.

    Args:
        values: The mapped counts.
        classes: How many classes.

    Returns:
        Non-decreasing bounds, one per class.
    """
    positive = [v for v in values if v > 0]
    if not positive or len(positive) == len(values):
        return quantile_breaks(values, classes)
    return (0.0, *quantile_breaks(positive, classes - 1))


def class_labels(breaks: Sequence[float]) -> tuple[str, ...]:
    """Legend text for count classes: whole numbers, no overlap ("17 to 25").

    A class holds the values above the previous bound up to its own, so for counts
    it runs from the previous bound's integer part plus one to its own integer part;
    a class left empty by tied bounds says so.
    """
    out, lo = [], 0
    for i, b in enumerate(breaks):
        hi = int(np.floor(b))
        if i and hi < lo:
            out.append("(none)")
            continue
        out.append(f"{lo:,}" if hi == lo else f"{lo:,} to {hi:,}")
        lo = hi + 1
    return tuple(out)


def _class_of(value: float, breaks: Sequence[float]) -> int:
    for i, b in enumerate(breaks):
        if value <= b:
            return i
    return len(breaks) - 1


def _path(geom: BaseGeometry, x0: float, y1: float, scale: float) -> str:
    """An SVG path for a (multi)polygon: x right, y down from the top-left corner."""
    polys = getattr(geom, "geoms", [geom])
    out = []
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            pts = np.asarray(ring.coords)
            xs = (pts[:, 0] - x0) * scale
            ys = (y1 - pts[:, 1]) * scale
            out.append(
                "M"
                + "L".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
                + "Z"
            )
    return "".join(out)


def choropleth_svg(
    title: str,
    values: Mapping[str, float],
    *,
    hot: Sequence[str] = (),
    cold: Sequence[str] = (),
    names: Mapping[str, str] | None = None,
) -> tuple[str, tuple[float, ...]]:
    """Draw the partnership's LSOAs shaded by value, hot and cold spots outlined.

    Args:
        title: The map's accessible title.
        values: Value per LSOA code (missing codes count 0).
        hot: LSOA codes to outline as hot spots.
        cold: LSOA codes to outline as cold spots.
        names: LSOA names for each polygon's tooltip.

    Returns:
        The SVG and the class breaks used.
    """
    codes, geoms = _projected()
    vals = [float(values.get(c, 0.0)) for c in codes]
    breaks = count_breaks(vals)
    bounds = shapely.total_bounds(np.asarray(geoms, dtype=object))
    x0, y0, x1, y1 = (float(b) for b in bounds)
    scale = WIDTH / (x1 - x0)
    height = (y1 - y0) * scale
    legend_h = 24 + 14 * len(CLASSES) + 28
    total_h = height + legend_h
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} '
        f'{total_h:.0f}" width="100%"><title>{escape(title)}</title>'
    ]
    hot_set, cold_set = set(hot), set(cold)
    names = names or {}
    for code, geom, v in zip(codes, geoms, vals, strict=True):
        label = f"{names.get(code, code)} ({code}): {v:,.0f}"
        parts.append(
            f'<path d="{_path(geom, x0, y1, scale)}" fill="{CLASSES[_class_of(v, breaks)]}"'
            f' stroke="#ffffff" stroke-width="0.3"><title>{escape(label)}</title></path>'
        )
    # Outlines last, so neighbours' fills do not cover them.
    for code, geom in zip(codes, geoms, strict=True):
        if code in hot_set or code in cold_set:
            colour = HOT if code in hot_set else COLD
            parts.append(
                f'<path d="{_path(geom, x0, y1, scale)}" fill="none" stroke="{colour}" '
                'stroke-width="1.6"/>'
            )
    y = height + 18
    parts.append(f'<text x="4" y="{y:.0f}" font-size="10">Recorded in the year</text>')
    for i, (colour, text) in enumerate(zip(CLASSES, class_labels(breaks), strict=True)):
        yy = y + 6 + i * 14
        parts.append(
            f'<rect x="4" y="{yy:.0f}" width="12" height="10" fill="{colour}" '
            f'stroke="#505a5f" stroke-width="0.3"/><text x="20" y="{yy + 9:.0f}" '
            f'font-size="9">{escape(text)}</text>'
        )
    yy = y + 6 + len(CLASSES) * 14 + 4
    parts.append(
        f'<rect x="4" y="{yy:.0f}" width="12" height="10" fill="none" stroke="{HOT}" '
        f'stroke-width="1.6"/><text x="20" y="{yy + 9:.0f}" font-size="9">hot spot'
        f'</text><rect x="84" y="{yy:.0f}" width="12" height="10" fill="none" '
        f'stroke="{COLD}" stroke-width="1.6"/><text x="100" y="{yy + 9:.0f}" '
        'font-size="9">cold spot (Gi*, 5% false discovery rate)</text></svg>'
    )
    return "".join(parts), breaks


def place_map(
    indicator: str,
    label: str,
    values: Mapping[str, float],
    names: Mapping[str, str],
    *,
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
    alpha: float = ALPHA,
) -> PlaceMap:
    """An indicator's LSOA map with its significant Gi* hot and cold spots.

    Args:
        indicator: Indicator id.
        label: Indicator label (the map's title).
        values: The year's count per LSOA.
        names: LSOA names.
        permutations: Conditional permutations for the pseudo p-values.
        seed: Permutation seed (fixed: the document is reproducible).
        alpha: False discovery rate for hot and cold spots.

    Returns:
        The map and its hot and cold spots.

    Notes:
        Getis-Ord Gi* (Ord & Getis 1995) on the counts with binary queen contiguity
        plus the LSOA itself, conditional-permutation pseudo p-values, and the
        Benjamini-Hochberg false discovery rate across LSOAs (as
        :func:`~saferleeds.analytics.hotspots.gistar.lsoa_gi_star`, checked against
        PySAL's esda in ``tests/analytics/test_hotspots.py``).
    """
    gi = lsoa_gi_star(values, permutations=permutations, seed=seed, alpha=alpha)
    ps = gi.p_sim if gi.p_sim is not None else 2 * gi.p_norm
    spots = [
        (str(c), float(z), float(p), lab)
        for c, z, p, lab in zip(gi.ids, gi.z, ps, gi.label, strict=True)
    ]
    hot = sorted((s for s in spots if s[3] == "hot"), key=lambda s: (-s[1], s[0]))
    cold = sorted((s for s in spots if s[3] == "cold"), key=lambda s: (s[1], s[0]))
    svg, breaks = choropleth_svg(
        f"{label}: recorded per LSOA, with Gi* hot and cold spots",
        values,
        hot=[s[0] for s in hot],
        cold=[s[0] for s in cold],
        names=names,
    )

    def spot(s: tuple[str, float, float, str]) -> HotSpot:
        return HotSpot(
            s[0], names.get(s[0], s[0]), float(values.get(s[0], 0.0)), s[1], s[2]
        )

    return PlaceMap(
        indicator,
        label,
        svg,
        tuple(spot(s) for s in hot),
        tuple(spot(s) for s in cold),
        breaks,
        len(gi.ids),
    )
