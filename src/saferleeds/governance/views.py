"""The plan's pages: the plan on a page, a deliverable with its history, the CSV export,
and the Joint Strategic Assessment (build, view, download as PDF).

Views parse the request and render. The plan is read only through the page readers of
:mod:`saferleeds.governance.access_pages` and changed only through
:mod:`saferleeds.governance.actions`; an actor who may not read the plan gets a 403,
and one who may read but not update a deliverable sees no form and gets a 403 if they
post one.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from saferleeds.analytics.store import StoreBusy
from saferleeds.governance.access_pages import (
    DeliverablePage,
    plan_csv_rows,
    read_deliverable_page,
    read_plan,
)
from saferleeds.governance.actions import StatusError, do_update_deliverable_status
from saferleeds.governance.assessment import (
    AssessmentError,
    assessment_years,
    build_document,
    file_stem,
    pdf_bytes,
)
from saferleeds.governance.forms import StatusForm
from saferleeds.governance.models import Rag
from saferleeds.governance.rules import may_read_assessment
from saferleeds.locking import Conflict
from saferleeds.partners.policy import Forbidden, NotFound, request_actor

__all__ = ["urlpatterns"]

# A cell starting with one of these is read as a formula by spreadsheet programs
# (CWE-1236); the same rule as saferleeds.web.exports, which this app may not import.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_TRIGGERS) else value


@login_required
@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    """The plan on a page: priorities, outcomes and deliverables with RAG status."""
    actor = request_actor(request, "plan on a page")
    try:
        page = read_plan(actor)
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    return render(
        request,
        "governance/plan.html",
        {"plan": page, "may_read_assessment": may_read_assessment(actor)},
    )


@login_required
@require_GET
def plan_csv(request: HttpRequest) -> HttpResponse:
    """The plan as CSV (UTF-8 with BOM for Excel; formulas neutralised)."""
    actor = request_actor(request, "plan export")
    try:
        rows = plan_csv_rows(actor)
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="plan-{day}.csv"'
    return response


def _page(request: HttpRequest, deliverable_id: int, purpose: str) -> DeliverablePage:
    actor = request_actor(request, purpose)
    try:
        return read_deliverable_page(actor, deliverable_id)
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except NotFound as exc:
        raise Http404("Page not found") from exc


def _context(page: DeliverablePage, form: StatusForm, **extra: Any) -> dict[str, Any]:
    return {
        "page": page,
        "row": page.row,
        "form": form,
        "rag_choices": Rag.choices,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def deliverable(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    """One deliverable: status, evidence, history, and the update form if allowed."""
    template = "governance/deliverable.html"
    page = _page(request, deliverable_id, "view deliverable")
    if request.method == "GET":
        form = StatusForm(initial={"version": page.version, "rag": page.row.rag})
        return render(request, template, _context(page, form))
    if not page.may_update:
        raise PermissionDenied(
            "Only the lead agency's practitioners, case coordinators and executive "
            "members update this deliverable's status."
        )
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            do_update_deliverable_status(
                deliverable_id,
                rag=form.cleaned_data["rag"],
                evidence=form.cleaned_data["evidence"],
                expected_version=form.cleaned_data["version"],
                actor=request_actor(request, "update deliverable status"),
            )
        except NotFound as exc:
            raise Http404("Page not found") from exc
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except Conflict as exc:
            fresh = _page(request, deliverable_id, "view deliverable")
            form = StatusForm(initial={"version": fresh.version, "rag": fresh.row.rag})
            return render(
                request, template, _context(fresh, form, conflict=str(exc)), status=409
            )
        except StatusError as exc:
            form.add_rule_error(exc.field, str(exc))
        else:
            messages.success(request, "Status updated")
            return redirect("governance:deliverable", deliverable_id=deliverable_id)
    return render(request, template, _context(page, form), status=400)


def _assessment_query(request: HttpRequest) -> tuple[str, str | None]:
    year = (request.GET.get("year") or "").strip()
    compare = (request.GET.get("compare") or "").strip() or None
    if not year:
        raise AssessmentError("Choose the year to assess")
    return year, compare


@login_required
@require_GET
def assessment(request: HttpRequest) -> HttpResponse:
    """The Joint Strategic Assessment: choose a year, view it or download the PDF."""
    actor = request_actor(request, "joint strategic assessment")
    store = Path(settings.SAFERLEEDS_ANALYTICS_PATH)
    try:
        years = assessment_years(actor, store)
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except StoreBusy as exc:
        return render(request, "web/busy.html", {"message": str(exc)}, status=503)
    context: dict[str, Any] = {"years": years, "error": None, "document": None}
    status = 200
    if "year" in request.GET:
        try:
            year, compare = _assessment_query(request)
            context["document"] = build_document(actor, store, year, compare)
        except AssessmentError as exc:
            context["error"] = str(exc)
            status = 400
        except StoreBusy as exc:
            return render(request, "web/busy.html", {"message": str(exc)}, status=503)
        context["year"] = request.GET.get("year", "")
        context["compare"] = request.GET.get("compare", "")
    return render(request, "governance/assessment.html", context, status=status)


@login_required
@require_GET
def assessment_document(request: HttpRequest, fmt: str) -> HttpResponse:
    """The assessment itself: the HTML document, or the PDF as a download."""
    actor = request_actor(request, "joint strategic assessment")
    store = Path(settings.SAFERLEEDS_ANALYTICS_PATH)
    try:
        year, compare = _assessment_query(request)
        document = build_document(actor, store, year, compare)
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except AssessmentError as exc:
        return HttpResponse(
            str(exc), status=400, content_type="text/plain; charset=utf-8"
        )
    except StoreBusy as exc:
        return render(request, "web/busy.html", {"message": str(exc)}, status=503)
    stem = file_stem(document.period)
    if fmt == "html":
        response = HttpResponse(document.html, content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{stem}.html"'
        return response
    with tempfile.TemporaryDirectory() as work:
        data = pdf_bytes(document, Path(work))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
    return response


urlpatterns: list[URLPattern] = [
    path("plan/jsa/", assessment, name="assessment"),
    path(
        "plan/jsa/document.html",
        assessment_document,
        {"fmt": "html"},
        name="assessment_html",
    ),
    path(
        "plan/jsa/document.pdf",
        assessment_document,
        {"fmt": "pdf"},
        name="assessment_pdf",
    ),
    path("plan/", plan, name="plan"),
    path("plan/export.csv", plan_csv, name="plan_csv"),
    path("plan/deliverables/<int:deliverable_id>/", deliverable, name="deliverable"),
]
