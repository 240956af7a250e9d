"""What the community tension pages show, read through the access rules.

- Tension reports and events hold no personal data but partners' soft information:
  only the roles of ``governance.rules.may_read_tensions`` read them (the rule the
  tensions page already had; kept).
- A tension report's linked hate reports and incidents are personal data: each is
  shown only to a reader the access layer (``partners.access.visible_records``) lets
  see it, and each one shown is logged; any other reader sees only how many links it
  may not open.
- The weekly return (printable page and CSV) is logged: the page as a consultation of
  each report in it, the CSV as a disclosure of each (the file is sent on).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.urls import reverse

from saferleeds.audit.log import record_many
from saferleeds.audit.models import Operation
from saferleeds.core.records import kind
from saferleeds.governance.access_pages import NO_TENSIONS, TENSION_AREA_LEVELS
from saferleeds.governance.models import TensionEvent, TensionLink, TensionReport
from saferleeds.governance.rules import may_read_tensions, may_submit_tension
from saferleeds.governance.tensions import (
    ReportFacts,
    ReturnRow,
    level_label,
    monday,
    trend,
    weekly_return,
    weeks_of,
)
from saferleeds.partners.access import visible_records
from saferleeds.partners.policy import Actor, Forbidden, NotFound, pseudonymised
from saferleeds.places.models import Area

__all__ = [
    "LINK_CANDIDATE_WEEKS",
    "TENSION_AREA_LEVELS",
    "RETURN_CSV_HEADER",
    "AreaPage",
    "LinkedRecord",
    "MapArea",
    "WeeklyReturnPage",
    "read_tension_area",
    "read_tension_map",
    "read_weekly_return",
    "weekly_return_csv",
]

LINKED_LIST_EVENT = "governance.tension.linked.list"
RETURN_VIEW_EVENT = "governance.tension.return.view"
RETURN_EXPORT_EVENT = "governance.tension.return.export"
#: How far back (weeks before the report's week) records are offered for linking.
LINK_CANDIDATE_WEEKS = 4
LINK_KINDS = (TensionLink.Kind.HATE_REPORT, TensionLink.Kind.INCIDENT)


def _reader(actor: Actor) -> None:
    if not may_read_tensions(actor):
        raise Forbidden(NO_TENSIONS)


def _facts(reports: Any) -> list[ReportFacts]:
    return [
        ReportFacts(
            area_id=r.area_id,
            area=r.area.name,
            area_code=r.area.code,
            area_kind=r.area.get_level_display(),
            week=r.week_starting,
            level=r.level,
            grading=r.get_grading_display(),
            indicators=r.indicators,
            agency=r.agency.name,
        )
        for r in reports
    ]


# --- Linked records ------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedRecord:
    """A hate report or incident the reader may see, as the tension pages name it:
    its kind, date and category, never its free text."""

    record_type: str
    record_id: int
    label: str
    url: str


def _label(record_type: str, obj: Any, actor: Actor) -> str:
    hidden = pseudonymised(actor)
    if record_type == TensionLink.Kind.HATE_REPORT:
        names = dict(type(obj).Strand.choices)
        strands = ", ".join(str(names.get(s, s)) for s in obj.strands)
        ref = "" if hidden else f" {obj.reference}"
        return f"Hate incident report{ref}, {obj.occurred_on:%-d %b %Y}" + (
            f" ({strands})" if strands else ""
        )
    ref = "" if hidden else f" {obj.reference}"
    return f"{obj.get_category_display()} incident{ref}, {obj.occurred_on:%-d %b %Y}"


def _url(record_type: str, record_id: int) -> str:
    if record_type == TensionLink.Kind.HATE_REPORT:
        return reverse("hate:report", kwargs={"report_id": record_id})
    return ""


def _visible(actor: Actor, record_type: str, ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {o.pk: o for o in visible_records(actor, record_type).filter(pk__in=ids)}


def _shown(actor: Actor, rows: list[tuple[str, Any]]) -> None:
    """Log each record the page shows the actor (one consultation entry each)."""
    record_many(
        actor,
        operation=Operation.CONSULTATION,
        event=LINKED_LIST_EVENT,
        records=[(t, o.pk, kind(t).subject_id(o)) for t, o in rows],
    )


# --- One area --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """One tension report on the area's page, with the links the reader may open."""

    id: int
    week: date
    level: int
    level_label: str
    grading: str
    indicators: str
    agency: str
    links: tuple[LinkedRecord, ...]
    hidden_links: int


