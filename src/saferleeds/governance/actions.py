"""The only way to change the plan: load it from a plan file, update a status.

Both write audit entries in the same transaction as the change (plan items hold no
personal data, but who changed a deliverable's status, and when, is the partnership's
record of accountability).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.utils import timezone

from saferleeds.audit.log import atomic_action, record
from saferleeds.audit.models import Operation
from saferleeds.governance.models import (
    Board,
    BoardAction,
    BoardMeeting,
    Deliverable,
    Milestone,
    Outcome,
    Priority,
    Rag,
    StatusChange,
    TensionReport,
)
from saferleeds.governance.plan_file import SHIPPED_PLAN, read_plan_file
from saferleeds.governance.rules import (
    may_record_meetings,
    may_submit_tension,
    may_update_status,
)
from saferleeds.governance.tensions import LEVELS, personal_data_found
from saferleeds.locking import save_versioned
from saferleeds.partners.actions import do_ensure_agency
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor, Forbidden, NotFound
from saferleeds.places.models import Area

__all__ = [
    "PlanLoaded",
    "StatusError",
    "do_add_board_action",
    "do_add_milestone",
    "do_complete_board_action",
    "do_complete_milestone",
    "do_load_plan",
    "do_record_board_meeting",
    "do_record_tension_report",
    "do_update_deliverable_status",
]

STATUS_EVENT = "governance.deliverable.status"
LOAD_EVENT = "governance.plan.load"
MILESTONE_ADD_EVENT = "governance.milestone.add"
MILESTONE_DONE_EVENT = "governance.milestone.done"
MEETING_EVENT = "governance.board.meeting"
BOARD_ACTION_EVENT = "governance.board.action"
BOARD_ACTION_DONE_EVENT = "governance.board.action.done"
TENSION_EVENT = "governance.tension.report"
TENSION_AREA_LEVELS = (Area.Level.WARD, Area.Level.NEIGHBOURHOOD)


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


def _lead_updater(actor: Actor, deliverable: Deliverable) -> None:
    if not may_update_status(actor, deliverable.lead_agency_id):
        raise Forbidden(
            "Only the lead agency's practitioners, case coordinators and executive "
            "members change this deliverable's milestones."
        )


@atomic_action
def do_add_milestone(
    deliverable_id: int, *, title: str, due_on: date, actor: Actor | None
) -> Milestone:
    """Add a dated milestone to a deliverable (audited).

    Args:
        deliverable_id: The deliverable.
        title: What is to be done by then.
        due_on: When it is due.
        actor: A user who may update the deliverable's status; ``None``: the system
            (the demo seeder).

    Raises:
        NotFound: No such deliverable.
        Forbidden: The actor may not update the deliverable.
        StatusError: No title.
    """
    deliverable = Deliverable.objects.filter(pk=deliverable_id).first()
    if deliverable is None:
        raise NotFound("No such deliverable")
    if actor is not None:
        _lead_updater(actor, deliverable)
    if not title.strip():
        raise StatusError("Enter what the milestone is", "title")
    milestone = Milestone.objects.create(
        deliverable=deliverable, title=title.strip(), due_on=due_on
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event=MILESTONE_ADD_EVENT,
        record_type="milestone",
        record_id=milestone.pk,
        detail={"deliverable": deliverable.pk, "due_on": due_on.isoformat()},
    )
    return milestone


@atomic_action
def do_complete_milestone(
    milestone_id: int, *, done_on: date, actor: Actor | None
) -> Milestone:
    """Mark a milestone done on a day (audited).

    Raises:
        NotFound: No such milestone.
        Forbidden: The actor may not update its deliverable.
    """
    milestone = (
        Milestone.objects.select_for_update()
        .select_related("deliverable")
        .filter(pk=milestone_id)
        .first()
    )
    if milestone is None:
        raise NotFound("No such milestone")
    if actor is not None:
        _lead_updater(actor, milestone.deliverable)
    milestone.done_on = done_on
    milestone.save(update_fields=["done_on"])
    record(
        actor,
        operation=Operation.ALTERATION,
        event=MILESTONE_DONE_EVENT,
        record_type="milestone",
        record_id=milestone.pk,
        detail={"done_on": done_on.isoformat()},
    )
    return milestone


def _meeting_recorder(actor: Actor) -> None:
    if not may_record_meetings(actor) or actor.user_id is None:
        raise Forbidden(
            "Only executive members and case coordinators record board meetings."
        )


@atomic_action
def do_record_board_meeting(
    board_id: int,
    *,
    held_on: date,
    papers: str,
    decisions: str,
    actor: Actor,
) -> BoardMeeting:
    """Record a board's meeting with its papers and decisions (audited).

    Raises:
        NotFound: No such board.
        Forbidden: The actor may not record meetings.
    """
    _meeting_recorder(actor)
    board = Board.objects.filter(pk=board_id).first()
    if board is None:
        raise NotFound("No such board")
    meeting = BoardMeeting.objects.create(
        board=board,
        held_on=held_on,
        papers=papers.strip(),
        decisions=decisions.strip(),
        recorded_by_id=actor.user_id,
        recorded_at=timezone.now(),
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event=MEETING_EVENT,
        record_type="board_meeting",
        record_id=meeting.pk,
        detail={"board": board.key, "held_on": held_on.isoformat()},
    )
    return meeting


@atomic_action
def do_add_board_action(
    meeting_id: int,
    *,
    text: str,
    owner_agency_id: int,
    due_on: date,
    actor: Actor,
) -> BoardAction:
    """Give an agency an action from a board meeting, with a due date (audited).

    Raises:
        NotFound: No such meeting or agency.
        Forbidden: The actor may not record meetings.
        StatusError: No text.
    """
    _meeting_recorder(actor)
    meeting = BoardMeeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("No such meeting")
    if not Agency.objects.filter(pk=owner_agency_id).exists():
        raise NotFound("No such agency")
    if not text.strip():
        raise StatusError("Enter the action", "text")
    action = BoardAction.objects.create(
        meeting=meeting,
        text=text.strip(),
        owner_agency_id=owner_agency_id,
        due_on=due_on,
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event=BOARD_ACTION_EVENT,
        record_type="board_action",
        record_id=action.pk,
        detail={
            "meeting": meeting.pk,
            "owner_agency": owner_agency_id,
            "due_on": due_on.isoformat(),
        },
    )
    return action


@atomic_action
def do_complete_board_action(
    action_id: int, *, done_on: date, actor: Actor
) -> BoardAction:
    """Mark a board action done on a day (audited).

    Raises:
        NotFound: No such action.
        Forbidden: The actor may not record meetings.
    """
    _meeting_recorder(actor)
    action = BoardAction.objects.select_for_update().filter(pk=action_id).first()
    if action is None:
        raise NotFound("No such action")
    action.done_on = done_on
    action.save(update_fields=["done_on"])
    record(
        actor,
        operation=Operation.ALTERATION,
        event=BOARD_ACTION_DONE_EVENT,
        record_type="board_action",
        record_id=action.pk,
        detail={"done_on": done_on.isoformat()},
    )
    return action


@atomic_action
def do_record_tension_report(
    area_id: int,
    *,
    week_starting: date,
    level: int,
    grading: str,
    indicators: str,
    actor: Actor,
) -> TensionReport:
    """Record a weekly community tension report for a ward or neighbourhood (audited).

    Args:
        area_id: The ward or priority neighbourhood.
        week_starting: Any day of the week reported (kept as its Monday).
        level: 1 (normal) to 5 (critical), :data:`~saferleeds.governance.tensions.LEVELS`.
        grading: The EEP grading: evidenced, experienced or potential.
        indicators: The indicators and triggers seen (no personal data).
        actor: A practitioner or case coordinator.

    Raises:
        Forbidden: The actor may not submit tension reports.
        NotFound: No such ward or neighbourhood.
        StatusError: A value out of range, or obvious personal data in the text.
    """
    if not may_submit_tension(actor) or actor.user_id is None:
        raise Forbidden(
            "Only practitioners and case coordinators submit tension reports."
        )
    area = Area.objects.filter(pk=area_id, level__in=TENSION_AREA_LEVELS).first()
    if area is None:
        raise NotFound("No such ward or neighbourhood")
    if level not in {lv.number for lv in LEVELS}:
        raise StatusError("Select a tension level from 1 to 5", "level")
    if grading not in TensionReport.Grading.values:
        raise StatusError("Select evidenced, experienced or potential", "grading")
    if not indicators.strip():
        raise StatusError("Enter the indicators and triggers", "indicators")
    found = personal_data_found(indicators)
    if found:
        raise StatusError(
            f"Remove personal data: the indicators include {found}", "indicators"
        )
    monday = week_starting - timedelta(days=week_starting.weekday())
    report = TensionReport.objects.create(
        area=area,
        week_starting=monday,
        level=level,
        grading=grading,
        indicators=indicators.strip(),
        submitted_by_id=actor.user_id,
        agency_id=actor.agency_id,
        submitted_at=timezone.now(),
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event=TENSION_EVENT,
        record_type="tension_report",
        record_id=report.pk,
        detail={"area": area.code, "week": monday.isoformat(), "level": level},
    )
    return report
