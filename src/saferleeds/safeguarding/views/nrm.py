"""Modern slavery pages: NRM referrals, their decisions, and the panel on a case.

Views parse the request and render. Referrals are read only through
:mod:`saferleeds.safeguarding.access.nrm` and changed only through
:mod:`saferleeds.safeguarding.actions.nrm`; a referral or case the actor may not see is
the same 404 as a missing one. Lists audit every row they show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from saferleeds.audit.log import record, record_many
from saferleeds.audit.models import Operation
from saferleeds.locking import Conflict
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import (
    Actor,
    Forbidden,
    NotFound,
    actor_for,
    may_change,
    may_see_personal_data,
    pseudonymised,
)
from saferleeds.people.access import people_visible_to
from saferleeds.people.present import person_path, present_person
from saferleeds.safeguarding.access import access_case_by_id
from saferleeds.safeguarding.access.nrm import (
    access_nrm_referral_by_id,
    nrm_referrals_visible_to,
)
from saferleeds.safeguarding.actions.nrm import (
    NrmRuleError,
    cg_minimum_days,
    do_make_nrm_referral,
    do_record_conclusive_grounds,
    do_record_reasonable_grounds,
    earliest_conclusive_grounds_on,
    rg_overdue,
    rg_target_working_days,
    working_days_between,
)
from saferleeds.safeguarding.forms.nrm import NrmDecisionForm, NrmReferralForm
from saferleeds.safeguarding.models import Case, NrmReferral

NO_PERSONAL_DATA = (
    "Your role does not give access to casework records. Ask your agency "
    "administrator if you need it for your work."
)
LIST_LIMIT = 200
PENDING = NrmReferral.Decision.PENDING
POSITIVE = NrmReferral.Decision.POSITIVE

# Filters on the list: label, and the referrals each keeps.
STAGES: dict[str, str] = {
    "": "All",
    "awaiting_rg": "Awaiting Reasonable Grounds",
    "awaiting_cg": "Awaiting Conclusive Grounds",
    "concluded": "Concluded",
    "duty_to_notify": "Duty to Notify only",
}


def _request_actor(request: HttpRequest, purpose: str) -> Actor:
    return actor_for(
        request.user, purpose=purpose, remote_addr=request.META.get("REMOTE_ADDR", "")
    )


def _filter_stage(qs: QuerySet[NrmReferral], stage: str) -> QuerySet[NrmReferral]:
    if stage == "awaiting_rg":
        return qs.filter(duty_to_notify_only=False, reasonable_grounds=PENDING)
    if stage == "awaiting_cg":
        return qs.filter(reasonable_grounds=POSITIVE, conclusive_grounds=PENDING)
    if stage == "concluded":
        return (
            qs.filter(duty_to_notify_only=False)
            .exclude(reasonable_grounds=PENDING)
            .exclude(reasonable_grounds=POSITIVE, conclusive_grounds=PENDING)
        )
    if stage == "duty_to_notify":
        return qs.filter(duty_to_notify_only=True)
    return qs


@dataclass(frozen=True)
class ReferralRow:
    """One referral as the list and the case panel show it."""

    id: int
    case_id: int
    case_reference: str | None  # None for pseudonymised viewers
    agency: str
    referred_on: date
    age_group: str
    kind: str  # "NRM referral" or "Duty to Notify"
    exploitation: str
    rg: str
    rg_on: date | None
    rg_overdue: bool
    waited_working_days: int
    cg: str
    cg_on: date | None
    earliest_cg_on: date | None


def _exploitation_label(values: list[str]) -> str:
    labels = dict(NrmReferral.Exploitation.choices)
    return ", ".join(labels.get(v, v) for v in values)


def _row(actor: Actor, r: NrmReferral, today: date) -> ReferralRow:
    dtn = r.duty_to_notify_only
    return ReferralRow(
        id=r.pk,
        case_id=r.case_id,
        case_reference=None if pseudonymised(actor) else r.case.reference,
        agency=r.agency.name,
        referred_on=r.referred_on,
        age_group=NrmReferral.AgeGroup(r.age_group).label,
        kind="Duty to Notify (anonymous)" if dtn else "NRM referral",
        exploitation=_exploitation_label(r.exploitation),
        rg="Not applicable"
        if dtn
        else NrmReferral.Decision(r.reasonable_grounds).label,
        rg_on=r.reasonable_grounds_on,
        rg_overdue=rg_overdue(r, today),
        waited_working_days=working_days_between(r.referred_on, today),
        cg=(
            NrmReferral.Decision(r.conclusive_grounds).label
            if r.reasonable_grounds == POSITIVE
            else "Not applicable"
        ),
        cg_on=r.conclusive_grounds_on,
        earliest_cg_on=(
            earliest_conclusive_grounds_on(r)
            if r.conclusive_grounds == PENDING
            else None
        ),
    )


def _audit_shown(actor: Actor, referrals: list[NrmReferral], event: str) -> None:
    """One consultation entry per referral shown (the log shows what was available)."""
    if referrals:
        record_many(
            actor,
            operation=Operation.CONSULTATION,
            event=event,
            records=[
                (RecordType.NRM_REFERRAL, r.pk, r.potential_victim_id)
                for r in referrals
            ],
        )


@login_required
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    """The NRM referrals the actor may see, with their decisions and overdue markers."""
    actor = _request_actor(request, "modern slavery referrals list")
    if not may_see_personal_data(actor):
        raise PermissionDenied(NO_PERSONAL_DATA)
    stage = request.GET.get("stage", "")
    if stage not in STAGES:
        stage = ""
    qs = _filter_stage(
        nrm_referrals_visible_to(actor).select_related("case", "agency"), stage
    ).order_by("-referred_on", "-id")
    referrals = list(qs[:LIST_LIMIT])
    _audit_shown(actor, referrals, "safeguarding.nrm_referral.list")
    today = timezone.localdate()
    rows = [_row(actor, r, today) for r in referrals]
    return render(
        request,
        "safeguarding/nrm/list.html",
        {
            "rows": rows,
            "stages": list(STAGES.items()),
            "stage": stage,
            "limit": LIST_LIMIT,
            "truncated": len(referrals) == LIST_LIMIT,
            "target_days": rg_target_working_days(),
            "overdue_count": sum(1 for r in rows if r.rg_overdue),
            "analyst": pseudonymised(actor),
        },
    )


def _referral_or_404(actor: Actor, referral_id: int, **kwargs: Any) -> NrmReferral:
    try:
        return access_nrm_referral_by_id(actor, referral_id, **kwargs)
    except NotFound as exc:
        raise Http404("Page not found") from exc


def _victim_label(actor: Actor, referral: NrmReferral) -> tuple[str, str | None]:
    """The potential victim's name (or pseudonym) and the address of their page if the
    actor may see them (by pseudonym for analysts: security finding 13)."""
    if referral.potential_victim_id is None:
        return "Not recorded", None
    person = people_visible_to(actor).filter(pk=referral.potential_victim_id).first()
    if person is None:
        return "Recorded (not shared with your agency)", None
    record(
        actor,
        operation=Operation.CONSULTATION,
        event="people.person.view",
        record_type=RecordType.PERSON,
        record_id=person.pk,
        subject_person_id=person.pk,
    )
    return present_person(actor, person).display_name, person_path(actor, person.pk)


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
    referral = _referral_or_404(actor, referral_id)
    victim, victim_url = _victim_label(actor, referral)
    can_change = may_change(actor, {referral.agency_id}, {referral.case_id})
    return render(
        request,
        "safeguarding/nrm/referral.html",
        {
            "referral": referral,
            "row": _row(actor, referral, timezone.localdate()),
            "victim": victim,
            "victim_url": victim_url,
            "analyst": pseudonymised(actor),
            "next_step": _next_step(referral) if can_change else "",
            "target_days": rg_target_working_days(),
        },
    )


def _case_people(actor: Actor, case: Case) -> list[tuple[int, str]]:
    """People on the case the actor may see, for the potential-victim choice (audited)."""
    people = list(
        people_visible_to(actor)
        .filter(case_links__case=case)
        .distinct()
        .order_by("family_name", "given_name", "id")
    )
    if people:
        record_many(
            actor,
            operation=Operation.CONSULTATION,
            event="people.person.view",
            records=[(RecordType.PERSON, p.pk, p.pk) for p in people],
        )
    return [(p.pk, present_person(actor, p).display_name) for p in people]


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
    people = _case_people(actor, case)
    context: dict[str, Any] = {
        "case": case,
        "exploitation_choices": NrmReferral.Exploitation.choices,
        "age_choices": NrmReferral.AgeGroup.choices,
    }
    if request.method == "GET":
        form = NrmReferralForm(people=people)
        return render(request, "safeguarding/nrm/refer.html", {**context, "form": form})
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
            return redirect("safeguarding:nrm_referral", referral_id=referral.pk)
    return render(
        request, "safeguarding/nrm/refer.html", {**context, "form": form}, status=400
    )


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
        "action": f"safeguarding:nrm_{stage}",
    }
    template = "safeguarding/nrm/decision.html"
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
            return redirect("safeguarding:nrm_referral", referral_id=referral.pk)
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


def case_panel(
    actor: Actor, case: Case, *, shown: dict[str, tuple[int, ...]] | None = None
) -> dict[str, Any] | None:
    """Context for this module's panel on the case page, or None for no panel.

    The case page includes "safeguarding/nrm/_case_panel.html" with this context when
    it is not None. The referrals are read through the access layer; the case page
    already logs one consultation per NRM referral on the case it shows (its timeline
    lists the same ones), so the panel does not log them a second time. ``shown``:
    the referral ids the case page's reader read, to show only those.
    """
    if case.case_type != Case.Type.MODERN_SLAVERY:
        return None
    referrals = list(
        nrm_referrals_visible_to(actor)
        .filter(case=case)
        .select_related("case", "agency")
        .order_by("-referred_on", "-id")
    )
    if shown is not None:
        referrals = [r for r in referrals if r.pk in shown.get("nrm_referrals", ())]
    today = timezone.localdate()
    return {
        "nrm_case": case,
        "nrm_rows": [_row(actor, r, today) for r in referrals],
        "nrm_can_refer": case.status == Case.Status.OPEN
        and may_change(actor, {case.lead_agency_id}, {case.pk}),
        "nrm_target_days": rg_target_working_days(),
    }
