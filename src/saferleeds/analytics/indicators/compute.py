"""Compute the key indicators for any period and area, with honest comparisons.

One code path: the SQL below is written once (DuckDB dialect) and run by an
:class:`~saferleeds.analytics.indicators.engine.Engine`, DuckDB by default or Spark.
Each query returns monthly aggregates (counts, exact decimal harm sums, survey weight
sums) per area; everything after that, periods, rates, tests and charts, is the same
Python for every engine.

A month counts as "held" for an indicator only if its source covers it: a police.uk
month imported, a partner extract covering the whole month, or survey fieldwork that
month. A period with a month not held has no value (``None`` and a note), never a
misleading zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal
from functools import partial
from itertools import repeat
from typing import Any, ClassVar, NamedTuple

import duckdb
import numpy as np

from saferleeds.analytics.areas import UnknownArea
from saferleeds.analytics.indicators.engine import DuckDBEngine, Engine, as_engine, lit
from saferleeds.analytics.indicators.harm import HarmWeights, default_harm_weights
from saferleeds.analytics.indicators.periods import (
    Period,
    add_months,
    months_between,
    period_between,
)
from saferleeds.analytics.indicators.registry import (
    INDICATORS,
    NONE,
    PARTNER,
    POLICE,
    SURVEY,
    Indicator,
    get_indicator,
)
from saferleeds.analytics.indicators.stats import (
    MIN_SURVEY_BASE,
    ControlChart,
    Proportion,
    c_chart,
    compare_counts,
    compare_proportions,
    weighted_proportion,
    xmr_chart,
)
from saferleeds.analytics.store import Store, police_rollup_current

PREVIOUS_PERIOD = "previous-period"
PREVIOUS_YEAR = "previous-year"
COMPARISONS = (PREVIOUS_PERIOD, PREVIOUS_YEAR)
LEVELS = ("msoa", "ward", "lsoa")

Source = Store | duckdb.DuckDBPyConnection | Engine

_LSOA = re.compile(r"^[EW]01\d{6}$")
_MSOA = re.compile(r"^[EW]02\d{6}$")
_WARD = re.compile(r"^[EW]05\d{6}$")


# --- areas -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """An area resolved against the store's geography.

    Attributes:
        code: District, MSOA, ward or LSOA code, or the neighbourhood's or police
            force area's name.
        name: Its name.
        level: ``"district"``, ``"msoa"``, ``"ward"``, ``"lsoa"``,
            ``"neighbourhood"`` or ``"force"``.
        area_sql: Predicate over ``area_lsoa`` (alias ``a``) selecting its LSOAs.
        survey_sql: Predicate over ``survey_response`` (alias ``s``) selecting answers
            placed in it.
    """

    code: str
    name: str
    level: str
    area_sql: str
    survey_sql: str


def resolve_area(source: Source, area: str | None = None) -> Area:
    """Resolve an area code, ward name or neighbourhood name (``None``: the district).

    A ward is given by its ONS code (``E05...``) or its name (any letter case), and is
    the LSOAs the partnership's best-fit ward lookup puts in it. In a store with a
    national geography, a police force area is given by its police.uk name (any case).

    Raises:
        UnknownArea: If the geography does not hold the area, or none is loaded.
    """
    engine = as_engine(source)
    districts = engine.fetch(
        "SELECT district_code, min(district_name) FROM area_lsoa GROUP BY district_code"
    )
    if not districts:
        raise UnknownArea(
            "no geography loaded: run `saferleeds import police` or `saferleeds demo load`"
        )
    if area is None or area in {d for d, _ in districts}:
        code, name = (
            next((d for d in districts if d[0] == area), districts[0])
            if area
            else districts[0]
        )
        return Area(
            code,
            name,
            "district",
            f"a.district_code = {lit(code)}",
            f"s.district_code = {lit(code)}",
        )
    if _MSOA.match(area):
        rows = engine.fetch(
            f"SELECT min(msoa_name) FROM area_lsoa WHERE msoa_code = {lit(area)}"
        )
        if rows and rows[0][0]:
            return Area(
                area,
                rows[0][0],
                "msoa",
                f"a.msoa_code = {lit(area)}",
                f"s.msoa_code = {lit(area)}",
            )
    if _LSOA.match(area):
        rows = engine.fetch(
            f"SELECT min(lsoa_name) FROM area_lsoa WHERE lsoa_code = {lit(area)}"
        )
        if rows and rows[0][0]:
            return Area(
                area,
                rows[0][0],
                "lsoa",
                f"a.lsoa_code = {lit(area)}",
                f"s.lsoa_code = {lit(area)}",
            )
    ward = _resolve_ward(engine, area)
    if ward is not None:
        return ward
    force = _resolve_force(engine, area)
    if force is not None:
        return force
    codes = [
        r[0]
        for r in engine.fetch(
            f"SELECT lsoa_code FROM area_neighbourhood WHERE name = {lit(area)} "
            "ORDER BY lsoa_code"
        )
    ]
    if codes:
        in_list = ", ".join(lit(c) for c in codes)
        return Area(
            area,
            area,
            "neighbourhood",
            f"a.lsoa_code IN ({in_list})",
            f"s.lsoa_code IN ({in_list})",
        )
    raise UnknownArea(
        f"unknown area {area!r}: give the district code, an MSOA, ward or LSOA code in "
        "the partnership, a ward's name, or a priority neighbourhood's name"
    )


def _resolve_ward(engine: Engine, area: str) -> Area | None:
    """The ward with this code or name (any case), or ``None``.

    The survey has no ward column, so its answers are placed by their LSOA.
    """
    if _WARD.match(area):
        where = f"ward_code = {lit(area)}"
    else:
        where = f"lower(ward_name) = {lit(area.strip().lower())}"
    rows = engine.fetch(
        f"SELECT ward_code, ward_name, lsoa_code FROM area_lsoa WHERE {where} "
        "ORDER BY lsoa_code"
    )
    if not rows:
        return None
    code, name = rows[0][0], rows[0][1]
    in_list = ", ".join(lit(r[2]) for r in rows)
    return Area(
        code,
        name,
        "ward",
        f"a.ward_code = {lit(code)}",
        f"s.lsoa_code IN ({in_list})",
    )


def _resolve_force(engine: Engine, area: str) -> Area | None:
    """The police force area of this name (any case), or ``None``.

    Only a national geography names forces (see
    :func:`saferleeds.analytics.geography.load_national_geography`).
    """
    rows = engine.fetch(
        "SELECT DISTINCT force_name FROM area_lsoa "
        f"WHERE lower(force_name) = {lit(area.strip().lower())}"
    )
    if not rows:
        return None
    name = str(rows[0][0])
    return Area(
        name,
        name,
        "force",
        f"a.force_name = {lit(name)}",
        "s.lsoa_code IN (SELECT f.lsoa_code FROM area_lsoa f "
        f"WHERE f.force_name = {lit(name)})",
    )


@dataclass(frozen=True)
class _Group:
    key: str
    name: str
    population: int | None


def _groups(engine: Engine, area: Area, by: str | None) -> list[_Group]:
    if by is None:
        rows = engine.fetch(
            f"SELECT sum(a.population) FROM area_lsoa a WHERE {area.area_sql}"
        )
        pop = rows[0][0] if rows else None
        return [_Group(area.code, area.name, int(pop) if pop is not None else None)]
    col = {"msoa": "msoa", "ward": "ward", "lsoa": "lsoa"}[by]
    rows = engine.fetch(
        f"SELECT a.{col}_code, min(a.{col}_name), sum(a.population) FROM area_lsoa a "
        f"WHERE {area.area_sql} GROUP BY a.{col}_code ORDER BY a.{col}_code"
    )
    return [_Group(k, n, int(p) if p is not None else None) for k, n, p in rows]


# --- monthly aggregates ----------------------------------------------------------------


@dataclass
class _Monthly:
    """Monthly aggregates per area key, fetched once, read by all indicators."""

    counts: dict[tuple[str, date], dict[str, int]] = field(default_factory=dict)
    harm: dict[tuple[str, date], dict[str, Decimal]] = field(default_factory=dict)
    survey: dict[tuple[str, date, str], tuple[int, Decimal, Decimal, Decimal]] = field(
        default_factory=dict
    )
    held: dict[str, set[date]] = field(default_factory=dict)


# police.uk categories by West Yorkshire's 2017/18 volume (Home Office PRC tables), so
# the harm CASE meets the commonest categories first.
_VOLUME_ORDER = (
    "Violence and sexual offences",
    "Criminal damage and arson",
    "Burglary",
    "Other theft",
    "Vehicle crime",
    "Public order",
    "Shoplifting",
    "Other crime",
    "Drugs",
    "Theft from the person",
    "Robbery",
    "Bicycle theft",
    "Possession of weapons",
)


def _harm_case(weights: HarmWeights) -> str:
    order = {t: i for i, t in enumerate(_VOLUME_ORDER)}
    whens = " ".join(
        f"WHEN {lit(t)} THEN {lit(w)}"
        for t, w in sorted(
            weights.weights.items(), key=lambda tw: (order.get(tw[0], 99), tw[0])
        )
    )
    return f"CASE crime_type {whens} ELSE {lit(Decimal('0.0000'))} END"


def count_query(
    table: str,
    inds: Sequence[Indicator],
    key_col: str | None,
    area_sql: str,
    start: date,
    end: date,
    weights: HarmWeights | None,
    area_code: str = "",
    count_col: str | None = None,
) -> str:
    """The monthly count query for indicators over one source table (DuckDB SQL).

    One row per (area key, month): ``area_key``, ``month``, then ``c<i>`` = records
    matching indicator ``i``'s predicate and, for harm indicators when weights are
    available, ``h<i>`` = the exact decimal sum of their weights.

    Args:
        table: ``police_street`` or ``partner_incident`` (needs ``month``,
            ``lsoa_code`` and the columns the predicates use).
        inds: The indicators (all over ``table``).
        key_col: ``"msoa_code"``, ``"ward_code"`` or ``"lsoa_code"`` of ``area_lsoa``
            to group by, or
            ``None`` for the area as a whole (keyed ``area_code``).
        area_sql: Predicate over ``area_lsoa`` (alias ``a``) selecting the area.
        start: First month.
        end: Last month.
        weights: Harm weights, or ``None`` for no harm columns.
        area_code: The key of the single area when ``key_col`` is ``None``.
        count_col: For a pre-aggregated table (``police_month_rollup``), the column
            holding each row's count; ``None`` when every row is one record.

    Notes:
        Sub-areas are grouped by a small integer (their rank) rather than by their
        code: hashing an integer per row is several times cheaper than a string, and
        the codes are joined back onto the few thousand aggregated rows.
    """
    cols = _count_columns(inds, weights, count_col, dense=False)
    names = [c.rsplit(" AS ", 1)[1] for c in cols]
    gid = f"dense_rank() OVER (ORDER BY a.{key_col})" if key_col else "1"
    key = f"a.{key_col}" if key_col else lit(area_code)
    return (
        f"WITH areas AS (SELECT a.lsoa_code AS lsoa_code, {key} AS area_key, "
        f"{gid} AS gid FROM area_lsoa a WHERE {area_sql}), "
        f"agg AS (SELECT ar.gid AS gid, t.month AS month, {', '.join(cols)} "
        f"FROM {table} t JOIN areas ar ON ar.lsoa_code = t.lsoa_code "
        f"WHERE t.month >= {lit(start)} AND t.month <= {lit(end)} "
        f"GROUP BY t.month, ar.gid) "
        f"SELECT k.area_key, agg.month, {', '.join('agg.' + n for n in names)} "
        f"FROM agg JOIN (SELECT DISTINCT gid, area_key FROM areas) k ON k.gid = agg.gid"
    )


def _count_columns(
    inds: Sequence[Indicator],
    weights: HarmWeights | None,
    count_col: str | None,
    *,
    dense: bool,
) -> list[str]:
    """The ``c<i>`` count and ``h<i>`` harm-sum columns of the count queries.

    ``dense`` (for :func:`grid_count_query`): counts typed ``BIGINT`` and harm sums
    zero rather than NULL when nothing matched, so every row fills an array cell.
    """
    if count_col is None:
        cols = [
            f"count(*) FILTER (WHERE {ind.where}) AS c{i}" for i, ind in enumerate(inds)
        ]
    else:
        total = "coalesce(sum(t.{c}) FILTER (WHERE {w}), 0)"
        cols = [
            (f"CAST({total} AS BIGINT)" if dense else total).format(
                c=count_col, w=ind.where
            )
            + f" AS c{i}"
            for i, ind in enumerate(inds)
        ]
    if weights is not None and weights.available:
        case = _harm_case(weights)
        if count_col is not None:
            case = f"t.{count_col} * {case}"
        harm = (
            "coalesce(sum({k}) FILTER (WHERE {w}), 0)"
            if dense
            else "sum({k}) FILTER (WHERE {w})"
        )
        cols += [
            harm.format(k=case, w=ind.where) + f" AS h{i}"
            for i, ind in enumerate(inds)
            if ind.harm
        ]
    return cols


def grid_count_query(
    table: str,
    inds: Sequence[Indicator],
    key_col: str | None,
    area_sql: str,
    start: date,
    end: date,
    weights: HarmWeights | None,
    count_col: str | None = None,
) -> str:
    """The monthly count query of :func:`count_query`, keyed for a dense grid.

    One row per (sub-area, month) with any record: ``g``, the sub-area's 0-based
    position in code order (as :func:`_groups` lists them; ``0`` for the area as a
    whole), ``m``, the month's 0-based offset from ``start``, then ``c<i>`` (counts,
    ``BIGINT``) and ``h<i>`` (harm sums, zero when nothing matched) as in
    :func:`count_query`. Small integers instead of codes and dates let the caller
    place every row in an array without a Python object per cell.
    """
    cols = _count_columns(inds, weights, count_col, dense=True)
    gid = f"dense_rank() OVER (ORDER BY a.{key_col}) - 1" if key_col else "0"
    return (
        f"WITH areas AS (SELECT a.lsoa_code AS lsoa_code, {gid} AS gid "
        f"FROM area_lsoa a WHERE {area_sql}) "
        f"SELECT ar.gid AS g, "
        f"(year(t.month) - {start.year}) * 12 + month(t.month) - {start.month} AS m, "
        f"{', '.join(cols)} "
        f"FROM {table} t JOIN areas ar ON ar.lsoa_code = t.lsoa_code "
        f"WHERE t.month >= {lit(start)} AND t.month <= {lit(end)} "
        f"GROUP BY t.month, ar.gid"
    )


def survey_query(
    questions: Sequence[str],
    key_expr: str,
    survey_sql: str,
    start: date,
    end: date,
    grouped: bool,
) -> str:
    """The monthly survey query: valid answers and weight sums per area and question."""
    valid = "s.positive IS NOT NULL"
    group = "s.month, s.question" + (f", {key_expr}" if grouped else "")
    not_null = f" AND {key_expr} IS NOT NULL" if grouped else ""
    return (
        f"SELECT {key_expr} AS area_key, s.month AS month, s.question AS question, "
        f"count(*) FILTER (WHERE {valid}) AS n, "
        f"sum(s.weight) FILTER (WHERE {valid}) AS sw, "
        f"sum(s.weight) FILTER (WHERE s.positive) AS swp, "
        f"sum(s.weight * s.weight) FILTER (WHERE {valid}) AS sw2 "
        f"FROM survey_response s "
        f"WHERE s.month >= {lit(start)} AND s.month <= {lit(end)} "
        f"AND s.question IN ({', '.join(lit(q) for q in questions)}) "
        f"AND ({survey_sql}){not_null} GROUP BY {group}"
    )


def _rollup_current(engine: Engine) -> bool:
    """Whether the engine's store has a rollup that counts every police.uk record."""
    if not isinstance(engine, DuckDBEngine) or not engine.has_table(
        "police_month_rollup"
    ):
        return False
    return police_rollup_current(engine.con)


