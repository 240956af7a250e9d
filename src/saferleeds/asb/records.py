"""ASB record kinds (see :mod:`saferleeds.core.records`)."""

from saferleeds.core.records import declare

ASB_COMPLAINT = declare(
    "asb_complaint",
    label="ASB complaint",
    model="asb.AsbComplaint",
    holder="agency",
    case_path="case",
    subject="complainant",
    event_prefix="safeguarding.asb_complaint",
    case_section="asb_complaints",
    case_type="asb",
    related=("complainant",),
    withheld=("description",),
)

ASB_ASSESSMENT = declare(
    "asb_assessment",
    label="ASB risk assessment",
    model="asb.AsbRiskAssessment",
    holder="agency",
    case_path="case",
    subject="complainant",
    event_prefix="safeguarding.asb_assessment",
    case_section="asb_assessments",
    case_type="asb",
    related=("complainant",),
    withheld=("answers", "notes"),
)

ASB_INTERVENTION = declare(
    "asb_intervention",
    label="ASB intervention",
    model="asb.AsbIntervention",
    holder="agency",
    case_path="case",
    subject="subject",
    event_prefix="safeguarding.asb_intervention",
    case_section="asb_interventions",
    case_type="asb",
    related=("subject",),
    withheld=("notes",),
)

ASB_CASE_REVIEW = declare(
    "asb_case_review",
    label="ASB Case Review",
    model="asb.AsbCaseReview",
    holder="agency",
    case_path="case",
    subject="applicant",
    event_prefix="safeguarding.asb_case_review",
    case_section="asb_case_reviews",
    case_type="asb",
    related=("applicant",),
    withheld=("reference", "threshold_detail"),
)
