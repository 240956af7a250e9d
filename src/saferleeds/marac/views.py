"""Domestic abuse risk and MARAC pages: the Dash checklist, referrals, meetings,
research, the action plan, repeat flags and the coordinator's figures.

Views parse the request and render only. Each page's records are read, named as the
actor's role allows and logged by its reader in
:mod:`saferleeds.marac.access_pages`; records are changed through
``safeguarding.actions.marac``. Missing and forbidden records are the same 404.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saferleeds.core.forms import DateParts
from saferleeds.marac.access_pages import (
    MaracCasePanel,
    criteria_labels,
    may_read_figures,
    may_use_marac,
    read_case_form,
    read_dash_page,
    read_marac_case_page,
    read_marac_case_panel,
    read_marac_figures,
    read_marac_home,
    read_marac_meeting,
    read_referral_form,
    read_referral_page,
)
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
    do_undo_marac_referral_heard,
    missing_research_agencies,
    referral_criteria,
)
from saferleeds.marac.dash import DASH_QUESTIONS
from saferleeds.marac.forms import (
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
from saferleeds.marac.models import MaracReferral
from saferleeds.marac.queries import COORDINATOR_ROLES, marac_settings
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import Actor, may_open
from saferleeds.safeguarding.access.cases import access_case_task_by_id
from saferleeds.safeguarding.models import Case
from saferleeds.safeguarding.views._common import (
    form_page,
    get_or_404,
    http_errors,
    request_actor,
)

T = TypeVar("T")

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
    allowed = (
        may_use_marac(actor)
        if record_type == RecordType.MARAC_REFERRAL
        else may_open(actor, record_type)
    )
    if not allowed:
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


def _read(reader: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a page's reader: ``NotFound`` is a 404, ``Forbidden`` a 403."""
    return http_errors(lambda: reader(*args, **kwargs))


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
    return redirect("marac:marac-referral", referral_id=referral.pk)


