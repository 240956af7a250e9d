"""Modern slavery pages: NRM referrals, their decisions, and the panel on a case.

Views parse the request and render. Referrals are read only through the access layer
(the page readers of :mod:`saferleeds.nrm.access_pages`, which show and
log what a page shows, and ``access_nrm_referral_by_id``) and changed only through
:mod:`saferleeds.nrm.actions`; a referral or case the actor may not see is
the same 404 as a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods

from saferleeds.locking import Conflict
from saferleeds.nrm.access import access_nrm_referral_by_id
from saferleeds.nrm.access_pages import (
    STAGES,
    NrmPanel,
    ReferralRow,
    nrm_victim_choices,
    read_nrm_case_panel,
    read_nrm_list,
    read_nrm_referral_page,
)
from saferleeds.nrm.actions import (
    NrmRuleError,
    cg_minimum_days,
    do_make_nrm_referral,
    do_record_conclusive_grounds,
    do_record_reasonable_grounds,
    earliest_conclusive_grounds_on,
    rg_target_working_days,
)
from saferleeds.nrm.forms import NrmDecisionForm, NrmReferralForm
from saferleeds.nrm.models import NrmReferral
from saferleeds.partners.policy import (
    Actor,
    Forbidden,
    NotFound,
    actor_for,
    may_change,
    may_see_personal_data,
)
from saferleeds.safeguarding.access import access_case_by_id
from saferleeds.safeguarding.models import Case

NO_PERSONAL_DATA = (
    "Your role does not give access to casework records. Ask your agency "
    "administrator if you need it for your work."
)
LIST_LIMIT = 200
PENDING = NrmReferral.Decision.PENDING
POSITIVE = NrmReferral.Decision.POSITIVE
__all__ = ["STAGES", "ReferralRow", "case_panel", "panel_context", "urlpatterns"]


def _request_actor(request: HttpRequest, purpose: str) -> Actor:
    return actor_for(
        request.user, purpose=purpose, remote_addr=request.META.get("REMOTE_ADDR", "")
    )


@login_required
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    """The NRM referrals the actor may see, with their decisions and overdue markers."""
    actor = _request_actor(request, "modern slavery referrals list")
    if not may_see_personal_data(actor):
        raise PermissionDenied(NO_PERSONAL_DATA)
    listed = read_nrm_list(actor, request.GET.get("stage", ""), limit=LIST_LIMIT)
    return render(
        request,
        "nrm/list.html",
        {
            "rows": listed.rows,
            "stages": list(STAGES.items()),
            "stage": listed.stage,
            "limit": LIST_LIMIT,
            "truncated": listed.truncated,
            "target_days": rg_target_working_days(),
            "overdue_count": listed.overdue_count,
            "analyst": listed.pseudonymised,
        },
    )


def _referral_or_404(actor: Actor, referral_id: int, **kwargs: Any) -> NrmReferral:
    try:
        return access_nrm_referral_by_id(actor, referral_id, **kwargs)
    except NotFound as exc:
        raise Http404("Page not found") from exc


def _next_step(referral: NrmReferral) -> str:
    """Which decision can be recorded next: "rg", "cg" or ""."""
    if referral.duty_to_notify_only:
        return ""
    if referral.reasonable_grounds == PENDING:
        return "rg"
    if (
        referral.reasonable_grounds == POSITIVE
        and referral.conclusive_grounds == PENDING
    ):
        return "cg"
    return ""


@login_required
@require_GET
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    """One referral: what was referred, its decisions, and what can be recorded next."""
    actor = _request_actor(request, "view NRM referral")
    try:
        page = read_nrm_referral_page(actor, referral_id)
    except NotFound as exc:
        raise Http404("Page not found") from exc
    return render(
        request,
        "nrm/referral.html",
        {
            "referral": page,
            "row": page.row,
            "victim": page.victim,
            "victim_url": page.victim_url,
            "analyst": page.pseudonymised,
            "next_step": page.next_step,
            "target_days": rg_target_working_days(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, case_id: int) -> HttpResponse:
    """Make an NRM referral (or record a Duty to Notify) on a modern slavery case."""
    actor = _request_actor(request, "make NRM referral")
    try:
        case = access_case_by_id(actor, case_id, audit=request.method == "GET")
    except NotFound as exc:
        raise Http404("Page not found") from exc
    if case.case_type != Case.Type.MODERN_SLAVERY:
        raise Http404("Page not found")
    if not may_change(actor, {case.lead_agency_id}, {case.pk}):
        raise PermissionDenied("You may see this case but not make referrals on it.")
    people = nrm_victim_choices(actor, case.pk)
    context: dict[str, Any] = {
        "case": case,
        "exploitation_choices": NrmReferral.Exploitation.choices,
        "age_choices": NrmReferral.AgeGroup.choices,
    }
    if request.method == "GET":
        form = NrmReferralForm(people=people)
        return render(request, "nrm/refer.html", {**context, "form": form})
    form = NrmReferralForm(request.POST, people=people)
    if form.is_valid():
        try:
            referral = do_make_nrm_referral(
                case.pk, actor=actor, **form.action_kwargs()
            )
        except NotFound as exc:
            raise Http404("Page not found") from exc
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except NrmRuleError as exc:
            form.add_rule_error(exc.field, str(exc))
        else:
            messages.success(
                request,
                "Duty to Notify recorded"
                if referral.duty_to_notify_only
                else "NRM referral recorded",
            )
            return redirect("nrm:nrm_referral", referral_id=referral.pk)
    return render(request, "nrm/refer.html", {**context, "form": form}, status=400)


STAGE_NAMES = {"rg": "Reasonable Grounds", "cg": "Conclusive Grounds"}


def _decision(request: HttpRequest, referral_id: int, stage: str) -> HttpResponse:
    actor = _request_actor(request, f"record NRM {STAGE_NAMES[stage]} decision")
    referral = _referral_or_404(actor, referral_id, audit=request.method == "GET")
    if not may_change(actor, {referral.agency_id}, {referral.case_id}):
        raise PermissionDenied("You may see this referral but not record decisions.")
    context: dict[str, Any] = {
        "referral": referral,
        "stage": stage,
        "stage_name": STAGE_NAMES[stage],
        "open": _next_step(referral) == stage,
        "earliest_cg_on": earliest_conclusive_grounds_on(referral),
        "cg_minimum_days": cg_minimum_days(),
        "action": f"nrm:nrm_{stage}",
    }
    template = "nrm/decision.html"
    if request.method == "GET":
        form = NrmDecisionForm(initial={"version": referral.version})
        return render(request, template, {**context, "form": form})
    form = NrmDecisionForm(request.POST)
    if form.is_valid():
        act = (
            do_record_reasonable_grounds
            if stage == "rg"
            else do_record_conclusive_grounds
        )
        try:
            act(
                referral.pk,
                actor=actor,
                decision=form.cleaned_data["decision"],
                decided_on=form.decided_on,
                expected_version=form.cleaned_data["version"],
            )
        except NotFound as exc:
            raise Http404("Page not found") from exc
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except Conflict as exc:
            fresh = _referral_or_404(actor, referral_id, audit=False)
            return render(
                request,
                template,
                {
                    **context,
                    "referral": fresh,
                    "open": _next_step(fresh) == stage,
                    "form": NrmDecisionForm(initial={"version": fresh.version}),
                    "conflict": str(exc),
                },
                status=409,
            )
        except NrmRuleError as exc:
            form.add_rule_error(exc.field, str(exc))
        else:
            messages.success(request, f"{STAGE_NAMES[stage]} decision recorded")
            return redirect("nrm:nrm_referral", referral_id=referral.pk)
    return render(request, template, {**context, "form": form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def reasonable_grounds(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Record the Reasonable Grounds decision."""
    return _decision(request, referral_id, "rg")


