"""Partner offending extracts: offences, disposals and OCG nominal lists, and the
10-17 population by area, read strictly (issue #14).

:mod:`saferleeds.importers.offending.extract` reads the two files an agency supplies,
row by row: each bad row is a :class:`~saferleeds.analytics.csvfile.CsvInputError`
naming file, line and field, kept apart from the good rows so the offending app can
commit the good ones and quarantine the rest. No Django here.
"""

from saferleeds.importers.offending.extract import (
    DISPOSAL_COLUMNS,
    DISPOSAL_OPTIONAL,
    DISPOSAL_TYPES,
    OCG_COLUMNS,
    OCG_OPTIONAL,
    OCG_ROLES,
    OFFENCE_COLUMNS,
    POPULATION_COLUMNS,
    ROLES,
    DisposalRow,
    Extract,
    OcgNominalRow,
    OffenceRow,
    PopulationRow,
    read_disposal_extract,
    read_ocg_nominal_list,
    read_offence_extract,
    read_population,
)

__all__ = [
    "DISPOSAL_COLUMNS",
    "DISPOSAL_OPTIONAL",
    "DISPOSAL_TYPES",
    "OCG_COLUMNS",
    "OCG_OPTIONAL",
    "OCG_ROLES",
    "OFFENCE_COLUMNS",
    "ROLES",
    "DisposalRow",
    "Extract",
    "OcgNominalRow",
    "OffenceRow",
    "POPULATION_COLUMNS",
    "PopulationRow",
    "read_disposal_extract",
    "read_ocg_nominal_list",
    "read_offence_extract",
    "read_population",
]
