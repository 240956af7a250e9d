"""Two-factor sign-in: the code step guards every page, codes work once, wrong codes slow
down, first-time set-up, and the whole journey in Chromium with no CSP violation."""

from __future__ import annotations

import re
import time
import uuid
from base64 import b32decode
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from saferleeds.demo.personas import DEMO_PASSWORD
from saferleeds.web.middleware import is_exempt
from saferleeds.web.twofactor import enrol_totp, qr_svg
from tests.web.conftest import Clock, browser_sign_in, screenshot, totp_code

CODE_LABEL = "Enter the 6-digit code from your authenticator app"

# Stated here independently of the middleware: the only pages reachable before the code.
EXEMPT_PATHS = {
    "/sign-in/",
    "/sign-out/",
    "/account/two-factor/",
    "/account/two-factor/set-up/",
    "/account/signed-out/",
    # The one-time invitation link (its token is the credential): sets a password, then
    # sends the new user to the code set-up (tests/web/test_administration_pages.py).
    "/account/invitation/1/",
}
EXEMPT_PREFIXES = ("/api/", "/static/")

# Sample values for path converters, tried in turn until the URL resolves.
SAMPLES = ("1", "x", str(uuid.UUID(int=1)), "E02002402", "2024-01")


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route


def _concrete(route: str) -> str:
    """A path that resolves to ``route``, with sample values for its parameters."""
    regex = route.startswith("^") or "(?P<" in route
    for sample in SAMPLES:
        if regex:
            path = re.sub(r"\(\?P<\w+>[^)]*\)", sample, route)
            path = re.sub(r"\\Z|\$|\^", "", path)
        else:
            path = re.sub(r"<(?:\w+:)?\w+>", sample, route)
        path = "/" + path
        try:
            resolve(path)
        except Resolver404:
            continue
        return path
    raise AssertionError(f"add a sample value to SAMPLES so {route!r} resolves")


def project_paths() -> list[str]:
    """One concrete path for every URL pattern in the project, now and in future."""
    return sorted({_concrete(r) for r in _walk(get_resolver().url_patterns)})


def _exempt(path: str) -> bool:
    return path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES)


def _password_only(client: Client, user: Any) -> Client:
    """The state after the password page: signed in, no code entered yet."""
    r = client.post("/sign-in/", {"username": user.username, "password": DEMO_PASSWORD})
    assert r.status_code == 302, r.content[:500]
    return client


def _code_step_location(r: Any) -> tuple[str, str]:
    assert r.status_code == 302, r.status_code
    parts = urlsplit(r["Location"])
    return parts.path, parse_qs(parts.query).get("next", [""])[0]


def test_every_page_sends_a_password_only_session_to_the_code_step(
    client: Client, personas: dict[str, Any]
) -> None:
    enrol_totp(personas["aisha.analyst"])
    _password_only(client, personas["aisha.analyst"])
    paths = project_paths()
    assert "/overview/" in paths and "/" in paths
    guarded = [p for p in paths if not _exempt(p)]
    assert guarded
    for path in paths:
        assert is_exempt(path) == _exempt(path), f"exemptions differ for {path}"
    for path in guarded:
        for method in (client.get, client.post):
            where, next_url = _code_step_location(method(path))
            assert where == "/account/two-factor/", path
            assert next_url == path


def test_every_page_sends_an_anonymous_visitor_to_sign_in(
    client: Client, db: None
) -> None:
    for path in project_paths():
        if _exempt(path):
            continue
        view = resolve(path).func
        if getattr(view, "login_required", True) is False:
            continue  # marked public with Django's login_not_required
        r = client.get(path)
        assert r.status_code == 302 and r["Location"].startswith("/sign-in/"), path


def test_correct_code_signs_in_with_a_new_session_key(
    client: Client, personas: dict[str, Any]
) -> None:
    device = enrol_totp(personas["carol.coordinator"])
    _password_only(client, personas["carol.coordinator"])
    before = client.session.session_key
    r = client.get("/account/two-factor/", {"next": "/overview/"})
    html = r.content.decode()
    assert r.status_code == 200
    assert CODE_LABEL in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert 'aria-describedby="code-hint"' in html
    assert "Signed in as" not in html  # not signed in until the code is entered
    r = client.post(
        "/account/two-factor/", {"code": totp_code(device), "next": "/overview/"}
    )
    assert r.status_code == 302 and r["Location"] == "/overview/"
    assert client.session.session_key != before
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/overview/").status_code != 302


