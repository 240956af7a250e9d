"""The assessment year's own inputs: priority scores (entered, or carried from the year
before and confirmed), the PESTELO horizon scan and recommendations that feed the plan.

Views parse and render; the inputs are read through
:mod:`saferleeds.governance.priorities` and changed only through
:mod:`saferleeds.governance.actions`. Who may: those who build the assessment
(:func:`~saferleeds.governance.rules.may_enter_priorities`); others get a 403.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from saferleeds.governance.actions import (
    FIRST_YEAR,
    LAST_YEAR,
    StatusError,
    do_add_horizon_item,
    do_add_recommendation,
    do_carry_priority_scores,
    do_confirm_priority_score,
    do_link_recommendation,
    do_make_deliverable_from_recommendation,
    do_save_priority_score,
)
from saferleeds.governance.forms import (
    HorizonForm,
    LinkRecommendationForm,
    NewDeliverableForm,
    RecommendationForm,
    ScoreForm,
)
from saferleeds.governance.priorities import (
    PrioritiesPage,
    ScoreRow,
    read_priorities,
    themes,
)
from saferleeds.locking import Conflict
from saferleeds.partners.policy import Forbidden, NotFound, request_actor

__all__ = ["urlpatterns"]

_SLUG = re.compile(r"^(\d{4})-(\d{2})$")


def _year(slug: str) -> int:
    """``2017-18`` -> 2017; anything else is not a page."""
    m = _SLUG.match(slug)
    if m is None:
        raise Http404("Page not found")
    year = int(m.group(1))
    if int(m.group(2)) != (year + 1) % 100 or not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404("Page not found")
    return year


def _page(request: HttpRequest, slug: str, purpose: str) -> PrioritiesPage:
    try:
        return read_priorities(request_actor(request, purpose), _year(slug))
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc


def _render_inputs(
    request: HttpRequest,
    page: PrioritiesPage,
    *,
    horizon_form: HorizonForm | None = None,
    rec_form: RecommendationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    horizon_form = horizon_form or HorizonForm()
    rec_form = rec_form or RecommendationForm(themes=themes())
    return render(
        request,
        "governance/jsa_inputs.html",
        {
            "page": page,
            "horizon_form": horizon_form,
            "rec_form": rec_form,
            "error_list": [*horizon_form.error_list, *rec_form.error_list],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def inputs(request: HttpRequest, year: str) -> HttpResponse:
    """The year's scores, horizon scan and recommendations."""
    return _render_inputs(request, _page(request, year, "assessment inputs"))


def _score_row(page: PrioritiesPage, score_id: int) -> ScoreRow:
    row = next((s for s in page.scores if s.id == score_id), None)
    if row is None:
        raise Http404("Page not found")
    return row


@login_required
@require_http_methods(["GET", "POST"])
def score(request: HttpRequest, year: str, score_id: int | None = None) -> HttpResponse:
    """Enter a theme's score for the year, or change one (confirming it if carried)."""
    template = "governance/jsa_score.html"
    page = _page(request, year, "priority score")
    row = _score_row(page, score_id) if score_id is not None else None
    choices = (row.theme,) if row else page.unscored_themes
    if request.method == "GET":
        initial: dict[str, Any] = {"method": "morile"}
        if row is not None:
            initial = {
                "theme": row.theme,
                "method": row.method,
                "harm": row.harm,
                "likelihood": row.likelihood,
                "organisational_position": row.organisational_position,
                "confidence": row.confidence,
                "rationale": row.rationale,
                "version": row.version,
            }
        form = ScoreForm(initial=initial, themes=choices)
        return render(request, template, {"page": page, "row": row, "form": form})
    form = ScoreForm(request.POST, themes=choices)
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_save_priority_score(
                page.year,
                data["theme"],
                method=data["method"],
                harm=data["harm"],
                likelihood=data["likelihood"],
                organisational_position=data["organisational_position"],
                confidence=data["confidence"],
                rationale=data["rationale"],
                expected_version=row.version if row else None,
                actor=request_actor(request, "save priority score"),
            )
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except NotFound as exc:
            raise Http404("Page not found") from exc
        except Conflict:
            form.add_rule_error(
                "", "Someone else changed this score: reload the page and check it"
            )
        except StatusError as exc:
            form.add_rule_error(exc.field, str(exc))
        else:
            messages.success(request, f"Score for {data['theme']} saved")
            return redirect("governance:jsa_inputs", year=page.slug)
    return render(
        request, template, {"page": page, "row": row, "form": form}, status=400
    )


@login_required
@require_http_methods(["POST"])
def score_confirm(request: HttpRequest, year: str, score_id: int) -> HttpResponse:
    """Confirm a score carried from the year before, unchanged."""
    page = _page(request, year, "confirm priority score")
    row = _score_row(page, score_id)
    try:
        do_confirm_priority_score(
            row.id, actor=request_actor(request, "confirm priority score")
        )
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except NotFound as exc:
        raise Http404("Page not found") from exc
    except StatusError as exc:
        messages.info(request, str(exc))
    else:
        messages.success(request, f"Score for {row.theme} confirmed")
    return redirect("governance:jsa_inputs", year=page.slug)


