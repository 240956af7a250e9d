"""ASB pages: the ASB home, complaints, opening a case, the risk matrix, interventions,
ASB Case Review applications and reviews, and the annual statistics.

Views parse the request and render. Records are read only through the access layer's
page readers (:mod:`saferleeds.asb.access_pages`, which show records as
the actor's role allows and log what they show) and ``access_*_by_id`` functions, and
changed only through
:mod:`saferleeds.asb.actions`. A record the actor may not see is the same
404 as a missing one; a case review saved from an out-of-date version is a 409.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import fields as dataclass_fields
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saferleeds.asb.access import (
    access_asb_case_review_by_id,
    access_asb_intervention_by_id,
)
from saferleeds.asb.access_pages import (
    AsbPanel,
    agency_choices,
    loose_complaint_choices,
    may_read_statistics,
    may_use_asb,
    people_on_case_choices,
    read_asb_case_panel,
    read_asb_home,
    read_asb_interventions,
    read_asb_review_page,
    review_complaint_choices,
)
from saferleeds.asb.actions import (
    AsbRuleError,
    RecommendationInput,
    do_acknowledge_asb_case_review,
    do_add_asb_recommendation,
    do_complete_asb_recommendation,
    do_decide_asb_case_review,
    do_hold_asb_case_review,
    do_open_asb_case,
    do_receive_asb_case_review,
    do_record_asb_assessment,
    do_record_asb_complaint,
    do_record_asb_intervention,
    do_record_asb_intervention_outcome,
    do_tell_asb_applicant,
    partnership_statistics,
    risk_matrix,
    service_levels,
    statistics_year_start_month,
    threshold_rules,
)
from saferleeds.asb.forms import (
    YES_NO,
    AssessmentForm,
    ComplaintForm,
    CompleteForm,
    DecideForm,
    HoldForm,
    InterventionForm,
    OpenCaseForm,
    OutcomeForm,
    RecommendationForm,
    ReviewApplicationForm,
    StepForm,
    parsed_date,
    required_date,
)
from saferleeds.asb.models import AsbCaseReview, AsbIntervention, AsbRecommendation
from saferleeds.asb.rules import (
    ANSWER_SCALE,
    AnnualStatistics,
    reporting_year,
)
from saferleeds.locking import Conflict
from saferleeds.partners.policy import (
    CASEWORK_ROLES,
    Actor,
    Forbidden,
    NotFound,
    may_change,
    pseudonymised,
)
from saferleeds.people.models import Person
from saferleeds.people.present import pseudonym
from saferleeds.safeguarding.models import Case
from saferleeds.safeguarding.views._common import (
    case_or_404,
    form_page,
    get_or_404,
    http_errors,
    request_actor,
)

NO_ACCESS = (
    "Your role does not give access to ASB casework. Ask your agency administrator "
    "if you need it for your work."
)
NO_STATISTICS = "The ASB Case Review statistics are for the partnership's agencies."
CASEWORK_ONLY = "Only practitioners and case coordinators record ASB casework."


# --- helpers ------------------------------------------------------------------------


def _reader(request: HttpRequest, purpose: str) -> Actor:
    actor = request_actor(request, purpose)
    if not may_use_asb(actor):
        raise PermissionDenied(NO_ACCESS)
    return actor


def _writer(request: HttpRequest, purpose: str) -> Actor:
    actor = request_actor(request, purpose)
    if not actor.has(CASEWORK_ROLES):
        raise PermissionDenied(CASEWORK_ONLY)
    return actor


def _statistics_reader(request: HttpRequest) -> Actor:
    actor = request_actor(request, "ASB Case Review statistics")
    if not may_read_statistics(actor):
        raise PermissionDenied(NO_STATISTICS)
    return actor


def person_label(actor: Actor, person: Person | None) -> str:
    """A person as the actor may see them: name, or pseudonym for analysts."""
    if person is None:
        return "Not recorded"
    if pseudonymised(actor):
        return pseudonym(person.pk)
    return f"{person.given_name} {person.family_name}"


def _case_or_404(actor: Actor, case_id: int, *, audit: bool = True) -> Case:
    return case_or_404(actor, case_id, case_type=Case.Type.ASB, audit=audit)


def case_page_url(case: Case) -> str | None:
    """The case core's page for a case, if that page exists."""
    try:
        return reverse("safeguarding:case", kwargs={"case_id": case.pk})
    except NoReverseMatch:
        return None


