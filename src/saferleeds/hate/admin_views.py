"""The Administration pages' reporting-centre section: list, add, open, deactivate or
reactivate a centre and invite its staff. Plugged into the Administration pages (their
URLs and sub-navigation) through ``core.registry.register_admin_section``, as the hate
app builds on partners, not the other way round. Who may do what is the actions' rule
(``partners.accounts.require_admin``: agency and system administrators, their own
agencies' centres), as on the other Administration pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saferleeds.hate import actions
from saferleeds.hate.forms import CentreForm
from saferleeds.hate.models import ReportingCentre, ReportingCentreStaff
from saferleeds.partners import accounts
from saferleeds.partners.admin_forms import PersonFields
from saferleeds.partners.admin_views import (
    admin_actor,
    admin_context,
    call,
    issued_page,
    posted,
)

# --- Reporting centres ---------------------------------------------------------------


@require_GET
def centres(request: HttpRequest) -> HttpResponse:
    actor = admin_actor(request)
    rows = (
        ReportingCentre.objects.filter(agency__in=accounts.administered_agencies(actor))
        .select_related("agency")
        .prefetch_related(
            Prefetch(
                "staff", queryset=ReportingCentreStaff.objects.select_related("user")
            )
        )
    )
    return render(
        request,
        "hate/administration/centres.html",
        admin_context(actor, "centres", centres=rows),
    )


@require_http_methods(["GET", "POST"])
def add_centre(request: HttpRequest) -> HttpResponse:
    actor = admin_actor(request)
    agencies = accounts.administered_agencies(actor)
    initial = {"agency": actor.agency_code} if agencies.count() == 1 else {}
    form = CentreForm(posted(request), agencies=agencies, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            centre = call(
                actions.do_add_reporting_centre,
                data["name"],
                agency=data["agency"],
                address=data["address"],
                actor=actor,
            )
        except ValueError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, f"{centre.name} added.")
            return redirect("administration:centre", centre_id=centre.pk)
    return render(
        request,
        "hate/administration/centre_form.html",
        admin_context(actor, "centres", form=form, agencies=agencies),
        status=400 if form.errors else 200,
    )


@require_GET
def centre_detail(request: HttpRequest, centre_id: int) -> HttpResponse:
    actor = admin_actor(request)
    centre = call(actions.administrable_centre, actor, centre_id)
    staff = [
        s.user for s in centre.staff.select_related("user").order_by("user__username")
    ]
    return render(
        request,
        "hate/administration/centre.html",
        admin_context(actor, "centres", centre=centre, staff=staff),
    )


@require_POST
def deactivate_centre(request: HttpRequest, centre_id: int) -> HttpResponse:
    actor = admin_actor(request)
    call(actions.do_set_reporting_centre_active, centre_id, False, actor=actor)
    messages.success(request, "Reporting centre deactivated.")
    return redirect("administration:centre", centre_id=centre_id)


@require_POST
def reactivate_centre(request: HttpRequest, centre_id: int) -> HttpResponse:
    actor = admin_actor(request)
    call(actions.do_set_reporting_centre_active, centre_id, True, actor=actor)
    messages.success(request, "Reporting centre reactivated.")
    return redirect("administration:centre", centre_id=centre_id)


@require_http_methods(["GET", "POST"])
def invite_centre_staff(request: HttpRequest, centre_id: int) -> HttpResponse:
    """Invite a centre worker (the reporting-centre role, in the centre's agency)."""
    actor = admin_actor(request)
    centre = call(actions.administrable_centre, actor, centre_id)
    form = PersonFields(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issued = call(
                actions.do_invite_centre_staff,
                centre.pk,
                data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                job_title=data["job_title"],
                actor=actor,
            )
        except ValueError as exc:
            form.add_error("username", str(exc))
        else:
            return issued_page(request, actor, issued, new=True)
    return render(
        request,
        "hate/administration/centre_invite.html",
        admin_context(actor, "centres", form=form, centre=centre),
        status=400 if form.errors else 200,
    )


def urlpatterns() -> list[URLPattern]:
    """The section's pages, under /administration/ in its namespace."""
    return [
        path("centres/", centres, name="centres"),
        path("centres/add/", add_centre, name="add_centre"),
        path("centres/<int:centre_id>/", centre_detail, name="centre"),
        path(
            "centres/<int:centre_id>/deactivate/",
            deactivate_centre,
            name="deactivate_centre",
        ),
        path(
            "centres/<int:centre_id>/reactivate/",
            reactivate_centre,
            name="reactivate_centre",
        ),
        path(
            "centres/<int:centre_id>/staff/invite/",
            invite_centre_staff,
            name="invite_centre_staff",
        ),
    ]
