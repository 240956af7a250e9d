"""`saferleeds users`: listing users and issuing API tokens, as an operator runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from saferleeds.demo.personas import PERSONAS
from tests.cli.test_cli import manage_shell, saferleeds

# Its commands run in processes of their own that use Django's database.
pytestmark = pytest.mark.database_child


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the demo loaded (agencies, personas, police.uk months)."""
    data = tmp_path_factory.mktemp("users-cli")
    loaded = saferleeds(data, "demo", "load")
    assert loaded.returncode == 0, loaded.stderr
    return data


def test_users_list_json_names_every_persona_with_agency_and_roles(
    demo_dir: Path,
) -> None:
    r = saferleeds(demo_dir, "users", "list", "--format", "json")
    assert r.returncode == 0, r.stderr
    users = {u["username"]: u for u in json.loads(r.stdout)}
    for p in PERSONAS:
        assert users[p.username] == {
            "username": p.username,
            "agency": p.agency,
            "roles": sorted(role.value for role in p.roles),
        }
    table = saferleeds(demo_dir, "users", "list")
    assert table.returncode == 0, table.stderr
    assert "pete.practitioner" in table.stdout and "wyp" in table.stdout
    bad = saferleeds(demo_dir, "users", "list", "--format", "yaml")
    assert bad.returncode == 2 and "unknown format" in bad.stderr


def test_users_token_is_created_once_and_authenticates(demo_dir: Path) -> None:
    # The PostgreSQL run shares one database across runs: start with no token.
    manage_shell(
        demo_dir,
        "from rest_framework.authtoken.models import Token; "
        "Token.objects.filter(user__username='pete.practitioner').delete()",
    )
    first = saferleeds(demo_dir, "users", "token", "pete.practitioner")
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) == 40 and key.isalnum()
    assert "Created" in first.stderr
    again = saferleeds(demo_dir, "users", "token", "pete.practitioner")
    assert again.returncode == 0 and again.stdout.strip() == key
    assert "Created" not in again.stderr
    # The key signs the API in as that user: the agreements list answers 200.
    status = manage_shell(
        demo_dir,
        "from rest_framework.test import APIClient; c = APIClient(); "
        f"c.credentials(HTTP_AUTHORIZATION='Token {key}'); "
        "print(c.get('/api/v1/agreements/').status_code)",
    )
    assert status.strip().splitlines()[-1] == "200"


def test_users_token_for_an_unknown_user_fails(demo_dir: Path) -> None:
    r = saferleeds(demo_dir, "users", "token", "nobody.here")
    assert r.returncode == 1
    assert "no user 'nobody.here'" in r.stderr and r.stdout == ""


def test_reset_2fa_removes_devices_and_is_audited(tmp_path: Path) -> None:
    assert saferleeds(tmp_path, "demo", "load").returncode == 0
    manage_shell(
        tmp_path,
        "from django.contrib.auth.models import User; from saferleeds.web.twofactor import "
        "enrol_totp; enrol_totp(User.objects.get(username='pete.practitioner'))",
    )
    r = saferleeds(tmp_path, "users", "reset-2fa", "pete.practitioner")
    assert r.returncode == 0 and "Removed 1 authenticator device" in r.stderr
    left = manage_shell(
        tmp_path,
        "from django_otp.plugins.otp_totp.models import TOTPDevice; from saferleeds.audit."
        "models import AuditEntry; print(TOTPDevice.objects.count(), AuditEntry.objects."
        "filter(event='partners.user.reset_2fa').count())",
    )
    assert left.strip().splitlines()[-1] == "0 1"
    assert saferleeds(tmp_path, "users", "reset-2fa", "nobody").returncode == 1


def test_demo_load_marks_persona_passwords_seeded(demo_dir: Path) -> None:
    """Security finding 1 (issue #11): the seeder records that the personas' passwords
    are the published one, so `users unsafe` (and a production start) names them all."""
    r = saferleeds(demo_dir, "users", "unsafe")
    assert r.returncode == 1
    assert set(r.stdout.split()) >= {p.username for p in PERSONAS}
    origins = manage_shell(
        demo_dir,
        "from saferleeds.partners.models import Membership; print(sorted(set("
        "Membership.objects.filter(user__username__in="
        f"{[p.username for p in PERSONAS]!r}).values_list('password_origin', "
        "flat=True))))",
    )
    assert origins.strip().splitlines()[-1] == "['seeded']"


def test_users_invite_prints_a_link_and_ends_the_password(tmp_path: Path) -> None:
    assert saferleeds(tmp_path, "demo", "load").returncode == 0
    r = saferleeds(tmp_path, "users", "invite", "pete.practitioner")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("http://127.0.0.1:8000/account/invitation/")
    assert "works once" in r.stderr
    usable = manage_shell(
        tmp_path,
        "from django.contrib.auth.models import User; print(User.objects.get("
        "username='pete.practitioner').has_usable_password())",
    )
    assert usable.strip().splitlines()[-1] == "False"
    assert saferleeds(tmp_path, "users", "invite", "nobody.here").returncode == 1
