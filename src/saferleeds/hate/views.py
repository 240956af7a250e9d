"""The public hate report form: open to anyone, no sign-in.

Protected by CSRF, a honeypot field and a limit on submissions per client address
(``SAFERLEEDS_HATE_REPORT_RATE_LIMIT`` submissions per
``SAFERLEEDS_HATE_REPORT_RATE_WINDOW`` seconds; defaults below). The address is the TCP
peer (REMOTE_ADDR), as for the sign-in lock-out: X-Forwarded-For is never believed.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from saferleeds.hate.actions import do_receive_hate_report
from saferleeds.hate.forms import YES_NO, HateReportForm
from saferleeds.hate.models import HateReport

DEFAULT_RATE_LIMIT = 5  # submissions...
DEFAULT_RATE_WINDOW = 10 * 60  # ...per this many seconds, per client address
# The confirmation page shows the reference of the report this browser just sent.
SESSION_KEY = "saferleeds_hate_report_reference"


def _rate_limit() -> tuple[int, int]:
    return (
        int(getattr(settings, "SAFERLEEDS_HATE_REPORT_RATE_LIMIT", DEFAULT_RATE_LIMIT)),
        int(
            getattr(settings, "SAFERLEEDS_HATE_REPORT_RATE_WINDOW", DEFAULT_RATE_WINDOW)
        ),
    )


def _over_limit(request: HttpRequest) -> bool:
    """Count this submission against the client's address; True once over the limit.

    A fixed window starting at the address's first submission. Every submission
    counts, valid or not, so a bot cannot probe the form without limit.
    """
    limit, window = _rate_limit()
    address = request.META.get("REMOTE_ADDR", "")
    key = "hate-report-rate:" + hashlib.sha256(address.encode()).hexdigest()[:32]
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def _render_form(
    request: HttpRequest, form: HateReportForm, status: int = 200
) -> HttpResponse:
    data = form.data if form.is_bound else {}
    return render(
        request,
        "hate/hate_report_form.html",
        {
            "form": form,
            "values": data,
            "strands_selected": data.getlist("strands")
            if hasattr(data, "getlist")
            else [],
            "errors": form.field_errors if form.is_bound else {},
            "error_list": form.error_list if form.is_bound else [],
            "strand_choices": HateReport.Strand.choices,
            "perceived_choices": HateReport.PerceivedBy.choices,
            "via_choices": HateReport.ReportedVia.choices,
            "contact_choices": HateReport.ContactPreference.choices,
            "yes_no": YES_NO,
            "anonymous_choices": [("yes", "Yes, stay anonymous"), ("no", "No")],
        },
        status=status,
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def hate_report(request: HttpRequest) -> HttpResponse:
    """Report a hate incident or crime (GET: the form; POST: check and store it)."""
    if request.method == "GET":
        return _render_form(request, HateReportForm())
    if _over_limit(request):
        limit, window = _rate_limit()
        return render(
            request,
            "hate/hate_report_too_many.html",
            {"minutes": max(1, window // 60)},
            status=429,
        )
    form = HateReportForm(request.POST)
    if form.bot_suspected:
        # Filled in only by software; nothing is stored. The message stays generic.
        return render(request, "hate/hate_report_refused.html", {}, status=400)
    if not form.is_valid():
        return _render_form(request, form, status=400)
    # The public is no one in the audit log, whoever may be signed in on this browser.
    report = do_receive_hate_report(form.details(), actor=None)
    request.session[SESSION_KEY] = report.reference
    return redirect(reverse("report:hate_report_sent"))


@login_not_required
@require_http_methods(["GET"])
def hate_report_sent(request: HttpRequest) -> HttpResponse:
    """The confirmation page: the reference of the report this browser just sent."""
    reference = request.session.get(SESSION_KEY)
    if not reference:
        return redirect(reverse("report:hate_report"))
    return render(request, "hate/hate_report_sent.html", {"reference": reference})
