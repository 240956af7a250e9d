"""The only way to read National Referral Mechanism (modern slavery) referrals.

Each record is held by the agency that recorded it and belongs to a case: the actor sees
it if that agency shares the record type with the actor's agency under an agreement in
force, or the actor is a member of the case (``partners.policy.visible``).
"""

from __future__ import annotations

from saferleeds.nrm.records import NRM_REFERRAL
from saferleeds.partners.access import readers_of

# The gate's readers, made from the declaration in ``safeguarding.records``.
nrm_referrals_visible_to, access_nrm_referral_by_id = readers_of(NRM_REFERRAL)
