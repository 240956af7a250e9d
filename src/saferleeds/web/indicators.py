"""The Executive's progress page: the strategy's indicators with honest statistics.

Views parse and render only; every number comes from ``saferleeds.analytics.indicators``.
The figures are aggregates (no personal data), so any signed-in role may see them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from saferleeds.analytics import StoreBusy, open_store
from saferleeds.analytics.areas import UnknownArea
from saferleeds.analytics.indicators import (
    IndicatorResult,
    IndicatorSeries,
    compute_indicators,
    dashboard,
    get_indicator,
    indicator_series,
    latest_month,
    parse_period,
)
from saferleeds.analytics.indicators.periods import month_period
from saferleeds.analytics.overview import msoa_choices
from saferleeds.analytics.reoffending import GroupComparison, Reoffending
from saferleeds.config import get as config_get
from saferleeds.core.analytics_cache import cached
from saferleeds.iom.queries import iom_reoffending_comparison, members_version
from saferleeds.offending.queries import (
    FteFigure,
    first_time_entrants_by_area,
    fte_areas,
    latest_complete_reoffending,
    latest_first_time_entrants,
    workspace_version,
)
from saferleeds.places.geometry import area_shapes
from saferleeds.web.exports import to_csv, to_xlsx
from saferleeds.web.maps import choropleth, sparkline

EXPORT_COLUMNS = (
    *IndicatorResult.CORE_KEYS,
    "verdict",
    "comparison_period",
    "ci_low",
    "ci_high",
    "note",
    "harm_note",
    "rate_per_100000",
)


class IndicatorsForm(forms.Form):
    """Period, comparison and area for the indicators."""

    period = forms.CharField(required=False, max_length=40)
    compare = forms.ChoiceField(
        required=False,
        choices=[
            ("previous-year", "Same period a year before"),
            ("previous-period", "The period before"),
        ],
    )
    area = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "Whole district"), *areas]

    def clean_period(self) -> Any:
        text = self.cleaned_data["period"].strip()
        if not text:
            return None
        try:
            return parse_period(text)
        except ValueError as exc:
            raise forms.ValidationError(
                "Enter a period like 2018-07, 2018-Q3, FY2017/18, 2018 or R12-2018-07"
            ) from exc


def _rate_scale(rates: Any) -> tuple[float, str]:
    """Per 1,000 residents, or per 100,000 when every rate is below 1 per 1,000.

    Small counts over large populations read "0.00 per 1,000"; per 100,000 they keep
    their digits (the convention of ONS and Home Office tables for rare offences).
    """
    present = [r for r in rates if r is not None]
    if present and max(present) < 1:
        return 100.0, "per 100,000"
    return 1.0, "per 1,000"


def _rate_text(rate_per_1000: float | None) -> str:
    """One rate as the page shows it, with its unit."""
    if rate_per_1000 is None:
        return ""
    factor, unit = _rate_scale([rate_per_1000])
    digits = 1 if factor > 1 else 2
    return f"{rate_per_1000 * factor:,.{digits}f} {unit} residents"


def _harm_table() -> str | None:
    """The harm weights in use, part of every cache key: a new table is a new result."""
    return config_get("SAFERLEEDS_HARM_CODE_WEIGHTS")


def _is_msoa(area: str | None) -> bool:
    """Whether the area is one MSOA or one ward: mapped and ranked by its LSOAs."""
    return bool(area) and str(area)[:3] in ("E02", "W02", "E05", "W05")


# How the pages name each sub-area level.
LEVEL_LABELS = {"msoa": "MSOA", "ward": "ward", "lsoa": "LSOA"}


# How the page shows each exported number, in decimals (p-values below 0.001 are
# exported as the page shows them, "< 0.001").
_EXPORT_DIGITS: dict[str, int] = {
    "rate_per_1000": 2,
    "rate_per_100000": 1,
    "change_pct": 1,
    "ci_low": 1,
    "ci_high": 1,
    "harm": 0,
    "comparison_harm": 0,
    "p_value": 3,
}


def _export_value(column: str, value: Any, unit: str) -> Any:
    """A number rounded as the page shows it (counts whole, percentages 1 decimal)."""
    if not isinstance(value, float) or isinstance(value, bool):
        return value
    if column == "p_value" and value < 0.001:
        return "< 0.001"  # as the page says it: never a misleading 0.000
    if column in ("value", "comparison_value"):
        digits = 1 if unit == "percent" else 0
    else:
        digits = _EXPORT_DIGITS.get(column, 4)
    rounded = round(value, digits)
    if digits == 0:
        return int(rounded)
    return rounded + 0.0  # -0.0 reads as 0.0


def _areas(store: Any) -> list[tuple[str, str]]:
    hoods = [
        (n, f"{n} (priority neighbourhood)")
        for (n,) in store.execute(
            "SELECT DISTINCT name FROM area_neighbourhood ORDER BY name"
        ).fetchall()
    ]
    wards = [
        (code, f"{name} (ward)")
        for code, name in store.execute(
            "SELECT DISTINCT ward_code, ward_name FROM area_lsoa "
            "WHERE ward_code IS NOT NULL ORDER BY ward_name"
        ).fetchall()
    ]
    return (
        hoods
        + wards
        + [(code, f"{name} ({code})") for code, name in msoa_choices(store)]
    )


def _tag(r: IndicatorResult) -> tuple[str, str]:
    """The verdict's words and GOV.UK tag colour: good news green, bad news red."""
    if r.value is None:
        return "No data", "govuk-tag--grey"
    if not r.significant:
        return (r.verdict or "No comparison").capitalize(), "govuk-tag--grey"
    rise = (r.change or 0) > 0
    good = rise == r.higher_is_better
    return (r.verdict or "").capitalize(), (
        "govuk-tag--green" if good else "govuk-tag--red"
    )


