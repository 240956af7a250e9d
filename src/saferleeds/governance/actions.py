"""The only way to change the plan: load it from a plan file, update a status.

Both write audit entries in the same transaction as the change (plan items hold no
personal data, but who changed a deliverable's status, and when, is the partnership's
record of accountability).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from saferleeds.audit.log import atomic_action, record
from saferleeds.audit.models import Operation
from saferleeds.governance.models import (
    Board,
    Deliverable,
    Outcome,
    Priority,
    Rag,
    StatusChange,
)
from saferleeds.governance.plan_file import SHIPPED_PLAN, read_plan_file
from saferleeds.governance.rules import may_update_status
from saferleeds.locking import save_versioned
from saferleeds.partners.actions import do_ensure_agency
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor, Forbidden, NotFound

__all__ = [
    "PlanLoaded",
    "StatusError",
    "do_load_plan",
    "do_update_deliverable_status",
]

STATUS_EVENT = "governance.deliverable.status"
LOAD_EVENT = "governance.plan.load"


class StatusError(ValueError):
    """A status update the plan does not accept (the message says why, for the user).

    Attributes:
        field: The form field the error belongs to.
    """

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class PlanLoaded:
    """What loading a plan file added (zero everywhere when loaded before)."""

    agencies: int
    boards: int
    priorities: int
    outcomes: int
    deliverables: int

    @property
    def added(self) -> int:
        """Everything added, all kinds together."""
        return (
            self.agencies
            + self.boards
            + self.priorities
            + self.outcomes
            + self.deliverables
        )


@atomic_action
def do_load_plan(path: Path | str = SHIPPED_PLAN, *, actor: Actor | None) -> PlanLoaded:
    """Add the plan file's agencies, boards, priorities, outcomes and deliverables.

    Idempotent: entries are matched by code, key or number, and an entry already held
    is left as it is (the partnership may have renamed an agency, moved a deliverable
    to another board or rated it since), so loading again adds nothing.

    Args:
        path: The plan file (the shipped strategy by default).
        actor: Who loads it (``None``: the system, e.g. the demo seeder).

    Raises:
        PlanFileError: The file is unreadable or inconsistent (nothing is added).
    """
    plan = read_plan_file(path)
    added = {"agencies": 0, "boards": 0, "priorities": 0, "outcomes": 0}
    agencies: dict[str, Agency] = {}
    for a in plan.agencies:
        held = Agency.objects.filter(code=a.code).first()
        if held is None:
            held = do_ensure_agency(a.code, a.name, a.kind, actor=None)
            added["agencies"] += 1
        agencies[a.code] = held
    boards: dict[str, Board] = {}
    for b in plan.boards:
        board, created = Board.objects.get_or_create(
            key=b.key,
            defaults={"name": b.name, "kind": b.kind, "description": b.description},
        )
        boards[b.key] = board
        added["boards"] += created
    for b in plan.boards:
        if b.reports_to and boards[b.key].reports_to_id is None:
            Board.objects.filter(pk=boards[b.key].pk).update(
                reports_to=boards[b.reports_to]
            )
    outcomes: dict[tuple[int, int], Outcome] = {}
    priorities: dict[int, Priority] = {}
    for p in plan.priorities:
        priority, created = Priority.objects.get_or_create(
            number=p.number,
            defaults={"title": p.title, "focus": p.focus, "aim": p.aim},
        )
        priorities[p.number] = priority
        added["priorities"] += created
        for n, text in enumerate(p.outcomes, start=1):
            outcome, created = Outcome.objects.get_or_create(
                priority=priority, number=n, defaults={"text": text}
            )
            outcomes[(p.number, n)] = outcome
            added["outcomes"] += created
    held_keys = set(Deliverable.objects.values_list("key", flat=True))
    new = [
        Deliverable(
            key=d.key,
            title=d.title,
            theme=d.theme,
            priority=priorities[d.priority],
            outcome=outcomes[(d.priority, d.outcome)] if d.outcome else None,
            lead_agency=agencies[d.lead_agency],
            lead=d.lead,
            board=boards[d.board],
            plan_on_a_page=d.plan_on_a_page,
            due_on=plan.due_on,
        )
        for d in plan.deliverables
        if d.key not in held_keys
    ]
    Deliverable.objects.bulk_create(new)
    loaded = PlanLoaded(deliverables=len(new), **added)
    if loaded.added:
        record(
            actor,
            operation=Operation.COLLECTION,
            event=LOAD_EVENT,
            record_type="plan",
            record_id=plan.path.name,
            detail={
                "agencies": loaded.agencies,
                "boards": loaded.boards,
                "priorities": loaded.priorities,
                "outcomes": loaded.outcomes,
                "deliverables": loaded.deliverables,
            },
        )
    return loaded


@atomic_action
def do_update_deliverable_status(
    deliverable_id: int,
    *,
    rag: str,
    evidence: str,
    expected_version: int,
    actor: Actor,
) -> StatusChange:
    """Set a deliverable's RAG status with the evidence for it, as of today.

    The change is kept in the deliverable's history and audited as an alteration, in
    the same transaction. Re-stating the same status with new evidence is an update
    too (it is what keeps a status from going stale).

    Args:
        deliverable_id: The deliverable.
        rag: ``red``, ``amber`` or ``green``.
        evidence: What the status rests on (required).
        expected_version: The version the user edited (optimistic locking).
        actor: Who updates it: a user of the lead agency with a casework or the
            executive role (:func:`~saferleeds.governance.rules.may_update_status`).

    Raises:
        NotFound: No such deliverable.
        Forbidden: The actor may read the deliverable but not update it.
        StatusError: No status, or no evidence.
        Conflict: Someone else updated it since ``expected_version``.
    """
    deliverable = (
        Deliverable.objects.select_for_update().filter(pk=deliverable_id).first()
    )
    if deliverable is None:
        raise NotFound("No such deliverable")
    if not may_update_status(actor, deliverable.lead_agency_id):
        raise Forbidden(
            "Only the lead agency's practitioners, case coordinators and executive "
            "members update this deliverable's status."
        )
    if rag not in Rag.values:
        raise StatusError("Select red, amber or green", "rag")
    if not evidence.strip():
        raise StatusError("Enter the evidence for the status", "evidence")
    if actor.user_id is None or actor.agency_id is None:
        raise Forbidden("A signed-in user of the lead agency updates a status.")
    now = timezone.now()
    today = timezone.localdate(now)
    save_versioned(
        Deliverable,
        deliverable.pk,
        expected_version,
        {
            "rag": rag,
            "rag_evidence": evidence.strip(),
            "rag_updated_on": today,
            "rag_updated_by_id": actor.user_id,
        },
    )
    change = StatusChange.objects.create(
        deliverable=deliverable,
        changed_by_id=actor.user_id,
        agency_id=actor.agency_id,
        changed_at=now,
        changed_on=today,
        from_rag=deliverable.rag,
        to_rag=rag,
        evidence=evidence.strip(),
    )
    record(
        actor,
        operation=Operation.ALTERATION,
        event=STATUS_EVENT,
        record_type="deliverable",
        record_id=deliverable.pk,
        detail={
            "from": deliverable.rag or "not rated",
            "to": rag,
            "status_change": change.pk,
        },
    )
    return change