@login_required
@require_http_methods(["POST"])
def carry(request: HttpRequest, year: str) -> HttpResponse:
    """Start the year's scores from the year before's."""
    page = _page(request, year, "carry priority scores")
    try:
        n = do_carry_priority_scores(
            page.year, actor=request_actor(request, "carry priority scores")
        )
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except StatusError as exc:
        messages.info(request, str(exc))
    else:
        messages.success(
            request,
            f"{n} score{'s' if n != 1 else ''} carried from {page.previous_label}: "
            "confirm or change each",
        )
    return redirect("governance:jsa_inputs", year=page.slug)


@login_required
@require_http_methods(["POST"])
def horizon(request: HttpRequest, year: str) -> HttpResponse:
    """Add a point to the year's horizon scan."""
    page = _page(request, year, "add horizon item")
    form = HorizonForm(request.POST)
    if form.is_valid():
        try:
            do_add_horizon_item(
                page.year,
                heading=form.cleaned_data["heading"],
                text=form.cleaned_data["text"],
                actor=request_actor(request, "add horizon item"),
            )
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except StatusError as exc:
            form.add_rule_error(exc.field, str(exc))
        else:
            messages.success(request, "Added to the horizon scan")
            return redirect("governance:jsa_inputs", year=page.slug)
    return _render_inputs(request, page, horizon_form=form, status=400)


@login_required
@require_http_methods(["POST"])
def recommendation(request: HttpRequest, year: str) -> HttpResponse:
    """Add a recommendation to the year's assessment."""
    page = _page(request, year, "add recommendation")
    form = RecommendationForm(request.POST, themes=themes())
    if form.is_valid():
        try:
            do_add_recommendation(
                page.year,
                text=form.cleaned_data["recommendation"],
                theme=form.cleaned_data["rec_theme"],
                actor=request_actor(request, "add recommendation"),
            )
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except StatusError as exc:
            form.add_rule_error(
                "recommendation" if exc.field == "text" else exc.field, str(exc)
            )
        else:
            messages.success(request, "Recommendation added")
            return redirect("governance:jsa_inputs", year=page.slug)
    return _render_inputs(request, page, rec_form=form, status=400)


def _rec_forms(
    page: PrioritiesPage, data: Any = None, which: str = ""
) -> tuple[NewDeliverableForm, LinkRecommendationForm]:
    new = NewDeliverableForm(
        data if which == "new" else None,
        priorities=page.priority_choices,
        agencies=page.agency_choices,
        boards=page.board_choices,
    )
    link = LinkRecommendationForm(
        data if which == "link" else None, deliverables=page.deliverable_choices
    )
    return new, link


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_plan(
    request: HttpRequest, year: str, recommendation_id: int
) -> HttpResponse:
    """Put a recommendation on the plan: as a new deliverable, or linked to one."""
    template = "governance/jsa_recommendation.html"
    page = _page(request, year, "recommendation to plan")
    rec = next((r for r in page.recommendations if r.id == recommendation_id), None)
    if rec is None:
        raise Http404("Page not found")
    which = request.POST.get("form", "") if request.method == "POST" else ""
    new_form, link_form = _rec_forms(page, request.POST, which)
    if request.method == "POST" and rec.deliverable_id is None:
        actor = request_actor(request, "recommendation to plan")
        form: NewDeliverableForm | LinkRecommendationForm = (
            new_form if which == "new" else link_form
        )
        if which in ("new", "link") and form.is_valid():
            data = form.cleaned_data
            try:
                if which == "new":
                    do_make_deliverable_from_recommendation(
                        rec.id,
                        title=data["title"],
                        priority_number=data["priority"],
                        lead_agency_id=data["lead_agency"],
                        board_id=data["board"],
                        actor=actor,
                    )
                else:
                    do_link_recommendation(
                        rec.id, deliverable_id=data["deliverable"], actor=actor
                    )
            except Forbidden as exc:
                raise PermissionDenied(str(exc)) from exc
            except NotFound as exc:
                raise Http404("Page not found") from exc
            except StatusError as exc:
                form.add_rule_error(exc.field, str(exc))
            else:
                messages.success(request, "The recommendation now feeds the plan")
                return redirect("governance:jsa_inputs", year=page.slug)
        status = 400
    else:
        status = 200
        if not new_form.is_bound:
            new_form = NewDeliverableForm(
                initial={"title": rec.text},
                priorities=page.priority_choices,
                agencies=page.agency_choices,
                boards=page.board_choices,
            )
    return render(
        request,
        template,
        {
            "page": page,
            "rec": rec,
            "new_form": new_form,
            "link_form": link_form,
            "error_list": [*new_form.error_list, *link_form.error_list],
        },
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("plan/jsa/<slug:year>/", inputs, name="jsa_inputs"),
    path("plan/jsa/<slug:year>/scores/new/", score, name="jsa_score_new"),
    path("plan/jsa/<slug:year>/scores/<int:score_id>/", score, name="jsa_score"),
    path(
        "plan/jsa/<slug:year>/scores/<int:score_id>/confirm/",
        score_confirm,
        name="jsa_score_confirm",
    ),
    path("plan/jsa/<slug:year>/carry/", carry, name="jsa_carry"),
    path("plan/jsa/<slug:year>/horizon/", horizon, name="jsa_horizon"),
    path(
        "plan/jsa/<slug:year>/recommendations/",
        recommendation,
        name="jsa_recommendation",
    ),
    path(
        "plan/jsa/<slug:year>/recommendations/<int:recommendation_id>/",
        recommendation_plan,
        name="jsa_recommendation_plan",
    ),
]
