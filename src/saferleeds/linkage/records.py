"""Record linkage's record kinds (see :mod:`saferleeds.core.records`)."""

from saferleeds.core.records import declare

# An agency's own record of a person, held by that agency: another agency sees it only
# when an agreement shares agency records with it, never because it was linked.
AGENCY_RECORD = declare(
    "agency_record",
    label="Agency record",
    model="linkage.AgencyRecord",
    holder="agency",
    subject="person",
    event_prefix="linkage.agency_record",
    withheld=(
        "reference",
        "forename",
        "surname",
        "date_of_birth",
        "postcode",
        "address",
        "identifier",
    ),
    distinct=False,
)
