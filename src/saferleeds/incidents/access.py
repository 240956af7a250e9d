"""The only way to read incidents."""

from __future__ import annotations

from django.db.models import QuerySet

from saferleeds.audit.log import record
from saferleeds.audit.models import Operation
from saferleeds.incidents.models import Incident
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import Actor, NotFound, visible
from saferleeds.people.access import refuse

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
    incident = incidents_visible_to(actor).filter(pk=incident_id).first()
    if incident is None:
        if Incident.objects.filter(pk=incident_id).exists():
            raise refuse(actor, INCIDENT, incident_id, event)
        raise NotFound(f"no incident {incident_id}")
    if audit:
        record(
            actor,
            operation=Operation.CONSULTATION,
            event=event,
            record_type=INCIDENT,
            record_id=incident.pk,
        )
    return incident
