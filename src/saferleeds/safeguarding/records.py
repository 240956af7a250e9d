"""Casework's record kinds (see :mod:`saferleeds.core.records`).

The case core's kinds, then each casework module's: the module kinds name their section
on the case page (``case_section``), the case type whose cases hold them and the foreign
keys the section shows.
"""

from saferleeds.core.records import declare

# Dash, MARAC and hate records are opened by caseworkers only, whatever is shared
# (security finding 3, issue #11).
CASEWORK_ROLES = frozenset({"practitioner", "case_coordinator"})

CASE = declare(
    "case",
    label="Case",
    model="safeguarding.Case",
    holder="lead_agency",
    case_path="id",
    subject="people__person",
    event_prefix="safeguarding.case",
    withheld=("reference", "title", "summary", "outcome_note"),
)
CASE_NOTE = declare(
    "case_note",
    label="Case note",
    model="safeguarding.CaseNote",
    holder="author_agency",
    case_path="case",
    subject="case__people__person",
    event_prefix="safeguarding.case_note",
    withheld=("text",),
)
CASE_TASK = declare(
    "case_task",
    label="Case task or MARAC action",
    model="safeguarding.CaseTask",
    holder="created_by_agency",
    case_path="case",
    subject="case__people__person",
    event_prefix="safeguarding.case_task",
    withheld=("title", "detail"),
)
ATTACHMENT = declare(
    "attachment",
    label="Case document",
    model="safeguarding.CaseDocument",
    holder="agency",
    case_path="case",
    subject="case__people__person",
    event_prefix="safeguarding.case_document",
    withheld=("title", "original_name"),
)
DASH_ASSESSMENT = declare(
    "dash_assessment",
    label="Dash risk assessment",
    model="safeguarding.DashAssessment",
    holder="agency",
    case_path="case",
    subject="victim",
    opening_roles=CASEWORK_ROLES,
    event_prefix="safeguarding.dash_assessment",
    case_section="dash",
    case_type="marac",
    related=("victim",),
    withheld=("answers", "notes"),
)
MARAC_REFERRAL = declare(
    "marac_referral",
    label="MARAC referral",
    model="safeguarding.MaracReferral",
    holder="referring_agency",
    case_path="case",
    subject="victim",
    opening_roles=CASEWORK_ROLES,
    event_prefix="safeguarding.marac_referral",
    case_section="marac_referrals",
    case_type="marac",
    related=("victim", "meeting"),
    withheld=("reason",),
)
MARAC_RESEARCH = declare(
    "marac_research",
    label="MARAC research",
    model="safeguarding.MaracResearch",
    holder="agency",
    case_path="referral__case",
    subject="referral__victim",
    opening_roles=CASEWORK_ROLES,
    event_prefix="safeguarding.marac_research",
    withheld=("text",),
)
ASB_COMPLAINT = declare(
    "asb_complaint",
    label="ASB complaint",
    model="safeguarding.AsbComplaint",
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
    model="safeguarding.AsbRiskAssessment",
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
    model="safeguarding.AsbIntervention",
    holder="agency",
    case_path="case",
    subject="subject",
    event_prefix="safeguarding.asb_intervention",
    case_section="asb_interventions",
    case_type="asb",
    related=("subject",),
    withheld=("detail",),
)
ASB_CASE_REVIEW = declare(
    "asb_case_review",
    label="ASB Case Review",
    model="safeguarding.AsbCaseReview",
    holder="agency",
    case_path="case",
    subject="applicant",
    event_prefix="safeguarding.asb_case_review",
    case_section="asb_case_reviews",
    case_type="asb",
    related=("applicant",),
    withheld=("applicant_name", "summary"),
)
NRM_REFERRAL = declare(
    "nrm_referral",
    label="NRM referral",
    model="safeguarding.NrmReferral",
    holder="agency",
    case_path="case",
    subject="potential_victim",
    event_prefix="safeguarding.nrm_referral",
    case_section="nrm_referrals",
    case_type="modern_slavery",
    withheld=("summary",),
)
