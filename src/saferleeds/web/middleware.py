"""Sign-in enforcement for every page, so a new view is protected without a decorator.

* :class:`SessionTimeoutMiddleware` ends a session after 30 minutes idle or 12 hours.
* :class:`SignInRequiredMiddleware` sends anonymous visitors to sign in and, when
  two-factor sign-in is required, password-only sessions to the code step.
* :class:`NoStoreMiddleware` stops browsers and proxies keeping pages with personal data.

The few URLs that must work before sign-in is complete are listed in :func:`is_exempt`;
everything else is closed until the session is fully signed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

SIGNED_IN_AT = "saferleeds_signed_in_at"
LAST_SEEN_AT = "saferleeds_last_seen_at"
# Activity is written to the session at most this often (seconds), not on every request.
SEEN_RESOLUTION = 10

# Reachable before sign-in is complete: the password step, the code steps, signing out
# and the signed-out notice, and the one-time invitation link (which sets a password).
# Named URLs: a path is exempt when it resolves to one of these names.
EXEMPT_URL_NAMES = (
    "login",
    "logout",
    "otp_verify",
    "otp_setup",
    "signed_out",
    "invitation",
)
# Prefixes: static assets, and the partner API, which authenticates every request with
# a token (never the session cookie: tests/web/test_security.py checks that).
EXEMPT_PREFIXES = ("/api/",)


def _signed_in(request: HttpRequest) -> bool:
    """Whether the request's user is signed in. After a view has run the user may be
    None: Django REST framework sets that for an unauthenticated API request."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def is_exempt(path: str) -> bool:
    """True for the URLs that must work before (or without) a completed sign-in."""
    if path.startswith((*EXEMPT_PREFIXES, settings.STATIC_URL)):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.view_name in EXEMPT_URL_NAMES


class SessionTimeoutMiddleware:
    """Sign a session out after SAFERLEEDS_SESSION_IDLE_TIMEOUT without a request, or
    SAFERLEEDS_SESSION_ABSOLUTE_TIMEOUT after signing in, whichever comes first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            now = int(timezone.now().timestamp())
            session = request.session
            signed_in_at = session.get(SIGNED_IN_AT)
            last_seen_at = session.get(LAST_SEEN_AT)
            if signed_in_at is None or last_seen_at is None:
                # Stamped on the response of the sign-in request (below); a session
                # without stamps starts its clocks now.
                session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = now
            else:
                reason = self._expired(now, signed_in_at, last_seen_at)
                if reason:
                    next_path = request.get_full_path()
                    logout(request)
                    if request.path.startswith(EXEMPT_PREFIXES):
                        return self.get_response(request)
                    query = urlencode({"reason": reason, "next": next_path})
                    return redirect(f"{reverse('signed_out')}?{query}")
                if now - last_seen_at >= SEEN_RESOLUTION:
                    session[LAST_SEEN_AT] = now
        response = self.get_response(request)
        if _signed_in(request) and SIGNED_IN_AT not in request.session:
            now = int(timezone.now().timestamp())
            request.session[SIGNED_IN_AT] = request.session[LAST_SEEN_AT] = now
        return response

    @staticmethod
    def _expired(now: int, signed_in_at: int, last_seen_at: int) -> str | None:
        idle = settings.SAFERLEEDS_SESSION_IDLE_TIMEOUT.total_seconds()
        absolute = settings.SAFERLEEDS_SESSION_ABSOLUTE_TIMEOUT.total_seconds()
        if now - signed_in_at > absolute:
            return "absolute"
        if now - last_seen_at > idle:
            return "idle"
        return None


class SignInRequiredMiddleware:
    """Every view needs a fully signed-in session unless its URL is exempt.

    Anonymous visitors go to the sign-in page (a view marked with Django's
    ``login_not_required`` is left open to them). Signed-in sessions that have not yet
    entered a code go to the code step when SAFERLEEDS_REQUIRE_2FA is on.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponseBase | None:
        if is_exempt(request.path_info):
            return None
        user = request.user
        if not user.is_authenticated:
            if getattr(view_func, "login_required", True) is False:
                return None
            return redirect_to_login(request.get_full_path())
        if settings.SAFERLEEDS_REQUIRE_2FA and not user.is_verified():
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('otp_verify')}?{query}")
        return None


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every page a signed-in person receives (they may
    hold personal data) and on any other page that has not chosen its own caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if _signed_in(request) or not response.has_header("Cache-Control"):
            if response.has_header("Cache-Control"):
                del response["Cache-Control"]
            add_never_cache_headers(response)
        return response
