"""The plan's pages as reads: the plan on a page, one deliverable, the CSV export.

Plan items hold no personal data, so nothing here is pseudonymised or logged as a
consultation; each reader refuses an actor who may not read the plan
(:func:`~saferleeds.governance.rules.may_read_plan`) and returns frozen dataclasses,
in a fixed number of queries however many deliverables there are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch
from django.utils import timezone

from saferleeds.audit.log import atomic_action, record
from saferleeds.audit.models import Operation
from saferleeds.governance.models import (
    Board,
    BoardAction,
    BoardMeeting,
    BoardMember,
    BoardPaper,
    Deliverable,
    Milestone,
    Outcome,
    Priority,
    Rag,
    StatusChange,
    TensionReport,
)
from saferleeds.governance.rules import (
    is_overdue,
    is_stale,
    may_read_plan,
    may_read_tensions,
    may_record_meetings,
    may_submit_tension,
    may_update_status,
    stale_after_days,
)
from saferleeds.governance.tensions import level_label, trend
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor, Forbidden, NotFound
from saferleeds.places.models import Area
from saferleeds.safeguarding import documents

__all__ = [
    "CSV_HEADER",
    "BoardPage",
    "DeliverablePage",
    "DeliverableRow",
    "HistoryRow",
    "OutcomeBlock",
    "PlanPage",
    "PriorityBlock",
    "plan_csv_rows",
    "read_board_page",
    "read_boards",
    "read_deliverable_page",
    "read_plan",
    "read_tensions",
]

NOT_RATED = "Not rated"
NO_PLAN = "Your role does not give access to the partnership's plan."


@dataclass(frozen=True)
class DeliverableRow:
    """One deliverable as the plan shows it."""

    id: int
    key: str
    title: str
    theme: str
    priority: int
    outcome: int | None
    lead_agency: str
    lead: str
    board: str
    plan_on_a_page: bool
    due_on: date | None
    rag: str  # "red", "amber", "green" or "" (not rated)
    rag_label: str
    rag_evidence: str
    rag_updated_on: date | None
    stale: bool
    board_key: str = ""
    overdue_milestones: int = 0


@dataclass(frozen=True)
class MilestoneRow:
    """A milestone of a deliverable, overdue flagged."""

    id: int
    title: str
    due_on: date
    done_on: date | None
    overdue: bool


@dataclass(frozen=True)
class OutcomeBlock:
    """An outcome of a priority and the deliverables serving it."""

    number: int
    text: str
    deliverables: tuple[DeliverableRow, ...]


@dataclass(frozen=True)
class PriorityBlock:
    """A shared priority: its outcomes, and deliverables tied to no single outcome."""

    number: int
    title: str
    focus: str
    aim: str
    outcomes: tuple[OutcomeBlock, ...]
    other_deliverables: tuple[DeliverableRow, ...]


@dataclass(frozen=True)
class PlanPage:
    """The plan on a page, with counts by status."""

    priorities: tuple[PriorityBlock, ...]
    today: date
    stale_after_days: int
    counts: tuple[tuple[str, int], ...]  # (label, number): Red, Amber, Green, Not rated
    stale_count: int
    overdue_count: int = 0  # deliverables with an overdue milestone

    @property
    def deliverables(self) -> tuple[DeliverableRow, ...]:
        """Every deliverable, in plan order."""
        rows: list[DeliverableRow] = []
        for p in self.priorities:
            for o in p.outcomes:
                rows.extend(o.deliverables)
            rows.extend(p.other_deliverables)
        return tuple(rows)


@dataclass(frozen=True)
class HistoryRow:
    """One status change of a deliverable."""

    changed_at: object  # an aware datetime
    changed_by: str
    agency: str
    from_label: str
    to_label: str
    to_rag: str
    evidence: str


@dataclass(frozen=True)
class DeliverablePage:
    """A deliverable, its outcome and history, and whether the actor may update it."""

    row: DeliverableRow
    priority_title: str
    outcome_text: str
    milestones: str
    updated_by: str
    version: int
    history: tuple[HistoryRow, ...]
    may_update: bool
    stale_after_days: int
    milestone_rows: tuple[MilestoneRow, ...] = ()


def _label(rag: str) -> str:
    return Rag(rag).label if rag else NOT_RATED


def _row(
    d: Deliverable, today: date, days: int, milestones: list[Milestone] | None = None
) -> DeliverableRow:
    return DeliverableRow(
        id=d.pk,
        key=d.key,
        title=d.title,
        theme=d.theme,
        priority=d.priority.number,
        outcome=d.outcome.number if d.outcome else None,
        lead_agency=d.lead_agency.name,
        lead=d.lead,
        board=d.board.name if d.board else "",
        plan_on_a_page=d.plan_on_a_page,
        due_on=d.due_on,
        rag=d.rag,
        rag_label=_label(d.rag),
        rag_evidence=d.rag_evidence,
        rag_updated_on=d.rag_updated_on,
        stale=is_stale(d.rag_updated_on, today, days),
        board_key=d.board.key if d.board else "",
        overdue_milestones=sum(
            1 for m in milestones or () if is_overdue(m.due_on, m.done_on, today)
        ),
    )


def _require_reader(actor: Actor) -> None:
    if not may_read_plan(actor):
        raise Forbidden(NO_PLAN)


def _deliverables() -> list[Deliverable]:
    return list(
        Deliverable.objects.select_related(
            "priority", "outcome", "lead_agency", "board"
        ).order_by("priority__number", "outcome__number", "id")
    )


def read_plan(actor: Actor, today: date | None = None) -> PlanPage:
    """The plan on a page: priorities, their outcomes and deliverables, stale flagged.

    Args:
        actor: Who reads it.
        today: The day staleness is judged on (today by default).

    Raises:
        Forbidden: The actor may not read the plan.
    """
    _require_reader(actor)
    day = today or timezone.localdate()
    days = stale_after_days()
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    for m in Milestone.objects.filter(done_on__isnull=True):
        milestones[m.deliverable_id].append(m)
    rows = [_row(d, day, days, milestones[d.pk]) for d in _deliverables()]
    priorities = Priority.objects.prefetch_related(
        Prefetch("outcomes", queryset=Outcome.objects.order_by("number"))
    )
    blocks = []
    for p in priorities:
        mine = [r for r in rows if r.priority == p.number]
        blocks.append(
            PriorityBlock(
                number=p.number,
                title=p.title,
                focus=p.focus,
                aim=p.aim,
                outcomes=tuple(
                    OutcomeBlock(
                        o.number,
                        o.text,
                        tuple(r for r in mine if r.outcome == o.number),
                    )
                    for o in p.outcomes.all()
                ),
                other_deliverables=tuple(r for r in mine if r.outcome is None),
            )
        )
    counts = tuple(
        (label, sum(1 for r in rows if r.rag == value))
        for value, label in [*Rag.choices, ("", NOT_RATED)]
    )
    return PlanPage(
        priorities=tuple(blocks),
        today=day,
        stale_after_days=days,
        counts=counts,
        stale_count=sum(1 for r in rows if r.stale),
        overdue_count=sum(1 for r in rows if r.overdue_milestones),
    )


def read_deliverable_page(
    actor: Actor, deliverable_id: int, today: date | None = None
) -> DeliverablePage:
    """One deliverable with its history of status changes, newest first.

    Raises:
        Forbidden: The actor may not read the plan.
        NotFound: No such deliverable.
    """
    _require_reader(actor)
    d = (
        Deliverable.objects.select_related(
            "priority", "outcome", "lead_agency", "board", "rag_updated_by"
        )
        .filter(pk=deliverable_id)
        .first()
    )
    if d is None:
        raise NotFound("No such deliverable")
    days = stale_after_days()
    changes = StatusChange.objects.filter(deliverable=d).select_related(
        "changed_by", "agency"
    )
    by = d.rag_updated_by
    day = today or timezone.localdate()
    milestones = list(Milestone.objects.filter(deliverable=d))
    return DeliverablePage(
        row=_row(d, day, days, milestones),
        priority_title=d.priority.title,
        outcome_text=d.outcome.text if d.outcome else "",
        milestones=d.milestones,
        updated_by=(by.get_full_name() or by.get_username()) if by else "",
        version=d.version,
        history=tuple(
            HistoryRow(
                changed_at=c.changed_at,
                changed_by=c.changed_by.get_full_name() or c.changed_by.get_username(),
                agency=c.agency.name,
                from_label=_label(c.from_rag),
                to_label=_label(c.to_rag),
                to_rag=c.to_rag,
                evidence=c.evidence,
            )
            for c in changes
        ),
        may_update=may_update_status(actor, d.lead_agency_id),
        stale_after_days=days,
        milestone_rows=tuple(
            MilestoneRow(
                m.pk, m.title, m.due_on, m.done_on, is_overdue(m.due_on, m.done_on, day)
            )
            for m in milestones
        ),
    )


CSV_HEADER = (
    "priority",
    "priority_title",
    "outcome",
    "deliverable_id",
    "key",
    "theme",
    "deliverable",
    "lead_agency",
    "lead_as_written",
    "board",
    "plan_on_a_page",
    "due_on",
    "rag",
    "rag_updated_on",
    "stale",
    "evidence",
)


def plan_csv_rows(actor: Actor, today: date | None = None) -> list[tuple[str, ...]]:
    """The plan as CSV rows (header first), in plan order.

    Raises:
        Forbidden: The actor may not read the plan.
    """
    plan = read_plan(actor, today)
    titles = {p.number: p.title for p in plan.priorities}
    out: list[tuple[str, ...]] = [CSV_HEADER]
    for r in plan.deliverables:
        out.append(
            (
                str(r.priority),
                titles[r.priority],
                f"{r.priority}.{r.outcome}" if r.outcome else "",
                str(r.id),
                r.key,
                r.theme,
                r.title,
                r.lead_agency,
                r.lead,
                r.board,
                "yes" if r.plan_on_a_page else "no",
                r.due_on.isoformat() if r.due_on else "",
                r.rag or "not rated",
                r.rag_updated_on.isoformat() if r.rag_updated_on else "",
                "yes" if r.stale else "no",
                r.rag_evidence,
            )
        )
    return out


# Boards and their meetings -------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    """A board in the list of boards."""

    key: str
    name: str
    kind: str
    reports_to: str
    meetings: int
    open_actions: int
    overdue_actions: int = 0


@dataclass(frozen=True)
class ActionRow:
    """An action from a board meeting."""

    id: int
    text: str
    owner_agency: str
    due_on: date
    done_on: date | None
    overdue: bool
    meeting_on: date
    owner: str = ""


@dataclass(frozen=True)
class PaperRow:
    """An uploaded paper of a meeting (downloaded through an audited page)."""

    id: int
    title: str
    original_name: str
    size: int


@dataclass(frozen=True)
class MeetingRow:
    """A board meeting with its papers, decisions and actions."""

    id: int
    held_on: date
    papers: tuple[str, ...]
    decisions: str
    actions: tuple[ActionRow, ...]
    venue: str = ""
    chair: str = ""
    paper_files: tuple[PaperRow, ...] = ()


@dataclass(frozen=True)
class MemberRow:
    """A member of a board, with their role, agency and dates."""

    id: int
    name: str
    role: str
    agency: str
    from_on: date
    to_on: date | None


@dataclass(frozen=True)
class BoardPage:
    """A board: what it is, its meetings (newest first) and its open actions."""

    id: int
    key: str
    name: str
    kind: str
    description: str
    reports_to: str
    reports_to_key: str
    meetings: tuple[MeetingRow, ...]
    open_actions: tuple[ActionRow, ...]
    deliverables: tuple[tuple[int, str], ...]
    may_record: bool
    today: date
    agency_choices: tuple[tuple[int, str], ...] = ()
    members: tuple[MemberRow, ...] = ()  # current members
    past_members: tuple[MemberRow, ...] = ()


def read_boards(actor: Actor) -> tuple[BoardRow, ...]:
    """Every board with its number of meetings and open actions.

    Raises:
        Forbidden: The actor may not read the plan.
    """
    _require_reader(actor)
    meetings: dict[int, int] = defaultdict(int)
    for board_id in BoardMeeting.objects.values_list("board_id", flat=True):
        meetings[board_id] += 1
    open_actions: dict[int, int] = defaultdict(int)
    overdue: dict[int, int] = defaultdict(int)
    today = timezone.localdate()
    for board_id, due_on in BoardAction.objects.filter(
        done_on__isnull=True
    ).values_list("meeting__board_id", "due_on"):
        open_actions[board_id] += 1
        overdue[board_id] += is_overdue(due_on, None, today)
    boards = list(Board.objects.all())
    names = {b.pk: b.name for b in boards}
    return tuple(
        BoardRow(
            key=b.key,
            name=b.name,
            kind=b.get_kind_display(),
            reports_to=names.get(b.reports_to_id or 0, ""),
            meetings=meetings[b.pk],
            open_actions=open_actions[b.pk],
            overdue_actions=overdue[b.pk],
        )
        for b in boards
    )


def _action_row(a: BoardAction, meeting_on: date, today: date) -> ActionRow:
    return ActionRow(
        id=a.pk,
        text=a.text,
        owner_agency=a.owner_agency.name,
        due_on=a.due_on,
        done_on=a.done_on,
        overdue=is_overdue(a.due_on, a.done_on, today),
        meeting_on=meeting_on,
        owner=a.owner,
    )


def read_board_page(actor: Actor, key: str, today: date | None = None) -> BoardPage:
    """A board's page: its meetings with decisions and actions, and the open actions.

    Raises:
        Forbidden: The actor may not read the plan.
        NotFound: No such board.
    """
    _require_reader(actor)
    board = Board.objects.filter(key=key).select_related("reports_to").first()
    if board is None:
        raise NotFound("No such board")
    day = today or timezone.localdate()
    meetings = BoardMeeting.objects.filter(board=board).prefetch_related(
        Prefetch(
            "actions",
            queryset=BoardAction.objects.select_related("owner_agency").order_by(
                "due_on", "id"
            ),
        ),
        Prefetch("paper_files", queryset=BoardPaper.objects.order_by("id")),
    )
    rows = tuple(
        MeetingRow(
            id=m.pk,
            held_on=m.held_on,
            papers=tuple(p.strip() for p in m.papers.splitlines() if p.strip()),
            decisions=m.decisions,
            actions=tuple(_action_row(a, m.held_on, day) for a in m.actions.all()),
            venue=m.venue,
            chair=m.chair,
            paper_files=tuple(
                PaperRow(p.pk, p.title, p.original_name, p.size)
                for p in m.paper_files.all()
            ),
        )
        for m in meetings
    )
    members = [
        MemberRow(m.pk, m.name, m.role, m.agency.name, m.from_on, m.to_on)
        for m in BoardMember.objects.filter(board=board)
        .select_related("agency")
        .order_by("from_on", "id")
    ]
    open_actions = sorted(
        (a for m in rows for a in m.actions if a.done_on is None),
        key=lambda a: a.due_on,
    )
    parent = board.reports_to
    return BoardPage(
        id=board.pk,
        key=board.key,
        name=board.name,
        kind=board.get_kind_display(),
        description=board.description,
        reports_to=parent.name if parent else "",
        reports_to_key=parent.key if parent else "",
        meetings=rows,
        open_actions=tuple(open_actions),
        deliverables=tuple(
            Deliverable.objects.filter(board=board)
            .order_by("priority__number", "id")
            .values_list("id", "title")
        ),
        may_record=may_record_meetings(actor),
        today=day,
        agency_choices=tuple(Agency.objects.order_by("name").values_list("id", "name")),
        members=tuple(m for m in members if is_member(m.from_on, m.to_on, day)),
        past_members=tuple(
            m for m in members if not is_member(m.from_on, m.to_on, day)
        ),
    )


def is_member(from_on: date, to_on: date | None, today: date) -> bool:
    """Whether a membership from ``from_on`` to ``to_on`` (inclusive) holds today."""
    return from_on <= today and (to_on is None or today <= to_on)


@dataclass(frozen=True)
class PaperDownload:
    """A paper's bytes and how to send them."""

    data: bytes
    content_type: str
    filename: str


