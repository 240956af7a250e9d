"""The only way to read ASB complaints, risk assessments, interventions and case reviews.

Each record is held by the agency that recorded it and belongs to a case: the actor sees
it if that agency shares the record type with the actor's agency under an agreement in
force, or the actor is a member of the case (``partners.policy.visible``).
"""

from __future__ import annotations

from django.db.models import QuerySet

from saferleeds.partners.access import fetch_visible
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import Actor, visible
from saferleeds.safeguarding.models import (
    AsbCaseReview,
    AsbComplaint,
    AsbIntervention,
    AsbRiskAssessment,
)


def asb_complaints_visible_to(actor: Actor) -> QuerySet[AsbComplaint]:
    """ASB complaints the actor may see (no audit: callers audit what they show)."""
    q = visible(actor, RecordType.ASB_COMPLAINT, holder="agency", case_path="case")
    return AsbComplaint.objects.filter(q).distinct()


def access_asb_complaint_by_id(
    actor: Actor,
    record_id: int,
    *,
    event: str = "safeguarding.asb_complaint.view",
    audit: bool = True,
) -> AsbComplaint:
    """Return the record if visible, logging the consultation.

    Raises:
        NotFound: Missing or not visible (indistinguishable).
    """
    return fetch_visible(
        actor,
        asb_complaints_visible_to(actor),
        RecordType.ASB_COMPLAINT,
        record_id,
        event=event,
        audit=audit,
        subject=lambda c: c.complainant_id,
    )


def asb_assessments_visible_to(actor: Actor) -> QuerySet[AsbRiskAssessment]:
    """ASB risk assessments the actor may see (no audit: callers audit what they show)."""
    q = visible(actor, RecordType.ASB_ASSESSMENT, holder="agency", case_path="case")
    return AsbRiskAssessment.objects.filter(q).distinct()


def access_asb_assessment_by_id(
    actor: Actor,
    record_id: int,
    *,
    event: str = "safeguarding.asb_assessment.view",
    audit: bool = True,
) -> AsbRiskAssessment:
    """Return the record if visible, logging the consultation.

    Raises:
        NotFound: Missing or not visible (indistinguishable).
    """
    return fetch_visible(
        actor,
        asb_assessments_visible_to(actor),
        RecordType.ASB_ASSESSMENT,
        record_id,
        event=event,
        audit=audit,
        subject=lambda a: a.complainant_id,
    )


def asb_interventions_visible_to(actor: Actor) -> QuerySet[AsbIntervention]:
    """ASB interventions the actor may see (no audit: callers audit what they show)."""
    q = visible(actor, RecordType.ASB_INTERVENTION, holder="agency", case_path="case")
    return AsbIntervention.objects.filter(q).distinct()


def access_asb_intervention_by_id(
    actor: Actor,
    record_id: int,
    *,
    event: str = "safeguarding.asb_intervention.view",
    audit: bool = True,
) -> AsbIntervention:
    """Return the record if visible, logging the consultation.

    Raises:
        NotFound: Missing or not visible (indistinguishable).
    """
    return fetch_visible(
        actor,
        asb_interventions_visible_to(actor),
        RecordType.ASB_INTERVENTION,
        record_id,
        event=event,
        audit=audit,
        subject=lambda i: i.subject_id,
    )


def asb_case_reviews_visible_to(actor: Actor) -> QuerySet[AsbCaseReview]:
    """ASB Case Reviews the actor may see (no audit: callers audit what they show)."""
    q = visible(actor, RecordType.ASB_CASE_REVIEW, holder="agency", case_path="case")
    return AsbCaseReview.objects.filter(q).distinct()


def access_asb_case_review_by_id(
    actor: Actor,
    record_id: int,
    *,
    event: str = "safeguarding.asb_case_review.view",
    audit: bool = True,
) -> AsbCaseReview:
    """Return the record if visible, logging the consultation.

    Raises:
        NotFound: Missing or not visible (indistinguishable).
    """
    return fetch_visible(
        actor,
        asb_case_reviews_visible_to(actor),
        RecordType.ASB_CASE_REVIEW,
        record_id,
        event=event,
        audit=audit,
        subject=lambda r: r.applicant_id,
    )