# --- Dash ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def dash_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Complete the SafeLives Dash checklist for a victim on a MARAC case."""
    actor = casework_actor(
        request, "complete Dash risk checklist", RecordType.DASH_ASSESSMENT
    )
    page = _read(
        read_case_form,
        actor,
        case_id,
        audit=request.method == "GET",
        record_type=RecordType.DASH_ASSESSMENT,
    )
    if not page.can_change:
        raise PermissionDenied("You may see this case but not add to it.")
    case, victims = page.case, list(page.victims)
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
        done=lambda dash: redirect("marac:marac-dash", dash_id=dash.pk),
        show=_page(
            request,
            "marac/dash_form.html",
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
    page = _read(read_dash_page, actor, dash_id)
    dash = page.dash
    criteria = referral_criteria(
        page.case,
        victim_id=dash.victim_id,
        perpetrator_id=page.perpetrator_id,
        on=timezone.localdate(),
        dash=dash,
        professional_judgement=False,
    )
    answer_label = {True: "Yes", False: "No", None: "Not known"}
    return render(
        request,
        "marac/dash_detail.html",
        {
            "dash": dash,
            "case": page.case,
            "victim": page.victim,
            "analyst": page.pseudonymised,
            "result": page.result,
            "criteria": criteria_labels([c.value for c in criteria]),
            "can_refer": page.can_refer,
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
    dash_param = request.POST.get("dash") or request.GET.get("dash")
    page = _read(
        read_case_form,
        actor,
        case_id,
        audit=request.method == "GET",
        perpetrators=True,
        dash_id=int(dash_param) if dash_param and dash_param.isdigit() else None,
    )
    if not page.can_change:
        raise PermissionDenied("You may see this case but not refer from it.")
    case, dash = page.case, page.dash
    victims, perpetrators = list(page.victims), list(page.perpetrators)
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
            "marac/referral_form.html",
            lambda form: {
                "case": case,
                "dash": dash,
                "victims": victims,
                "perpetrator_choices": form.fields["perpetrator"].choices,  # type: ignore[attr-defined]
            },
        ),
    )


# --- MARAC home and meetings -----------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Upcoming meetings, referrals awaiting listing, repeat flags, overdue actions."""
    actor = casework_actor(request, "MARAC overview")
    page = _read(read_marac_home, actor)
    return render(
        request,
        "marac/home.html",
        {
            "upcoming": page.upcoming,
            "held": page.held,
            "awaiting": page.awaiting,
            "overdue": page.overdue,
            "flags": page.flags,
            "coordinator": page.coordinator,
            "today": page.today,
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
        done=lambda meeting: redirect("marac:marac-meeting", meeting_id=meeting.pk),
        show=_page(request, "marac/meeting_form.html", lambda form: {}),
        # Scheduling breaks no rule a form could show: only a refusal (403).
        errors=(),
    )


@login_required
@require_GET
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """A meeting's list of cases: each agency's research and each action plan."""
    actor = casework_actor(request, "MARAC meeting")
    page = _read(read_marac_meeting, actor, meeting_id)
    return render(
        request,
        "marac/meeting.html",
        {
            "meeting": page.meeting,
            "rows": page.rows,
            "coordinator": page.coordinator,
            "today": page.today,
            "move_to": page.move_to,
            "section": "marac",
        },
    )


# --- A referral and its research and actions -----------------------------------------


@login_required
@require_GET
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    """A referral: criteria, where it is heard, each agency's research, its actions."""
    actor = casework_actor(request, "MARAC referral")
    page = _read(read_referral_page, actor, referral_id)
    referral = page.referral
    return render(
        request,
        "marac/referral.html",
        {
            "referral": referral,
            "row": page.row,
            "research": page.research,
            "mine": page.mine,
            "coordinator": page.coordinator,
            "analyst": page.pseudonymised,
            "can_list": page.can_list,
            "list_form": ListForm(
                initial={"meeting": referral.meeting_id}, meetings=list(page.meetings)
            ),
            "meetings": page.meetings,
            "can_research": page.can_research,
            "can_hear": page.can_hear,
            "can_close": page.can_close,
            "can_undo_heard": page.can_undo_heard,
            "hear_from": page.hear_from,
            "open_actions": page.open_actions,
            "today": page.today,
            "section": "marac",
        },
    )


def _post_action(
    request: HttpRequest, referral_id: int, fn: Any, ok: str | Callable[[Any], str]
) -> HttpResponse:
    """Run a coordinator's button on a referral, then go back where it was pressed:
    the meeting's page when the form says so (``back``: the meeting's id), else the
    referral's page."""
    try:
        result = http_errors(fn)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, ok if isinstance(ok, str) else ok(result))
    back = request.POST.get("back", "")
    if back.isdigit():
        return redirect("marac:marac-meeting", meeting_id=int(back))
    return redirect("marac:marac-referral", referral_id=referral_id)


@login_required
@require_POST
def referral_list(request: HttpRequest, referral_id: int) -> HttpResponse:
    """List a referral for a meeting, or move it to another one (coordinator)."""
    actor = casework_actor(request, "list MARAC referral")
    raw = request.POST.get("meeting", "")
    if not raw.isdigit():
        messages.error(request, "Select the meeting to list the referral for")
        return redirect("marac:marac-referral", referral_id=referral_id)
    return _post_action(
        request,
        referral_id,
        lambda: do_list_marac_referral(referral_id, int(raw), actor=actor),
        lambda referral: (
            f"Listed for the meeting on {referral.meeting.held_on:%-d %B %Y}"
        ),
    )


def _heard_message(referral: MaracReferral) -> str:
    """The confirmation after a hearing, saying whose research was still missing."""
    missing = [a.name for a in missing_research_agencies(referral)]
    if not missing:
        return "Recorded as heard at MARAC"
    return "Recorded as heard at MARAC. Research was still missing from: " + ", ".join(
        missing
    )


@login_required
@require_POST
def referral_heard(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Record that one case was heard at its meeting (coordinator)."""
    actor = casework_actor(request, "MARAC referral heard")
    return _post_action(
        request,
        referral_id,
        lambda: do_mark_marac_referral_heard(referral_id, actor=actor),
        _heard_message,
    )


@login_required
@require_POST
def referral_unheard(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Undo a mistaken "heard": the case is listed for its meeting again
    (coordinator; audited)."""
    actor = casework_actor(request, "undo MARAC referral heard")
    return _post_action(
        request,
        referral_id,
        lambda: do_undo_marac_referral_heard(referral_id, actor=actor),
        "“Heard” undone: the case is listed for its meeting again",
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
    page = _read(
        read_referral_form,
        actor,
        referral_id,
        audit=request.method == "GET",
        record_type=RecordType.MARAC_RESEARCH,
    )
    referral, mine = page.referral, page.mine
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
            "marac/research_form.html",
            lambda form: {
                "referral": referral,
                "victim": page.victim,
                "agency": page.agency_name,
            },
        ),
    )


def _action_added(task: Any) -> str:
    """The confirmation after adding an action, warning when its deadline has passed."""
    if task.due_on < timezone.localdate():
        return (
            f"Action added. Its deadline, {task.due_on:%-d %B %Y}, has already "
            "passed: it shows as overdue"
        )
    return "Action added"


@login_required
@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Add an action to a referral's action plan."""
    actor = casework_actor(request, "add MARAC action")
    page = _read(read_referral_form, actor, referral_id, audit=request.method == "GET")
    referral, agencies = page.referral, list(page.agencies)
    return form_page(
        request,
        make_form=lambda data: ActionForm(
            data, agencies=agencies, referred_on=referral.referred_on
        ),
        action=lambda form: do_add_marac_action(
            referral.pk,
            actor=actor,
            title=form.cleaned_data["title"],
            owner_agency_id=form.cleaned_data["owner_agency"],
            due_on=form.cleaned_data["due_on"],
            detail=form.cleaned_data["detail"],
        ),
        success=_action_added,
        done=lambda _: _to_referral(referral),
        show=_page(
            request,
            "marac/action_form.html",
            lambda form: {
                "referral": referral,
                "victim": page.victim,
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
            "marac:marac-referral", referral_id=task.marac_referral_id
        ),
        show=_page(
            request,
            "marac/action_complete.html",
            lambda form: {"task": task},
        ),
    )


# --- Figures ---------------------------------------------------------------------------


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    """The coordinator's figures for a period (counts only: no one's details)."""
    actor = request_actor(request, "MARAC figures")
    if not may_read_figures(actor):
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
            result = _read(
                read_marac_figures,
                actor,
                form.cleaned_data["start"],
                form.cleaned_data["end"],
            )
        except ValueError as exc:
            error = str(exc)
    return render(
        request,
        "marac/figures.html",
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


def panel_context(panel: MaracCasePanel) -> dict[str, Any]:
    """``marac/_case_panel.html``'s context for a panel read."""
    return {
        "marac_case": panel.case,
        "dashes": [(d, d.victim) for d in panel.dashes],
        "referrals": [
            (r, r.victim, criteria_labels(r.criteria)) for r in panel.referrals
        ],
        "can_add": panel.can_add,
    }


def case_panel(actor: Actor, case: Case) -> dict[str, Any] | None:
    """Context for this module's panel on a case already read, or None for no panel.

    The case's Dash checklists and referrals the actor may see, read and logged by
    :func:`~saferleeds.marac.access_pages.read_marac_case_panel`, and
    whether the actor may start a checklist or a referral.
    """
    panel = read_marac_case_panel(actor, case)
    return None if panel is None else panel_context(panel)


@login_required
@require_GET
def case_marac(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case's Dash checklists and referrals (the case page's panel on its own)."""
    actor = casework_actor(request, "MARAC case panel")
    panel = _read(read_marac_case_page, actor, case_id)
    return render(
        request,
        "marac/case_marac.html",
        {"case": panel.case, "panel": panel_context(panel), "section": "marac"},
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
        "marac/referrals/<int:referral_id>/unheard/",
        referral_unheard,
        name="marac-referral-unheard",
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
