"""Two-factor sign-in: a 6-digit code from an authenticator app (TOTP, via django-otp).

The password step is Django's own ``login`` view. A session that has passed it but not
yet entered a code is sent here by :class:`saferleeds.web.middleware.SignInRequiredMiddleware`
whatever page it asks for. Users without an authenticator app set one up first, by
scanning a QR code and confirming a code from it.

django-otp does the security-critical parts: the comparison, the one-step tolerance for
clock drift, refusing a code at or before the last accepted time step (``last_t``, so a
code cannot be used twice) and the exponential delay after wrong codes (throttling).
"""

from __future__ import annotations

import re
from base64 import b32encode
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET  # noqa: S405 - builds our own SVG, parses nothing

import django_otp
import qrcode
import qrcode.constants
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from saferleeds.web.context import home_of

DEVICE_NAME = "Authenticator app"
CODE_DIGITS = 6
NOTICEABLE_WAIT = timedelta(seconds=10)


def enrol_totp(user: User) -> TOTPDevice:
    """Return the user's confirmed authenticator-app device, creating one if needed.

    For tests and seeding: a person enrols through the set-up page instead, which
    confirms the device only once they have typed a code from it.
    """
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
    return device


def confirmed_device(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator-app device, if they have set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def qr_svg(data: str, *, label: str) -> SafeString:
    """An inline SVG QR code for ``data``, drawn here (no external service sees it)."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=4,
    )
    svg = image.get_image()
    svg.set("width", "200")
    svg.set("height", "200")
    svg.set("role", "img")
    svg.set("aria-label", label)
    svg.set("focusable", "false")
    # Our own element tree, with the label escaped by the serialiser: safe to inline.
    return mark_safe(ET.tostring(svg, encoding="unicode"))  # noqa: S308  # nosec


def secret_for_typing(device: TOTPDevice) -> str:
    """The device's secret in base32, in groups of four, for typing into an app."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class CodeForm(forms.Form):
    """One 6-digit code; spaces and dashes people type from their app are ignored."""

    code = forms.CharField(
        required=False, max_length=20, strip=True
    )  # messages are written by clean_code, in GOV.UK's words

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data.get("code") or "")
        if not code:
            raise forms.ValidationError(
                "Enter the 6-digit code from your authenticator app"
            )
        if not code.isdigit() or len(code) != CODE_DIGITS:
            raise forms.ValidationError("The code must be 6 numbers")
        return code


def safe_next(request: HttpRequest, target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/people/?q=1``), else None.

    Every ``next`` of the sign-in steps goes through here: Django's
    ``url_has_allowed_host_and_scheme`` (this host only; https in production), and then
    it must be a plain absolute path. ``foo`` (which ``redirect`` would take for a URL
    name), ``//evil.example/``, ``https://evil.example/`` and a full URL even of this
    site are refused, as is anything with control characters or spaces.
    """
    if not target or not target.isprintable() or " " in target:
        return None
    require_https = request.is_secure() or bool(getattr(settings, "PRODUCTION", False))
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=require_https
    ):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target:
        return None
    return target


def _next_url(request: HttpRequest) -> str:
    """Where to go once signed in: ``next`` if it is a path on this site, else the
    signed-in home page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if safe := safe_next(request, target):
        return safe
    if request.user.is_authenticated:
        return home_of(request.user)  # the role's own home (core.registry navigation)
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _check_code(device: TOTPDevice, request: HttpRequest, form: CodeForm) -> bool:
    """Verify the form's code against ``device``; on failure, put the reason on the form.

    ``django_otp.verify_token`` locks the device row while it checks, so two requests
    cannot both use one code, and records failures for throttling.
    """
    allowed, why = device.verify_is_allowed()
    if not allowed:
        form.add_error("code", _throttled_message(why))
        return False
    if django_otp.verify_token(
        request.user, device.persistent_id, form.cleaned_data["code"]
    ):
        return True
    # The wait after the first few wrong codes (1, 2, 4 seconds) is shorter than typing
    # the next one: only mention it once it is long enough to matter.
    device.refresh_from_db()
    allowed, why = device.verify_is_allowed()
    until = (why or {}).get("locked_until")
    if not allowed and (until is None or until - timezone.now() >= NOTICEABLE_WAIT):
        form.add_error("code", _throttled_message(why))
    else:
        form.add_error(
            "code",
            "The code is not correct or has already been used. "
            "Enter the latest code from your authenticator app",
        )
    return False


