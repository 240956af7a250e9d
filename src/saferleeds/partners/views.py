"""The sharing agreement register: every signed-in user may read it (it holds no personal
data). A party's information-governance lead drafts an agreement or an amendment, signs
it for their agency, withdraws a draft or ends an agreement early, through the audited
actions in :mod:`saferleeds.partners.actions`; an agreement binds only once every party
has signed."""

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

from saferleeds.core.forms import DateParts
from saferleeds.locking import Conflict
from saferleeds.partners.actions import (
    do_draft_agreement,
    do_end_agreement,
    do_sign_agreement,
    do_withdraw_agreement,
)
from saferleeds.partners.forms import DraftAgreementForm, EndAgreementForm
from saferleeds.partners.models import Agency, CaseType, RecordType, SharingAgreement
from saferleeds.partners.policy import IG_ROLES, Actor, Forbidden, request_actor

# status -> (label, GOV.UK tag colour, sort order)
STATUSES = {
    "in_force": ("In force", "govuk-tag--green", 0),
    "awaiting": ("Awaiting signatures", "govuk-tag--yellow", 1),
    "future": ("Not yet in force", "govuk-tag--blue", 2),
    "expired": ("Expired", "govuk-tag--grey", 3),
    "withdrawn": ("Withdrawn draft", "govuk-tag--grey", 4),
}


def status_of(agreement: SharingAgreement, today: date) -> str:
    """``awaiting``, ``withdrawn``, ``in_force``, ``future`` or ``expired`` on ``today``."""
    if agreement.withdrawn_on is not None:
        return "withdrawn"
    if agreement.ends_on < today:
        return "expired"
    if not agreement.fully_signed():
        return "awaiting"
    if agreement.starts_on > today:
        return "future"
    return "in_force"


def describe(
    agreement: SharingAgreement, today: date, actor: Actor | None = None
) -> dict[str, Any]:
    """What the register shows of one agreement, and what ``actor`` may do to it."""
    status = status_of(agreement, today)
    label, tag, order = STATUSES[status]
    signatures = {s.agency_id: s for s in agreement.signatures.all()}
    parties = {a.id: a for a in agreement.providers.all()} | {
        a.id: a for a in agreement.recipients.all()
    }
    party_ig = bool(actor and actor.has(IG_ROLES) and actor.agency_id in parties)
    open_terms = status in {"awaiting", "in_force", "future"}
    return {
        "a": agreement,
        "providers": [a.name for a in agreement.providers.all()],
        "recipients": [a.name for a in agreement.recipients.all()],
        "record_types": [
            r.label for r in RecordType if r.value in agreement.record_types
        ],
        "case_types": [c.label for c in CaseType if c.value in agreement.case_types],
        "signatures": [
            {"agency": agency.name, "signature": signatures.get(agency_id)}
            for agency_id, agency in sorted(parties.items(), key=lambda p: p[1].name)
        ],
        "status": status,
        "status_label": label,
        "status_tag": tag,
        "order": order,
        "can_sign": party_ig
        and status == "awaiting"
        and actor is not None
        and actor.agency_id not in signatures,
        "can_withdraw": party_ig and status == "awaiting",
        # Ending early needs a last day before the current one, yesterday at the
        # earliest: possible while the current last day is today or later.
        "can_end": party_ig
        and status in {"in_force", "future"}
        and agreement.ends_on >= today,
        "can_amend": party_ig and open_terms and status != "awaiting",
    }


def _agreement(agreement_id: int) -> SharingAgreement:
    return get_object_or_404(
        SharingAgreement.objects.prefetch_related(
            "providers", "recipients", "signatures"
        ),
        pk=agreement_id,
    )


@login_required
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """All agreements: in force first, then not yet in force, then expired."""
    actor = request_actor(request, "agreement register")
    today = timezone.localdate()
    rows = [
        describe(a, today, actor)
        for a in SharingAgreement.objects.prefetch_related(
            "providers", "recipients", "signatures"
        )
    ]
    rows.sort(key=lambda r: (r["order"], r["a"].title.lower()))
    return render(
        request,
        "partners/register.html",
        {
            "rows": rows,
            "today": today,
            "counts": {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES},
            "can_draft": actor.has(IG_ROLES) and actor.agency_id is not None,
            "to_sign": [r for r in rows if r["can_sign"]],
        },
    )


