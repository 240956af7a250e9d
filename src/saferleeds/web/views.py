"""Views parse the request and render; the numbers come from saferleeds.analytics."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from saferleeds.analytics import StoreBusy, crime_overview, msoa_choices, open_store
from saferleeds.web.charts import monthly_bars
from saferleeds.web.context import navigation_of
from saferleeds.web.forms import AreaFilterForm


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send signed-in users to their role's home page and everyone else to sign in.

    The home page is the one the navigation registry names for the user's roles
    (``NavItem.home_of``): the MARAC coordinator's is MARAC, an analyst's the
    indicators; the overview for roles none names.
    """
    if not request.user.is_authenticated:
        return redirect("login")
    return redirect(navigation_of(request).home)


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """Recorded crime per month (chart) and by type (table), filterable by MSOA."""
    try:
        with open_store(settings.SAFERLEEDS_ANALYTICS_PATH, read_only=True) as store:
            form = AreaFilterForm(request.GET or None, choices=msoa_choices(store))
            msoa = form.cleaned_data["msoa"] or None if form.is_valid() else None
            data = crime_overview(store, msoa)
    except StoreBusy as exc:
        return render(request, "web/busy.html", {"message": str(exc)}, status=503)
    status = 400 if form.is_bound and not form.is_valid() else 200
    chart = monthly_bars(
        data.by_month, title=f"Recorded crime and ASB per month, {data.area_name}"
    )
    return render(
        request,
        "web/overview.html",
        {
            "form": form,
            "data": data,
            "chart": chart,
            "months_held": sum(1 for _, c, _ in data.by_month if c is not None),
        },
        status=status,
    )
