"""Read a plan file: the strategy's priorities, outcomes, deliverables and boards.

The shipped file is ``data/governance/safer-leeds-2018-21.toml`` (its header says what
was transcribed from the strategy and what was decided). A problem is a
:class:`PlanFileError` naming the file and the entry.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

__all__ = [
    "SHIPPED_PLAN",
    "AgencyEntry",
    "BoardEntry",
    "DeliverableEntry",
    "PlanFile",
    "PlanFileError",
    "PriorityEntry",
    "read_plan_file",
]

SHIPPED_PLAN = (
    Path(__file__).resolve().parent.parent
    / "data"
    / "governance"
    / "safer-leeds-2018-21.toml"
)


class PlanFileError(ValueError):
    """The plan file is unreadable or an entry is incomplete or inconsistent."""


@dataclass(frozen=True)
class AgencyEntry:
    """A lead agency the plan needs (created if missing, never renamed)."""

    code: str
    name: str
    kind: str


@dataclass(frozen=True)
class BoardEntry:
    """A board of the governance."""

    key: str
    name: str
    kind: str
    description: str
    reports_to: str | None


@dataclass(frozen=True)
class PriorityEntry:
    """A shared priority and its outcomes, in order."""

    number: int
    title: str
    focus: str
    aim: str
    outcomes: tuple[str, ...]


@dataclass(frozen=True)
class DeliverableEntry:
    """A deliverable as the file gives it."""

    key: str
    theme: str
    title: str
    lead: str
    lead_agency: str
    priority: int
    outcome: int | None
    board: str
    plan_on_a_page: bool


@dataclass(frozen=True)
class PlanFile:
    """The whole plan file."""

    path: Path
    source: str
    due_on: date | None
    agencies: tuple[AgencyEntry, ...]
    boards: tuple[BoardEntry, ...]
    priorities: tuple[PriorityEntry, ...]
    deliverables: tuple[DeliverableEntry, ...]


DEFAULT_BOARD = "executive"


def read_plan_file(path: Path | str = SHIPPED_PLAN) -> PlanFile:
    """Read and check a plan file.

    Args:
        path: The TOML file (the shipped strategy by default).

    Returns:
        Its entries, checked: every reference (agency, board, priority, outcome) exists.

    Raises:
        PlanFileError: The file cannot be read, or an entry is missing a key or refers
            to something the file does not define.
    """
    path = Path(path)
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PlanFileError(f"{path}: cannot read the plan file: {exc}") from exc
    try:
        agencies = tuple(
            AgencyEntry(a["code"], a["name"], a["kind"]) for a in raw["agencies"]
        )
        boards = tuple(
            BoardEntry(
                b["key"],
                b["name"],
                b["kind"],
                b.get("description", ""),
                b.get("reports_to"),
            )
            for b in raw["boards"]
        )
        priorities = tuple(
            PriorityEntry(
                p["number"],
                p["title"],
                p["focus"],
                p.get("aim", ""),
                tuple(p["outcomes"]),
            )
            for p in raw["priorities"]
        )
        deliverables = tuple(
            DeliverableEntry(
                key=d["key"],
                theme=d.get("theme", ""),
                title=d["title"],
                lead=d.get("lead", ""),
                lead_agency=d["lead_agency"],
                priority=d["priority"],
                outcome=d.get("outcome"),
                board=d.get("board", DEFAULT_BOARD),
                plan_on_a_page=d.get("plan_on_a_page", False),
            )
            for d in raw["deliverables"]
        )
    except KeyError as exc:
        raise PlanFileError(f"{path}: an entry is missing key {exc}") from exc
    plan = PlanFile(
        path,
        raw.get("source", ""),
        raw.get("year_one_due_on"),
        agencies,
        boards,
        priorities,
        deliverables,
    )
    _check(plan)
    return plan


def _check(plan: PlanFile) -> None:
    codes = {a.code for a in plan.agencies}
    board_keys = {b.key for b in plan.boards}
    outcomes = {p.number: len(p.outcomes) for p in plan.priorities}
    for b in plan.boards:
        if b.reports_to is not None and b.reports_to not in board_keys:
            raise PlanFileError(
                f"{plan.path}: board {b.key}: no board {b.reports_to!r}"
            )
    for d in plan.deliverables:
        where = f"{plan.path}: deliverable {d.key}"
        if d.lead_agency not in codes:
            raise PlanFileError(f"{where}: no agency {d.lead_agency!r} in [[agencies]]")
        if d.board not in board_keys:
            raise PlanFileError(f"{where}: no board {d.board!r}")
        if d.priority not in outcomes:
            raise PlanFileError(f"{where}: no priority {d.priority}")
        if d.outcome is not None and not 1 <= d.outcome <= outcomes[d.priority]:
            raise PlanFileError(
                f"{where}: priority {d.priority} has no outcome {d.outcome}"
            )
    keys = [d.key for d in plan.deliverables]
    if len(keys) != len(set(keys)):
        raise PlanFileError(f"{plan.path}: a deliverable key is used twice")