def _spark(series: IndicatorSeries | None, title: str) -> Any:
    if series is None:
        return ""
    chart = series.xmr
    points = [(p.month.strftime("%b %Y"), p.value) for p in series.points]
    signals = [i for i, p in enumerate(series.points) if p.signals]
    return sparkline(
        points,
        centre=chart.centre if chart else None,
        upper=chart.upper if chart else None,
        lower=chart.lower if chart else None,
        signals=signals,
        title=title,
    )


def _context(request: HttpRequest, store: Any) -> tuple[IndicatorsForm, dict[str, Any]]:
    latest = latest_month(store)
    # The period box shows the period reported, on the first visit too.
    initial = {"period": f"{latest:%Y-%m}"} if latest else {}
    form = IndicatorsForm(request.GET or None, areas=_areas(store), initial=initial)
    valid = form.is_valid() if form.is_bound else True
    data = form.cleaned_data if form.is_bound and valid else {}
    period = data.get("period")
    if period is None:
        period = month_period(latest.year, latest.month) if latest else None
    compare = data.get("compare") or "previous-year"
    area = data.get("area") or None
    return form, {"period": period, "compare": compare, "area": area, "valid": valid}


def _reoffending() -> tuple[Reoffending | None, GroupComparison | None]:
    """The latest complete cohort's proven re-offending and the IOM comparison."""
    figures = latest_complete_reoffending(timezone.localdate())
    return figures, (None if figures is None else iom_reoffending_comparison())


def _add_reoffending(
    cards: list[dict[str, Any]],
    reoffending: tuple[Reoffending | None, GroupComparison | None],
) -> None:
    """Put the latest complete cohort's proven re-offending rate (the partnership's,
    from partners' offences and disposals) on the re-offending card, when there is one.

    The police.uk period does not apply to it: the card names its cohort instead.

    Args:
        cards: The indicator cards.
        reoffending: :func:`_reoffending`'s figures (cached by the view).
    """
    figures, iom = reoffending
    for card in cards:
        r = card["r"]
        if r.id != "reoffending" or r.value is not None:
            continue
        if figures is None:
            return
        card["r"] = replace(
            r,
            value=100 * figures.binary_rate,
            ci_low=100 * figures.ci_low,
            ci_high=100 * figures.ci_high,
            period=figures.cohort,
            note=None,
        )
        card["tag"] = ("Latest complete cohort", "govuk-tag--grey")
        card["cohort"] = figures
        # Counts only, no people: analysts and the executive answer "IOM vs not" here,
        # while the IOM page (practitioners) shows the same comparison with its members.
        card["iom"] = iom


def _fte(area: str | None) -> tuple[FteFigure | None, list[FteFigure]]:
    """First-time entrants in the latest twelve months of partners' disposals, for the
    card next to re-offending (the district's, or the chosen ward's or MSOA's), and,
    for the district, the same by ward; per 100,000 children aged 10-17 where the
    population is imported, a count and what to import otherwise."""
    today = timezone.localdate()
    figure = latest_first_time_entrants(today, area)
    if figure is None or area is not None:
        return figure, []
    wards = fte_areas("ward")
    by_ward = (
        first_time_entrants_by_area([figure.period], "ward", today=today)
        if wards
        else []
    )
    return figure, by_ward


