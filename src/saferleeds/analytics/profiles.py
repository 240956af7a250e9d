"""Neighbourhood profiles: one priority neighbourhood beside the district.

A profile puts together, for a set of LSOAs the partnership treats as one place (see
:mod:`saferleeds.partnership`), the figures a tasking meeting asks for:

* recorded crime and ASB: count, rate per 1,000 residents, harm (when harm weights are
  available), and the change on the same months a year earlier with its exact Poisson
  test, for the neighbourhood and the district side by side
  (:func:`~saferleeds.analytics.indicators.compute_indicators`);
* hotspots: which of its LSOAs are hot (or cold) in a Getis-Ord Gi* analysis of the
  period's police.uk counts over every LSOA of the district
  (:func:`~saferleeds.analytics.hotspots.lsoa_gi_star`);
* repeat locations: its police.uk snap points with the most records
  (:func:`~saferleeds.analytics.hotspots.place_concentration`);
* the rate ratio: the neighbourhood's rate over the district's.

Django-free.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from saferleeds.analytics.areas import UnknownArea
from saferleeds.analytics.hotspots import lsoa_counts, lsoa_gi_star, place_concentration
from saferleeds.analytics.indicators import (
    PREVIOUS_YEAR,
    IndicatorResult,
    Period,
    compute_indicators,
    default_harm_weights,
)
from saferleeds.analytics.indicators.stats import compare_counts
from saferleeds.analytics.store import Store

__all__ = [
    "PROFILE_INDICATORS",
    "AreaFigures",
    "IndicatorComparison",
    "LsoaHotspot",
    "NeighbourhoodProfile",
    "RepeatPlace",
    "neighbourhood_profile",
]

#: The indicators a profile shows, in order; the first is the headline crime count.
PROFILE_INDICATORS: tuple[str, ...] = ("total_recorded_crime", "asb")

_ASB = "Anti-social behaviour"


@dataclass(frozen=True)
class AreaFigures:
    """One indicator for one area (the neighbourhood or the district).

    Attributes:
        value: Count in the period (``None`` for no data).
        rate_per_1000: Count per 1,000 residents over the period.
        harm: Harm-weighted total, or ``None`` while harm weights are not available.
        harm_note: Why there is no harm figure, if there is none.
        population: Residents (Census 2011 usual residents of the LSOAs).
        comparison_value: Count in the same months a year earlier.
        comparison_rate_per_1000: Its rate per 1,000.
        change_pct: Percentage change on the comparison.
        p_value: Exact conditional Poisson p-value of the change.
        significant: Whether the change is significant at 5%.
        verdict: The change in words.
    """

    value: float | int | None
    rate_per_1000: float | None
    harm: float | None
    harm_note: str | None
    population: int | None
    comparison_value: float | int | None
    comparison_rate_per_1000: float | None
    change_pct: float | None
    p_value: float | None
    significant: bool | None
    verdict: str | None

    @classmethod
    def of(cls, r: IndicatorResult) -> AreaFigures:
        """The figures of one indicator result."""
        return cls(
            value=r.value,
            rate_per_1000=r.rate_per_1000,
            harm=r.harm,
            harm_note=r.harm_note,
            population=r.population,
            comparison_value=r.comparison_value,
            comparison_rate_per_1000=r.comparison_rate_per_1000,
            change_pct=r.change_pct,
            p_value=r.p_value,
            significant=r.significant,
            verdict=r.verdict,
        )


@dataclass(frozen=True)
class IndicatorComparison:
    """One indicator for the neighbourhood and the district side by side.

    Attributes:
        id: Indicator id (e.g. ``total_recorded_crime``).
        label: The strategy's wording.
        neighbourhood: The neighbourhood's figures.
        district: The district's figures.
        rate_ratio: Neighbourhood rate over district rate (``None`` if either is
            missing or the district rate is 0); above 1 means more crime per resident.
    """

    id: str
    label: str
    neighbourhood: AreaFigures
    district: AreaFigures
    rate_ratio: float | None


@dataclass(frozen=True)
class LsoaHotspot:
    """Gi* of one of the neighbourhood's LSOAs (computed over the whole district).

    Attributes:
        lsoa_code: The LSOA.
        count: Police.uk records in the period.
        z: Gi* z-score.
        p: The p-value used to classify (permutation or analytic).
        q: Benjamini-Hochberg adjusted p-value.
        label: ``"hot"``, ``"cold"`` or ``"not significant"``.
    """

    lsoa_code: str
    count: int
    z: float
    p: float
    q: float
    label: str


@dataclass(frozen=True)
class RepeatPlace:
    """A police.uk snap point inside the neighbourhood with repeat records.

    Attributes:
        rank: 1 for the place with most records.
        longitude: WGS84 longitude.
        latitude: WGS84 latitude.
        count: Records at the place in the period.
        harm: Harm-weighted crime at the place (crimes only; ASB weighs 0), when harm
            weights are available.
    """

    rank: int
    longitude: float
    latitude: float
    count: int
    harm: float | None = None


@dataclass(frozen=True)
class NeighbourhoodProfile:
    """A priority neighbourhood beside the district for one period.

    Attributes:
        name: The neighbourhood's name (or ``"N LSOAs"`` for an ad hoc set).
        lsoas: Its LSOA codes.
        period: The period's label.
        period_start: First month (``YYYY-MM``).
        period_end: Last month (``YYYY-MM``).
        comparison_period: Label of the same months a year earlier.
        crime_count: Total recorded crime (police.uk, every category but ASB).
        rate_per_1000: Its rate per 1,000 residents.
        harm: Harm-weighted crime, ``None`` when no harm weights are available.
        harm_note: Why there is no harm figure, if there is none.
        rate_ratio: Crime rate over the district's.
        district_name: The district.
        indicators: Each profile indicator for neighbourhood and district.
        hotspots: Gi* of each of its LSOAs, in code order.
        hot_lsoas: Its LSOAs classified hot.
        repeat_locations: Its places with most records, most first.
        harm_locations: Its places with most harm (ONS Crime Severity Score weights per
            category, approximate), most first; empty without harm weights.
        located_records: Police.uk records with a location in it, in the period.
        top5_share: Share of those records at the top 5% of its places.
        gi_permutations: Permutations behind the Gi* p-values (0: analytic).
    """

    name: str
    lsoas: tuple[str, ...]
    period: str
    period_start: str
    period_end: str
    comparison_period: str | None
    crime_count: int | None
    rate_per_1000: float | None
    harm: float | None
    harm_note: str | None
    rate_ratio: float | None
    district_name: str
    indicators: tuple[IndicatorComparison, ...]
    hotspots: tuple[LsoaHotspot, ...]
    hot_lsoas: tuple[str, ...]
    repeat_locations: tuple[RepeatPlace, ...]
    harm_locations: tuple[RepeatPlace, ...]
    located_records: int
    top5_share: float | None
    gi_permutations: int

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain dicts, lists and numbers (JSON-ready, no NaN)."""
        out: dict[str, Any] = _clean(asdict(self))
        return out


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    return v


