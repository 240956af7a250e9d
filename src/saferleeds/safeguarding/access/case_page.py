"""The case page as one read: everything on a case the actor may see, already shown.

:func:`read_case_page` is how the case page (``/cases/<id>/``) and the API's case
(``GET /api/v1/cases/<id>/``) read a case. It applies the sharing agreements to every
record on the case, withholds what a pseudonymised actor (an analyst) may not see
(reference, title, free text, names, document titles, addresses: ``None``), and logs in
one write the consultation of the case (``safeguarding.case.view``) and of each record
shown with it (``safeguarding.case.view_records``, detail ``{"case", "channel"}``).
Each casework module's panel of a case of its type comes with it (``panels``), shaped
by the module (registered through ``core.registry.register_case_module``) from the same
records, as are the module's timeline entries.
Callers only render what it returns.

It costs a fixed number of queries however many records the case holds: one per kind
of record, each with the agencies and people it shows joined in, and the people and
places on the case each read with their visibility in one query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from saferleeds.audit.log import record_consultations
from saferleeds.core.records import RecordKind, kinds
from saferleeds.core.registry import TimelineEvent, case_modules
from saferleeds.incidents.access import incidents_visible_to
from saferleeds.incidents.models import Incident
from saferleeds.partners.access import fetch_visible, visible_records
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import (
    CASEWORK_ROLES,
    Actor,
    may_change,
    pseudonymised,
)
from saferleeds.people.access import people_visible_to
from saferleeds.people.models import Person, SubjectRole
from saferleeds.people.present import person_path, pseudonym
from saferleeds.places.access import places_visible_to
from saferleeds.safeguarding.access.cases import (
    case_documents_visible_to,
    case_tasks_visible_to,
    cases_visible_to,
    notes_visible_to,
)
from saferleeds.safeguarding.models import (
    Case,
    CaseMember,
    CaseNote,
    CasePerson,
    CasePlace,
    RiskLevel,
)

__all__ = [
    "API_SECTIONS",
    "CASE_EVENT",
    "RECORDS_EVENT",
    "SECTIONS",
    "CaseFacts",
    "CasePage",
    "DocumentRow",
    "IncidentRow",
    "LinkRow",
    "MemberRow",
    "NoteRow",
    "PersonRow",
    "PlaceRow",
    "TaskRow",
    "TimelineEvent",
    "read_case_page",
]

#: The audit event of the case itself, and of each record shown with it.
CASE_EVENT = "safeguarding.case.view"
RECORDS_EVENT = "safeguarding.case.view_records"

#: What a case page may show; a reader of fewer parts reads (and logs) only those.
SECTIONS = frozenset(
    {"notes", "tasks", "documents", "incidents", "modules", "people", "places"}
    | {"members"}
)
#: What the API's case shows: its members, the people on it and its tasks.
API_SECTIONS = frozenset({"people", "tasks", "members"})


def _sections_of(module: str) -> list[str]:
    """The case-page sections of one module's record kinds."""
    return [str(k.case_section) for k in _module_kinds() if k.module == module]


def _module_kinds() -> list[RecordKind]:
    """The record kinds casework modules show in their sections of a case page, as
    their apps declare them (``case_section``): each read with the foreign keys its
    section shows. The modules' actions put their records on cases of their own type
    only, so a case of another type holds none and is not read."""
    return [k for k in kinds() if k.case_section]


@dataclass(frozen=True)
class CaseFacts:
    """The case itself; identifying fields are ``None`` for a pseudonymised actor."""

    id: int
    reference: str | None
    title: str | None
    summary: str | None
    heading: str  # "reference: title", or "Case <id>" when pseudonymised
    page_title: str  # the reference, or "Case <id>"
    case_type: str
    type_label: str
    status: str
    is_open: bool
    closed_on: date | None
    outcome: str
    outcome_label: str
    outcome_note: str | None
    risk_level: str
    risk_label: str
    lead_agency_id: int
    lead_agency_code: str
    lead_agency_name: str
    area_name: str
    opened_on: date
    review_due_on: date | None
    consent: str
    consent_label: str
    consent_recorded_on: date | None
    consent_note: str | None
    version: int