PAPER_DOWNLOAD_EVENT = "governance.board.paper.download"


@atomic_action
def open_board_paper(actor: Actor, key: str, paper_id: int) -> PaperDownload:
    """A board paper's bytes, logged as consulted by the actor as they go out.

    Raises:
        Forbidden: The actor may not read the plan.
        NotFound: No such paper on this board, or its file is gone.
    """
    _require_reader(actor)
    paper = (
        BoardPaper.objects.select_related("meeting__board")
        .filter(pk=paper_id, meeting__board__key=key)
        .first()
    )
    if paper is None:
        raise NotFound("No such paper")
    try:
        data = documents.read_document(paper.stored_name)
    except FileNotFoundError as exc:
        raise NotFound("paper file missing") from exc
    record(
        actor,
        operation=Operation.CONSULTATION,
        event=PAPER_DOWNLOAD_EVENT,
        record_type="board_paper",
        record_id=paper.pk,
        detail={"board": key},
    )
    return PaperDownload(data, paper.content_type, paper.original_name)


# Community tensions ---------------------------------------------------------------

TENSION_AREA_LEVELS = (Area.Level.WARD, Area.Level.NEIGHBOURHOOD)
NO_TENSIONS = "Your role does not give access to community tension reports."


@dataclass(frozen=True)
class AreaTension:
    """An area's current tension: its latest week's level, trend and history."""

    area_id: int
    area: str
    level_kind: str
    week_starting: date
    level: int
    level_label: str
    trend: str
    indicators: str
    grading: str
    weeks: tuple[tuple[date, int], ...]  # oldest first


