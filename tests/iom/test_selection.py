"""The IOM selection score against an independent brute-force computation.

The check re-reads the shipped ONS weights with the csv module, matches codes by its
own rule written out again, and sums the parts day by day (no shared code but the
dataclasses' field names)."""

from __future__ import annotations

import csv
import math
import random
from datetime import date, timedelta

import pytest

from saferleeds.analytics.iom_selection import (
    CSS_WEIGHTS,
    OffenceFact,
    SelectionParameters,
    gravity_weight,
    load_gravity_weights,
    selection_scores,
)


def _weights() -> dict[str, float]:
    with CSS_WEIGHTS.open(encoding="utf-8-sig", newline="") as f:
        return {
            r["offence_code"].strip().upper(): float(r["weight"])
            for r in csv.DictReader(f)
            if (r.get("weight") or "").strip()
        }


def _weight_of(code: str, table: dict[str, float]) -> float | None:
    if code in table:
        return table[code]
    head = code.split("/")[0].lstrip("0")
    if head in table:
        return table[head]
    number = "".join(ch for ch in head if ch.isdigit())
    if number in table:
        return table[number]
    family = [
        w
        for c, w in table.items()
        if c[: len(number)] == number
        and len(c) > len(number)
        and (c[len(number)].isalpha() or c[len(number)] == ".")
    ]
    return sum(family) / len(family) if family else None


def _brute(
    facts: list[OffenceFact], on: date, p: SelectionParameters, table: dict[str, float]
) -> dict[str, float]:
    people: dict[str, list[OffenceFact]] = {}
    for f in facts:
        people.setdefault(f.person, []).append(f)
    out = {}
    for person, mine in people.items():
        past = [f for f in mine if f.committed_on <= on]
        if not past:
            continue
        # Days since the latest offence, counted one by one.
        latest = max(f.committed_on for f in past)
        gap = 0
        d = latest
        while d < on:
            d += timedelta(days=1)
            gap += 1
        recency = p.recency_points * math.pow(2.0, -gap / p.half_life_days)
        in_window = [f for f in past if (on - f.committed_on).days < p.window_days]
        frequency = (
            p.frequency_points
            * min(len(in_window), p.frequency_cap)
            / (p.frequency_cap)
        )
        g = 0.0
        for f in in_window:
            w = _weight_of(f.offence_code, table)
            g += p.unmatched_weight if w is None else w
        gravity = p.gravity_points * min(
            1.0, math.log(1 + g) / math.log(1 + p.gravity_cap)
        )
        out[person] = recency + frequency + gravity
    return out


CODES = [
    "028/01", "044/00", "008/01", "058/01", "092/01", "099/00", "049/00",
    "010/01", "009/01", "034/01", "046/00", "039/00", "045/00", "1", "19C",
    "8N", "999/99", "092A/01", "030/01",
]  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    "params",
    [
        SelectionParameters(),
        SelectionParameters(
            half_life_days=90, window_days=365, frequency_cap=4, gravity_cap=800
        ),
        SelectionParameters(unmatched_weight=50, recency_points=10, gravity_points=60),
    ],
)
def test_scores_match_a_brute_force_computation(
    seed: int, params: SelectionParameters
) -> None:
    rng = random.Random(seed)
    on = date(2019, 6, 30)
    facts = [
        OffenceFact(
            f"p{rng.randrange(40)}",
            on - timedelta(days=rng.randrange(-30, 1200)),
            rng.choice(CODES),
        )
        for _ in range(600)
    ]
    table = _weights()
    want = _brute(facts, on, params, table)
    got = selection_scores(facts, on=on, parameters=params)
    assert {s.person for s in got} == set(want)
    for s in got:
        assert s.score == pytest.approx(want[s.person], rel=1e-9, abs=1e-9)
        assert 0 <= s.score <= params.maximum + 1e-9
    # Highest first.
    assert [s.score for s in got] == sorted((s.score for s in got), reverse=True)


def test_code_matching() -> None:
    table = load_gravity_weights()
    assert gravity_weight("1", table) == pytest.approx(7973.3934)
    assert gravity_weight("044/00", table) == pytest.approx(15.1757)
    # 028/01: the burglary family 28A..28H all weigh 465.3815.
    assert gravity_weight("028/01", table) == pytest.approx(465.3815)
    # 009/01: the public order family 9A/9B.
    assert gravity_weight("009/01", table) == pytest.approx(
        (table["9A"] + table["9B"]) / 2
    )
    assert gravity_weight("999/99", table) is None
    assert gravity_weight("092A/01", table) == pytest.approx(table["92A"])
    assert gravity_weight("nonsense", table) is None


def test_parts_of_a_worked_example() -> None:
    p = SelectionParameters()
    on = date(2020, 1, 1)
    facts = [
        OffenceFact("a", on - timedelta(days=180), "046/00"),  # shoplifting 11.8555
        OffenceFact("a", on - timedelta(days=400), "046/00"),
        OffenceFact("a", on - timedelta(days=800), "1"),  # outside the 730-day window
    ]
    (s,) = selection_scores(facts, on=on, parameters=p)
    assert s.recency == pytest.approx(15.0)  # one half-life
    assert s.frequency == pytest.approx(30 * 2 / 10)
    assert s.severity_in_window == pytest.approx(2 * 11.8555)
    assert s.gravity == pytest.approx(40 * math.log1p(23.711) / math.log1p(5000))
    assert s.offences_in_window == 2


def test_parameters_from_a_setting() -> None:
    p = SelectionParameters.from_mapping({"half_life_days": 60, "window_days": "365"})
    assert p.half_life_days == 60 and p.window_days == 365
    with pytest.raises(ValueError, match="unknown"):
        SelectionParameters.from_mapping({"halflife": 3})
    with pytest.raises(ValueError):
        SelectionParameters(half_life_days=0)