@dataclass(frozen=True)
class TaskRow:
    """A task or MARAC action; its wording is ``None`` when pseudonymised."""

    id: int
    label: str  # the title, or "Task <id>" / "MARAC action <id>"
    title: str | None
    detail: str | None
    completion_note: str | None
    owner_agency_code: str
    owner_agency_name: str
    assigned_to: str  # the worker's name, or ""
    due_on: date
    completed_on: date | None
    marac_referral_id: int | None
    overdue: bool
    can_complete: bool


@dataclass(frozen=True)
class NoteRow:
    """A case note; its text is ``None`` when pseudonymised."""

    id: int
    kind: str
    created_at: datetime
    author: str
    agency_name: str
    text: str | None


@dataclass(frozen=True)
class DocumentRow:
    """A document; title and file name are ``None`` when pseudonymised (no link)."""

    id: int
    label: str  # the title, or "Document <id>"
    title: str | None
    original_name: str | None
    agency_name: str
    uploaded_at: datetime
    size: int


@dataclass(frozen=True)
class IncidentRow:
    """An incident linked to the case; its reference is ``None`` when pseudonymised."""

    id: int
    category_label: str
    occurred_on: date
    agency_name: str
    reference: str | None
    label: str  # the reference, or the id


@dataclass(frozen=True)
class PersonRow:
    """A person on the case, with their roles, as the actor may see them."""

    id: int | None  # None when pseudonymised (security finding 13)
    name: str  # name, or pseudonym
    roles: tuple[tuple[str, str], ...]  # (value, label)
    url: str  # by pseudonym for analysts, who never see the id


@dataclass(frozen=True)
class LinkRow:
    """One person-role link on the case (the API lists links, in link order)."""

    person_id: int | None  # None when pseudonymised
    pseudonym: str
    role: str


@dataclass(frozen=True)
class PlaceRow:
    """A place on the case: its address, or only its area when pseudonymised."""

    place_id: int
    label: str
    note: str | None


@dataclass(frozen=True)
class MemberRow:
    """A named worker on the case."""

    user_id: int
    username: str
    name: str
    agency_name: str


@dataclass(frozen=True)
class CasePage:
    """Everything one actor may see on one case, as they may see it.

    Sections not read (see ``SECTIONS``) are empty.
    """

    case: CaseFacts
    pseudonymised: bool
    can_change: bool  # may change the case's records (practitioner of the lead agency
    # or a member); adding is further limited to open cases by the page
    is_lead: bool
    tasks: tuple[TaskRow, ...] = ()
    notes: tuple[NoteRow, ...] = ()
    documents: tuple[DocumentRow, ...] = ()
    incidents: tuple[IncidentRow, ...] = ()
    people: tuple[PersonRow, ...] = ()
    people_links: tuple[LinkRow, ...] = ()
    hidden_people: int = 0
    places: tuple[PlaceRow, ...] = ()
    hidden_places: int = 0
    members: tuple[MemberRow, ...] = ()
    timeline: tuple[TimelineEvent, ...] = ()
    # The casework modules' records shown (ids by section), for their own panels.
    module_ids: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # Each casework module's panel, by module label, as the module shaped it from the
    # records shown (``core.registry.CaseModule.read_panel``; when modules are read).
    panels: dict[str, Any] = field(default_factory=dict)

    @property
    def open_tasks(self) -> int:
        """How many of the tasks shown are not done."""
        return sum(1 for t in self.tasks if t.completed_on is None)


def _name(user: Any) -> str:
    return str(user.get_full_name() or user.username) if user else ""


def _local(dt: datetime) -> tuple[date, datetime]:
    local = timezone.localtime(dt)
    return local.date(), local


