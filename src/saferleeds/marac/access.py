"""The only way to read Dash assessments, MARAC referrals and MARAC research.

Each record is held by the agency that recorded it and belongs to a case: the actor sees
it if that agency shares the record type with the actor's agency under an agreement in
force, or the actor is a member of the case (``partners.policy.visible``).

Only the roles ``partners.policy.may_open`` allows (practitioners and case coordinators)
open these records at all (security finding 3, issue #11): for anyone else the
``*_visible_to`` querysets are empty and ``access_*_by_id`` refuses with ``Forbidden``
(a 403 on pages and API alike, for an existing record or a missing one), after logging
the refusal.
"""

from __future__ import annotations

from saferleeds.marac.records import DASH_ASSESSMENT, MARAC_REFERRAL, MARAC_RESEARCH
from saferleeds.partners.access import readers_of

# The gate's readers, made from the declarations in ``safeguarding.records``.
dash_assessments_visible_to, access_dash_assessment_by_id = readers_of(DASH_ASSESSMENT)
marac_referrals_visible_to, access_marac_referral_by_id = readers_of(MARAC_REFERRAL)
marac_research_visible_to, access_marac_research_by_id = readers_of(MARAC_RESEARCH)
