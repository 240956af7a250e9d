"""The MARAC pages as reads: each page's records the actor may see, already shown.

One reader per page (``read_marac_home``, ``read_marac_meeting``, ``read_referral_page``,
``read_dash_page``, ``read_marac_case_page`` (and the case page's
``read_marac_case_panel``), ``read_marac_figures``, and the form
pages' ``read_case_form`` and ``read_referral_form``). Each applies the sharing
agreements through the ``*_visible_to`` querysets of :mod:`.marac` and :mod:`.cases`,
names people as the actor's role allows (a pseudonym for a pseudonymised actor), and
logs what it returns as consulted in one write (``record_consultations``), under the
event names the pages have always used. The views only render what they get.

MARAC records are opened by practitioners and case coordinators only
(``partners.policy.may_open``): every reader of personal records refuses anyone else
with ``Forbidden`` before reading. Only the figures (counts, no one's details) are read
by analysts and executives too.

Each reader costs a fixed number of queries however many referrals, research entries
and actions it shows: one per kind of record, with the agencies and people shown joined
in. (The coordinator's repeat flags on the home page come from
``marac_queries.repeat_flags``, which audits its own and reads per flagged victim.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count
from django.utils import timezone

from saferleeds.audit.log import Consultations, record_consultations
from saferleeds.core.deadlines import overdue_q
from saferleeds.marac.access import (
    access_dash_assessment_by_id,
    access_marac_referral_by_id,
    dash_assessments_visible_to,
    marac_referrals_visible_to,
    marac_research_visible_to,
)
from saferleeds.marac.dash import DashResult, score_dash
from saferleeds.marac.figures import MaracFigures
from saferleeds.marac.models import (
    DashAssessment,
    MaracMeeting,
    MaracReferral,
    MaracResearch,
)
from saferleeds.marac.queries import (
    COORDINATOR_ROLES,
    PERPETRATOR_ROLES,
    RepeatFlag,
    figures_for_period,
    repeat_flags,
)
from saferleeds.marac.rules import Criterion
from saferleeds.partners.models import Agency, RecordType, Role
from saferleeds.partners.policy import (
    CASEWORK_ROLES,
    PSEUDONYMISED_ROLES,
    Actor,
    Forbidden,
    NotFound,
    agreements_in_force,
    may_change,
    may_open,
    pseudonymised,
    require_open,
)
from saferleeds.people.access import people_visible_to
from saferleeds.people.models import Person, SubjectRole
from saferleeds.people.present import pseudonym
from saferleeds.safeguarding.access.cases import (
    access_case_by_id,
    case_tasks_visible_to,
)
from saferleeds.safeguarding.models import Case, CasePerson, CaseTask

__all__ = [
    "CRITERION_LABELS",
    "FIGURES_ROLES",
    "CaseForm",
    "DashPage",
    "MaracCasePanel",
    "MaracHome",
    "MeetingPage",
    "ReferralForm",
    "ReferralPage",
    "ReferralRow",
    "ResearchCell",
    "criteria_labels",
    "may_read_figures",
    "may_use_marac",
    "read_case_form",
    "read_dash_page",
    "read_marac_case_page",
    "read_marac_case_panel",
    "read_marac_figures",
    "read_marac_home",
    "read_marac_meeting",
    "read_referral_form",
    "read_referral_page",
]

# The pages' audit events (unchanged from when the views wrote them).
HOME_EVENT = "safeguarding.marac.home"
MEETING_EVENT = "safeguarding.marac_meeting.view"
REFERRAL_EVENT = "safeguarding.marac_referral.view"
PLAN_EVENT = "safeguarding.marac_referral.view_plan"
DASH_EVENT = "safeguarding.dash_assessment.view"
CASE_EVENT = "safeguarding.case.view"
PANEL_EVENT = "safeguarding.marac.case_panel"
FIGURES_EVENT = "safeguarding.marac.figures"

CRITERION_LABELS = {
    Criterion.VISIBLE_HIGH_RISK.value: "Visible high risk (14 or more “yes”)",
    Criterion.PROFESSIONAL_JUDGEMENT.value: "Professional judgement",
    Criterion.POTENTIAL_ESCALATION.value: "Potential escalation",
    Criterion.REPEAT.value: "Repeat (within 12 months of the last referral)",
}
#: Who sees the coordinator's figures (counts only: no one's details).
FIGURES_ROLES = COORDINATOR_ROLES | PSEUDONYMISED_ROLES | frozenset({Role.EXECUTIVE})


def may_use_marac(actor: Actor) -> bool:
    """Whether the actor may open the MARAC pages: their roles open MARAC referrals.

    The MARAC pages' guard and their menu tab (``marac.hooks``) both ask this.
    """
    return may_open(actor, RecordType.MARAC_REFERRAL)


def may_read_figures(actor: Actor) -> bool:
    """Whether the actor may read the MARAC figures (counts only): the page's guard
    and its tab's rule."""
    return actor.has(FIGURES_ROLES)