@login_required
@require_GET
def detail(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """One agreement in full."""
    actor = request_actor(request, "agreement register")
    today = timezone.localdate()
    agreement = _agreement(agreement_id)
    row = describe(agreement, today, actor)
    return render(
        request,
        "partners/detail.html",
        {
            **row,
            "amendments": list(agreement.amendments.all()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def end_early(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """Set an earlier last day in force; refused (409) if someone saved in between."""
    actor = request_actor(request, "end sharing agreement early")
    agreement = _agreement(agreement_id)
    today = timezone.localdate()
    if not describe(agreement, today, actor)["can_end"]:
        raise PermissionDenied(
            "Only an information-governance lead of an agency that is party to this "
            "agreement can end it early."
        )
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
        do_end_agreement(
            agreement_id,
            actor=actor,
            expected_version=form.cleaned_data["version"],
            ends_on=form.cleaned_data["ends_on"],
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


def _agency_choices() -> list[tuple[str, str]]:
    return [(a.code, a.name) for a in Agency.objects.order_by("name")]


def _draft_initial(agreement: SharingAgreement) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "title": agreement.title,
        "purpose": agreement.purpose,
        "lawful_basis": agreement.lawful_basis,
        "providers": [a.code for a in agreement.providers.all()],
        "recipients": [a.code for a in agreement.recipients.all()],
        "record_types": list(agreement.record_types),
        "case_types": list(agreement.case_types),
    }
    initial.update(DateParts.initial("starts_on", timezone.localdate()))
    initial.update(DateParts.initial("ends_on", agreement.ends_on))
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def draft(request: HttpRequest, agreement_id: int | None = None) -> HttpResponse:
    """Draft a new agreement, or an amendment of ``agreement_id``, for the parties to
    sign; the actor's agency must be a party."""
    actor = request_actor(request, "draft sharing agreement")
    if not actor.has(IG_ROLES) or actor.agency_id is None:
        raise PermissionDenied(
            "Only information-governance leads draft sharing agreements for their "
            "agency."
        )
    today = timezone.localdate()
    amends = None
    if agreement_id is not None:
        amends = _agreement(agreement_id)
        if not describe(amends, today, actor)["can_amend"]:
            raise PermissionDenied(
                "Only an information-governance lead of a party can amend this "
                "agreement, while it is signed and not expired."
            )
    agencies = _agency_choices()
    context: dict[str, Any] = {
        "amends": amends,
        "record_type_choices": RecordType.choices,
        "case_type_choices": CaseType.choices,
        "agency_choices": agencies,
    }
    if request.method == "GET":
        form = DraftAgreementForm(
            agencies=agencies,
            actor_agency=actor.agency_code,
            initial=_draft_initial(amends) if amends else {},
        )
        return render(request, "partners/draft.html", {**context, "form": form})
    form = DraftAgreementForm(
        request.POST, agencies=agencies, actor_agency=actor.agency_code
    )
    if not form.is_valid():
        return render(
            request, "partners/draft.html", {**context, "form": form}, status=400
        )
    data = form.cleaned_data
    by_code = {a.code: a for a in Agency.objects.all()}
    try:
        agreement = do_draft_agreement(
            actor=actor,
            providers=[by_code[c] for c in data["providers"]],
            recipients=[by_code[c] for c in data["recipients"]],
            supersedes=amends,
            title=data["title"],
            purpose=data["purpose"],
            lawful_basis=data["lawful_basis"],
            record_types=data["record_types"],
            case_types=data["case_types"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(
        request,
        "Draft saved. Nothing is shared under it until every party's "
        "information-governance lead has signed it.",
    )
    return redirect("agreements:detail", agreement_id=agreement.pk)


def _confirm_action(
    request: HttpRequest,
    agreement_id: int,
    *,
    allowed: str,
    template: str,
    purpose: str,
) -> tuple[Actor, SharingAgreement, dict[str, Any]] | HttpResponse:
    actor = request_actor(request, purpose)
    agreement = _agreement(agreement_id)
    row = describe(agreement, timezone.localdate(), actor)
    if not row[allowed]:
        raise PermissionDenied(
            "Only an information-governance lead of an agency that is party to this "
            "agreement can do this, and only while the agreement allows it."
        )
    if request.method == "GET":
        return render(request, template, row)
    return actor, agreement, row


def _posted_version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0


@login_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """Sign the agreement's terms for the actor's agency (409 if they changed)."""
    result = _confirm_action(
        request,
        agreement_id,
        allowed="can_sign",
        template="partners/sign.html",
        purpose="sign sharing agreement",
    )
    if isinstance(result, HttpResponse):
        return result
    actor, agreement, row = result
    try:
        signed = do_sign_agreement(
            agreement_id, actor=actor, expected_version=_posted_version(request)
        )
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except Conflict as exc:
        fresh = describe(_agreement(agreement_id), timezone.localdate(), actor)
        return render(
            request, "partners/sign.html", {**fresh, "conflict": str(exc)}, status=409
        )
    if signed.fully_signed():
        messages.success(
            request,
            "Signed. Every party has now signed: the agreement is in force from "
            f"{signed.starts_on.strftime('%-d %B %Y')}.",
        )
    else:
        waiting = [
            s["agency"]
            for s in describe(signed, timezone.localdate())["signatures"]
            if s["signature"] is None
        ]
        messages.success(
            request,
            f"Signed for {Agency.objects.get(pk=actor.agency_id).name}. Still to sign: "
            f"{', '.join(waiting)}.",
        )
    return redirect("agreements:detail", agreement_id=agreement_id)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """Abandon a draft that not every party has signed."""
    result = _confirm_action(
        request,
        agreement_id,
        allowed="can_withdraw",
        template="partners/withdraw.html",
        purpose="withdraw draft sharing agreement",
    )
    if isinstance(result, HttpResponse):
        return result
    actor, agreement, row = result
    try:
        do_withdraw_agreement(
            agreement_id, actor=actor, expected_version=_posted_version(request)
        )
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except Conflict as exc:
        fresh = describe(_agreement(agreement_id), timezone.localdate(), actor)
        return render(
            request,
            "partners/withdraw.html",
            {**fresh, "conflict": str(exc)},
            status=409,
        )
    messages.success(request, "Draft withdrawn: it can no longer be signed.")
    return redirect("agreements:detail", agreement_id=agreement_id)
