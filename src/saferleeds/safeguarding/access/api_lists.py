"""The partner API's casework lists as reads: cases, MARAC referrals, hate reports.

Each reader applies the sharing agreements (the gate's ``visible_records`` of the kind,
as the owning module declares it: the case core imports no module), returns a
page of rows (newest first, ``limit`` from ``offset``) with what a pseudonymised caller
may not see already withheld (``None``), and logs one consultation per row returned in
one write (``safeguarding.case.list``, ``safeguarding.marac_referral.list``,
``incidents.hate_report.list``, as the API always has). The rows carry the attribute
names the API's serializers read (``lead_agency.code``, ``victim_id``...), so the
serializers render a row and a record opened by id alike. Two queries a page (the rows
with their agency joined in, and the audit write) whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, TypeVar

from django.db.models import QuerySet

from saferleeds.audit.log import record_consultations
from saferleeds.partners.access import visible_records
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import Actor, pseudonymised, require_open
from saferleeds.safeguarding.access.cases import cases_visible_to

__all__ = [
    "AgencyRef",
    "CaseSummary",
    "HateReportSummary",
    "MaracReferralSummary",
    "read_api_cases",
    "read_api_hate_reports",
    "read_api_marac_referrals",
]

CASE_EVENT = "safeguarding.case.list"
MARAC_EVENT = "safeguarding.marac_referral.list"
HATE_EVENT = "incidents.hate_report.list"


@dataclass(frozen=True)
class AgencyRef:
    """The agency a row names."""

    code: str
    name: str


@dataclass(frozen=True)
class CaseSummary:
    """A case in the list; reference and title ``None`` when pseudonymised."""

    id: int
    reference: str | None
    case_type: str
    title: str | None
    status: str
    risk_level: str
    consent: str
    lead_agency: AgencyRef
    opened_on: date
    review_due_on: date | None
    closed_on: date | None
    version: int


@dataclass(frozen=True)
class MaracReferralSummary:
    """A MARAC referral in the list; the reason ``None`` when pseudonymised."""

    id: int
    case_id: int
    victim_id: int
    perpetrator_id: int | None
    referring_agency: AgencyRef
    referred_on: date
    criteria: tuple[str, ...]
    is_repeat: bool
    dash_id: int | None
    reason: str | None
    meeting_id: int | None
    status: str
    version: int


@dataclass(frozen=True)
class HateReportSummary:
    """A hate report in the list; its reference, account, location and contact details
    ``None`` when pseudonymised."""

    id: int
    reference: str | None
    received_at: datetime
    occurred_on: date
    what_happened: str | None
    location: str | None
    postcode: str | None
    strands: tuple[str, ...]
    strand_other: str | None
    perceived_by: str
    reporter_is_victim: bool
    anonymous: bool
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    contact_preference: str
    safe_times: str | None
    reported_via: str
    reporting_centre_id: int | None
    status: str
    priority: str
    agency: AgencyRef | None
    victim_id: int | None
    case_id: int | None
    triage_note: str | None
    police_referred_on: date | None
    police_reference: str | None
    version: int


CASE_WITHHELD = frozenset({"reference", "title"})
MARAC_WITHHELD = frozenset({"reason"})
HATE_WITHHELD = frozenset(
    {
        "reference",
        "what_happened",
        "location",
        "postcode",
        "contact_name",
        "contact_email",
        "contact_phone",
        "safe_times",
        "triage_note",
        "police_reference",
        "strand_other",
    }
)
_AGENCIES = ("lead_agency", "referring_agency", "agency")

R = TypeVar("R")


def _row(cls: type[R], obj: Any, withheld: frozenset[str], identified: bool) -> R:
    """``cls`` from the record's fields of the same names, withheld ones ``None``."""
    values: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if f.name in withheld and not identified:
            value = None
        elif f.name in _AGENCIES:
            value = AgencyRef(value.code, value.name) if value is not None else None
        elif isinstance(value, list):
            value = tuple(value)
        values[f.name] = value
    return cls(**values)


def _page(qs: QuerySet[Any], offset: int, limit: int) -> list[Any]:
    return list(qs[offset : offset + limit])


def read_api_cases(
    actor: Actor,
    *,
    status: str = "",
    case_type: str = "",
    offset: int = 0,
    limit: int = 50,
) -> tuple[CaseSummary, ...]:
    """A page of the cases the actor may see, newest first, each logged."""
    qs = cases_visible_to(actor).select_related("lead_agency")
    if status:
        qs = qs.filter(status=status)
    if case_type:
        qs = qs.filter(case_type=case_type)
    cases = _page(qs.order_by("-opened_on", "-id"), offset, limit)
    record_consultations(
        actor, [(CASE_EVENT, [(RecordType.CASE, c.pk, None) for c in cases], {})]
    )
    identified = not pseudonymised(actor)
    return tuple(_row(CaseSummary, c, CASE_WITHHELD, identified) for c in cases)


def read_api_marac_referrals(
    actor: Actor, *, status: str = "", offset: int = 0, limit: int = 50
) -> tuple[MaracReferralSummary, ...]:
    """A page of the MARAC referrals the actor may see, newest first, each logged.

    Raises:
        Forbidden: The actor's roles may never open MARAC referrals.
    """
    require_open(actor, RecordType.MARAC_REFERRAL)
    qs = visible_records(actor, RecordType.MARAC_REFERRAL).select_related(
        "referring_agency"
    )
    if status:
        qs = qs.filter(status=status)
    referrals = _page(qs.order_by("-referred_on", "-id"), offset, limit)
    record_consultations(
        actor,
        [
            (
                MARAC_EVENT,
                [(RecordType.MARAC_REFERRAL, r.pk, r.victim_id) for r in referrals],
                {},
            )
        ],
    )
    identified = not pseudonymised(actor)
    return tuple(
        _row(MaracReferralSummary, r, MARAC_WITHHELD, identified) for r in referrals
    )


def read_api_hate_reports(
    actor: Actor, *, status: str = "", offset: int = 0, limit: int = 50
) -> tuple[HateReportSummary, ...]:
    """A page of the hate reports the actor may see, newest first, each logged.

    Raises:
        Forbidden: The actor's roles may never open hate reports.
    """
    require_open(actor, RecordType.HATE_REPORT)
    qs = visible_records(actor, RecordType.HATE_REPORT).select_related("agency")
    if status:
        qs = qs.filter(status=status)
    reports = _page(qs.order_by("-received_at", "-id"), offset, limit)
    record_consultations(
        actor,
        [
            (
                HATE_EVENT,
                [(RecordType.HATE_REPORT, r.pk, r.victim_id) for r in reports],
                {},
            )
        ],
    )
    identified = not pseudonymised(actor)
    return tuple(_row(HateReportSummary, r, HATE_WITHHELD, identified) for r in reports)
