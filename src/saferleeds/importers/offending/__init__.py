"""Partner offending extracts: offences and disposals, read strictly (issue #14).

:mod:`saferleeds.importers.offending.extract` reads the two files an agency supplies,
row by row: each bad row is a :class:`~saferleeds.analytics.csvfile.CsvInputError`
naming file, line and field, kept apart from the good rows so the offending app can
commit the good ones and quarantine the rest. No Django here.
"""

from saferleeds.importers.offending.extract import (
    DISPOSAL_COLUMNS,
    DISPOSAL_TYPES,
    OFFENCE_COLUMNS,
    ROLES,
    DisposalRow,
    Extract,
    OffenceRow,
    read_disposal_extract,
    read_offence_extract,
)

__all__ = [
    "DISPOSAL_COLUMNS",
    "DISPOSAL_TYPES",
    "OFFENCE_COLUMNS",
    "ROLES",
    "DisposalRow",
    "Extract",
    "OffenceRow",
    "read_disposal_extract",
    "read_offence_extract",
]
