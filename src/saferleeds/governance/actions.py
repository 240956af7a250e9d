"""The only way to change the plan: load it from a plan file, update a status.

Both write audit entries in the same transaction as the change (plan items hold no
personal data, but who changed a deliverable's status, and when, is the partnership's
record of accountability).
"""

from __future__ import annotations

import hashlib
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
    BoardMember,
    BoardPaper,
    Confidence,
    Deliverable,
    HorizonItem,
    Milestone,
    Outcome,
    Priority,
    PriorityScore,
    Rag,
    Recommendation,
    StatusChange,
    TensionReport,
)
from saferleeds.governance.plan_file import SHIPPED_PLAN, read_plan_file
from saferleeds.governance.rules import (
    may_enter_priorities,
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
from saferleeds.safeguarding import documents

__all__ = [
    "PlanLoaded",
    "do_add_board_member",
    "do_add_horizon_item",
    "do_add_recommendation",
    "do_carry_priority_scores",
    "do_confirm_priority_score",
    "do_end_board_membership",
    "do_link_recommendation",
    "do_make_deliverable_from_recommendation",
    "do_save_priority_score",
    "do_upload_board_paper",
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
    venue: str = "",
    chair: str = "",
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
        venue=venue.strip(),
        chair=chair.strip(),
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
    owner: str = "",
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
        owner=owner.strip(),
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


# Board members and papers ---------------------------------------------------------

MEMBER_EVENT = "governance.board.member.add"
MEMBER_END_EVENT = "governance.board.member.end"
PAPER_EVENT = "governance.board.paper.upload"


@atomic_action
def do_add_board_member(
    board_id: int,
    *,
    name: str,
    role: str,
    agency_id: int,
    from_on: date,
    to_on: date | None = None,
    actor: Actor,
) -> BoardMember:
    """Add a member to a board: who, their role on it, agency and dates (audited).

    Raises:
        NotFound: No such board or agency.
        Forbidden: The actor may not record meetings.
        StatusError: No name or role, or an end before the start.
    """
    _meeting_recorder(actor)
    board = Board.objects.filter(pk=board_id).first()
    if board is None:
        raise NotFound("No such board")
    if not Agency.objects.filter(pk=agency_id).exists():
        raise NotFound("No such agency")
    if not name.strip():
        raise StatusError("Enter the member's name", "name")
    if not role.strip():
        raise StatusError("Enter the member's role on the board", "role")
    if to_on is not None and to_on < from_on:
        raise StatusError(
            "The date membership ended must be on or after the date it started",
            "to_on",
        )
    member = BoardMember.objects.create(
        board=board,
        name=name.strip(),
        role=role.strip(),
        agency_id=agency_id,
        from_on=from_on,
        to_on=to_on,
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event=MEMBER_EVENT,
        record_type="board_member",
        record_id=member.pk,
        detail={"board": board.key, "agency": agency_id},
    )
    return member


@atomic_action
def do_end_board_membership(
    member_id: int, *, to_on: date, actor: Actor
) -> BoardMember:
    """Record the day a member left a board (audited).

    Raises:
        NotFound: No such member.
        Forbidden: The actor may not record meetings.
        StatusError: Already ended, or an end before the start.
    """
    _meeting_recorder(actor)
    member = BoardMember.objects.select_for_update().filter(pk=member_id).first()
    if member is None:
        raise NotFound("No such member")
    if member.to_on is not None:
        raise StatusError("This membership has already ended")
    if to_on < member.from_on:
        raise StatusError(
            "The date membership ended must be on or after the date it started",
            "to_on",
        )
    member.to_on = to_on
    member.save(update_fields=["to_on"])
    record(
        actor,
        operation=Operation.ALTERATION,
        event=MEMBER_END_EVENT,
        record_type="board_member",
        record_id=member.pk,
        detail={"to_on": to_on.isoformat()},
    )
    return member


@atomic_action
def do_upload_board_paper(
    meeting_id: int, *, title: str, filename: str, data: bytes, actor: Actor
) -> BoardPaper:
    """Attach a paper to a board meeting: checked and stored as case documents are
    (:mod:`saferleeds.safeguarding.documents`: type by content, size limit, outside
    the web root under a random name), audited.

    Raises:
        NotFound: No such meeting.
        Forbidden: The actor may not record meetings, or has no agency.
        StatusError: No title.
        documents.DocumentRejected: Not an allowed type, empty, or too large.
    """
    _meeting_recorder(actor)
    if actor.agency_id is None or actor.user_id is None:
        raise Forbidden("Only workers of a partner agency upload papers.")
    meeting = BoardMeeting.objects.select_related("board").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("No such meeting")
    if not title.strip():
        raise StatusError("Enter the paper's title", "title")
    checked = documents.check_document(filename, data)
    stored = documents.store_document(data)
    try:
        paper = BoardPaper.objects.create(
            meeting=meeting,
            title=title.strip()[:200],
            agency_id=actor.agency_id,
            uploaded_by_id=actor.user_id,
            uploaded_at=timezone.now(),
            original_name=documents.download_name(filename)[:255],
            content_type=checked.content_type,
            size=checked.size,
            sha256=hashlib.sha256(data).hexdigest(),
            stored_name=stored,
        )
        record(
            actor,
            operation=Operation.COLLECTION,
            event=PAPER_EVENT,
            record_type="board_paper",
            record_id=paper.pk,
            detail={
                "board": meeting.board.key,
                "meeting": meeting.pk,
                "type": checked.kind,
                "size": checked.size,
            },
        )
    except BaseException:
        # The record was not saved, so neither may the bytes be kept.
        documents.remove_document(stored)
        raise
    return paper


# The assessment year's priority scores, horizon scan and recommendations ------------

SCORE_EVENT = "governance.priority_score.save"
SCORE_CONFIRM_EVENT = "governance.priority_score.confirm"
SCORE_CARRY_EVENT = "governance.priority_score.carry"
HORIZON_EVENT = "governance.horizon.add"
RECOMMENDATION_EVENT = "governance.recommendation.add"
RECOMMENDATION_LINK_EVENT = "governance.recommendation.link"
FIRST_YEAR, LAST_YEAR = 2000, 2099


def _priority_enterer(actor: Actor) -> None:
    if not may_enter_priorities(actor) or actor.user_id is None:
        raise Forbidden(
            "Only analysts, the executive and community safety officers enter the "
            "assessment's scores, horizon scan and recommendations."
        )


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise StatusError(f"No assessment year {year}", "year")


def _score_1_to_4(value: int | None, field: str, label: str) -> None:
    if value is None or not 1 <= value <= 4:
        article = "an" if label[0] in "aeiou" else "a"
        raise StatusError(f"Select {article} {label} score from 1 to 4", field)


@atomic_action
def do_save_priority_score(
    year: int,
    theme: str,
    *,
    method: str,
    harm: int,
    likelihood: int,
    organisational_position: int | None,
    confidence: str,
    rationale: str = "",
    expected_version: int | None = None,
    actor: Actor,
) -> PriorityScore:
    """Enter or change the partnership's score of a theme for a year (audited).

    Saving a carried score confirms it. On the grid the organisational position is
    not kept.

    Args:
        year: The assessment year's first calendar year (2017 for 2017/18).
        theme: The theme scored.
        method: ``morile`` or ``grid``.
        harm: Harm (impact on the grid), 1 to 4.
        likelihood: 1 to 4.
        organisational_position: 1 to 4 (MoRiLE: required), ignored on the grid.
        confidence: High, Medium or Low.
        rationale: Why (optional).
        expected_version: The version edited (``None``: a new score).
        actor: An analyst, executive or community safety officer.

    Raises:
        Forbidden: The actor may not enter scores.
        StatusError: A value out of range, or the theme already scored (new).
        Conflict: Someone else changed the score since ``expected_version``.
    """
    _priority_enterer(actor)
    _check_year(year)
    theme = theme.strip()
    if not theme:
        raise StatusError("Select the theme", "theme")
    if method not in PriorityScore.Method.values:
        raise StatusError("Select the scoring method", "method")
    _score_1_to_4(harm, "harm", "harm" if method == "morile" else "impact")
    _score_1_to_4(likelihood, "likelihood", "likelihood")
    if method == PriorityScore.Method.MORILE:
        _score_1_to_4(
            organisational_position,
            "organisational_position",
            "organisational position",
        )
    else:
        organisational_position = None
    if confidence not in Confidence.values:
        raise StatusError("Select high, medium or low confidence", "confidence")
    assert actor.user_id is not None
    values = {
        "method": method,
        "harm": harm,
        "likelihood": likelihood,
        "organisational_position": organisational_position,
        "confidence": confidence,
        "rationale": rationale.strip(),
        "confirmed": True,
        "updated_by_id": actor.user_id,
        "updated_at": timezone.now(),
    }
    held = PriorityScore.objects.filter(year=year, theme=theme).first()
    if expected_version is None:
        if held is not None:
            raise StatusError(
                f"{theme} is already scored for this year: change that score", "theme"
            )
        score = PriorityScore.objects.create(year=year, theme=theme, **values)
        from_values: dict[str, object] = {}
    else:
        if held is None:
            raise NotFound("No such score")
        from_values = {"harm": held.harm, "likelihood": held.likelihood}
        save_versioned(PriorityScore, held.pk, expected_version, values)
        score = PriorityScore.objects.get(pk=held.pk)
    record(
        actor,
        operation=Operation.ALTERATION if from_values else Operation.COLLECTION,
        event=SCORE_EVENT,
        record_type="priority_score",
        record_id=score.pk,
        detail={
            "year": year,
            "theme": theme,
            "method": method,
            "risk": harm * likelihood,
            **({"from": from_values} if from_values else {}),
        },
    )
    return score


@atomic_action
def do_confirm_priority_score(score_id: int, *, actor: Actor) -> PriorityScore:
    """Confirm a carried score as this year's, unchanged (audited).

    Raises:
        Forbidden: The actor may not enter scores.
        NotFound: No such score.
        StatusError: Already confirmed.
    """
    _priority_enterer(actor)
    score = PriorityScore.objects.select_for_update().filter(pk=score_id).first()
    if score is None:
        raise NotFound("No such score")
    if score.confirmed:
        raise StatusError("This score is already confirmed")
    assert actor.user_id is not None
    PriorityScore.objects.filter(pk=score.pk).update(
        confirmed=True,
        updated_by_id=actor.user_id,
        updated_at=timezone.now(),
        version=score.version + 1,
    )
    record(
        actor,
        operation=Operation.ALTERATION,
        event=SCORE_CONFIRM_EVENT,
        record_type="priority_score",
        record_id=score.pk,
        detail={"year": score.year, "theme": score.theme},
    )
    score.refresh_from_db()
    return score


@atomic_action
def do_carry_priority_scores(year: int, *, actor: Actor) -> int:
    """Start a year's scores from the year before's: each theme scored last year and
    not yet this year is copied, marked carried and unconfirmed (audited).

    Returns:
        How many scores were carried.

    Raises:
        Forbidden: The actor may not enter scores.
        StatusError: The year before has no scores.
    """
    _priority_enterer(actor)
    _check_year(year)
    before = list(PriorityScore.objects.filter(year=year - 1).order_by("theme"))
    if not before:
        raise StatusError(
            f"No scores were entered for {year - 1}/{year % 100:02d} to carry"
        )
    held = set(PriorityScore.objects.filter(year=year).values_list("theme", flat=True))
    assert actor.user_id is not None
    now = timezone.now()
    new = [
        PriorityScore(
            year=year,
            theme=s.theme,
            method=s.method,
            harm=s.harm,
            likelihood=s.likelihood,
            organisational_position=s.organisational_position,
            confidence=s.confidence,
            rationale=s.rationale,
            carried_from=year - 1,
            confirmed=False,
            updated_by_id=actor.user_id,
            updated_at=now,
        )
        for s in before
        if s.theme not in held
    ]
    PriorityScore.objects.bulk_create(new)
    if new:
        record(
            actor,
            operation=Operation.COLLECTION,
            event=SCORE_CARRY_EVENT,
            record_type="priority_score",
            record_id=str(year),
            detail={"from": year - 1, "carried": len(new)},
        )
    return len(new)


@atomic_action
def do_add_horizon_item(
    year: int, *, heading: str, text: str, actor: Actor
) -> HorizonItem:
    """Add a point to the year's PESTELO horizon scan (audited).

    Raises:
        Forbidden: The actor may not enter the scan.
        StatusError: No heading or no text.
    """
    _priority_enterer(actor)
    _check_year(year)
    if heading not in HorizonItem.Heading.values:
        raise StatusError("Select the PESTELO heading", "heading")
    if not text.strip():
        raise StatusError("Enter what the scan found", "text")
    assert actor.user_id is not None
    item = HorizonItem.objects.create(
        year=year,
        heading=heading,
        text=text.strip(),
        added_by_id=actor.user_id,
        added_at=timezone.now(),
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event=HORIZON_EVENT,
        record_type="horizon_item",
        record_id=item.pk,
        detail={"year": year, "heading": heading},
    )
    return item


@atomic_action
def do_add_recommendation(
    year: int, *, text: str, theme: str = "", actor: Actor
) -> Recommendation:
    """Add a recommendation to the year's assessment (audited).

    Raises:
        Forbidden: The actor may not enter recommendations.
        StatusError: No text.
    """
    _priority_enterer(actor)
    _check_year(year)
    if not text.strip():
        raise StatusError("Enter the recommendation", "text")
    assert actor.user_id is not None
    rec = Recommendation.objects.create(
        year=year,
        text=text.strip(),
        theme=theme.strip(),
        added_by_id=actor.user_id,
        added_at=timezone.now(),
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event=RECOMMENDATION_EVENT,
        record_type="recommendation",
        record_id=rec.pk,
        detail={"year": year},
    )
    return rec


def _open_recommendation(recommendation_id: int) -> Recommendation:
    rec = (
        Recommendation.objects.select_for_update().filter(pk=recommendation_id).first()
    )
    if rec is None:
        raise NotFound("No such recommendation")
    if rec.deliverable_id is not None:
        raise StatusError("This recommendation already feeds a deliverable")
    return rec


@atomic_action
def do_link_recommendation(
    recommendation_id: int, *, deliverable_id: int, actor: Actor
) -> Recommendation:
    """Link a recommendation to a deliverable already on the plan (audited).

    Raises:
        Forbidden: The actor may not enter recommendations.
        NotFound: No such recommendation or deliverable.
        StatusError: Already linked.
    """
    _priority_enterer(actor)
    rec = _open_recommendation(recommendation_id)
    if not Deliverable.objects.filter(pk=deliverable_id).exists():
        raise NotFound("No such deliverable")
    rec.deliverable_id = deliverable_id
    rec.save(update_fields=["deliverable"])
    record(
        actor,
        operation=Operation.ALTERATION,
        event=RECOMMENDATION_LINK_EVENT,
        record_type="recommendation",
        record_id=rec.pk,
        detail={"deliverable": deliverable_id, "new": False},
    )
    return rec


@atomic_action
def do_make_deliverable_from_recommendation(
    recommendation_id: int,
    *,
    title: str,
    priority_number: int,
    lead_agency_id: int,
    board_id: int,
    actor: Actor,
) -> Deliverable:
    """Put a recommendation on the plan as a new deliverable with its lead agency and
    board, and link the two (audited).

    Raises:
        Forbidden: The actor may not enter recommendations.
        NotFound: No such recommendation, priority, agency or board.
        StatusError: No title, or already linked.
    """
    _priority_enterer(actor)
    rec = _open_recommendation(recommendation_id)
    if not title.strip():
        raise StatusError("Enter the deliverable", "title")
    priority = Priority.objects.filter(number=priority_number).first()
    if priority is None:
        raise NotFound("No such priority")
    if not Agency.objects.filter(pk=lead_agency_id).exists():
        raise NotFound("No such agency")
    board = Board.objects.filter(pk=board_id).first()
    if board is None:
        raise NotFound("No such board")
    deliverable = Deliverable.objects.create(
        key=f"recommendation-{rec.year}-{rec.pk}",
        title=title.strip(),
        theme=rec.theme,
        priority=priority,
        lead_agency_id=lead_agency_id,
        board=board,
    )
    rec.deliverable = deliverable
    rec.save(update_fields=["deliverable"])
    record(
        actor,
        operation=Operation.COLLECTION,
        event=RECOMMENDATION_LINK_EVENT,
        record_type="recommendation",
        record_id=rec.pk,
        detail={"deliverable": deliverable.pk, "new": True},
    )
    return deliverable
