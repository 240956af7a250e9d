"""How incidents plug into pages of the apps they build on, through
:mod:`saferleeds.core.registry` (registered by :meth:`IncidentsConfig.ready`): hate
reports' entries on a hate case's timeline, and the incidents a person is on, on the
person page.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from saferleeds.core import registry
from saferleeds.core.registry import CaseModule, PersonRole, TimelineEvent
from saferleeds.incidents.records import INCIDENT
from saferleeds.people.present import role_labels


def _local(dt: datetime) -> tuple[date, datetime]:
    at = timezone.localtime(dt)
    return at.date(), at


def timeline(section: str, records: list[Any], identified: bool) -> list[TimelineEvent]:
    """The case timeline's entries for hate reports."""
    if section != "hate_reports":
        return []
    events = []
    for h in records:
        on, at = _local(h.received_at)
        events.append(
            TimelineEvent(
                on,
                at,
                "Hate incident reported",
                h.agency.name if h.agency else "",
                f"Reference {h.reference}" if identified else None,
            )
        )
    return events


def register() -> None:
    """Plug hate reports into the case page of hate cases."""
    registry.register_case_module(CaseModule("hate", "hate", timeline=timeline))
    registry.register_person_roles("incidents", person_roles)


def person_roles(
    actor: Any, person_id: int, identified: bool
) -> tuple[list[PersonRole], list[tuple[str, int, int | None]]]:
    """The incidents a person is on that the actor may see, for the person page."""
    from saferleeds.incidents.access import incidents_visible_to
    from saferleeds.incidents.models import Incident, IncidentPerson

    incidents = list(
        incidents_visible_to(actor)
        .filter(people__person_id=person_id)
        .select_related("owner_agency")
        .prefetch_related(
            Prefetch(
                "people",
                queryset=IncidentPerson.objects.filter(person_id=person_id),
                to_attr="subject_links",
            )
        )
    )
    rows = [
        PersonRole(
            kind="incident",
            on=i.occurred_on,
            title=Incident.Category(i.category).label,
            agency=i.owner_agency.name,
            roles=role_labels(i.subject_links),
            reference=i.reference if identified else None,
            detail=(i.summary or None) if identified else None,
            status=None,
        )
        for i in incidents
    ]
    return rows, [(INCIDENT.value, i.pk, person_id) for i in incidents]