def _count_source(
    engine: Engine,
    source: str,
    table: str,
    sel: Sequence[Indicator],
    start: date,
    end: date,
) -> tuple[str, str | None, dict[str, set[date]]] | None:
    """Where one source's counts come from, and the months each indicator holds.

    Returns:
        ``(table, count_col, held)``: the table to count (the police rollup when it is
        current), its count column (``None``: one row per record), and the held
        months per indicator id; ``None`` when the source's table is missing (no
        month held).
    """
    if not engine.has_table(table):
        return None
    count_col = None
    held_by: dict[str, set[date]] = {}
    if source == POLICE:
        if _rollup_current(engine):
            table, count_col = "police_month_rollup", "n"
        held = {
            r[0]
            for r in engine.fetch(
                f"SELECT DISTINCT month FROM {table} WHERE month >= {lit(start)} "
                f"AND month <= {lit(end)}"
            )
        }
        for ind in sel:
            held_by[ind.id] = set(held)
    elif engine.has_table("partner_extract_load"):
        by_source: dict[str, set[date]] = {}
        for src, lo, hi in engine.fetch(
            "SELECT source, period_start, period_end FROM partner_extract_load"
        ):
            months = by_source.setdefault(src, set())
            for i in range(months_between(lo, hi)):
                m = add_months(lo, i)
                if start <= m <= end:
                    months.add(m)
        for ind in sel:
            common: set[date] | None = None
            for src in ind.extracts:
                got = by_source.get(src, set())
                common = got if common is None else common & got
            held_by[ind.id] = common or set()
    return table, count_col, held_by


