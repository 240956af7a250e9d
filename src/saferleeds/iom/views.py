"""IOM pages: the cohort and its candidates, a member, a cohort review meeting, the
forms that record decisions, needs and interventions, and a person's offender page.

Views parse the request and render only. Each page's records are read, shaped and
logged by its reader in :mod:`saferleeds.iom.access_pages`; records are changed through
:mod:`saferleeds.iom.actions`. Missing and forbidden records are the same 404; a role
that never opens IOM records gets a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saferleeds.analytics.networks import parse_period
from saferleeds.core.forms import GovukForm
from saferleeds.iom.access_pages import (
    may_use_iom,
    read_candidate,
    read_iom_home,
    read_iom_meeting,
    read_iom_member,
    read_network_export,
    read_network_graphml,
    read_network_page,
    read_offender_page,
)
from saferleeds.iom.actions import (
    do_add_iom_intervention,
    do_adopt_iom_member,
    do_create_iom_meeting,
    do_decide_iom_member,
    do_mark_iom_meeting_held,
    do_record_iom_pathway_need,
    do_update_iom_intervention,
)
from saferleeds.iom.forms import (
    REVIEW_DECISIONS,
    AdoptForm,
    DecisionForm,
    InterventionForm,
    InterventionUpdateForm,
    MeetingForm,
    NeedForm,
)
from saferleeds.iom.models import (
    Cohort,
    IomIntervention,
    IomMeeting,
    Pathway,
    PathwayNeed,
)
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor
from saferleeds.safeguarding.views._common import (
    form_page,
    get_or_404,
    http_errors,
    request_actor,
)

T = TypeVar("T")

NOT_CASEWORK = (
    "IOM pages are for practitioners and case coordinators. Ask your agency "
    "administrator if you need them for your work."
)


def iom_actor(request: HttpRequest, purpose: str) -> Actor:
    """The actor, if their roles open IOM records at all (others: 403)."""
    actor = request_actor(request, purpose)
    if not may_use_iom(actor):
        raise PermissionDenied(NOT_CASEWORK)
    return actor


def _read(reader: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a page's reader: ``NotFound`` is a 404, ``Forbidden`` a 403."""
    return http_errors(lambda: reader(*args, **kwargs))


def _meetings() -> list[tuple[int, str]]:
    return [(m.pk, str(m)) for m in IomMeeting.objects.order_by("-held_on", "-id")[:12]]


def _date_widget(
    form: GovukForm, prefix: str, legend: str, hint: str
) -> dict[str, Any]:
    return {
        "kind": "date",
        "name": prefix,
        "label": legend,
        "hint": hint,
        "day": form[f"{prefix}_day"].value(),
        "month": form[f"{prefix}_month"].value(),
        "year": form[f"{prefix}_year"].value(),
        "error": form.field_errors.get(prefix),
        "parts": form.date_error_parts.get(prefix, []),
    }


def _widget(
    form: GovukForm, kind: str, name: str, label: str, **extra: Any
) -> dict[str, Any]:
    return {
        "kind": kind,
        "name": name,
        "label": label,
        "value": form[name].value(),
        "error": form.field_errors.get(name),
        **extra,
    }


def _form_view(
    request: HttpRequest,
    *,
    title: str,
    caption: str,
    button: str,
    back: str,
    form: Callable[[Any], GovukForm],
    widgets: Callable[[GovukForm], list[dict[str, Any]]],
    action: Callable[[Any], Any],
    success: str,
    done: Callable[[Any], HttpResponse],
    intro: str = "",
) -> HttpResponse:
    def show(bound: GovukForm, status: int) -> HttpResponse:
        return render(
            request,
            "iom/form.html",
            {
                "form": bound,
                "widgets": widgets(bound),
                "title": title,
                "caption": caption,
                "button": button,
                "back": back,
                "intro": intro,
                "section": "iom",
            },
            status=status,
        )

    return form_page(
        request,
        make_form=form,
        action=action,
        success=success,
        done=done,
        show=show,
    )


