"""The IOM selection score: recency, frequency and gravity of a person's offending.

Integrated Offender Management selects the people whose offending does the most harm
now. Force "RFG" (recency, frequency, gravity) matrices do this, but no published RFG
formula exists, so this module states its own: every part, weight and source below is
shown on the IOM pages and can be changed (:class:`SelectionParameters`, overridden by
the ``IOM_SELECTION`` Django setting).

The public surface:

- :class:`SelectionParameters`: the formula's parameters, with their defaults.
- :func:`load_gravity_weights`: ONS Crime Severity Score weights per offence code.
- :func:`gravity_weight`: one Home Office offence code's weight (``"028/01"``).
- :func:`selection_scores`: every person's score and its three parts, best first.

Notes:
    For a person with offences ``o`` (committed on ``d_o``, Home Office offence code
    ``c_o``) on or before the day ``t`` of scoring, with parameters ``w_R, w_F, w_G``
    (points), ``h`` (half-life, days), ``W`` (window, days), ``N`` (frequency cap)
    and ``G`` (gravity cap):

    - **recency** ``R = w_R * 0.5 ** ((t - max d_o) / h)``: full points for an
      offence today, half after one half-life (default 180 days);
    - **frequency** ``F = w_F * min(n / N, 1)`` with ``n`` the offences committed in
      the window ``t - W < d_o <= t`` (default 730 days, ``N`` = 10);
    - **gravity** ``Gr = w_G * min(ln(1 + g) / ln(1 + G), 1)`` with ``g`` the sum of
      the offences' ONS Crime Severity Score weights in the window (default ``G`` =
      5000: a homicide or two rapes reach the cap; the logarithm keeps one grave
      offence from outweighing everything else entirely);
    - **score** ``R + F + Gr``, 0 to ``w_R + w_F + w_G`` (default 30 + 30 + 40 = 100).

    Gravity weights are the ONS Crime Severity Score weights (ONS, "Research outputs:
    developing a Crime Severity Score for England and Wales using data on crimes
    recorded by the police", 29 November 2016; Open Government Licence v3.0), shipped
    in ``saferleeds/data/harm/ons-css-weights.csv`` keyed by ONS offence code
    (``28E``). A Home Office code ``NNN/SS`` (or ``NNNX/SS``) is matched to the ONS
    code ``NNN`` (``NNNX``; leading zeros dropped) when the list has it, otherwise to the mean weight of the
    ONS codes ``NNN`` followed by a letter or a dot (``028/01`` -> mean of
    ``28A``..``28H``); a code matching neither weighs ``unmatched_weight`` (0 by
    default) and is reported. People with no offence in the window score recency
    only, and are not candidates unless the threshold allows it.

    National IOM guidance (Fixed / Flex / Free cohorts, 2020 refresh; operational
    guidance V5, January 2025) leaves selection to local partnerships: the score ranks
    candidates for the cohort review meeting; adoption stays a decision of that
    meeting.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from saferleeds.analytics.indicators.harm import HARM_DIR, read_code_weights

__all__ = [
    "CSS_WEIGHTS",
    "OffenceFact",
    "ScoreParts",
    "SelectionParameters",
    "gravity_weight",
    "load_gravity_weights",
    "selection_scores",
]

CSS_WEIGHTS = HARM_DIR / "ons-css-weights.csv"
"""The ONS Crime Severity Score weights per ONS offence code, as shipped."""

_HO_CODE = re.compile(r"^0*(\d+)([A-Z]?)(?:/\d+)?$")


@dataclass(frozen=True)
class SelectionParameters:
    """The selection score's parameters (see the module's Notes for the formula).

    Attributes:
        recency_points: ``w_R``, points for an offence committed today.
        half_life_days: ``h``, days after which the recency points halve.
        frequency_points: ``w_F``, points at the frequency cap.
        window_days: ``W``, the window offences are counted and weighed in.
        frequency_cap: ``N``, offences in the window that earn full frequency points.
        gravity_points: ``w_G``, points at the gravity cap.
        gravity_cap: ``G``, summed severity weight that earns full gravity points.
        unmatched_weight: Weight of an offence code the weights table lacks.
        candidate_threshold: Score from which a person not in the cohort is a
            candidate for it.
    """

    recency_points: float = 30.0
    half_life_days: float = 180.0
    frequency_points: float = 30.0
    window_days: int = 730
    frequency_cap: int = 10
    gravity_points: float = 40.0
    gravity_cap: float = 5000.0
    unmatched_weight: float = 0.0
    candidate_threshold: float = 50.0

    def __post_init__(self) -> None:
        if self.half_life_days <= 0 or self.window_days <= 0:
            raise ValueError("the half-life and the window must be positive")
        if self.frequency_cap < 1 or self.gravity_cap <= 0:
            raise ValueError("the frequency and gravity caps must be positive")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> SelectionParameters:
        """The defaults with ``values`` (a setting's dict) overriding them.

        Raises:
            ValueError: A key that is not a parameter, or a bad value.
        """
        base = cls()
        if not values:
            return base
        known = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown IOM selection parameters: {unknown}")
        cast: dict[str, Any] = {
            k: (int(v) if k in ("window_days", "frequency_cap") else float(v))
            for k, v in values.items()
        }
        return replace(base, **cast)

    @property
    def maximum(self) -> float:
        """The highest possible score."""
        return self.recency_points + self.frequency_points + self.gravity_points


@dataclass(frozen=True)
class OffenceFact:
    """One offence of a person, as the score reads it."""

    person: str
    committed_on: date
    offence_code: str


@dataclass(frozen=True)
class ScoreParts:
    """One person's selection score, with its three parts.

    Attributes:
        person: Who (as the caller names people).
        recency: Recency points.
        frequency: Frequency points.
        gravity: Gravity points.
        offences_in_window: ``n``.
        severity_in_window: ``g``, the summed severity weights.
        last_offence: The latest offence on or before the day of scoring.
        unmatched_codes: Offence codes with no severity weight.
    """

    person: str
    recency: float
    frequency: float
    gravity: float
    offences_in_window: int
    severity_in_window: float
    last_offence: date
    unmatched_codes: tuple[str, ...]

    @property
    def score(self) -> float:
        """``recency + frequency + gravity``."""
        return self.recency + self.frequency + self.gravity


def load_gravity_weights(path: Path | None = None) -> dict[str, float]:
    """ONS offence code -> Crime Severity Score weight (codes with a weight only)."""
    return _load(str(path or CSS_WEIGHTS))


@cache
def _load(path: str) -> dict[str, float]:
    weights: dict[str, Decimal] = read_code_weights(Path(path))
    return {code.upper(): float(w) for code, w in weights.items()}


def gravity_weight(code: str, weights: Mapping[str, float]) -> float | None:
    """The severity weight of a Home Office offence code (``None``: not matched).

    Exact ONS codes (``28E``, ``8N``) match themselves; ``NNN/SS`` and ``NNN`` match
    ``NNN`` or else the mean of ``NNN`` + letter / dot codes (see the module Notes).
    """
    text = code.strip().upper()
    if text in weights:
        return weights[text]
    m = _HO_CODE.match(text)
    if m is None:
        return None
    number, letter = m.group(1), m.group(2)
    if letter and number + letter in weights:
        return weights[number + letter]
    if number in weights:
        return weights[number]
    family = [
        w
        for c, w in weights.items()
        if c.startswith(number)
        and len(c) > len(number)
        and not c[len(number)].isdigit()
    ]
    return sum(family) / len(family) if family else None


def selection_scores(
    offences: Iterable[OffenceFact],
    *,
    on: date,
    parameters: SelectionParameters | None = None,
    weights: Mapping[str, float] | None = None,
) -> list[ScoreParts]:
    """Every person's selection score on day ``on``, highest first (ties by person).

    Offences committed after ``on`` are ignored; people with no offence on or before
    it have no score.

    Args:
        offences: The offences (each person's, as the caller may see them).
        on: The day of scoring (``t``).
        parameters: The formula's parameters (defaults: :class:`SelectionParameters`).
        weights: ONS code -> severity weight (default: the shipped table).
    """
    p = parameters or SelectionParameters()
    table = load_gravity_weights() if weights is None else weights
    by_person: dict[str, list[OffenceFact]] = defaultdict(list)
    for o in offences:
        if o.committed_on <= on:
            by_person[o.person].append(o)
    window_start = on - timedelta(days=p.window_days)
    out: list[ScoreParts] = []
    for person, facts in by_person.items():
        last = max(o.committed_on for o in facts)
        recency = p.recency_points * 0.5 ** ((on - last).days / p.half_life_days)
        recent = [o for o in facts if o.committed_on > window_start]
        n = len(recent)
        severity = 0.0
        unmatched: set[str] = set()
        for o in recent:
            w = gravity_weight(o.offence_code, table)
            if w is None:
                unmatched.add(o.offence_code)
                w = p.unmatched_weight
            severity += w
        frequency = p.frequency_points * min(n / p.frequency_cap, 1.0)
        gravity = p.gravity_points * min(
            math.log1p(severity) / math.log1p(p.gravity_cap), 1.0
        )
        out.append(
            ScoreParts(
                person=person,
                recency=recency,
                frequency=frequency,
                gravity=gravity,
                offences_in_window=n,
                severity_in_window=severity,
                last_offence=last,
                unmatched_codes=tuple(sorted(unmatched)),
            )
        )
    out.sort(key=lambda s: (-s.score, s.person))
    return out