Audited = list[tuple[str, object, int | None]]


def criteria_labels(values: list[str] | tuple[str, ...]) -> list[str]:
    """Readable names of stored criterion values."""
    return [CRITERION_LABELS.get(v, v) for v in values]


def _name(person: Person | None, identified: bool) -> str:
    """A person's name as the MARAC pages show it (a pseudonym when pseudonymised)."""
    if person is None:
        return "Not known"
    if not identified:
        return pseudonym(person.pk)
    return f"{person.given_name} {person.family_name}"


def _opener(actor: Actor, record_type: RecordType = RecordType.MARAC_REFERRAL) -> bool:
    """Refuse a role that never opens MARAC records; whether the actor is identified."""
    require_open(actor, record_type)
    return not pseudonymised(actor)


def _audit(actor: Actor, *batches: tuple[str, Audited, dict[str, Any]]) -> None:
    record_consultations(actor, list(batches))


def _coordinator(actor: Actor) -> bool:
    return actor.has(COORDINATOR_ROLES)


# --- Referral rows: a referral with each agency's research and its action plan ---------


@dataclass(frozen=True)
class ResearchCell:
    """One agency's research status on one referral."""

    agency: str
    done: bool
    holds_information: bool


@dataclass(frozen=True)
class ReferralRow:
    """A referral on a list page, with its research and action plan."""

    referral: MaracReferral
    victim: str
    perpetrator: str
    criteria: tuple[str, ...]
    research: tuple[ResearchCell, ...]
    actions: tuple[CaseTask, ...]

    @property
    def research_missing(self) -> tuple[str, ...]:
        """The agencies that have not yet shared their research, by name."""
        return tuple(c.agency for c in self.research if not c.done)


def _research_agencies() -> list[Agency]:
    """The MARAC's agencies: those receiving MARAC research under an agreement in force."""
    ids: set[int] = set()
    for agreement in agreements_in_force():
        if RecordType.MARAC_RESEARCH.value in agreement.record_types:
            ids |= {a.id for a in agreement.recipients.all()}
    return list(Agency.objects.filter(pk__in=ids).order_by("name"))


