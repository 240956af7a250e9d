"""The sharing agreement register: every signed-in user may read it (it holds no personal
data); information-governance leads and system administrators may end an agreement early,
through :func:`saferleeds.partners.actions.do_update_agreement`."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from saferleeds.locking import Conflict
from saferleeds.partners.actions import do_update_agreement
from saferleeds.partners.forms import EndAgreementForm
from saferleeds.partners.models import RecordType, Role, SharingAgreement
from saferleeds.partners.policy import Actor, Forbidden
from saferleeds.people.forms import DateParts
from saferleeds.people.views import request_actor

AGREEMENT_ADMINS = frozenset({Role.IG_LEAD, Role.SYSTEM_ADMIN})

# status -> (label, GOV.UK tag colour, sort order)
STATUSES = {
    "in_force": ("In force", "govuk-tag--green", 0),
    "future": ("Not yet in force", "govuk-tag--blue", 1),
    "expired": ("Expired", "govuk-tag--grey", 2),
}


def status_of(agreement: SharingAgreement, today: date) -> str:
    """``in_force``, ``future`` or ``expired`` on ``today``."""
    if agreement.starts_on > today:
        return "future"
    if agreement.ends_on < today:
        return "expired"
    return "in_force"


def describe(agreement: SharingAgreement, today: date) -> dict[str, Any]:
    """What the register shows of one agreement."""
    status = status_of(agreement, today)
    label, tag, order = STATUSES[status]
    return {
        "a": agreement,
        "providers": [a.name for a in agreement.providers.all()],
        "recipients": [a.name for a in agreement.recipients.all()],
        "record_types": [
            r.label for r in RecordType if r.value in agreement.record_types
        ],
        "status": status,
        "status_label": label,
        "status_tag": tag,
        "order": order,
    }


def _may_manage(actor: Actor) -> bool:
    return actor.has(AGREEMENT_ADMINS)


def _agreement(agreement_id: int) -> SharingAgreement:
    return get_object_or_404(
        SharingAgreement.objects.prefetch_related("providers", "recipients"),
        pk=agreement_id,
    )


@login_required
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """All agreements: in force first, then not yet in force, then expired."""
    today = timezone.localdate()
    rows = [
        describe(a, today)
        for a in SharingAgreement.objects.prefetch_related("providers", "recipients")
    ]
    rows.sort(key=lambda r: (r["order"], r["a"].title.lower()))
    return render(
        request,
        "partners/register.html",
        {
            "rows": rows,
            "today": today,
            "counts": {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES},
        },
    )


@login_required
@require_GET
def detail(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """One agreement in full."""
    actor = request_actor(request, "agreement register")
    today = timezone.localdate()
    row = describe(_agreement(agreement_id), today)
    return render(
        request,
        "partners/detail.html",
        {
            **row,
            # Ending early needs a last day before the current one, yesterday at the
            # earliest: possible while the current last day is today or later.
            "can_end": _may_manage(actor) and row["a"].ends_on >= today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def end_early(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """Set an earlier last day in force; refused (409) if someone saved in between."""
    actor = request_actor(request, "end sharing agreement early")
    if not _may_manage(actor):
        raise PermissionDenied(
            "Only information-governance leads and system administrators can end "
            "a sharing agreement."
        )
    agreement = _agreement(agreement_id)
    today = timezone.localdate()
    context: dict[str, Any] = {**describe(agreement, today), "today": today}
    if request.method == "GET":
        form = EndAgreementForm(
            current_end=agreement.ends_on, initial={"version": agreement.version}
        )
        return render(request, "partners/end.html", {**context, "form": form})

    form = EndAgreementForm(request.POST, current_end=agreement.ends_on)
    if not form.is_valid():
        return render(
            request, "partners/end.html", {**context, "form": form}, status=400
        )
    try:
        do_update_agreement(
            agreement_id,
            actor=actor,
            expected_version=form.cleaned_data["version"],
            changes={"ends_on": form.cleaned_data["ends_on"]},
        )
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except Conflict as exc:
        # Show the agreement as saved now, at its new version.
        agreement = _agreement(agreement_id)
        fresh = EndAgreementForm(
            current_end=agreement.ends_on,
            initial={
                "version": agreement.version,
                **DateParts.initial("ends_on", None),
            },
        )
        return render(
            request,
            "partners/end.html",
            {
                **describe(agreement, today),
                "today": today,
                "form": fresh,
                "conflict": str(exc),
                "entered": form.cleaned_data["ends_on"],
            },
            status=409,
        )
    new_end = form.cleaned_data["ends_on"]
    when = new_end.strftime("%-d %B %Y")
    messages.success(
        request,
        f"Agreement ended: its last day in force was {when}"
        if new_end < today
        else f"End date brought forward: the last day in force is now {when}",
    )
    return redirect("agreements:detail", agreement_id=agreement_id)