def _people_on_case(
    actor: Actor, case: Case, roles: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    """``(person id, label)`` for the people linked to a case (optionally by role)."""
    return people_on_case_choices(actor, case.pk, roles)


def _render_form(
    request: HttpRequest, template: str, context: dict[str, Any], form: Any
) -> HttpResponse:
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, template, {**context, "form": form}, status=status)


# --- the case panel -----------------------------------------------------------------


def panel_context(panel: AsbPanel, case: Case | None = None) -> dict[str, Any]:
    """The panel template's context for a panel read by the access layer.

    The panel template reads everything under ``asb``, so a page can also pass just
    that (as this module's own case page does).
    """
    context: dict[str, Any] = {
        f.name: getattr(panel, f.name) for f in dataclass_fields(panel)
    }
    context["latest_assessed"] = panel.latest_assessed
    if case is not None:
        context["asb_case"] = case
    return {**context, "asb": context}


def case_panel(actor: Actor, case: Case) -> dict[str, Any] | None:
    """Context for this module's panel on an ASB case, or None for another type.

    Read, pseudonymised and logged by
    :func:`~saferleeds.asb.access_pages.read_asb_case_panel`. (The case
    page's own panel comes with its reader: ``CasePage.asb_panel``.)
    """
    if case.case_type != Case.Type.ASB:
        return None
    return panel_context(read_asb_case_panel(actor, case), case)


# --- home ---------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Open ASB cases with their risk and next review, and case reviews against their
    service levels; complaints not yet on a case."""
    actor = _reader(request, "ASB casework list")
    home = read_asb_home(actor)
    return render(
        request,
        "asb/home.html",
        {
            "identified": home.identified,
            "casework": actor.has(CASEWORK_ROLES),
            "own_agency": actor.agency_id,
            "today": timezone.localdate(),
            "cases": home.cases,
            "reviews": home.reviews,
            "loose": home.loose,
        },
    )


# --- complaints and cases -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    """Record a complaint, on a case (``?case=``) or on its own."""
    actor = _writer(request, "record ASB complaint")
    case_id = request.GET.get("case", "")
    case = _case_or_404(actor, int(case_id), audit=False) if case_id.isdigit() else None
    people = _people_on_case(actor, case) if case else None
    context = {
        "case": case,
        "people": people,
        "people_choices": [("", "Not recorded"), *(people or [])],
        "yes_no": YES_NO,
    }
    if request.method == "GET":
        form = ComplaintForm(people=people, initial={"harassment": "yes"})
        return _render_form(request, "asb/complaint_form.html", context, form)
    form = ComplaintForm(request.POST, people=people)
    if not form.is_valid():
        return _render_form(request, "asb/complaint_form.html", context, form)
    try:
        http_errors(
            lambda: do_record_asb_complaint(
                actor=actor,
                behaviour_on=required_date(form, "behaviour"),
                reported_on=required_date(form, "reported"),
                description=form.cleaned_data["description"],
                harassment=form.cleaned_data["harassment"] == "yes",
                complainant_id=form.cleaned_data["complainant"],
                case_id=case.pk if case else None,
            )
        )
    except Http404:
        if case is None and form.cleaned_data["complainant"]:
            form.add_error(
                "complainant", "There is no person with that number you may see"
            )
            return _render_form(request, "asb/complaint_form.html", context, form)
        raise
    except AsbRuleError as exc:
        form.add_error(None, str(exc))
        return _render_form(request, "asb/complaint_form.html", context, form)
    messages.success(request, "Complaint recorded")
    if case:
        return redirect("asb:asb_case", case_id=case.pk)
    return redirect("asb:asb_home")


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    """Open an ASB case from complaints the actor's agency holds."""
    actor = _writer(request, "open ASB case")
    choices = loose_complaint_choices(actor)
    template = "asb/case_form.html"
    if request.method == "GET":
        picked = request.GET.getlist("complaint")
        return _render_form(
            request,
            template,
            {},
            OpenCaseForm(complaints=choices, initial={"complaints": picked}),
        )
    form = OpenCaseForm(request.POST, complaints=choices)
    if not form.is_valid():
        return _render_form(request, template, {}, form)
    perp = form.cleaned_data["perpetrator"]
    try:
        case = do_open_asb_case(
            actor=actor,
            title=form.cleaned_data["title"],
            opened_on=timezone.localdate(),
            complaint_ids=[int(c) for c in form.cleaned_data["complaints"]],
            perpetrator_ids=[perp] if perp else [],
        )
    except NotFound:
        form.add_error("perpetrator", "There is no person with that number you may see")
        return _render_form(request, template, {}, form)
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, f"Case {case.reference} opened")
    return redirect("asb:asb_case", case_id=case.pk)


