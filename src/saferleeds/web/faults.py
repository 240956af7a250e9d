"""The page for a request that failed: a service fault (503) or a bug (500).

(And a "bad request" that was really a service fault underneath: :func:`bad_request`.)

Django calls :func:`server_error` for any exception a view or middleware let through,
inside its ``except`` block. A fault of the service (the database restarting, the
analytics store damaged, the disk full; see :mod:`saferleeds.ops.faults`) gets a 503
page saying what happened and how to recover, with ``Retry-After``; anything else the
generic 500 page. Neither shows a traceback (the server log keeps it).

The page is rendered without the request's context processors: they read the user
and the menu from the database, which may be the very thing that is down.
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.template import loader

from saferleeds.ops.faults import Fault, Kind, classify, classify_chain

RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a 503 page for a service fault, else the plain 500 page."""
    exc = sys.exc_info()[1]
    fault = classify(exc) if exc is not None else None
    if fault is None:
        body = loader.render_to_string(
            "web/fault.html",
            {
                "title": "Sorry, there is a problem with the service",
                "message": "Try again later. If it keeps happening, tell your administrator the time it happened.",
            },
        )
        return HttpResponse(body, status=500)
    return fault_page(fault)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: Django's own 400 page, unless a service fault lies underneath.

    Saving a session that the database refuses (its disk full, the database
    restarting) reaches here as ``SessionInterrupted``: not the user's bad request
    but the service's fault, so the 503 page.
    """
    from django.views.defaults import bad_request as default_bad_request

    fault = classify_chain(exception)
    if fault is None:
        return default_bad_request(request, exception)
    return fault_page(fault)


def fault_page(fault: Fault) -> HttpResponse:
    """The 503 page for ``fault``: what happened and how to recover."""
    titles = {
        Kind.DATABASE: "Sorry, the service is unavailable",
        Kind.STORE: "Sorry, the figures cannot be shown",
        Kind.DISK: "Sorry, the service has run out of space",
    }
    body = loader.render_to_string(
        "web/fault.html", {"title": titles[fault.kind], "message": fault.message}
    )
    response = HttpResponse(body, status=503)
    if fault.kind is Kind.DATABASE:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
