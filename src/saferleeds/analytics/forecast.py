"""Prospective hotspots: where crime is likely next period, and how well that was known.

Two forecasts and their standard evaluation:

* :func:`prospective_surface`: prospective mapping (Bowers, Johnson & Pease 2004). Each
  recent event raises the risk of grid cells around it, less with distance and with
  age; the near-repeat pattern (see :mod:`saferleeds.analytics.nearrepeat`) is why
  this beats a plain count of past events.
* :func:`ewma_forecast`: for areas (LSOAs) with monthly counts, an exponentially
  weighted average of past months.

Both are compared with the naive baseline, "last period's hotspots"
(:func:`naive_forecast`), by the hit rate and the Predictive Accuracy Index (PAI) of the
top-ranked cells or areas covering a given share of the study area, on held-out periods
with a rolling origin (:func:`evaluate_grid_forecast`, :func:`evaluate_area_forecast`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import shape

from saferleeds.analytics.nearrepeat import as_days

_FloatArray = npt.NDArray[np.float64]
_IntArray = npt.NDArray[np.int64]

__all__ = [
    "AreaCounts",
    "ForecastEvaluation",
    "Grid",
    "HitRate",
    "count_surface",
    "evaluate_area_forecast",
    "evaluate_grid_forecast",
    "ewma_forecast",
    "hit_rate_pai",
    "lsoa_monthly_counts",
    "naive_forecast",
    "prospective_surface",
]


def _day(v: float | np.datetime64 | str) -> float:
    """One instant as float days since 1970-01-01."""
    return float(as_days(np.array([v]))[0])


@dataclass(frozen=True)
class Grid:
    """A regular grid of square cells, numbered row by row from the south-west.

    Attributes:
        x0: Western edge (metres).
        y0: Southern edge (metres).
        cell_size: Cell side (metres).
        nx: Cells west to east.
        ny: Cells south to north.
    """

    x0: float
    y0: float
    cell_size: float
    nx: int
    ny: int

    @classmethod
    def covering(cls, x: npt.ArrayLike, y: npt.ArrayLike, cell_size: float) -> Grid:
        """The smallest grid of ``cell_size`` cells whose extent covers every point.

        Args:
            x: Eastings (metres).
            y: Northings (metres).
            cell_size: Cell side (metres); must be positive.

        Returns:
            The grid.

        Raises:
            ValueError: If ``cell_size`` is not positive or there are no points.
        """
        xa = np.asarray(x, dtype=np.float64)
        ya = np.asarray(y, dtype=np.float64)
        if not cell_size > 0 or xa.size == 0:
            raise ValueError("need points and a positive cell size")
        x0, y0 = float(xa.min()), float(ya.min())
        nx = int(math.floor((float(xa.max()) - x0) / cell_size)) + 1
        ny = int(math.floor((float(ya.max()) - y0) / cell_size)) + 1
        return cls(x0, y0, float(cell_size), nx, ny)

    @property
    def cells(self) -> int:
        """Number of cells."""
        return self.nx * self.ny

    def cell_of(self, x: npt.ArrayLike, y: npt.ArrayLike) -> _IntArray:
        """Cell index of each point, ``-1`` outside the grid."""
        col = np.floor((np.asarray(x, dtype=np.float64) - self.x0) / self.cell_size)
        row = np.floor((np.asarray(y, dtype=np.float64) - self.y0) / self.cell_size)
        inside = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        return np.where(inside, row * self.nx + col, -1).astype(np.int64)

    def centres(self) -> tuple[_FloatArray, _FloatArray]:
        """Centre ``(x, y)`` of every cell, in cell order."""
        cx = self.x0 + (np.arange(self.nx) + 0.5) * self.cell_size
        cy = self.y0 + (np.arange(self.ny) + 0.5) * self.cell_size
        gx, gy = np.meshgrid(cx, cy)
        return gx.ravel(), gy.ravel()


def count_surface(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    t: npt.ArrayLike,
    grid: Grid,
    start: float | np.datetime64 | str,
    end: float | np.datetime64 | str,
) -> _FloatArray:
    """Events per cell dated in ``[start, end)`` (points outside the grid are dropped).

    Args:
        x: Eastings (metres).
        y: Northings (metres).
        t: Dates (``datetime64``, ISO strings or days since 1970-01-01).
        grid: The grid.
        start: First instant counted.
        end: First instant not counted.

    Returns:
        Counts per cell, in cell order.
    """
    days = as_days(t)
    s, e = _day(start), _day(end)
    cell = grid.cell_of(x, y)
    keep = (days >= s) & (days < e) & (cell >= 0)
    return np.bincount(cell[keep], minlength=grid.cells).astype(np.float64)


def prospective_surface(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    t: npt.ArrayLike,
    grid: Grid,
    at: float | np.datetime64 | str,
    *,
    bandwidth: float = 400.0,
    window_days: float = 56.0,
    time_unit_days: float = 7.0,
) -> _FloatArray:
    """Prospective risk per grid cell at time ``at`` from the events before it.

    Every event dated in ``[at - window_days, at)`` adds
    ``1 / (1 + d) * 1 / (1 + w)`` to each cell whose centre lies within ``bandwidth``
    of it, where ``d`` is the distance in cell widths and ``w`` the event's age in
    whole time units (weeks by default).

    Args:
        x: Eastings (metres).
        y: Northings (metres).
        t: Dates (``datetime64``, ISO strings or days since 1970-01-01).
        grid: The grid to score.
        at: The forecast origin: only earlier events count.
        bandwidth: Reach of an event in metres (Bowers et al.: 400 m).
        window_days: How far back events count (Bowers et al.: two months).
        time_unit_days: The unit of age (Bowers et al.: a week).

    Returns:
        Risk per cell, in cell order (higher is riskier).

    Notes:
        Bowers, K. J., Johnson, S. D. & Pease, K. (2004). Prospective hot-spotting:
        the future of crime mapping? British Journal of Criminology 44(5), 641-658.
        They used 50 m cells, a 400 m bandwidth and two months of burglaries; cell
        size is the caller's choice here (the grid).
    """
    days = as_days(t)
    origin = _day(at)
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    age = origin - days
    keep = (age > 0) & (age <= window_days)
    risk = np.zeros(grid.cells, dtype=np.float64)
    if not keep.any():
        return risk
    cx, cy = grid.centres()
    cells = cKDTree(np.column_stack([cx, cy]))
    events = cKDTree(np.column_stack([xa[keep], ya[keep]]))
    near = events.sparse_distance_matrix(cells, bandwidth, output_type="ndarray")
    ev = near["i"].astype(np.int64)
    cell = near["j"].astype(np.int64)
    d = near["v"] / grid.cell_size
    w = np.floor(age[keep][ev] / time_unit_days)
    np.add.at(risk, cell, 1.0 / (1.0 + d) / (1.0 + w))
    return risk


def naive_forecast(counts: npt.ArrayLike) -> _FloatArray:
    """Last period's hotspots: the most recent period's count per unit.

    Args:
        counts: Counts per unit (rows) and period (columns, oldest first).

    Returns:
        The last column.
    """
    c = np.asarray(counts, dtype=np.float64)
    return np.asarray(c[:, -1], dtype=np.float64)


def ewma_forecast(counts: npt.ArrayLike, *, half_life: float = 3.0) -> _FloatArray:
    """Exponentially weighted mean of past periods, the most recent weighing most.

    Args:
        counts: Counts per unit (rows) and period (columns, oldest first).
        half_life: Periods after which a period's weight has halved.

    Returns:
        Forecast per unit for the next period.

    Raises:
        ValueError: If ``half_life`` is not positive or there are no periods.
    """
    c = np.asarray(counts, dtype=np.float64)
    if not half_life > 0 or c.ndim != 2 or c.shape[1] == 0:
        raise ValueError("need a 2-d array with periods and a positive half-life")
    ages = np.arange(c.shape[1] - 1, -1, -1, dtype=np.float64)
    w = 0.5 ** (ages / half_life)
    return np.asarray(c @ (w / w.sum()), dtype=np.float64)


@dataclass(frozen=True)
class HitRate:
    """Hit rate and PAI of the top-ranked units for one forecast and one period.

    Attributes:
        coverage: Share of units selected (e.g. 0.05 for the top 5%).
        selected: Number of units selected.
        area_share: Share of the study area selected (of land area when areas are
            known, else of units).
        events: Events in the period.
        hits: Events in the selected units (fractional when ties at the cut-off are
            shared out, see :func:`hit_rate_pai`).
        hit_rate: ``hits / events`` (NaN with no events).
        pai: ``hit_rate / area_share``.
    """

    coverage: float
    selected: int
    area_share: float
    events: int
    hits: float
    hit_rate: float
    pai: float

    def to_dict(self) -> dict[str, Any]:
        """The figures as a plain dict."""
        return {
            "coverage": self.coverage,
            "selected": self.selected,
            "area_share": self.area_share,
            "events": self.events,
            "hits": self.hits,
            "hit_rate": self.hit_rate,
            "pai": self.pai,
        }


def hit_rate_pai(
    scores: npt.ArrayLike,
    actual: npt.ArrayLike,
    coverage: float,
    *,
    areas: npt.ArrayLike | None = None,
) -> HitRate:
    """Hit rate and Predictive Accuracy Index of the top ``coverage`` share of units.

    The ``k = round(coverage * n)`` (at least 1) highest-scoring units are selected.
    Units tied at the cut-off score share the remaining places evenly: each counts
    with weight ``places / tied`` towards hits and area, which is the expected result
    of breaking the tie at random and treats a forecast of many equal scores (a naive
    forecast full of zeros) fairly.

    Args:
        scores: Forecast per unit (higher means riskier).
        actual: Events per unit in the evaluated period.
        coverage: Share of units to select, in ``(0, 1]``.
        areas: Land area per unit; default equal areas (grid cells).

    Returns:
        The figures.

    Raises:
        ValueError: On mismatched lengths or a coverage outside ``(0, 1]``.

    Notes:
        Hit rate is the share of the period's events in the selected units; PAI
        (Chainey, Tompson & Uhlig 2008) divides it by the share of the area selected,
        so 1 means no better than chance. Chainey, S., Tompson, L. & Uhlig, S. (2008).
        The utility of hotspot mapping for predicting spatial patterns of crime.
        Security Journal 21(1-2), 4-28. Bowers, K. J., Johnson, S. D. & Pease, K.
        (2004). Prospective hot-spotting. British Journal of Criminology 44(5),
        641-658.
    """
    s = np.asarray(scores, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    n = s.size
    ar = np.ones(n) if areas is None else np.asarray(areas, dtype=np.float64)
    if a.shape != s.shape or ar.shape != s.shape or n == 0:
        raise ValueError("scores, actual and areas must have the same non-zero length")
    if not 0 < coverage <= 1:
        raise ValueError("coverage must be in (0, 1]")
    k = max(1, math.floor(coverage * n + 0.5))
    cut = float(np.sort(s)[::-1][k - 1])
    above = s > cut
    tied = s == cut
    share = (k - int(above.sum())) / int(tied.sum())
    hits = float(a[above].sum() + share * a[tied].sum())
    area = float(ar[above].sum() + share * ar[tied].sum())
    area_share = area / float(ar.sum())
    events = int(round(float(a.sum())))
    hit_rate = hits / events if events else math.nan
    return HitRate(
        coverage=coverage,
        selected=k,
        area_share=area_share,
        events=events,
        hits=hits,
        hit_rate=hit_rate,
        pai=hit_rate / area_share if area_share > 0 else math.nan,
    )


@dataclass(frozen=True)
class ForecastEvaluation:
    """A rolling-origin evaluation: figures per held-out period, method and coverage.

    Attributes:
        dataset: What was evaluated (free text).
        units: Number of cells or areas.
        methods: The methods compared, forecast first and baseline last.
        periods: Label of each held-out period.
        results: ``(period, method, HitRate)`` for every combination.
    """

    dataset: str
    units: int
    methods: tuple[str, ...]
    periods: tuple[str, ...]
    results: tuple[tuple[str, str, HitRate], ...]

    def summary(self) -> dict[str, dict[float, dict[str, float]]]:
        """Per method and coverage: pooled hit rate (all hits / all events), mean PAI.

        Returns:
            ``{method: {coverage: {"hit_rate", "pai", "mean_pai", "events"}}}`` where
            ``pai`` is the pooled hit rate over the mean area share.
        """
        out: dict[str, dict[float, dict[str, float]]] = {}
        for method in self.methods:
            by_cov: dict[float, list[HitRate]] = {}
            for _, m, h in self.results:
                if m == method:
                    by_cov.setdefault(h.coverage, []).append(h)
            out[method] = {}
            for cov, hs in sorted(by_cov.items()):
                events = sum(h.events for h in hs)
                hr = sum(h.hits for h in hs) / events if events else math.nan
                share = sum(h.area_share for h in hs) / len(hs)
                out[method][cov] = {
                    "hit_rate": hr,
                    "pai": hr / share if share else math.nan,
                    "mean_pai": float(np.nanmean([h.pai for h in hs])),
                    "events": float(events),
                }
        return out

    def to_rows(self) -> list[dict[str, Any]]:
        """One row per period, method and coverage."""
        return [{"period": p, "method": m, **h.to_dict()} for p, m, h in self.results]

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain lists, dicts and numbers."""
        return {
            "dataset": self.dataset,
            "units": self.units,
            "methods": list(self.methods),
            "periods": list(self.periods),
            "results": self.to_rows(),
            "summary": {
                m: {str(c): v for c, v in cov.items()}
                for m, cov in self.summary().items()
            },
        }