@login_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """An ASB case's complaints, risk, interventions and reviews."""
    # A record page: a role without access gets the same 404 as a missing record.
    actor = request_actor(request, "view ASB case")
    case = _case_or_404(actor, case_id)
    return render(
        request,
        "asb/case.html",
        {
            "case": case,
            "panel": case_panel(actor, case),
            "case_url": case_page_url(case),
        },
    )


# --- risk assessment ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """The victim vulnerability and risk matrix on a case."""
    actor = _writer(request, "ASB risk assessment")
    case = _case_or_404(actor, case_id, audit=request.method == "GET")
    people = _people_on_case(actor, case, ["complainant", "victim"])
    matrix = risk_matrix()
    context = {
        "case": case,
        "matrix": matrix,
        "high_cut": matrix.band("high").min_score,
        "medium_cut": matrix.band("medium").min_score,
        "scale_choices": [(str(v), t) for v, t in ANSWER_SCALE],
        "people": people,
    }
    template = "asb/assessment_form.html"
    return form_page(
        request,
        make_form=lambda data: AssessmentForm(data, people=people, matrix=matrix),
        action=lambda form: do_record_asb_assessment(
            case.pk,
            actor=actor,
            complainant_id=int(form.cleaned_data["complainant"]),
            assessed_on=required_date(form, "assessed"),
            answers=form.answers(),
            notes=form.cleaned_data["notes"],
        ),
        success=lambda a: (
            f"Risk assessed: score {a.score}, "
            f"{a.get_risk_level_display().lower()} risk. "
            f"{matrix.band(a.risk_level).response}."
        ),
        done=lambda _: redirect("asb:asb_case", case_id=case.pk),
        show=lambda form, _status: _render_form(request, template, context, form),
        # The matrix breaks no rule a form could show: only refusals (403/404).
        errors=(),
    )