def _resolve(store: Store, name_or_lsoas: str | Sequence[str]) -> tuple[str, list[str]]:
    """The neighbourhood's name and LSOAs, from its name or from LSOA codes."""
    if isinstance(name_or_lsoas, str):
        rows = store.execute(
            "SELECT lsoa_code FROM area_neighbourhood WHERE name = ? ORDER BY lsoa_code",
            [name_or_lsoas],
        ).fetchall()
        if not rows:
            known = [
                str(r[0])
                for r in store.execute(
                    "SELECT DISTINCT name FROM area_neighbourhood ORDER BY name"
                ).fetchall()
            ]
            raise UnknownArea(
                f"unknown neighbourhood {name_or_lsoas!r}"
                + (f": try one of {', '.join(known)}" if known else "")
            )
        return name_or_lsoas, [str(r[0]) for r in rows]
    codes = sorted(set(name_or_lsoas))
    if not codes:
        raise UnknownArea("a neighbourhood needs at least one LSOA")
    held = {
        str(r[0])
        for r in store.execute(
            "SELECT lsoa_code FROM area_lsoa WHERE list_contains(?, lsoa_code)", [codes]
        ).fetchall()
    }
    missing = [c for c in codes if c not in held]
    if missing:
        raise UnknownArea(f"LSOAs not in the partnership: {', '.join(missing)}")
    return f"{len(codes)} LSOAs", codes


