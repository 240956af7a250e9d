"""The only way to read offences, disposals and OCG nominations.

Each record is held by the agency that supplied it: the actor sees it if that agency
is theirs or shares the record type with theirs under an agreement in force
(``partners.policy.visible``); analysts see it pseudonymised.
"""

from __future__ import annotations

from saferleeds.offending.records import DISPOSAL, OCG_NOMINATION, OFFENCE
from saferleeds.partners.access import readers_of

# The gate's readers, made from the declarations in ``offending.records``.
offences_visible_to, access_offence_by_id = readers_of(OFFENCE)
disposals_visible_to, access_disposal_by_id = readers_of(DISPOSAL)
ocg_nominations_visible_to, access_ocg_nomination_by_id = readers_of(OCG_NOMINATION)
