"""The assessment's LSOA maps: classes, outlines, a planted hot spot, reproducibility."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from saferleeds.analytics.hotspots.gistar import lsoa_boundaries, polygon_queen_weights
from saferleeds.analytics.jsa_maps import (
    CLASSES,
    COLD,
    HOT,
    class_labels,
    count_breaks,
    place_map,
    quantile_breaks,
)

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def planted() -> tuple[dict[str, float], set[str]]:
    """Background counts everywhere, and a block of high counts: one LSOA and its
    queen neighbours (a hot spot Gi* must find), seeded so the test is reproducible."""
    shapes = lsoa_boundaries()
    codes = list(shapes)
    w = polygon_queen_weights(list(shapes.values()))
    rng = np.random.default_rng(7)
    values = {c: float(rng.poisson(20)) for c in codes}
    centre = codes[len(codes) // 2]
    block = {centre} | {codes[j] for j in w[codes.index(centre)].indices}
    for c in block:
        values[c] = 400.0
    return values, block


def test_breaks_are_numpys_quantiles_and_labels_do_not_overlap() -> None:
    values = [0, 1, 2, 3, 5, 8, 13, 21, 34, 55]
    breaks = quantile_breaks(values)
    assert breaks == pytest.approx(np.quantile(values, [0.2, 0.4, 0.6, 0.8, 1.0]))
    labels = class_labels(breaks)
    assert labels[0].startswith("0 to ")
    assert labels[-1].endswith(" to 55")
    # Each class starts one above the last one's end.
    ends = [int(t.split(" to ")[1]) for t in labels]
    starts = [int(t.split(" to ")[0]) for t in labels]
    assert starts[1:] == [e + 1 for e in ends[:-1]]
    assert class_labels((2.0, 2.0, 5.0, 5.0, 9.0)) == (
        "0 to 2",
        "(none)",
        "3 to 5",
        "(none)",
        "6 to 9",
    )


def test_sparse_counts_get_a_class_for_none_and_quantiles_of_the_rest() -> None:
    values = [0.0] * 90 + [1, 1, 2, 2, 3, 4, 5, 6, 8, 12]
    breaks = count_breaks(values)
    assert breaks[0] == 0
    assert breaks[1:] == pytest.approx(
        np.quantile([1, 1, 2, 2, 3, 4, 5, 6, 8, 12], [0.25, 0.5, 0.75, 1.0])
    )
    assert class_labels(breaks)[0] == "0"
    # No zeros: plain quantiles.
    assert count_breaks([1.0, 2.0, 3.0, 4.0, 5.0]) == quantile_breaks([1, 2, 3, 4, 5])


def test_planted_block_is_a_hot_spot_outlined_in_red_and_every_lsoa_drawn(
    planted: tuple[dict[str, float], set[str]],
) -> None:
    values, block = planted
    names = {c: f"name {c}" for c in values}
    m = place_map("total_recorded_crime", "Total recorded crime", values, names)
    hot = {s.code for s in m.hot}
    assert hot, "the planted block was not found"
    # Gi* sums over neighbours, so a hot spot is in the block or touches it.
    shapes = lsoa_boundaries()
    codes = list(shapes)
    w = polygon_queen_weights(list(shapes.values()))
    near = set(block)
    for c in block:
        near |= {codes[j] for j in w[codes.index(c)].indices}
    assert hot <= near
    assert len(hot & block) >= len(block) // 2
    assert all(s.value == values[s.code] for s in m.hot)
    root = ET.fromstring(m.svg)
    paths = root.findall(f"{SVG}path")
    fills = [p for p in paths if p.get("fill") != "none"]
    outlines = [p for p in paths if p.get("fill") == "none"]
    assert len(fills) == m.lsoas == len(values)
    assert sum(p.get("stroke") == HOT for p in outlines) == len(m.hot)
    assert sum(p.get("stroke") == COLD for p in outlines) == len(m.cold)
    assert {p.get("fill") for p in fills} <= set(CLASSES)
    # The block's counts are the highest: drawn in the darkest class.
    tips = {p.find(f"{SVG}title").text: p.get("fill") for p in fills}  # type: ignore[union-attr]
    block_fills = {f for t, f in tips.items() if t and t.endswith(": 400")}
    assert block_fills == {CLASSES[-1]}
    assert root.find(f"{SVG}title") is not None


def test_same_values_draw_the_same_bytes(
    planted: tuple[dict[str, float], set[str]],
) -> None:
    values, _ = planted
    a = place_map("x", "X", values, {})
    b = place_map("x", "X", dict(reversed(list(values.items()))), {})
    assert a.svg == b.svg
    assert a.hot == b.hot
