"""The only way to read cases and case notes."""

from __future__ import annotations

from saferleeds.partners.access import readers_of
from saferleeds.safeguarding.records import ATTACHMENT, CASE, CASE_NOTE, CASE_TASK

__all__ = [
    "case_tasks_visible_to",
    "access_case_task_by_id",
    "case_documents_visible_to",
    "access_case_document_by_id",
    "cases_visible_to",
    "notes_visible_to",
    "access_case_by_id",
    "access_case_note_by_id",
]


# The gate's readers, made from the declarations in ``safeguarding.records``.
cases_visible_to, access_case_by_id = readers_of(CASE)
notes_visible_to, access_case_note_by_id = readers_of(CASE_NOTE)
case_tasks_visible_to, access_case_task_by_id = readers_of(CASE_TASK)
case_documents_visible_to, access_case_document_by_id = readers_of(ATTACHMENT)