def _fetch(
    engine: Engine,
    inds: Sequence[Indicator],
    area: Area,
    by: str | None,
    start: date,
    end: date,
    weights: HarmWeights | None,
) -> _Monthly:
    data = _Monthly()
    grouped = by is not None
    for source, table in ((POLICE, "police_street"), (PARTNER, "partner_incident")):
        sel = [i for i in inds if i.source == source and i.is_count]
        if not sel:
            continue
        for ind in sel:
            data.held[ind.id] = set()
        plan = _count_source(engine, source, table, sel, start, end)
        if plan is None:
            continue
        table, count_col, held_by = plan
        data.held.update(held_by)
        weights_here = weights if source == POLICE else None
        sql = count_query(
            table,
            sel,
            f"{by}_code" if grouped else None,
            area.area_sql,
            start,
            end,
            weights_here,
            area.code,
            count_col,
        )
        harm_ids = [
            ind.id
            for ind in sel
            if ind.harm and weights_here is not None and weights_here.available
        ]
        for row in engine.fetch(sql):
            k = (row[0], row[1])
            counts = data.counts.setdefault(k, {})
            for i, ind in enumerate(sel):
                counts[ind.id] = int(row[2 + i])
            if harm_ids:
                harms = data.harm.setdefault(k, {})
                for j, ind_id in enumerate(harm_ids):
                    v = row[2 + len(sel) + j]
                    harms[ind_id] = Decimal(v) if v is not None else Decimal(0)
    sv = [i for i in inds if i.source == SURVEY and i.question]
    if sv:
        for ind in sv:
            data.held[ind.id] = set()
        if engine.has_table("survey_response"):
            questions = [str(i.question) for i in sv]
            for q, m in engine.fetch(
                f"SELECT DISTINCT question, month FROM survey_response "
                f"WHERE month >= {lit(start)} AND month <= {lit(end)}"
            ):
                for ind in sv:
                    if ind.question == q:
                        data.held[ind.id].add(m)
            key_expr = f"s.{by}_code" if grouped else lit(area.code)
            if by == "ward":  # the survey holds no ward: place answers by their LSOA
                key_expr = (
                    "(SELECT w.ward_code FROM area_lsoa w "
                    "WHERE w.lsoa_code = s.lsoa_code)"
                )
            for key, m, q, n, sw, swp, sw2 in engine.fetch(
                survey_query(questions, key_expr, area.survey_sql, start, end, grouped)
            ):
                data.survey[(key, m, q)] = (
                    int(n),
                    Decimal(sw or 0),
                    Decimal(swp or 0),
                    Decimal(sw2 or 0),
                )
    return data


# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator for one area and period, with its comparison.

    ``value`` is a count (``int``) or a percentage (0-100); ``None`` means no data
    (``note`` says why). Fields not applicable to the indicator are ``None``.
    """

    id: str
    label: str
    unit: str
    higher_is_better: bool
    source: str
    area: str
    area_name: str
    period: str
    period_start: date
    period_end: date
    value: float | int | None
    rate_per_1000: float | None = None
    harm: float | None = None
    population: int | None = None
    comparison: str | None = None
    comparison_period: str | None = None
    comparison_value: float | int | None = None
    comparison_rate_per_1000: float | None = None
    comparison_harm: float | None = None
    change: float | int | None = None
    change_pct: float | None = None
    p_value: float | None = None
    significant: bool | None = None
    verdict: str | None = None
    z_sqrt: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    comparison_ci_low: float | None = None
    comparison_ci_high: float | None = None
    respondents: int | None = None
    effective_n: float | None = None
    rank: int | None = None
    note: str | None = None
    harm_note: str | None = None

    # The keys every consumer can rely on, in this order, then the rest.
    CORE_KEYS: ClassVar[tuple[str, ...]] = (
        "id",
        "label",
        "area",
        "period",
        "value",
        "rate_per_1000",
        "comparison_value",
        "change_pct",
        "p_value",
        "significant",
        "harm",
    )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the core keys first, dates as ``YYYY-MM``."""
        raw = {f.name: getattr(self, f.name) for f in fields(self)}
        raw["period_start"] = f"{self.period_start:%Y-%m}"
        raw["period_end"] = f"{self.period_end:%Y-%m}"
        return {
            **{k: raw[k] for k in self.CORE_KEYS},
            **{k: v for k, v in raw.items() if k not in self.CORE_KEYS},
        }


def _comparison_of(period: Period, compare: str | None) -> Period | None:
    if compare is None:
        return None
    c = compare.replace("_", "-")
    if c == PREVIOUS_PERIOD:
        return period.previous()
    if c == PREVIOUS_YEAR:
        return period.year_earlier()
    raise ValueError(f"unknown comparison {compare!r}: use {' or '.join(COMPARISONS)}")


def _missing_note(missing: list[date], period: Period, what: str) -> str:
    first = f"{missing[0]:%Y-%m}"
    if len(missing) == period.n_months:
        return f"no {what} data held for {period.label}"
    return (
        f"{what} data held for only {period.n_months - len(missing)} of "
        f"{period.n_months} months of {period.label} (first missing: {first})"
    )


def _count_for(
    ind: Indicator, key: str, period: Period, data: _Monthly, with_harm: bool
) -> tuple[int | None, Decimal | None, str | None]:
    held = data.held.get(ind.id, set())
    missing = [m for m in period.months if m not in held]
    if missing:
        what = "police.uk" if ind.source == POLICE else "partner extract"
        return None, None, _missing_note(missing, period, what)
    total = 0
    harm = Decimal(0)
    for m in period.months:
        total += data.counts.get((key, m), {}).get(ind.id, 0)
        harm += data.harm.get((key, m), {}).get(ind.id, Decimal(0))
    return total, (harm if with_harm else None), None