def _throttled_message(why: dict[str, Any] | None) -> str:
    until = (why or {}).get("locked_until")
    if until is None:
        return "You cannot enter a code at the moment. Try again later"
    seconds = max(1, int((until - timezone.now()).total_seconds() + 0.999))
    wait = f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds >= 120:
        minutes = (seconds + 59) // 60
        wait = f"{minutes} minutes"
    return f"Too many incorrect codes. Wait {wait}, then enter the latest code"


def _signed_in(request: HttpRequest, device: TOTPDevice) -> HttpResponse:
    """Mark the session verified by ``device``, with a fresh session key."""
    django_otp.login(request, device)
    request.session.cycle_key()  # the session now carries more privilege: new key
    return HttpResponseRedirect(_next_url(request))


def _page_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    # Until the code is entered the person is not signed in: the shared layout must not
    # say "Signed in as ..." or show the menu.
    return {"user": AnonymousUser(), "next": _next_url(request), **extra}


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Ask for the 6-digit code after the password."""
    if not request.user.is_authenticated:
        return redirect(_with_next(settings.LOGIN_URL, _next_url(request)))
    if request.user.is_verified():
        return HttpResponseRedirect(_next_url(request))
    device = confirmed_device(request.user)
    if device is None:
        return redirect(_with_next("otp_setup", _next_url(request)))
    form = CodeForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _check_code(device, request, form)
    ):
        return _signed_in(request, device)
    return render(
        request,
        "registration/otp_verify.html",
        _page_context(request, form=form),
        status=200 if not form.errors else 400,
    )


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """First sign-in: add the service to an authenticator app, then confirm a code.

    Only for someone with no confirmed device: with one, the code step is the only way
    on (a password alone must never be enough to add a second device).
    """
    if not request.user.is_authenticated:
        return redirect(_with_next(settings.LOGIN_URL, _next_url(request)))
    if request.user.is_verified() or confirmed_device(request.user) is not None:
        return redirect(_with_next("otp_verify", _next_url(request)))
    with transaction.atomic():
        # One pending device per user, kept across visits so a scanned code stays valid.
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=request.user, confirmed=False)
            .order_by("pk")
            .first()
        ) or TOTPDevice.objects.create(
            user=request.user, name=DEVICE_NAME, confirmed=False
        )
    form = CodeForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _check_code(device, request, form)
    ):
        with transaction.atomic():
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
        return _signed_in(request, device)
    uri = device.config_url
    return render(
        request,
        "registration/otp_setup.html",
        _page_context(
            request,
            form=form,
            otpauth_uri=uri,
            qr=qr_svg(uri, label="QR code to add this service to an authenticator app"),
            secret=secret_for_typing(device),
        ),
        status=200 if not form.errors else 400,
    )


@require_http_methods(["GET"])
def signed_out(request: HttpRequest) -> HttpResponse:
    """Shown after signing out, or after a session ends by itself (idle or at its
    absolute limit: ``reason``)."""
    reason = request.GET.get("reason")
    return render(
        request,
        "registration/signed_out.html",
        {
            "reason": reason if reason in ("idle", "absolute") else None,
            "sign_in_url": _with_next(settings.LOGIN_URL, _next_url(request)),
            "idle_minutes": int(
                settings.SAFERLEEDS_SESSION_IDLE_TIMEOUT.total_seconds() // 60
            ),
            "absolute_hours": int(
                settings.SAFERLEEDS_SESSION_ABSOLUTE_TIMEOUT.total_seconds() // 3600
            ),
        },
    )


class SignInView(auth_views.LoginView):
    """Django's password step, with ``next`` checked by :func:`safe_next`."""

    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        target = self.request.POST.get(
            self.redirect_field_name, self.request.GET.get(self.redirect_field_name)
        )
        safe = safe_next(self.request, target) or ""
        # Back to the sign-in page itself would be a loop (Django raises on it).
        return "" if urlsplit(safe).path == self.request.path else safe

    def get_default_redirect_url(self) -> str:
        """Without ``next``: the signed-in user's own home page (their role's)."""
        if self.request.user.is_authenticated:
            return home_of(self.request.user)
        return super().get_default_redirect_url()


class SignOutView(auth_views.LogoutView):
    """Django's sign-out, with ``next`` checked by :func:`safe_next`."""

    def get_redirect_url(self) -> str | None:
        target = self.request.POST.get(
            self.redirect_field_name, self.request.GET.get(self.redirect_field_name)
        )
        return safe_next(self.request, target)
