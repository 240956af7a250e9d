"""The only way to read incidents and hate reports.

Only the roles ``partners.policy.may_open`` allows (practitioners and case coordinators)
open hate reports at all (security finding 3, issue #11): for anyone else
``hate_reports_visible_to`` is empty and ``access_hate_report_by_id`` refuses with
``Forbidden`` (a 403 on pages and API alike, existing record or not), after the gate has
logged the refusal.
"""

from __future__ import annotations

from django.db.models import QuerySet

from saferleeds.incidents.models import HateReport, Incident
from saferleeds.partners.access import fetch_visible
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import Actor, NotFound, may_open, require_open, visible

INCIDENT = RecordType.INCIDENT


def incidents_visible_to(actor: Actor) -> QuerySet[Incident]:
    """Incidents the actor may see (no audit: callers audit what they show)."""
    q = visible(actor, INCIDENT, holder="owner_agency", case_path="case_links__case")
    return Incident.objects.filter(q).distinct()


def access_incident_by_id(
    actor: Actor,
    incident_id: int,
    *,
    event: str = "incidents.incident.view",
    audit: bool = True,
) -> Incident:
    """Return the incident if visible, logging the consultation.

    Raises:
        NotFound: Missing or not visible (indistinguishable).
    """
    return fetch_visible(
        actor,
        incidents_visible_to(actor),
        INCIDENT,
        incident_id,
        event=event,
        audit=audit,
    )


def hate_reports_visible_to(actor: Actor) -> QuerySet[HateReport]:
    """Hate reports the actor may see (no audit: callers audit what they show)."""
    if not may_open(actor, RecordType.HATE_REPORT):
        return HateReport.objects.none()
    q = visible(actor, RecordType.HATE_REPORT, holder="agency", case_path="case")
    return HateReport.objects.filter(q).distinct()


def access_hate_report_by_id(
    actor: Actor,
    record_id: int,
    *,
    event: str = "incidents.hate_report.view",
    audit: bool = True,
    related: tuple[str, ...] = (),
) -> HateReport:
    """Return the record if visible, logging the consultation (``related``: the
    foreign keys to read with it, for a page that shows them).

    Raises:
        Forbidden: The actor's roles may never open hate reports.
        NotFound: Missing or not visible (indistinguishable).
    """
    try:
        return fetch_visible(
            actor,
            hate_reports_visible_to(actor).select_related(*related),
            RecordType.HATE_REPORT,
            record_id,
            event=event,
            audit=audit,
            subject=lambda r: r.victim_id,
        )
    except NotFound:
        require_open(actor, RecordType.HATE_REPORT)
        raise