def _facts(case: Case, identified: bool) -> CaseFacts:
    reference = case.reference if identified else None
    return CaseFacts(
        id=case.pk,
        reference=reference,
        title=case.title if identified else None,
        summary=case.summary if identified else None,
        heading=f"{case.reference}: {case.title}" if identified else f"Case {case.pk}",
        page_title=case.reference if identified else f"Case {case.pk}",
        case_type=case.case_type,
        type_label=Case.Type(case.case_type).label,
        status=case.status,
        is_open=case.status == Case.Status.OPEN,
        closed_on=case.closed_on,
        outcome=case.outcome,
        outcome_label=case.get_outcome_display() if case.outcome else "",
        outcome_note=case.outcome_note if identified else None,
        risk_level=case.risk_level,
        risk_label=RiskLevel(case.risk_level).label if case.risk_level else "",
        lead_agency_id=case.lead_agency_id,
        lead_agency_code=case.lead_agency.code,
        lead_agency_name=case.lead_agency.name,
        area_name=case.area.name if case.area_id else "",
        opened_on=case.opened_on,
        review_due_on=case.review_due_on,
        consent=case.consent,
        consent_label=case.get_consent_display(),
        consent_recorded_on=case.consent_recorded_on,
        consent_note=case.consent_note if identified else None,
        version=case.version,
    )


def person_name(person: Person | None, identified: bool) -> str:
    if person is None:
        return "Not known"
    if not identified:
        return pseudonym(person.pk)
    return f"{person.given_name} {person.family_name}"


def _records(
    actor: Actor, case: Case, sections: frozenset[str]
) -> dict[str, list[Any]]:
    """The records on the case the actor may see, each through its access queryset."""
    shown: dict[str, list[Any]] = {}
    if "notes" in sections:
        shown["notes"] = list(
            notes_visible_to(actor)
            .filter(case=case)
            .select_related("author", "author_agency")
            .order_by("-created_at", "-pk")
        )
    if "tasks" in sections:
        shown["tasks"] = list(
            case_tasks_visible_to(actor)
            .filter(case=case)
            .select_related(
                "owner_agency", "assigned_to", "completed_by", "created_by_agency"
            )
            .order_by("due_on", "pk")
        )
    if "documents" in sections:
        shown["documents"] = list(
            case_documents_visible_to(actor)
            .filter(case=case)
            .select_related("agency", "uploaded_by")
            .order_by("-uploaded_at", "-pk")
        )
    if "incidents" in sections:
        shown["incidents"] = list(
            incidents_visible_to(actor)
            .filter(case_links__case=case)
            .select_related("owner_agency")
            .order_by("-occurred_on", "-pk")
        )
    if "modules" in sections:
        for module in _module_kinds():
            if case.case_type != module.case_type:
                continue
            qs: QuerySet[Any] = visible_records(actor, module).filter(case=case)
            shown[str(module.case_section)] = list(
                qs.select_related(module.holder, *module.related).order_by("-pk")
            )
    return shown


def _timeline(
    case: Case, shown: dict[str, list[Any]], identified: bool
) -> list[TimelineEvent]:
    """Everything that happened on the case that the actor may see, newest first."""
    E = TimelineEvent
    events = [E(case.opened_on, None, "Case opened", case.lead_agency.name, None)]
    if case.closed_on:
        events.append(
            E(
                case.closed_on,
                None,
                f"Case closed: {Case.Outcome(case.outcome).label.lower()}"
                if case.outcome
                else "Case closed",
                case.lead_agency.name,
                case.outcome_note if identified and case.outcome_note else None,
            )
        )
    for n in shown.get("notes", ()):
        on, at = _local(n.created_at)
        events.append(
            E(
                on,
                at,
                f"{CaseNote.Kind(n.kind).label} recorded",
                f"{_name(n.author)}, {n.author_agency.name}",
                n.text if identified else None,
            )
        )
    for t in shown.get("tasks", ()):
        on, at = _local(t.created_at)
        label = "MARAC action" if t.marac_referral_id else "Task"
        events.append(
            E(
                on,
                at,
                f"{label} set for {t.owner_agency.name}",
                t.created_by_agency.name,
                t.title if identified else None,
            )
        )
        if t.completed_on:
            byline = ", ".join(
                x for x in (_name(t.completed_by), t.owner_agency.name) if x
            )
            events.append(
                E(
                    t.completed_on,
                    None,
                    f"{label} completed",
                    byline,
                    t.completion_note if identified else None,
                )
            )
    for d in shown.get("documents", ()):
        on, at = _local(d.uploaded_at)
        title = d.title if identified else None
        events.append(E(on, at, "Document added", d.agency.name, title))
    for i in shown.get("incidents", ()):
        events.append(
            E(
                i.occurred_on,
                None,
                f"Incident: {Incident.Category(i.category).label}",
                i.owner_agency.name,
                (i.summary or None) if identified else None,
            )
        )
    # Each casework module's entries for its records (``CaseModule.timeline``).
    for module in case_modules(case.case_type):
        if module.timeline is None:
            continue
        for section in _sections_of(module.label):
            events += module.timeline(section, shown.get(section, []), identified)
    # An event known only by its date (a completion, a closure) was recorded after the
    # timed events of that day, so it sorts above them; the opening sorts below them.
    opening = events[0]
    return sorted(
        events,
        key=lambda e: (
            e.on,
            e.at.time() if e.at else (time.min if e is opening else time.max),
        ),
        reverse=True,
    )


