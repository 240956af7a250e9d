"""People pages: search, a person's record, and correcting their details.

Views parse the request and render. People are read only through
:mod:`saferleeds.people.access` (which applies the policy and writes the audit entry) and
changed only through :mod:`saferleeds.people.actions`. A record the actor may not see is
the same 404 as a missing one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from saferleeds.core.registry import PersonRole, person_pages
from saferleeds.locking import Conflict
from saferleeds.partners.policy import (
    IG_ROLES,
    Actor,
    Forbidden,
    NotFound,
    actor_for,
    may_change,
    may_see_personal_data,
    pseudonymised,
)
from saferleeds.people.access import (
    access_person_by_pseudonym,
    open_person_by_id,
    read_people_search,
    read_person_roles,
)
from saferleeds.people.actions import do_update_person
from saferleeds.people.forms import (
    PeopleSearchForm,
    PersonEditForm,
    PseudonymSearchForm,
)
from saferleeds.people.models import Person
from saferleeds.people.present import PersonView, present_person

SEARCH_LIMIT = 50
NO_PERSONAL_DATA = (
    "Your role does not give access to people's records. Ask your agency "
    "administrator if you need it for your work."
)


def request_actor(request: HttpRequest, purpose: str) -> Actor:
    """The actor for this request; ``purpose`` is what the audit log records as why."""
    return actor_for(
        request.user, purpose=purpose, remote_addr=request.META.get("REMOTE_ADDR", "")
    )


def search_form_for(actor: Actor, data: Any) -> PeopleSearchForm | PseudonymSearchForm:
    """The search form the actor may use: analysts get the pseudonym field only."""
    if pseudonymised(actor):
        return PseudonymSearchForm(data)
    return PeopleSearchForm(data)


def run_search(
    actor: Actor, request: HttpRequest
) -> tuple[PeopleSearchForm | PseudonymSearchForm, list[PersonView] | None]:
    """Validate the search in the query string and run it (``None``: nothing asked).

    The search is :func:`read_people_search`'s: it reads, pseudonymises and logs.
    """
    asked = {k: v for k, v in request.GET.items() if k != "page"}
    form = search_form_for(actor, asked or None)
    if not form.is_bound or not form.is_valid():
        return form, None
    query = form.query()
    if query.empty:
        form.add_error(None, "Enter at least one detail to search for")
        return form, None
    try:
        page = read_people_search(actor, query, limit=SEARCH_LIMIT)
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    return form, list(page.results)


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Find people the actor may see (identities, or pseudonyms for analysts)."""
    actor = request_actor(request, "people search")
    if not may_see_personal_data(actor):
        raise PermissionDenied(NO_PERSONAL_DATA)
    form, results = run_search(actor, request)
    return render(
        request,
        "people/search.html",
        {
            "form": form,
            "analyst": pseudonymised(actor),
            "results": results,
            "limit": SEARCH_LIMIT,
            "person_url": "people:person",
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def person_roles(
    actor: Actor, person: Person, *, opened: str | None = None
) -> list[PersonRole]:
    """The records the actor may see that this person is on, newest first (read,
    pseudonymised and logged by ``people.access.read_person_roles``; ``opened``: log
    the person's own consultation in the same write)."""
    return read_person_roles(actor, person, opened=opened)


def _may_change(actor: Actor, person: Person) -> bool:
    return may_change(
        actor,
        set(person.agency_refs.values_list("agency_id", flat=True)),
        set(person.case_links.values_list("case_id", flat=True)),
    )


def _person_or_404(actor: Actor, person_id: int, **kwargs: Any) -> Person:
    # By id: a pseudonymised actor gets the same 404 as for a missing record.
    try:
        return open_person_by_id(actor, person_id, **kwargs)
    except NotFound as exc:
        raise Http404("Page not found") from exc


def sub_navigation(
    actor: Actor, person_id: int, *, can_edit: bool, current: str
) -> list[dict[str, Any]]:
    """The MOJ sub-navigation items for a person's pages the actor may use."""
    items = [("record", "Record", "people:person")]
    if can_edit:
        items.append(("edit", "Change details", "people:edit"))
    if actor.has(IG_ROLES):
        items.append(("history", "Access history", "audit:person"))
    items += [(p.key, p.text, p.url_name) for p in person_pages() if p.shown(actor)]
    return [
        {"key": key, "text": text, "url": url, "active": key == current}
        for key, text, url in items
    ]


@login_required
@require_GET
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """A person's details, who knows them, and their roles across agencies."""
    actor = request_actor(request, "view person record")
    # Opened unlogged; the page logs it with the records it lists, in one write.
    person = _person_or_404(actor, person_id, audit=False)
    return _person_page(request, actor, person)


@login_required
@require_GET
def person_by_pseudonym(request: HttpRequest, pseudonym: str) -> HttpResponse:
    """The same page, for a person addressed by pseudonym (how analysts open one)."""
    actor = request_actor(request, "view person record")
    try:
        person = access_person_by_pseudonym(actor, pseudonym, audit=False)
    except NotFound as exc:
        raise Http404("Page not found") from exc
    return _person_page(request, actor, person)


def _person_page(request: HttpRequest, actor: Actor, person: Person) -> HttpResponse:
    person_id = person.pk
    view = present_person(actor, person)
    can_edit = _may_change(actor, person)
    return render(
        request,
        "people/person.html",
        {
            "person": view,
            "sex_label": Person.Sex(view.sex).label,
            "roles": person_roles(actor, person, opened="people.person.view"),
            "can_edit": can_edit,
            "subnav": sub_navigation(
                actor, person_id, can_edit=can_edit, current="record"
            ),
        },
    )


def _conflict_rows(
    current: PersonView, entered: dict[str, Any]
) -> list[tuple[str, str, str]]:
    """``(field, saved now, you entered)`` for each field that differs."""

    def show(value: Any) -> str:
        if isinstance(value, date):
            return value.strftime("%-d %B %Y")
        return str(value) if value else "(blank)"

    labels = {
        "given_name": "First name",
        "family_name": "Last name",
        "date_of_birth": "Date of birth",
        "sex": "Sex",
        "postcode": "Postcode",
    }
    saved = {
        "given_name": current.given_name,
        "family_name": current.family_name,
        "date_of_birth": current.date_of_birth,
        "sex": Person.Sex(current.sex).label,
        "postcode": current.postcode or "",
    }
    mine = dict(entered, sex=Person.Sex(entered["sex"]).label)
    return [
        (label, show(saved[k]), show(mine[k]))
        for k, label in labels.items()
        if saved[k] != mine[k]
    ]


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    """Correct a person's details; a save from an out-of-date version is refused (409)."""
    actor = request_actor(request, "correct person record")
    # Showing the form is a consultation; a save is logged by the action as an alteration.
    person = _person_or_404(actor, person_id, audit=request.method == "GET")
    if not _may_change(actor, person):
        raise PermissionDenied("You may see this person's record but not change it.")
    view = present_person(actor, person)
    context: dict[str, Any] = {
        "person": view,
        "sex_choices": Person.Sex.choices,
        "subnav": sub_navigation(actor, person_id, can_edit=True, current="edit"),
    }
    if request.method == "GET":
        form = PersonEditForm(initial=PersonEditForm.initial_for(view))
        return render(request, "people/edit.html", {**context, "form": form})

    form = PersonEditForm(request.POST)
    if not form.is_valid():
        return render(
            request, "people/edit.html", {**context, "form": form}, status=400
        )
    try:
        do_update_person(
            person_id,
            actor=actor,
            expected_version=form.cleaned_data["version"],
            changes=form.changes(),
        )
    except NotFound as exc:
        raise Http404("Page not found") from exc
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except Conflict as exc:
        # Show what is saved now (at its new version) beside what they typed.
        current = present_person(
            actor, _person_or_404(actor, person_id, event="people.person.view")
        )
        fresh = PersonEditForm(initial=PersonEditForm.initial_for(current))
        return render(
            request,
            "people/edit.html",
            {
                **context,
                "person": current,
                "form": fresh,
                "conflict": str(exc),
                "conflict_rows": _conflict_rows(current, form.changes()),
            },
            status=409,
        )
    messages.success(request, "Details saved")
    return redirect("people:person", person_id=person_id)
