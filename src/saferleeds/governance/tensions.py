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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "LEVELS",
    "PERSONAL_DATA_HINT",
    "Level",
    "level_label",
    "personal_data_found",
    "trend",
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
