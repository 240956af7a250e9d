"""The only way to read places (addresses are personal data)."""

from __future__ import annotations

from django.db.models import QuerySet

from saferleeds.audit.log import record
from saferleeds.audit.models import Operation
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import Actor, NotFound, visible
from saferleeds.people.access import refuse
from saferleeds.places.models import Place


def places_visible_to(actor: Actor) -> QuerySet[Place]:
    """Places the actor may see."""
    return Place.objects.filter(visible(actor, RecordType.PLACE, holder="owner_agency"))


def access_place_by_id(
    actor: Actor, place_id: int, *, event: str = "places.place.view"
) -> Place:
    """Return the place if visible, logging the consultation.

    Raises:
        NotFound: Missing or not visible (indistinguishable).
    """
    place = places_visible_to(actor).filter(pk=place_id).first()
    if place is None:
        if Place.objects.filter(pk=place_id).exists():
            raise refuse(actor, RecordType.PLACE, place_id, event)
        raise NotFound(f"no place {place_id}")
    record(
        actor,
        operation=Operation.CONSULTATION,
        event=event,
        record_type=RecordType.PLACE,
        record_id=place.pk,
    )
    return place
