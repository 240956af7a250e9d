"""Browser fixtures: Debian's Chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    CHROMIUM,  # noqa: F401 - re-exported for browser tests
    REPO,
)

ARTIFACTS = REPO / "test-artifacts"


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page PNG under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def totp_code(device: Any) -> str:
    """The code an authenticator app holding ``device``'s secret would show now.

    If this time step's code has already been used, the next step's code (which the
    server accepts, one step of clock drift being allowed); waits only if even that
    has been used.
    """
    from django_otp.oath import hotp

    device.refresh_from_db()
    now_t = int(time.time() - device.t0) // device.step + device.drift
    target = max(now_t, device.last_t + 1)
    if target > now_t + device.tolerance:
        time.sleep((target - device.tolerance - now_t) * device.step)
    code = hotp(device.bin_key, target, digits=device.digits)
    return f"{code:0{device.digits}d}"


def browser_sign_in(page: Any, live_server_url: str, user: Any) -> None:
    """Sign ``user`` in through the pages: username, demo password, then (when two-factor
    sign-in is on) a code from an authenticator app enrolled for them here.

    Starts from the sign-in page the browser is on (keeping its ``next``), or opens it.
    Returns once the browser has left the sign-in steps.
    """
    from django.conf import settings

    from saferleeds.demo.personas import DEMO_PASSWORD
    from saferleeds.web.twofactor import enrol_totp

    device = enrol_totp(user) if settings.SAFERLEEDS_REQUIRE_2FA else None
    if not (page.url.startswith(live_server_url) and "/sign-in/" in page.url):
        page.goto(f"{live_server_url}/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        page.wait_for_url("**/account/two-factor/**")
        page.get_by_label("Enter the 6-digit code from your authenticator app").fill(
            totp_code(device)
        )
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url and "/account/" not in url)


class Clock:
    """Django's clock (``timezone.now``), stopped, moved on only by :meth:`advance`.

    Covers everything that times sessions, lock-outs and code throttling; TOTP codes
    themselves still follow the real clock.
    """

    def __init__(self) -> None:
        from django.utils import timezone

        self.now = timezone.now()

    def __call__(self) -> Any:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock on, e.g. ``advance(minutes=31)``."""
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Iterator[Clock]:
    """A :class:`Clock` patched in for Django's, django-axes' and django-otp's time."""
    from unittest import mock

    c = Clock()
    with (
        mock.patch("django.utils.timezone.now", c),
        mock.patch("axes.handlers.proxy.now", c),
        mock.patch("axes.attempts.now", c),
    ):
        yield c