def _survey_for(
    ind: Indicator, key: str, period: Period, data: _Monthly
) -> tuple[Proportion | None, str | None]:
    held = [m for m in period.months if m in data.held.get(ind.id, set())]
    if not held:
        return None, f"no survey fieldwork in {period.label}"
    n = 0
    sw = swp = sw2 = Decimal(0)
    for m in held:
        got = data.survey.get((key, m, str(ind.question)))
        if got:
            n += got[0]
            sw += got[1]
            swp += got[2]
            sw2 += got[3]
    prop = weighted_proportion(float(sw), float(swp), float(sw2), n)
    if prop is None:
        return None, f"no survey respondents in this area in {period.label}"
    return prop, None


def _rate(value: int | None, population: int | None) -> float | None:
    if value is None or not population:
        return None
    return 1000.0 * value / population


def _join(*notes: str | None) -> str | None:
    parts = [n for n in notes if n]
    return "; ".join(parts) if parts else None


def _result(
    ind: Indicator,
    group: _Group,
    period: Period,
    comparison: Period | None,
    compare: str | None,
    data: _Monthly,
    weights: HarmWeights,
    alpha: float,
) -> IndicatorResult:
    base: dict[str, Any] = {
        "id": ind.id,
        "label": ind.label,
        "unit": ind.unit,
        "higher_is_better": ind.higher_is_better,
        "source": ind.source,
        "area": group.key,
        "area_name": group.name,
        "period": period.label,
        "period_start": period.start,
        "period_end": period.end,
        "comparison": compare if comparison else None,
        "comparison_period": comparison.label if comparison else None,
    }
    if ind.source == NONE:
        return IndicatorResult(value=None, note=ind.note, **base)
    if ind.source == SURVEY:
        prop, note = _survey_for(ind, group.key, period, data)
        out: dict[str, Any] = {"value": None, "note": _join(note, ind.note)}
        if prop is not None:
            out.update(
                note=_join(
                    out["note"],
                    f"base of {prop.respondents} respondents: treat with caution"
                    if prop.respondents < MIN_SURVEY_BASE
                    else None,
                ),
                value=100 * prop.estimate,
                ci_low=100 * prop.low,
                ci_high=100 * prop.high,
                respondents=prop.respondents,
                effective_n=prop.effective_n,
            )
        if comparison is not None:
            cprop, cnote = _survey_for(ind, group.key, comparison, data)
            if cprop is not None:
                out.update(
                    comparison_value=100 * cprop.estimate,
                    comparison_ci_low=100 * cprop.low,
                    comparison_ci_high=100 * cprop.high,
                )
            small = [
                x.respondents
                for x in (prop, cprop)
                if x is not None and x.respondents < MIN_SURVEY_BASE
            ]
            if prop is not None and cprop is not None and small:
                out.update(
                    change=100 * (prop.estimate - cprop.estimate),
                    verdict=f"not tested: fewer than {MIN_SURVEY_BASE} respondents",
                )
            elif prop is not None and cprop is not None:
                diff, p = compare_proportions(prop, cprop)
                sig = p is not None and p < alpha
                out.update(
                    change=100 * diff,
                    p_value=p,
                    significant=sig,
                    verdict=(
                        "no significant change"
                        if not sig
                        else "significant rise"
                        if diff > 0
                        else "significant fall"
                    ),
                )
            else:
                out.update(
                    verdict="no comparison data",
                    note=_join(out["note"], cnote and f"comparison: {cnote}"),
                )
        return IndicatorResult(**base, **out)
    # counts
    with_harm = ind.harm and weights.available
    value, harm, note = _count_for(ind, group.key, period, data, with_harm)
    harm_note = None
    if ind.harm and not weights.available:
        harm_note = weights.note or "harm weights not available"
    elif ind.harm and weights.status != "derived":
        harm_note = weights.note
    elif ind.harm:
        harm_note = (
            "approximate: police.uk categories are coarser than the offence codes "
            "the weights are set for"
        )
    out = {
        "value": value,
        "population": group.population,
        "rate_per_1000": _rate(value, group.population),
        "harm": float(harm) if harm is not None else None,
        "note": _join(note, ind.note),
        "harm_note": harm_note,
    }
    if comparison is not None:
        cvalue, charm, cnote = _count_for(ind, group.key, comparison, data, with_harm)
        out.update(
            comparison_value=cvalue,
            comparison_rate_per_1000=_rate(cvalue, group.population),
            comparison_harm=float(charm) if charm is not None else None,
        )
        if value is not None and cvalue is not None:
            cmp = compare_counts(
                value,
                cvalue,
                t_current=period.n_months,
                t_previous=comparison.n_months,
                alpha=alpha,
            )
            out.update(
                change=cmp.change,
                change_pct=cmp.change_pct,
                p_value=cmp.p_value,
                significant=cmp.significant,
                verdict=cmp.verdict,
                z_sqrt=cmp.z_sqrt,
            )
        else:
            out.update(
                verdict="no comparison data",
                note=_join(out["note"], cnote and f"comparison: {cnote}"),
            )
    return IndicatorResult(**base, **out)


def _select(indicators: Iterable[str] | None) -> list[Indicator]:
    if indicators is None:
        return list(INDICATORS)
    return [get_indicator(i) for i in indicators]


def _rank(results: list[IndicatorResult]) -> list[IndicatorResult]:
    """Rank areas for one indicator: 1 = the area of most concern."""

    def worst_first(r: IndicatorResult) -> tuple[Any, ...]:
        if r.unit == "count":
            score = r.rate_per_1000 if r.rate_per_1000 is not None else r.value
        else:
            score = r.value
        assert score is not None
        sign = 1 if r.higher_is_better else -1
        return (sign * score, r.area)

    valued = sorted((r for r in results if r.value is not None), key=worst_first)
    out = [_replace_rank(r, i + 1) for i, r in enumerate(valued)]
    out += sorted((r for r in results if r.value is None), key=lambda r: r.area)
    return out


def _replace_rank(r: IndicatorResult, rank: int) -> IndicatorResult:
    return replace(r, rank=rank)


