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
from datetime import date
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
    BoardPage,
    DeliverablePage,
    TensionsPage,
    open_board_paper,
    plan_csv_rows,
    read_board_page,
    read_boards,
    read_deliverable_page,
    read_plan,
    read_tensions,
)
from saferleeds.governance.actions import (
    StatusError,
    do_add_board_action,
    do_add_board_member,
    do_add_milestone,
    do_complete_board_action,
    do_complete_milestone,
    do_end_board_membership,
    do_record_board_meeting,
    do_record_tension_report,
    do_update_deliverable_status,
    do_upload_board_paper,
)
from saferleeds.governance.assessment import (
    AssessmentError,
    assessment_years,
    build_document,
    file_stem,
    pdf_bytes,
)
from saferleeds.governance.forms import (
    BoardActionForm,
    MeetingForm,
    MemberForm,
    MilestoneForm,
    PaperForm,
    StatusForm,
    TensionForm,
)
from saferleeds.governance.models import Rag, TensionReport
from saferleeds.governance.priorities import year_label, year_slug
from saferleeds.governance.priority_views import (
    urlpatterns as priority_urlpatterns,
)
from saferleeds.governance.rules import may_enter_priorities, may_read_assessment
from saferleeds.governance.tensions import LEVELS, PERSONAL_DATA_HINT
from saferleeds.locking import Conflict
from saferleeds.partners.policy import Forbidden, NotFound, request_actor
from saferleeds.safeguarding import documents

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


def _context(
    page: DeliverablePage,
    form: StatusForm,
    milestone_form: MilestoneForm | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "page": page,
        "row": page.row,
        "form": form,
        "milestone_form": milestone_form or MilestoneForm(),
        "rag_choices": Rag.choices,
        **extra,
    }


def _require_updater(page: DeliverablePage) -> None:
    if not page.may_update:
        raise PermissionDenied(
            "Only the lead agency's practitioners, case coordinators and executive "
            "members change this deliverable."
        )