def _crime_map(
    by_area: list[IndicatorResult], level: str, factor: float, unit: str, period: str
) -> SafeString:
    """The recorded-crime rate map of the areas (SVG markup)."""
    rates = {
        r.area: None if r.rate_per_1000 is None else r.rate_per_1000 * factor
        for r in by_area
    }
    shapes = {c: s for c, s in area_shapes(level).items() if c in rates}
    return choropleth(
        shapes,
        rates,
        title=f"Recorded crime {unit} residents by {level.upper()}, {period}",
        unit=unit,
        map_id=level,
    )


@require_GET
def indicators(request: HttpRequest) -> HttpResponse:
    """One card per indicator (value, change, verdict, sparkline) and a crime-rate map."""
    try:
        with open_store(settings.SAFERLEEDS_ANALYTICS_PATH, read_only=True) as store:
            form, q = _context(request, store)
            if q["period"] is None:
                return render(
                    request, "web/indicators.html", {"form": form, "empty": True}
                )
            # Both cached by the store's data version (saferleeds.core.analytics_cache).
            key = (q["period"], q["area"], q["compare"], _harm_table())
            dash = cached(
                store,
                "indicators.dashboard",
                key,
                lambda: dashboard(
                    store, q["period"], area=q["area"], compare=q["compare"]
                ),
            )
            # One MSOA is not ranked against itself: its LSOAs are shown instead.
            map_level = "lsoa" if _is_msoa(q["area"]) else "msoa"
            by_msoa = cached(
                store,
                "indicators.map",
                (*key, map_level),
                lambda: compute_indicators(
                    store,
                    q["period"],
                    area=q["area"],
                    by=map_level,
                    indicators=["total_recorded_crime"],
                ),
            )
            # From partners' records in the database, not the store: keyed by their
            # fingerprint and the day as well (the cohorts and periods count to today).
            workspace = (timezone.localdate(), workspace_version(), members_version())
            whole = q["area"] is None  # the workspace's figures are the partnership's
            reoffending = (
                cached(store, "indicators.reoffending", workspace, _reoffending)
                if whole
                else (None, None)
            )
            # A neighbourhood is no ONS area with a population estimate: no figure.
            fte_pair = (
                cached(
                    store,
                    "indicators.fte",
                    (q["area"], *workspace),
                    lambda: _fte(q["area"]),
                )
                if whole or _is_msoa(q["area"])
                else (None, [])
            )
            factor, unit = _rate_scale(r.rate_per_1000 for r in by_msoa)
            # Drawing the map (a path per area) costs more than reading its figures.
            crime_map = cached(
                store,
                "indicators.choropleth",
                (*key, map_level),
                lambda: _crime_map(by_msoa, map_level, factor, unit, dash.period.label),
            )
    except StoreBusy as exc:
        return render(request, "web/busy.html", {"message": str(exc)}, status=503)
    except UnknownArea as exc:
        raise Http404(str(exc)) from exc
    cards = [
        {
            "r": r,
            "tag": _tag(r),
            "spark": _spark(
                dash.series.get(r.id), f"{r.label}: monthly values with control limits"
            ),
            "rate": _rate_text(r.rate_per_1000),
        }
        for r in dash.results
    ]
    if q["area"] is None:  # the workspace's figure is the whole partnership's
        _add_reoffending(cards, reoffending)
    fte, fte_by_ward = fte_pair
    with_data = [r for r in by_msoa if r.rate_per_1000 is not None]
    query = request.GET.urlencode()
    return render(
        request,
        "web/indicators.html",
        {
            "form": form,
            "dash": dash,
            "cards": cards,
            "fte": fte,
            "fte_by_ward": fte_by_ward,
            "map": crime_map,
            "map_level": map_level.upper(),
            "rate_unit": unit,
            "ranking": [
                {"r": r, "rate": (r.rate_per_1000 or 0) * factor}
                for r in sorted(with_data, key=lambda r: -(r.rate_per_1000 or 0))[:10]
            ]
            if len(with_data) > 1
            else [],
            "no_data": not with_data,
            "query": query,
        },
        status=200 if q["valid"] else 400,
    )