def _sum_lsoas(
    results: Iterable[IndicatorResult], lsoas: Sequence[str]
) -> dict[str, IndicatorResult]:
    """Per indicator, the by-LSOA results of ``lsoas`` added up into one result."""
    from dataclasses import replace

    keep = set(lsoas)
    grouped: dict[str, list[IndicatorResult]] = {}
    for r in results:
        if r.area in keep:
            grouped.setdefault(r.id, []).append(r)
    out: dict[str, IndicatorResult] = {}
    for ind, rs in grouped.items():
        first = rs[0]
        values = [r.value for r in rs]
        value = None if any(v is None for v in values) else sum(v or 0 for v in values)
        prev = [r.comparison_value for r in rs]
        comparison = None if any(v is None for v in prev) else sum(v or 0 for v in prev)
        pops = [r.population for r in rs]
        pop = None if any(p is None for p in pops) else sum(p or 0 for p in pops)
        harms = [r.harm for r in rs]
        harm = None if any(h is None for h in harms) else sum(h or 0.0 for h in harms)
        rate = value / pop * 1000 if value is not None and pop else None
        comp_rate = comparison / pop * 1000 if comparison is not None and pop else None
        change_pct = p_value = verdict = None
        significant = None
        if value is not None and comparison is not None and first.comparison:
            c = compare_counts(int(value), int(comparison))
            p_value, significant, verdict = c.p_value, c.significant, c.verdict
            change_pct = (value - comparison) / comparison * 100 if comparison else None
        out[ind] = replace(
            first,
            area=",".join(sorted(keep)),
            area_name=f"{len(keep)} LSOAs",
            value=value,
            rate_per_1000=rate,
            harm=harm,
            population=pop,
            comparison_value=comparison,
            comparison_rate_per_1000=comp_rate,
            change=None if value is None or comparison is None else value - comparison,
            change_pct=change_pct,
            p_value=p_value,
            significant=significant,
            verdict=verdict,
            rank=None,
        )
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def neighbourhood_profile(
    store: Store,
    name_or_lsoas: str | Sequence[str],
    period: Period,
    *,
    indicators: Sequence[str] = PROFILE_INDICATORS,
    permutations: int = 9_999,
    seed: int = 0,
    top_n: int = 10,
) -> NeighbourhoodProfile:
    """Profile a priority neighbourhood beside the district for ``period``.

    Args:
        store: The analytics store, with geography and police.uk months loaded.
        name_or_lsoas: A priority neighbourhood's name (as in the partnership
            configuration) or a collection of LSOA codes treated as one place.
        period: The reporting period (see
            :func:`~saferleeds.analytics.indicators.parse_period`); compared with the
            same months a year earlier.
        indicators: Indicator ids to show side by side; the headline crime figures
            come from ``total_recorded_crime``, which is always included.
        permutations: Conditional permutations for the LSOA Gi* p-values (0 for the
            analytic normal p-values).
        seed: Seed of the permutations.
        top_n: How many repeat locations to list.

    Returns:
        The profile.

    Raises:
        UnknownArea: If the name is not a priority neighbourhood or an LSOA is not in
            the partnership.

    Notes:
        Counts and rates as :func:`~saferleeds.analytics.indicators.compute_indicators`
        (rates over the period, not annualised; exact Poisson test of the change).
        Hotspots: Gi* (Ord & Getis 1995) of police.uk crimes (not ASB) per LSOA over
        every LSOA of the district with queen contiguity, Benjamini-Hochberg FDR at
        5%. Repeat locations: records at identical police.uk snap points, all
        categories including ASB (Weisburd 2015 on crime concentration). Places by
        harm: the same places ranked by the sum of their crimes' category harm
        weights (ONS Crime Severity Score per police.uk category, see
        :mod:`~saferleeds.analytics.indicators.harm`; ASB weighs 0).
    """
    name, lsoas = _resolve(store, name_or_lsoas)
    inds = list(dict.fromkeys(["total_recorded_crime", *indicators]))
    district = {
        r.id: r
        for r in compute_indicators(
            store, period, area=None, compare=PREVIOUS_YEAR, indicators=inds
        )
    }
    if isinstance(name_or_lsoas, str):
        local = {
            r.id: r
            for r in compute_indicators(
                store, period, area=name, compare=PREVIOUS_YEAR, indicators=inds
            )
        }
    else:
        local = _sum_lsoas(
            compute_indicators(
                store,
                period,
                area=None,
                compare=PREVIOUS_YEAR,
                by="lsoa",
                indicators=inds,
            ),
            lsoas,
        )
    side = tuple(
        IndicatorComparison(
            id=i,
            label=district[i].label,
            neighbourhood=AreaFigures.of(local[i]),
            district=AreaFigures.of(district[i]),
            rate_ratio=_ratio(local[i].rate_per_1000, district[i].rate_per_1000),
        )
        for i in inds
        if i in district and i in local
    )
    crime = local["total_recorded_crime"]
    crime_types = [
        str(r[0])
        for r in store.execute(
            "SELECT DISTINCT crime_type FROM police_street WHERE crime_type <> ? "
            "ORDER BY 1",
            [_ASB],
        ).fetchall()
    ]
    counts = lsoa_counts(
        store, crime_type=crime_types, start=period.start, end=period.end
    )
    gi = lsoa_gi_star(
        counts,
        permutations=permutations,
        seed=seed,
        p_source="permutation" if permutations > 0 else "analytic",
    )
    p_used = gi.p_sim if gi.p_sim is not None else np.minimum(1.0, 2 * gi.p_norm)
    position = {c: k for k, c in enumerate(gi.ids)}
    hotspots = tuple(
        LsoaHotspot(
            lsoa_code=c,
            count=int(gi.value[position[c]]),
            z=float(gi.z[position[c]]),
            p=float(p_used[position[c]]),
            q=float(gi.q[position[c]]),
            label=gi.label[position[c]],
        )
        for c in lsoas
        if c in position
    )
    rows = store.execute(
        "SELECT longitude, latitude, crime_type FROM police_street WHERE has_location "
        "AND longitude IS NOT NULL AND latitude IS NOT NULL "
        "AND list_contains(?, lsoa_code) AND month BETWEEN ? AND ? ORDER BY row_key",
        [lsoas, period.start, period.end],
    ).fetchall()
    repeats: tuple[RepeatPlace, ...] = ()
    by_harm: tuple[RepeatPlace, ...] = ()
    top5: float | None = None
    weights = default_harm_weights()
    harm_weights = (
        {c: float(w) for c, w in weights.weights.items()} if weights.available else None
    )
    if rows:
        conc = place_concentration(
            np.array([r[0] for r in rows], dtype=np.float64),
            np.array([r[1] for r in rows], dtype=np.float64),
            crime_type=[str(r[2]) for r in rows],
            harm_weights=harm_weights,
            top_n=top_n,
        )
        top5 = conc.share_of_events
        repeats = tuple(
            RepeatPlace(i + 1, p.longitude, p.latitude, p.count, p.harm)
            for i, p in enumerate(conc.by_count)
        )
        by_harm = tuple(
            RepeatPlace(i + 1, p.longitude, p.latitude, p.count, p.harm)
            for i, p in enumerate(conc.by_harm or ())
        )
    return NeighbourhoodProfile(
        name=name,
        lsoas=tuple(lsoas),
        period=period.label,
        period_start=f"{period.start:%Y-%m}",
        period_end=f"{period.end:%Y-%m}",
        comparison_period=crime.comparison_period,
        crime_count=None if crime.value is None else int(crime.value),
        rate_per_1000=crime.rate_per_1000,
        harm=crime.harm,
        harm_note=crime.harm_note,
        rate_ratio=_ratio(
            crime.rate_per_1000, district["total_recorded_crime"].rate_per_1000
        ),
        district_name=district["total_recorded_crime"].area_name,
        indicators=side,
        hotspots=hotspots,
        hot_lsoas=tuple(h.lsoa_code for h in hotspots if h.label == "hot"),
        repeat_locations=repeats,
        harm_locations=by_harm,
        located_records=len(rows),
        top5_share=top5,
        gi_permutations=permutations,
    )
