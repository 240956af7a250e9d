"""Hardening: lock-out after wrong passwords, session timeouts, Content-Security-Policy,
no caching of signed-in pages, and a production configuration `check --deploy` passes."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client

from saferleeds.demo.personas import DEMO_PASSWORD
from tests.conftest import PACKAGE
from tests.web.conftest import Clock

LIMIT = 10


def _sign_in_attempt(
    client: Client, username: str, password: str, **headers: str
) -> Any:
    return client.post(
        "/sign-in/", {"username": username, "password": password}, **headers
    )


# --- Lock-out (django-axes) ------------------------------------------------------------


def test_locked_after_ten_wrong_passwords_whatever_x_forwarded_for_says(
    client: Client, personas: dict[str, Any]
) -> None:
    for i in range(LIMIT - 1):
        r = _sign_in_attempt(
            client, "aisha.analyst", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}"
        )
        assert r.status_code == 200 and "There is a problem" in r.content.decode()
    r = _sign_in_attempt(
        client, "aisha.analyst", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert r.status_code == 429
    # Now even the right password is refused, from any claimed address.
    r = _sign_in_attempt(
        client, "aisha.analyst", DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99"
    )
    html = r.content.decode()
    assert r.status_code == 429
    assert "Sign-in is locked" in html and "try again in 30 minutes" in html
    assert "Traceback" not in html and "aisha.analyst" not in html
    assert "frame-ancestors 'none'" in r["Content-Security-Policy"]
    assert "_auth_user_id" not in client.session
    # The attempts were counted against one address (the TCP peer), not the header's.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "127.0.0.1"
    }
    # The password typed is never stored with the attempt.
    assert not AccessAttempt.objects.filter(post_data__contains="wrong").exists()


def test_username_lock_holds_across_client_addresses(
    client: Client, personas: dict[str, Any]
) -> None:
    for i in range(LIMIT):
        _sign_in_attempt(
            client, "pete.practitioner", "wrong", REMOTE_ADDR=f"10.0.0.{i}"
        )
    r = _sign_in_attempt(
        client, "pete.practitioner", DEMO_PASSWORD, REMOTE_ADDR="10.9.9.9"
    )
    assert r.status_code == 429
    # Other people can still sign in.
    r = _sign_in_attempt(client, "ed.executive", DEMO_PASSWORD, REMOTE_ADDR="10.9.9.9")
    assert r.status_code == 302


def test_an_address_trying_many_usernames_is_locked(
    client: Client, personas: dict[str, Any]
) -> None:
    for i in range(LIMIT):
        _sign_in_attempt(client, f"nobody{i}", "wrong", REMOTE_ADDR="10.1.1.1")
    r = _sign_in_attempt(client, "ed.executive", DEMO_PASSWORD, REMOTE_ADDR="10.1.1.1")
    assert r.status_code == 429
    r = _sign_in_attempt(client, "ed.executive", DEMO_PASSWORD, REMOTE_ADDR="10.2.2.2")
    assert r.status_code == 302


def test_lock_expires_after_the_cool_off(
    client: Client, personas: dict[str, Any], clock: Clock
) -> None:
    for _ in range(LIMIT):
        _sign_in_attempt(client, "carol.coordinator", "wrong")
    clock.advance(minutes=29)
    assert (
        _sign_in_attempt(client, "carol.coordinator", DEMO_PASSWORD).status_code == 429
    )
    # Trying while locked starts the 30 minutes again.
    clock.advance(minutes=29)
    assert (
        _sign_in_attempt(client, "carol.coordinator", DEMO_PASSWORD).status_code == 429
    )
    clock.advance(minutes=31)
    r = _sign_in_attempt(client, "carol.coordinator", DEMO_PASSWORD)
    assert r.status_code == 302
    assert not AccessAttempt.objects.filter(username="carol.coordinator").exists()


def test_a_successful_sign_in_resets_the_count(
    client: Client, personas: dict[str, Any]
) -> None:
    for _ in range(LIMIT - 1):
        _sign_in_attempt(client, "ed.executive", "wrong")
    assert _sign_in_attempt(client, "ed.executive", DEMO_PASSWORD).status_code == 302
    client.post("/sign-out/")
    assert _sign_in_attempt(client, "ed.executive", "wrong").status_code == 200


def test_axes_is_the_first_authentication_backend() -> None:
    assert django_settings.AUTHENTICATION_BACKENDS[0] == (
        "axes.backends.AxesStandaloneBackend"
    )


# --- Session timeouts -----------------------------------------------------------------


def test_idle_session_is_signed_out_after_30_minutes(
    client: Client, personas: dict[str, Any], sign_in: Any, clock: Clock
) -> None:
    sign_in(client, personas["aisha.analyst"])
    assert client.get("/sign-in/").status_code == 302  # signed in: sent onwards
    clock.advance(minutes=29)
    assert client.get("/sign-in/").status_code == 302  # activity restarts the clock
    clock.advance(minutes=29)
    assert client.get("/sign-in/").status_code == 302
    clock.advance(minutes=31)
    r = client.get("/overview/?msoa=E02002402")
    assert r.status_code == 302
    assert r["Location"] == (
        "/account/signed-out/?reason=idle&next=%2Foverview%2F%3Fmsoa%3DE02002402"
    )
    assert "_auth_user_id" not in client.session
    page = client.get(r["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "You have been signed out" in html
    assert "had not used the service for 30 minutes" in html
    assert 'href="/sign-in/?next=%2Foverview%2F%3Fmsoa%3DE02002402"' in html
    assert client.get("/overview/")["Location"].startswith("/sign-in/")


def test_session_ends_12_hours_after_sign_in_however_active(
    client: Client, personas: dict[str, Any], sign_in: Any, clock: Clock
) -> None:
    sign_in(client, personas["aisha.analyst"])
    for _ in range(12 * 3):  # a request every 20 minutes, all day
        assert client.get("/sign-in/")["Location"] == "/indicators/"  # analyst's home
        clock.advance(minutes=20)
    clock.advance(minutes=1)
    r = client.get("/sign-in/")  # 12 h 1 min after signing in
    assert r["Location"].startswith("/account/signed-out/?reason=absolute")
    assert "_auth_user_id" not in client.session
    assert "12 hours after they sign in" in client.get(r["Location"]).content.decode()


def test_session_key_changes_at_sign_in(
    client: Client, personas: dict[str, Any]
) -> None:
    client.get("/sign-in/")
    client.cookies["sessionid"] = "attacker-chosen-session-id"
    _sign_in_attempt(client, "aisha.analyst", DEMO_PASSWORD)
    assert client.cookies["sessionid"].value != "attacker-chosen-session-id"


# --- Headers ---------------------------------------------------------------------------


def _csp(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d
    }


def test_content_security_policy_on_every_kind_of_page(
    client: Client,
    personas: dict[str, Any],
    sign_in: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = tmp_path / "missing.duckdb"
    anonymous = client.get("/sign-in/")
    sign_in(client, personas["aisha.analyst"])
    for r in (anonymous, client.get("/overview/"), client.get("/no-such-page/")):
        csp = _csp(r)
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no nonce needed
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["form-action"] == ["'self'"]
        assert csp["base-uri"] == ["'none'"]
        assert csp["object-src"] == ["'none'"]
        assert not any("unsafe" in v for values in csp.values() for v in values)
        assert r["X-Frame-Options"] == "DENY"
        assert r["X-Content-Type-Options"] == "nosniff"


def test_signed_in_pages_are_never_stored(
    client: Client, personas: dict[str, Any], sign_in: Any, store_settings: Any
) -> None:
    sign_in(client, personas["aisha.analyst"])
    for path in ("/overview/", "/account/two-factor/", "/"):
        r = client.get(path)
        assert "no-store" in r["Cache-Control"] and "private" in r["Cache-Control"]
    assert "no-store" in Client().get("/sign-in/")["Cache-Control"]


@pytest.fixture
def store_settings(settings: Any, police_store_path: Path) -> Any:
    settings.SAFERLEEDS_ANALYTICS_PATH = police_store_path
    return settings


def test_templates_need_no_inline_script_or_style() -> None:
    """The policy forbids inline script and style: keep every template free of them."""
    offenders = []
    for template in PACKAGE.glob("**/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for pattern in (
            r"<script(?![^>]*\ssrc=)[^>]*>",  # inline script
            r"\son[a-z]+\s*=",  # event-handler attribute
            r"\sstyle\s*=",  # style attribute
            r"<style[\s>]",  # style element
            r"javascript:",
        ):
            offenders += [f"{template}: {m}" for m in re.findall(pattern, text)]
    assert offenders == []


def test_api_does_not_accept_the_session_cookie() -> None:
    # /api/ is outside the two-factor gate because it authenticates each request with a
    # token; accepting the session cookie there would let a password-only session in.
    classes = django_settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    assert not [c for c in classes if "Session" in c or "Basic" in c]


# --- Configuration ---------------------------------------------------------------------


def _manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SAFERLEEDS_")
        # tests/_env.py sets the last one for Playwright; a deployment never would.
        and k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    full.update({"SAFERLEEDS_DATA_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-m", "saferleeds.cli", "manage", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "SAFERLEEDS_ENV": "production",
    "SAFERLEEDS_SECRET_KEY": secrets.token_urlsafe(64),
    "SAFERLEEDS_ALLOWED_HOSTS": "saferleeds.example.org",
    "DATABASE_URL": "postgres://saferleeds:secret@db.example.org:5432/saferleeds",
}


def test_production_configuration_passes_check_deploy(tmp_path: Path) -> None:
    r = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues" in r.stdout


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SAFERLEEDS_ENV": "demo"}, "False"),
        ({"SAFERLEEDS_ENV": "test"}, "True"),
        ({"SAFERLEEDS_ENV": "demo", "SAFERLEEDS_REQUIRE_2FA": "1"}, "True"),
        ({**PRODUCTION}, "True"),
        ({**PRODUCTION, "SAFERLEEDS_REQUIRE_2FA": "0"}, "True"),  # cannot be turned off
    ],
)
def test_two_factor_setting(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    r = _manage(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SAFERLEEDS_REQUIRE_2FA)",
        **env,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == expected


def test_two_factor_setting_rejects_other_values(tmp_path: Path) -> None:
    r = _manage(tmp_path, "check", SAFERLEEDS_ENV="test", SAFERLEEDS_REQUIRE_2FA="yes")
    assert r.returncode != 0
    assert "SAFERLEEDS_REQUIRE_2FA='yes' is not 0 or 1" in r.stderr


@pytest.mark.browser
def test_browser_locked_out_and_signed_out_pages(
    live_server: Any, page: Any, personas: dict[str, Any]
) -> None:
    from tests.web.conftest import screenshot

    page.goto(f"{live_server.url}/sign-in/")
    for _ in range(LIMIT):
        page.get_by_label("Username").fill("aisha.analyst")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
    assert page.get_by_role("heading", name="Sign-in is locked").is_visible()
    screenshot(page, "locked-out")
    page.goto(f"{live_server.url}/account/signed-out/?reason=idle&next=/overview/")
    assert page.get_by_role("heading", name="You have been signed out").is_visible()
    screenshot(page, "signed-out")
    page.get_by_role("button", name="Sign in again").click()
    page.wait_for_url("**/sign-in/?next=%2Foverview%2F")
    assert not [p for p in page.problems if "Content Security Policy" in p]
    unexpected = [
        p
        for p in page.problems
        if p != f"429 {live_server.url}/sign-in/"
        and not (p.startswith("console: Failed to load resource") and " 429 " in p)
    ]
    assert unexpected == []


# --- Security finding 11 (issue #11): bidi and control characters in person names -------

BIDI = "\u202e\u2066\u2069\u200e\u200f\u061c\u202a"


def _person(personas: dict[str, Any]) -> Any:
    from saferleeds.partners.policy import actor_for
    from saferleeds.people.actions import do_create_person

    return do_create_person(
        actor=actor_for(personas["pete.practitioner"]),
        reference="WYP-BIDI-1",
        given_name="Alice",
        family_name="Smith",
    )


def test_person_form_strips_bidi_and_control_characters(
    personas: dict[str, Any], sign_in: Any
) -> None:
    """Security finding 11 (issue #11): a person's name typed with Unicode bidi controls
    (U+202E turns the rest round) was stored and shown verbatim; GovukForm.clean, the
    base of the person forms, removes them and other control characters."""
    from saferleeds.people.models import Person

    person = _person(personas)
    client = sign_in(Client(), personas["pete.practitioner"])
    r = client.post(
        f"/people/{person.pk}/edit/",
        {
            "given_name": f"Ali{BIDI}ce\x07",
            "family_name": "\u2066Smith\u2069\u202e-Jones\x1b\n",
            "dob_day": "",
            "dob_month": "",
            "dob_year": "",
            "sex": "F",
            "postcode": "LS1\u200e 4AP",
            "version": "1",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    person = Person.objects.get(pk=person.pk)
    assert (person.given_name, person.family_name) == ("Alice", "Smith-Jones")
    assert person.postcode == "LS1 4AP"
    # A name of nothing but controls is an empty name: refused as one.
    r = client.post(
        f"/people/{person.pk}/edit/",
        {"given_name": BIDI, "family_name": "Smith", "sex": "F", "version": "2"},
    )
    assert r.status_code == 400
    assert "Enter the person&#x27;s first name" in r.content.decode()


def test_api_strips_bidi_and_control_characters_from_people(
    personas: dict[str, Any],
) -> None:
    """Security finding 11 (issue #11): the partner API records people through the same
    actions, which clean names, references and postcodes as the forms do."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from saferleeds.people.models import AgencyReference, Person

    token, _ = Token.objects.get_or_create(user=personas["pete.practitioner"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    r = api.post(
        "/api/v1/people/",
        {
            "reference": f"WYP-{BIDI}77",
            "given_name": f"\u202eMo{BIDI}",
            "family_name": "Farah\u2066\u0085",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    person = Person.objects.get(pk=r.json()["id"])
    assert (person.given_name, person.family_name) == ("Mo", "Farah")
    assert AgencyReference.objects.get(person=person).reference == "WYP-77"
    r = api.patch(
        f"/api/v1/people/{person.pk}/",
        {"given_name": f"Mo{BIDI}hamed", "version": 1},
        format="json",
    )
    assert r.status_code == 200, r.content
    person.refresh_from_db()
    assert person.given_name == "Mohamed"


# --- Security finding 18 (issue #11): refusals are one line in the server log -----------


@pytest.fixture
def server_log() -> Any:
    """What the server's console handler (settings.LOGGING) writes, captured."""
    import io
    import logging

    [handler] = [h for h in logging.getLogger().handlers if h.name == "console"]
    buffer = io.StringIO()
    old = handler.setStream(buffer)
    yield buffer
    handler.setStream(old)


def test_refusals_are_one_line_and_server_errors_keep_their_traceback(
    personas: dict[str, Any], sign_in: Any, server_log: Any, caplog: Any
) -> None:
    """Security finding 18 (issue #11): every 403 printed a full traceback in the server
    log. A refusal (403, 404, 405, 409) is now one line -- method, path, status, user
    id, reason -- and a 500 keeps its traceback."""
    from unittest import mock

    from saferleeds.infogov.views import IG_ONLY

    analyst = personas["aisha.analyst"]
    client = sign_in(Client(raise_request_exception=False), analyst)
    assert client.get("/audit/").status_code == 403  # the audit viewer: IG leads only
    assert client.get("/people/999999/").status_code == 404
    assert client.put("/people/").status_code == 405
    with mock.patch(
        "saferleeds.web.views.open_store", side_effect=RuntimeError("store exploded")
    ):
        assert client.get("/overview/").status_code == 500

    out = server_log.getvalue()
    assert out.count("Traceback") == 1, out
    lines = out.splitlines()
    refusals = [line for line in lines if line.startswith("Refused: ")]
    assert refusals == [
        f"Refused: GET /audit/ 403 user={analyst.pk} reason={IG_ONLY}",
        f"Refused: GET /people/999999/ 404 user={analyst.pk} reason=Not Found",
        f"Refused: PUT /people/ 405 user={analyst.pk} reason=Method Not Allowed",
    ], out
    error = out[out.index("Internal Server Error: /overview/") :]
    assert "Traceback (most recent call last)" in error
    assert "RuntimeError: store exploded" in error
    # Records reaching any other handler (here pytest's) are one line too.
    forbidden = [r for r in caplog.records if getattr(r, "status_code", 0) == 403]
    assert forbidden and all(r.exc_info is None for r in forbidden)
    assert all(
        r.exc_info for r in caplog.records if getattr(r, "status_code", 0) == 500
    )


def test_a_refusal_cannot_forge_log_lines(
    personas: dict[str, Any], sign_in: Any, server_log: Any
) -> None:
    """Security finding 18 (issue #11): the one-line form escapes control characters
    in the path, so a request cannot write a line of its own into the log."""
    client = sign_in(Client(), personas["aisha.analyst"])
    assert client.get("/no-such-page/%0AForged: line").status_code == 404
    lines = server_log.getvalue().splitlines()
    # The request's line and the refusal's: the newline in the path split neither.
    assert len(lines) == 2, lines
    assert any(x.startswith("GET /no-such-page/\\nForged: line 404 ") for x in lines)
    [line] = [x for x in lines if x.startswith("Refused: ")]
    assert line.startswith("Refused: GET /no-such-page/\\nForged: line 404 ")