def evaluate_grid_forecast(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    t: npt.ArrayLike,
    origins: Sequence[float | np.datetime64 | str],
    *,
    period_days: float = 7.0,
    cell_size: float = 150.0,
    bandwidth: float = 400.0,
    window_days: float = 56.0,
    coverages: Sequence[float] = (0.05, 0.10),
    grid: Grid | None = None,
    dataset: str = "points",
) -> ForecastEvaluation:
    """Rolling-origin evaluation of prospective mapping against last period's hotspots.

    For each origin, the prospective surface from events before it and the naive
    forecast (counts per cell in the ``period_days`` before it) are scored on the
    events in ``[origin, origin + period_days)``.

    Args:
        x: Eastings (metres).
        y: Northings (metres).
        t: Dates (``datetime64``, ISO strings or days since 1970-01-01).
        origins: Start of each held-out period.
        period_days: Length of the held-out (and the naive baseline's) period.
        cell_size: Cell side in metres when no grid is given.
        bandwidth: Prospective mapping's reach in metres.
        window_days: Prospective mapping's look-back in days.
        coverages: Shares of cells to select.
        grid: The study area's grid; default the grid covering every point.
        dataset: Label for the result.

    Returns:
        Figures per origin for ``"prospective"`` and ``"naive"``.
    """
    g = grid or Grid.covering(x, y, cell_size)
    results: list[tuple[str, str, HitRate]] = []
    labels: list[str] = []
    for origin in origins:
        o = _day(origin)
        label = str(np.datetime64(int(round(o * 86400)), "s").astype("datetime64[D]"))
        labels.append(label)
        actual = count_surface(x, y, t, g, o, o + period_days)
        forecasts = {
            "prospective": prospective_surface(
                x, y, t, g, o, bandwidth=bandwidth, window_days=window_days
            ),
            "naive": count_surface(x, y, t, g, o - period_days, o),
        }
        for method, scores in forecasts.items():
            for cov in coverages:
                results.append((label, method, hit_rate_pai(scores, actual, cov)))
    return ForecastEvaluation(
        dataset=dataset,
        units=g.cells,
        methods=("prospective", "naive"),
        periods=tuple(labels),
        results=tuple(results),
    )