# --- interventions ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def interventions(request: HttpRequest, case_id: int) -> HttpResponse:
    """A case's interventions, and the form to record one."""
    actor = _reader(request, "ASB interventions")
    case = _case_or_404(actor, case_id, audit=request.method == "GET")
    rows = read_asb_interventions(actor, case, audit=request.method == "GET")
    can_change = actor.has(CASEWORK_ROLES) and may_change(
        actor, {case.lead_agency_id}, {case.pk}
    )
    people = _people_on_case(actor, case)
    context = {
        "case": case,
        "rows": rows,
        "can_change": can_change,
        "kind_choices": [
            ("", "Select the intervention"),
            *AsbIntervention.Kind.choices,
        ],
    }
    template = "asb/interventions.html"
    if request.method == "GET":
        return _render_form(request, template, context, InterventionForm(people=people))
    if not can_change:
        raise PermissionDenied("You may see this case but not change it.")
    form = InterventionForm(request.POST, people=people)
    if not form.is_valid():
        return _render_form(request, template, context, form)
    subject = form.cleaned_data["subject"]
    try:
        http_errors(
            lambda: do_record_asb_intervention(
                case.pk,
                actor=actor,
                kind=form.cleaned_data["kind"],
                issued_on=required_date(form, "issued"),
                expires_on=parsed_date(form, "expires"),
                subject_id=int(subject) if subject else None,
                notes=form.cleaned_data["notes"],
            )
        )
    except AsbRuleError as exc:
        form.add_error(None, str(exc))
        return _render_form(request, template, context, form)
    messages.success(request, "Intervention recorded")
    return redirect("asb:asb_interventions", case_id=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def intervention_outcome(request: HttpRequest, intervention_id: int) -> HttpResponse:
    """Record what came of an intervention."""
    actor = _writer(request, "ASB intervention outcome")
    i = get_or_404(
        access_asb_intervention_by_id,
        actor,
        intervention_id,
        audit=request.method == "GET",
    )
    if not may_change(actor, {i.agency_id}, {i.case_id}):
        raise PermissionDenied("You may see this intervention but not change it.")
    context = {
        "i": i,
        "who": person_label(actor, i.subject)
        if i.subject_id
        else "Not served on a person",
    }
    template = "asb/outcome_form.html"
    if request.method == "GET":
        return _render_form(request, template, context, OutcomeForm())
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _render_form(request, template, context, form)
    try:
        http_errors(
            lambda: do_record_asb_intervention_outcome(
                i.pk,
                actor=actor,
                outcome=form.cleaned_data["outcome"],
                outcome_on=required_date(form, "outcome_on"),
                notes=form.cleaned_data["notes"],
            )
        )
    except AsbRuleError as exc:
        form.add_date_error(
            "outcome_on", str(exc).capitalize(), ["day", "month", "year"]
        )
        return _render_form(request, template, context, form)
    messages.success(request, "Outcome recorded")
    return redirect("asb:asb_interventions", case_id=i.case_id)


# --- case reviews -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def review_new(request: HttpRequest) -> HttpResponse:
    """Receive an ASB Case Review application (``?case=`` to make it on a case)."""
    actor = _writer(request, "receive ASB case review application")
    case_id = request.GET.get("case", "")
    case = _case_or_404(actor, int(case_id), audit=False) if case_id.isdigit() else None
    complaints = review_complaint_choices(actor, case.pk if case else None)
    people = _people_on_case(actor, case, ["complainant", "victim"]) if case else None
    context = {
        "case": case,
        "people": people,
        "people_choices": [("", "Not recorded"), *(people or [])],
        "yes_no": YES_NO,
        "rules": threshold_rules(),
    }
    template = "asb/review_form.html"
    if request.method == "GET":
        form = ReviewApplicationForm(
            people=people,
            complaints=complaints,
            initial={"complaints": [v for v, _ in complaints] if case else []},
        )
        return _render_form(request, template, context, form)
    form = ReviewApplicationForm(request.POST, people=people, complaints=complaints)
    if not form.is_valid():
        return _render_form(request, template, context, form)
    try:
        review = do_receive_asb_case_review(
            actor=actor,
            received_on=required_date(form, "received"),
            applicant_id=form.cleaned_data["applicant"],
            on_behalf_of_victim=form.cleaned_data["on_behalf"] == "yes",
            case_id=case.pk if case else None,
            complaint_ids=[int(c) for c in form.cleaned_data["complaints"]],
        )
    except NotFound as exc:
        if form.cleaned_data["applicant"] and case is None:
            form.add_error(
                "applicant", "There is no person with that number you may see"
            )
            return _render_form(request, template, context, form)
        raise Http404("Page not found") from exc
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, f"Application {review.reference} received")
    return redirect("asb:asb_review", review_id=review.pk)


