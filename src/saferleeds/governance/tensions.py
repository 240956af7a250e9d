"""Community tension levels, the trend of an area's level, and the personal-data check.

The level scale: the police and partnerships grade community tension weekly by area
and send the return on to the National Community Tensions Team (NCTT); the
Metropolitan Police and the NCTT use a "three-tier, six-level matrix" whose level names
were not found in public sources (``shared/design/domain.md`` section 7). Local
partnerships' tension monitoring frameworks (e.g. the Institute of Community Cohesion's
*Tension Monitoring* toolkit, 2nd edition) use a five-point scale from normal to
critical; this is that scale, with the wording of the levels below. Each report also
carries the police EEP grading of its information (evidenced, experienced, potential).

An area's level for a week is the highest level any report gave it that week (the
cautious reading when partners differ); its trend compares the latest week reported
with the week reported before it.

The weekly return (:func:`weekly_return`) is the week's level for every area reported
that week or before, with its trend against the area's previous week reported; an area
not reported that week keeps its last level, marked as carried, so the return never
shows a quiet week where nobody looked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "LEVELS",
    "PERSONAL_DATA_HINT",
    "Level",
    "ReportFacts",
    "ReturnRow",
    "level_label",
    "monday",
    "personal_data_found",
    "trend",
    "weekly_return",
    "weeks_of",
]


@dataclass(frozen=True)
class Level:
    """One level of the tension scale."""

    number: int
    name: str
    meaning: str


LEVELS: tuple[Level, ...] = (
    Level(1, "Normal", "No known tension beyond the area's usual background."),
    Level(2, "Low", "Some indicators present; monitor through usual contacts."),
    Level(
        3,
        "Moderate",
        "Indicators rising or an event likely to raise tension; partners alerted.",
    ),
    Level(
        4,
        "High",
        "Tension evident, incidents linked to it; coordinated partner response.",
    ),
    Level(
        5,
        "Critical",
        "Serious disorder occurring or imminent; multi-agency command in place.",
    ),
)

PERSONAL_DATA_HINT = (
    "Do not include personal data: no names, full postcodes, house numbers or other "
    "details that identify a person. Describe indicators and triggers for the area."
)

# A full UK postcode (outward and inward code), e.g. "LS9 8AB".
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
# A house number followed by a street, e.g. "12 Harehills Lane".
_HOUSE = re.compile(
    r"\b\d+[A-Za-z]?,?\s+(?:[A-Z][a-z]+\s+){1,3}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Close|Drive|Way|Terrace|Crescent|Grove|"
    r"Place|Court|Gardens|Mount|View|Walk|Row|Square|Hill)\b"
)


def level_label(number: int) -> str:
    """The name of a level, e.g. ``3 Moderate``."""
    for level in LEVELS:
        if level.number == number:
            return f"{level.number} {level.name}"
    return str(number)


def personal_data_found(text: str) -> str:
    """What obvious personal data ``text`` holds ("" when none was found).

    Only the obvious: a full postcode, or a house number with a street name. Names and
    other details cannot be told apart from place names reliably; the form's hint asks
    for none.
    """
    if _POSTCODE.search(text):
        return "a full postcode"
    if _HOUSE.search(text):
        return "a house number and street"
    return ""


def trend(levels: Sequence[int]) -> str:
    """The trend of an area's weekly levels, oldest first.

    Returns:
        ``"rising"`` or ``"falling"`` when the latest level is above or below the one
        before it, ``"steady"`` when equal, ``"new"`` with fewer than two weeks.
    """
    if len(levels) < 2:
        return "new"
    latest, before = levels[-1], levels[-2]
    if latest > before:
        return "rising"
    if latest < before:
        return "falling"
    return "steady"


def monday(day: date) -> date:
    """The Monday of the week ``day`` is in (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class ReportFacts:
    """What the return needs of one tension report (read by the caller)."""

    area_id: int
    area: str
    area_code: str
    area_kind: str
    week: date
    level: int
    grading: str
    indicators: str
    agency: str


@dataclass(frozen=True)
class ReturnRow:
    """One area in the weekly return.

    Attributes:
        level: The week's level: the highest reported that week, or the last level
            reported before it when ``carried``.
        carried: No report for the week: ``level`` is carried from ``last_week``.
        previous: The level of the area's last week reported before this one.
        trend: ``rising``, ``falling``, ``steady`` or ``new`` (no earlier week), of
            the week's own reports against ``previous``; ``not reported`` when carried.
        reports: The week's reports (none when carried).
    """

    area_id: int
    area: str
    area_code: str
    area_kind: str
    level: int
    level_label: str
    carried: bool
    last_week: date
    previous: int | None
    trend: str
    gradings: tuple[str, ...]
    indicators: tuple[str, ...]
    agencies: tuple[str, ...]
    reports: int


def weeks_of(reports: Iterable[ReportFacts]) -> list[tuple[date, int]]:
    """An area's level per week reported, oldest first: each week's highest level."""
    weeks: dict[date, int] = {}
    for r in reports:
        weeks[r.week] = max(weeks.get(r.week, 0), r.level)
    return sorted(weeks.items())


def weekly_return(reports: Iterable[ReportFacts], week: date) -> list[ReturnRow]:
    """The week's tension level for every area reported in it or before it.

    Args:
        reports: Tension reports (any weeks; later weeks are ignored).
        week: Any day of the week of the return.

    Returns:
        One row per area, highest level first, then by area name.
    """
    week = monday(week)
    by_area: dict[int, list[ReportFacts]] = {}
    for r in reports:
        if r.week <= week:
            by_area.setdefault(r.area_id, []).append(r)
    rows = []
    for area_reports in by_area.values():
        weeks = weeks_of(area_reports)
        this = [r for r in area_reports if r.week == week]
        first = area_reports[0]
        if this:
            level = weeks[-1][1]
            previous = weeks[-2][1] if len(weeks) > 1 else None
            how = trend([lv for _, lv in weeks])
        else:
            level = weeks[-1][1]
            previous = level
            how = "not reported"
        ordered = sorted(this, key=lambda r: (-r.level, r.agency, r.indicators))
        rows.append(
            ReturnRow(
                area_id=first.area_id,
                area=first.area,
                area_code=first.area_code,
                area_kind=first.area_kind,
                level=level,
                level_label=level_label(level),
                carried=not this,
                last_week=weeks[-1][0],
                previous=previous,
                trend=how,
                gradings=tuple(dict.fromkeys(r.grading for r in ordered)),
                indicators=tuple(r.indicators for r in ordered),
                agencies=tuple(sorted({r.agency for r in ordered})),
                reports=len(this),
            )
        )
    rows.sort(key=lambda r: (-r.level, r.carried, r.area))
    return rows