@dataclass(frozen=True)
class TensionsPage:
    """Current tension by area, highest level first, and whether the actor submits."""

    areas: tuple[AreaTension, ...]
    may_submit: bool
    area_choices: tuple[tuple[int, str], ...]  # wards and neighbourhoods, for the form


def weekly_levels(reports: list[TensionReport]) -> list[tuple[date, int]]:
    """An area's level per week reported, oldest first: the week's highest level."""
    weeks: dict[date, int] = {}
    for r in reports:
        weeks[r.week_starting] = max(weeks.get(r.week_starting, 0), r.level)
    return sorted(weeks.items())


def read_tensions(actor: Actor) -> TensionsPage:
    """Every area with a tension report: its latest level, trend and indicators.

    Raises:
        Forbidden: The actor may not read tension reports.
    """
    if not may_read_tensions(actor):
        raise Forbidden(NO_TENSIONS)
    by_area: dict[int, list[TensionReport]] = defaultdict(list)
    for r in TensionReport.objects.select_related("area").order_by(
        "week_starting", "id"
    ):
        by_area[r.area_id].append(r)
    areas = []
    for reports in by_area.values():
        weeks = weekly_levels(reports)
        latest_week, level = weeks[-1]
        latest = [r for r in reports if r.week_starting == latest_week]
        top = max(latest, key=lambda r: (r.level, r.pk))
        areas.append(
            AreaTension(
                area_id=top.area_id,
                area=top.area.name,
                level_kind=top.area.get_level_display(),
                week_starting=latest_week,
                level=level,
                level_label=level_label(level),
                trend=trend([lv for _, lv in weeks]),
                indicators="\n".join(r.indicators for r in latest),
                grading=top.get_grading_display(),
                weeks=tuple(weeks),
            )
        )
    areas.sort(key=lambda a: (-a.level, a.area))
    choices = tuple(
        (a.pk, f"{a.name} ({a.get_level_display().lower()})")
        for a in Area.objects.filter(level__in=TENSION_AREA_LEVELS).order_by(
            "name", "level"
        )
    )
    return TensionsPage(
        areas=tuple(areas),
        may_submit=may_submit_tension(actor),
        area_choices=choices,
    )