def compute_indicators(
    source: Source,
    period: Period,
    *,
    area: str | None = None,
    compare: str | None = None,
    by: str | None = None,
    indicators: Iterable[str] | None = None,
    harm_weights: HarmWeights | None = None,
    alpha: float = 0.05,
) -> list[IndicatorResult]:
    """Compute indicators for a period and area, optionally compared and by sub-area.

    Args:
        source: The analytics store (or a DuckDB connection, or an engine such as
            :class:`~saferleeds.analytics.indicators.engine.SparkEngine`).
        period: The period (see :mod:`~saferleeds.analytics.indicators.periods`).
        area: District, MSOA, ward or LSOA code, ward name or priority neighbourhood
            name; ``None`` is the partnership's district.
        compare: ``"previous-period"`` (same length immediately before),
            ``"previous-year"`` (same months a year earlier) or ``None``.
        by: ``"msoa"``, ``"ward"`` or ``"lsoa"`` to give one result per sub-area of
            ``area``,
            ranked (rank 1 = most concern: highest rate, or lowest share for
            indicators where higher is better); ``None`` for ``area`` as a whole.
        indicators: Indicator ids (default: all, in the strategy's order).
        harm_weights: Harm weights (default :func:`default_harm_weights`).
        alpha: Significance level of the comparison verdicts.

    Returns:
        One result per indicator (and sub-area), in the strategy's order; by sub-area,
        grouped by indicator and ranked.

    Raises:
        UnknownArea: If the area is not in the store's geography.
        ValueError: For an unknown comparison or level.

    Notes:
        Counts: police.uk or partner records in the period; rate per 1,000 residents
        over the period (Census 2011 usual residents of the area's LSOAs, not
        annualised). Changes: exact conditional Poisson test
        (:func:`~saferleeds.analytics.indicators.stats.compare_counts`; Przyborowski &
        Wilenski 1940; Krishnamoorthy & Thomson 2004). Survey shares: weighted
        proportion, Wilson interval on Kish's effective n, changes by a two-sample
        z-test (:mod:`~saferleeds.analytics.indicators.stats`). Ranking many areas at
        alpha = 0.05 flags about 1 in 20 by chance.
    """
    if by is not None and by not in LEVELS:
        raise ValueError(f"unknown level {by!r}: use {' or '.join(LEVELS)}")
    engine = as_engine(source)
    weights = harm_weights if harm_weights is not None else default_harm_weights()
    inds = _select(indicators)
    resolved = resolve_area(engine, area)
    comparison = _comparison_of(period, compare)
    start = min(period.start, comparison.start) if comparison else period.start
    end = max(period.end, comparison.end) if comparison else period.end
    groups = _groups(engine, resolved, by)
    data = _fetch(engine, inds, resolved, by, start, end, weights)
    out: list[IndicatorResult] = []
    for ind in inds:
        rows = [
            _result(ind, g, period, comparison, compare, data, weights, alpha)
            for g in groups
        ]
        out += _rank(rows) if by else rows
    return out


# --- monthly values and series ---------------------------------------------------------


class MonthlyValue(NamedTuple):
    """One count indicator in one area and month (a named tuple: cheap in bulk).

    Attributes:
        id: Indicator id.
        area: Area code.
        month: First day of the month.
        value: The count, ``None`` if the month is not held.
        rate_per_1000: Per 1,000 residents.
        harm: Harm-weighted total, where weights are available.
    """

    id: str
    area: str
    month: date
    value: int | None
    rate_per_1000: float | None
    harm: float | None


def monthly_values(
    source: Source,
    start: date,
    end: date,
    *,
    area: str | None = None,
    by: str | None = "msoa",
    indicators: Iterable[str] | None = None,
    harm_weights: HarmWeights | None = None,
) -> list[MonthlyValue]:
    """Every count indicator for every sub-area and month of a range.

    Args:
        source: The analytics store or an engine.
        start: First month.
        end: Last month.
        area: Area to cover (default the district).
        by: ``"msoa"``, ``"ward"``, ``"lsoa"`` or ``None`` (the area as a whole).
        indicators: Count indicator ids (default all count indicators).
        harm_weights: Harm weights (default :func:`default_harm_weights`).

    Returns:
        Ordered by indicator, area, month; months not held have ``value=None``.

    Notes:
        One count query per source (:func:`grid_count_query`) returns small-integer
        area and month positions, which numpy places in dense (area x month) arrays;
        rates are computed on the arrays (the same IEEE operations as
        ``1000.0 * v / pop``), so the only Python object made per cell is the
        returned tuple (issue #17: the per-cell dictionaries cost more than the
        query).
    """
    engine = as_engine(source)
    weights = harm_weights if harm_weights is not None else default_harm_weights()
    inds = [i for i in _select(indicators) if i.is_count]
    resolved = resolve_area(engine, area)
    s = date(start.year, start.month, 1)
    e = date(end.year, end.month, 1)
    months = period_between(s, e).months
    groups = _groups(engine, resolved, by)
    grid = _grid(engine, inds, resolved, by, s, e, len(groups), len(months), weights)
    # Shape every indicator's (area x month) block at once, then make the named tuples
    # from columns: no Python work per cell beyond the tuple itself.
    n_cells = len(groups) * len(months)
    keys = [g.key for g in groups for _ in months]
    month_col = months * len(groups)
    pops = np.array([g.population or 0 for g in groups], dtype=np.float64)
    no_pop = pops == 0
    safe_pop = np.where(no_pop, 1.0, pops)[:, None]
    out: list[MonthlyValue] = []
    for ind in inds:
        counts, harm, held = grid[ind.id]
        not_held = ~held
        rates = 1000.0 * counts / safe_pop
        values_col = _with_none(counts, None, not_held)
        rates_col = _with_none(rates, no_pop, not_held)
        if harm is None and not (ind.harm and weights.available):
            harm_col: list[Any] = [None] * n_cells
        else:
            h = harm if harm is not None else np.zeros(counts.shape)
            harm_col = _with_none(h, None, not_held)
        out += map(
            _new_monthly_value,
            zip(
                repeat(ind.id, n_cells),
                keys,
                month_col,
                values_col,
                rates_col,
                harm_col,
                strict=True,
            ),
        )
    return out