def _people(
    actor: Actor, case: Case, identified: bool
) -> tuple[list[PersonRow], list[LinkRow], int, list[int]]:
    """The people on the case the actor may see (one query, visibility included).

    Returns:
        ``(rows by person, rows by link, people hidden, ids of people shown)``.
    """
    links = list(
        CasePerson.objects.filter(case=case)
        .annotate(
            shown=Exists(people_visible_to(actor).filter(pk=OuterRef("person_id")))
        )
        .select_related("person")
        .order_by("pk")
    )
    visible = [link for link in links if link.shown]
    people: dict[int, Person] = {link.person_id: link.person for link in visible}
    rows = []
    for pid in sorted(people):
        roles = tuple(
            sorted(
                {
                    (r.role, SubjectRole(r.role).label)
                    for r in visible
                    if r.person_id == pid
                },
                key=lambda r: r[1],
            )
        )
        rows.append(
            PersonRow(
                pid if identified else None,
                person_name(people[pid], identified),
                roles,
                person_path(actor, pid),
            )
        )
    by_link = [
        LinkRow(
            link.person_id if identified else None, pseudonym(link.person_id), link.role
        )
        for link in visible
    ]
    hidden = len({link.person_id for link in links} - set(people))
    return rows, by_link, hidden, sorted(people)


def _places(actor: Actor, case: Case, identified: bool) -> tuple[list[PlaceRow], int]:
    """The places on the case the actor may see (one query), and how many are hidden."""
    links = list(
        CasePlace.objects.filter(case=case)
        .annotate(
            shown=Exists(places_visible_to(actor).filter(pk=OuterRef("place_id")))
        )
        .select_related("place__lsoa")
        .order_by("pk")
    )
    rows = []
    for link in links:
        if not link.shown:
            continue
        place = link.place
        if identified:
            label = place.address or "Address not recorded"
            if place.postcode:
                label += f", {place.postcode}"
        else:
            label = place.lsoa.name if place.lsoa_id else "Area not known"
        rows.append(
            PlaceRow(link.place_id, label, (link.note or None) if identified else None)
        )
    return rows, len(links) - len(rows)


def _members(case: Case) -> list[MemberRow]:
    rows = []
    for m in (
        CaseMember.objects.filter(case=case)
        .select_related("user__membership__agency")
        .order_by("user__last_name", "user__first_name")
    ):
        try:
            agency = m.user.membership.agency.name
        except ObjectDoesNotExist:
            agency = ""
        rows.append(MemberRow(m.user_id, m.user.username, _name(m.user), agency))
    return rows


def _task_rows(
    actor: Actor, case: Case, tasks: Iterable[Any], identified: bool
) -> list[TaskRow]:
    today = timezone.localdate()
    is_open = case.status == Case.Status.OPEN
    rows = []
    for t in tasks:
        kind = "MARAC action" if t.marac_referral_id else "Task"
        rows.append(
            TaskRow(
                id=t.pk,
                label=t.title if identified else f"{kind} {t.pk}",
                title=t.title if identified else None,
                detail=t.detail if identified else None,
                completion_note=(t.completion_note or None) if identified else None,
                owner_agency_code=t.owner_agency.code,
                owner_agency_name=t.owner_agency.name,
                assigned_to=_name(t.assigned_to),
                due_on=t.due_on,
                completed_on=t.completed_on,
                marac_referral_id=t.marac_referral_id,
                overdue=t.completed_on is None and t.due_on < today,
                can_complete=is_open
                and t.completed_on is None
                and actor.has(CASEWORK_ROLES)
                and actor.agency_id in {t.owner_agency_id, case.lead_agency_id},
            )
        )
    return rows


