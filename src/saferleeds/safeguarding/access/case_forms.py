"""The case list, the case forms' choices and document downloads, as reads.

Each reader applies the sharing agreements (the ``*_visible_to`` querysets), shows
records as the actor's role allows (``None`` for what a pseudonymised actor may not
see), and logs what it returns as consulted in one write, under the event names the
pages have always used:

* :func:`read_case_list`: the case list (``safeguarding.case.list``), a fixed number
  of queries however many cases a page lists;
* :func:`person_link_choices`, :func:`place_link_choices`: the people and places a
  case's incidents offer to link (``safeguarding.case.person_options``,
  ``safeguarding.case.place_options``);
* :func:`open_case_document`: a document's bytes, after the check, the disclosure
  logged (``safeguarding.case_document.download``);
* :func:`count_open_tasks`, :func:`incident_ids_by_reference`: counts and ids only
  (nobody's details: not logged).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.paginator import Paginator
from django.db.models import F, Min, Q
from django.utils import timezone

from saferleeds.audit.log import record_consultations
from saferleeds.incidents.access import incidents_visible_to
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import Actor, Forbidden, NotFound, pseudonymised
from saferleeds.people.access import people_visible_to
from saferleeds.people.present import present_person
from saferleeds.places.access import places_visible_to
from saferleeds.places.models import Area
from saferleeds.safeguarding import documents
from saferleeds.safeguarding.access.cases import (
    access_case_document_by_id,
    case_tasks_visible_to,
    cases_visible_to,
)
from saferleeds.safeguarding.models import Case, CasePlace, CaseTask, RiskLevel

__all__ = [
    "LIST_EVENT",
    "CaseListPage",
    "CaseRow",
    "DocumentDownload",
    "count_open_tasks",
    "incident_ids_by_reference",
    "open_case_document",
    "person_link_choices",
    "place_link_choices",
    "read_case_list",
]

LIST_EVENT = "safeguarding.case.list"
PERSON_OPTIONS_EVENT = "safeguarding.case.person_options"
PLACE_OPTIONS_EVENT = "safeguarding.case.place_options"
DOWNLOAD_EVENT = "safeguarding.case_document.download"
PAGE_SIZE = 25


@dataclass(frozen=True)
class CaseRow:
    """One case in the list; reference and title are ``None`` when pseudonymised."""

    id: int
    reference: str | None
    title: str | None
    case_type: str
    status: str
    risk: str
    lead_agency: str
    area: str
    next_due: date | None
    overdue: bool


@dataclass(frozen=True)
class CaseListPage:
    """One page of the case list, with what its pagination shows.

    It answers as both Django's ``Page`` and ``Paginator`` do where the list's template
    asks (``number``, ``has_next``, ``count``, ``num_pages``, ``page_range``...).
    """

    rows: tuple[CaseRow, ...]
    number: int
    count: int
    num_pages: int
    pseudonymised: bool

    @property
    def has_next(self) -> bool:
        """Whether a later page exists."""
        return self.number < self.num_pages

    @property
    def has_previous(self) -> bool:
        """Whether an earlier page exists."""
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        """The next page's number."""
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        """The previous page's number."""
        return self.number - 1

    @property
    def page_range(self) -> range:
        """Every page's number."""
        return range(1, self.num_pages + 1)


def _filtered(actor: Actor, filters: dict[str, Any]) -> Any:
    qs = cases_visible_to(actor)
    today = timezone.localdate()
    if filters.get("status") in (Case.Status.OPEN, Case.Status.CLOSED):
        qs = qs.filter(status=filters["status"])
    if "case_type" in filters:
        qs = qs.filter(case_type=filters["case_type"])
    if "lead_agency" in filters:
        qs = qs.filter(lead_agency_id=filters["lead_agency"])
    if "area" in filters:
        area = Area.objects.filter(pk=filters["area"]).first()
        if area is not None:
            qs = qs.filter(Q(area=area) | Q(area__within=area))
    due = filters.get("due")
    if due == "overdue":
        late = case_tasks_visible_to(actor).filter(
            completed_on__isnull=True, due_on__lt=today
        )
        qs = qs.filter(pk__in=late.values("case_id"))
    elif due:
        qs = qs.filter(
            status=Case.Status.OPEN, review_due_on__lte=today + timedelta(days=int(due))
        )
    return qs.select_related("lead_agency", "area").order_by(
        F("review_due_on").asc(nulls_last=True), "-opened_on", "pk"
    )


def _rows(actor: Actor, cases: list[Case], identified: bool) -> list[CaseRow]:
    """The rows, each case's next task due read for all of them in one query."""
    today = timezone.localdate()
    task_due = dict(
        CaseTask.objects.filter(
            pk__in=case_tasks_visible_to(actor).values("pk"),
            case_id__in=[c.pk for c in cases],
            completed_on__isnull=True,
        )
        .values("case_id")
        .annotate(first=Min("due_on"))
        .values_list("case_id", "first")
    )
    rows = []
    for c in cases:
        dates = [d for d in (task_due.get(c.pk), c.review_due_on) if d is not None]
        if c.status != Case.Status.OPEN:
            dates = []
        next_due = min(dates) if dates else None
        rows.append(
            CaseRow(
                id=c.pk,
                reference=c.reference if identified else None,
                title=c.title if identified else None,
                case_type=Case.Type(c.case_type).label,
                status=Case.Status(c.status).label,
                risk=RiskLevel(c.risk_level).label if c.risk_level else "Not assessed",
                lead_agency=c.lead_agency.name,
                area=c.area.name if c.area else "Not set",
                next_due=next_due,
                overdue=next_due is not None and next_due < today,
            )
        )
    return rows


