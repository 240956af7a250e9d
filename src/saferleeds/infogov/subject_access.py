"""Per-person access history and subject-access bundles, for information-governance leads."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from saferleeds.audit.log import atomic_action, record
from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.core.records import kinds
from saferleeds.partners.access import disclosable_records
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import IG_ROLES, Actor, Forbidden, source_agencies
from saferleeds.people.access import access_person_by_id


def _require_ig(actor: Actor) -> None:
    if not actor.has(IG_ROLES):
        raise Forbidden("only information-governance leads see access histories")


def access_history_for_person(actor: Actor, person_id: int) -> QuerySet[AuditEntry]:
    """Who did what to this person's records, newest first; reading it is itself logged.

    Raises:
        Forbidden: Not an information-governance lead.
        NotFound: The lead's agency does not hold the person.
    """
    _require_ig(actor)
    access_person_by_id(
        actor, person_id, event="audit.person_history.view", audit=False
    )
    record(
        actor,
        operation=Operation.CONSULTATION,
        event="audit.person_history.view",
        record_type=RecordType.PERSON,
        record_id=person_id,
        subject_person_id=person_id,
    )
    return AuditEntry.objects.filter(subject_person_id=person_id).order_by("-seq")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None  # binary content goes with the documents, not in the bundle
    return value


# Fields that are the system's own bookkeeping, not information about the person.
_BOOKKEEPING = frozenset({"version", "stored_name", "sha256"})


def _row(obj: Any) -> dict[str, Any]:
    """A record's own fields (foreign keys as the related record's name)."""
    row: dict[str, Any] = {"id": obj.pk}
    for f in obj._meta.concrete_fields:
        if f.primary_key or f.name in _BOOKKEEPING:
            continue
        if f.is_relation:
            related = getattr(obj, f.name)
            row[f.name] = None if related is None else str(related)
        else:
            row[f.name] = _plain(getattr(obj, f.attname))
    return row


def _records_about(actor: Actor, person_id: int) -> dict[str, dict[str, Any]]:
    """Every declared kind with a subject (but people themselves): the records the
    actor may see that are about the person, by kind."""
    found: dict[str, dict[str, Any]] = {}
    for declared in kinds():
        if declared.subject in (None, "pk"):
            continue
        rows = [
            _row(obj)
            for obj in disclosable_records(actor, declared)
            .filter(**{declared.subject: person_id})
            .order_by("pk")
        ]
        if rows:
            found[declared.value] = {"label": declared.label, "items": rows}
    return found


@atomic_action
def do_export_subject_access(person_id: int, *, actor: Actor, recipient: str) -> bytes:
    """Everything the lead's agency holds on a person, and its access history, as JSON.

    Each agency is its own controller: the bundle holds what the policy lets the lead
    see (their agency's records), never records shared in from other agencies.

    Logged as a disclosure to ``recipient`` (the data subject or their representative).

    Raises:
        Forbidden: Not an information-governance lead, or no recipient given.
        NotFound: The lead's agency does not hold the person.
    """
    _require_ig(actor)
    if not recipient.strip():
        raise Forbidden("a subject-access disclosure needs its recipient")
    person = access_person_by_id(actor, person_id, audit=False)
    bundle: dict[str, Any] = {
        "generated_at": _plain(datetime.now().astimezone()),
        "generated_by": {"user": actor.username, "agency": actor.agency_code},
        "recipient": recipient,
        "person": {
            "id": person.pk,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "date_of_birth": _plain(person.date_of_birth),
            "sex": person.sex,
            "postcode": person.postcode,
        },
        "agency_references": [
            {"agency": r.agency.name, "reference": r.reference}
            for r in person.agency_refs.select_related("agency").filter(
                agency_id__in=source_agencies(actor, RecordType.PERSON)
            )
        ],
        # Every declared kind of record about the person, as the registry declares
        # it, read through the gate: what the policy lets the lead see.
        "records": _records_about(actor, person.pk),
        "access_history": [
            {
                "at": _plain(e.at),
                "who": e.actor_username,
                "agency": e.agency_code,
                "operation": e.operation,
                "event": e.event,
                "purpose": e.purpose,
            }
            for e in AuditEntry.objects.filter(subject_person_id=person.pk).order_by(
                "seq"
            )
        ],
    }
    record(
        actor,
        operation=Operation.DISCLOSURE,
        event="audit.subject_access.export",
        record_type=RecordType.PERSON,
        record_id=person.pk,
        subject_person_id=person.pk,
        recipient=recipient,
        detail={"format": "json"},
    )
    return json.dumps(bundle, indent=2, ensure_ascii=False).encode("utf-8")
