"""MARAC and Dash record kinds (see :mod:`saferleeds.core.records`)."""

from saferleeds.core.records import declare

# Opened by caseworkers only, whatever is shared (security finding 3, issue #11).
CASEWORK_ROLES = frozenset({"practitioner", "case_coordinator"})

DASH_ASSESSMENT = declare(
    "dash_assessment",
    label="Dash risk assessment",
    model="marac.DashAssessment",
    holder="agency",
    case_path="case",
    subject="victim",
    opening_roles=CASEWORK_ROLES,
    event_prefix="safeguarding.dash_assessment",
    case_section="dash",
    case_type="marac",
    related=("victim",),
    withheld=("answers", "assessor_notes", "judgement_reason"),
)

MARAC_REFERRAL = declare(
    "marac_referral",
    label="MARAC referral",
    model="marac.MaracReferral",
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
    model="marac.MaracResearch",
    holder="agency",
    case_path="referral__case",
    subject="referral__victim",
    opening_roles=CASEWORK_ROLES,
    event_prefix="safeguarding.marac_research",
    withheld=("findings",),
)
