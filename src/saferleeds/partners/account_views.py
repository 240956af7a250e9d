"""A user's own account: the one-time invitation link, and changing your password.

The invitation link works without signing in (``invitation`` is in
``saferleeds.web.middleware.EXEMPT_URL_NAMES``): it sets the user's own password, signs
them in with it, and sends them on to set up their authenticator app (or to the code
step, if they still have one) when two-factor sign-in is required.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from saferleeds.partners import accounts
from saferleeds.partners.admin_forms import ChangePasswordForm, NewPasswordForm
from saferleeds.partners.policy import request_actor


def _posted(request: HttpRequest) -> Any:
    """The submitted data (an empty submission too), or ``None`` for a GET."""
    return request.POST if request.method == "POST" else None


def _invalid(request: HttpRequest) -> HttpResponse:
    """One page for every link that cannot be used, whatever the reason."""
    return render(
        request,
        "partners/administration/invitation_invalid.html",
        {"user": AnonymousUser()},
        status=404,
    )


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Set your password through the link an administrator gave you."""
    try:
        found = accounts.invitation_for_token(token)
    except accounts.InvitationInvalid:
        return _invalid(request)
    invited = found.user
    form = NewPasswordForm(invited, _posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.do_accept_invitation(
                token,
                form.cleaned_data["new_password1"],
                remote_addr=request.META.get("REMOTE_ADDR", ""),
            )
        except accounts.InvitationInvalid:
            return _invalid(request)
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            # Whoever was signed in in this browser is signed out: this is now the
            # invited user's session (password step only, until their code).
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            home = reverse(settings.LOGIN_REDIRECT_URL)
            if settings.SAFERLEEDS_REQUIRE_2FA:
                return redirect(f"{reverse('otp_setup')}?{urlencode({'next': home})}")
            return redirect(home)
    membership = getattr(invited, "membership", None)
    return render(
        request,
        "partners/administration/invitation.html",
        {
            # Not signed in yet: the layout must not show a menu or "Signed in as".
            "user": AnonymousUser(),
            "invited": invited,
            "agency": membership.agency if membership else None,
            "form": form,
            "expires_at": found.expires_at,
            "two_factor": settings.SAFERLEEDS_REQUIRE_2FA,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def change_password(request: HttpRequest) -> HttpResponse:
    """Change your own password (the current one first)."""
    form = ChangePasswordForm(request.user, _posted(request))
    if request.method == "POST" and form.is_valid():
        accounts.do_change_own_password(
            request.user,  # type: ignore[arg-type]
            form.cleaned_data["new_password1"],
            actor=request_actor(request, "change own password"),
        )
        update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
        return render(request, "partners/administration/password_changed.html")
    return render(
        request,
        "partners/administration/password_change.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
