"""The only way to change hate reports and reporting centres."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from saferleeds import partnership
from saferleeds.audit.log import atomic_action, record
from saferleeds.audit.models import Operation
from saferleeds.core import registry
from saferleeds.hate.access import access_hate_report_by_id
from saferleeds.hate.models import HateReport, ReportingCentre, ReportingCentreStaff
from saferleeds.locking import save_versioned
from saferleeds.partners.accounts import (
    IssuedInvitation,
    check_agency,
    do_invite_user,
    require_admin,
)
from saferleeds.partners.models import Agency, RecordType, Role
from saferleeds.partners.policy import Actor, Forbidden, NotFound, may_change
from saferleeds.people.access import access_person_by_id
from saferleeds.people.models import SubjectRole

logger = logging.getLogger(__name__)


HATE_REPORT = RecordType.HATE_REPORT
# What the public form and a reporting centre may set; everything else (agency, status,
# triage, the case) the service or the hate crime team sets.
REPORT_FIELDS = frozenset(
    {
        "what_happened",
        "occurred_on",
        "occurred_time",
        "location",
        "postcode",
        "latitude",
        "longitude",
        "strands",
        "strand_other",
        "perceived_by",
        "reporter_is_victim",
        "reported_via",
        "anonymous",
        "contact_name",
        "contact_email",
        "contact_phone",
        "contact_preference",
        "safe_times",
    }
)
PRIORITIES = ("standard", "medium", "high")


def location_key(postcode: str, location: str) -> str:
    """The key repeat locations are counted by: the full postcode if given, else the
    place's description with case, punctuation and spacing ignored.

    >>> location_key("ls1 6hw", "Bus stop")
    'postcode:LS16HW'
    >>> location_key("", "  Boar Lane, bus-stop ")
    'place:boar lane bus stop'
    """
    compact = "".join(postcode.upper().split())
    if compact:
        return f"postcode:{compact}"
    words = re.sub(r"[^0-9a-z]+", " ", location.lower()).split()
    return f"place:{' '.join(words)}"[:120] if words else ""


def lead_agency() -> Agency | None:
    """The agency whose hate crime team holds reports (``[casework.hate] lead_agency``),
    or ``None`` if no such agency exists yet (logged: a report is still never lost)."""
    code = partnership.current().casework.hate.lead_agency
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        logger.error(
            "[casework.hate] lead_agency = %r: no such agency; hate reports are kept "
            "but no team can see them until it exists",
            code,
        )
    return agency


def _new_report(details: Mapping[str, Any], **service: Any) -> HateReport:
    unknown = set(details) - REPORT_FIELDS
    if unknown:
        raise ValueError(f"not report fields: {sorted(unknown)}")
    report = HateReport(**details, **service)
    report.location_key = location_key(report.postcode, report.location)
    # 29**8 references: a clash is rare, but one must not fail a victim's report.
    while HateReport.objects.filter(reference=report.reference).exists():
        report.reference = HateReport._meta.get_field("reference").get_default()
    report.save()
    return report


@transaction.atomic
def do_receive_hate_report(
    details: Mapping[str, Any], *, actor: Actor | None = None
) -> HateReport:
    """Store a report from the public form (no sign-in): the lead agency holds it.

    Args:
        details: The report's fields as the person gave them (``REPORT_FIELDS``).
        actor: ``None`` for the public (the audit entry names no one); a signed-in
            caller, such as a partner system, is named.
    """
    report = _new_report(details, agency=lead_agency())
    record(
        actor,
        operation=Operation.COLLECTION,
        event="incidents.hate_report.receive",
        record_type=HATE_REPORT,
        record_id=report.pk,
        detail={"reported_via": report.reported_via, "anonymous": report.anonymous},
    )
    return report


def may_report_for_centre(actor: Actor) -> bool:
    """Whether the actor is staff of an active reporting centre (:func:`centre_of`
    finds their centre): the centre pages' guard and their menu item's rule."""
    try:
        centre_of(actor)
    except Forbidden:
        return False
    return True


def centre_of(actor: Actor) -> ReportingCentre:
    """The active reporting centre the actor reports for.

    Raises:
        Forbidden: The actor is not staff of an active centre.
    """
    if not actor.has(frozenset({Role.REPORTING_CENTRE})) or actor.user_id is None:
        raise Forbidden("only reporting centre staff report for a centre")
    link = (
        ReportingCentreStaff.objects.select_related("centre")
        .filter(user_id=actor.user_id, centre__active=True)
        .first()
    )
    if link is None:
        raise Forbidden("your account is not linked to an active reporting centre")
    return link.centre


@transaction.atomic
def do_submit_centre_report(
    details: Mapping[str, Any],
    *,
    actor: Actor,
    centre_reference: str = "",
    centre_notes: str = "",
) -> HateReport:
    """Store a report a reporting centre's worker made on a victim's behalf.

    The centre's partner agency holds it; the centre and the worker are recorded.

    Raises:
        Forbidden: The actor is not staff of an active reporting centre.
    """
    centre = centre_of(actor)
    report = _new_report(
        {**details, "reported_via": HateReport.ReportedVia.THIRD_PARTY_CENTRE},
        agency_id=centre.agency_id,
        reporting_centre=centre,
        submitted_by_id=actor.user_id,
        centre_reference=centre_reference,
        centre_notes=centre_notes,
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="incidents.hate_report.centre_submit",
        record_type=HATE_REPORT,
        record_id=report.pk,
        detail={"centre_id": centre.pk, "anonymous": report.anonymous},
    )
    return report


def centre_references(actor: Actor) -> list[HateReport]:
    """The reports the actor's centre submitted, newest first: for the centre's list,
    which shows reference, date and status only (so nothing here is audited as
    personal data read).

    Raises:
        Forbidden: The actor is not staff of an active reporting centre.
    """
    centre = centre_of(actor)
    return list(
        HateReport.objects.filter(reporting_centre=centre)
        .only("reference", "received_at", "status", "centre_reference")
        .order_by("-received_at", "-pk")
    )


def _changeable(actor: Actor, report_id: int) -> HateReport:
    report = access_hate_report_by_id(actor, report_id, audit=False)
    if not may_change(actor, {report.agency_id}, {report.case_id} - {None}):
        raise Forbidden("only the hate crime team holding the report may change it")
    return report


def _save(report: HateReport, expected_version: int, changes: dict[str, Any]) -> int:
    version = save_versioned(HateReport, report.pk, expected_version, changes)
    for name, value in changes.items():
        setattr(report, name, value)
    report.version = version
    return version


@atomic_action
def do_triage_hate_report(
    report_id: int,
    *,
    actor: Actor,
    expected_version: int,
    priority: str,
    note: str = "",
    victim_id: int | None = None,
) -> HateReport:
    """Triage a report: its priority, a note, and (optionally) the person it happened to.

    A new report becomes triaged; one already referred or closed keeps its status, so
    triage can be corrected later. Linking a victim combines two records and is logged
    as such, with the person as subject.

    Raises:
        NotFound: The report (or the person) is missing or not visible.
        Forbidden: The actor may see the report but not change it.
        Conflict: Someone saved the report since ``expected_version``.
        ValueError: An unknown priority.
    """
    if priority not in PRIORITIES:
        raise ValueError(f"unknown priority {priority!r}")
    report = _changeable(actor, report_id)
    person = access_person_by_id(actor, victim_id, audit=False) if victim_id else None
    changes: dict[str, Any] = {
        "priority": priority,
        "triage_note": note,
        "triaged_at": timezone.now(),
        "triaged_by_id": actor.user_id,
        "victim_id": person.pk if person else report.victim_id,
    }
    if report.status == HateReport.Status.NEW:
        changes["status"] = HateReport.Status.TRIAGED
    linked = person is not None and person.pk != report.victim_id
    _save(report, expected_version, changes)
    record(
        actor,
        operation=Operation.ALTERATION,
        event="incidents.hate_report.triage",
        record_type=HATE_REPORT,
        record_id=report.pk,
        subject_person_id=report.victim_id,
        detail={"priority": priority, "status": report.status},
    )
    if linked:
        record(
            actor,
            operation=Operation.COMBINATION,
            event="incidents.hate_report.link_victim",
            record_type=HATE_REPORT,
            record_id=report.pk,
            subject_person_id=report.victim_id,
        )
    return report


@atomic_action
def do_refer_hate_report_to_police(
    report_id: int,
    *,
    actor: Actor,
    expected_version: int,
    referred_on: date,
    police_reference: str,
) -> HateReport:
    """Record that the report was passed to the police, with their reference.

    Raises:
        NotFound: Missing or not visible.
        Forbidden: The actor may not change it, or it is closed.
        Conflict: Someone saved the report since ``expected_version``.
        ValueError: A referral dated in the future or before the report was received,
            or no police reference.
    """
    report = _changeable(actor, report_id)
    if report.status == HateReport.Status.CLOSED:
        raise Forbidden("a closed report cannot be referred")
    if referred_on > timezone.localdate():
        raise ValueError("the referral date cannot be in the future")
    if referred_on < timezone.localtime(report.received_at).date():
        raise ValueError("the referral date cannot be before the report was received")
    if not police_reference.strip():
        raise ValueError("a police reference is needed")
    _save(
        report,
        expected_version,
        {
            "police_referred_on": referred_on,
            "police_reference": police_reference.strip(),
            "status": HateReport.Status.REFERRED_TO_POLICE,
        },
    )
    record(
        actor,
        operation=Operation.DISCLOSURE,
        event="incidents.hate_report.refer_to_police",
        record_type=HATE_REPORT,
        record_id=report.pk,
        subject_person_id=report.victim_id,
        recipient="police",
    )
    return report


@atomic_action
def do_close_hate_report(
    report_id: int, *, actor: Actor, expected_version: int
) -> HateReport:
    """Close a report (nothing more for the hate crime team to do on it).

    Raises:
        NotFound: Missing or not visible.
        Forbidden: The actor may not change it, or it is already closed.
        Conflict: Someone saved the report since ``expected_version``.
    """
    report = _changeable(actor, report_id)
    if report.status == HateReport.Status.CLOSED:
        raise Forbidden("the report is already closed")
    _save(report, expected_version, {"status": HateReport.Status.CLOSED})
    record(
        actor,
        operation=Operation.ALTERATION,
        event="incidents.hate_report.close",
        record_type=HATE_REPORT,
        record_id=report.pk,
        subject_person_id=report.victim_id,
    )
    return report


@atomic_action
def do_open_hate_case(report_id: int, *, actor: Actor, expected_version: int) -> Any:
    """Open a hate crime case (the case core) for a report, linking its victim.

    The case is led by the actor's agency with the actor as first member; the report
    points at it. A hate crime MARAC then works the case like any other.

    Raises:
        NotFound: Missing or not visible.
        Forbidden: The actor may not change the report, or it already has a case.
        Conflict: Someone saved the report since ``expected_version``.
    """
    # Casework (safeguarding) builds on incidents: its actions come through hooks.
    do_create_case = registry.hook(registry.CREATE_CASE)
    do_link_person_to_case = registry.hook(registry.LINK_PERSON_TO_CASE)

    report = _changeable(actor, report_id)
    if report.case_id is not None:
        raise Forbidden("the report already has a case")
    # The case core numbers it (HATE-<year>-NNN); triage's priority is its risk level.
    case = do_create_case(
        actor=actor,
        case_type="hate",
        title=f"Hate incident {report.reference}",
        summary=f"Opened from hate report {report.reference}.",
        risk_level=report.priority,
    )
    _save(report, expected_version, {"case_id": case.pk})
    if report.victim_id is not None:
        do_link_person_to_case(
            case.pk,
            report.victim_id,
            SubjectRole.VICTIM,
            actor=actor_with_case(actor, case.pk),
        )
    record(
        actor,
        operation=Operation.COMBINATION,
        event="incidents.hate_report.open_case",
        record_type=HATE_REPORT,
        record_id=report.pk,
        subject_person_id=report.victim_id,
        detail={"case_id": case.pk},
    )
    return case


def actor_with_case(actor: Actor, case_id: int) -> Actor:
    """The actor as a member of a case they have just opened (the actor was built
    before the membership existed)."""
    return replace(actor, case_ids=actor.case_ids | {case_id})


# --- Reporting centres -------------------------------------------------------------------


@transaction.atomic
def do_ensure_reporting_centre(
    name: str, *, agency: Agency, address: str = "", actor: Actor | None
) -> ReportingCentre:
    """Create a reporting centre, or update its agency and address (safe to repeat).

    ``actor`` is ``None`` for the command line and the demo seeder.
    """
    centre, created = ReportingCentre.objects.update_or_create(
        name=name, defaults={"agency": agency, "address": address, "active": True}
    )
    record(
        actor,
        operation=Operation.COLLECTION if created else Operation.ALTERATION,
        event="incidents.reporting_centre.ensure",
        record_type="reporting_centre",
        record_id=centre.pk,
        detail={"agency": agency.code},
    )
    return centre


@transaction.atomic
def do_ensure_centre_staff(
    username: str,
    *,
    centre: ReportingCentre,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    job_title: str = "",
    actor: Actor | None,
) -> User:
    """Create or update a centre worker's account: the reporting-centre role only, in
    the centre's agency, linked to the centre (safe to repeat).

    The account's agency is the centre's partner agency, for the audit log; the role
    gives no access to any personal record (``partners.policy``).
    """
    from saferleeds.partners.actions import do_ensure_user

    user = do_ensure_user(
        username,
        agency=centre.agency,
        roles=[Role.REPORTING_CENTRE],
        password=password,
        first_name=first_name,
        last_name=last_name,
        job_title=job_title,
        actor=None,
    )
    ReportingCentreStaff.objects.update_or_create(
        user=user, defaults={"centre": centre}
    )
    record(
        actor,
        operation=Operation.ALTERATION,
        event="incidents.reporting_centre.staff",
        record_type="user",
        record_id=user.pk,
        detail={"centre_id": centre.pk},
    )
    return user


# --- Administering reporting centres (the Administration pages) ----------------------


def administrable_centre(actor: Actor | None, centre_id: int) -> Any:
    """The reporting centre, if its agency is one the actor administers."""

    require_admin(actor)
    centre = (
        ReportingCentre.objects.select_related("agency").filter(pk=centre_id).first()
    )
    if centre is None:
        raise NotFound(f"no reporting centre {centre_id}")
    check_agency(actor, centre.agency)
    return centre


@transaction.atomic
def do_add_reporting_centre(
    name: str, *, agency: Agency, address: str = "", actor: Actor | None
) -> Any:
    """Add a third-party hate reporting centre whose reports go to ``agency``."""
    from saferleeds.hate.actions import do_ensure_reporting_centre

    require_admin(actor)
    check_agency(actor, agency)
    name = name.strip()
    if ReportingCentre.objects.filter(name__iexact=name).exists():
        raise ValueError("A reporting centre with that name already exists")
    return do_ensure_reporting_centre(name, agency=agency, address=address, actor=actor)


@transaction.atomic
def do_set_reporting_centre_active(
    centre_id: int, active: bool, *, actor: Actor | None
) -> Any:
    """Deactivate (or reactivate) a centre: its staff can no longer report for it."""
    centre = administrable_centre(actor, centre_id)
    centre.active = active
    centre.save(update_fields=["active"])
    record(
        actor,
        operation=Operation.ALTERATION,
        event=f"incidents.reporting_centre.{'reactivate' if active else 'deactivate'}",
        record_type="reporting_centre",
        record_id=centre.pk,
    )
    return centre


@transaction.atomic
def do_invite_centre_staff(
    centre_id: int,
    username: str,
    *,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    job_title: str = "",
    actor: Actor | None,
    now: datetime | None = None,
) -> IssuedInvitation:
    """Invite a centre worker: the reporting-centre role only, in the centre's agency."""
    centre = administrable_centre(actor, centre_id)
    if not centre.active:
        raise Forbidden("This reporting centre is deactivated.")
    issued = do_invite_user(
        username,
        agency=centre.agency,
        roles=[Role.REPORTING_CENTRE],
        first_name=first_name,
        last_name=last_name,
        email=email,
        job_title=job_title,
        actor=actor,
        now=now,
    )
    # Links the new account to the centre (and audits that), as the command line does.
    do_ensure_centre_staff(
        issued.user.username,
        centre=centre,
        password=None,
        first_name=first_name,
        last_name=last_name,
        job_title=job_title,
        actor=actor,
    )
    return issued