# --- Pages ------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The cohort, the candidates with their scores, the meetings, and the cohort's
    proven re-offending against the rest."""
    actor = iom_actor(request, "IOM cohort")
    page = _read(read_iom_home, actor)
    return render(request, "iom/home.html", {"page": page, "section": "iom"})


@login_required
@require_GET
def member_detail(request: HttpRequest, member_id: int) -> HttpResponse:
    """A member: cohort history, pathway needs, interventions, score."""
    actor = iom_actor(request, "IOM member")
    page = _read(read_iom_member, actor, member_id)
    return render(request, "iom/member.html", {"page": page, "section": "iom"})


@login_required
@require_GET
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """A cohort review: its decisions and the members still to review."""
    actor = iom_actor(request, "IOM cohort review")
    page = _read(read_iom_meeting, actor, meeting_id)
    return render(request, "iom/meeting.html", {"page": page, "section": "iom"})


@login_required
@require_POST
def meeting_held(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Mark a cohort review as held."""
    actor = iom_actor(request, "IOM cohort review")
    _read(do_mark_iom_meeting_held, meeting_id, actor=actor)
    return redirect("iom:meeting", meeting_id=meeting_id)


@login_required
@require_GET
def offender(request: HttpRequest, person_id: int) -> HttpResponse:
    """One person's offences, disposals, re-offending, score and IOM history."""
    actor = request_actor(request, "offender page")
    page = get_or_404(read_offender_page, actor, person_id)
    return render(request, "iom/offender.html", {"page": page, "section": "iom"})


def _period_of(request: HttpRequest, name: str, errors: dict[str, str]) -> Any:
    """The period named by the query's ``name`` (``None`` when empty); a bad one is
    kept in ``errors`` for the page's error summary."""
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_period(text)
    except ValueError as exc:
        errors[name] = str(exc)
        return None


