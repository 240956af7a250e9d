"""Case pages: the case list, opening a case, the case page and its forms, documents.

Views parse the request and render. Cases and everything on them are read only through
the access layer's page readers (:mod:`~saferleeds.safeguarding.access.case_page`,
:mod:`~saferleeds.safeguarding.access.case_forms`), which show and log what a page
shows, and its ``access_*_by_id`` functions; they are changed only through
:mod:`saferleeds.safeguarding.actions.cases`. A case the actor may not see is the same 404
as a missing one; a change they may not make is a 403; a save from an out-of-date version
is a 409 that shows what is saved now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saferleeds.core.registry import case_modules
from saferleeds.locking import Conflict
from saferleeds.partners.models import Agency, Role
from saferleeds.partners.policy import (
    CASEWORK_ROLES,
    Actor,
    may_change,
    may_see_personal_data,
    pseudonymised,
)
from saferleeds.people.models import SubjectRole
from saferleeds.places.models import Area
from saferleeds.safeguarding import documents
from saferleeds.safeguarding.access.case_forms import (
    count_open_tasks,
    incident_ids_by_reference,
    open_case_document,
    person_link_choices,
    place_link_choices,
    read_case_list,
)
from saferleeds.safeguarding.access.case_page import CasePage, read_case_page
from saferleeds.safeguarding.access.cases import access_case_task_by_id
from saferleeds.safeguarding.actions import cases as actions
from saferleeds.safeguarding.forms.cases import (
    CaseCreateForm,
    CaseEditForm,
    CaseListFilterForm,
    CloseCaseForm,
    CompleteTaskForm,
    ConsentForm,
    DocumentForm,
    IncidentLinkForm,
    MemberForm,
    NoteForm,
    PersonLinkForm,
    PlaceLinkForm,
    ReopenCaseForm,
    TaskForm,
)
from saferleeds.safeguarding.models import Case, CaseMember, CaseNote, RiskLevel
from saferleeds.safeguarding.views._common import (
    case_or_404,
    form_page,
    get_or_404,
    http_errors,
    request_actor,
    sentence,
)

NO_PERSONAL_DATA = (
    "Your role does not give access to casework. Ask your agency administrator if you "
    "need it for your work."
)


# --- helpers --------------------------------------------------------------------------


def _actor(request: HttpRequest, purpose: str) -> Actor:
    actor = request_actor(request, purpose)
    if not may_see_personal_data(actor):
        raise PermissionDenied(NO_PERSONAL_DATA)
    return actor


def _may_change(actor: Actor, case: Case) -> bool:
    return may_change(actor, {case.lead_agency_id}, {case.pk})


def _is_lead(actor: Actor, case: Case) -> bool:
    return actor.has(CASEWORK_ROLES) and actor.agency_id == case.lead_agency_id


def _changeable_or_403(actor: Actor, case: Case) -> None:
    if not _may_change(actor, case):
        raise PermissionDenied("You may see this case but not change it.")
    if case.status != Case.Status.OPEN:
        raise PermissionDenied("This case is closed: reopen it to change it.")


def _agency_choices() -> list[tuple[int, str]]:
    return list(Agency.objects.order_by("name").values_list("id", "name"))


def _area_choices(levels: tuple[str, ...]) -> list[tuple[str, list[tuple[int, str]]]]:
    """Areas grouped by level, for a select with option groups."""
    groups: list[tuple[str, list[tuple[int, str]]]] = []
    for level in levels:
        options = list(
            Area.objects.filter(level=level).order_by("name").values_list("id", "name")
        )
        if options:
            groups.append((Area.Level(level).label, options))
    return groups


FILTER_AREA_LEVELS = (Area.Level.NEIGHBOURHOOD, Area.Level.MSOA, Area.Level.LSOA)
CASE_AREA_LEVELS = (Area.Level.LSOA,)


def _form_page(
    request: HttpRequest,
    template: str,
    case: Case | None,
    *,
    make_form: Callable[[Any], Any],
    action: Callable[[Any], Any],
    success: str | Callable[[Any], str],
    field: str | None = None,
    on_conflict: Callable[[Conflict, Any], HttpResponse] | None = None,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """The shared form cycle with this module's wording and redirect.

    A broken rule's message is shown as a sentence; success goes back to the case
    page (``case_new`` passes its own result's case). ``context`` is what the
    template needs besides the case and the form.
    """
    extra = context or {}
    return form_page(
        request,
        make_form=make_form,
        action=action,
        success=success,
        done=lambda result: redirect(
            "safeguarding:case", case_id=case.pk if case else result.pk
        ),
        show=lambda form, status: _render_form(
            request, template, case, form, status=status, **extra
        ),
        field=field,
        errors=(ValueError, documents.DocumentRejected),
        text=sentence,
        on_conflict=on_conflict,
    )


def _render_form(
    request: HttpRequest,
    template: str,
    case: Case | None,
    form: Any,
    *,
    status: int | None = None,
    **extra: Any,
) -> HttpResponse:
    context = {"case": case, "form": form, **extra}
    if status is None:
        status = 400 if form.is_bound and form.error_list else 200
    return render(request, template, context, status=status)


# --- case list ------------------------------------------------------------------------


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """Cases the actor may see, filtered; every case listed is audited as seen."""
    actor = _actor(request, "case list")
    form = CaseListFilterForm(
        request.GET or None,
        agencies=_agency_choices(),
        areas=_area_choices(FILTER_AREA_LEVELS),
    )
    filters = form.filters() if form.is_bound else {"status": "open"}
    listed = read_case_list(actor, filters, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "safeguarding/cases/list.html",
        {
            "form": form,
            "filters": filters,
            "rows": listed.rows,
            "page": listed,
            "paginator": listed,
            "query": query.urlencode(),
            "analyst": listed.pseudonymised,
            "can_open": actor.has(CASEWORK_ROLES) and actor.agency_id is not None,
            "status_choices": form.fields["status"].choices,
            "type_choices": form.fields["case_type"].choices,
            "agency_choices": _agency_choices(),
            "area_groups": _area_choices(FILTER_AREA_LEVELS),
            "due_choices": form.fields["due"].choices,
        },
    )


# --- opening a case -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    """Open a case led by the actor's agency."""
    actor = _actor(request, "open case")
    if not actor.has(CASEWORK_ROLES) or actor.agency_id is None:
        raise PermissionDenied("Only practitioners and case coordinators open cases.")
    areas = _area_choices(CASE_AREA_LEVELS)
    extra = {
        "type_choices": Case.Type.choices,
        "risk_choices": [("", "Not assessed"), *RiskLevel.choices],
        "area_groups": areas,
    }
    return _form_page(
        request,
        "safeguarding/cases/new.html",
        None,
        make_form=lambda data: CaseCreateForm(data, areas=areas),
        action=lambda form: actions.do_create_case(
            actor=actor,
            case_type=form.cleaned_data["case_type"],
            title=form.cleaned_data["title"],
            summary=form.cleaned_data["summary"],
            risk_level=form.cleaned_data["risk_level"],
            area_id=form.cleaned_data["area"],
            opened_on=form.cleaned_data["opened"],
            review_due_on=form.cleaned_data["review"],
        ),
        success=lambda case: f"Case {case.reference} opened",
        context=extra,
    )


# --- the case page ----------------------------------------------------------------------


def _panels(request: HttpRequest, actor: Actor, page: CasePage) -> list[SafeString]:
    """Each casework module's panel for this case, as the module renders it.

    The modules plug in through ``core.registry.register_case_module``; each panel
    shows what the case page's reader read and logged (``CasePage.panels``), and a
    module with nothing to show has no panel there.
    """
    html = []
    for module in case_modules(page.case.case_type):
        panel = page.panels.get(module.label)
        if panel is None or module.render_panel is None:
            continue
        rendered = module.render_panel(request, actor, page, panel)
        if rendered:
            html.append(mark_safe(rendered))  # noqa: S308 - the module's own template
    return html


@login_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case: summary, timeline, people, members, places, notes, tasks, documents.

    Read, pseudonymised and logged by :func:`read_case_page`; this only renders.
    """
    actor = _actor(request, "view case")
    page = get_or_404(read_case_page, actor, case_id, channel="web")
    is_open = page.case.is_open
    return render(
        request,
        "safeguarding/cases/case.html",
        {
            "page": page,
            "case": page.case,
            "pseudonymised": page.pseudonymised,
            "can_change": page.can_change and is_open,
            "can_note": page.can_change,
            "can_close": page.is_lead and is_open,
            "can_reopen": page.is_lead and not is_open,
            "panels": _panels(request, actor, page),
        },
    )


# --- changing the case ------------------------------------------------------------------


def _conflict(
    request: HttpRequest,
    template: str,
    case_id: int,
    actor: Actor,
    make: Any,
    exc: Conflict,
    entered: dict[str, Any] | None = None,
) -> HttpResponse:
    """Re-show a versioned form with what is saved now, and say why (409).

    With ``entered`` (the details the user tried to save), also list each detail where
    what is saved now differs from what they entered.
    """
    current = case_or_404(actor, case_id, event="safeguarding.case.view")
    form = make(current)
    return _render_form(
        request,
        template,
        current,
        form,
        status=409,
        conflict=str(exc),
        conflict_rows=_differences(current, entered) if entered else [],
        **_case_form_extra(),
    )


def _differences(case: Case, entered: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(detail, saved now, you entered)`` for each case detail that differs."""

    def show(field: str, value: Any) -> str:
        if value in (None, ""):
            return "(blank)"
        if field == "risk_level":
            return str(RiskLevel(value).label)
        if field == "area_id":
            area = Area.objects.filter(pk=value).first()
            return area.name if area else "(blank)"
        if isinstance(value, date):
            return value.strftime("%-d %B %Y")
        return str(value)

    labels = {
        "title": "Title",
        "summary": "Summary",
        "risk_level": "Risk level",
        "area_id": "Area",
        "review_due_on": "Next review date",
    }
    return [
        (label, show(k, getattr(case, k)), show(k, entered.get(k)))
        for k, label in labels.items()
        if (getattr(case, k) or None) != (entered.get(k) or None)
    ]


def _case_form_extra() -> dict[str, Any]:
    return {
        "risk_choices": [("", "Not assessed"), *RiskLevel.choices],
        "area_groups": _area_choices(CASE_AREA_LEVELS),
        "consent_choices": Case.Consent.choices,
        "outcome_choices": Case.Outcome.choices,
    }


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    """Change a case's details (versioned)."""
    actor = _actor(request, "change case details")
    case = case_or_404(actor, case_id, audit=request.method == "GET")
    _changeable_or_403(actor, case)
    areas = _area_choices(CASE_AREA_LEVELS)
    template = "safeguarding/cases/edit.html"

    def blank(c: Case) -> CaseEditForm:
        return CaseEditForm(
            initial=CaseEditForm.initial_for(c), areas=areas, opened_on=c.opened_on
        )

    return _form_page(
        request,
        template,
        case,
        make_form=lambda data: (
            blank(case)
            if data is None
            else CaseEditForm(data, areas=areas, opened_on=case.opened_on)
        ),
        action=lambda form: actions.do_update_case(
            case_id,
            actor=actor,
            expected_version=form.cleaned_data["version"],
            changes=form.changes(),
        ),
        success="Case details saved",
        on_conflict=lambda exc, form: _conflict(
            request, template, case_id, actor, blank, exc, entered=form.changes()
        ),
        context=_case_form_extra(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_consent(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record consent to share (versioned)."""
    actor = _actor(request, "record consent")
    case = case_or_404(actor, case_id, audit=request.method == "GET")
    _changeable_or_403(actor, case)
    template = "safeguarding/cases/consent.html"

    def blank(c: Case) -> ConsentForm:
        return ConsentForm(initial=ConsentForm.initial_for(c), opened_on=c.opened_on)

    return _form_page(
        request,
        template,
        case,
        make_form=lambda data: (
            blank(case) if data is None else ConsentForm(data, opened_on=case.opened_on)
        ),
        action=lambda form: actions.do_record_consent(
            case_id,
            actor=actor,
            expected_version=form.cleaned_data["version"],
            consent=form.cleaned_data["consent"],
            recorded_on=form.cleaned_data["recorded"],
            note=form.cleaned_data["note"],
        ),
        success="Consent recorded",
        on_conflict=lambda exc, form: _conflict(
            request, template, case_id, actor, blank, exc
        ),
        context=_case_form_extra(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    """Close the case with its outcome (lead agency only)."""
    actor = _actor(request, "close case")
    case = case_or_404(actor, case_id, audit=request.method == "GET")
    if not _is_lead(actor, case) or case.status != Case.Status.OPEN:
        raise PermissionDenied("Only the lead agency closes an open case.")
    template = "safeguarding/cases/close.html"
    open_tasks = count_open_tasks(actor, case.pk)
    extra = {**_case_form_extra(), "open_tasks": open_tasks}

    def blank(c: Case) -> CloseCaseForm:
        return CloseCaseForm(initial={"version": c.version}, opened_on=c.opened_on)

    return _form_page(
        request,
        template,
        case,
        make_form=lambda data: (
            blank(case)
            if data is None
            else CloseCaseForm(data, opened_on=case.opened_on)
        ),
        action=lambda form: actions.do_close_case(
            case_id,
            actor=actor,
            expected_version=form.cleaned_data["version"],
            outcome=form.cleaned_data["outcome"],
            closed_on=form.cleaned_data["closed"],
            note=form.cleaned_data["note"],
        ),
        success="Case closed",
        on_conflict=lambda exc, form: _conflict(
            request, template, case_id, actor, blank, exc
        ),
        context=extra,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_reopen(request: HttpRequest, case_id: int) -> HttpResponse:
    """Reopen a closed case (lead agency only)."""
    actor = _actor(request, "reopen case")
    case = case_or_404(actor, case_id, audit=request.method == "GET")
    if not _is_lead(actor, case) or case.status != Case.Status.CLOSED:
        raise PermissionDenied("Only the lead agency reopens a closed case.")
    template = "safeguarding/cases/reopen.html"

    def blank(c: Case) -> ReopenCaseForm:
        return ReopenCaseForm(initial={"version": c.version})

    return _form_page(
        request,
        template,
        case,
        make_form=lambda data: blank(case) if data is None else ReopenCaseForm(data),
        action=lambda form: actions.do_reopen_case(
            case_id,
            actor=actor,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        ),
        success="Case reopened",
        on_conflict=lambda exc, form: _conflict(
            request, template, case_id, actor, blank, exc
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def note_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Add a note (fact or professional assessment)."""
    actor = _actor(request, "add case note")
    case = case_or_404(actor, case_id, audit=False)
    if not _may_change(actor, case):
        raise PermissionDenied("You may see this case but not add notes to it.")
    template = "safeguarding/cases/note.html"
    extra = {"kind_choices": CaseNote.Kind.choices}
    return _form_page(
        request,
        template,
        case,
        make_form=NoteForm,
        action=lambda form: actions.do_add_case_note(
            case_id,
            actor=actor,
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
        ),
        success="Note added",
        context=extra,
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Add a task for an agency, with its due date."""
    actor = _actor(request, "add case task")
    case = case_or_404(actor, case_id, audit=False)
    _changeable_or_403(actor, case)
    template = "safeguarding/cases/task.html"
    agencies = _agency_choices()
    workers = _worker_groups()
    extra = {"agency_choices": agencies, "worker_groups": workers}
    return _form_page(
        request,
        template,
        case,
        make_form=lambda data: TaskForm(
            data,
            # The actor's own agency is the likely owner of a new task.
            initial=None if data is not None else {"owner_agency": actor.agency_id},
            agencies=agencies,
            workers=workers,
            opened_on=case.opened_on,
        ),
        action=lambda form: actions.do_add_case_task(
            case_id,
            actor=actor,
            title=form.cleaned_data["title"],
            detail=form.cleaned_data["detail"],
            owner_agency_id=form.cleaned_data["owner_agency"],
            due_on=form.cleaned_data["due"],
            assigned_to_id=form.cleaned_data["assigned_to"],
        ),
        success="Task added",
        field="assigned_to",
        context=extra,
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_complete(request: HttpRequest, case_id: int, task_id: int) -> HttpResponse:
    """Mark a task done with the evidence (owner agency or lead agency)."""
    actor = _actor(request, "complete case task")
    case = case_or_404(actor, case_id, audit=False)
    task = get_or_404(
        access_case_task_by_id, actor, task_id, audit=request.method == "GET"
    )
    if task.case_id != case.pk:
        raise Http404("Page not found")
    if (
        not actor.has(CASEWORK_ROLES)
        or actor.agency_id not in {task.owner_agency_id, case.lead_agency_id}
        or task.completed_on is not None
        or case.status != Case.Status.OPEN
    ):
        raise PermissionDenied(
            "Only the owner agency or the lead agency completes an outstanding task."
        )
    template = "safeguarding/cases/task_complete.html"
    extra = {"task": task, "identified": not pseudonymised(actor)}

    def blank() -> CompleteTaskForm:
        return CompleteTaskForm(
            initial={"version": task.version}, opened_on=case.opened_on
        )

    def conflict(exc: Conflict, form: CompleteTaskForm) -> HttpResponse:
        task.refresh_from_db()
        if task.completed_on is not None:
            messages.success(request, "Someone else completed this task first")
            return redirect("safeguarding:case", case_id=case_id)
        return _render_form(
            request, template, case, blank(), status=409, conflict=str(exc), **extra
        )

    return _form_page(
        request,
        template,
        case,
        make_form=lambda data: (
            blank()
            if data is None
            else CompleteTaskForm(data, opened_on=case.opened_on)
        ),
        action=lambda form: actions.do_complete_case_task(
            task_id,
            actor=actor,
            expected_version=form.cleaned_data["version"],
            completed_on=form.cleaned_data["completed"],
            note=form.cleaned_data["note"],
        ),
        success="Task marked as complete",
        on_conflict=conflict,
        context=extra,
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Upload a document (checked for type and size, stored outside the web root)."""
    actor = _actor(request, "add case document")
    case = case_or_404(actor, case_id, audit=False)
    _changeable_or_403(actor, case)
    template = "safeguarding/cases/document.html"
    extra = {
        "allowed": documents.ALLOWED_EXTENSIONS,
        "max_mb": documents.max_bytes() // (1024 * 1024),
    }

    def upload(form: DocumentForm) -> Any:
        file = form.cleaned_data["file"]
        # Read one byte past the limit: enough to refuse, never the whole of a huge file.
        data = file.read(documents.max_bytes() + 1)
        return actions.do_upload_case_document(
            case_id,
            actor=actor,
            title=form.cleaned_data["title"],
            filename=file.name or "",
            data=data,
        )

    return _form_page(
        request,
        template,
        case,
        # Unbound on GET: a form given even an empty FILES would count as bound.
        make_form=lambda data: (
            DocumentForm() if data is None else DocumentForm(data, request.FILES)
        ),
        action=upload,
        success="Document added",
        field="file",
        context=extra,
    )


@login_required
@require_GET
def document_download(
    request: HttpRequest, case_id: int, document_id: int
) -> HttpResponse:
    """Send a document as an attachment, after the access check (audited)."""
    actor = _actor(request, "download case document")
    doc = http_errors(lambda: open_case_document(actor, case_id, document_id))
    response = HttpResponse(doc.data, content_type=doc.content_type)
    response["Content-Disposition"] = content_disposition_header(True, doc.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Length"] = str(len(doc.data))
    return response


def _worker_groups(
    exclude: set[int] | None = None,
) -> list[tuple[str, list[tuple[int, str]]]]:
    """Active practitioners and case coordinators of every agency, grouped by agency."""
    workers: dict[str, list[tuple[int, str]]] = {}
    candidates = (
        User.objects.filter(
            is_active=True,
            membership__isnull=False,
            role_grants__role__in=[Role.PRACTITIONER, Role.CASE_COORDINATOR],
        )
        .exclude(pk__in=exclude or set())
        .select_related("membership__agency")
        .distinct()
        .order_by("membership__agency__name", "last_name", "first_name")
    )
    for u in candidates:
        label = u.get_full_name() or u.username
        if u.membership.job_title:
            label += f", {u.membership.job_title}"
        workers.setdefault(u.membership.agency.name, []).append((u.pk, label))
    return list(workers.items())


@login_required
@require_http_methods(["GET", "POST"])
def member_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Add a named worker of any partner agency (a disclosure to them)."""
    actor = _actor(request, "add case member")
    case = case_or_404(actor, case_id, audit=False)
    _changeable_or_403(actor, case)
    current = set(
        CaseMember.objects.filter(case=case).values_list("user_id", flat=True)
    )
    groups = _worker_groups(exclude=current)
    template = "safeguarding/cases/member.html"
    extra = {"worker_groups": groups}

    def add(form: MemberForm) -> User:
        user = User.objects.get(pk=form.cleaned_data["user"])
        actions.do_add_case_member(case_id, user, actor=actor)
        return user

    return _form_page(
        request,
        template,
        case,
        make_form=lambda data: MemberForm(data, workers=groups),
        action=add,
        success=lambda user: f"{user.get_full_name() or user.username} added",
        field="user",
        context=extra,
    )


def _post_action(
    request: HttpRequest, case_id: int, call: Callable[[Actor], Any], message: str
) -> HttpResponse:
    actor = _actor(request, "change case")
    http_errors(lambda: call(actor))
    messages.success(request, message)
    return redirect("safeguarding:case", case_id=case_id)


@login_required
@require_POST
def member_remove(request: HttpRequest, case_id: int, user_id: int) -> HttpResponse:
    """Take a named worker off the case."""
    return _post_action(
        request,
        case_id,
        lambda a: actions.do_remove_case_member(case_id, user_id, actor=a),
        "Member removed",
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_link(request: HttpRequest, case_id: int) -> HttpResponse:
    """Link an incident the actor may see, found by its agency reference."""
    actor = _actor(request, "link incident to case")
    case = case_or_404(actor, case_id, audit=False)
    _changeable_or_403(actor, case)
    template = "safeguarding/cases/incident_link.html"

    def link(form: IncidentLinkForm) -> None:
        found = incident_ids_by_reference(actor, form.cleaned_data["reference"])
        # Raised as broken rules so that they land on the reference field.
        if not found:
            raise ValueError("No incident you have access to has that reference")
        if len(found) > 1:
            raise ValueError(
                "More than one agency uses that reference: ask the agency that "
                "recorded it to link it"
            )
        actions.do_link_incident_to_case(case_id, found[0], actor=actor)

    return _form_page(
        request,
        template,
        case,
        make_form=IncidentLinkForm,
        action=link,
        success="Incident linked",
        field="reference",
    )


@login_required
@require_POST
def incident_unlink(
    request: HttpRequest, case_id: int, incident_id: int
) -> HttpResponse:
    """Remove an incident's link to the case."""
    return _post_action(
        request,
        case_id,
        lambda a: actions.do_unlink_incident_from_case(case_id, incident_id, actor=a),
        "Incident unlinked",
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_link(request: HttpRequest, case_id: int) -> HttpResponse:
    """Link a person in a role: one of those, visible to the actor, on the case's
    incidents (finding anyone else is the people search's job)."""
    actor = _actor(request, "link person to case")
    case = case_or_404(actor, case_id, audit=False)
    _changeable_or_403(actor, case)
    choices = person_link_choices(actor, case.pk)
    template = "safeguarding/cases/person_link.html"
    extra = {"person_choices": choices, "role_choices": SubjectRole.choices}
    return _form_page(
        request,
        template,
        case,
        make_form=lambda data: PersonLinkForm(data, people=choices),
        action=lambda form: actions.do_link_person_to_case(
            case_id, form.cleaned_data["person"], form.cleaned_data["role"], actor=actor
        ),
        success="Person linked",
        field="person",
        context=extra,
    )


@login_required
@require_POST
def person_unlink(request: HttpRequest, case_id: int, person_id: int) -> HttpResponse:
    """Remove a person's role (posted as ``role``) on the case."""
    role = request.POST.get("role", "")
    return _post_action(
        request,
        case_id,
        lambda a: actions.do_unlink_person_from_case(case_id, person_id, role, actor=a),
        "Person unlinked",
    )


@login_required
@require_http_methods(["GET", "POST"])
def place_link(request: HttpRequest, case_id: int) -> HttpResponse:
    """Link a place: one of those, visible to the actor, of the case's incidents."""
    actor = _actor(request, "link place to case")
    case = case_or_404(actor, case_id, audit=False)
    _changeable_or_403(actor, case)
    choices = place_link_choices(actor, case.pk)
    template = "safeguarding/cases/place_link.html"
    extra = {"place_choices": choices}
    return _form_page(
        request,
        template,
        case,
        make_form=lambda data: PlaceLinkForm(data, places=choices),
        action=lambda form: actions.do_link_place_to_case(
            case_id,
            form.cleaned_data["place"],
            actor=actor,
            note=form.cleaned_data["note"],
        ),
        success="Place linked",
        field="place",
        context=extra,
    )


@login_required
@require_POST
def place_unlink(request: HttpRequest, case_id: int, place_id: int) -> HttpResponse:
    """Remove a place's link to the case."""
    return _post_action(
        request,
        case_id,
        lambda a: actions.do_unlink_place_from_case(case_id, place_id, actor=a),
        "Place unlinked",
    )


urlpatterns: list[URLPattern] = [
    path("cases/", case_list, name="case_list"),
    path("cases/new/", case_new, name="case_new"),
    path("cases/<int:case_id>/", case_detail, name="case"),
    path("cases/<int:case_id>/edit/", case_edit, name="case_edit"),
    path("cases/<int:case_id>/consent/", case_consent, name="case_consent"),
    path("cases/<int:case_id>/close/", case_close, name="case_close"),
    path("cases/<int:case_id>/reopen/", case_reopen, name="case_reopen"),
    path("cases/<int:case_id>/notes/new/", note_new, name="case_note_new"),
    path("cases/<int:case_id>/tasks/new/", task_new, name="case_task_new"),
    path(
        "cases/<int:case_id>/tasks/<int:task_id>/complete/",
        task_complete,
        name="case_task_complete",
    ),
    path("cases/<int:case_id>/documents/new/", document_new, name="case_document_new"),
    path(
        "cases/<int:case_id>/documents/<int:document_id>/",
        document_download,
        name="case_document",
    ),
    path("cases/<int:case_id>/members/new/", member_new, name="case_member_new"),
    path(
        "cases/<int:case_id>/members/<int:user_id>/remove/",
        member_remove,
        name="case_member_remove",
    ),
    path(
        "cases/<int:case_id>/incidents/new/", incident_link, name="case_incident_link"
    ),
    path(
        "cases/<int:case_id>/incidents/<int:incident_id>/unlink/",
        incident_unlink,
        name="case_incident_unlink",
    ),
    path("cases/<int:case_id>/people/new/", person_link, name="case_person_link"),
    path(
        "cases/<int:case_id>/people/<int:person_id>/unlink/",
        person_unlink,
        name="case_person_unlink",
    ),
    path("cases/<int:case_id>/places/new/", place_link, name="case_place_link"),
    path(
        "cases/<int:case_id>/places/<int:place_id>/unlink/",
        place_unlink,
        name="case_place_unlink",
    ),
]