@dataclass(frozen=True)
class WeekRow:
    """The area's level for one week reported, and its trend against the week before."""

    week: date
    level: int
    level_label: str
    trend: str


@dataclass(frozen=True)
class AreaPage:
    """An area's tension: weekly levels with trends, reports, links and events."""

    area_id: int
    area: str
    area_code: str
    level_kind: str
    weeks: tuple[WeekRow, ...]  # newest first
    reports: tuple[ReportRow, ...]  # newest first
    events: tuple[TensionEvent, ...]
    may_submit: bool
    candidates: tuple[LinkedRecord, ...]
    today: date


def read_tension_area(actor: Actor, area_id: int, today: date) -> AreaPage:
    """An area's weekly levels, reports, linked records and events.

    Linked records are shown only where the access layer lets the actor see them (each
    one shown is logged); records offered for linking are the actor's visible hate
    reports and incidents from the last :data:`LINK_CANDIDATE_WEEKS` weeks.

    Raises:
        Forbidden: The actor may not read tension reports.
        NotFound: No such ward or priority neighbourhood.
    """
    _reader(actor)
    area = Area.objects.filter(pk=area_id, level__in=TENSION_AREA_LEVELS).first()
    if area is None:
        raise NotFound("No such ward or neighbourhood")
    reports = list(
        TensionReport.objects.filter(area=area)
        .select_related("area", "agency")
        .prefetch_related("links")
        .order_by("week_starting", "id")
    )
    weeks = weeks_of(_facts(reports))
    week_rows = [
        WeekRow(w, lv, level_label(lv), trend([x for _, x in weeks[: n + 1]]))
        for n, (w, lv) in enumerate(weeks)
    ]
    wanted: dict[str, list[int]] = defaultdict(list)
    for r in reports:
        for link in r.links.all():
            wanted[link.record_type].append(link.record_id)
    seen = {t: _visible(actor, t, ids) for t, ids in wanted.items()}
    shown: list[tuple[str, Any]] = []
    rows = []
    for r in reversed(reports):
        links, hidden = [], 0
        for link in r.links.all():
            obj = seen.get(link.record_type, {}).get(link.record_id)
            if obj is None:
                hidden += 1
                continue
            shown.append((link.record_type, obj))
            links.append(
                LinkedRecord(
                    link.record_type,
                    obj.pk,
                    _label(link.record_type, obj, actor),
                    _url(link.record_type, obj.pk),
                )
            )
        rows.append(
            ReportRow(
                r.pk,
                r.week_starting,
                r.level,
                level_label(r.level),
                r.get_grading_display(),
                r.indicators,
                r.agency.name,
                tuple(links),
                hidden,
            )
        )
    candidates: list[LinkedRecord] = []
    may_submit = may_submit_tension(actor)
    if may_submit:
        since = monday(today) - timedelta(weeks=LINK_CANDIDATE_WEEKS)
        for t in LINK_KINDS:
            for obj in (
                visible_records(actor, t)
                .filter(occurred_on__gte=since, occurred_on__lte=today)
                .order_by("-occurred_on", "-pk")[:25]
            ):
                shown.append((t, obj))
                candidates.append(
                    LinkedRecord(t, obj.pk, _label(t, obj, actor), _url(t, obj.pk))
                )
    _shown(actor, shown)
    events = tuple(
        TensionEvent.objects.filter(
            area=area, happens_on__gte=today - timedelta(weeks=12)
        ).order_by("happens_on", "id")
    )
    return AreaPage(
        area_id=area.pk,
        area=area.name,
        area_code=area.code,
        level_kind=area.get_level_display(),
        weeks=tuple(reversed(week_rows)),
        reports=tuple(rows),
        events=events,
        may_submit=may_submit,
        candidates=tuple(candidates),
        today=today,
    )


# --- The weekly return -----------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyReturnPage:
    """The week's levels by area, the events in it, and the weeks reported."""

    week: date
    rows: tuple[ReturnRow, ...]
    events: tuple[TensionEvent, ...]
    weeks: tuple[date, ...]  # weeks with any report, newest first
    reported: int  # areas reported this week
    carried: int  # areas carried from an earlier week


