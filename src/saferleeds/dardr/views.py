"""The death review pages: the reviews and their figures, one review, one
recommendation, the recommendations tracker and its CSV export.

Views parse the request and render. Reviews are read only through
:mod:`saferleeds.dardr.access_pages` and changed only through
:mod:`saferleeds.dardr.actions`. A role that never opens reviews gets a 403 (the
executive reads the figures on the first page only); a review the actor may not see is
the same 404 as a missing one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from saferleeds.core.forms import DateParts
from saferleeds.dardr.access_pages import (
    TRACKER_STATUSES,
    FilterError,
    RecommendationPage,
    ReviewPage,
    parse_tracker_filters,
    read_dardr_index,
    read_recommendation_page,
    read_review_page,
    read_tracker,
    tracker_csv,
)
from saferleeds.dardr.actions import (
    DardrError,
    do_add_dardr_recommendation,
    do_mark_recommendation_implemented,
    do_receive_dardr_imr,
    do_record_dardr_decision,
    do_record_dardr_notification,
    do_request_dardr_imr,
    do_update_dardr_progress,
    do_update_recommendation_status,
)
from saferleeds.dardr.forms import (
    DecisionForm,
    ImplementedForm,
    ImrForm,
    NotificationForm,
    ProgressForm,
    RecommendationForm,
    RecommendationStatusForm,
)
from saferleeds.dardr.models import DeathReview, Recommendation
from saferleeds.locking import Conflict
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor, Forbidden, NotFound, request_actor

__all__ = ["urlpatterns"]

# A cell starting with one of these is read as a formula by spreadsheet programs
# (CWE-1236); the same rule as saferleeds.web.exports, which this app may not import.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def _agencies() -> tuple[tuple[int, str], ...]:
    return tuple(Agency.objects.order_by("name").values_list("pk", "name"))


def _guarded(fn: Callable[[], Any]) -> Any:
    """Run a read or an action, turning refusals into 403 and 404."""
    try:
        return fn()
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except NotFound as exc:
        raise Http404("Page not found") from exc


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The reviews and the recommendations' headline figures."""
    actor = request_actor(request, "death reviews")
    page = _guarded(lambda: read_dardr_index(actor, timezone.localdate()))
    return render(request, "dardr/index.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def notify(request: HttpRequest) -> HttpResponse:
    """Record the notification of a death: the review's course starts."""
    actor = request_actor(request, "record death review notification")
    page = _guarded(lambda: read_dardr_index(actor, timezone.localdate()))
    if not page.may_add:
        raise PermissionDenied(
            "Only case coordinators record the notification of a death."
        )
    form = NotificationForm(request.POST or None, agencies=_agencies())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review = _guarded(
                lambda: do_record_dardr_notification(
                    reference=data["reference"],
                    pseudonym=data["pseudonym"],
                    deceased_name=data["deceased_name"],
                    date_of_death=data["date_of_death"],
                    notified_by_id=data["notified_by"],
                    notified_on=data["notified_on"],
                    actor=actor,
                )
            )
        except DardrError as exc:
            form.add_rule_error(exc.field, str(exc))
        else:
            messages.success(request, "Notification recorded")
            return redirect("dardr:review", review_id=review.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "dardr/notify.html", {"form": form}, status=status)


def _review_page(request: HttpRequest, review_id: int, purpose: str) -> ReviewPage:
    actor = request_actor(request, purpose)
    page: ReviewPage = _guarded(
        lambda: read_review_page(actor, review_id, timezone.localdate())
    )
    return page


def _dates(prefix_values: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for prefix, value in prefix_values.items():
        out.update(DateParts.initial(prefix, value))
    return out


def _review_forms(page: ReviewPage, **bound: Any) -> dict[str, Any]:
    agencies = _agencies()
    forms = {
        "decision_form": DecisionForm(
            initial={
                "version": page.version,
                "decision": page.decision if page.decided_on else "",
                "chair": page.chair,
                **_dates({"decided_on": page.decided_on}),
            }
        ),
        "progress_form": ProgressForm(
            agencies=agencies,
            initial={
                "version": page.version,
                "chair": page.chair,
                "panel": list(page.panel_ids),
                "qa_outcome": page.qa_outcome,
                **_dates(
                    {
                        "report_submitted_on": page.report_submitted_on,
                        "qa_submitted_on": page.qa_submitted_on,
                        "qa_outcome_on": page.qa_outcome_on,
                        "published_on": page.published_on,
                    }
                ),
            },
        ),
        "imr_form": ImrForm(agencies=agencies),
        "recommendation_form": RecommendationForm(agencies=agencies),
    }
    forms.update(bound)
    errors: list[tuple[str, str]] = []
    for form in forms.values():
        errors += form.error_list
    return {
        "page": page,
        **forms,
        "errors": errors,
        "agencies": agencies,
        "qa_outcomes": DeathReview.QaOutcome.choices,
    }


def _render_review(
    request: HttpRequest, page: ReviewPage, status: int = 200, **bound: Any
) -> HttpResponse:
    return render(
        request, "dardr/review.html", _review_forms(page, **bound), status=status
    )


def _require_changer(page: ReviewPage | RecommendationPage) -> None:
    if not page.may_change:
        raise PermissionDenied(
            "Only the case coordinators of the agency that commissioned this review "
            "change it."
        )


@login_required
@require_GET
def review(request: HttpRequest, review_id: int) -> HttpResponse:
    """One review: its course, panel, IMRs and recommendations."""
    return _render_review(request, _review_page(request, review_id, "view review"))


def _post_review(
    request: HttpRequest,
    review_id: int,
    purpose: str,
    form_name: str,
    make_form: Callable[[], Any],
    act: Callable[[Actor, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """Validate a form posted to a review, run its action, and show the review again
    (with the errors, or the conflict) or go back to it."""
    page = _review_page(request, review_id, purpose)
    _require_changer(page)
    form = make_form()
    if form.is_valid():
        actor = request_actor(request, purpose)
        try:
            _guarded(lambda: act(actor, form.cleaned_data))
        except DardrError as exc:
            form.add_rule_error(exc.field, str(exc))
        except Conflict as exc:
            fresh = _review_page(request, review_id, "view review")
            return render(
                request,
                "dardr/review.html",
                {**_review_forms(fresh), "conflict": str(exc)},
                status=409,
            )
        else:
            messages.success(request, done)
            return redirect("dardr:review", review_id=review_id)
    return _render_review(request, page, 400, **{form_name: form})


@login_required
@require_http_methods(["POST"])
def decision(request: HttpRequest, review_id: int) -> HttpResponse:
    """Record the decision whether to hold the review."""
    return _post_review(
        request,
        review_id,
        "record death review decision",
        "decision_form",
        lambda: DecisionForm(request.POST),
        lambda actor, d: do_record_dardr_decision(
            review_id,
            decision=d["decision"],
            decided_on=d["decided_on"],
            reason=d["reason"],
            chair=d["chair"],
            expected_version=d["version"],
            actor=actor,
        ),
        "Decision recorded",
    )


@login_required
@require_http_methods(["POST"])
def progress(request: HttpRequest, review_id: int) -> HttpResponse:
    """Record the chair, the panel and the dates of the review's later steps."""
    return _post_review(
        request,
        review_id,
        "update death review progress",
        "progress_form",
        lambda: ProgressForm(request.POST, agencies=_agencies()),
        lambda actor, d: do_update_dardr_progress(
            review_id,
            chair=d["chair"],
            panel_agency_ids=d["panel"],
            report_submitted_on=d["report_submitted_on"],
            qa_submitted_on=d["qa_submitted_on"],
            qa_outcome=d["qa_outcome"],
            qa_outcome_on=d["qa_outcome_on"],
            published_on=d["published_on"],
            expected_version=d["version"],
            actor=actor,
        ),
        "Progress saved",
    )


@login_required
@require_http_methods(["POST"])
def imr_request(request: HttpRequest, review_id: int) -> HttpResponse:
    """Ask an agency for its Individual Management Review."""
    return _post_review(
        request,
        review_id,
        "request individual management review",
        "imr_form",
        lambda: ImrForm(request.POST, agencies=_agencies()),
        lambda actor, d: do_request_dardr_imr(
            review_id,
            agency_id=d["agency"],
            requested_on=d["requested_on"],
            actor=actor,
        ),
        "Individual Management Review requested",
    )


@login_required
@require_http_methods(["POST"])
def imr_received(request: HttpRequest, review_id: int, imr_id: int) -> HttpResponse:
    """Record that an Individual Management Review came in today."""
    page = _review_page(request, review_id, "receive individual management review")
    _require_changer(page)
    if imr_id not in {i.id for i in page.imrs if i.received_on is None}:
        raise Http404("Page not found")
    actor = request_actor(request, "receive individual management review")
    _guarded(
        lambda: do_receive_dardr_imr(
            imr_id, received_on=timezone.localdate(), actor=actor
        )
    )
    messages.success(request, "Individual Management Review received")
    return redirect("dardr:review", review_id=review_id)


@login_required
@require_http_methods(["POST"])
def recommendation_add(request: HttpRequest, review_id: int) -> HttpResponse:
    """Add a recommendation to the review's action plan."""
    return _post_review(
        request,
        review_id,
        "add death review recommendation",
        "recommendation_form",
        lambda: RecommendationForm(request.POST, agencies=_agencies()),
        lambda actor, d: do_add_dardr_recommendation(
            review_id,
            text=d["text"],
            owner_agency_id=d["owner_agency"],
            due_on=d["due_on"],
            expected_change=d["expected_change"],
            actor=actor,
        ),
        "Recommendation added",
    )


def _rec_page(
    request: HttpRequest, recommendation_id: int, purpose: str
) -> RecommendationPage:
    actor = request_actor(request, purpose)
    page: RecommendationPage = _guarded(
        lambda: read_recommendation_page(actor, recommendation_id, timezone.localdate())
    )
    return page


def _render_rec(
    request: HttpRequest,
    page: RecommendationPage,
    status: int = 200,
    **bound: Any,
) -> HttpResponse:
    row = page.row
    forms = {
        "status_form": RecommendationStatusForm(
            initial={
                "version": row.version,
                "status": row.status
                if row.status != Recommendation.Status.IMPLEMENTED
                else "",
            }
        ),
        "implemented_form": ImplementedForm(
            initial={
                "version": row.version,
                **DateParts.initial("implemented_on", timezone.localdate()),
            }
        ),
    }
    conflict = bound.pop("conflict", "")
    forms.update(bound)
    errors: list[tuple[str, str]] = []
    for form in forms.values():
        errors += form.error_list
    return render(
        request,
        "dardr/recommendation.html",
        {"page": page, "row": row, **forms, "errors": errors, "conflict": conflict},
        status=status,
    )


@login_required
@require_GET
def recommendation(request: HttpRequest, recommendation_id: int) -> HttpResponse:
    """One recommendation: what, who, by when, its status, evidence and history."""
    page = _rec_page(request, recommendation_id, "view recommendation")
    return _render_rec(request, page)


def _post_rec(
    request: HttpRequest,
    recommendation_id: int,
    purpose: str,
    form_name: str,
    form: Any,
    act: Callable[[Actor, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    page = _rec_page(request, recommendation_id, purpose)
    _require_changer(page)
    if form.is_valid():
        actor = request_actor(request, purpose)
        try:
            _guarded(lambda: act(actor, form.cleaned_data))
        except DardrError as exc:
            form.add_rule_error(exc.field, str(exc))
        except Conflict as exc:
            fresh = _rec_page(request, recommendation_id, "view recommendation")
            return _render_rec(request, fresh, 409, conflict=str(exc))
        else:
            messages.success(request, done)
            return redirect("dardr:recommendation", recommendation_id=recommendation_id)
    return _render_rec(request, page, 400, **{form_name: form})


@login_required
@require_http_methods(["POST"])
def recommendation_status(request: HttpRequest, recommendation_id: int) -> HttpResponse:
    """Move a recommendation to not started, in progress or not implemented."""
    return _post_rec(
        request,
        recommendation_id,
        "update recommendation status",
        "status_form",
        RecommendationStatusForm(request.POST),
        lambda actor, d: do_update_recommendation_status(
            recommendation_id,
            status=d["status"],
            note=d["note"],
            expected_version=d["version"],
            actor=actor,
        ),
        "Status saved",
    )


@login_required
@require_http_methods(["POST"])
def recommendation_implemented(
    request: HttpRequest, recommendation_id: int
) -> HttpResponse:
    """Mark a recommendation implemented, with the evidence of completion."""
    return _post_rec(
        request,
        recommendation_id,
        "mark recommendation implemented",
        "implemented_form",
        ImplementedForm(request.POST),
        lambda actor, d: do_mark_recommendation_implemented(
            recommendation_id,
            evidence=d["evidence"],
            implemented_on=d["implemented_on"],
            expected_version=d["version"],
            actor=actor,
        ),
        "Recommendation marked implemented",
    )


@login_required
@require_GET
def tracker(request: HttpRequest) -> HttpResponse:
    """Recommendations across reviews: overdue, unimplemented, by owner agency."""
    actor = request_actor(request, "recommendations tracker")
    today = timezone.localdate()
    try:
        filters = parse_tracker_filters(request.GET)
    except FilterError as exc:
        error = str(exc)
        filters = parse_tracker_filters({})
    else:
        error = ""
    page = _guarded(lambda: read_tracker(actor, filters, today))
    return render(
        request,
        "dardr/tracker.html",
        {
            "page": page,
            "statuses": TRACKER_STATUSES.items(),
            "filter_error": error,
            "today": today,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def tracker_export(request: HttpRequest) -> HttpResponse:
    """The tracker's rows as CSV (UTF-8 with BOM for Excel; formulas neutralised),
    logged as a disclosure of each recommendation in it."""
    actor = request_actor(request, "recommendations export")
    try:
        filters = parse_tracker_filters(request.GET)
    except FilterError as exc:
        return HttpResponse(
            str(exc), status=400, content_type="text/plain; charset=utf-8"
        )
    header, rows = _guarded(lambda: tracker_csv(actor, filters, timezone.localdate()))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="death-review-recommendations-{day}.csv"'
    )
    return response


urlpatterns: list[URLPattern] = [
    path("death-reviews/", index, name="index"),
    path("death-reviews/new/", notify, name="notify"),
    path("death-reviews/tracker/", tracker, name="tracker"),
    path("death-reviews/tracker/export.csv", tracker_export, name="tracker_export"),
    path("death-reviews/<int:review_id>/", review, name="review"),
    path("death-reviews/<int:review_id>/decision/", decision, name="decision"),
    path("death-reviews/<int:review_id>/progress/", progress, name="progress"),
    path("death-reviews/<int:review_id>/imrs/", imr_request, name="imr_request"),
    path(
        "death-reviews/<int:review_id>/imrs/<int:imr_id>/received/",
        imr_received,
        name="imr_received",
    ),
    path(
        "death-reviews/<int:review_id>/recommendations/",
        recommendation_add,
        name="recommendation_add",
    ),
    path(
        "death-reviews/recommendations/<int:recommendation_id>/",
        recommendation,
        name="recommendation",
    ),
    path(
        "death-reviews/recommendations/<int:recommendation_id>/status/",
        recommendation_status,
        name="recommendation_status",
    ),
    path(
        "death-reviews/recommendations/<int:recommendation_id>/implemented/",
        recommendation_implemented,
        name="recommendation_implemented",
    ),
]
