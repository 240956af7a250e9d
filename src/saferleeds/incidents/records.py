"""The incidents app's record kinds (see :mod:`saferleeds.core.records`)."""

from saferleeds.core.records import declare

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
