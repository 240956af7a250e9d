"""The audit viewer: information-governance leads see who accessed a person's record and
export subject-access bundles, through :mod:`saferleeds.infogov.subject_access`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.infogov.forms import SubjectAccessForm
from saferleeds.infogov.subject_access import (
    access_history_for_person,
    do_export_subject_access,
)
from saferleeds.partners.models import Agency, Role
from saferleeds.partners.policy import (
    IG_ROLES,
    Actor,
    Forbidden,
    NotFound,
    request_actor,
)
from saferleeds.people.access import access_person_by_id
from saferleeds.people.present import present_person
from saferleeds.people.views import run_search

PER_PAGE = 50
IG_ONLY = (
    "The audit viewer is for information-governance leads. Ask your agency's "
    "information-governance lead if you need to know who has seen a record."
)

EVENTS = {
    "people.person.create": "Recorded the person",
    "people.person.view": "Opened the person's record",
    "people.person.search": "Found the person in a search",
    "people.person.update": "Changed the person's details",
    "people.person.roles": "Saw an incident or case the person is on",
    "people.agency_reference.add": "Added an agency reference",
    "incidents.incident.link_person": "Linked the person to an incident",
    "safeguarding.case.link_person": "Linked the person to a case",
    "audit.person_history.view": "Viewed this access history",
    "audit.subject_access.export": "Exported a subject-access bundle",
}


def may_audit(actor: Actor) -> bool:
    """Whether the actor may use the audit pages (information-governance leads): the
    pages' guard and their menu item's rule."""
    return actor.has(IG_ROLES)


def _require_ig(actor: Actor) -> None:
    if not may_audit(actor):
        raise PermissionDenied(IG_ONLY)


def _roles(value: str) -> str:
    labels = []
    for code in filter(None, value.split(",")):
        try:
            labels.append(Role(code).label)
        except ValueError:
            labels.append(code)
    return ", ".join(labels)


def _row(entry: AuditEntry, agencies: dict[str, str]) -> dict[str, Any]:
    try:
        operation = Operation(entry.operation).label
    except ValueError:
        operation = entry.operation
    return {
        "seq": entry.seq,
        "at": entry.at,
        "who": entry.actor_username or "The system",
        "agency": agencies.get(entry.agency_code, entry.agency_code.upper()),
        "roles": _roles(entry.roles),
        "operation": operation,
        "refused": entry.operation == Operation.REFUSAL,
        "event": EVENTS.get(entry.event, entry.event),
        "event_code": entry.event,
        "record": f"{entry.record_type} {entry.record_id}".strip(),
        "purpose": entry.purpose,
        "recipient": entry.recipient,
    }


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Find a person the lead's agency holds, to see their access history."""
    actor = request_actor(request, "audit review")
    _require_ig(actor)
    form, results = run_search(actor, request)
    return render(
        request,
        "infogov/index.html",
        {
            "form": form,
            "analyst": False,
            "results": results,
            "limit": 50,
            "person_url": "audit:person",
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def _history_page(
    request: HttpRequest,
    actor: Actor,
    person_id: int,
    form: SubjectAccessForm,
    status: int = 200,
) -> HttpResponse:
    try:
        entries = access_history_for_person(actor, person_id)
        # Already checked and logged as the history view: no second consultation.
        person = access_person_by_id(actor, person_id, audit=False)
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except NotFound as exc:
        raise Http404("Page not found") from exc
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    agencies = dict(Agency.objects.values_list("code", "name"))
    return render(
        request,
        "infogov/person.html",
        {
            "person": present_person(actor, person),
            "page": page,
            "rows": [_row(e, agencies) for e in page],
            "form": form,
            "subnav": [
                {"text": "Record", "url": "people:person", "active": False},
                {"text": "Access history", "url": "audit:person", "active": True},
            ],
        },
        status=status,
    )


@login_required
@require_GET
def person_history(request: HttpRequest, person_id: int) -> HttpResponse:
    """Who accessed this person's records, when, from which agency, why."""
    actor = request_actor(request, "audit review")
    _require_ig(actor)
    return _history_page(request, actor, person_id, SubjectAccessForm())


@login_required
@require_POST
def subject_access(request: HttpRequest, person_id: int) -> HttpResponse:
    """The subject-access bundle as a JSON download, logged as a disclosure."""
    actor = request_actor(request, "subject access request")
    _require_ig(actor)
    form = SubjectAccessForm(request.POST)
    if not form.is_valid():
        return _history_page(request, actor, person_id, form, status=400)
    try:
        bundle = do_export_subject_access(
            person_id, actor=actor, recipient=form.cleaned_data["recipient"]
        )
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except NotFound as exc:
        raise Http404("Page not found") from exc
    filename = f"subject-access-person-{person_id}-{timezone.localdate():%Y-%m-%d}.json"
    response = HttpResponse(bundle, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