def _referral_rows(
    actor: Actor, referrals: list[MaracReferral], identified: bool
) -> tuple[list[ReferralRow], list[MaracResearch], Audited]:
    """Shape referrals with their research and actions (a fixed number of queries).

    Returns:
        ``(rows, every research entry read, the audit records of what is shown)``.
    """
    ids = [r.pk for r in referrals]
    research = list(
        marac_research_visible_to(actor)
        .filter(referral_id__in=ids)
        .select_related("agency")
        .order_by("agency__name", "pk")
    )
    tasks = list(
        case_tasks_visible_to(actor)
        .filter(marac_referral_id__in=ids)
        .select_related("owner_agency")
        .order_by("due_on", "id")
    )
    agencies = _research_agencies() if referrals else []
    audited: Audited = (
        [(RecordType.MARAC_REFERRAL, r.pk, r.victim_id) for r in referrals]
        + [(RecordType.MARAC_RESEARCH, x.pk, None) for x in research]
        + [(RecordType.CASE_TASK, t.pk, None) for t in tasks]
    )
    rows = []
    for r in referrals:
        mine = {x.agency_id: x for x in research if x.referral_id == r.pk}
        rows.append(
            ReferralRow(
                referral=r,
                victim=_name(r.victim, identified),
                perpetrator=_name(r.perpetrator, identified),
                criteria=tuple(criteria_labels(r.criteria)),
                research=tuple(
                    ResearchCell(
                        a.name,
                        a.pk in mine,
                        bool(a.pk in mine and mine[a.pk].holds_information),
                    )
                    for a in agencies
                ),
                actions=tuple(t for t in tasks if t.marac_referral_id == r.pk),
            )
        )
    return rows, research, audited


_ROW_RELATED = ("case", "victim", "perpetrator", "referring_agency")


# --- MARAC home ------------------------------------------------------------------------


@dataclass(frozen=True)
class MaracHome:
    """The MARAC home page: meetings, referrals awaiting listing, overdue actions and,
    for a coordinator, the repeat flags (``None`` for anyone else)."""

    upcoming: tuple[tuple[MaracMeeting, int], ...]  # (meeting, visible referrals)
    held: tuple[MaracMeeting, ...]
    awaiting: tuple[tuple[MaracReferral, str], ...]  # (referral, victim's name)
    overdue: tuple[CaseTask, ...]
    flags: tuple[RepeatFlag, ...] | None
    coordinator: bool
    today: date


def read_marac_home(actor: Actor, *, today: date | None = None) -> MaracHome:
    """The MARAC home page as the actor may see it; logs each referral and action shown
    (``safeguarding.marac.home``; repeat flags: ``safeguarding.marac.repeat_flags``).

    Raises:
        Forbidden: The actor's roles never open MARAC records.
    """
    identified = _opener(actor)
    day = today or timezone.localdate()
    visible = marac_referrals_visible_to(actor)
    upcoming = list(
        MaracMeeting.objects.filter(status=MaracMeeting.Status.SCHEDULED).order_by(
            "held_on", "id"
        )
    )
    # How many referrals the actor may see are listed for each: counts, no details.
    counts: dict[int, int] = dict(
        visible.filter(meeting_id__in=[m.pk for m in upcoming])
        .order_by()
        .values_list("meeting_id")
        .annotate(n=Count("pk", distinct=True))
        .values_list("meeting_id", "n")
    )
    held = list(
        MaracMeeting.objects.filter(status=MaracMeeting.Status.HELD).order_by(
            "-held_on", "-id"
        )[:5]
    )
    awaiting = list(
        visible.filter(status=MaracReferral.Status.REFERRED)
        .select_related("case", "victim", "referring_agency")
        .order_by("referred_on", "id")
    )
    overdue = list(
        case_tasks_visible_to(actor)
        .filter(overdue_q(day, done="completed_on"), marac_referral__isnull=False)
        .select_related("owner_agency", "case")
        .order_by("due_on", "id")
    )
    batches: list[Consultations] = [
        (
            HOME_EVENT,
            [(RecordType.MARAC_REFERRAL, r.pk, r.victim_id) for r in awaiting]
            + [(RecordType.CASE_TASK, t.pk, None) for t in overdue],
            {},
        )
    ]
    coordinator = _coordinator(actor)
    # The repeat flags' records are logged with the page's, in one write.
    flags = repeat_flags(actor, today=day, batches=batches) if coordinator else None
    _audit(actor, *batches)
    return MaracHome(
        upcoming=tuple((m, counts.get(m.pk, 0)) for m in upcoming),
        held=tuple(held),
        awaiting=tuple((r, _name(r.victim, identified)) for r in awaiting),
        overdue=tuple(overdue),
        flags=None if flags is None else tuple(flags),
        coordinator=coordinator,
        today=day,
    )