def _review_or_404(actor: Actor, review_id: int, *, audit: bool) -> AsbCaseReview:
    return get_or_404(access_asb_case_review_by_id, actor, review_id, audit=audit)


def _review_context(actor: Actor, review_id: int, *, audit: bool) -> dict[str, Any]:
    """Everything the review page shows, read by ``read_asb_review_page``."""
    page = get_or_404(read_asb_review_page, actor, review_id, audit=audit)
    review = page.review
    detail = review.threshold_detail
    return {
        "review": review,
        "identified": page.identified,
        "applicant": page.applicant,
        "detail": detail,
        "verdicts": page.verdicts,
        "deadlines": page.deadlines,
        "levels": service_levels(),
        "recommendations": page.recommendations,
        "can_change": page.can_change,
        "next_step": _next_step(review),
        "window_start": date.fromisoformat(detail["window_start"])
        if detail.get("window_start")
        else None,
        "grounds_text": ", ".join(GROUNDS.get(g, g) for g in detail.get("grounds", [])),
        "yes_no": YES_NO,
        "agencies": _agencies(),
        "today": timezone.localdate(),
    }


GROUNDS = {
    "complaints": "qualifying complaints",
    "individuals": "different people complaining (local rule)",
    "hate_incidents": "a hate-motivated incident (local rule)",
}


def _next_step(review: Any) -> str | None:
    """Which step's form the review page offers."""
    if review.status == AsbCaseReview.Status.CLOSED:
        return None
    if review.acknowledged_on is None:
        return "acknowledge"
    return {
        AsbCaseReview.Status.RECEIVED: "decide",
        AsbCaseReview.Status.REVIEW_DUE: "hold",
        AsbCaseReview.Status.REVIEW_HELD: "held",
        AsbCaseReview.Status.THRESHOLD_NOT_MET: "not_met",
    }.get(review.status)


