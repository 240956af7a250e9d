"""The hate crime team's pages as reads: each page's reports the actor may see, shown.

One reader per page: ``read_hate_queue`` (the triage queue), ``read_hate_repeats``
(repeat victims and locations), ``read_hate_report_page`` (a report) and
``read_hate_report_form`` (a report for the triage, referral, closing and conflict
pages). Each reads through ``hate_reports_visible_to`` (the sharing agreements), names
people as the actor's role allows, and logs what it returns as consulted in one write
(``record_consultations``), under the event names the pages have always used. The
views only parse the request and render.

Hate reports are opened by practitioners and case coordinators only
(``partners.policy.may_open``): every reader refuses anyone else with ``Forbidden``.
Each costs a fixed number of queries however many reports it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from saferleeds import partnership
from saferleeds.audit.log import record_consultations
from saferleeds.hate import repeats as repeat_rules
from saferleeds.hate.access import access_hate_report_by_id, hate_reports_visible_to
from saferleeds.hate.models import HateReport
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import (
    Actor,
    may_change,
    may_open,
    pseudonymised,
    require_open,
)
from saferleeds.people.access import PeopleQuery, people_visible_to, search_people
from saferleeds.people.models import Person
from saferleeds.people.present import PersonView, pseudonym

__all__ = [
    "QUEUE_LIMIT",
    "REPEATS_LIMIT",
    "HateQueue",
    "HateReportForm",
    "HateReportPage",
    "HateRepeats",
    "QueueFilters",
    "QueueRow",
    "empty_hate_queue",
    "may_triage",
    "read_hate_queue",
    "read_hate_report_form",
    "read_hate_report_page",
    "read_hate_repeats",
]

QUEUE_LIMIT = 200
REPEATS_LIMIT = 20

# The pages' audit events (unchanged from when the views wrote them).
LIST_EVENT = "incidents.hate_report.list"
REPEATS_EVENT = "incidents.hate_report.repeats"
VIEW_EVENT = "incidents.hate_report.view"

HATE = RecordType.HATE_REPORT


def may_triage(actor: Actor) -> bool:
    """Whether the actor is on a hate crime team: their roles open hate reports.

    The triage pages' guard and their menu tab (``hate.hooks``) both ask this.
    """
    return may_open(actor, HATE)


_PAGE_RELATED = ("agency", "reporting_centre", "case", "triaged_by")


def _audit(actor: Actor, event: str, reports: list[HateReport]) -> None:
    """One consultation entry per report shown, in one write (none for none)."""
    record_consultations(
        actor, [(event, [(HATE, r.pk, r.victim_id) for r in reports], {})]
    )


def _opener(actor: Actor) -> bool:
    """Refuse a role that never opens hate reports; whether the actor is identified."""
    require_open(actor, HATE)
    return not pseudonymised(actor)


def _strand_labels(report: HateReport) -> tuple[str, ...]:
    labels = dict(HateReport.Strand.choices)
    out = [labels.get(s, s) for s in report.strands]
    if report.strand_other:
        out.append(f"({report.strand_other})")
    return tuple(out)


# --- The triage queue ------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """What the queue may be filtered by (all optional)."""

    status: str = ""
    received_from: date | None = None
    received_to: date | None = None
    strand: str = ""
    show_closed: bool = False  # closed reports are hidden unless asked for


@dataclass(frozen=True)
class QueueRow:
    """A report in the queue, with its strands and repeat counts in the window."""

    report: HateReport
    strands: tuple[str, ...]
    repeat_victim: int
    repeat_location: int
    age_days: int = 0  # days since it was received
    overdue: bool = False  # still new after the triage service level


@dataclass(frozen=True)
class HateQueue:
    """The queue: the first ``limit`` reports of ``total`` matching, open reports
    oldest first (the longest waiting at the top), then any closed ones asked for.

    ``triage_days`` is the service level ages are shown against
    (``[casework.hate] triage_days``); ``overdue`` counts the new reports past it.
    """

    rows: tuple[QueueRow, ...]
    total: int
    limit: int
    window_days: int
    triage_days: int = 3
    overdue: int = 0


def empty_hate_queue() -> HateQueue:
    """The queue shown when its filters are not valid: nothing read, nothing logged."""
    return HateQueue(
        (), 0, QUEUE_LIMIT, repeat_rules.window_days(), triage_service_days()
    )


def triage_service_days() -> int:
    """The triage service level in days (``[casework.hate] triage_days``)."""
    return partnership.current().casework.hate.triage_days


def _filtered(reports: QuerySet[HateReport], f: QueueFilters) -> QuerySet[HateReport]:
    if f.status:
        reports = reports.filter(status=f.status)
    elif not f.show_closed:
        reports = reports.exclude(status=HateReport.Status.CLOSED)
    if f.received_from:
        reports = reports.filter(received_at__date__gte=f.received_from)
    if f.received_to:
        reports = reports.filter(received_at__date__lte=f.received_to)
    if f.strand:
        # JSON containment is not portable to SQLite: filter the strands in Python.
        reports = reports.filter(
            pk__in=[
                pk
                for pk, strands in reports.values_list("pk", "strands")
                if f.strand in (strands or [])
            ]
        )
    return reports


def read_hate_queue(
    actor: Actor, filters: QueueFilters | None = None, *, limit: int = QUEUE_LIMIT
) -> HateQueue:
    """The reports the actor may see, filtered, open ones oldest first (closed ones
    hidden unless asked for, then last), each with its age against the triage service
    level and its repeat markers; logs each report shown
    (``incidents.hate_report.list``).

    Raises:
        Forbidden: The actor's roles never open hate reports.
    """
    _opener(actor)
    visible = hate_reports_visible_to(actor)
    reports = _filtered(
        visible.select_related("reporting_centre", "agency"), filters or QueueFilters()
    )
    total = reports.count()
    closed_last = Case(
        When(status=HateReport.Status.CLOSED, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        list(reports.order_by(closed_last, "received_at", "pk")[:limit])
        if total
        else []
    )
    found = repeat_rules.find_repeats(visible)
    _audit(actor, LIST_EVENT, rows)
    today = timezone.localdate()
    service = triage_service_days()
    out = []
    for r in rows:
        age = (today - timezone.localdate(r.received_at)).days
        out.append(
            QueueRow(
                r,
                _strand_labels(r),
                found.victim_count.get(r.pk, 0),
                found.location_count.get(r.pk, 0),
                age_days=age,
                overdue=r.status == HateReport.Status.NEW and age > service,
            )
        )
    return HateQueue(
        rows=tuple(out),
        total=total,
        limit=limit,
        window_days=repeat_rules.window_days(),
        triage_days=service,
        overdue=sum(row.overdue for row in out),
    )


# --- Repeat victims and locations ------------------------------------------------------


@dataclass(frozen=True)
class HateRepeats:
    """The top repeat victims (with how each is named) and repeat locations."""

    victims: tuple[tuple[repeat_rules.Group, str], ...]
    locations: tuple[repeat_rules.Group, ...]
    window_days: int
    window_start: date


def _victim_label(
    group: repeat_rules.Group, people: dict[int, Person], identified: bool
) -> str:
    latest = group.latest
    for r in group.reports:
        if r.victim_id in people:
            p = people[r.victim_id]
            return f"{p.given_name} {p.family_name}" if identified else pseudonym(p.pk)
    if latest.victim_id is not None:
        return "A linked person you cannot see"
    if not identified:
        return "Contact details (not shown)"
    return latest.contact_name or latest.contact_email or latest.contact_phone


def read_hate_repeats(actor: Actor, *, limit: int = REPEATS_LIMIT) -> HateRepeats:
    """The top repeat victims and locations among the reports the actor may see; logs
    each report shown (``incidents.hate_report.repeats``).

    Raises:
        Forbidden: The actor's roles never open hate reports.
    """
    identified = _opener(actor)
    found = repeat_rules.find_repeats(hate_reports_visible_to(actor))
    victims = found.victims[:limit]
    locations = found.locations[:limit]
    person_ids = {r.victim_id for g in victims for r in g.reports if r.victim_id}
    people = (
        {p.pk: p for p in people_visible_to(actor).filter(pk__in=person_ids)}
        if person_ids
        else {}
    )
    shown = {r.pk: r for g in [*victims, *locations] for r in g.reports}
    _audit(actor, REPEATS_EVENT, list(shown.values()))
    return HateRepeats(
        victims=tuple((g, _victim_label(g, people, identified)) for g in victims),
        locations=tuple(locations),
        window_days=repeat_rules.window_days(),
        window_start=repeat_rules.window_start(),
    )


# --- One report ------------------------------------------------------------------------


@dataclass(frozen=True)
class HateReportPage:
    """A report as the hate crime team's page shows it."""

    report: HateReport
    strands: tuple[str, ...]
    victim: Person | None  # the linked person, if the actor may see them
    can_change: bool
    repeat_victim: int
    repeat_location: int
    window_days: int