# --- A meeting -------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingPage:
    """A meeting's list: each referral the actor may see, its research and its plan."""

    meeting: MaracMeeting
    rows: tuple[ReferralRow, ...]
    coordinator: bool
    today: date
    # The other scheduled meetings a listed case can be moved to, as choices.
    move_to: tuple[tuple[int, str], ...] = ()


def read_marac_meeting(actor: Actor, meeting_id: int) -> MeetingPage:
    """A MARAC meeting and the referrals listed for it that the actor may see; logs
    each referral, research entry and action shown (``safeguarding.marac_meeting.view``).

    Raises:
        Forbidden: The actor's roles never open MARAC records.
        NotFound: No such meeting.
    """
    identified = _opener(actor)
    meeting = MaracMeeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(f"no MARAC meeting {meeting_id}")
    referrals = list(
        marac_referrals_visible_to(actor)
        .filter(meeting=meeting)
        .select_related(*_ROW_RELATED)
        .order_by("referred_on", "id")
    )
    rows, _, audited = _referral_rows(actor, referrals, identified)
    _audit(actor, (MEETING_EVENT, audited, {}))
    coordinator = _coordinator(actor)
    return MeetingPage(
        meeting=meeting,
        rows=tuple(rows),
        coordinator=coordinator,
        today=timezone.localdate(),
        move_to=tuple(c for c in _meeting_choices() if c[0] != meeting.pk)
        if coordinator
        else (),
    )


def _meeting_choices() -> tuple[tuple[int, str], ...]:
    """The scheduled meetings, soonest first, as ``(id, label)`` choices."""
    return tuple(
        (m.pk, f"{m.held_on:%-d %B %Y}{' – ' + m.venue if m.venue else ''}")
        for m in MaracMeeting.objects.filter(
            status=MaracMeeting.Status.SCHEDULED
        ).order_by("held_on", "id")
    )


# --- A referral ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralPage:
    """A referral's page: criteria, meeting, each agency's research, the action plan,
    and what the actor may do next."""

    referral: MaracReferral
    row: ReferralRow
    research: tuple[MaracResearch, ...]  # the entries the actor may see, by agency
    mine: MaracResearch | None  # the actor's agency's entry
    coordinator: bool
    pseudonymised: bool
    meetings: tuple[tuple[int, str], ...]  # scheduled meetings, as choices
    can_list: bool
    can_research: bool
    can_hear: bool
    can_close: bool
    open_actions: tuple[CaseTask, ...]
    today: date
    can_undo_heard: bool = False
    hear_from: date | None = None  # the meeting's day, while it is still to come


def read_referral_page(actor: Actor, referral_id: int) -> ReferralPage:
    """A referral as its page shows it; logs the referral
    (``safeguarding.marac_referral.view``) and it with its research and actions
    (``safeguarding.marac_referral.view_plan``), in one write.

    Raises:
        Forbidden: The actor's roles never open MARAC records.
        NotFound: Missing or not visible (the refusal is logged).
    """
    identified = _opener(actor)
    referral = access_marac_referral_by_id(
        actor,
        referral_id,
        audit=False,
        related=(*_ROW_RELATED, "meeting", "dash"),
    )
    rows, research, audited = _referral_rows(actor, [referral], identified)
    row = rows[0]
    _audit(
        actor,
        (
            REFERRAL_EVENT,
            [(RecordType.MARAC_REFERRAL, referral.pk, referral.victim_id)],
            {},
        ),
        (PLAN_EVENT, audited, {}),
    )
    coordinator = _coordinator(actor)
    meetings = _meeting_choices()
    status = referral.status
    open_actions = tuple(a for a in row.actions if a.completed_on is None)
    S = MaracReferral.Status
    today = timezone.localdate()
    # A case is heard on or after the day of its meeting, not before (issue #16).
    waiting = referral.meeting is not None and referral.meeting.held_on > today
    return ReferralPage(
        referral=referral,
        row=row,
        research=tuple(research),
        mine=next((x for x in research if x.agency_id == actor.agency_id), None),
        coordinator=coordinator,
        pseudonymised=not identified,
        meetings=meetings,
        can_list=coordinator and status in (S.REFERRED, S.LISTED) and bool(meetings),
        can_research=actor.has(CASEWORK_ROLES)
        and status not in (S.CLOSED, S.WITHDRAWN),
        can_hear=coordinator and status == S.LISTED and not waiting,
        can_close=coordinator and status == S.HEARD and not open_actions,
        open_actions=open_actions,
        today=today,
        can_undo_heard=coordinator and status == S.HEARD,
        hear_from=referral.meeting.held_on if waiting and referral.meeting else None,
    )


