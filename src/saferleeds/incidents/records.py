"""The incidents app's record kinds (see :mod:`saferleeds.core.records`)."""

from saferleeds.core.records import declare

CASEWORK_ROLES = frozenset({"practitioner", "case_coordinator"})

INCIDENT = declare(
    "incident",
    label="Incident",
    model="incidents.Incident",
    holder="owner_agency",
    # Members of a case see its incidents; agreements share incidents whatever cases
    # they are on.
    case_path="case_links__case",
    case_scoped=False,
    subject="people__person",
    event_prefix="incidents.incident",
    withheld=("reference", "summary"),
)

HATE_REPORT = declare(
    "hate_report",
    label="Hate incident report",
    model="incidents.HateReport",
    holder="agency",
    case_path="case",
    subject="victim",
    opening_roles=CASEWORK_ROLES,
    event_prefix="incidents.hate_report",
    case_section="hate_reports",
    case_type="hate",
    withheld=("reporter_name", "reporter_contact", "description"),
)
