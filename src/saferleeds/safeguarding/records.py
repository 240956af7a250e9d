"""The case core's record kinds (see :mod:`saferleeds.core.records`).

The casework modules (``marac``, ``asb``, ``nrm``, ``hate``) declare their own, each
naming its section on the case page (``case_section``), the case type whose cases hold
it and the foreign keys the section shows.
"""

from saferleeds.core.records import declare

CASE = declare(
    "case",
    label="Case",
    model="safeguarding.Case",
    holder="lead_agency",
    case_path="id",
    subject="people__person",
    event_prefix="safeguarding.case",
    withheld=("reference", "title", "summary", "outcome_note"),
)

CASE_NOTE = declare(
    "case_note",
    label="Case note",
    model="safeguarding.CaseNote",
    holder="author_agency",
    case_path="case",
    subject="case__people__person",
    event_prefix="safeguarding.case_note",
    withheld=("text",),
)

CASE_TASK = declare(
    "case_task",
    label="Case task or MARAC action",
    model="safeguarding.CaseTask",
    holder="created_by_agency",
    case_path="case",
    subject="case__people__person",
    event_prefix="safeguarding.case_task",
    withheld=("title", "detail"),
)

ATTACHMENT = declare(
    "attachment",
    label="Case document",
    model="safeguarding.CaseDocument",
    holder="agency",
    case_path="case",
    subject="case__people__person",
    event_prefix="safeguarding.case_document",
    withheld=("title", "original_name"),
)
