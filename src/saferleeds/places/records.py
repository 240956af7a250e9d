"""The places app's record kinds (see :mod:`saferleeds.core.records`)."""

from saferleeds.core.records import declare

PLACE = declare(
    "place",
    label="Place",
    model="places.Place",
    holder="owner_agency",
    event_prefix="places.place",
    withheld=("address", "postcode"),
    distinct=False,
)
