"""The only way to read ASB complaints, risk assessments, interventions and case reviews.

Each record is held by the agency that recorded it and belongs to a case: the actor sees
it if that agency shares the record type with the actor's agency under an agreement in
force, or the actor is a member of the case (``partners.policy.visible``).
"""

from __future__ import annotations

from saferleeds.asb.records import (
    ASB_ASSESSMENT,
    ASB_CASE_REVIEW,
    ASB_COMPLAINT,
    ASB_INTERVENTION,
)
from saferleeds.partners.access import readers_of

# The gate's readers, made from the declarations in ``safeguarding.records``.
asb_complaints_visible_to, access_asb_complaint_by_id = readers_of(ASB_COMPLAINT)
asb_assessments_visible_to, access_asb_assessment_by_id = readers_of(ASB_ASSESSMENT)
asb_interventions_visible_to, access_asb_intervention_by_id = readers_of(
    ASB_INTERVENTION
)
asb_case_reviews_visible_to, access_asb_case_review_by_id = readers_of(ASB_CASE_REVIEW)
