"""Write audit entries. Call :func:`record` inside the transaction of the change it logs."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar

from django.db import transaction
from django.utils import timezone

from saferleeds.audit.chain import entry_hash
from saferleeds.audit.models import AuditEntry, ChainHead, Operation
from saferleeds.core.actor import Actor, NotFound


def _lock_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(id=1).first()
    if head is None:
        ChainHead.objects.get_or_create(id=1)
        head = ChainHead.objects.select_for_update().get(id=1)
    return head


@transaction.atomic
def record(
    actor: Actor | None,
    *,
    operation: Operation,
    event: str,
    record_type: str = "",
    record_id: object = "",
    subject_person_id: int | None = None,
    recipient: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction.

    Args:
        actor: Who acted (``None`` for the system itself).
        operation: One of the s62 operations, or a refusal.
        event: Dotted event code, e.g. ``people.person.view``.
        record_type: The record type (see ``partners.policy.RecordType``).
        record_id: The record's id.
        subject_person_id: The person the record is about, for per-person reports.
        recipient: Who received a disclosure.
        detail: Extra facts (changed fields' names, counts); never erased content.
    """
    return record_many(
        actor,
        operation=operation,
        event=event,
        records=[(record_type, record_id, subject_person_id)],
        recipient=recipient,
        detail=detail,
    )[0]


@transaction.atomic
def record_many(
    actor: Actor | None,
    *,
    operation: Operation,
    event: str,
    records: Iterable[tuple[str, object, int | None]],
    recipient: str = "",
    detail: dict[str, Any] | None = None,
) -> list[AuditEntry]:
    """Append one entry per ``(record_type, record_id, subject_person_id)``.

    A search writes one consultation entry for each record it returned (ICO: the log
    must show what was available to the user). No records: nothing is written (the
    head only ever moves forward; see :mod:`saferleeds.audit.guard`).
    """
    records = list(records)
    if not records:
        return []
    head = _lock_head()  # serialises writers so the chain stays a line
    entries = _chain(head, actor, operation, event, records, recipient, detail)
    AuditEntry.objects.bulk_create(entries)
    head.save(update_fields=["seq", "hash"])
    return entries


def _chain(
    head: ChainHead,
    actor: Actor | None,
    operation: Operation,
    event: str,
    records: list[tuple[str, object, int | None]],
    recipient: str = "",
    detail: dict[str, Any] | None = None,
) -> list[AuditEntry]:
    """The entries for ``records``, chained on from ``head`` (which moves with them)."""
    now = timezone.now()
    entries: list[AuditEntry] = []
    for record_type, record_id, subject in records:
        payload: dict[str, Any] = {
            "seq": head.seq + 1,
            "at": now,
            "actor_id": actor.user_id if actor else None,
            "actor_username": actor.username if actor else "",
            "agency_code": actor.agency_code if actor else "",
            "roles": ",".join(sorted(actor.roles)) if actor else "",
            "purpose": (actor.purpose if actor else "")[:200],
            "operation": str(operation),
            "event": event,
            "record_type": record_type,
            "record_id": str(record_id)[:64],  # an id typed in a URL may be any length
            "subject_person_id": subject,
            "recipient": recipient[:200],
            "remote_addr": (actor.remote_addr if actor else "")[:64],
            "detail": detail or {},
        }
        digest = entry_hash(head.hash, payload)
        entries.append(AuditEntry(**payload, prev_hash=head.hash, hash=digest))
        head.seq, head.hash = payload["seq"], digest
    return entries


# One event's consultations: (event, records, detail), records as ``record_many`` takes.
Consultations = tuple[str, Iterable[tuple[str, object, int | None]], dict[str, Any]]


@transaction.atomic(savepoint=False)
def record_consultations(
    actor: Actor | None, batches: Iterable[Consultations]
) -> list[AuditEntry]:
    """Append the consultation entries of several events in one write (one page).

    A page or API answer that shows records of several kinds logs each record shown
    under its event, all under one lock of the chain head and one insert. Without a
    savepoint: a failed write fails the caller's transaction (nothing is shown).

    Args:
        actor: Who consulted the records.
        batches: ``(event, records, detail)`` per event; records as
            :func:`record_many` takes them. Events with no records write nothing.

    Returns:
        The entries written, in chain order.
    """
    todo = [(event, list(records), detail) for event, records, detail in batches]
    if not any(records for _, records, _ in todo):
        return []
    head = _lock_head()
    entries: list[AuditEntry] = []
    for event, records, detail in todo:
        entries += _chain(
            head, actor, Operation.CONSULTATION, event, records, detail=detail
        )
    AuditEntry.objects.bulk_create(entries)
    head.save(update_fields=["seq", "hash"])
    return entries


P = ParamSpec("P")
R = TypeVar("R")


def atomic_action(fn: Callable[P, R]) -> Callable[P, R]:
    """Run an action atomically, keeping the record of a refused access.

    An action that is refused part-way (its access check raises ``NotFound``) rolls
    back, and with it the refusal entry written by the check. The refusal is a fact the
    log must keep (ASVS V16: log access-control failures), so it is written again once
    the action's transaction has rolled back.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with transaction.atomic():
                return fn(*args, **kwargs)
        except NotFound as exc:
            if exc.refusal is not None:
                record(**exc.refusal)  # type: ignore[arg-type]
            raise

    return wrapper
