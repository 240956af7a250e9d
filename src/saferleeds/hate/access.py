"""The only way to read hate reports.

Only the roles the kind's declaration allows (``opening_roles``: practitioners and case
coordinators) open hate reports at all (security finding 3, issue #11): for anyone else
``hate_reports_visible_to`` is empty and ``access_hate_report_by_id`` refuses with
``Forbidden`` (a 403 on pages and API alike, existing record or not), after the gate has
logged the refusal.
"""

from __future__ import annotations

from saferleeds.hate.records import HATE_REPORT
from saferleeds.partners.access import readers_of

# The gate's readers, made from the declaration in ``hate.records``.
hate_reports_visible_to, access_hate_report_by_id = readers_of(HATE_REPORT)
