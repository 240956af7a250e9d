"""Signed-in hate report pages: the hate crime team's triage queue and a report's page,
and the reporting centres' own pages.

Views parse the request and render only. Each page's reports are read, and what is shown
logged, by its reader in :mod:`saferleeds.hate.access_pages`; reports are changed
through :mod:`saferleeds.incidents.actions`. A report the actor may not see is the same
404 as a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saferleeds.hate.access_pages import (
    QUEUE_LIMIT,
    QueueFilters,
    empty_hate_queue,
    may_triage,
    read_hate_queue,
    read_hate_repeats,
    read_hate_report_form,
    read_hate_report_page,
)
from saferleeds.hate.actions import (
    centre_of,
    centre_references,
    do_close_hate_report,
    do_open_hate_case,
    do_refer_hate_report_to_police,
    do_submit_centre_report,
    do_triage_hate_report,
    may_report_for_centre,
)
from saferleeds.hate.forms import (
    YES_NO,
    CentreReportForm,
    QueueFilterForm,
    ReferralForm,
    TriageForm,
    VersionForm,
)
from saferleeds.hate.models import HateReport
from saferleeds.locking import Conflict
from saferleeds.partners.policy import (
    Actor,
    Forbidden,
    NotFound,
    actor_for,
)

T = TypeVar("T")

CENTRE_SESSION_KEY = "saferleeds_centre_report_reference"
NOT_TEAM = (
    "Hate reports are for the hate crime team: practitioners and case coordinators of "
    "an agency the reports are shared with."
)


def _actor(request: HttpRequest, purpose: str) -> Actor:
    return actor_for(
        request.user, purpose=purpose, remote_addr=request.META.get("REMOTE_ADDR", "")
    )


def _team_actor(request: HttpRequest, purpose: str) -> Actor:
    """The actor, if a member of a hate crime team; else 403.

    ``partners.policy.may_open`` decides who may open hate reports, for these pages and
    the API alike (security finding 3, issue #11): practitioners and case coordinators.
    """
    actor = _actor(request, purpose)
    if not may_triage(actor):
        raise PermissionDenied(NOT_TEAM)
    return actor


def _read(reader: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a page's reader: ``NotFound`` is a 404, ``Forbidden`` a 403."""
    try:
        return reader(*args, **kwargs)
    except NotFound as exc:
        raise Http404("Page not found") from exc
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc


# --- The triage queue ----------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The hate crime team's queue: open reports it may see, oldest first, each aged
    against the triage service level, filtered, with repeat markers."""
    actor = _team_actor(request, "hate report triage queue")
    form = QueueFilterForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
        page = empty_hate_queue()
    else:
        f = form.cleaned_data if form.is_bound else {}
        page = _read(
            read_hate_queue,
            actor,
            QueueFilters(
                status=f.get("status") or "",
                received_from=f.get("received_from"),
                received_to=f.get("received_to"),
                strand=f.get("strand") or "",
                show_closed=bool(f.get("closed")),
            ),
        )
    error_list = [
        (name, errors[0]) for name, errors in form.errors.items() if name != "__all__"
    ]
    return render(
        request,
        "hate/queue.html",
        {
            "form": form,
            "values": request.GET,
            "error_list": error_list,
            "rows": page.rows,
            "total": page.total,
            "limit": QUEUE_LIMIT,
            "status_choices": QueueFilterForm.base_fields["status"].choices,
            "strand_choices": QueueFilterForm.base_fields["strand"].choices,
            "window_days": page.window_days,
            "triage_days": page.triage_days,
            "overdue": page.overdue,
        },
        status=status,
    )


@login_required
@require_GET
def repeats(request: HttpRequest) -> HttpResponse:
    """The top repeat victims and repeat locations in the window."""
    actor = _team_actor(request, "hate report repeats")
    page = _read(read_hate_repeats, actor)
    return render(
        request,
        "hate/repeats.html",
        {
            "victims": page.victims,
            "locations": page.locations,
            "window_days": page.window_days,
            "window_start": page.window_start,
        },
    )


# --- One report ------------------------------------------------------------------------


@login_required
@require_GET
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    """A report as the hate crime team sees it, with what can be done next."""
    actor = _team_actor(request, "view hate report")
    page = _read(read_hate_report_page, actor, report_id)
    return render(
        request,
        "hate/report.html",
        {
            "report": page.report,
            "strands": page.strands,
            "victim": page.victim,
            "can_change": page.can_change,
            "repeat_victim": page.repeat_victim,
            "repeat_location": page.repeat_location,
            "window_days": page.window_days,
        },
    )


def _conflict(
    request: HttpRequest, actor: Actor, report_id: int, exc: Conflict
) -> HttpResponse:
    page = _read(read_hate_report_form, actor, report_id)
    return render(
        request,
        "hate/conflict.html",
        {"report": page.report, "message": str(exc)},
        status=409,
    )


def _changing(
    request: HttpRequest, report_id: int, purpose: str, **kwargs: Any
) -> tuple[Actor, HateReport, Any]:
    """The actor, report and its form's read, for a page that changes the report: 404
    if unseen, 403 if read-only. ``kwargs``: passed to the reader."""
    actor = _team_actor(request, purpose)
    # Showing a form is a consultation; a save is logged by the action.
    page = _read(
        read_hate_report_form,
        actor,
        report_id,
        audit=request.method == "GET",
        **kwargs,
    )
    if not page.can_change:
        raise PermissionDenied(
            "Only the hate crime team holding this report can change it."
        )
    return actor, page.report, page


def _run(
    request: HttpRequest, actor: Actor, report_id: int, action: Callable[[], Any]
) -> HttpResponse | None:
    """Run an action; the error page to show if it failed, else ``None``."""
    try:
        action()
    except NotFound as exc:
        raise Http404("Page not found") from exc
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except Conflict as exc:
        return _conflict(request, actor, report_id, exc)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def triage(request: HttpRequest, report_id: int) -> HttpResponse:
    """Set priority and a note, and link the person it happened to (people search)."""
    name = (request.GET.get("name") or "").strip()
    actor, report, page = _changing(
        request, report_id, "triage hate report", with_victim=True, search=name
    )
    context: dict[str, Any] = {
        "report": report,
        "name": name,
        "results": None if page.results is None else list(page.results),
        "current_victim": page.current_victim,
        "priority_choices": TriageForm.base_fields["priority"].choices,
    }
    if request.method == "GET":
        values = {
            "priority": report.priority,
            "note": report.triage_note,
            "version": report.version,
        }
        return render(
            request,
            "hate/triage.html",
            {**context, "values": values, "errors": {}},
        )
    form = TriageForm(request.POST)
    if not form.is_valid():
        errors = {k: v[0] for k, v in form.errors.items()}
        return render(
            request,
            "hate/triage.html",
            {
                **context,
                "values": request.POST,
                "errors": errors,
                "error_list": [
                    ("priority-1" if k == "priority" else k, m)
                    for k, m in errors.items()
                ],
            },
            status=400,
        )
    d = form.cleaned_data
    failed = _run(
        request,
        actor,
        report_id,
        lambda: do_triage_hate_report(
            report_id,
            actor=actor,
            expected_version=d["version"],
            priority=d["priority"],
            note=d["note"],
            victim_id=d["victim_id"],
        ),
    )
    if failed:
        return failed
    messages.success(request, "Triage saved")
    return redirect("hate:report", report_id=report_id)


@login_required
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, report_id: int) -> HttpResponse:
    """Record the referral of the report to the police: date and their reference."""
    actor, report, _ = _changing(request, report_id, "refer hate report to police")
    if report.status == HateReport.Status.CLOSED:
        raise PermissionDenied("A closed report cannot be referred.")
    if request.method == "GET":
        today = timezone.localdate()
        values = {
            "version": report.version,
            "police_reference": report.police_reference,
            "referred_on_day": today.day,
            "referred_on_month": today.month,
            "referred_on_year": today.year,
        }
        return render(
            request,
            "hate/refer.html",
            {"report": report, "values": values, "errors": {}},
        )
    form = ReferralForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            failed = _run(
                request,
                actor,
                report_id,
                lambda: do_refer_hate_report_to_police(
                    report_id,
                    actor=actor,
                    expected_version=d["version"],
                    referred_on=d["referred_on"],
                    police_reference=d["police_reference"],
                ),
            )
        except ValueError as exc:
            form.add_error("referred_on_day", str(exc).capitalize())
        else:
            if failed:
                return failed
            messages.success(request, "Referral to the police recorded")
            return redirect("hate:report", report_id=report_id)
    errors = {
        ("referred_on" if k.startswith("referred_on") else k): v[0]
        for k, v in form.errors.items()
    }
    anchors = {"referred_on": "referred_on-day"}
    return render(
        request,
        "hate/refer.html",
        {
            "report": report,
            "values": request.POST,
            "errors": errors,
            "error_list": [(anchors.get(k, k), m) for k, m in errors.items()],
            "date_parts": "day month year" if "referred_on" in errors else "",
        },
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, report_id: int) -> HttpResponse:
    """Close the report (GET asks to confirm)."""
    actor, report, _ = _changing(request, report_id, "close hate report")
    if report.status == HateReport.Status.CLOSED:
        raise PermissionDenied("This report is already closed.")
    if request.method == "GET":
        return render(request, "hate/close.html", {"report": report})
    form = VersionForm(request.POST)
    if not form.is_valid():
        return redirect("hate:close", report_id=report_id)
    failed = _run(
        request,
        actor,
        report_id,
        lambda: do_close_hate_report(
            report_id, actor=actor, expected_version=form.cleaned_data["version"]
        ),
    )
    if failed:
        return failed
    messages.success(request, "Report closed")
    return redirect("hate:report", report_id=report_id)


@login_required
@require_POST
def open_case(request: HttpRequest, report_id: int) -> HttpResponse:
    """Open a hate crime case for the report (the button on the report's page)."""
    actor, report, _ = _changing(request, report_id, "open hate crime case")
    form = VersionForm(request.POST)
    if not form.is_valid():
        return redirect("hate:report", report_id=report_id)
    opened: list[Any] = []
    failed = _run(
        request,
        actor,
        report_id,
        lambda: opened.append(
            do_open_hate_case(
                report_id, actor=actor, expected_version=form.cleaned_data["version"]
            )
        ),
    )
    if failed:
        return failed
    messages.success(request, f"Hate crime case {opened[0].reference} opened")
    return redirect("hate:report", report_id=report_id)


# --- Reporting centres ------------------------------------------------------------------


def _centre_actor(request: HttpRequest, purpose: str) -> tuple[Actor, Any]:
    actor = _actor(request, purpose)
    if not may_report_for_centre(actor):
        raise PermissionDenied(
            "These pages are for staff of a hate incident reporting centre."
        )
    return actor, centre_of(actor)


@login_required
@require_GET
def centre_home(request: HttpRequest) -> HttpResponse:
    """A centre's page: report for a victim, and the references the centre sent."""
    actor, centre = _centre_actor(request, "reporting centre references")
    return render(
        request,
        "hate/centre_home.html",
        {
            "centre": centre,
            "reports": centre_references(actor),
            "just_sent": request.session.pop(CENTRE_SESSION_KEY, None),
        },
    )


def _render_centre_form(
    request: HttpRequest, form: CentreReportForm, centre: Any, status: int = 200
) -> HttpResponse:
    data = form.data if form.is_bound else {}
    return render(
        request,
        "hate/centre_form.html",
        {
            "centre": centre,
            "form": form,
            "values": data,
            "strands_selected": data.getlist("strands")
            if hasattr(data, "getlist")
            else [],
            "errors": form.field_errors if form.is_bound else {},
            "error_list": form.error_list if form.is_bound else [],
            "strand_choices": HateReport.Strand.choices,
            "perceived_choices": HateReport.PerceivedBy.choices,
            "contact_choices": HateReport.ContactPreference.choices,
            "yes_no": YES_NO,
            "anonymous_choices": [("yes", "Yes, they stay anonymous"), ("no", "No")],
            "centre_form": True,
            "strand_other_label": "What else do they think it was about?",
            "victim_legend": "Is the person you are reporting for the victim?",
            "anonymous_legend": "Does the victim want to stay anonymous?",
            "anonymous_hint": "If they stay anonymous, leave the contact questions "
            "below empty. The hate crime team will not be able to contact them.",
            "contact_legend": "How should the hate crime team contact them?",
            "name_label": "Their name (optional)",
            "safe_label": "When is it safe to contact them? (optional)",
            "email_hint": "If they want to be emailed",
            "phone_hint": "If they want a phone call",
            # The browser would offer the centre worker's own name, email and phone.
            "contact_autocomplete": "off",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def centre_new(request: HttpRequest) -> HttpResponse:
    """Report a hate incident on a victim's behalf."""
    actor, centre = _centre_actor(request, "reporting centre report")
    if request.method == "GET":
        return _render_centre_form(request, CentreReportForm(), centre)
    form = CentreReportForm(request.POST)
    if not form.is_valid():
        return _render_centre_form(request, form, centre, status=400)
    try:
        report = do_submit_centre_report(
            form.details(),
            actor=actor,
            centre_reference=form.cleaned_data["centre_reference"],
            centre_notes=form.cleaned_data["centre_notes"],
        )
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    request.session[CENTRE_SESSION_KEY] = report.reference
    return redirect(reverse("hate:centre"))
