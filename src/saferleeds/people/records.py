"""The people app's record kinds (see :mod:`saferleeds.core.records`)."""

from saferleeds.core.records import declare

PERSON = declare(
    "person",
    label="Person",
    model="people.Person",
    holder="agency_refs__agency",
    # Members of a case see the people on it; agreements share people whatever cases
    # they are on.
    case_path="case_links__case",
    case_scoped=False,
    subject="pk",
    event_prefix="people.person",
    withheld=("given_name", "family_name", "date_of_birth", "postcode", "agency_refs"),
)
