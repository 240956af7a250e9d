"""Demo MARAC casework on the partner data's MARAC cases (MARAC-YYYY-001 to 006, each
with the year it was opened).

Built with the MARAC actions, so the audit trail is a real one:

- history: each case referred on potential escalation on the day its third incident in
  12 months was recorded (in the two years before the load; see
  :mod:`saferleeds.demo.clock`), heard at a meeting a fortnight later, with an action
  done and the referral closed; referred again as a repeat when any agency recorded a
  further incident within 12 months. Meetings are one sequence: cases due on the same
  Thursday share its meeting, and every past one is before today;
- a meeting held last week or the week before (a Thursday): two cases with Dash checklists, every agency's research
  for one and some for the other, actions done, open and overdue, and a police
  incident since one referral (an open repeat flag);
- a meeting next week with two cases listed and research missing;
- a referral awaiting listing, and a medium-risk Dash checklist not yet referred (for
  carol.coordinator to take from Dash to MARAC action in the browser).

Safe to repeat: it does nothing if any Dash checklist or MARAC referral exists.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from saferleeds.incidents.actions import do_create_incident, do_link_person_to_incident
from saferleeds.marac.actions import (
    do_add_marac_action,
    do_close_marac_referral,
    do_complete_marac_action,
    do_create_marac_meeting,
    do_list_marac_referral,
    do_mark_marac_referral_heard,
    do_record_dash_assessment,
    do_record_marac_research,
    do_refer_to_marac,
)
from saferleeds.marac.models import DashAssessment, MaracMeeting, MaracReferral
from saferleeds.marac.queries import incident_dates
from saferleeds.marac.rules import incidents_in_window
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor, Forbidden, NotFound, actor_for
from saferleeds.people.models import SubjectRole
from saferleeds.safeguarding.models import Case, CasePerson

PERSONAS = ("carol.coordinator", "pete.practitioner", "harry.health", "nadia.probation")


def _answers(yes: int, not_known: int = 1) -> list[bool | None]:
    """``yes`` "yes" answers spread over the form, then ``not_known`` unknowns."""
    order = [1, 2, 3, 8, 10, 11, 12, 14, 15, 13, 6, 7, 16, 18, 21, 23, 24, 4, 5, 9]
    order += [n for n in range(1, 25) if n not in order]
    out: list[bool | None] = [False] * 24
    for n in order[:yes]:
        out[n - 1] = True
    for n in order[yes : yes + not_known]:
        out[n - 1] = None
    return out


def _parties(case: Case) -> tuple[int, int | None]:
    victim = CasePerson.objects.filter(case=case, role=SubjectRole.VICTIM).first()
    perp = CasePerson.objects.filter(
        case=case, role__in=[SubjectRole.SUSPECT, SubjectRole.OFFENDER]
    ).first()
    assert victim is not None
    return victim.person_id, perp.person_id if perp else None


def _escalation_day(victim: int, perp: int | None) -> date | None:
    """The first day 3 incidents fall within 12 months (SafeLives potential escalation)."""
    dates = incident_dates(victim, perp)
    for day in dates:
        if incidents_in_window(dates, today=day, window_days=365) >= 3:
            return day
    return None


def _thursday_after(day: date, weeks: int = 2) -> date:
    target = day + timedelta(weeks=weeks)
    return target + timedelta(days=(3 - target.weekday()) % 7)


def _flag_incident(pete: Actor, today: date, victim: int, perp: int | None) -> None:
    inc = do_create_incident(
        actor=pete,
        reference=f"WYP-DA-DEMO-{today:%Y%m%d}",
        category="domestic_abuse",
        occurred_on=today - timedelta(days=4),
        summary="Domestic abuse: breach of a non-molestation order.",
    )
    do_link_person_to_incident(inc.pk, victim, "victim", actor=pete)
    if perp is not None:
        do_link_person_to_incident(inc.pk, perp, "suspect", actor=pete)


def _thursday_on_or_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() - 3) % 7)


def demo_marac_cases() -> dict[int, Case]:
    """The partner data's MARAC cases by number (``MARAC-<year opened>-<number>``)."""
    out: dict[int, Case] = {}
    for case in Case.objects.filter(
        case_type=Case.Type.MARAC, reference__regex=r"^MARAC-[0-9]{4}-[0-9]{3}$"
    ):
        out[int(case.reference.rsplit("-", 1)[1])] = case
    return out


