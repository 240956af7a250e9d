"""Domestic abuse risk and MARAC pages: the Dash checklist, referrals, meetings,
research, the action plan, repeat flags and the coordinator's figures.

Views parse and render only. Records are read through ``safeguarding.access`` (which
applies the sharing rules and audits each record read; lists audit every row they
show) and changed through ``safeguarding.actions.marac``. Missing and forbidden records
are the same 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saferleeds.audit.log import record
from saferleeds.audit.models import Operation
from saferleeds.core.forms import DateParts
from saferleeds.partners.models import Agency, RecordType, Role
from saferleeds.partners.policy import (
    CASEWORK_ROLES,
    PSEUDONYMISED_ROLES,
    Actor,
    agreements_in_force,
    may_change,
    may_open,
    pseudonymised,
)
from saferleeds.people.access import people_visible_to
from saferleeds.people.models import Person, SubjectRole
from saferleeds.people.present import pseudonym
from saferleeds.safeguarding.access.case_page import (
    CasePage,
    DashRow,
)
from saferleeds.safeguarding.access.case_page import (
    ReferralRow as PanelReferralRow,
)
from saferleeds.safeguarding.access.cases import (
    access_case_task_by_id,
    case_tasks_visible_to,
)
from saferleeds.safeguarding.access.marac import (
    access_dash_assessment_by_id,
    access_marac_referral_by_id,
    dash_assessments_visible_to,
    marac_referrals_visible_to,
    marac_research_visible_to,
)
from saferleeds.safeguarding.actions.marac import (
    do_add_marac_action,
    do_close_marac_referral,
    do_complete_marac_action,
    do_create_marac_meeting,
    do_list_marac_referral,
    do_mark_marac_referral_heard,
    do_record_dash_assessment,
    do_record_marac_research,
    do_refer_to_marac,
    referral_criteria,
)
from saferleeds.safeguarding.dash import DASH_QUESTIONS, score_dash
from saferleeds.safeguarding.forms.marac import (
    QUESTION_FIELDS,
    ActionForm,
    CompleteActionForm,
    DashForm,
    FiguresForm,
    ListForm,
    MeetingForm,
    ReferralForm,
    ResearchForm,
)
from saferleeds.safeguarding.marac import Criterion
from saferleeds.safeguarding.marac_queries import (
    COORDINATOR_ROLES,
    PERPETRATOR_ROLES,
    figures_for_period,
    marac_settings,
    repeat_flags,
)
from saferleeds.safeguarding.models import (
    Case,
    CasePerson,
    CaseTask,
    DashAssessment,
    MaracMeeting,
    MaracReferral,
    MaracResearch,
)
from saferleeds.safeguarding.views._common import (
    audit_shown,
    case_or_404,
    form_page,
    get_or_404,
    http_errors,
    request_actor,
)

CRITERION_LABELS = {
    Criterion.VISIBLE_HIGH_RISK.value: "Visible high risk (14 or more “yes”)",
    Criterion.PROFESSIONAL_JUDGEMENT.value: "Professional judgement",
    Criterion.POTENTIAL_ESCALATION.value: "Potential escalation",
    Criterion.REPEAT.value: "Repeat (within 12 months of the last referral)",
}
FIGURES_ROLES = COORDINATOR_ROLES | PSEUDONYMISED_ROLES | frozenset({Role.EXECUTIVE})
NOT_CASEWORK = (
    "MARAC pages are for practitioners and case coordinators. Ask your agency "
    "administrator if you need them for your work."
)


# --- helpers ---------------------------------------------------------------------------


def casework_actor(
    request: HttpRequest,
    purpose: str,
    record_type: RecordType = RecordType.MARAC_REFERRAL,
) -> Actor:
    """The actor, if their roles may open ``record_type`` at all (others: 403).

    ``partners.policy.may_open`` decides, as it does for the API (security finding 3,
    issue #11): practitioners and case coordinators only.
    """
    actor = request_actor(request, purpose)
    if not may_open(actor, record_type):
        raise PermissionDenied(NOT_CASEWORK)
    return actor


def year_before(day: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def is_coordinator(actor: Actor) -> bool:
    """Whether the actor runs MARAC meetings (a case coordinator)."""
    return actor.has(COORDINATOR_ROLES)


def name_of(person: Person | None, actor: Actor | None = None) -> str:
    """A person's name as casework pages show it (a pseudonym for analysts)."""
    if person is None:
        return "Not known"
    if actor is not None and pseudonymised(actor):
        return pseudonym(person.pk)
    return f"{person.given_name} {person.family_name}"


def criteria_labels(values: list[str]) -> list[str]:
    """Readable names of stored criterion values."""
    return [CRITERION_LABELS.get(v, v) for v in values]


def _marac_case(actor: Actor, case_id: int, *, audit: bool) -> Case:
    return case_or_404(actor, case_id, case_type=Case.Type.MARAC, audit=audit)


def _people(actor: Actor, case: Case, roles: tuple[str, ...]) -> list[tuple[int, str]]:
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
        seen.setdefault(link.person_id, name_of(link.person, actor))
    return list(seen.items())


def _referral_or_404(actor: Actor, referral_id: int, **kw: Any) -> MaracReferral:
    return get_or_404(access_marac_referral_by_id, actor, referral_id, **kw)


def _research_agencies() -> list[Agency]:
    """The MARAC's agencies: those receiving MARAC research under an agreement in force."""
    ids: set[int] = set()
    for agreement in agreements_in_force():
        if RecordType.MARAC_RESEARCH.value in agreement.record_types:
            ids |= {a.id for a in agreement.recipients.all()}
    return list(Agency.objects.filter(pk__in=ids).order_by("name"))


def _page(
    request: HttpRequest, template: str, context: Callable[[Any], dict[str, Any]]
) -> Callable[[Any, int], HttpResponse]:
    """A ``show`` for :func:`form_page`: the template with the form and its context."""
    return lambda form, status: render(
        request,
        template,
        {**context(form), "form": form, "section": "marac"},
        status=status,
    )


def _to_referral(referral: MaracReferral) -> HttpResponse:
    """Back to the referral's page (where every referral form leads)."""
    return redirect("safeguarding:marac-referral", referral_id=referral.pk)


def _agency_name(actor: Actor) -> str:
    agency = Agency.objects.filter(pk=actor.agency_id).first()
    return agency.name if agency else ""


# --- Dash ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def dash_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Complete the SafeLives Dash checklist for a victim on a MARAC case."""
    actor = casework_actor(
        request, "complete Dash risk checklist", RecordType.DASH_ASSESSMENT
    )
    case = _marac_case(actor, case_id, audit=request.method == "GET")
    if not may_change(actor, {case.lead_agency_id}, {case.pk}):
        raise PermissionDenied("You may see this case but not add to it.")
    victims = _people(actor, case, (SubjectRole.VICTIM,))
    initial = DateParts.initial("assessed", timezone.localdate())
    if len(victims) == 1:
        initial["victim"] = victims[0][0]
    return form_page(
        request,
        make_form=lambda data: DashForm(data, initial=initial, victims=victims),
        action=lambda form: do_record_dash_assessment(
            case.pk,
            actor=actor,
            victim_id=form.cleaned_data["victim"],
            answers=form.answers(),
            assessed_on=form.cleaned_data["assessed_on"],
            professional_judgement=form.cleaned_data["professional_judgement"] == "yes",
            judgement_reason=form.cleaned_data["judgement_reason"],
            assessor_notes=form.cleaned_data["assessor_notes"],
        ),
        success="Dash checklist saved",
        done=lambda dash: redirect("safeguarding:marac-dash", dash_id=dash.pk),
        show=_page(
            request,
            "safeguarding/marac/dash_form.html",
            lambda form: {
                "case": case,
                "questions": [
                    (q, form[QUESTION_FIELDS[q.number - 1]]) for q in DASH_QUESTIONS
                ],
                "victims": victims,
                "answer_choices": [
                    ("yes", "Yes"),
                    ("no", "No"),
                    ("not_known", "Not known"),
                ],
            },
        ),
    )


@login_required
@require_GET
def dash_detail(request: HttpRequest, dash_id: int) -> HttpResponse:
    """A completed checklist: score, grading, and which MARAC criteria hold today."""
    actor = casework_actor(
        request, "view Dash risk checklist", RecordType.DASH_ASSESSMENT
    )
    dash = get_or_404(access_dash_assessment_by_id, actor, dash_id)
    case = dash.case
    can_refer = actor.has(CASEWORK_ROLES) and may_change(
        actor, {case.lead_agency_id}, {case.pk}
    )
    perpetrators = _people(actor, case, PERPETRATOR_ROLES)
    today = timezone.localdate()
    criteria = referral_criteria(
        case,
        victim_id=dash.victim_id,
        perpetrator_id=perpetrators[0][0] if len(perpetrators) == 1 else None,
        on=today,
        dash=dash,
        professional_judgement=False,
    )
    result = score_dash(
        dash.answers,
        professional_judgement=dash.professional_judgement,
        judgement_reason=dash.judgement_reason,
    )
    answer_label = {True: "Yes", False: "No", None: "Not known"}
    return render(
        request,
        "safeguarding/marac/dash_detail.html",
        {
            "dash": dash,
            "case": case,
            "victim": name_of(dash.victim, actor),
            "analyst": pseudonymised(actor),
            "result": result,
            "criteria": criteria_labels([c.value for c in criteria]),
            "can_refer": can_refer,
            "rows": [
                (q, answer_label[dash.answers[q.number - 1]]) for q in DASH_QUESTIONS
            ],
            "section": "marac",
        },
    )


# --- Referral --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Refer a victim on a MARAC case; refused unless a criterion holds."""
    actor = casework_actor(request, "refer to MARAC")
    case = _marac_case(actor, case_id, audit=request.method == "GET")
    if not may_change(actor, {case.lead_agency_id}, {case.pk}):
        raise PermissionDenied("You may see this case but not refer from it.")
    victims = _people(actor, case, (SubjectRole.VICTIM,))
    perpetrators = _people(actor, case, PERPETRATOR_ROLES)
    dash: DashAssessment | None = None
    dash_param = request.POST.get("dash") or request.GET.get("dash")
    if dash_param and dash_param.isdigit():
        dash = (
            dash_assessments_visible_to(actor)
            .filter(pk=int(dash_param), case=case)
            .first()
        )
    initial: dict[str, Any] = {
        **DateParts.initial("referred", timezone.localdate()),
        "professional_judgement": "no",
        "dash": dash.pk if dash else None,
    }
    if dash is not None:
        initial["victim"] = dash.victim_id
        if dash.professional_judgement:
            initial["professional_judgement"] = "yes"
            initial["reason"] = dash.judgement_reason
    elif len(victims) == 1:
        initial["victim"] = victims[0][0]
    if len(perpetrators) == 1:
        initial["perpetrator"] = str(perpetrators[0][0])
    return form_page(
        request,
        make_form=lambda data: ReferralForm(
            data, initial=initial, victims=victims, perpetrators=perpetrators
        ),
        action=lambda form: do_refer_to_marac(
            case.pk,
            actor=actor,
            victim_id=form.cleaned_data["victim"],
            perpetrator_id=form.cleaned_data["perpetrator_id"],
            referred_on=form.cleaned_data["referred_on"],
            dash_id=dash.pk if dash else None,
            professional_judgement=form.cleaned_data["professional_judgement"] == "yes",
            reason=form.cleaned_data["reason"],
        ),
        success="Referred to MARAC",
        done=_to_referral,
        show=_page(
            request,
            "safeguarding/marac/referral_form.html",
            lambda form: {
                "case": case,
                "dash": dash,
                "victims": victims,
                "perpetrator_choices": form.fields["perpetrator"].choices,  # type: ignore[attr-defined]
            },
        ),
    )


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
    criteria: list[str]
    research: list[ResearchCell]
    actions: list[CaseTask]


def _rows(
    actor: Actor, referrals: list[MaracReferral], event: str
) -> list[ReferralRow]:
    """Shape referrals with research status and actions, auditing what is shown."""
    ids = [r.pk for r in referrals]
    research = list(
        marac_research_visible_to(actor)
        .filter(referral_id__in=ids)
        .select_related("agency")
    )
    tasks = list(
        case_tasks_visible_to(actor)
        .filter(marac_referral_id__in=ids)
        .select_related("owner_agency")
        .order_by("due_on", "id")
    )
    agencies = _research_agencies()
    audit_shown(
        actor,
        event,
        [(RecordType.MARAC_REFERRAL, r.pk, r.victim_id) for r in referrals]
        + [(RecordType.MARAC_RESEARCH, x.pk, None) for x in research]
        + [(RecordType.CASE_TASK, t.pk, None) for t in tasks],
    )
    rows = []
    for r in referrals:
        mine = {x.agency_id: x for x in research if x.referral_id == r.pk}
        rows.append(
            ReferralRow(
                referral=r,
                victim=name_of(r.victim, actor),
                perpetrator=name_of(r.perpetrator, actor),
                criteria=criteria_labels(r.criteria),
                research=[
                    ResearchCell(
                        a.name,
                        a.pk in mine,
                        bool(a.pk in mine and mine[a.pk].holds_information),
                    )
                    for a in agencies
                ],
                actions=[t for t in tasks if t.marac_referral_id == r.pk],
            )
        )
    return rows


# --- MARAC home and meetings -----------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Upcoming meetings, referrals awaiting listing, repeat flags, overdue actions."""
    actor = casework_actor(request, "MARAC overview")
    today = timezone.localdate()
    visible = marac_referrals_visible_to(actor)
    upcoming = list(
        MaracMeeting.objects.filter(status=MaracMeeting.Status.SCHEDULED).order_by(
            "held_on", "id"
        )
    )
    counts = {
        m.pk: visible.filter(meeting=m).count() for m in upcoming
    }  # a count of visible referrals, no one's details
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
        .filter(
            marac_referral__isnull=False, completed_on__isnull=True, due_on__lt=today
        )
        .select_related("owner_agency", "case")
        .order_by("due_on", "id")
    )
    audit_shown(
        actor,
        "safeguarding.marac.home",
        [(RecordType.MARAC_REFERRAL, r.pk, r.victim_id) for r in awaiting]
        + [(RecordType.CASE_TASK, t.pk, None) for t in overdue],
    )
    flags = repeat_flags(actor, today=today) if is_coordinator(actor) else None
    return render(
        request,
        "safeguarding/marac/home.html",
        {
            "upcoming": [(m, counts[m.pk]) for m in upcoming],
            "held": held,
            "awaiting": [(r, name_of(r.victim)) for r in awaiting],
            "overdue": overdue,
            "flags": flags,
            "coordinator": is_coordinator(actor),
            "today": today,
            "section": "marac",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    """Schedule a MARAC meeting (coordinators)."""
    actor = casework_actor(request, "schedule MARAC meeting")
    if not is_coordinator(actor):
        raise PermissionDenied("Only the MARAC coordinator schedules meetings.")
    return form_page(
        request,
        make_form=MeetingForm,
        action=lambda form: do_create_marac_meeting(
            actor=actor,
            held_on=form.cleaned_data["held_on"],
            venue=form.cleaned_data["venue"],
            chair=form.cleaned_data["chair"],
        ),
        success="Meeting scheduled",
        done=lambda meeting: redirect(
            "safeguarding:marac-meeting", meeting_id=meeting.pk
        ),
        show=_page(request, "safeguarding/marac/meeting_form.html", lambda form: {}),
        # Scheduling breaks no rule a form could show: only a refusal (403).
        errors=(),
    )


@login_required
@require_GET
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """A meeting's list of cases: each agency's research and each action plan."""
    actor = casework_actor(request, "MARAC meeting")
    meeting = MaracMeeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404("Page not found")
    referrals = list(
        marac_referrals_visible_to(actor)
        .filter(meeting=meeting)
        .select_related("case", "victim", "perpetrator", "referring_agency")
        .order_by("referred_on", "id")
    )
    rows = _rows(actor, referrals, "safeguarding.marac_meeting.view")
    return render(
        request,
        "safeguarding/marac/meeting.html",
        {
            "meeting": meeting,
            "rows": rows,
            "coordinator": is_coordinator(actor),
            "today": timezone.localdate(),
            "section": "marac",
        },
    )


# --- A referral and its research and actions -----------------------------------------


@login_required
@require_GET
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    """A referral: criteria, where it is heard, each agency's research, its actions."""
    actor = casework_actor(request, "MARAC referral")
    referral = _referral_or_404(actor, referral_id)
    casework = actor.has(CASEWORK_ROLES)
    row = _rows(actor, [referral], "safeguarding.marac_referral.view_plan")[0]
    research = list(
        marac_research_visible_to(actor)
        .filter(referral=referral)
        .select_related("agency")
        .order_by("agency__name")
    )
    coordinator = is_coordinator(actor)
    meetings = [
        (m.pk, f"{m.held_on:%-d %B %Y}{' – ' + m.venue if m.venue else ''}")
        for m in MaracMeeting.objects.filter(
            status=MaracMeeting.Status.SCHEDULED
        ).order_by("held_on", "id")
    ]
    open_actions = [a for a in row.actions if a.completed_on is None]
    return render(
        request,
        "safeguarding/marac/referral.html",
        {
            "referral": referral,
            "row": row,
            "research": research,
            "mine": next((x for x in research if x.agency_id == actor.agency_id), None),
            "coordinator": coordinator,
            "analyst": pseudonymised(actor),
            "can_list": coordinator
            and referral.status
            in (MaracReferral.Status.REFERRED, MaracReferral.Status.LISTED)
            and bool(meetings),
            "list_form": ListForm(
                initial={"meeting": referral.meeting_id}, meetings=meetings
            ),
            "meetings": meetings,
            "can_research": casework
            and referral.status
            not in (MaracReferral.Status.CLOSED, MaracReferral.Status.WITHDRAWN),
            "can_hear": coordinator and referral.status == MaracReferral.Status.LISTED,
            "can_close": coordinator
            and referral.status == MaracReferral.Status.HEARD
            and not open_actions,
            "open_actions": open_actions,
            "today": timezone.localdate(),
            "section": "marac",
        },
    )


def _post_action(
    request: HttpRequest, referral_id: int, fn: Any, ok: str
) -> HttpResponse:
    try:
        http_errors(fn)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, ok)
    return redirect("safeguarding:marac-referral", referral_id=referral_id)


@login_required
@require_POST
def referral_list(request: HttpRequest, referral_id: int) -> HttpResponse:
    """List a referral for a meeting (coordinator)."""
    actor = casework_actor(request, "list MARAC referral")
    raw = request.POST.get("meeting", "")
    if not raw.isdigit():
        messages.error(request, "Select the meeting to list the referral for")
        return redirect("safeguarding:marac-referral", referral_id=referral_id)
    return _post_action(
        request,
        referral_id,
        lambda: do_list_marac_referral(referral_id, int(raw), actor=actor),
        "Listed for the meeting",
    )


@login_required
@require_POST
def referral_heard(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Record that the referral was heard (coordinator)."""
    actor = casework_actor(request, "MARAC referral heard")
    return _post_action(
        request,
        referral_id,
        lambda: do_mark_marac_referral_heard(referral_id, actor=actor),
        "Recorded as heard at MARAC",
    )


@login_required
@require_POST
def referral_close(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Close a heard referral whose actions are all done (coordinator)."""
    actor = casework_actor(request, "close MARAC referral")
    return _post_action(
        request,
        referral_id,
        lambda: do_close_marac_referral(referral_id, actor=actor),
        "Referral closed: every action is done",
    )


@login_required
@require_http_methods(["GET", "POST"])
def research_edit(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Record or update the actor's agency's research for a referral."""
    actor = casework_actor(request, "MARAC research", RecordType.MARAC_RESEARCH)
    referral = _referral_or_404(actor, referral_id, audit=request.method == "GET")
    mine: MaracResearch | None = (
        marac_research_visible_to(actor)
        .filter(referral=referral, agency_id=actor.agency_id)
        .first()
    )
    initial = (
        {
            "holds_information": "yes" if mine.holds_information else "no",
            "findings": mine.findings,
        }
        if mine
        else {}
    )
    return form_page(
        request,
        make_form=lambda data: ResearchForm(data, initial=initial),
        action=lambda form: do_record_marac_research(
            referral.pk,
            actor=actor,
            holds_information=form.cleaned_data["holds_information"] == "yes",
            findings=form.cleaned_data["findings"],
        ),
        success="Research saved",
        done=lambda _: _to_referral(referral),
        show=_page(
            request,
            "safeguarding/marac/research_form.html",
            lambda form: {
                "referral": referral,
                "victim": name_of(referral.victim),
                "agency": _agency_name(actor),
            },
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Add an action to a referral's action plan."""
    actor = casework_actor(request, "add MARAC action")
    referral = _referral_or_404(actor, referral_id, audit=request.method == "GET")
    agencies = [(a.pk, a.name) for a in Agency.objects.order_by("name")]
    return form_page(
        request,
        make_form=lambda data: ActionForm(data, agencies=agencies),
        action=lambda form: do_add_marac_action(
            referral.pk,
            actor=actor,
            title=form.cleaned_data["title"],
            owner_agency_id=form.cleaned_data["owner_agency"],
            due_on=form.cleaned_data["due_on"],
            detail=form.cleaned_data["detail"],
        ),
        success="Action added",
        done=lambda _: _to_referral(referral),
        show=_page(
            request,
            "safeguarding/marac/action_form.html",
            lambda form: {
                "referral": referral,
                "victim": name_of(referral.victim),
                "agencies": agencies,
            },
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_complete(request: HttpRequest, task_id: int) -> HttpResponse:
    """Mark a MARAC action done, with the evidence."""
    actor = casework_actor(request, "complete MARAC action")
    task = get_or_404(
        access_case_task_by_id, actor, task_id, audit=request.method == "GET"
    )
    if task.marac_referral_id is None:
        raise Http404("Page not found")
    initial = DateParts.initial("completed", timezone.localdate())
    return form_page(
        request,
        make_form=lambda data: CompleteActionForm(data, initial=initial),
        action=lambda form: do_complete_marac_action(
            task.pk,
            actor=actor,
            completed_on=form.cleaned_data["completed_on"],
            evidence=form.cleaned_data["evidence"],
        ),
        success="Action marked as done",
        done=lambda _: redirect(
            "safeguarding:marac-referral", referral_id=task.marac_referral_id
        ),
        show=_page(
            request,
            "safeguarding/marac/action_complete.html",
            lambda form: {"task": task},
        ),
    )


# --- Figures ---------------------------------------------------------------------------


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    """The coordinator's figures for a period (counts only: no one's details)."""
    actor = request_actor(request, "MARAC figures")
    if not actor.has(FIGURES_ROLES):
        raise PermissionDenied(
            "MARAC figures are for the MARAC coordinator, analysts and executives."
        )
    today = timezone.localdate()
    # The last 12 months, today included: a whole year, so nothing is annualised.
    default_start = year_before(today) + timedelta(days=1)
    asked = any(k.startswith(("start_", "end_")) for k in request.GET)
    data = (
        request.GET
        if asked
        else {
            **DateParts.initial("start", default_start),
            **DateParts.initial("end", today),
        }
    )
    form = FiguresForm(data)
    result = None
    error = ""
    if form.is_valid():
        try:
            result = figures_for_period(
                form.cleaned_data["start"], form.cleaned_data["end"]
            )
        except ValueError as exc:
            error = str(exc)
        else:
            record(
                actor,
                operation=Operation.CONSULTATION,
                event="safeguarding.marac.figures",
                detail={
                    "from": result.start.isoformat(),
                    "to": result.end.isoformat(),
                },
            )
    return render(
        request,
        "safeguarding/marac/figures.html",
        {
            "form": form,
            "figures": result,
            "error": error,
            "repeat_percent": (
                round(result.repeat_rate * 100, 1)
                if result and result.repeat_rate is not None
                else None
            ),
            "settings": marac_settings(),
            "section": "marac",
        },
        status=400 if asked and not form.is_valid() else 200,
    )


# --- The panel on the case page --------------------------------------------------------


def case_panel(actor: Actor, case: Case) -> dict[str, Any] | None:
    """Context for this module's panel on the case page, or None for no panel.

    The case page includes "safeguarding/marac/_case_panel.html" with this context when
    it is not None: the case's Dash checklists and referrals the actor may see (each
    audited), and links to start a checklist or a referral if the actor may.
    """
    if case.case_type != Case.Type.MARAC or not actor.has(CASEWORK_ROLES):
        return None
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
    audit_shown(
        actor,
        "safeguarding.marac.case_panel",
        [(RecordType.DASH_ASSESSMENT, d.pk, d.victim_id) for d in dashes]
        + [(RecordType.MARAC_REFERRAL, r.pk, r.victim_id) for r in referrals],
    )
    return {
        "marac_case": case,
        "dashes": [
            (
                DashRow(
                    d.pk,
                    d.assessed_on,
                    name_of(d.victim),
                    d.yes_count,
                    d.get_risk_level_display(),
                    d.professional_judgement,
                    d.agency.name,
                ),
                name_of(d.victim),
            )
            for d in dashes
        ],
        "referrals": [
            (
                PanelReferralRow(
                    r.pk,
                    r.referred_on,
                    name_of(r.victim),
                    r.is_repeat,
                    tuple(r.criteria),
                    r.get_status_display(),
                    r.meeting.held_on if r.meeting_id else None,
                ),
                name_of(r.victim),
                criteria_labels(r.criteria),
            )
            for r in referrals
        ],
        "can_add": may_change(actor, {case.lead_agency_id}, {case.pk}),
    }


def case_page_panel(actor: Actor, page: CasePage) -> dict[str, Any] | None:
    """The MARAC panel's context on the case page, from what the page's reader read.

    The reader (:func:`~saferleeds.safeguarding.access.case_page.read_case_page`)
    has read and logged the case's Dash checklists and referrals; this only shapes
    them for ``safeguarding/marac/_case_panel.html``. ``None``: no panel (not a MARAC
    case, or a role that never opens these records).
    """
    if page.case.case_type != Case.Type.MARAC or not actor.has(CASEWORK_ROLES):
        return None
    return {
        "marac_case": page.case,
        "dashes": [(d, d.victim) for d in page.dashes],
        "referrals": [
            (r, r.victim, criteria_labels(list(r.criteria))) for r in page.referrals
        ],
        "can_add": page.can_change,
    }


@login_required
@require_GET
def case_marac(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case's Dash checklists and referrals (the case page's panel on its own)."""
    actor = casework_actor(request, "MARAC case panel")
    case = _marac_case(actor, case_id, audit=True)
    panel = case_panel(actor, case)
    return render(
        request,
        "safeguarding/marac/case_marac.html",
        {"case": case, "panel": panel, "section": "marac"},
    )


urlpatterns: list[URLPattern] = [
    path("cases/<int:case_id>/dash/new/", dash_new, name="marac-dash-new"),
    path("cases/<int:case_id>/marac/", case_marac, name="marac-case"),
    path("cases/<int:case_id>/marac/refer/", referral_new, name="marac-refer"),
    path("dash/<int:dash_id>/", dash_detail, name="marac-dash"),
    path("marac/", home, name="marac-home"),
    path("marac/figures/", figures, name="marac-figures"),
    path("marac/meetings/new/", meeting_new, name="marac-meeting-new"),
    path("marac/meetings/<int:meeting_id>/", meeting_detail, name="marac-meeting"),
    path("marac/referrals/<int:referral_id>/", referral_detail, name="marac-referral"),
    path(
        "marac/referrals/<int:referral_id>/list/",
        referral_list,
        name="marac-referral-list",
    ),
    path(
        "marac/referrals/<int:referral_id>/heard/",
        referral_heard,
        name="marac-referral-heard",
    ),
    path(
        "marac/referrals/<int:referral_id>/close/",
        referral_close,
        name="marac-referral-close",
    ),
    path(
        "marac/referrals/<int:referral_id>/research/",
        research_edit,
        name="marac-research",
    ),
    path(
        "marac/referrals/<int:referral_id>/actions/new/",
        action_new,
        name="marac-action-new",
    ),
    path(
        "marac/actions/<int:task_id>/complete/",
        action_complete,
        name="marac-action-complete",
    ),
]