def read_case_page(
    actor: Actor,
    case_id: int,
    *,
    channel: str = "web",
    sections: frozenset[str] = SECTIONS,
) -> CasePage:
    """Read a case and what is on it, as the actor may see it, and log what is shown.

    Args:
        actor: Who is reading.
        case_id: The case.
        channel: ``"web"`` or ``"api"``, recorded in the audit entries' detail.
        sections: The parts to read (``SECTIONS``: the case page; ``API_SECTIONS``:
            the API's case). Only the parts read are logged as consulted.

    Returns:
        The case page, pseudonymised as the actor's role requires.

    Raises:
        NotFound: The case is missing or not visible (the refusal is logged).
    """
    case = fetch_visible(
        actor,
        cases_visible_to(actor).select_related("lead_agency", "area"),
        RecordType.CASE,
        case_id,
        event=CASE_EVENT,
        audit=False,
    )
    identified = not pseudonymised(actor)
    shown = _records(actor, case, sections)
    people: list[PersonRow] = []
    links: list[LinkRow] = []
    hidden_people = 0
    people_ids: list[int] = []
    if "people" in sections:
        people, links, hidden_people, people_ids = _people(actor, case, identified)
    places: list[PlaceRow] = []
    hidden_places = 0
    if "places" in sections:
        places, hidden_places = _places(actor, case, identified)
    members = _members(case) if "members" in sections else []

    audited: list[tuple[str, object, int | None]] = []
    sections_of = {k.case_section: k for k in _module_kinds()}
    plain = {
        "notes": RecordType.CASE_NOTE,
        "tasks": RecordType.CASE_TASK,
        "documents": RecordType.ATTACHMENT,
        "incidents": RecordType.INCIDENT,
    }
    for key, objs in shown.items():
        if key in plain:
            audited += [(plain[key], o.pk, None) for o in objs]
        else:
            module = sections_of[key]
            audited += [(module, o.pk, module.subject_id(o)) for o in objs]
    audited += [(RecordType.PERSON, pid, pid) for pid in people_ids]
    audited += [(RecordType.PLACE, p.place_id, None) for p in places]
    record_consultations(
        actor,
        [
            (CASE_EVENT, [(RecordType.CASE, case.pk, None)], {"channel": channel}),
            (RECORDS_EVENT, audited, {"case": case.pk, "channel": channel}),
        ],
    )

    panels: dict[str, Any] = {}
    if "modules" in sections:
        for module in case_modules(case.case_type):
            if module.read_panel is not None:
                panel = module.read_panel(actor, case, shown)
                if panel is not None:
                    panels[module.label] = panel
    return CasePage(
        case=_facts(case, identified),
        pseudonymised=not identified,
        can_change=may_change(actor, {case.lead_agency_id}, {case.pk}),
        is_lead=actor.has(CASEWORK_ROLES) and actor.agency_id == case.lead_agency_id,
        tasks=tuple(_task_rows(actor, case, shown.get("tasks", ()), identified)),
        notes=tuple(
            NoteRow(
                n.pk,
                n.kind,
                n.created_at,
                _name(n.author),
                n.author_agency.name,
                n.text if identified else None,
            )
            for n in shown.get("notes", ())
        ),
        documents=tuple(
            DocumentRow(
                d.pk,
                d.title if identified else f"Document {d.pk}",
                d.title if identified else None,
                d.original_name if identified else None,
                d.agency.name,
                d.uploaded_at,
                d.size,
            )
            for d in shown.get("documents", ())
        ),
        incidents=tuple(
            IncidentRow(
                i.pk,
                Incident.Category(i.category).label,
                i.occurred_on,
                i.owner_agency.name,
                i.reference if identified else None,
                i.reference if identified else str(i.pk),
            )
            for i in shown.get("incidents", ())
        ),
        people=tuple(people),
        people_links=tuple(links),
        hidden_people=hidden_people,
        places=tuple(places),
        hidden_places=hidden_places,
        members=tuple(members),
        timeline=tuple(_timeline(case, shown, identified))
        if sections == SECTIONS
        else (),
        module_ids={
            key: tuple(o.pk for o in objs)
            for key, objs in shown.items()
            if key in sections_of
        },
        panels=panels,
    )
