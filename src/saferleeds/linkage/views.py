"""Record linkage pages: loading a partner's extract, the clerical review queue and
one pair side by side.

Views parse the request and render. Pairs are read only through the page readers of
:mod:`saferleeds.linkage.access_pages` (which show only pairs whose two records the
actor may see, and log what they show) and decided only through
:mod:`saferleeds.linkage.actions`. A role that does not review links gets a 403; a
pair the actor may not see both records of is the same 404 as a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from saferleeds.analytics.linkage import (
    LinkageError,
    LinkageInputError,
    agency_rows,
    parse_records,
)
from saferleeds.linkage.access_pages import read_review_pair, read_review_queue
from saferleeds.linkage.actions import (
    NOT_A_LOADER,
    LinkageRuleError,
    do_decide_pair,
    do_load_agency_extract,
    may_load_records,
)
from saferleeds.linkage.forms import MAPPED_FIELDS, LoadExtractForm, ReviewDecisionForm
from saferleeds.partners.policy import Forbidden, NotFound, request_actor

__all__ = ["urlpatterns"]


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """The pairs of agency records awaiting a reviewer's decision."""
    actor = request_actor(request, "review record linkage")
    try:
        queue = read_review_queue(actor)
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    return render(
        request,
        "linkage/queue.html",
        {"rows": queue.rows, "truncated": queue.truncated, "limit": queue.limit},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_pair(request: HttpRequest, pair_id: int) -> HttpResponse:
    """One pair side by side, the model's evidence, and the decision form."""
    actor = request_actor(request, "review record linkage")
    try:
        page = read_review_pair(actor, pair_id)
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except NotFound as exc:
        raise Http404("Page not found") from exc
    context: dict[str, Any] = {"page": page, "row": page.row}
    if request.method == "GET":
        return render(
            request, "linkage/pair.html", {**context, "form": ReviewDecisionForm()}
        )
    form = ReviewDecisionForm(request.POST)
    if form.is_valid():
        try:
            result = do_decide_pair(
                pair_id,
                form.cleaned_data["decision"],
                actor=actor,
                reason=form.cleaned_data["reason"],
            )
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except NotFound as exc:
            raise Http404("Page not found") from exc
        except LinkageRuleError as exc:
            form.add_rule_error(exc.field, str(exc))
        else:
            verdict = (
                "the same person"
                if form.cleaned_data["decision"] == "confirm"
                else "not the same person"
            )
            changed = result.links + result.unlinks
            messages.success(
                request,
                f"Decision saved: {verdict}. "
                + (
                    f"{result.links} record{'s' if result.links != 1 else ''} "
                    "linked to another person."
                    if changed
                    else "No record changed person."
                ),
            )
            return redirect("linkage:review")
    return render(request, "linkage/pair.html", {**context, "form": form}, status=400)


def _column_field(exc: LinkageError, form: LoadExtractForm) -> str:
    """The form field a reader's complaint is about: the mapped column's, or the file."""
    column = exc.field if isinstance(exc, LinkageInputError) else None
    if column and column == form.cleaned_data.get("id_column", "").strip():
        return "id_column"
    for field, _ in MAPPED_FIELDS:
        if column and column == form.cleaned_data.get(f"map_{field}", "").strip():
            # A missing column is the mapping's fault; a bad value in it, the file's.
            return f"map_{field}" if "no such column" in str(exc) else "file"
    return "file"


@login_required
@require_http_methods(["GET", "POST"])
def load_extract(request: HttpRequest) -> HttpResponse:
    """Upload a partner's extract of the agency's records of people, then the result."""
    actor = request_actor(request, "load an agency extract for record linkage")
    if not may_load_records(actor):
        raise PermissionDenied(NOT_A_LOADER)
    if request.method == "GET":
        return render(request, "linkage/load.html", {"form": LoadExtractForm()})
    form = LoadExtractForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        name = str(upload.name or "extract.csv")
        try:
            rows = agency_rows(
                parse_records(upload.read(), name),
                form.mapping(),
                form.cleaned_data["id_column"].strip(),
                default_name=name,
            )
            stem = name.rsplit(".", 1)[0][:60]
            result = do_load_agency_extract(
                rows,
                actor=actor,
                batch=form.cleaned_data["batch"] or f"{stem} {timezone.localdate()}",
                source=name,
            )
        except LinkageError as exc:
            form.add_rule_error(_column_field(exc, form), str(exc))
        except LinkageRuleError as exc:
            form.add_rule_error(exc.field or "file", f"{name}: {exc}")
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            return render(
                request, "linkage/loaded.html", {"result": result, "file": name}
            )
    return render(request, "linkage/load.html", {"form": form}, status=400)


urlpatterns: list[URLPattern] = [
    path("load/", load_extract, name="load"),
    path("review/", review_queue, name="review"),
    path("review/<int:pair_id>/", review_pair, name="pair"),
]