@login_required
@require_http_methods(["GET", "POST"])
def conclusive_grounds(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Record the Conclusive Grounds decision."""
    return _decision(request, referral_id, "cg")


urlpatterns: list[URLPattern] = [
    path("modern-slavery/", referral_list, name="nrm_list"),
    path(
        "modern-slavery/referrals/<int:referral_id>/",
        referral_detail,
        name="nrm_referral",
    ),
    path(
        "modern-slavery/referrals/<int:referral_id>/reasonable-grounds/",
        reasonable_grounds,
        name="nrm_rg",
    ),
    path(
        "modern-slavery/referrals/<int:referral_id>/conclusive-grounds/",
        conclusive_grounds,
        name="nrm_cg",
    ),
    path("cases/<int:case_id>/nrm-referral/", refer, name="nrm_refer"),
]


def panel_context(panel: NrmPanel, case: Any = None) -> dict[str, Any]:
    """The panel template's context for a panel read by the access layer."""
    return {
        "nrm_case": case,
        "nrm_case_id": panel.case_id,
        "nrm_rows": panel.rows,
        "nrm_can_refer": panel.can_refer,
        "nrm_target_days": rg_target_working_days(),
    }


def case_panel(actor: Actor, case: Case) -> dict[str, Any] | None:
    """Context for this module's panel on a modern slavery case, or None for another
    type: read, pseudonymised and logged by
    :func:`~saferleeds.nrm.access_pages.read_nrm_case_panel`. (The case
    page's own panel comes with its reader: ``CasePage.nrm_panel``.)"""
    if case.case_type != Case.Type.MODERN_SLAVERY:
        return None
    return panel_context(read_nrm_case_panel(actor, case), case)
