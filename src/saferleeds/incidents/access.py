"""The only way to read incidents."""

from __future__ import annotations

from saferleeds.incidents.records import INCIDENT
from saferleeds.partners.access import readers_of

# The gate's readers, made from the declaration in ``incidents.records``.
incidents_visible_to, access_incident_by_id = readers_of(INCIDENT)