# --- A Dash checklist ------------------------------------------------------------------


@dataclass(frozen=True)
class DashPage:
    """A completed Dash checklist: its score, and whom the criteria are about."""

    dash: DashAssessment
    case: Case
    victim: str
    pseudonymised: bool
    result: DashResult
    can_refer: bool
    perpetrator_id: int | None  # the case's one perpetrator the actor may see, if one


def read_dash_page(actor: Actor, dash_id: int) -> DashPage:
    """A Dash checklist as its page shows it; logs it
    (``safeguarding.dash_assessment.view``).

    Raises:
        Forbidden: The actor's roles never open Dash checklists.
        NotFound: Missing or not visible (the refusal is logged).
    """
    identified = _opener(actor, RecordType.DASH_ASSESSMENT)
    dash = access_dash_assessment_by_id(
        actor, dash_id, related=("case", "victim", "agency")
    )
    case = dash.case
    perpetrators = _people(actor, case, PERPETRATOR_ROLES, identified)
    return DashPage(
        dash=dash,
        case=case,
        victim=_name(dash.victim, identified),
        pseudonymised=not identified,
        result=score_dash(
            dash.answers,
            professional_judgement=dash.professional_judgement,
            judgement_reason=dash.judgement_reason,
        ),
        can_refer=actor.has(CASEWORK_ROLES)
        and may_change(actor, {case.lead_agency_id}, {case.pk}),
        perpetrator_id=perpetrators[0][0] if len(perpetrators) == 1 else None,
    )


# --- The form pages --------------------------------------------------------------------


def _people(
    actor: Actor, case: Case, roles: tuple[str, ...], identified: bool
) -> list[tuple[int, str]]:
    """``(person id, name)`` for the people in ``roles`` on the case whom the actor may
    see themselves (through ``people_visible_to``, as the case page lists them)."""
    links = (
        CasePerson.objects.filter(
            case=case, role__in=roles, person__in=people_visible_to(actor)
        )
        .select_related("person")
        .order_by("person__family_name", "person__given_name", "person_id")
    )
    seen: dict[int, str] = {}
    for link in links:
        seen.setdefault(link.person_id, _name(link.person, identified))
    return list(seen.items())


def _marac_case(actor: Actor, case_id: int) -> Case:
    """The MARAC case, unaudited; another type of case is not found."""
    case = access_case_by_id(actor, case_id, audit=False)
    if case.case_type != Case.Type.MARAC:
        raise NotFound(f"no MARAC case {case_id}")
    return case


@dataclass(frozen=True)
class CaseForm:
    """What the Dash and referral forms on a MARAC case show."""

    case: Case
    can_change: bool
    victims: tuple[tuple[int, str], ...]  # (person id, name)
    perpetrators: tuple[tuple[int, str], ...]
    dash: DashAssessment | None  # the checklist the referral is made from, if any


