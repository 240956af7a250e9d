"""The only way to read agency records (an agency's own record of a person).

Each record is held by the agency that sent it: the actor sees it if that agency
shares agency records with the actor's agency under an agreement in force
(``partners.policy.visible``). Linking a record to a resolved person never widens who
sees it.
"""

from __future__ import annotations

from saferleeds.linkage.records import AGENCY_RECORD
from saferleeds.partners.access import readers_of

# The gate's readers, made from the declaration in ``linkage.records``.
agency_records_visible_to, access_agency_record_by_id = readers_of(AGENCY_RECORD)
