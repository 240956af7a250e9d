"""The only way to read places (addresses are personal data)."""

from __future__ import annotations

from django.db.models import QuerySet

from saferleeds.partners.access import fetch_visible
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import Actor, visible
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
    return fetch_visible(
        actor, places_visible_to(actor), RecordType.PLACE, place_id, event=event
    )
