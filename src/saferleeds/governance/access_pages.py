"""The plan's pages as reads: the plan on a page, one deliverable, the CSV export.

Plan items hold no personal data, so nothing here is pseudonymised or logged as a
consultation; each reader refuses an actor who may not read the plan
(:func:`~saferleeds.governance.rules.may_read_plan`) and returns frozen dataclasses,
in a fixed number of queries however many deliverables there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch
from django.utils import timezone

from saferleeds.governance.models import (
    Deliverable,
    Outcome,
    Priority,
    Rag,
    StatusChange,
)
from saferleeds.governance.rules import (
    is_stale,
    may_read_plan,
    may_update_status,
    stale_after_days,
)
from saferleeds.partners.policy import Actor, Forbidden, NotFound

__all__ = [
    "CSV_HEADER",
    "DeliverablePage",
    "DeliverableRow",
    "HistoryRow",
    "OutcomeBlock",
    "PlanPage",
    "PriorityBlock",
    "plan_csv_rows",
    "read_deliverable_page",
    "read_plan",
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


def _label(rag: str) -> str:
    return Rag(rag).label if rag else NOT_RATED


def _row(d: Deliverable, today: date, days: int) -> DeliverableRow:
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
    rows = [_row(d, day, days) for d in _deliverables()]
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
    return DeliverablePage(
        row=_row(d, today or timezone.localdate(), days),
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