def _forms_for(
    context: dict[str, Any], bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    review = context["review"]
    v = {"version": review.version}
    forms = {
        "ack_form": StepForm(initial=v, label="Date acknowledged"),
        "decide_form": DecideForm(initial=v, label="Date of the decision"),
        "hold_form": HoldForm(initial=v, label="Date of the review"),
        "rec_form": RecommendationForm(agencies=context["agencies"]),
        "tell_form": StepForm(initial=v, label="Date the applicant was told"),
        "complete_form": CompleteForm(),
    }
    forms.update(bound or {})
    return forms


@login_required
@require_GET
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    """An application: the threshold check with each complaint's reason, the service
    level clock, the review and its recommendations, and the next step."""
    actor = request_actor(request, "view ASB case review")
    context = _review_context(actor, review_id, audit=True)
    return render(request, "asb/review.html", {**context, **_forms_for(context)})


def _review_step(
    request: HttpRequest,
    review_id: int,
    *,
    key: str,
    make: Callable[[Any], Any],
    run: Callable[[Actor, AsbCaseReview, Any], Any],
    done: str,
) -> HttpResponse:
    """POST one step of a review: validate, act, and redirect (or re-show with errors:
    400 invalid, 409 saved by someone else meanwhile)."""
    actor = _writer(request, "ASB case review")
    review = _review_or_404(actor, review_id, audit=False)
    form = make(request.POST)
    status = 400
    if form.is_valid():
        try:
            http_errors(lambda: run(actor, review, form))
        except AsbRuleError as exc:
            form.add_error(None, str(exc).capitalize())
        except Conflict as exc:
            status = 409
            form.add_error(None, str(exc))
        else:
            messages.success(request, done)
            return redirect("asb:asb_review", review_id=review.pk)
    context = _review_context(actor, review.pk, audit=False)
    return render(
        request,
        "asb/review.html",
        {**context, **_forms_for(context, {key: form}), "errors": form.error_list},
        status=status,
    )


@login_required
@require_POST
def review_acknowledge(request: HttpRequest, review_id: int) -> HttpResponse:
    """Record the acknowledgement."""
    return _review_step(
        request,
        review_id,
        key="ack_form",
        make=lambda data: StepForm(data, label="Date acknowledged"),
        run=lambda actor, r, f: do_acknowledge_asb_case_review(
            r.pk,
            actor=actor,
            acknowledged_on=required_date(f, "on"),
            version=f.cleaned_data["version"],
        ),
        done="Acknowledgement recorded",
    )


@login_required
@require_POST
def review_decide(request: HttpRequest, review_id: int) -> HttpResponse:
    """Record the threshold decision."""
    return _review_step(
        request,
        review_id,
        key="decide_form",
        make=lambda data: DecideForm(data, label="Date of the decision"),
        run=lambda actor, r, f: do_decide_asb_case_review(
            r.pk,
            actor=actor,
            decision_on=required_date(f, "on"),
            version=f.cleaned_data["version"],
            hold_review={"yes": True, "no": False}.get(f.cleaned_data["hold_review"]),
        ),
        done="Threshold decision recorded",
    )


@login_required
@require_POST
def review_hold(request: HttpRequest, review_id: int) -> HttpResponse:
    """Record the review meeting."""
    return _review_step(
        request,
        review_id,
        key="hold_form",
        make=lambda data: HoldForm(data, label="Date of the review"),
        run=lambda actor, r, f: do_hold_asb_case_review(
            r.pk,
            actor=actor,
            held_on=required_date(f, "on"),
            chair=f.cleaned_data["chair"],
            outcome=f.cleaned_data["outcome"],
            version=f.cleaned_data["version"],
        ),
        done="Review recorded",
    )


def _agencies() -> list[tuple[str, str]]:
    return agency_choices()


@login_required
@require_POST
def review_recommend(request: HttpRequest, review_id: int) -> HttpResponse:
    """Add a recommendation to a review held."""
    return _review_step(
        request,
        review_id,
        key="rec_form",
        make=lambda data: RecommendationForm(data, agencies=_agencies()),
        run=lambda actor, r, f: do_add_asb_recommendation(
            r.pk,
            RecommendationInput(
                f.cleaned_data["text"],
                int(f.cleaned_data["owner"]),
                parsed_date(f, "due"),
            ),
            actor=actor,
        ),
        done="Recommendation added",
    )


@login_required
@require_POST
def review_tell(request: HttpRequest, review_id: int) -> HttpResponse:
    """Record that the applicant was told."""
    return _review_step(
        request,
        review_id,
        key="tell_form",
        make=lambda data: StepForm(data, label="Date the applicant was told"),
        run=lambda actor, r, f: do_tell_asb_applicant(
            r.pk,
            actor=actor,
            told_on=required_date(f, "on"),
            version=f.cleaned_data["version"],
        ),
        done="Applicant told: application closed",
    )


@login_required
@require_POST
def recommendation_complete(
    request: HttpRequest, recommendation_id: int
) -> HttpResponse:
    """Mark a recommendation done."""
    actor = _writer(request, "ASB recommendation done")
    rec = AsbRecommendation.objects.filter(pk=recommendation_id).first()
    if rec is None:
        raise Http404("Page not found")
    review = _review_or_404(actor, rec.review_id, audit=False)
    form = CompleteForm(request.POST)
    if form.is_valid():
        try:
            http_errors(
                lambda: do_complete_asb_recommendation(
                    rec.pk,
                    actor=actor,
                    completed_on=required_date(form, "done"),
                )
            )
        except AsbRuleError as exc:
            form.add_error(None, str(exc).capitalize())
        else:
            messages.success(request, "Recommendation marked done")
            return redirect("asb:asb_review", review_id=review.pk)
    context = _review_context(actor, review.pk, audit=False)
    return render(
        request,
        "asb/review.html",
        {
            **context,
            **_forms_for(context, {"complete_form": form}),
            "failed": "complete_form",
            "failed_rec": rec.pk,
        },
        status=400,
    )


# --- statistics ---------------------------------------------------------------------


def _current_year() -> int:
    """The reporting year today falls in (the year it starts in)."""
    today = timezone.localdate()
    return (
        today.year if today.month >= statistics_year_start_month() else today.year - 1
    )


def _statistics_year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2014 <= int(raw) <= 2100:
        return int(raw)
    if raw:
        raise Http404("Page not found")
    return _current_year()


def _statistics_rows(s: AnnualStatistics) -> list[tuple[str, int]]:
    return [
        ("Applications received", s.applications),
        ("Threshold met", s.thresholds_met),
        ("Threshold not met", s.thresholds_not_met),
        ("Awaiting a threshold decision", s.awaiting_decision),
        ("Reviews held", s.reviews_held),
        ("Reviews that made recommendations", s.reviews_with_recommendations),
        ("Recommendations made", s.recommendations),
    ]


@login_required
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    """The year's ASB Case Review figures the partnership publishes (counts only)."""
    _statistics_reader(request)
    year = _statistics_year(request)
    s = partnership_statistics(year, today=timezone.localdate())
    start_month = statistics_year_start_month()
    this_year = _current_year()
    return render(
        request,
        "asb/statistics.html",
        {
            "year": year,
            "stats": s,
            "rows": _statistics_rows(s),
            "by_month": [
                (date.fromisoformat(f"{m}-01"), n) for m, n in s.applications_by_month
            ],
            "financial": start_month == 4,
            "years": [
                (y, reporting_year(y, start_month))
                for y in range(this_year, this_year - 6, -1)
            ],
        },
    )


@login_required
@require_GET
def statistics_csv(request: HttpRequest) -> HttpResponse:
    """The same figures as CSV: one row per measure, then one per month."""
    _statistics_reader(request)
    year = _statistics_year(request)
    s = partnership_statistics(year, today=timezone.localdate())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["measure", "period", "count"])
    period = f"{s.first_day.isoformat()}/{s.last_day.isoformat()}"
    for label, n in _statistics_rows(s):
        writer.writerow([label, period, n])
    for month, n in s.applications_by_month:
        writer.writerow(["Applications received", month, n])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="asb-case-review-statistics-{year}.csv"'
    )
    return response


