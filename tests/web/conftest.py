"""Browser fixtures: Debian's Chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: scripts/ensure-system-deps.sh installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            # Flags from the machine notes: no sandbox as root, and no background
            # networking, which this closed network refuses.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.problems = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))  # type: ignore[attr-defined]
    pg.on(
        "response",
        lambda r: r.status >= 400 and pg.problems.append(f"{r.status} {r.url}"),  # type: ignore[attr-defined]
    )
    # Console errors include Content-Security-Policy violations ("Refused to ...").
    pg.on(
        "console",
        lambda m: m.type == "error" and pg.problems.append(f"console: {m.text}"),  # type: ignore[attr-defined]
    )
    yield pg
    context.close()


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
