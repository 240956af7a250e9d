"""Which SafeLives Marac referral criteria a domestic abuse case meets.

Pure functions over plain values: no models, no database, nothing stored or audited.
SafeLives sets four criteria for referring a victim to a Marac (multi-agency risk
assessment conference); any one is enough:

1. **Visible high risk**: 14 or more "yes" on the Dash risk checklist.
2. **Professional judgement**: a practitioner judges the risk high whatever the count.
3. **Potential escalation**: 3 or more domestic abuse incidents in 12 months (the
   SafeLives default; some areas, e.g. Kent, use 3 in 6 months, so both numbers are
   parameters).
4. **Repeat**: any further instance of abuse between the same victim and
   perpetrator(s) within 12 months of the last Marac referral, reported by any agency
   and whether or not it is a crime. After 12 months it is a new referral instead.

Sources:
    SafeLives, "Marac referral criteria and form":
    https://safelives.org.uk/resources-library/marac-referral-criteria-and-form/
    SafeLives, "Definition of a repeat Marac":
    https://safelives.org.uk/definition-repeat-marac
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum

from saferleeds.marac.dash import DashResult

ESCALATION_THRESHOLD = 3
"""SafeLives default: potential escalation is 3 or more incidents in the window."""

ESCALATION_WINDOW_DAYS = 365
"""SafeLives default escalation window: 12 months, taken as 365 days."""

REPEAT_WINDOW_DAYS = 365
"""SafeLives: a repeat is a further incident within 12 months of the last referral."""


class Criterion(StrEnum):
    """A SafeLives Marac referral criterion, in SafeLives' order."""

    VISIBLE_HIGH_RISK = "visible_high_risk"
    PROFESSIONAL_JUDGEMENT = "professional_judgement"
    POTENTIAL_ESCALATION = "potential_escalation"
    REPEAT = "repeat"


def incidents_in_window(
    incidents: Sequence[date], *, today: date, window_days: int
) -> int:
    """Count incidents on ``today`` or the ``window_days`` days before it.

    An incident exactly ``window_days`` days ago counts; one a day earlier does not,
    nor does one dated after ``today``.
    """
    return sum(1 for day in incidents if 0 <= (today - day).days <= window_days)


def is_repeat(incidents: Sequence[date], *, last_referral: date, today: date) -> bool:
    """Whether any incident makes this a repeat Marac referral (SafeLives definition).

    A repeat needs an incident after the last referral (the referral day itself holds
    the incident that was referred) and at most 365 days after it, and not after
    ``today``: an incident 365 days after the referral is a repeat, 366 days after is
    a new referral.
    """
    return any(
        1 <= (day - last_referral).days <= REPEAT_WINDOW_DAYS and day <= today
        for day in incidents
    )


def marac_referral_criteria(
    *,
    dash: DashResult | None,
    professional_judgement: bool,
    incidents: Sequence[date],
    last_referral: date | None,
    today: date,
    escalation_threshold: int = ESCALATION_THRESHOLD,
    window_days: int = ESCALATION_WINDOW_DAYS,
) -> list[Criterion]:
    """The SafeLives Marac referral criteria that hold for a victim.

    Args:
        dash: The victim's scored Dash checklist, if one was completed.
        professional_judgement: A practitioner judges the risk high. A judgement
            recorded on ``dash`` counts too; neither can remove another criterion.
        incidents: Dates of domestic abuse incidents between this victim and the same
            perpetrator(s), as reported by any agency (not only the referrer's).
        last_referral: Date of the victim's last Marac referral, if any.
        today: The day to judge on (pass it in: these functions read no clock).
        escalation_threshold: Incidents that make potential escalation (default 3).
        window_days: The escalation window ending today, in days (default 365). An
            incident exactly ``window_days`` days before ``today`` is inside it.

    Returns:
        The criteria met, in SafeLives' order; empty if none (no referral needed).

    Raises:
        ValueError: ``escalation_threshold`` or ``window_days`` is below 1.
    """
    if escalation_threshold < 1:
        raise ValueError(
            f"escalation_threshold must be at least 1, not {escalation_threshold}"
        )
    if window_days < 1:
        raise ValueError(f"window_days must be at least 1, not {window_days}")
    met: list[Criterion] = []
    if dash is not None and dash.visible_high_risk:
        met.append(Criterion.VISIBLE_HIGH_RISK)
    if professional_judgement or (dash is not None and dash.professional_judgement):
        met.append(Criterion.PROFESSIONAL_JUDGEMENT)
    in_window = incidents_in_window(incidents, today=today, window_days=window_days)
    if in_window >= escalation_threshold:
        met.append(Criterion.POTENTIAL_ESCALATION)
    if last_referral is not None and is_repeat(
        incidents, last_referral=last_referral, today=today
    ):
        met.append(Criterion.REPEAT)
    return met
