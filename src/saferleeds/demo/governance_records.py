"""Demo milestones, board meetings with actions, and community tension reports.

All through the governance actions (audited), dated relative to today so the pages
show a live picture: some milestones and actions overdue, eight weeks of tension
reports in a few priority neighbourhoods (wards too, once loaded) with rising, falling
and steady trends. Safe to repeat: each kind is seeded only when none is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from saferleeds.governance.actions import (
    do_add_board_action,
    do_add_milestone,
    do_complete_milestone,
    do_record_board_meeting,
    do_record_tension_report,
)
from saferleeds.governance.models import (
    Board,
    BoardMeeting,
    Deliverable,
    Milestone,
    TensionReport,
)
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import actor_for
from saferleeds.places.models import Area

__all__ = ["GovernanceRecords", "seed_governance_records"]

# (deliverable key, milestone, days from today it is due, done days from today or None)
_MILESTONES: tuple[tuple[str, str, int, int | None], ...] = (
    ("cctv-modernisation", "Phase 1 city-centre cameras replaced", -120, -130),
    ("cctv-modernisation", "Wireless upgrade contract awarded", -21, None),
    ("cctv-modernisation", "Outer-area cameras live", 150, None),
    ("tower-blocks", "Concierge pilot in two blocks", -90, -95),
    ("tower-blocks", "Funding bid for three more blocks", 30, None),
    ("gangs-alternatives", "Replacement employment provider in place", -45, None),
    ("hba-forced-marriage", "Pathway protocol signed off", 14, None),
    ("city-centre-review", "Review terms of reference agreed", -60, None),
    ("safer-schools", "Targeted programme in all 14 secondary schools", 120, None),
)


@dataclass(frozen=True)
class _Meeting:
    board: str
    days_ago: int
    papers: str
    decisions: str
    actions: tuple[
        tuple[str, str, int], ...
    ]  # (text, agency code, due days from today)


_MEETINGS: tuple[_Meeting, ...] = (
    _Meeting(
        "executive",
        84,
        "Plan on a page: quarterly RAG report\nJoint Strategic Assessment: headlines",
        "Priorities for next year confirmed from the assessment. Gangs alternatives "
        "deliverable escalated to red.",
        (
            (
                "Find a replacement employment provider for gangs alternatives",
                "lcc",
                -30,
            ),
            ("Report the CCTV procurement timetable", "lcc", -56),
        ),
    ),
    _Meeting(
        "executive",
        21,
        "Plan on a page: quarterly RAG report\nCommunity tensions: summer events",
        "City-centre review to restart with an interim lead. Tension monitoring return "
        "to be made routine for all partners.",
        (
            ("Appoint an interim lead for the city-centre review", "lcc", 14),
            ("Weekly tension returns from every partner", "wyp", 28),
        ),
    ),
    _Meeting(
        "operational-delivery",
        35,
        "ASB service review: closure report\nStreet drug use: needle-find figures",
        "ASB service review closed as delivered. Needle-find hotspots to be targeted "
        "in the two wards above target.",
        (("Joint outreach plan for the two needle-find wards", "lcc", 7),),
    ),
)

# (weekly levels for the last 8 weeks, oldest first, indicators of the latest week)
_TENSIONS: tuple[tuple[tuple[int, ...], str], ...] = (
    (
        (1, 1, 2, 2, 3, 3, 4, 4),
        "Rumours on social media after an incident at a local shop; a protest is "
        "planned for the weekend.",
    ),
    (
        (3, 3, 3, 2, 2, 2, 1, 1),
        "Tension after the summer disturbances has eased; community meetings well "
        "attended.",
    ),
    (
        (2, 2, 2, 2, 2, 2, 2, 2),
        "Background graffiti and low-level ASB around the park; no escalation.",
    ),
    (
        (1, 2, 1, 2, 2, 3, 3, 2),
        "Dispute between groups of young people around the precinct has calmed "
        "after joint patrols.",
    ),
)


@dataclass(frozen=True)
class GovernanceRecords:
    """What was seeded now."""

    milestones: int
    meetings: int
    tension_reports: int


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _seed_milestones(today: date) -> int:
    if Milestone.objects.exists():
        return 0
    ids = dict(Deliverable.objects.values_list("key", "id"))
    added = 0
    for key, title, due, done in _MILESTONES:
        if key not in ids:
            continue
        m = do_add_milestone(
            ids[key], title=title, due_on=today + timedelta(days=due), actor=None
        )
        if done is not None:
            do_complete_milestone(
                m.pk, done_on=today + timedelta(days=done), actor=None
            )
        added += 1
    return added


def _seed_meetings(today: date) -> int:
    user = _user("ed.executive")
    if user is None or BoardMeeting.objects.exists():
        return 0
    actor = actor_for(user, purpose="demo data")
    agencies = dict(Agency.objects.values_list("code", "id"))
    boards = dict(Board.objects.values_list("key", "id"))
    added = 0
    for m in _MEETINGS:
        if m.board not in boards:
            continue
        meeting = do_record_board_meeting(
            boards[m.board],
            held_on=today - timedelta(days=m.days_ago),
            papers=m.papers,
            decisions=m.decisions,
            actor=actor,
        )
        for text, code, due in m.actions:
            if code in agencies:
                do_add_board_action(
                    meeting.pk,
                    text=text,
                    owner_agency_id=agencies[code],
                    due_on=today + timedelta(days=due),
                    actor=actor,
                )
        added += 1
    return added


def _seed_tensions(today: date) -> int:
    submitters = [
        u for u in map(_user, ("pete.practitioner", "carol.coordinator")) if u
    ]
    if not submitters or TensionReport.objects.exists():
        return 0
    actors = [actor_for(u, purpose="demo data") for u in submitters]
    areas = list(
        Area.objects.filter(
            level__in=(Area.Level.WARD, Area.Level.NEIGHBOURHOOD)
        ).order_by("level", "code")[: len(_TENSIONS)]
    )
    monday = today - timedelta(days=today.weekday())
    added = 0
    for area, (levels, latest) in zip(areas, _TENSIONS, strict=False):
        for n, level in enumerate(levels):
            week = monday - timedelta(weeks=len(levels) - 1 - n)
            last = n == len(levels) - 1
            do_record_tension_report(
                area.pk,
                week_starting=week,
                level=level,
                grading="evidenced" if level >= 3 else "experienced",
                indicators=latest if last else "Weekly return: see previous notes.",
                actor=actors[n % len(actors)],
            )
            added += 1
    return added


def seed_governance_records(today: date | None = None) -> GovernanceRecords:
    """Seed milestones, board meetings and tension reports not yet held."""
    day = today or timezone.localdate()
    return GovernanceRecords(
        milestones=_seed_milestones(day),
        meetings=_seed_meetings(day),
        tension_reports=_seed_tensions(day),
    )