@dataclass(frozen=True)
class AreaCounts:
    """Counts per area and period, with each area's land area.

    Attributes:
        codes: Area codes (e.g. LSOA 2021 codes).
        names: Area names.
        periods: Period labels, oldest first.
        counts: ``counts[area][period]``.
        area_m2: Land area of each area in square metres.
    """

    codes: tuple[str, ...]
    names: tuple[str, ...]
    periods: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    area_m2: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain lists."""
        return {
            "codes": list(self.codes),
            "names": list(self.names),
            "periods": list(self.periods),
            "counts": [list(c) for c in self.counts],
            "area_m2": list(self.area_m2),
        }


def lsoa_monthly_counts(
    path: Path | str, *, name_prefix: str = "Leeds", first_month: str | None = None
) -> AreaCounts:
    """Monthly counts per LSOA from a GeoJSON with ``monthly_counts`` per feature.

    Args:
        path: The GeoJSON (features with ``lsoa21cd``, ``lsoa21nm``, ``monthly_counts``
            and a WGS84 polygon).
        name_prefix: Keep LSOAs whose name starts with this (``""`` keeps all).
        first_month: ``YYYY-MM`` of the first count, for labels; default month
            numbers ``m1, m2, ...``.

    Returns:
        Counts and land areas (from the polygons, projected locally), in file order.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    codes: list[str] = []
    names: list[str] = []
    counts: list[tuple[int, ...]] = []
    areas: list[float] = []
    for f in data["features"]:
        p = f["properties"]
        if not str(p["lsoa21nm"]).startswith(name_prefix):
            continue
        geom = shape(f["geometry"])
        lat0 = math.radians(geom.centroid.y)
        per_lon = 111412.84 * math.cos(lat0) - 93.5 * math.cos(3 * lat0)
        per_lat = 111132.92 - 559.82 * math.cos(2 * lat0)
        metric = shapely.transform(geom, lambda c, a=per_lon, b=per_lat: c * [a, b])
        codes.append(str(p["lsoa21cd"]))
        names.append(str(p["lsoa21nm"]))
        counts.append(tuple(int(v) for v in p["monthly_counts"]))
        areas.append(float(metric.area))
    months = len(counts[0]) if counts else 0
    if first_month:
        start = np.datetime64(first_month, "M")
        labels = tuple(str(start + k) for k in range(months))
    else:
        labels = tuple(f"m{k + 1}" for k in range(months))
    return AreaCounts(tuple(codes), tuple(names), labels, tuple(counts), tuple(areas))