@require_GET
def indicator_detail(request: HttpRequest, indicator_id: str) -> HttpResponse:
    """Drill-down: the monthly trend with control limits, and where it comes from."""
    try:
        ind = get_indicator(indicator_id)
    except KeyError as exc:
        raise Http404("no such indicator") from exc
    asked = request.GET.get("level")
    level = asked if asked in ("lsoa", "ward") else "msoa"
    try:
        with open_store(settings.SAFERLEEDS_ANALYTICS_PATH, read_only=True) as store:
            form, q = _context(request, store)
            if q["period"] is None:
                raise Http404("no data")
            if asked is None and _is_msoa(q["area"]):
                level = "lsoa"  # one MSOA: its LSOAs, not the MSOA against itself
            end = q["period"].end
            start = end.replace(year=end.year - 2)
            key = (ind.id, q["period"], q["area"], q["compare"], level, _harm_table())
            series = cached(
                store,
                "indicators.series",
                key,
                lambda: indicator_series(store, ind.id, start, end, area=q["area"]),
            )
            ranked = cached(
                store,
                "indicators.ranked",
                key,
                lambda: compute_indicators(
                    store,
                    q["period"],
                    area=q["area"],
                    by=level,
                    compare=q["compare"],
                    indicators=[ind.id],
                ),
            )
    except StoreBusy as exc:
        return render(request, "web/busy.html", {"message": str(exc)}, status=503)
    except UnknownArea as exc:
        raise Http404(str(exc)) from exc
    factor, rate_unit = _rate_scale(r.rate_per_1000 for r in ranked)
    values = {
        r.area: (
            (None if r.rate_per_1000 is None else r.rate_per_1000 * factor)
            if ind.unit == "count"
            else r.value
        )
        for r in ranked
    }
    with_data = [r for r in ranked if r.value is not None]
    shapes = {c: s for c, s in area_shapes(level).items() if c in values}
    chart = series.xmr
    return render(
        request,
        "web/indicator_detail.html",
        {
            "form": form,
            "ind": ind,
            "series": series,
            "period": q["period"],
            "level": level,
            "level_label": LEVEL_LABELS[level],
            "other_levels": [(k, v) for k, v in LEVEL_LABELS.items() if k != level],
            "chart": chart,
            "trend": sparkline(
                [(p.month.strftime("%b %Y"), p.value) for p in series.points],
                centre=chart.centre if chart else None,
                upper=chart.upper if chart else None,
                lower=chart.lower if chart else None,
                signals=[i for i, p in enumerate(series.points) if p.signals],
                title=f"{ind.label}: monthly values, centre line and control limits",
                width=720,
                height=220,
                css_class="sl-trend",
            ),
            "map": choropleth(
                shapes,
                values,
                title=f"{ind.label} by {LEVEL_LABELS[level]}, {q['period'].label}",
                unit=rate_unit if ind.unit == "count" else "%",
                map_id=level,
            )
            if with_data
            else "",
            "rate_unit": rate_unit,
            "ranked": [
                {
                    "r": r,
                    "rate": None
                    if r.rate_per_1000 is None
                    else r.rate_per_1000 * factor,
                }
                for r in sorted(with_data, key=lambda r: r.rank or 10**9)
            ],
            "single": len(with_data) == 1,
            "no_data": not with_data,
            "query": request.GET.urlencode(),
        },
    )


@require_GET
def indicators_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The indicators as CSV or Excel, formulas neutralised, never cached."""
    with open_store(settings.SAFERLEEDS_ANALYTICS_PATH, read_only=True) as store:
        form, q = _context(request, store)
        if not q["valid"] or q["period"] is None:
            raise Http404("choose a valid period")
        by = (
            request.GET.get("by")
            if request.GET.get("by") in ("msoa", "ward", "lsoa")
            else None
        )
        try:
            results = compute_indicators(
                store, q["period"], area=q["area"], by=by, compare=q["compare"]
            )
        except UnknownArea as exc:
            raise Http404(str(exc)) from exc
    # Numbers as the page shows them; ?full=1 adds the unrounded figures beside them.
    full = request.GET.get("full") in ("1", "true", "yes")
    exact = [c for c in EXPORT_COLUMNS if c not in ("id", "label", "area", "period")]
    columns = (
        (*EXPORT_COLUMNS, *(f"{c}_full" for c in exact)) if full else EXPORT_COLUMNS
    )
    rows = []
    for r in results:
        d = r.to_dict()
        if r.rate_per_1000 is not None:  # small counts read better per 100,000
            d["rate_per_100000"] = r.rate_per_1000 * 100
        row = [_export_value(c, d.get(c), r.unit) for c in EXPORT_COLUMNS]
        if full:
            row += [d.get(c) for c in exact]
        rows.append(row)
    name = (
        f"saferleeds-indicators-{q['period'].label.replace(' ', '-').replace('/', '-')}"
    )
    if fmt == "csv":
        body, ctype = to_csv(columns, rows), "text/csv; charset=utf-8"
    else:
        body = to_xlsx("Indicators", columns, rows)
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
