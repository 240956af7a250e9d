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
from typing import Any, TypeVar

from django.apps import apps
from django.db.models import Model, QuerySet

from saferleeds.audit.log import record
from saferleeds.audit.models import Operation
from saferleeds.core.records import RecordKind, kind
from saferleeds.partners.policy import (
    IG_ROLES,
    Actor,
    Forbidden,
    NotFound,
    may_open,
    require_open,
    visible,
)

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


def visible_records(actor: Actor, record_type: RecordKind | str) -> QuerySet[Any]:
    """The records of a declared kind the actor may see (no audit: a page reader
    audits what it shows).

    Made from the kind's declaration (:mod:`saferleeds.core.records`): its model, the
    agency holding each record, the case it is on, and the roles that may open it at
    all (for any other role, none).
    """
    declared = kind(record_type)
    if not may_open(actor, declared):
        return apps.get_model(declared.model)._default_manager.none()
    return _shared_with(actor, declared)


def _shared_with(actor: Actor, declared: RecordKind, **narrower: Any) -> QuerySet[Any]:
    """The kind's records the policy's filter gives the actor, narrowed by ``narrower``,
    de-duplicated when the filter joins a many-valued lookup."""
    records = apps.get_model(declared.model)._default_manager.filter(
        visible(actor, declared, holder=declared.holder, case_path=declared.case_path),
        **narrower,
    )
    return records.distinct() if declared.distinct else records


def disclosable_records(actor: Actor, record_type: RecordKind | str) -> QuerySet[Any]:
    """The records of a declared kind an information-governance lead may disclose to
    their data subject: their own agency's (``partners.policy.visible`` gives a lead
    nothing shared in), whatever roles may open the kind for casework.

    Subject access is not opening a record for casework (``may_open``): the bundle is
    logged as one disclosure to the named recipient, and the lead reviews it for
    exemptions (DPA 2018 Schedules 2-4) before sending it.

    Raises:
        Forbidden: The actor is not an information-governance lead.
    """
    if not actor.has(IG_ROLES):
        raise Forbidden("only information-governance leads disclose to data subjects")
    declared = kind(record_type)
    # Each agency is its own controller: only what the lead's own agency holds, even
    # for a lead who also holds a casework role (which sees records shared in).
    return _shared_with(
        actor, declared, **{f"{declared.holder}__in": [actor.agency_id]}
    )


def access_record(
    actor: Actor,
    record_type: RecordKind | str,
    record_id: int,
    *,
    event: str | None = None,
    audit: bool = True,
    related: tuple[str, ...] = (),
) -> Any:
    """Return one record of a declared kind if the actor may see it, logging the
    consultation (``event``: the kind's ``view`` event unless given; ``related``: the
    foreign keys to read with it, for a page that shows them).

    Raises:
        Forbidden: The kind declares the roles that may open it and the actor's are
            not among them (after the refusal is logged), existing record or not.
        NotFound: Missing or not visible (indistinguishable).
    """
    declared = kind(record_type)
    try:
        return fetch_visible(
            actor,
            visible_records(actor, declared).select_related(*related),
            declared,
            record_id,
            event=event or declared.view_event,
            audit=audit,
            subject=declared.subject_id,
        )
    except NotFound:
        if declared.opening_roles is not None:
            require_open(actor, declared)
        raise


def readers_of(
    record_type: RecordKind | str,
) -> tuple[Callable[[Actor], QuerySet[Any]], Callable[..., Any]]:
    """An app's two named readers of a declared kind, made from its declaration: the
    ``<noun>s_visible_to(actor)`` queryset and ``access_<noun>_by_id(actor, id, *,
    event=None, audit=True, related=())``.
    """
    declared = kind(record_type)

    def visible_to(actor: Actor) -> QuerySet[Any]:
        return visible_records(actor, declared)

    def access_by_id(actor: Actor, record_id: int, **options: Any) -> Any:
        return access_record(actor, declared, record_id, **options)

    visible_to.__doc__ = (
        f"{declared.label} records the actor may see (no audit: page readers audit "
        "what they show)."
    )
    access_by_id.__doc__ = (
        f"Return the {declared.label.lower()} if visible, logging the consultation "
        "(see ``partners.access.access_record``)."
    )
    return visible_to, access_by_id