def read_case_form(
    actor: Actor,
    case_id: int,
    *,
    audit: bool = True,
    perpetrators: bool = False,
    dash_id: int | None = None,
    record_type: RecordType = RecordType.MARAC_REFERRAL,
) -> CaseForm:
    """A MARAC case for the Dash or referral form: its victims (and perpetrators) the
    actor may see, and the checklist ``dash_id`` if it is on the case and visible.

    Logs the case as consulted (``safeguarding.case.view``) when ``audit`` (showing
    the form; a save is logged by its action).

    Raises:
        Forbidden: The actor's roles never open ``record_type``.
        NotFound: The case is missing, not visible (logged) or not a MARAC case.
    """
    identified = _opener(actor, record_type)
    case = _marac_case(actor, case_id)
    if audit:
        _audit(actor, (CASE_EVENT, [(RecordType.CASE, case.pk, None)], {}))
    dash = None
    if dash_id is not None:
        dash = dash_assessments_visible_to(actor).filter(pk=dash_id, case=case).first()
    return CaseForm(
        case=case,
        can_change=may_change(actor, {case.lead_agency_id}, {case.pk}),
        victims=tuple(_people(actor, case, (SubjectRole.VICTIM,), identified)),
        perpetrators=tuple(_people(actor, case, PERPETRATOR_ROLES, identified))
        if perpetrators
        else (),
        dash=dash,
    )


@dataclass(frozen=True)
class ReferralForm:
    """What the research and action forms on a referral show."""

    referral: MaracReferral
    victim: str
    agency_name: str  # the actor's agency
    mine: MaracResearch | None  # the actor's agency's research on it, if any
    agencies: tuple[tuple[int, str], ...]  # every agency, as action owners


def read_referral_form(
    actor: Actor,
    referral_id: int,
    *,
    audit: bool = True,
    record_type: RecordType = RecordType.MARAC_REFERRAL,
) -> ReferralForm:
    """A referral for the research or action form; logs the referral
    (``safeguarding.marac_referral.view``) when ``audit`` (showing the form).

    Raises:
        Forbidden: The actor's roles never open ``record_type``.
        NotFound: Missing or not visible (the refusal is logged).
    """
    identified = _opener(actor, record_type)
    referral = access_marac_referral_by_id(
        actor, referral_id, audit=audit, related=("victim", "case")
    )
    mine = (
        marac_research_visible_to(actor)
        .filter(referral=referral, agency_id=actor.agency_id)
        .first()
    )
    agencies = [(a.pk, a.name) for a in Agency.objects.order_by("name")]
    return ReferralForm(
        referral=referral,
        victim=_name(referral.victim, identified),
        agency_name=next((n for pk, n in agencies if pk == actor.agency_id), ""),
        mine=mine,
        agencies=tuple(agencies),
    )


# --- The case's panel ------------------------------------------------------------------


@dataclass(frozen=True)
class DashRow:
    """A Dash checklist in the MARAC panel."""

    id: int
    assessed_on: date
    victim: str
    yes_count: int
    risk_label: str
    professional_judgement: bool
    agency_name: str


@dataclass(frozen=True)
class PanelReferralRow:
    """A MARAC referral in the MARAC panel (``criteria``: the stored codes)."""

    id: int
    referred_on: date
    victim: str
    is_repeat: bool
    criteria: tuple[str, ...]
    status_label: str
    meeting_held_on: date | None


@dataclass(frozen=True)
class MaracCasePanel:
    """The case's Dash checklists and referrals the actor may see (newest first).

    ``case``: the case (its page's facts, on the case page), for its id."""

    case: Any
    dashes: tuple[DashRow, ...]
    referrals: tuple[PanelReferralRow, ...]
    can_add: bool


def _panel(
    actor: Actor, case: Case, identified: bool
) -> tuple[MaracCasePanel, Audited]:
    dashes = list(
        dash_assessments_visible_to(actor)
        .filter(case=case)
        .select_related("victim", "agency")
        .order_by("-assessed_on", "-id")
    )
    referrals = list(
        marac_referrals_visible_to(actor)
        .filter(case=case)
        .select_related("victim", "referring_agency", "meeting")
        .order_by("-referred_on", "-id")
    )
    audited: Audited = [
        (RecordType.DASH_ASSESSMENT, d.pk, d.victim_id) for d in dashes
    ] + [(RecordType.MARAC_REFERRAL, r.pk, r.victim_id) for r in referrals]
    return _shape(actor, case, dashes, referrals, identified), audited


