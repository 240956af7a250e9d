"""The only way to read cases and case notes."""

from __future__ import annotations

from django.db.models import QuerySet

from saferleeds.partners.access import fetch_visible
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import Actor, visible
from saferleeds.safeguarding.models import Case, CaseNote


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
