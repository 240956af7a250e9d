"""The only ways to link records to tension reports and to record tension events.

Each writes its audit entry in the same transaction as the change. Linking reads the
record through the access layer first: a partner links only what it may see, and the
link is logged as a combination of the two records (DPA 2018 s62).
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from saferleeds.audit.log import atomic_action, record
from saferleeds.audit.models import Operation
from saferleeds.core.records import kind
from saferleeds.governance.models import TensionEvent, TensionLink, TensionReport
from saferleeds.governance.rules import may_submit_tension
from saferleeds.governance.tension_pages import TENSION_AREA_LEVELS
from saferleeds.governance.tensions import personal_data_found
from saferleeds.partners.access import access_record
from saferleeds.partners.policy import Actor, Forbidden, NotFound
from saferleeds.places.models import Area

__all__ = [
    "EVENT_EVENT",
    "LINK_EVENT",
    "TensionInputError",
    "do_link_tension_record",
    "do_record_tension_event",
]

LINK_EVENT = "governance.tension.link"
EVENT_EVENT = "governance.tension.event"
_SUBMITTERS_ONLY = "Only practitioners and case coordinators link records and events."


class TensionInputError(ValueError):
    """A value the form should have refused; ``field`` names it."""

    def __init__(self, message: str, field: str) -> None:
        """Keep the field the message is about."""
        super().__init__(message)
        self.field = field


@atomic_action
def do_link_tension_record(
    report_id: int, *, record_type: str, record_id: int, actor: Actor
) -> TensionLink:
    """Link a hate report or incident the actor may see to a tension report.

    Linking the same record twice is a no-op (the existing link is returned, nothing
    more is logged).

    Raises:
        Forbidden: The actor does not submit tension reports, or never opens the kind.
        NotFound: No such tension report, or the record is missing or not visible to
            the actor (the same answer, logged as a refusal by the access layer).
        TensionInputError: Not a kind of record that can be linked.
    """
    if not may_submit_tension(actor) or actor.user_id is None:
        raise Forbidden(_SUBMITTERS_ONLY)
    if record_type not in TensionLink.Kind.values:
        raise TensionInputError("Choose a hate report or an incident", "record")
    report = TensionReport.objects.filter(pk=report_id).first()
    if report is None:
        raise NotFound("No such tension report")
    obj = access_record(
        actor, record_type, record_id, event=f"{LINK_EVENT}.check", audit=False
    )
    link, created = TensionLink.objects.get_or_create(
        report=report,
        record_type=record_type,
        record_id=obj.pk,
        defaults={
            "linked_by_id": actor.user_id,
            "agency_id": actor.agency_id,
            "linked_at": timezone.now(),
        },
    )
    if created:
        record(
            actor,
            operation=Operation.COMBINATION,
            event=LINK_EVENT,
            record_type=record_type,
            record_id=obj.pk,
            subject_person_id=kind(record_type).subject_id(obj),
            detail={"tension_report": report.pk, "area": report.area.code},
        )
    return link


@atomic_action
def do_record_tension_event(
    area_id: int,
    *,
    happens_on: date,
    title: str,
    details: str = "",
    actor: Actor,
) -> TensionEvent:
    """Record an event that may affect tension in a ward or neighbourhood (audited).

    Raises:
        Forbidden: The actor does not submit tension reports.
        NotFound: No such ward or neighbourhood.
        TensionInputError: No title, or obvious personal data in the text.
    """
    if not may_submit_tension(actor) or actor.user_id is None:
        raise Forbidden(_SUBMITTERS_ONLY)
    area = Area.objects.filter(pk=area_id, level__in=TENSION_AREA_LEVELS).first()
    if area is None:
        raise NotFound("No such ward or neighbourhood")
    if not title.strip():
        raise TensionInputError("Enter what the event is", "title")
    for field, text in (("title", title), ("details", details)):
        found = personal_data_found(text)
        if found:
            raise TensionInputError(
                f"Remove personal data: the {field} includes {found}", field
            )
    event = TensionEvent.objects.create(
        area=area,
        happens_on=happens_on,
        title=title.strip(),
        details=details.strip(),
        recorded_by_id=actor.user_id,
        agency_id=actor.agency_id,
        recorded_at=timezone.now(),
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event=EVENT_EVENT,
        record_type="tension_event",
        record_id=event.pk,
        detail={"area": area.code, "on": happens_on.isoformat()},
    )
    return event