# MonthlyValue from a 6-tuple without its Python-level __new__ (a C call per value:
# a third of the time for the tens of thousands monthly_values returns).
_new_monthly_value = partial(tuple.__new__, MonthlyValue)


def _with_none(
    values: np.ndarray, rows: np.ndarray | None, cols: np.ndarray
) -> list[Any]:
    """An (area x month) array as a flat list of Python numbers, ``None`` where the
    area (``rows``) or the month (``cols``) has no value."""
    if (rows is None or not rows.any()) and not cols.any():
        return list(values.ravel().tolist())
    cells = values.astype(object)
    if rows is not None:
        cells[rows, :] = None
    cells[:, cols] = None
    return list(cells.ravel().tolist())


def _grid(
    engine: Engine,
    inds: Sequence[Indicator],
    area: Area,
    by: str | None,
    start: date,
    end: date,
    n_groups: int,
    n_months: int,
    weights: HarmWeights,
) -> dict[str, tuple[np.ndarray, np.ndarray | None, np.ndarray]]:
    """Count indicators as dense (area x month) arrays, one query per source.

    Returns:
        Per indicator id: counts (``int64``), harm sums (``float64``, or ``None``
        without weights or harm), and which months are held (``bool``). Areas in
        :func:`_groups`' order, months from ``start``.

    Notes:
        Harm sums are the exact decimal sums of :func:`count_query`, converted to
        the nearest double as ``float(Decimal)`` converts them: DuckDB divides the
        sum's integer of ten-thousandths, exact below 2**53 (harm totals under about
        9 x 10**11), by 10**4 in one correctly rounded step. The benchmark checks
        every cell against the decimals of hand-written SQL.
    """
    out: dict[str, tuple[np.ndarray, np.ndarray | None, np.ndarray]] = {}
    months = [add_months(start, i) for i in range(n_months)]
    for source, table in ((POLICE, "police_street"), (PARTNER, "partner_incident")):
        sel = [i for i in inds if i.source == source and i.is_count]
        if not sel:
            continue
        shape = (len(sel), n_groups, n_months)
        counts = np.zeros(shape, dtype=np.int64)
        weights_here = weights if source == POLICE and weights.available else None
        harm_ids = [
            i for i, ind in enumerate(sel) if ind.harm and weights_here is not None
        ]
        harm = np.zeros(shape, dtype=np.float64)
        plan = _count_source(engine, source, table, sel, start, end)
        held_by: dict[str, set[date]] = {}
        if plan is not None:
            table, count_col, held_by = plan
            sql = grid_count_query(
                table,
                sel,
                f"{by}_code" if by is not None else None,
                area.area_sql,
                start,
                end,
                weights_here,
                count_col,
            )
            names = ["g", "m"] + [f"c{i}" for i in range(len(sel))]
            names += [f"h{i}" for i in harm_ids]
            cols = _columns(engine, sql, names)
            g = cols["g"].astype(np.intp)
            m = cols["m"].astype(np.intp)
            for i in range(len(sel)):
                counts[i, g, m] = cols[f"c{i}"]
            for i in harm_ids:
                harm[i, g, m] = cols[f"h{i}"]
        for i, ind in enumerate(sel):
            held = held_by.get(ind.id, set())
            mask = np.fromiter((mo in held for mo in months), bool, n_months)
            out[ind.id] = (counts[i], harm[i] if i in harm_ids else None, mask)
    return out


def _columns(engine: Engine, sql: str, names: Sequence[str]) -> dict[str, np.ndarray]:
    """A query's columns as numpy arrays: DuckDB's own, else built from the rows.

    Integer columns (``g``, ``m``, ``c<i>``) come back as ``int64``, harm sums
    (``h<i>``) as ``float64`` (each decimal to its nearest double).
    """
    if isinstance(engine, DuckDBEngine):
        got = engine.con.execute(sql).fetchnumpy()
        return {n: np.asarray(got[n]) for n in names}
    rows = engine.fetch(sql)
    out: dict[str, np.ndarray] = {}
    for j, n in enumerate(names):
        if n.startswith("h"):
            out[n] = np.array([float(r[j]) for r in rows], dtype=np.float64)
        else:
            out[n] = np.array([int(r[j]) for r in rows], dtype=np.int64)
    return out


@dataclass(frozen=True)
class SeriesPoint:
    """One month of an indicator's series.

    Attributes:
        month: First day of the month.
        value: Count or percentage; ``None`` if the month is not held.
        harm: Harm-weighted total (counts with weights only).
        signals: Special-cause rules the point breaks on the primary chart
            (``"outside_limits"``, ``"run"``).
    """

    month: date
    value: float | None
    harm: float | None
    signals: tuple[str, ...]


@dataclass(frozen=True)
class IndicatorSeries:
    """A monthly series with control charts.

    Attributes:
        id: Indicator id.
        label: Indicator label.
        area: Area code.
        area_name: Area name.
        points: One per month of the range (held or not).
        xmr: XmR chart over the held months (the primary chart: robust to
            over-dispersion).
        c_chart: c-chart over the held months (counts only).
    """

    id: str
    label: str
    area: str
    area_name: str
    points: tuple[SeriesPoint, ...]
    xmr: ControlChart | None
    c_chart: ControlChart | None