@login_required
@require_GET
def network(request: HttpRequest) -> HttpResponse:
    """The co-offending and organised-crime network: drawn, its measures and key
    players, people by pseudonym; ``?period=2018Q1&compare=2017Q4`` compares two."""
    actor = request_actor(request, "co-offending network")
    errors: dict[str, str] = {}
    period = _period_of(request, "period", errors)
    compare = _period_of(request, "compare", errors)
    if compare is not None and period is None and "period" not in errors:
        errors["period"] = "Enter the period to compare with the earlier one"
    if period and compare and compare.start >= period.start:
        errors["compare"] = (
            f"The earlier period must start before {period.label} "
            f"({period.start:%-d %B %Y})"
        )
    if errors:
        period = compare = None
    page = get_or_404(read_network_page, actor, period=period, compare=compare)
    return render(
        request,
        "iom/network.html",
        {
            "page": page,
            "section": "iom",
            "errors": errors,
            "period_text": request.GET.get("period", ""),
            "compare_text": request.GET.get("compare", ""),
            "graph": page.graph_data() if page.drawn else None,
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
def network_graphml(request: HttpRequest) -> HttpResponse:
    """The network as GraphML (people by pseudonym), to download; logged."""
    actor = request_actor(request, "co-offending network export")
    body = get_or_404(read_network_graphml, actor)
    response = HttpResponse(body, content_type="application/graphml+xml")
    response["Content-Disposition"] = 'attachment; filename="co-offending.graphml"'
    return response


@login_required
@require_GET
def network_i2(request: HttpRequest, part: str) -> HttpResponse:
    """The network as the i2 Analyst's Notebook entity or link CSV, or both zipped
    (people by pseudonym), to download; logged."""
    actor = request_actor(request, "co-offending network export")
    body, kind, name = get_or_404(read_network_export, actor, part)
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Forms ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    """Schedule a cohort review meeting."""
    actor = iom_actor(request, "schedule IOM cohort review")
    return _form_view(
        request,
        title="Schedule a cohort review",
        caption="IOM",
        button="Schedule the review",
        back=reverse("iom:home"),
        form=MeetingForm,
        widgets=lambda f: [
            _date_widget(f, "held", "Meeting date", "For example, 27 3 2026"),
            _widget(f, "input", "chair", "Chair (optional)"),
            _widget(f, "input", "venue", "Venue (optional)"),
        ],
        action=lambda f: do_create_iom_meeting(
            actor=actor,
            held_on=f.cleaned_data["held_on"],
            chair=f.cleaned_data["chair"],
            venue=f.cleaned_data["venue"],
        ),
        success="Cohort review scheduled",
        done=lambda m: redirect("iom:meeting", meeting_id=m.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def adopt(request: HttpRequest, person_id: int) -> HttpResponse:
    """Adopt a candidate into the cohort."""
    actor = iom_actor(request, "IOM adoption")
    candidate = _read(read_candidate, actor, person_id)
    s = candidate.score
    intro = (
        f"{candidate.name}: selection score {s.score:.1f} (recency {s.recency:.1f}, "
        f"frequency {s.frequency:.1f}, gravity {s.gravity:.1f})."
    )
    return _form_view(
        request,
        title=f"Adopt {candidate.name} into the IOM cohort",
        caption="IOM candidate",
        button="Adopt",
        back=reverse("iom:home"),
        intro=intro,
        form=lambda data: AdoptForm(data, meetings=_meetings()),
        widgets=lambda f: [
            _widget(f, "radios", "cohort", "Cohort", choices=Cohort.choices),
            _widget(f, "textarea", "reason", "Reason for adoption"),
            _widget(f, "select", "meeting", "Decided at", choices=_meetings()),
            _date_widget(f, "decided", "Decision date", "Leave blank for today"),
        ],
        action=lambda f: do_adopt_iom_member(
            person_id,
            actor=actor,
            cohort=f.cleaned_data["cohort"],
            reason=f.cleaned_data["reason"],
            decided_on=f.cleaned_data["decided_on"],
            meeting_id=f.cleaned_data["meeting"],
            score=round(s.score, 2),
        ),
        success=f"{candidate.name} adopted into the cohort",
        done=lambda m: redirect("iom:member", member_id=m.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, member_id: int) -> HttpResponse:
    """Record a review decision about a member."""
    actor = iom_actor(request, "IOM review decision")
    page = _read(read_iom_member, actor, member_id)
    return _form_view(
        request,
        title=f"Review decision: {page.name}",
        caption="IOM member",
        button="Record the decision",
        back=reverse("iom:member", args=[member_id]),
        form=lambda data: DecisionForm(data, meetings=_meetings()),
        widgets=lambda f: [
            _widget(f, "radios", "decision", "Decision", choices=REVIEW_DECISIONS),
            _widget(
                f,
                "select",
                "cohort",
                "New cohort (when moving)",
                choices=Cohort.choices,
            ),  # fmt: skip
            _widget(f, "textarea", "reason", "Reason"),
            _widget(f, "select", "meeting", "Decided at", choices=_meetings()),
            _date_widget(f, "decided", "Decision date", "Leave blank for today"),
        ],
        action=lambda f: do_decide_iom_member(
            member_id,
            actor=actor,
            decision=f.cleaned_data["decision"],
            cohort=f.cleaned_data["cohort"] or None,
            reason=f.cleaned_data["reason"],
            decided_on=f.cleaned_data["decided_on"],
            meeting_id=f.cleaned_data["meeting"],
        ),
        success="Decision recorded",
        done=lambda d: redirect("iom:member", member_id=member_id),
    )


@login_required
@require_http_methods(["GET", "POST"])
def need_new(request: HttpRequest, member_id: int) -> HttpResponse:
    """Record a pathway need."""
    actor = iom_actor(request, "IOM pathway need")
    page = _read(read_iom_member, actor, member_id)
    return _form_view(
        request,
        title=f"Pathway need: {page.name}",
        caption="IOM member",
        button="Record the need",
        back=reverse("iom:member", args=[member_id]),
        form=NeedForm,
        widgets=lambda f: [
            _widget(f, "select", "pathway", "Pathway", choices=Pathway.choices),
            _widget(
                f,
                "radios",
                "level",
                "Level of need",
                choices=PathwayNeed.Level.choices,
            ),  # fmt: skip
            _widget(f, "textarea", "notes", "Notes (optional)"),
            _date_widget(f, "assessed", "Assessment date", "Leave blank for today"),
        ],
        action=lambda f: do_record_iom_pathway_need(
            member_id,
            actor=actor,
            pathway=f.cleaned_data["pathway"],
            level=f.cleaned_data["level"],
            notes=f.cleaned_data["notes"],
            assessed_on=f.cleaned_data["assessed_on"],
        ),
        success="Pathway need recorded",
        done=lambda n: redirect("iom:member", member_id=member_id),
    )


def _agencies() -> list[tuple[int, str]]:
    return [(a.pk, a.name) for a in Agency.objects.order_by("name")]


@login_required
@require_http_methods(["GET", "POST"])
def intervention_new(request: HttpRequest, member_id: int) -> HttpResponse:
    """Add an intervention."""
    actor = iom_actor(request, "IOM intervention")
    page = _read(read_iom_member, actor, member_id)
    return _form_view(
        request,
        title=f"Add an intervention: {page.name}",
        caption="IOM member",
        button="Add the intervention",
        back=reverse("iom:member", args=[member_id]),
        form=lambda data: InterventionForm(data, agencies=_agencies()),
        widgets=lambda f: [
            _widget(f, "select", "pathway", "Pathway", choices=Pathway.choices),
            _widget(f, "input", "description", "Intervention"),
            _widget(f, "select", "owner_agency", "Delivered by", choices=_agencies()),
            _widget(
                f,
                "radios",
                "status",
                "Status",
                choices=[("planned", "Planned"), ("active", "In progress")],
            ),  # fmt: skip
            _date_widget(f, "started", "Start date", "Leave blank for today"),
        ],
        action=lambda f: do_add_iom_intervention(
            member_id,
            actor=actor,
            pathway=f.cleaned_data["pathway"],
            description=f.cleaned_data["description"],
            owner_agency_id=f.cleaned_data["owner_agency"],
            status=f.cleaned_data["status"],
            started_on=f.cleaned_data["started_on"],
        ),
        success="Intervention added",
        done=lambda i: redirect("iom:member", member_id=member_id),
    )


@login_required
@require_http_methods(["GET", "POST"])
def intervention_update(
    request: HttpRequest, member_id: int, intervention_id: int
) -> HttpResponse:
    """Change an intervention's status and record its outcome."""
    actor = iom_actor(request, "IOM intervention")
    page = _read(read_iom_member, actor, member_id)
    if not any(i.pk == intervention_id for i in page.interventions):
        raise Http404("Page not found")
    return _form_view(
        request,
        title=f"Update an intervention: {page.name}",
        caption="IOM member",
        button="Save",
        back=reverse("iom:member", args=[member_id]),
        form=InterventionUpdateForm,
        widgets=lambda f: [
            _widget(
                f,
                "radios",
                "status",
                "Status",
                choices=IomIntervention.Status.choices,
            ),  # fmt: skip
            _widget(f, "textarea", "outcome", "Outcome"),
            _date_widget(f, "ended", "End date (when ended)", "Leave blank for today"),
        ],
        action=lambda f: do_update_iom_intervention(
            intervention_id,
            actor=actor,
            status=f.cleaned_data["status"],
            outcome=f.cleaned_data["outcome"],
            ended_on=f.cleaned_data["ended_on"],
        ),
        success="Intervention updated",
        done=lambda i: redirect("iom:member", member_id=member_id),
    )


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("meetings/new/", meeting_new, name="meeting-new"),
    path("meetings/<int:meeting_id>/", meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/held/", meeting_held, name="meeting-held"),
    path("candidates/<int:person_id>/adopt/", adopt, name="adopt"),
    path("members/<int:member_id>/", member_detail, name="member"),
    path("members/<int:member_id>/decide/", decide, name="decide"),
    path("members/<int:member_id>/needs/new/", need_new, name="need-new"),
    path(
        "members/<int:member_id>/interventions/new/",
        intervention_new,
        name="intervention-new",
    ),
    path(
        "members/<int:member_id>/interventions/<int:intervention_id>/",
        intervention_update,
        name="intervention-update",
    ),
    path("offenders/<int:person_id>/", offender, name="offender"),
    path("network/", network, name="network"),
    path("network/graphml/", network_graphml, name="network-graphml"),
    path("network/i2/<slug:part>/", network_i2, name="network-i2"),
]