def evaluate_area_forecast(
    counts: npt.ArrayLike,
    *,
    holdout: int = 3,
    half_life: float = 3.0,
    coverages: Sequence[float] = (0.05, 0.10),
    areas: npt.ArrayLike | None = None,
    periods: Sequence[str] | None = None,
    dataset: str = "areas",
) -> ForecastEvaluation:
    """Rolling-origin evaluation of the EWMA area forecast against last period's counts.

    Each of the last ``holdout`` periods is forecast from every period before it.

    Args:
        counts: ``counts[area][period]``, oldest period first.
        holdout: How many final periods to hold out, one at a time.
        half_life: The EWMA's half-life in periods.
        coverages: Shares of areas to select.
        areas: Land area per area for the PAI's area share; default equal shares.
        periods: Period labels; default ``m1, m2, ...``.
        dataset: Label for the result.

    Returns:
        Figures per held-out period for ``"ewma"`` and ``"naive"``.

    Raises:
        ValueError: If fewer than ``holdout + 1`` periods are given.
    """
    c = np.asarray(counts, dtype=np.float64)
    if c.ndim != 2 or holdout < 1 or c.shape[1] < holdout + 1:
        raise ValueError("need a 2-d array with more periods than held out")
    labels = list(periods) if periods else [f"m{k + 1}" for k in range(c.shape[1])]
    results: list[tuple[str, str, HitRate]] = []
    for m in range(c.shape[1] - holdout, c.shape[1]):
        past, actual = c[:, :m], c[:, m]
        forecasts = {
            "ewma": ewma_forecast(past, half_life=half_life),
            "naive": naive_forecast(past),
        }
        for method, scores in forecasts.items():
            for cov in coverages:
                results.append(
                    (labels[m], method, hit_rate_pai(scores, actual, cov, areas=areas))
                )
    return ForecastEvaluation(
        dataset=dataset,
        units=c.shape[0],
        methods=("ewma", "naive"),
        periods=tuple(labels[c.shape[1] - holdout :]),
        results=tuple(results),
    )
