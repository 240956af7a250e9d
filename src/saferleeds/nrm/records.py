"""Modern slavery (NRM) record kinds (see :mod:`saferleeds.core.records`)."""

from saferleeds.core.records import declare

NRM_REFERRAL = declare(
    "nrm_referral",
    label="NRM referral",
    model="nrm.NrmReferral",
    holder="agency",
    case_path="case",
    subject="potential_victim",
    event_prefix="safeguarding.nrm_referral",
    case_section="nrm_referrals",
    case_type="modern_slavery",
    withheld=("notes",),
)
