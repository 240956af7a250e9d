"""The only way to read places (addresses are personal data)."""

from __future__ import annotations

from saferleeds.partners.access import readers_of
from saferleeds.places.records import PLACE

# The gate's two readers of places, made from the declaration in ``places.records``.
places_visible_to, access_place_by_id = readers_of(PLACE)
