"""Repeat locations, the law of crime concentration, and repeat victimisation."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class Place:
    """One place (a police.uk snap point: identical longitude and latitude)."""

    longitude: float
    latitude: float
    count: int
    harm: float | None  # sum of harm weights of its records; None without weights


@dataclass(frozen=True)
class Concentration:
    """How concentrated events are among places.

    Attributes:
        events: Located events counted.
        places: Places in the denominator (places with events, plus any extra
            zero-event places given as ``n_places``).
        top_share: Fraction of places defining "the top" (default 0.05).
        top_places: Number of places in the top: ``ceil(top_share * places)``.
        share_of_events: Fraction of events at the top places.
        gini: Gini coefficient of events per place (0 even, towards 1 concentrated).
        by_count: The most frequent places, most events first.
        by_harm: The most harmful places, or ``None`` when no harm weights were given
            (police.uk category harm weights are not shipped: see data/harm/README.md).
        harm_unweighted: Records whose crime type had no harm weight (counted as 0).
    """

    events: int
    places: int
    top_share: float
    top_places: int
    share_of_events: float
    gini: float
    by_count: tuple[Place, ...]
    by_harm: tuple[Place, ...] | None
    harm_unweighted: int

    def to_rows(self) -> list[dict[str, Any]]:
        """The top places by count, one dict each with its rank."""
        return [
            {
                "rank": i + 1,
                "longitude": p.longitude,
                "latitude": p.latitude,
                "count": p.count,
                "harm": p.harm,
            }
            for i, p in enumerate(self.by_count)
        ]

    def to_geojson(self) -> dict[str, Any]:
        """The top places by count as GeoJSON points (WGS84)."""
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [r["longitude"], r["latitude"]],
                    },
                    "properties": r,
                }
                for r in self.to_rows()
            ],
        }


def gini(values: ArrayLike) -> float:
    """Gini coefficient of non-negative values (0 when all equal or all zero)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    total = x.sum()
    if n == 0 or total == 0:
        return 0.0
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * x).sum() / (n * total))


def place_concentration(
    longitude: ArrayLike,
    latitude: ArrayLike,
    *,
    crime_type: Sequence[str] | None = None,
    harm_weights: Mapping[str, float] | None = None,
    top_share: float = 0.05,
    top_n: int = 20,
    n_places: int | None = None,
) -> Concentration:
    """Repeat locations and the share of events at the top places.

    Args:
        longitude: Event longitudes; events at identical coordinates share a place
            (police.uk publishes each record at one of a fixed set of snap points).
        latitude: Event latitudes.
        crime_type: Category per event, needed for harm weighting.
        harm_weights: Optional harm weight per category (e.g. a crime severity
            score); without it the harm ranking is ``None``.
        top_share: The share of places called "the top" (default 5%).
        top_n: How many places to list.
        n_places: Total places including those with no events (e.g. all snap points
            or street segments); default only places with events.

    Returns:
        The concentration figures and top places.

    Notes:
        Weisburd, D. (2015) The law of crime concentration and the criminology of
        place, Criminology 53(2), 133-157: about 50% of crime at about 4-5% of
        places. Counting only places with events overstates evenness relative to
        counting all places, so pass ``n_places`` when the universe is known.
    """
    lon = np.asarray(longitude, dtype=np.float64)
    lat = np.asarray(latitude, dtype=np.float64)
    if lon.shape != lat.shape:
        raise ValueError("longitude and latitude differ in length")
    if not 0 < top_share <= 1:
        raise ValueError("top_share must be in (0, 1]")
    ok = np.isfinite(lon) & np.isfinite(lat)
    pts = np.column_stack([lon[ok], lat[ok]])
    if pts.shape[0]:
        uniq, inverse, counts = np.unique(
            pts, axis=0, return_inverse=True, return_counts=True
        )
        inverse = inverse.ravel()
    else:
        uniq = np.empty((0, 2))
        inverse = np.empty(0, dtype=np.int64)
        counts = np.empty(0, dtype=np.int64)
    harm: NDArray[np.float64] | None = None
    unweighted = 0
    if harm_weights is not None:
        if crime_type is None:
            raise ValueError("harm weights need the crime type of every event")
        types = np.asarray(list(crime_type), dtype=object)[ok]
        w = np.array(
            [harm_weights.get(t, math.nan) for t in types.tolist()], dtype=np.float64
        )
        unweighted = int(np.isnan(w).sum())
        harm = np.asarray(
            np.bincount(inverse, np.nan_to_num(w), minlength=uniq.shape[0]),
            dtype=np.float64,
        )
    events = int(counts.sum())
    total_places = max(int(uniq.shape[0]), n_places or 0)
    sorted_counts = np.sort(counts)[::-1]
    k = math.ceil(top_share * total_places) if total_places else 0
    share = float(sorted_counts[:k].sum() / events) if events else 0.0
    all_counts = np.concatenate(
        [counts, np.zeros(total_places - uniq.shape[0], dtype=np.int64)]
    )

    def place(i: int) -> Place:
        return Place(
            float(uniq[i, 0]),
            float(uniq[i, 1]),
            int(counts[i]),
            None if harm is None else float(harm[i]),
        )

    # Ties broken by coordinates, so the listing is deterministic.
    order = (
        np.lexsort((uniq[:, 1], uniq[:, 0], -counts)) if events else np.empty(0, int)
    )
    by_count = tuple(place(int(i)) for i in order[:top_n])
    by_harm = None
    if harm is not None:
        horder = np.lexsort((uniq[:, 1], uniq[:, 0], -harm))
        by_harm = tuple(place(int(i)) for i in horder[:top_n])
    return Concentration(
        events=events,
        places=total_places,
        top_share=top_share,
        top_places=k,
        share_of_events=share,
        gini=gini(all_counts),
        by_count=by_count,
        by_harm=by_harm,
        harm_unweighted=unweighted,
    )