def test_a_used_code_is_refused(client: Client, personas: dict[str, Any]) -> None:
    user = personas["pete.practitioner"]
    device = enrol_totp(user)
    code = totp_code(device)
    _password_only(client, user)
    assert client.post("/account/two-factor/", {"code": code}).status_code == 302
    client.post("/sign-out/")
    _password_only(client, user)
    r = client.post("/account/two-factor/", {"code": code})
    assert r.status_code == 400
    assert "The code is not correct or has already been used" in r.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get("/overview/").status_code == 302


def test_wrong_codes_are_throttled(
    client: Client, personas: dict[str, Any], clock: Clock
) -> None:
    user = personas["ed.executive"]
    device = enrol_totp(user)
    _password_only(client, user)
    good = totp_code(device)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    for _ in range(5):
        r = client.post("/account/two-factor/", {"code": wrong})
        assert r.status_code == 400
        clock.advance(minutes=1)  # longer than any wait so far: each one counts
    device.refresh_from_db()
    assert device.throttling_failure_count == 5
    # The next try has to wait 2**4 = 16 seconds; even the right code is refused.
    clock.advance(seconds=-50)
    r = client.post("/account/two-factor/", {"code": good})
    assert r.status_code == 400
    assert "Too many incorrect codes. Wait 6 seconds" in r.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 5  # refused unchecked, not counted
    clock.advance(seconds=7)
    r = client.post("/account/two-factor/", {"code": good})
    assert r.status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Enter the 6-digit code from your authenticator app"),
        ("12345", "The code must be 6 numbers"),
        ("12a456", "The code must be 6 numbers"),
    ],
)
def test_code_format_errors_use_the_error_summary(
    client: Client, personas: dict[str, Any], code: str, message: str
) -> None:
    enrol_totp(personas["aisha.analyst"])
    _password_only(client, personas["aisha.analyst"])
    r = client.post("/account/two-factor/", {"code": code})
    html = r.content.decode()
    assert r.status_code == 400
    assert "<title>Error: " in html and "There is a problem" in html
    assert f'<a href="#code">{message}</a>' in html
    assert 'aria-describedby="code-hint code-error"' in html
    assert 'class="govuk-input govuk-input--width-5 govuk-input--error"' in html


def test_spaces_in_a_code_are_ignored(client: Client, personas: dict[str, Any]) -> None:
    device = enrol_totp(personas["aisha.analyst"])
    _password_only(client, personas["aisha.analyst"])
    code = totp_code(device)
    r = client.post("/account/two-factor/", {"code": f" {code[:3]} {code[3:]} "})
    assert r.status_code == 302


def test_next_must_stay_on_this_site(client: Client, personas: dict[str, Any]) -> None:
    device = enrol_totp(personas["aisha.analyst"])
    _password_only(client, personas["aisha.analyst"])
    r = client.post(
        "/account/two-factor/",
        {"code": totp_code(device), "next": "https://evil.example/overview/"},
    )
    assert r.status_code == 302 and r["Location"] == "/indicators/"  # analyst's home


def test_code_step_needs_the_password_first(client: Client, db: None) -> None:
    for path in ("/account/two-factor/", "/account/two-factor/set-up/"):
        r = client.get(path)
        assert r.status_code == 302 and r["Location"].startswith("/sign-in/")


def test_first_sign_in_sets_up_an_authenticator_app(
    client: Client, personas: dict[str, Any]
) -> None:
    user = personas["carol.coordinator"]
    _password_only(client, user)
    r = client.get("/overview/")
    assert _code_step_location(r) == ("/account/two-factor/", "/overview/")
    r = client.get(r["Location"])
    assert r.status_code == 302
    assert r["Location"] == "/account/two-factor/set-up/?next=%2Foverview%2F"
    r = client.get(r["Location"])
    html = r.content.decode()
    assert r.status_code == 200
    pending = TOTPDevice.objects.get(user=user)
    assert not pending.confirmed
    uri = pending.config_url
    assert uri.startswith("otpauth://totp/Safer%20Leeds%3Acarol.coordinator?secret=")
    assert uri.endswith("&issuer=Safer%20Leeds")
    assert f'href="{uri.replace("&", "&amp;")}"' in html
    assert str(qr_svg(uri, label="x")).split(">", 1)[1] in html  # the QR of that URI
    assert '<svg width="200" height="200"' in html and 'role="img"' in html
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', html).group(1)  # type: ignore[union-attr]
    assert b32decode(secret.replace(" ", "")) == pending.bin_key
    assert CODE_LABEL in html and 'autocomplete="one-time-code"' in html
    # Reloading keeps the same secret: an app that already scanned it still works.
    assert client.get("/account/two-factor/set-up/").status_code == 200
    assert TOTPDevice.objects.filter(user=user).count() == 1

    r = client.post("/account/two-factor/set-up/", {"code": "000000"})
    assert r.status_code == 400 and "There is a problem" in r.content.decode()
    time.sleep(1.1)  # the first wrong code asks for a one-second wait
    r = client.post(
        "/account/two-factor/set-up/",
        {"code": totp_code(pending), "next": "/overview/"},
    )
    assert r.status_code == 302 and r["Location"] == "/overview/"
    pending.refresh_from_db()
    assert pending.confirmed
    assert client.get("/overview/").status_code != 302
    # Once set up, the set-up page is closed: the code step is the only way in.
    client.post("/sign-out/")
    _password_only(client, user)
    r = client.get("/account/two-factor/set-up/")
    assert r.status_code == 302 and r["Location"].startswith("/account/two-factor/?")