def read_case_list(
    actor: Actor,
    filters: dict[str, Any],
    page: int | str | None = None,
    *,
    page_size: int = PAGE_SIZE,
) -> CaseListPage:
    """One page of the cases the actor may see, filtered; each case listed is logged.

    Args:
        actor: Who is reading.
        filters: ``status`` (``open``, ``closed`` or anything else for both),
            ``case_type``, ``lead_agency``, ``area``, ``due`` (``overdue`` or days).
        page: The page asked for (out of range or not a number: the nearest page).
        page_size: Cases a page.

    Returns:
        The page, pseudonymised as the actor's role requires.
    """
    identified = not pseudonymised(actor)
    paginator = Paginator(_filtered(actor, filters), page_size)
    shown = paginator.get_page(page)
    cases = list(shown.object_list)
    record_consultations(
        actor,
        [
            (
                LIST_EVENT,
                [(RecordType.CASE, c.pk, None) for c in cases],
                {"filters": sorted(k for k in filters if k != "status")},
            )
        ],
    )
    return CaseListPage(
        rows=tuple(_rows(actor, cases, identified)),
        number=shown.number,
        count=paginator.count,
        num_pages=paginator.num_pages,
        pseudonymised=not identified,
    )


def count_open_tasks(actor: Actor, case_id: int) -> int:
    """How many of the case's tasks the actor may see are not done (a count only)."""
    return (
        case_tasks_visible_to(actor)
        .filter(case_id=case_id, completed_on__isnull=True)
        .count()
    )


def incident_ids_by_reference(
    actor: Actor, reference: str, *, limit: int = 2
) -> list[int]:
    """The ids of incidents the actor may see with this agency reference (any case).

    Ids only, to link one: the link action reads and logs the incident itself.
    """
    return list(
        incidents_visible_to(actor)
        .filter(reference__iexact=reference)
        .values_list("pk", flat=True)[:limit]
    )


def person_link_choices(actor: Actor, case_id: int) -> list[tuple[int, str]]:
    """``(person id, name)`` of the people the actor may see on the case's incidents
    (their names as the actor's role allows), each logged as consulted."""
    incidents = incidents_visible_to(actor).filter(case_links__case_id=case_id)
    people = list(
        people_visible_to(actor)
        .filter(incident_roles__incident__in=incidents.values("pk"))
        .order_by("family_name", "given_name", "pk")
    )
    record_consultations(
        actor,
        [
            (
                PERSON_OPTIONS_EVENT,
                [(RecordType.PERSON, p.pk, p.pk) for p in people],
                {"case": case_id},
            )
        ],
    )
    return [(p.pk, present_person(actor, p).display_name) for p in people]


def _place_label(place: Any) -> str:
    label = ", ".join(p for p in (place.address, place.postcode) if p)
    label = label or f"Place {place.pk}"
    return f"{label} ({place.lsoa.name})" if place.lsoa else label


def place_link_choices(actor: Actor, case_id: int) -> list[tuple[int, str]]:
    """``(place id, address)`` of the places the actor may see of the case's incidents
    that are not on the case yet, each logged as consulted."""
    linked = CasePlace.objects.filter(case_id=case_id).values("place_id")
    incidents = incidents_visible_to(actor).filter(case_links__case_id=case_id)
    places = list(
        places_visible_to(actor)
        .filter(pk__in=incidents.values("place_id"))
        .exclude(pk__in=linked)
        .select_related("lsoa")
        .order_by("address", "pk")
    )
    record_consultations(
        actor,
        [
            (
                PLACE_OPTIONS_EVENT,
                [(RecordType.PLACE, p.pk, None) for p in places],
                {"case": case_id},
            )
        ],
    )
    return [(p.pk, _place_label(p)) for p in places]


@dataclass(frozen=True)
class DocumentDownload:
    """A document's bytes and how to send them."""

    id: int
    data: bytes
    content_type: str
    filename: str  # the name to download it as


def open_case_document(
    actor: Actor, case_id: int, document_id: int
) -> DocumentDownload:
    """A document on a case, checked and logged as disclosed to the actor.

    Raises:
        Forbidden: A pseudonymised actor (a document cannot be pseudonymised: analysts
            see that it exists, not its content).
        NotFound: Missing, not visible, on another case, or its file is gone.
    """
    if pseudonymised(actor):
        raise Forbidden("Documents are not available to analysts.")
    doc = access_case_document_by_id(
        actor, document_id, event=DOWNLOAD_EVENT, audit=False
    )
    if doc.case_id != case_id:
        raise NotFound("not a document of this case")
    # Logged once the document is known to be this case's, as the bytes go out.
    record_consultations(
        actor, [(DOWNLOAD_EVENT, [(RecordType.ATTACHMENT, doc.pk, None)], {})]
    )
    try:
        data = documents.read_document(doc.stored_name)
    except FileNotFoundError as exc:
        raise NotFound("document file missing") from exc
    return DocumentDownload(
        id=doc.pk,
        data=data,
        content_type=doc.content_type,
        filename=documents.download_name(doc.original_name),
    )
