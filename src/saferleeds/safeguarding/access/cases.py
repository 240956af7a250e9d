"""The only way to read cases and case notes."""

from __future__ import annotations

from django.db.models import QuerySet

from saferleeds.partners.access import fetch_visible
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import Actor, visible
from saferleeds.safeguarding.models import Case, CaseDocument, CaseNote, CaseTask

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


def cases_visible_to(actor: Actor) -> QuerySet[Case]:
    """Cases the actor may see: led by a source agency, or the actor is a member."""
    return Case.objects.filter(
        visible(actor, RecordType.CASE, holder="lead_agency", case_path="id")
    ).distinct()


def notes_visible_to(actor: Actor) -> QuerySet[CaseNote]:
    """Case notes the actor may see: written by a source agency, or on the actor's cases."""
    return CaseNote.objects.filter(
        visible(actor, RecordType.CASE_NOTE, holder="author_agency", case_path="case")
    ).distinct()


def access_case_by_id(
    actor: Actor,
    case_id: int,
    *,
    event: str = "safeguarding.case.view",
    audit: bool = True,
) -> Case:
    """Return the case if visible, logging the consultation.

    Raises:
        NotFound: Missing or not visible (indistinguishable).
    """
    return fetch_visible(
        actor,
        cases_visible_to(actor),
        RecordType.CASE,
        case_id,
        event=event,
        audit=audit,
    )


def access_case_note_by_id(
    actor: Actor, note_id: int, *, event: str = "safeguarding.case_note.view"
) -> CaseNote:
    """Return the case note if visible, logging the consultation.

    Raises:
        NotFound: Missing or not visible (indistinguishable).
    """
    return fetch_visible(
        actor, notes_visible_to(actor), RecordType.CASE_NOTE, note_id, event=event
    )


def case_tasks_visible_to(actor: Actor) -> QuerySet[CaseTask]:
    """Case tasks and MARAC actions the actor may see (no audit: callers audit what they show)."""
    q = visible(
        actor, RecordType.CASE_TASK, holder="created_by_agency", case_path="case"
    )
    return CaseTask.objects.filter(q).distinct()


def access_case_task_by_id(
    actor: Actor,
    record_id: int,
    *,
    event: str = "safeguarding.case_task.view",
    audit: bool = True,
) -> CaseTask:
    """Return the record if visible, logging the consultation.

    Raises:
        NotFound: Missing or not visible (indistinguishable).
    """
    return fetch_visible(
        actor,
        case_tasks_visible_to(actor),
        RecordType.CASE_TASK,
        record_id,
        event=event,
        audit=audit,
    )


def case_documents_visible_to(actor: Actor) -> QuerySet[CaseDocument]:
    """Case documents the actor may see (no audit: callers audit what they show)."""
    q = visible(actor, RecordType.ATTACHMENT, holder="agency", case_path="case")
    return CaseDocument.objects.filter(q).distinct()


def access_case_document_by_id(
    actor: Actor,
    record_id: int,
    *,
    event: str = "safeguarding.case_document.view",
    audit: bool = True,
) -> CaseDocument:
    """Return the record if visible, logging the consultation.

    Raises:
        NotFound: Missing or not visible (indistinguishable).
    """
    return fetch_visible(
        actor,
        case_documents_visible_to(actor),
        RecordType.ATTACHMENT,
        record_id,
        event=event,
        audit=audit,
    )