def _victim(actor: Actor, report: HateReport) -> Person | None:
    if not report.victim_id:
        return None
    return people_visible_to(actor).filter(pk=report.victim_id).first()


def _can_change(actor: Actor, report: HateReport) -> bool:
    return may_change(actor, {report.agency_id}, {report.case_id} - {None})


def read_hate_report_page(actor: Actor, report_id: int) -> HateReportPage:
    """A report, its linked victim and its repeat counts; logs the report
    (``incidents.hate_report.view``).

    Raises:
        Forbidden: The actor's roles never open hate reports.
        NotFound: Missing or not visible (the refusal is logged).
    """
    _opener(actor)
    report = access_hate_report_by_id(
        actor, report_id, audit=False, related=_PAGE_RELATED
    )
    _audit(actor, VIEW_EVENT, [report])
    found = repeat_rules.find_repeats(hate_reports_visible_to(actor))
    return HateReportPage(
        report=report,
        strands=_strand_labels(report),
        victim=_victim(actor, report),
        can_change=_can_change(actor, report),
        repeat_victim=found.victim_count.get(report.pk, 0),
        repeat_location=found.location_count.get(report.pk, 0),
        window_days=repeat_rules.window_days(),
    )


@dataclass(frozen=True)
class HateReportForm:
    """A report for a page that changes it (or says someone else saved first)."""

    report: HateReport
    can_change: bool
    current_victim: Person | None  # read when asked for (the triage page)
    results: tuple[PersonView, ...] | None  # the people search, when asked


def read_hate_report_form(
    actor: Actor,
    report_id: int,
    *,
    audit: bool = True,
    with_victim: bool = False,
    search: str = "",
) -> HateReportForm:
    """A report for the triage, referral or closing form; logs the report
    (``incidents.hate_report.view``) when ``audit`` (showing a form: a save is logged
    by its action). ``search``: a people search by name for the triage's person
    picker (each person found logged by ``read_people_search``).

    Raises:
        Forbidden: The actor's roles never open hate reports.
        NotFound: Missing or not visible (the refusal is logged).
    """
    _opener(actor)
    report = access_hate_report_by_id(actor, report_id, audit=audit)
    results = tuple(search_people(actor, PeopleQuery(name=search))) if search else None
    return HateReportForm(
        report=report,
        can_change=_can_change(actor, report),
        current_victim=_victim(actor, report) if with_victim else None,
        results=results,
    )