def _shape(
    actor: Actor,
    case: Any,
    dashes: list[DashAssessment],
    referrals: list[MaracReferral],
    identified: bool,
) -> MaracCasePanel:
    """The panel of checklists and referrals already read (newest first), with their
    victim, agency and meeting joined in."""
    return MaracCasePanel(
        case=case,
        dashes=tuple(
            DashRow(
                d.pk,
                d.assessed_on,
                _name(d.victim, identified),
                d.yes_count,
                d.get_risk_level_display(),
                d.professional_judgement,
                d.agency.name,
            )
            for d in dashes
        ),
        referrals=tuple(
            PanelReferralRow(
                r.pk,
                r.referred_on,
                _name(r.victim, identified),
                r.is_repeat,
                tuple(r.criteria),
                r.get_status_display(),
                r.meeting.held_on if r.meeting_id else None,
            )
            for r in referrals
        ),
        can_add=may_change(actor, {case.lead_agency_id}, {case.pk}),
    )


def case_page_panel(
    actor: Actor, case: Case, shown: dict[str, list[Any]]
) -> MaracCasePanel | None:
    """The MARAC panel of the case page, shaped from the records its reader read and
    logged (``shown``, by section); ``None`` for a role that never opens MARAC records.
    Registered through ``core.registry`` (``marac.hooks``)."""
    if not may_open(actor, RecordType.MARAC_REFERRAL):
        return None

    def newest(records: list[Any], day: str) -> list[Any]:
        return sorted(records, key=lambda r: (getattr(r, day), r.pk), reverse=True)

    return _shape(
        actor,
        case,
        newest(shown.get("dash", []), "assessed_on"),
        newest(shown.get("marac_referrals", []), "referred_on"),
        not pseudonymised(actor),
    )


def read_marac_case_panel(actor: Actor, case: Case) -> MaracCasePanel | None:
    """The MARAC panel of a case the caller has read, or ``None`` (not a MARAC case,
    or a role that never opens MARAC records). Logs each checklist and referral shown
    (``safeguarding.marac.case_panel``)."""
    if case.case_type != Case.Type.MARAC or not actor.has(CASEWORK_ROLES):
        return None
    panel, audited = _panel(actor, case, not pseudonymised(actor))
    _audit(actor, (PANEL_EVENT, audited, {}))
    return panel


def read_marac_case_page(actor: Actor, case_id: int) -> MaracCasePanel:
    """The MARAC panel of a case on a page of its own: logs the case
    (``safeguarding.case.view``) and each checklist and referral shown
    (``safeguarding.marac.case_panel``), in one write.

    Raises:
        Forbidden: The actor's roles never open MARAC records.
        NotFound: The case is missing, not visible (logged) or not a MARAC case.
    """
    identified = _opener(actor)
    case = _marac_case(actor, case_id)
    panel, audited = _panel(actor, case, identified)
    _audit(
        actor,
        (CASE_EVENT, [(RecordType.CASE, case.pk, None)], {}),
        (PANEL_EVENT, audited, {}),
    )
    return panel


# --- Figures ---------------------------------------------------------------------------


def read_marac_figures(actor: Actor, start: date, end: date) -> MaracFigures:
    """The coordinator's figures for a period (counts only); logs that they were read
    (``safeguarding.marac.figures``, detail ``{"from", "to"}``).

    Raises:
        Forbidden: Not a coordinator, analyst or executive.
        ValueError: A period ending before it starts, or no population configured.
    """
    if not actor.has(FIGURES_ROLES):
        raise Forbidden(
            "MARAC figures are for the MARAC coordinator, analysts and executives."
        )
    result = figures_for_period(start, end)
    _audit(
        actor,
        (
            FIGURES_EVENT,
            [("", "", None)],
            {"from": result.start.isoformat(), "to": result.end.isoformat()},
        ),
    )
    return result