def _return(actor: Actor, week: date) -> tuple[WeeklyReturnPage, list[int]]:
    _reader(actor)
    week = monday(week)
    reports = list(
        TensionReport.objects.filter(week_starting__lte=week)
        .select_related("area", "agency")
        .order_by("week_starting", "id")
    )
    rows = weekly_return(_facts(reports), week)
    events = tuple(
        TensionEvent.objects.filter(
            happens_on__gte=week, happens_on__lte=week + timedelta(days=6)
        )
        .select_related("area")
        .order_by("happens_on", "id")
    )
    weeks = tuple(
        TensionReport.objects.order_by("-week_starting")
        .values_list("week_starting", flat=True)
        .distinct()
    )
    page = WeeklyReturnPage(
        week=week,
        rows=tuple(rows),
        events=events,
        weeks=weeks,
        reported=sum(not r.carried for r in rows),
        carried=sum(r.carried for r in rows),
    )
    return page, [r.pk for r in reports if r.week_starting == week]


def read_weekly_return(actor: Actor, week: date) -> WeeklyReturnPage:
    """The weekly return for the week ``week`` is in, logged as a consultation of
    each report of that week.

    Raises:
        Forbidden: The actor may not read tension reports.
    """
    page, ids = _return(actor, week)
    record_many(
        actor,
        operation=Operation.CONSULTATION,
        event=RETURN_VIEW_EVENT,
        records=[("tension_report", i, None) for i in ids],
        detail={"week": page.week.isoformat()},
    )
    return page


RETURN_CSV_HEADER = (
    "week_starting",
    "area_code",
    "area",
    "area_type",
    "level",
    "level_name",
    "reported_this_week",
    "last_week_reported",
    "previous_level",
    "trend",
    "eep_grading",
    "reports",
    "agencies",
    "indicators",
)


def weekly_return_csv(
    actor: Actor, week: date
) -> tuple[tuple[str, ...], list[tuple[object, ...]]]:
    """The weekly return as CSV rows, logged as one disclosure of each report of the
    week (the file is sent on, to the police and the NCTT), even when none was made.

    Raises:
        Forbidden: The actor may not read tension reports.
    """
    page, ids = _return(actor, week)
    record_many(
        actor,
        operation=Operation.DISCLOSURE,
        event=RETURN_EXPORT_EVENT,
        records=[("tension_report", i, None) for i in ids]
        or [("tension_return", page.week.isoformat(), None)],
        recipient="CSV download",
        detail={"week": page.week.isoformat(), "areas": len(page.rows)},
    )
    rows: list[tuple[object, ...]] = [
        (
            page.week.isoformat(),
            r.area_code,
            r.area,
            r.area_kind,
            r.level,
            r.level_label.split(" ", 1)[1] if " " in r.level_label else r.level_label,
            "no" if r.carried else "yes",
            r.last_week.isoformat(),
            "" if r.previous is None else r.previous,
            r.trend,
            "; ".join(r.gradings),
            r.reports,
            "; ".join(r.agencies),
            " | ".join(" ".join(t.split()) for t in r.indicators),
        )
        for r in page.rows
    ]
    return RETURN_CSV_HEADER, rows


# --- The map ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MapArea:
    """A ward's current level for the map (level 0: no report)."""

    code: str
    name: str
    area_id: int | None
    level: int
    level_label: str
    trend: str
    week: date | None


def read_tension_map(actor: Actor) -> list[MapArea]:
    """Every ward with its latest level and trend (0 and "" when never reported).

    Raises:
        Forbidden: The actor may not read tension reports.
    """
    _reader(actor)
    wards = list(Area.objects.filter(level=Area.Level.WARD).order_by("name"))
    by_area: dict[int, list[ReportFacts]] = defaultdict(list)
    for f in _facts(
        TensionReport.objects.filter(area__level=Area.Level.WARD)
        .select_related("area", "agency")
        .order_by("week_starting", "id")
    ):
        by_area[f.area_id].append(f)
    out = []
    for w in wards:
        weeks = weeks_of(by_area.get(w.pk, []))
        if weeks:
            week, level = weeks[-1]
            out.append(
                MapArea(
                    w.code,
                    w.name,
                    w.pk,
                    level,
                    level_label(level),
                    trend([lv for _, lv in weeks]),
                    week,
                )
            )
        else:
            out.append(MapArea(w.code, w.name, w.pk, 0, "Not reported", "", None))
    return out