@dataclass(frozen=True)
class RepeatVictimisation:
    """Repeat victimisation among identified victims.

    Attributes:
        victims: Distinct victims.
        incidents: Incidents with an identified victim.
        repeat_victims: Victims with two or more incidents (within the window, if
            one was given: a later incident within ``window_days`` of the previous).
        repeat_incidents: Incidents that are repeats (each victim's second and later).
        repeat_share_of_incidents: ``repeat_incidents / incidents``.
        distribution: ``{incidents per victim: victims}``.
        window_days: The repeat window, or ``None`` for any time in the period.
    """

    victims: int
    incidents: int
    repeat_victims: int
    repeat_incidents: int
    repeat_share_of_incidents: float
    distribution: dict[int, int]
    window_days: int | None

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per number of incidents per victim."""
        return [
            {"incidents_per_victim": k, "victims": v}
            for k, v in sorted(self.distribution.items())
        ]


def repeat_victimisation(
    victim_ids: Sequence[str | None],
    dates: Sequence[date | str],
    *,
    window_days: int | None = None,
) -> RepeatVictimisation:
    """Count repeat victims from a table of (victim id, date).

    Args:
        victim_ids: The victim's record id per incident; empty or ``None`` entries
            (no identified victim) are skipped.
        dates: Incident dates (``date`` or ISO ``YYYY-MM-DD``).
        window_days: Count an incident as a repeat only if it is within this many
            days after the same victim's previous incident; ``None``: any time.

    Returns:
        Victim and incident counts and the distribution of incidents per victim.

    Notes:
        Farrell, G. & Pease, K. (1993) Once bitten, twice bitten: repeat
        victimisation and its implications for crime prevention, Home Office CPU
        paper 46.
    """
    if len(victim_ids) != len(dates):
        raise ValueError("victim_ids and dates differ in length")
    keep = [i for i, v in enumerate(victim_ids) if v]
    vid = np.array([victim_ids[i] for i in keep], dtype=object)
    day = np.array(
        [np.datetime64(str(dates[i]), "D") for i in keep], dtype="datetime64[D]"
    ).astype(np.int64)
    if not keep:
        return RepeatVictimisation(0, 0, 0, 0, 0.0, {}, window_days)
    uniq, inv = np.unique(vid, return_inverse=True)
    order = np.lexsort((day, inv))
    v_sorted, d_sorted = inv[order], day[order]
    same = np.concatenate([[False], v_sorted[1:] == v_sorted[:-1]])
    gap = np.concatenate([[0], np.diff(d_sorted)])
    repeat = same if window_days is None else same & (gap <= window_days)
    per_victim = np.bincount(inv, minlength=uniq.size)
    repeats_per_victim = np.bincount(v_sorted[repeat], minlength=uniq.size)
    vals, freq = np.unique(per_victim, return_counts=True)
    incidents = int(per_victim.sum())
    rep = int(repeat.sum())
    return RepeatVictimisation(
        victims=int(uniq.size),
        incidents=incidents,
        repeat_victims=int((repeats_per_victim > 0).sum()),
        repeat_incidents=rep,
        repeat_share_of_incidents=rep / incidents if incidents else 0.0,
        distribution={int(a): int(b) for a, b in zip(vals, freq, strict=True)},
        window_days=window_days,
    )