def _series(
    ind: Indicator, group: _Group, months: list[date], data: _Monthly
) -> IndicatorSeries:
    held = data.held.get(ind.id, set())
    vals: list[tuple[date, float | None, float | None]] = []
    for m in months:
        if m not in held or ind.source == NONE:
            vals.append((m, None, None))
        elif ind.source == SURVEY:
            prop, _ = _survey_for(ind, group.key, period_between(m, m), data)
            vals.append((m, 100 * prop.estimate if prop else None, None))
        else:
            v = data.counts.get((group.key, m), {}).get(ind.id, 0)
            h = data.harm.get((group.key, m), {}).get(ind.id)
            vals.append((m, float(v), float(h) if h is not None else None))
    present = [(m, v) for m, v, _ in vals if v is not None]
    pm = [m for m, _ in present]
    pv = [v for _, v in present]
    xmr = xmr_chart(pm, pv)
    cc = c_chart(pm, [int(v) for v in pv]) if ind.is_count else None
    flags: dict[date, list[str]] = {}
    for sig in xmr.signals if xmr else ():
        flags.setdefault(sig.month, []).append(sig.rule)
    points = tuple(SeriesPoint(m, v, h, tuple(flags.get(m, ()))) for m, v, h in vals)
    return IndicatorSeries(ind.id, ind.label, group.key, group.name, points, xmr, cc)


def indicator_series(
    source: Source,
    indicator_id: str,
    start: date,
    end: date,
    *,
    area: str | None = None,
    harm_weights: HarmWeights | None = None,
) -> IndicatorSeries:
    """One indicator's monthly series for an area, with XmR and c-chart limits.

    Args:
        source: The analytics store or an engine.
        indicator_id: The indicator.
        start: First month.
        end: Last month.
        area: Area (default the district).
        harm_weights: Harm weights (default :func:`default_harm_weights`).

    Notes:
        Control limits rest on the held months only (gaps are left out, not read as
        zero). Signals follow Montgomery (2013): a point beyond the 3-sigma limits, or
        a run of 8 points on one side of the centre line; see
        :func:`~saferleeds.analytics.indicators.stats.xmr_chart` and
        :func:`~saferleeds.analytics.indicators.stats.c_chart`.
    """
    engine = as_engine(source)
    weights = harm_weights if harm_weights is not None else default_harm_weights()
    ind = get_indicator(indicator_id)
    resolved = resolve_area(engine, area)
    months = period_between(start, end).months
    group = _groups(engine, resolved, None)[0]
    data = _fetch(engine, [ind], resolved, None, months[0], months[-1], weights)
    return _series(ind, group, months, data)


# --- the dashboard ---------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    """Everything the progress page shows for one area and period.

    Attributes:
        period: The period reported.
        comparison: The comparison made (``"previous-year"`` etc.).
        comparison_period: The period compared with.
        area: Area code.
        area_name: Area name.
        results: Every indicator, with its comparison.
        series: Monthly series with control charts, per indicator id (not for
            indicators without data).
        ranking: Count indicators by MSOA for the period, ranked (rank 1 = most
            concern), with the same comparison.
        harm_status: Status of the harm weights (``"derived"``, ``"blocked"``, ...).
        harm_note: What the harm figures are (or why they are missing).
    """

    period: Period
    comparison: str | None
    comparison_period: Period | None
    area: str
    area_name: str
    results: list[IndicatorResult]
    series: dict[str, IndicatorSeries]
    ranking: list[IndicatorResult]
    harm_status: str
    harm_note: str


def latest_month(source: Source) -> date | None:
    """The latest police.uk month in the store (the default reporting month)."""
    engine = as_engine(source)
    if not engine.has_table("police_street"):
        return None
    rows = engine.fetch("SELECT max(month) FROM police_street")
    return rows[0][0] if rows else None


def dashboard(
    source: Source,
    period: Period | None = None,
    *,
    area: str | None = None,
    compare: str | None = PREVIOUS_YEAR,
    series_months: int = 24,
    rank_by: str | None = "msoa",
    harm_weights: HarmWeights | None = None,
    alpha: float = 0.05,
) -> Dashboard:
    """Compute the progress dashboard: indicators, series with SPC, MSOA ranking.

    Args:
        source: The analytics store or an engine.
        period: Period to report (default: the latest police.uk month held).
        area: Area (default the district).
        compare: ``"previous-year"`` (default), ``"previous-period"`` or ``None``.
        series_months: Months of series ending with the period's last month.
        rank_by: Level to rank count indicators at (``"msoa"``, ``"lsoa"``, ``None``).
        harm_weights: Harm weights (default :func:`default_harm_weights`).
        alpha: Significance level of the verdicts.

    Raises:
        UnknownArea: If the area is not in the geography (or none is loaded).
        ValueError: If no period is given and the store holds no police.uk month.
    """
    engine = as_engine(source)
    weights = harm_weights if harm_weights is not None else default_harm_weights()
    if period is None:
        last = latest_month(engine)
        if last is None:
            raise ValueError("no police.uk months held: give a period")
        period = period_between(last, last)
    resolved = resolve_area(engine, area)
    comparison = _comparison_of(period, compare)
    series_start = add_months(period.end, -(series_months - 1))
    start = min(series_start, period.start, *([comparison.start] if comparison else []))
    inds = list(INDICATORS)
    group = _groups(engine, resolved, None)[0]
    data = _fetch(engine, inds, resolved, None, start, period.end, weights)
    results = [
        _result(ind, group, period, comparison, compare, data, weights, alpha)
        for ind in inds
    ]
    months = period_between(series_start, period.end).months
    series = {
        ind.id: _series(ind, group, months, data) for ind in inds if ind.source != NONE
    }
    ranking: list[IndicatorResult] = []
    if rank_by is not None and resolved.level in (
        "force",
        "district",
        "msoa",
        "ward",
        "neighbourhood",
    ):
        ranking = compute_indicators(
            engine,
            period,
            area=area,
            compare=compare,
            by=rank_by,
            indicators=[i.id for i in inds if i.is_count],
            harm_weights=weights,
            alpha=alpha,
        )
    return Dashboard(
        period=period,
        comparison=compare if comparison else None,
        comparison_period=comparison,
        area=resolved.code,
        area_name=resolved.name,
        results=results,
        series=series,
        ranking=ranking,
        harm_status=weights.status,
        harm_note=weights.note,
    )