def _meeting(
    carol: Actor, held_on: date, *, chair: str = "", venue: str = "Civic Hall, Leeds"
) -> MaracMeeting:
    """The meeting on ``held_on``, scheduled if there is none (one meeting a day)."""
    held = MaracMeeting.objects.filter(held_on=held_on).order_by("pk").first()
    if held is not None:
        return held
    return do_create_marac_meeting(
        actor=carol, held_on=held_on, venue=venue, chair=chair
    )


def seed(today: date | None = None) -> int:
    """Seed the demo's MARAC records once; returns how many were created."""
    if DashAssessment.objects.exists() or MaracReferral.objects.exists():
        return 0
    users = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    if len(users) != len(PERSONAS):
        return 0
    a: dict[str, Actor] = {
        name.split(".")[0]: actor_for(u, purpose="demo data")
        for name, u in users.items()
    }
    by_number = demo_marac_cases()
    if not all(n in by_number for n in range(1, 7)):
        return 0
    cases = {n: by_number[n] for n in range(1, 7)}
    refs = list(cases)
    agency = {x.code: x.pk for x in Agency.objects.all()}
    carol, pete, harry, nadia = a["carol"], a["pete"], a["harry"], a["nadia"]
    today = today or timezone.localdate()
    made = 0

    # History: referred on potential escalation, heard, action done, closed; and
    # referred again as a repeat. Every history meeting is before the current cases'
    # first referral (20 days ago), so each case's referrals follow one another.
    history_ends = today - timedelta(days=21)
    plan: list[tuple[date, date, int, bool]] = []  # meeting, referred, case, first?
    for ref in refs:
        victim, perp = _parties(cases[ref])
        day = _escalation_day(victim, perp)
        if day is None or _thursday_after(day) >= history_ends:
            continue
        plan.append((_thursday_after(day), day, ref, True))
        # Flag and tag: a further incident within 12 months, any agency, is a repeat
        # (one after the first referral was heard).
        further = [
            d
            for d in incident_dates(victim, perp)
            if _thursday_after(day) < d and (d - day).days <= 365
        ]
        if further and _thursday_after(further[0]) < history_ends:
            plan.append((_thursday_after(further[0]), further[0], ref, False))
    # Meeting by meeting, in date order: each is scheduled, its cases listed, then
    # heard (a meeting is held once its cases are heard, so none is listed after).
    for held_on in sorted({p[0] for p in plan}):
        m = _meeting(carol, held_on)
        listed: list[tuple[MaracReferral, bool]] = []
        for _, referred_on, ref, first in sorted(p for p in plan if p[0] == held_on):
            case = cases[ref]
            victim, perp = _parties(case)
            r = do_refer_to_marac(
                case.pk,
                actor=carol,
                victim_id=victim,
                perpetrator_id=perp,
                referred_on=referred_on,
            )
            do_list_marac_referral(r.pk, m.pk, actor=carol)
            listed.append((r, first))
            made += 2
        for r, first in listed:
            if not first:
                do_mark_marac_referral_heard(r.pk, actor=carol)
                do_close_marac_referral(r.pk, actor=carol)
                continue
            do_record_marac_research(
                r.pk,
                actor=pete,
                holds_information=True,
                findings="Incidents attended by police; no charges brought.",
            )
            t = do_add_marac_action(
                r.pk,
                actor=carol,
                title="IDVA to offer support and safety planning",
                owner_agency_id=agency["lcc"],
                due_on=m.held_on + timedelta(days=14),
            )
            do_mark_marac_referral_heard(r.pk, actor=carol)
            do_complete_marac_action(
                t.pk,
                actor=carol,
                completed_on=m.held_on + timedelta(days=10),
                evidence="Victim engaged with the IDVA service; safety plan agreed.",
            )
            do_close_marac_referral(r.pk, actor=carol)
            made += 4

    def dash_and_refer(
        ref: int, who: Actor, yes: int, days_ago: int, judgement: str = ""
    ) -> MaracReferral:
        case = cases[ref]
        victim, perp = _parties(case)
        on = today - timedelta(days=days_ago)
        d = do_record_dash_assessment(
            case.pk,
            actor=who,
            victim_id=victim,
            answers=_answers(yes),
            assessed_on=on,
            professional_judgement=bool(judgement),
            judgement_reason=judgement,
            assessor_notes="Completed with the victim by phone; she was alone.",
        )
        return do_refer_to_marac(
            case.pk,
            actor=who,
            victim_id=victim,
            perpetrator_id=perp,
            referred_on=on,
            dash_id=d.pk,
            professional_judgement=bool(judgement),
            reason=judgement,
        )

    # A meeting held a week or two ago, after the referrals below (20 and 18 days ago).
    held = _meeting(
        carol,
        _thursday_on_or_before(today - timedelta(days=7)),
        chair="DI R. Shaw, West Yorkshire Police",
    )
    r1 = dash_and_refer(1, pete, 16, 20)
    r2 = dash_and_refer(
        2,
        carol,
        11,
        18,
        judgement="Victim describes new threats to kill after separation.",
    )
    for r in (r1, r2):
        do_list_marac_referral(r.pk, held.pk, actor=carol)
    research = [
        (r1, carol, True, "Housing: victim on the transfer list; one ASB complaint."),
        (r1, pete, True, "Three call-outs in 12 months; perpetrator on bail."),
        (r1, harry, True, "A&E attendance with facial injury last month."),
        (r1, nadia, False, ""),
        (r2, carol, True, "Children known to social care (child in need plan)."),
        (r2, pete, True, "Harassment reported last week; no arrest yet."),
    ]
    for r, who, holds, text in research:
        do_record_marac_research(
            r.pk, actor=who, holds_information=holds, findings=text
        )
    actions = [
        (r1, "IDVA to contact the victim within 24 hours", "lcc", -8, True),
        (r1, "Police to put a warning marker on the address", "wyp", -3, False),
        (r1, "GP to flag the victim's record and offer a review", "ccg", 10, False),
        (
            r2,
            "Probation to review the perpetrator's licence conditions",
            "nps",
            -2,
            False,
        ),
        (r2, "Housing to fit target hardening at the victim's home", "lcc", -5, True),
    ]
    for r, title, owner, due, done in actions:
        t = do_add_marac_action(
            r.pk,
            actor=carol,
            title=title,
            owner_agency_id=agency[owner],
            due_on=today + timedelta(days=due),
        )
        if done:
            do_complete_marac_action(
                t.pk,
                actor=carol,
                completed_on=today + timedelta(days=due - 1),
                evidence="Done and recorded on the agency's own system.",
            )
    for r in (r1, r2):
        do_mark_marac_referral_heard(r.pk, actor=carol)
    made += 2 + 2 + 2 + len(research) + len(actions) + 2

    # Since then the police recorded a further incident: an open repeat flag on r1.
    victim, perp = _parties(cases[1])
    try:
        with transaction.atomic():  # all or nothing: no incident without its people
            _flag_incident(pete, today, victim, perp)
        made += 1
    except (NotFound, Forbidden):
        pass  # the police cannot see these people: no flag in this demo

    # Next week's meeting: two cases listed, research missing.
    upcoming = _meeting(
        carol,
        _thursday_after(today, weeks=1),
        chair="DI R. Shaw, West Yorkshire Police",
    )
    r3 = dash_and_refer(3, pete, 14, 5)
    r4 = dash_and_refer(
        4,
        carol,
        9,
        4,
        judgement="Stalking escalating; the victim is very frightened.",
    )
    for r in (r3, r4):
        do_list_marac_referral(r.pk, upcoming.pk, actor=carol)
    do_record_marac_research(
        r3.pk,
        actor=pete,
        holds_information=True,
        findings="Perpetrator has a previous conviction for assault (2016).",
    )
    made += 1 + 4 + 2 + 1

    # Awaiting listing, and a checklist not yet referred.
    dash_and_refer(6, pete, 15, 1)
    case5 = cases[5]
    victim5, _ = _parties(case5)
    do_record_dash_assessment(
        case5.pk,
        actor=harry,
        victim_id=victim5,
        answers=_answers(12),
        assessed_on=today - timedelta(days=2),
        assessor_notes="Disclosed at a GP appointment; medium risk, to review.",
    )
    made += 3
    return made