@login_required
@require_http_methods(["POST"])
def milestone_add(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    """Add a dated milestone to a deliverable."""
    page = _page(request, deliverable_id, "add milestone")
    _require_updater(page)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            do_add_milestone(
                deliverable_id,
                title=form.cleaned_data["title"],
                due_on=form.cleaned_data["due_on"],
                actor=request_actor(request, "add milestone"),
            )
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except NotFound as exc:
            raise Http404("Page not found") from exc
        except StatusError as exc:
            form.add_rule_error(exc.field, str(exc))
        else:
            messages.success(request, "Milestone added")
            return redirect("governance:deliverable", deliverable_id=deliverable_id)
    status_form = StatusForm(initial={"version": page.version, "rag": page.row.rag})
    return render(
        request,
        "governance/deliverable.html",
        _context(page, status_form, form, milestone_errors=form.error_list),
        status=400,
    )


@login_required
@require_http_methods(["POST"])
def milestone_done(
    request: HttpRequest, deliverable_id: int, milestone_id: int
) -> HttpResponse:
    """Mark one of the deliverable's milestones done today."""
    page = _page(request, deliverable_id, "complete milestone")
    _require_updater(page)
    if milestone_id not in {m.id for m in page.milestone_rows if m.done_on is None}:
        raise Http404("Page not found")
    try:
        do_complete_milestone(
            milestone_id,
            done_on=timezone.localdate(),
            actor=request_actor(request, "complete milestone"),
        )
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except NotFound as exc:
        raise Http404("Page not found") from exc
    messages.success(request, "Milestone marked done")
    return redirect("governance:deliverable", deliverable_id=deliverable_id)


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


def _input_years(years: list[str]) -> list[tuple[str, str]]:
    starts = sorted({int(y[:4]) for y in years}, reverse=True)
    if starts:
        # Next year (scored before its data are in) and the year before the first
        # held (whose scores the first year carries).
        starts = [starts[0] + 1, *starts, starts[-1] - 1]
    return [(year_label(y), year_slug(y)) for y in starts]


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
    context: dict[str, Any] = {
        "years": years,
        "error": None,
        "document": None,
        # Years to enter inputs for: those held and one either side.
        "input_years": _input_years(years) if may_enter_priorities(actor) else [],
    }
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


@login_required
@require_GET
def boards(request: HttpRequest) -> HttpResponse:
    """The partnership's boards, with their meetings and open actions counted."""
    actor = request_actor(request, "boards")
    try:
        rows = read_boards(actor)
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    return render(request, "governance/boards.html", {"boards": rows})


def _board_page(request: HttpRequest, key: str, purpose: str) -> BoardPage:
    actor = request_actor(request, purpose)
    try:
        return read_board_page(actor, key)
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except NotFound as exc:
        raise Http404("Page not found") from exc


def _action_form(page: BoardPage, data: Any = None) -> BoardActionForm:
    meetings = tuple((m.id, f"{m.held_on:%-d %B %Y}") for m in page.meetings)
    return BoardActionForm(data, meetings=meetings, agencies=page.agency_choices)


def _meeting_choices(page: BoardPage) -> tuple[tuple[int, str], ...]:
    return tuple((m.id, f"{m.held_on:%-d %B %Y}") for m in page.meetings)


def _render_board(
    request: HttpRequest,
    page: BoardPage,
    *,
    meeting_form: MeetingForm | None = None,
    action_form: BoardActionForm | None = None,
    member_form: MemberForm | None = None,
    paper_form: PaperForm | None = None,
    status: int = 200,
) -> HttpResponse:
    meeting_form = meeting_form or MeetingForm()
    action_form = action_form or _action_form(page)
    member_form = member_form or MemberForm(agencies=page.agency_choices)
    paper_form = paper_form or PaperForm(meetings=_meeting_choices(page))
    return render(
        request,
        "governance/board.html",
        {
            "page": page,
            "meeting_form": meeting_form,
            "action_form": action_form,
            "member_form": member_form,
            "paper_form": paper_form,
            "max_paper_mb": documents.max_bytes() // (1024 * 1024),
            "error_list": [
                *meeting_form.error_list,
                *action_form.error_list,
                *member_form.error_list,
                *paper_form.error_list,
            ],
        },
        status=status,
    )


def _require_recorder(page: BoardPage) -> None:
    if not page.may_record:
        raise PermissionDenied(
            "Only executive members and case coordinators record board meetings."
        )


@login_required
@require_GET
def board(request: HttpRequest, key: str) -> HttpResponse:
    """One board: its meetings, papers, decisions and actions, open actions first."""
    return _render_board(request, _board_page(request, key, "board"))


@login_required
@require_http_methods(["POST"])
def board_meeting(request: HttpRequest, key: str) -> HttpResponse:
    """Record a meeting of the board."""
    page = _board_page(request, key, "record board meeting")
    _require_recorder(page)
    form = MeetingForm(request.POST)
    if form.is_valid():
        try:
            do_record_board_meeting(
                page.id,
                held_on=form.cleaned_data["held_on"],
                venue=form.cleaned_data["venue"],
                chair=form.cleaned_data["chair"],
                papers=form.cleaned_data["papers"],
                decisions=form.cleaned_data["decisions"],
                actor=request_actor(request, "record board meeting"),
            )
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except NotFound as exc:
            raise Http404("Page not found") from exc
        messages.success(request, "Meeting recorded")
        return redirect("governance:board", key=key)
    return _render_board(request, page, meeting_form=form, status=400)


@login_required
@require_http_methods(["POST"])
def board_action(request: HttpRequest, key: str) -> HttpResponse:
    """Give an agency an action from one of the board's meetings."""
    page = _board_page(request, key, "add board action")
    _require_recorder(page)
    form = _action_form(page, request.POST)
    if form.is_valid():
        try:
            do_add_board_action(
                form.cleaned_data["meeting"],
                text=form.cleaned_data["text"],
                owner_agency_id=form.cleaned_data["owner_agency"],
                owner=form.cleaned_data["owner"],
                due_on=form.cleaned_data["due_on"],
                actor=request_actor(request, "add board action"),
            )
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except NotFound as exc:
            raise Http404("Page not found") from exc
        except StatusError as exc:
            form.add_rule_error(exc.field, str(exc))
        else:
            messages.success(request, "Action added")
            return redirect("governance:board", key=key)
    return _render_board(request, page, action_form=form, status=400)


@login_required
@require_http_methods(["POST"])
def board_action_done(request: HttpRequest, key: str, action_id: int) -> HttpResponse:
    """Mark one of the board's open actions done today."""
    page = _board_page(request, key, "complete board action")
    _require_recorder(page)
    if action_id not in {a.id for a in page.open_actions}:
        raise Http404("Page not found")
    try:
        do_complete_board_action(
            action_id,
            done_on=timezone.localdate(),
            actor=request_actor(request, "complete board action"),
        )
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except NotFound as exc:
        raise Http404("Page not found") from exc
    messages.success(request, "Action marked done")
    return redirect("governance:board", key=key)


@login_required
@require_http_methods(["POST"])
def board_member(request: HttpRequest, key: str) -> HttpResponse:
    """Add a member to the board."""
    page = _board_page(request, key, "add board member")
    _require_recorder(page)
    form = MemberForm(request.POST, agencies=page.agency_choices)
    if form.is_valid():
        try:
            do_add_board_member(
                page.id,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                agency_id=form.cleaned_data["agency"],
                from_on=form.cleaned_data["from_on"],
                to_on=form.cleaned_data["to_on"],
                actor=request_actor(request, "add board member"),
            )
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except NotFound as exc:
            raise Http404("Page not found") from exc
        except StatusError as exc:
            if exc.field == "to_on":
                form.add_date_error("to_on", str(exc), ["day", "month", "year"])
            else:
                form.add_rule_error(exc.field, str(exc))
        else:
            messages.success(request, "Member added")
            return redirect("governance:board", key=key)
    return _render_board(request, page, member_form=form, status=400)


@login_required
@require_http_methods(["POST"])
def board_member_end(request: HttpRequest, key: str, member_id: int) -> HttpResponse:
    """Record that a current member left the board today."""
    page = _board_page(request, key, "end board membership")
    _require_recorder(page)
    if member_id not in {m.id for m in page.members}:
        raise Http404("Page not found")
    try:
        do_end_board_membership(
            member_id,
            to_on=timezone.localdate(),
            actor=request_actor(request, "end board membership"),
        )
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except NotFound as exc:
        raise Http404("Page not found") from exc
    except StatusError as exc:
        messages.info(request, str(exc))
    else:
        messages.success(request, "Membership ended today")
    return redirect("governance:board", key=key)


@login_required
@require_http_methods(["POST"])
def board_paper(request: HttpRequest, key: str) -> HttpResponse:
    """Upload a paper for one of the board's meetings."""
    page = _board_page(request, key, "upload board paper")
    _require_recorder(page)
    form = PaperForm(request.POST, request.FILES, meetings=_meeting_choices(page))
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            do_upload_board_paper(
                form.cleaned_data["paper_meeting"],
                title=form.cleaned_data["title"],
                filename=str(upload.name or "paper"),
                data=upload.read(),
                actor=request_actor(request, "upload board paper"),
            )
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except NotFound as exc:
            raise Http404("Page not found") from exc
        except documents.DocumentRejected as exc:
            form.add_rule_error("file", str(exc))
        except StatusError as exc:
            form.add_rule_error(exc.field, str(exc))
        else:
            messages.success(request, "Paper uploaded")
            return redirect("governance:board", key=key)
    return _render_board(request, page, paper_form=form, status=400)


@login_required
@require_GET
def board_paper_download(request: HttpRequest, key: str, paper_id: int) -> HttpResponse:
    """A board paper as a download (each download audited)."""
    try:
        paper = open_board_paper(
            request_actor(request, "download board paper"), key, paper_id
        )
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except NotFound as exc:
        raise Http404("Page not found") from exc
    response = HttpResponse(paper.data, content_type=paper.content_type)
    response["Content-Disposition"] = f'attachment; filename="{paper.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _tensions_context(page: TensionsPage, form: TensionForm) -> dict[str, Any]:
    return {
        "page": page,
        "form": form,
        "levels": LEVELS,
        "gradings": TensionReport.Grading.choices,
        "personal_data_hint": PERSONAL_DATA_HINT,
    }


@login_required
@require_http_methods(["GET", "POST"])
def tensions(request: HttpRequest) -> HttpResponse:
    """Current community tension by area, and the weekly report form if allowed."""
    template = "governance/tensions.html"
    actor = request_actor(request, "community tensions")
    try:
        page = read_tensions(actor)
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    today = timezone.localdate()
    if request.method == "GET":
        form = TensionForm(areas=page.area_choices, today=today)
        return render(request, template, _tensions_context(page, form))
    if not page.may_submit:
        raise PermissionDenied(
            "Only practitioners and case coordinators submit tension reports."
        )
    form = TensionForm(request.POST, areas=page.area_choices, today=today)
    if form.is_valid():
        try:
            do_record_tension_report(
                form.cleaned_data["area"],
                week_starting=date.fromisoformat(form.cleaned_data["week"]),
                level=form.cleaned_data["level"],
                grading=form.cleaned_data["grading"],
                indicators=form.cleaned_data["indicators"],
                actor=request_actor(request, "submit tension report"),
            )
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except NotFound:
            form.add_rule_error("area", "Select the ward or neighbourhood")
        except StatusError as exc:
            form.add_rule_error(exc.field, str(exc))
        else:
            messages.success(request, "Tension report recorded")
            return redirect("governance:tensions")
    return render(request, template, _tensions_context(page, form), status=400)


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
    path(
        "plan/deliverables/<int:deliverable_id>/milestones/",
        milestone_add,
        name="milestone_add",
    ),
    path(
        "plan/deliverables/<int:deliverable_id>/milestones/<int:milestone_id>/done/",
        milestone_done,
        name="milestone_done",
    ),
    path("plan/boards/", boards, name="boards"),
    path("plan/boards/<slug:key>/", board, name="board"),
    path("plan/boards/<slug:key>/meetings/", board_meeting, name="board_meeting"),
    path("plan/boards/<slug:key>/actions/", board_action, name="board_action"),
    path(
        "plan/boards/<slug:key>/actions/<int:action_id>/done/",
        board_action_done,
        name="board_action_done",
    ),
    path("plan/tensions/", tensions, name="tensions"),
    path("plan/boards/<slug:key>/members/", board_member, name="board_member"),
    path(
        "plan/boards/<slug:key>/members/<int:member_id>/end/",
        board_member_end,
        name="board_member_end",
    ),
    path("plan/boards/<slug:key>/papers/", board_paper, name="board_paper"),
    path(
        "plan/boards/<slug:key>/papers/<int:paper_id>/",
        board_paper_download,
        name="board_paper_download",
    ),
    *priority_urlpatterns,
]
