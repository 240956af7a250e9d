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
    do_add_board_member,
    do_add_horizon_item,
    do_add_milestone,
    do_add_recommendation,
    do_complete_milestone,
    do_link_recommendation,
    do_record_board_meeting,
    do_record_tension_report,
    do_save_priority_score,
    do_upload_board_paper,
)
from saferleeds.governance.models import (
    Board,
    BoardMeeting,
    BoardMember,
    BoardPaper,
    Deliverable,
    Milestone,
    PriorityScore,
    TensionLink,
    TensionReport,
)
from saferleeds.governance.tension_actions import (
    do_link_tension_record,
    do_record_tension_event,
)
from saferleeds.governance.tension_pages import LINK_CANDIDATE_WEEKS
from saferleeds.partners.access import visible_records
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor, actor_for
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


# Wards of the demo's tension map: (ward name, eight weekly levels, latest indicators).
_WARD_TENSIONS: tuple[tuple[str, tuple[int, ...], str], ...] = (
    (
        "Gipton and Harehills",
        (2, 2, 2, 3, 3, 3, 4, 4),
        "Leaflets circulating ahead of a planned march; two linked hate incidents "
        "reported this week.",
    ),
    (
        "Burmantofts and Richmond Hill",
        (2, 2, 3, 3, 3, 3, 2, 3),
        "Counter-protest being organised online for the weekend.",
    ),
    (
        "Beeston and Holbeck",
        (3, 3, 3, 3, 2, 2, 2, 2),
        "Calmer after the community meeting; partners keep visible patrols.",
    ),
    (
        "Armley",
        (2, 2, 2, 2, 2, 2, 1, 1),
        "No indicators this week.",
    ),
    (
        "Hyde Park and Woodhouse",
        (1, 1, 1, 1, 2, 2, 2, 2),
        "Student housing disputes; low-level graffiti near the park.",
    ),
    (
        "City and Hunslet",
        (1, 1, 1, 1, 1, 1, 1, 1),
        "Nothing beyond the usual background.",
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
    # Wards too, by name, when the geography has them: the tension map shows these.
    by_name = {
        a.name: a
        for a in Area.objects.filter(
            level=Area.Level.WARD, name__in=[n for n, _, _ in _WARD_TENSIONS]
        )
    }
    plan = list(zip(areas, _TENSIONS, strict=False)) + [
        (by_name[name], (levels, latest))
        for name, levels, latest in _WARD_TENSIONS
        if name in by_name
    ]
    monday = today - timedelta(days=today.weekday())
    added = 0
    for area, (levels, latest) in plan:
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
    _seed_tension_events_and_links(by_name, actors[-1], today)
    return added


def _seed_tension_events_and_links(
    wards: dict[str, Area], actor: Actor, today: date
) -> None:
    """Two events in the demo's busiest wards, and the latest report there linked to
    the recent hate reports its submitter may see (through the access layer)."""
    harehills = wards.get("Gipton and Harehills")
    if harehills is None:
        return
    do_record_tension_event(
        harehills.pk,
        happens_on=today + timedelta(days=3),
        title="Planned march through Harehills Lane shops",
        details="Organisers notified; counter-protest possible.",
        actor=actor,
    )
    if "Burmantofts and Richmond Hill" in wards:
        do_record_tension_event(
            wards["Burmantofts and Richmond Hill"].pk,
            happens_on=today - timedelta(days=2),
            title="Anniversary vigil at the community centre",
            actor=actor,
        )
    latest = (
        TensionReport.objects.filter(area=harehills)
        .order_by("-week_starting", "-id")
        .first()
    )
    if latest is None:
        return
    since = today - timedelta(weeks=LINK_CANDIDATE_WEEKS)
    for kind_ in (TensionLink.Kind.HATE_REPORT, TensionLink.Kind.INCIDENT):
        for obj in (
            visible_records(actor, kind_)
            .filter(occurred_on__gte=since, occurred_on__lte=today)
            .order_by("-occurred_on", "-pk")[:2]
        ):
            do_link_tension_record(
                latest.pk, record_type=kind_, record_id=obj.pk, actor=actor
            )


_MEMBERS = (
    # board, name, role, agency code, days ago joined, days ago left (None: current)
    ("executive", "Cllr Debra Coupar", "Chair", "lcc", 900, None),
    ("executive", "Supt Sam Millar", "Vice-chair", "wyp", 700, None),
    ("executive", "Alex Morgan", "Member", "wyfrs", 600, None),
    ("executive", "Chris Patel", "Member", "wyp", 1200, 400),
)

# Last year's scores (carried into this year on the page), this year's horizon scan
# and recommendations: theme, method, harm, likelihood, organisational position,
# confidence.
_LAST_YEAR_SCORES = (
    ("Domestic violence and abuse", "morile", 4, 4, 2, "High"),
    ("Hate crime", "morile", 3, 3, 3, "Medium"),
    ("Burglary", "morile", 3, 4, 1, "High"),
    ("Modern slavery and trafficking", "grid", 4, 2, None, "Low"),
    ("Anti-social behaviour", "grid", 2, 4, None, "High"),
)
_HORIZON = (
    ("political", "New Police and Crime Plan due next year; Serious Violence Duty."),
    ("economic", "Cost-of-living pressure on households and on partners' budgets."),
    ("organisational", "Council restructure of community safety teams in the spring."),
)
_RECOMMENDATIONS = (
    (
        "Keep domestic violence and abuse the first priority",
        "Domestic violence and abuse",
    ),
    ("Improve recording of hate incidents reported to third-party centres", ""),
)
DEMO_ASSESSMENT_YEAR = 2017  # 2017/18, the demo's full year of police.uk data


def _seed_board_members(today: date) -> int:
    user = _user("carol.coordinator")
    if user is None or BoardMember.objects.exists():
        return 0
    actor = actor_for(user, purpose="demo data")
    agencies = dict(Agency.objects.values_list("code", "id"))
    boards = dict(Board.objects.values_list("key", "id"))
    added = 0
    for board, name, role, code, joined, left in _MEMBERS:
        if board in boards and code in agencies:
            do_add_board_member(
                boards[board],
                name=name,
                role=role,
                agency_id=agencies[code],
                from_on=today - timedelta(days=joined),
                to_on=None if left is None else today - timedelta(days=left),
                actor=actor,
            )
            added += 1
    meeting = BoardMeeting.objects.filter(board__key="executive").order_by("-held_on")
    first = meeting.first()
    if first is not None and not BoardPaper.objects.exists():
        do_upload_board_paper(
            first.pk,
            title="Plan on a page: quarterly RAG report",
            filename="rag-report.txt",
            data=(
                b"Safer Leeds Executive: quarterly RAG report (demo paper).\n"
                b"See the plan on a page for each deliverable's status and evidence.\n"
            ),
            actor=actor,
        )
    return added


def _seed_assessment_inputs() -> int:
    user = _user("aisha.analyst")
    if user is None or PriorityScore.objects.exists():
        return 0
    actor = actor_for(user, purpose="demo data")
    year = DEMO_ASSESSMENT_YEAR
    for theme, method, harm, likelihood, position, confidence in _LAST_YEAR_SCORES:
        do_save_priority_score(
            year - 1,
            theme,
            method=method,
            harm=harm,
            likelihood=likelihood,
            organisational_position=position,
            confidence=confidence,
            actor=actor,
        )
    for heading, text in _HORIZON:
        do_add_horizon_item(year, heading=heading, text=text, actor=actor)
    deliverable = Deliverable.objects.filter(theme__icontains="domestic").first()
    for text, theme in _RECOMMENDATIONS:
        rec = do_add_recommendation(year, text=text, theme=theme, actor=actor)
        if theme and deliverable is not None:
            do_link_recommendation(rec.pk, deliverable_id=deliverable.pk, actor=actor)
    return len(_LAST_YEAR_SCORES)


def seed_governance_records(today: date | None = None) -> GovernanceRecords:
    """Seed milestones, board meetings and members, last year's priority scores, this
    year's horizon scan and recommendations, and tension reports not yet held."""
    day = today or timezone.localdate()
    seeded = GovernanceRecords(
        milestones=_seed_milestones(day),
        meetings=_seed_meetings(day),
        tension_reports=_seed_tensions(day),
    )
    _seed_board_members(day)  # after the meetings: a paper goes to the latest
    _seed_assessment_inputs()
    return seeded
