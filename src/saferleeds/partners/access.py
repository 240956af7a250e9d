"""The one gate every app's ``access_<noun>_by_id`` goes through.

It reads a record only through the policy's filter, answers "missing" and "forbidden"
alike, logs a refusal for both (a missing record's saying it was not found), and logs the
consultation when it does not refuse. Apps say only which records are visible and which
event to log.

Missing and forbidden do the same work, one existence lookup and one audit write, so the
answer's timing does not tell them apart (security finding 9, issue #11); the log also
shows IG leads an actor probing ids that do not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db.models import Model, QuerySet

from saferleeds.audit.log import record
from saferleeds.audit.models import Operation
from saferleeds.partners.policy import Actor, NotFound

M = TypeVar("M", bound=Model)

# The refusal entry's detail when the record asked for does not exist.
NOT_FOUND_DETAIL: dict[str, object] = {"reason": "not found"}


def refuse(
    actor: Actor,
    record_type: str,
    record_id: object,
    event: str,
    subject_person_id: int | None = None,
    detail: dict[str, object] | None = None,
) -> NotFound:
    """Log a refused access and return the NotFound to raise (same as a missing record).

    The refusal's details travel on the exception: inside an action the entry written
    here rolls back with the action, and ``atomic_action`` writes it again afterwards.
    """
    details: dict[str, object] = {
        "operation": Operation.REFUSAL,
        "event": event,
        "record_type": record_type,
        "record_id": record_id,
        "subject_person_id": subject_person_id,
        "detail": detail,
    }
    record(actor, **details)  # type: ignore[arg-type]
    exc = NotFound(f"no {record_type} {record_id}")
    exc.refusal = {"actor": actor, **details}
    return exc


def fetch_visible(
    actor: Actor,
    visible: QuerySet[M],
    record_type: str,
    record_id: int,
    *,
    event: str,
    audit: bool = True,
    subject: Callable[[M], int | None] = lambda _: None,
) -> M:
    """Return the record if ``visible`` (the actor's filtered queryset) holds it.

    Args:
        actor: Who is asking.
        visible: The records of this type the actor may see.
        record_type: For the audit entry and the error.
        record_id: The record asked for.
        event: Dotted audit event code.
        audit: Log the consultation (callers that only check before a change pass
            ``False``; refusals are always logged).
        subject: The person the record is about, for per-person access histories.

    Raises:
        NotFound: Missing or not visible to the actor (indistinguishable; both are
            logged as refusals, so both take the same work).
    """
    obj = visible.filter(pk=record_id).first()
    if obj is None:
        if visible.model._default_manager.filter(pk=record_id).exists():
            subject_id = record_id if record_type == "person" else None
            raise refuse(actor, record_type, record_id, event, subject_id)
        # A missing record is refused the same way, with the same work (one lookup,
        # one audit write); no subject, as the id is nobody's (yet).
        raise refuse(actor, record_type, record_id, event, None, dict(NOT_FOUND_DETAIL))
    if audit:
        record(
            actor,
            operation=Operation.CONSULTATION,
            event=event,
            record_type=record_type,
            record_id=obj.pk,
            subject_person_id=subject(obj),
        )
    return obj
