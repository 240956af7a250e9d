"""How incidents plug into the person page, through :mod:`saferleeds.core.registry`
(registered by :meth:`IncidentsConfig.ready`): the incidents a person is on.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from saferleeds.core import registry
from saferleeds.core.registry import PersonRole
from saferleeds.incidents.records import INCIDENT
from saferleeds.people.present import role_labels


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


def register() -> None:
    """Plug incidents into the person page."""
    registry.register_person_roles("incidents", person_roles)
