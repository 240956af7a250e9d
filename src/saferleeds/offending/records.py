"""Offending record kinds (see :mod:`saferleeds.core.records`).

Each is held by the agency that supplied it (police for offences; courts,
probation, youth justice or police for disposals; the police or a regional organised
crime unit for OCG nominal lists) and is about one person. None belongs to a case: an
agreement shares them like any other kind outside cases.
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

OCG_NOMINATION = declare(
    "ocg_nomination",
    label="OCG nomination",
    model="offending.OcgNomination",
    holder="agency",
    subject="person",
    event_prefix="offending.ocg_nomination",
    # The group's reference and working name can point at people: analysts see a
    # group by a number on the page instead.
    withheld=("ocg_reference", "ocg_name"),
    distinct=False,
)
