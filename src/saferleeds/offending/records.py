"""Offending record kinds (see :mod:`saferleeds.core.records`).

Both are held by the agency that supplied them (police for offences; courts,
probation, youth justice or police for disposals) and are about one person. Neither
belongs to a case: an agreement shares them like any other kind outside cases.
"""

from saferleeds.core.records import declare

OFFENCE = declare(
    "offence",
    label="Offence",
    model="offending.Offence",
    holder="agency",
    subject="person",
    event_prefix="offending.offence",
    withheld=("reference", "crime_reference"),
    distinct=False,
)

DISPOSAL = declare(
    "disposal",
    label="Disposal",
    model="offending.Disposal",
    holder="agency",
    subject="person",
    event_prefix="offending.disposal",
    withheld=("reference",),
    distinct=False,
)