def test_a_password_alone_cannot_add_a_second_device(
    client: Client, personas: dict[str, Any]
) -> None:
    user = personas["aisha.analyst"]
    enrol_totp(user)
    _password_only(client, user)
    r = client.post("/account/two-factor/set-up/", {"code": "123456"})
    assert r.status_code == 302
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_enrol_totp_is_idempotent(personas: dict[str, Any]) -> None:
    first = enrol_totp(personas["aisha.analyst"])
    assert first.confirmed and enrol_totp(personas["aisha.analyst"]) == first


def test_not_required_in_demo(
    client: Client, personas: dict[str, Any], settings: Any
) -> None:
    settings.SAFERLEEDS_REQUIRE_2FA = False
    _password_only(client, personas["aisha.analyst"])
    r = client.get("/")
    assert r.status_code == 302 and r["Location"] == "/indicators/"  # analyst's home


@pytest.mark.browser
def test_browser_sign_in_with_set_up_and_code_and_no_csp_violation(
    live_server: Any,
    page: Any,
    personas: dict[str, Any],
    settings: Any,
    police_store_path: Any,
) -> None:
    from playwright.sync_api import expect

    settings.SAFERLEEDS_ANALYTICS_PATH = police_store_path
    user = personas["aisha.analyst"]
    expected = []  # responses the journey provokes on purpose (a wrong code is a 400)

    # First sign-in: set up the authenticator app from the key on the page.
    page.goto(f"{live_server.url}/overview/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account/two-factor/set-up/**")
    assert page.get_by_role("img", name="QR code").is_visible()
    page.get_by_text("I cannot scan the QR code").click()
    screenshot(page, "otp-setup")
    key = b32decode(page.get_by_test_id("otp-secret").inner_text().replace(" ", ""))
    code = hotp(key, int(time.time()) // 30, digits=6)
    page.get_by_label(CODE_LABEL).fill(f"{code:06d}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/overview/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/account/signed-out/")
    assert page.get_by_text("You have been signed out").is_visible()
    page.get_by_role("button", name="Sign in again").click()
    page.wait_for_url("**/sign-in/**")

    # Later sign-ins ask for the code; a wrong one is explained.
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account/two-factor/?**")
    screenshot(page, "otp-verify")
    page.get_by_label(CODE_LABEL).fill("000000")
    page.get_by_role("button", name="Continue").click()
    expected.append(f"400 {live_server.url}/account/two-factor/")
    error = page.locator(".govuk-error-summary")
    error.wait_for()
    expect(error).to_be_focused()  # GOV.UK Frontend's script moved focus to it
    assert "The code is not correct" in error.inner_text()
    screenshot(page, "otp-verify-error")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/account/signed-out/")
    assert page.get_by_text("You have been signed out").is_visible()
    page.get_by_role("button", name="Sign in again").click()
    page.wait_for_url("**/sign-in/**")
    time.sleep(1.1)  # the wrong code asked for a one-second wait

    browser_sign_in(page, live_server.url, user)
    assert page.url == f"{live_server.url}/indicators/"  # the analyst's home
    assert page.get_by_text("Signed in as Aisha Khan").is_visible()
    problems = [
        p
        for p in page.problems
        if p not in expected
        and not (p.startswith("console: Failed to load resource") and "400" in p)
    ]
    assert not [p for p in page.problems if "Content Security Policy" in p]
    assert problems == []


# --- Security finding 10 (issue #11): every `next` is a path on this site ---------------

FALLBACK = "/marac/"  # the signed-in home page: the coordinator's (core.registry)
NEXT_CASES = [
    ("foo", FALLBACK),  # a bare word: redirect() took it for a URL name (500)
    ("//evil.example/", FALLBACK),
    ("https://evil.example/", FALLBACK),
    ("https://testserver/people/", FALLBACK),  # this site, but not a path
    ("/people/\r\nSet-Cookie: x=1", FALLBACK),
    ("/people/", "/people/"),
]


def _hidden_next(html: str) -> str:
    match = re.search(r'<input type="hidden" name="next" value="([^"]*)">', html)
    assert match, "no hidden next field"
    return match.group(1)


@pytest.mark.parametrize(("next_value", "expected"), NEXT_CASES)
def test_next_is_a_same_site_path_at_every_sign_in_step(
    client: Client, personas: dict[str, Any], next_value: str, expected: str
) -> None:
    """Security finding 10 (issue #11): `/account/two-factor/set-up/?next=foo` gave a
    500 (NoReverseMatch) once the device was confirmed. Every `next` of the sign-in,
    set-up, code, signed-out and sign-out steps goes through Django's
    url_has_allowed_host_and_scheme and must be a path; anything else falls back to the
    signed-in home page."""
    user = personas["carol.coordinator"]
    hidden = "" if expected == FALLBACK else expected
    # The password step: the page carries only a safe next, and follows only that.
    r = client.get("/sign-in/", {"next": next_value})
    assert r.status_code == 200 and _hidden_next(r.content.decode()) == hidden
    r = client.post(
        "/sign-in/",
        {"username": user.username, "password": DEMO_PASSWORD, "next": next_value},
    )
    assert r.status_code == 302 and r["Location"] == expected
    # First sign-in: the set-up page, then its code.
    r = client.get("/account/two-factor/", {"next": next_value})
    assert r.status_code == 302
    assert _code_step_location(r) == ("/account/two-factor/set-up/", expected)
    r = client.get("/account/two-factor/set-up/", {"next": next_value})
    assert r.status_code == 200 and _hidden_next(r.content.decode()) == expected
    pending = TOTPDevice.objects.get(user=user)
    r = client.post(
        "/account/two-factor/set-up/",
        {"code": totp_code(pending), "next": next_value},
    )
    assert r.status_code == 302 and r["Location"] == expected
    # Signed in, with a confirmed device: set-up and code step pass straight on.
    r = client.get("/account/two-factor/set-up/", {"next": next_value})
    assert _code_step_location(r) == ("/account/two-factor/", expected)
    r = client.get("/account/two-factor/", {"next": next_value})
    assert r.status_code == 302 and r["Location"] == expected
    r = client.get("/sign-in/", {"next": next_value})
    assert r.status_code == 302 and r["Location"] == expected
    # Sign out (a foreign next goes to the signed-out notice) and in again: the code step.
    r = client.post("/sign-out/", {"next": next_value})
    assert r.status_code == 302
    assert r["Location"] == (
        expected if expected != FALLBACK else "/account/signed-out/"
    )
    _password_only(client, user)
    r = client.get("/account/two-factor/set-up/", {"next": next_value})
    assert _code_step_location(r) == ("/account/two-factor/", expected)
    r = client.get("/account/two-factor/", {"next": next_value})
    assert r.status_code == 200 and _hidden_next(r.content.decode()) == expected
    r = client.post(
        "/account/two-factor/", {"code": totp_code(pending), "next": next_value}
    )
    assert r.status_code == 302 and r["Location"] == expected
    # The signed-out notice's "Sign in again" link.
    r = client.get("/account/signed-out/", {"reason": "idle", "next": next_value})
    assert r.status_code == 200
    sign_in = re.search(r'href="(/sign-in/[^"]*)"', r.content.decode())
    assert sign_in, "no sign-in link"
    link = sign_in.group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query).get("next", [""])[0] == expected


def test_next_must_be_https_in_production(rf: Any, settings: Any) -> None:
    """Security finding 10 (issue #11): in production url_has_allowed_host_and_scheme
    is asked for https, so even this host over plain http is refused."""
    from saferleeds.web.twofactor import safe_next

    request = rf.get("/")
    settings.PRODUCTION = True
    assert safe_next(request, "http://testserver/people/") is None
    assert safe_next(request, "/people/?q=1") == "/people/?q=1"
    settings.PRODUCTION = False
    assert safe_next(request, "foo") is None
