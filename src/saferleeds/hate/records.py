"""Hate crime's record kinds (see :mod:`saferleeds.core.records`)."""

from saferleeds.core.records import declare

# Opened by caseworkers only, whatever is shared (security finding 3, issue #11).
CASEWORK_ROLES = frozenset({"practitioner", "case_coordinator"})

HATE_REPORT = declare(
    "hate_report",
    label="Hate incident report",
    model="hate.HateReport",
    holder="agency",
    case_path="case",
    subject="victim",
    opening_roles=CASEWORK_ROLES,
    event_prefix="incidents.hate_report",
    case_section="hate_reports",
    case_type="hate",
    withheld=(
        "reference",
        "what_happened",
        "location",
        "postcode",
        "latitude",
        "longitude",
        "contact_name",
        "contact_email",
        "contact_phone",
        "safe_times",
        "centre_notes",
        "triage_note",
    ),
)
