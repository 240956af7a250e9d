"""The only way to read incidents and hate reports.

Only the roles a kind's declaration allows (``opening_roles``: practitioners and case
coordinators for hate reports) open it at all (security finding 3, issue #11): for
anyone else ``hate_reports_visible_to`` is empty and ``access_hate_report_by_id``
refuses with ``Forbidden`` (a 403 on pages and API alike, existing record or not),
after the gate has logged the refusal.
"""

from __future__ import annotations

from saferleeds.incidents.records import HATE_REPORT, INCIDENT
from saferleeds.partners.access import readers_of

# The gate's readers, made from the declarations in ``incidents.records``.
incidents_visible_to, access_incident_by_id = readers_of(INCIDENT)
hate_reports_visible_to, access_hate_report_by_id = readers_of(HATE_REPORT)