urlpatterns: list[URLPattern] = [
    path("asb/", home, name="asb_home"),
    path("asb/complaints/new/", complaint_new, name="asb_complaint_new"),
    path("asb/cases/new/", case_new, name="asb_case_new"),
    path("asb/cases/<int:case_id>/", case_detail, name="asb_case"),
    path(
        "asb/cases/<int:case_id>/assessment/", assessment_new, name="asb_assessment_new"
    ),
    path(
        "asb/cases/<int:case_id>/interventions/",
        interventions,
        name="asb_interventions",
    ),
    path(
        "asb/interventions/<int:intervention_id>/outcome/",
        intervention_outcome,
        name="asb_intervention_outcome",
    ),
    path("asb/reviews/new/", review_new, name="asb_review_new"),
    path("asb/reviews/<int:review_id>/", review_detail, name="asb_review"),
    path(
        "asb/reviews/<int:review_id>/acknowledge/",
        review_acknowledge,
        name="asb_review_acknowledge",
    ),
    path(
        "asb/reviews/<int:review_id>/decide/", review_decide, name="asb_review_decide"
    ),
    path("asb/reviews/<int:review_id>/hold/", review_hold, name="asb_review_hold"),
    path(
        "asb/reviews/<int:review_id>/recommend/",
        review_recommend,
        name="asb_review_recommend",
    ),
    path("asb/reviews/<int:review_id>/tell/", review_tell, name="asb_review_tell"),
    path(
        "asb/recommendations/<int:recommendation_id>/complete/",
        recommendation_complete,
        name="asb_recommendation_complete",
    ),
    path("asb/statistics/", statistics, name="asb_statistics"),
    path("asb/statistics.csv", statistics_csv, name="asb_statistics_csv"),
]
