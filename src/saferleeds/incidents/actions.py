"""The only way to change incidents."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction

from saferleeds.audit.log import atomic_action, record
from saferleeds.audit.models import Operation
from saferleeds.incidents.access import access_incident_by_id
from saferleeds.incidents.models import Incident, IncidentPerson
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import CASEWORK_ROLES, Actor, Forbidden, may_change
from saferleeds.people.access import access_person_by_id
from saferleeds.places.models import Place

logger = logging.getLogger(__name__)


@transaction.atomic
def do_create_incident(
    *,
    actor: Actor,
    reference: str,
    category: str,
    occurred_on: date,
    summary: str = "",
    place: Place | None = None,
) -> Incident:
    """Record an incident for the actor's agency."""
    if not actor.has(CASEWORK_ROLES) or actor.agency_id is None:
        raise Forbidden("only practitioners and case coordinators record incidents")
    incident = Incident.objects.create(
        owner_agency_id=actor.agency_id,
        reference=reference,
        category=category,
        occurred_on=occurred_on,
        summary=summary,
        place=place,
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="incidents.incident.create",
        record_type=RecordType.INCIDENT,
        record_id=incident.pk,
    )
    return incident


@atomic_action
def do_link_person_to_incident(
    incident_id: int, person_id: int, role: str, *, actor: Actor
) -> IncidentPerson:
    """Record a person's role on an incident (a combination of records)."""
    incident = access_incident_by_id(actor, incident_id, audit=False)
    person = access_person_by_id(actor, person_id, audit=False)
    if not may_change(actor, {incident.owner_agency_id}):
        raise Forbidden("you may not change this incident")
    link, _ = IncidentPerson.objects.get_or_create(
        incident=incident, person=person, role=role
    )
    record(
        actor,
        operation=Operation.COMBINATION,
        event="incidents.incident.link_person",
        record_type=RecordType.INCIDENT,
        record_id=incident.pk,
        subject_person_id=person.pk,
        detail={"role": role},
    )
    return link
