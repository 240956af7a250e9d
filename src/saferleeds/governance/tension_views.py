"""The community tension pages beyond the list: an area, the weekly return, the map.

Views parse and render only: what each reader sees is decided and logged in
:mod:`saferleeds.governance.tension_pages`, changes go through
:mod:`saferleeds.governance.tension_actions`.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from shapely.geometry import mapping

from saferleeds.governance.tension_actions import (
    TensionInputError,
    do_link_tension_record,
    do_record_tension_event,
)
from saferleeds.governance.tension_forms import EventForm, LinkForm
from saferleeds.governance.tension_pages import (
    AreaPage,
    read_tension_area,
    read_tension_map,
    read_weekly_return,
    weekly_return_csv,
)
from saferleeds.governance.tensions import LEVELS, PERSONAL_DATA_HINT, monday
from saferleeds.partners.policy import Forbidden, NotFound, request_actor
from saferleeds.places.geometry import area_shapes

__all__ = ["urlpatterns"]

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Map colours by level (0: not reported): GOV.UK palette colours from green to dark
# red, strong enough to tell apart on a map (the list's tags are pale tints).
LEVEL_COLOURS = {
    0: "#f3f2f1",
    1: "#85994b",
    2: "#ffdd00",
    3: "#f47738",
    4: "#d4351c",
    5: "#6f0000",
}


def _read(fn: Any, request: HttpRequest, purpose: str, *args: Any) -> Any:
    actor = request_actor(request, purpose)
    try:
        return fn(actor, *args)
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except NotFound as exc:
        raise Http404("Page not found") from exc


def _link_choices(page: AreaPage) -> list[tuple[str, str]]:
    return [(f"{c.record_type}:{c.record_id}", c.label) for c in page.candidates]


def _area_context(
    page: AreaPage,
    *,
    link_form: LinkForm | None = None,
    event_form: EventForm | None = None,
    link_report: int | None = None,
) -> dict[str, Any]:
    return {
        "page": page,
        "link_form": link_form or LinkForm(choices=_link_choices(page)),
        "link_report": link_report,
        "event_form": event_form or EventForm(),
        "personal_data_hint": PERSONAL_DATA_HINT,
    }


@login_required
@require_GET
def tension_area(request: HttpRequest, area_id: int) -> HttpResponse:
    """One ward's or neighbourhood's weekly levels, reports, links and events."""
    page = _read(
        read_tension_area, request, "tension area", area_id, timezone.localdate()
    )
    return render(request, "governance/tension_area.html", _area_context(page))


@login_required
@require_POST
def tension_link(request: HttpRequest, area_id: int, report_id: int) -> HttpResponse:
    """Link a hate report or incident the user may see to one of the area's reports."""
    page = _read(
        read_tension_area, request, "tension area", area_id, timezone.localdate()
    )
    if not page.may_submit or report_id not in {r.id for r in page.reports}:
        if not page.may_submit:
            raise PermissionDenied("Only practitioners and case coordinators link.")
        raise Http404("Page not found")
    form = LinkForm(request.POST, choices=_link_choices(page))
    if form.is_valid():
        record_type, record_id = form.parsed()
        try:
            do_link_tension_record(
                report_id,
                record_type=record_type,
                record_id=record_id,
                actor=request_actor(request, "link record to tension report"),
            )
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except NotFound:
            form.add_error("record", "Select the hate report or incident to link")
        except TensionInputError as exc:
            form.add_error("record", str(exc))
        else:
            messages.success(request, "Record linked")
            return redirect("governance:tension_area", area_id=area_id)
    return render(
        request,
        "governance/tension_area.html",
        _area_context(page, link_form=form, link_report=report_id),
        status=400,
    )


@login_required
@require_POST
def tension_event(request: HttpRequest, area_id: int) -> HttpResponse:
    """Record an event that may affect tension in the area."""
    page = _read(
        read_tension_area, request, "tension area", area_id, timezone.localdate()
    )
    if not page.may_submit:
        raise PermissionDenied(
            "Only practitioners and case coordinators record events."
        )
    form = EventForm(request.POST)
    if form.is_valid():
        try:
            do_record_tension_event(
                area_id,
                happens_on=form.cleaned_data["happens_on"],
                title=form.cleaned_data["title"],
                details=form.cleaned_data["details"],
                actor=request_actor(request, "record tension event"),
            )
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except NotFound as exc:
            raise Http404("Page not found") from exc
        except TensionInputError as exc:
            form.add_rule_error(exc.field, str(exc))
        else:
            messages.success(request, "Event recorded")
            return redirect("governance:tension_area", area_id=area_id)
    return render(
        request,
        "governance/tension_area.html",
        _area_context(page, event_form=form),
        status=400,
    )


def _week(request: HttpRequest) -> date:
    """The week asked for (``?week=YYYY-MM-DD``, any day of it), else this week."""
    text = request.GET.get("week", "").strip()
    if not text:
        return monday(timezone.localdate())
    try:
        return monday(date.fromisoformat(text))
    except ValueError as exc:
        raise Http404("Enter the week as a date, for example 2026-11-30") from exc


@login_required
@require_GET
def tension_return(request: HttpRequest) -> HttpResponse:
    """The weekly return: every area's level for the week, printable."""
    page = _read(read_weekly_return, request, "tension weekly return", _week(request))
    return render(
        request, "governance/tension_return.html", {"page": page, "levels": LEVELS}
    )


def _cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_TRIGGERS) else text


@login_required
@require_GET
def tension_return_csv(request: HttpRequest) -> HttpResponse:
    """The weekly return as CSV (UTF-8 with BOM for Excel; formulas neutralised)."""
    week = _week(request)
    header, rows = _read(weekly_return_csv, request, "tension return export", week)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="tension-return-{week.isoformat()}.csv"'
    )
    return response


@login_required
@require_GET
def tension_map(request: HttpRequest) -> HttpResponse:
    """Current tension levels by ward on a map (no tiles), with the same as a table."""
    wards = _read(read_tension_map, request, "tension map")
    try:
        shapes = area_shapes("ward")
    except ValueError:
        shapes = {}
    features = [
        {
            "type": "Feature",
            "geometry": mapping(shapes[w.code][1]),
            "properties": {
                "code": w.code,
                "name": w.name,
                "level": w.level,
                "label": w.level_label,
                "trend": w.trend,
                "colour": LEVEL_COLOURS[w.level],
            },
        }
        for w in wards
        if w.code in shapes
    ]
    return render(
        request,
        "governance/tension_map.html",
        {
            "wards": sorted(wards, key=lambda w: (-w.level, w.name)),
            "geojson": {"type": "FeatureCollection", "features": features},
            "key": [
                (LEVEL_COLOURS[lv.number], f"{lv.number} {lv.name}") for lv in LEVELS
            ]
            + [(LEVEL_COLOURS[0], "Not reported")],
        },
    )


urlpatterns: list[URLPattern] = [
    path("plan/tensions/map/", tension_map, name="tension_map"),
    path("plan/tensions/return/", tension_return, name="tension_return"),
    path("plan/tensions/return.csv", tension_return_csv, name="tension_return_csv"),
    path("plan/tensions/areas/<int:area_id>/", tension_area, name="tension_area"),
    path(
        "plan/tensions/areas/<int:area_id>/events/",
        tension_event,
        name="tension_event",
    ),
    path(
        "plan/tensions/areas/<int:area_id>/reports/<int:report_id>/links/",
        tension_link,
        name="tension_link",
    ),
]
