"""Administering accounts (issue #11): invitations, roles, deactivation, two-factor reset,
unlock, agencies and reporting centres, the rules on who may do each, their audit
entries; and security finding 1 (demo data and seeded passwords outside demo mode)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.hate import actions as hate_actions
from saferleeds.partners import accounts
from saferleeds.partners.models import Agency, Invitation, Membership, Role
from saferleeds.partners.policy import Forbidden, NotFound, actor_for

Origin = Membership.PasswordOrigin
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def actor(personas: dict[str, Any], username: str) -> Any:
    return actor_for(personas[username], purpose="test")


def invite(personas: dict[str, Any], by: str = "fran.agencyadmin", **kw: Any) -> Any:
    fields: dict[str, Any] = {
        "agency": Agency.objects.get(code="wyfrs"),
        "roles": [Role.PRACTITIONER],
        "first_name": "Nell",
        "last_name": "Ward",
    }
    fields.update(kw)
    return accounts.do_invite_user(
        fields.pop("username", "nell.ward"), actor=actor(personas, by), **fields
    )


# --- Security finding 1: demo data only in demo mode ----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("env", ["production"])
def test_seeders_refuse_outside_demo_and_test(
    monkeypatch: pytest.MonkeyPatch, env: str
) -> None:
    """Security finding 1 (issue #11): the seeder itself refuses outside demo and test,
    so no path (command, shell, import) can create the demo accounts in production."""
    from saferleeds.demo.casework import hate, seed_casework
    from saferleeds.demo.seed import DemoRefused, seed_demo

    monkeypatch.setenv("SAFERLEEDS_ENV", env)
    for seeder in (seed_demo, seed_casework, hate.seed):
        with pytest.raises(DemoRefused, match="SAFERLEEDS_ENV=production"):
            seeder()
    assert not User.objects.exists() and not Agency.objects.exists()


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SAFERLEEDS_")
        and k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        {
            "SAFERLEEDS_ENV": "production",
            "SAFERLEEDS_DATA_DIR": str(tmp_path),
            "SAFERLEEDS_SECRET_KEY": secrets.token_urlsafe(64),
            "SAFERLEEDS_ALLOWED_HOSTS": "saferleeds.example.org",
            # A deployment would use PostgreSQL; the check is the same on any database.
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        }
    )
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "saferleeds.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_demo_load_is_refused_in_production(tmp_path: Path) -> None:
    """Security finding 1 (issue #11): `saferleeds demo load` under production exits
    non-zero with a one-line message and creates nothing (not even the database)."""
    venv_cli = Path(sys.executable).parent / "saferleeds"
    env = _production_env(tmp_path)
    r = subprocess.run(
        [str(venv_cli), "demo", "load"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "refusing to load the demo with SAFERLEEDS_ENV=production" in lines[0]
    assert "users create-admin" in lines[0]
    assert not (tmp_path / "prod.sqlite3").exists()  # no users: no database at all
    # With a migrated database, still no users afterwards.
    assert _cli(env, "manage", "migrate", "-v", "0").returncode == 0
    assert _cli(env, "demo", "load").returncode == 2
    count = _cli(
        env,
        "manage",
        "shell",
        "-c",
        "from django.contrib.auth.models import User; print(User.objects.count())",
    )
    assert count.stdout.strip().splitlines()[-1] == "0", count.stderr


def _taken_port() -> tuple[socket.socket, int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    return sock, sock.getsockname()[1]


def test_production_serve_refuses_unsafe_passwords_until_invited(
    tmp_path: Path,
) -> None:
    """Security finding 1 (issue #11): production `serve` refuses (exit 2, one line
    naming how many accounts and the command) while an active account has a seeded or
    administrator-set usable password, and gets past the check once none has."""
    env = _production_env(tmp_path)
    assert _cli(env, "manage", "migrate", "-v", "0").returncode == 0
    setup = _cli(
        env,
        "manage",
        "shell",
        "-c",
        "from django.contrib.auth.models import User\n"
        "from saferleeds.partners.models import Agency, Membership\n"
        "a = Agency.objects.create(code='lcc', name='LCC', kind='responsible_authority')\n"
        "for name, origin in [('seeded.one', 'seeded'), ('admin.set', 'administrator'),"
        " ('owner.set', 'owner')]:\n"
        "    u = User.objects.create_user(name, password='a-long-password-1234')\n"
        "    Membership.objects.create(user=u, agency=a, password_origin=origin)\n",
    )
    assert setup.returncode == 0, setup.stderr
    sock, port = _taken_port()
    try:
        refused = _cli(env, "serve", "--port", str(port))
        assert refused.returncode == 2
        line = refused.stderr.strip()
        assert len(line.splitlines()) == 1, refused.stderr
        assert "2 active accounts" in line
        assert "saferleeds users invite USERNAME" in line
        assert "running" not in refused.stderr
        unsafe = _cli(env, "users", "unsafe")
        assert unsafe.returncode == 1
        assert unsafe.stdout.split() == ["admin.set", "seeded.one"]
        check = _cli(env, "manage", "check", "--deploy")
        assert check.returncode != 0 and "saferleeds.E101" in check.stderr

        for username in ("seeded.one", "admin.set"):
            issued = _cli(env, "users", "invite", username)
            assert issued.returncode == 0, issued.stderr
            assert issued.stdout.startswith(
                "https://saferleeds.example.org/account/invitation/"
            )
        # Past the check: the server then stops on the port we hold.
        started = _cli(env, "serve", "--port", str(port))
        assert started.returncode == 2
        assert "refusing" not in started.stderr
        assert "already in use" in started.stderr
        assert _cli(env, "users", "unsafe").returncode == 0
    finally:
        sock.close()


def test_create_admin_prints_a_one_time_link_on_a_fresh_install(
    tmp_path: Path,
) -> None:
    env = _production_env(tmp_path)
    assert _cli(env, "manage", "migrate", "-v", "0").returncode == 0
    missing = _cli(env, "users", "create-admin", "sam.reid", "--agency", "lcc")
    assert missing.returncode == 1 and "no agency" in missing.stderr
    r = _cli(
        env,
        "users",
        "create-admin",
        "sam.reid",
        "--agency",
        "lcc",
        "--agency-name",
        "Leeds City Council",
        "--name",
        "Sam Reid",
    )
    assert r.returncode == 0, r.stderr
    link = r.stdout.strip()
    assert link.startswith("https://saferleeds.example.org/account/invitation/")
    assert "works once, until" in r.stderr
    state = _cli(
        env,
        "manage",
        "shell",
        "-c",
        "from django.contrib.auth.models import User; u = User.objects.get("
        "username='sam.reid'); print(u.has_usable_password(), u.get_full_name(), "
        "list(u.role_grants.values_list('role', flat=True)), "
        "u.membership.agency.code, u.invitations.count())",
    )
    assert (
        state.stdout.strip().splitlines()[-1] == "False Sam Reid ['system_admin'] lcc 1"
    )
    # No usable password yet: production starts (the check passes).
    assert _cli(env, "users", "unsafe").returncode == 0
    again = _cli(env, "users", "create-admin", "sam.reid", "--agency", "lcc")
    assert again.returncode == 1 and "already taken" in again.stderr


@pytest.mark.django_db
def test_unsafe_accounts_are_active_usable_passwords_not_set_by_their_owner(
    personas: dict[str, Any],
) -> None:
    """Security finding 1 (issue #11): which accounts production refuses to start with."""
    # The test cast is made without origins (as accounts from before them): unsafe.
    assert {u.username for u in accounts.unsafe_accounts()} == set(personas)
    Membership.objects.update(password_origin=Origin.OWNER)
    assert accounts.unsafe_accounts() == []
    pete = personas["pete.practitioner"]
    for origin in (Origin.SEEDED, Origin.ADMINISTRATOR, Origin.UNSET):
        Membership.objects.filter(user=pete).update(password_origin=origin)
        assert accounts.unsafe_accounts() == [pete]
    pete.is_active = False
    pete.save()
    assert accounts.unsafe_accounts() == []  # deactivated: cannot sign in
    pete.is_active = True
    pete.set_unusable_password()
    pete.save()
    assert accounts.unsafe_accounts() == []  # no usable password
    no_membership = User.objects.create_user("root", password="a-long-password-1234")
    assert accounts.unsafe_accounts() == [no_membership]


@pytest.mark.django_db
def test_system_check_reports_unsafe_accounts_in_production_only(
    personas: dict[str, Any], settings: Any
) -> None:
    """Security finding 1 (issue #11): `manage check --deploy` in production."""
    from django.core import checks

    settings.PRODUCTION = False
    assert accounts.check_unsafe_accounts() == []
    settings.PRODUCTION = True
    [error] = accounts.check_unsafe_accounts()
    assert error.level == checks.ERROR and error.id == "saferleeds.E101"
    assert f"{len(personas)} active accounts" in error.msg
    registered = checks.run_checks(include_deployment_checks=True)
    assert any(e.id == "saferleeds.E101" for e in registered)
    Membership.objects.update(password_origin=Origin.OWNER)
    assert accounts.check_unsafe_accounts() == []


# --- Invitations -----------------------------------------------------------------------


@pytest.mark.django_db
def test_invitation_is_hashed_single_use_and_lasts_72_hours(
    personas: dict[str, Any],
) -> None:
    issued = invite(personas, now=NOW)
    user = issued.user
    assert not user.has_usable_password()
    assert user.membership.password_origin == Origin.UNSET
    invitation = Invitation.objects.get(user=user)
    # Only the SHA-256 is stored: the token itself appears nowhere in the row.
    assert invitation.token_hash == accounts.hash_token(issued.token) != issued.token
    assert issued.token not in str(Invitation.objects.filter(user=user).values().get())
    assert len(issued.token) >= 43
    assert issued.expires_at == NOW + timedelta(hours=72)
    # Usable one second before 72 hours, not at 72 hours.
    accounts.invitation_for_token(
        issued.token, now=NOW + timedelta(hours=72, seconds=-1)
    )
    with pytest.raises(accounts.InvitationInvalid):
        accounts.invitation_for_token(issued.token, now=NOW + timedelta(hours=72))
    with pytest.raises(accounts.InvitationInvalid):
        accounts.do_accept_invitation(
            issued.token, "correct horse battery", now=NOW + timedelta(hours=73)
        )
    # The password validators apply.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        accounts.do_accept_invitation(issued.token, "short", now=NOW)
    user = accounts.do_accept_invitation(
        issued.token, "correct horse battery", now=NOW + timedelta(hours=1)
    )
    user.refresh_from_db()
    assert user.check_password("correct horse battery")
    assert user.membership.password_origin == Origin.OWNER
    assert user not in accounts.unsafe_accounts()
    # Single use.
    with pytest.raises(accounts.InvitationInvalid):
        accounts.do_accept_invitation(issued.token, "another good passphrase", now=NOW)
    with pytest.raises(accounts.InvitationInvalid):
        accounts.invitation_for_token("not-a-token")


@pytest.mark.django_db
def test_reissue_makes_the_password_unusable_and_revokes_the_old_link(
    personas: dict[str, Any],
) -> None:
    first = invite(personas)
    accounts.do_accept_invitation(first.token, "correct horse battery")
    second = accounts.do_reissue_invitation(
        first.user.pk, actor=actor(personas, "fran.agencyadmin")
    )
    user = User.objects.get(pk=first.user.pk)
    assert not user.has_usable_password()
    assert user.membership.password_origin == Origin.UNSET
    third = accounts.do_reissue_invitation(user.pk, actor=None)  # the command line
    with pytest.raises(accounts.InvitationInvalid):
        accounts.invitation_for_token(second.token)  # revoked by the newer one
    accounts.invitation_for_token(third.token)


# --- Rules -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_administrators_administer(personas: dict[str, Any]) -> None:
    for username in ("pete.practitioner", "iris.ig", "ed.executive", "aisha.analyst"):
        with pytest.raises(Forbidden):
            invite(personas, by=username)
        with pytest.raises(Forbidden):
            accounts.do_deactivate_user(
                personas["harry.health"].pk, actor=actor(personas, username)
            )


@pytest.mark.django_db
def test_agency_admin_administers_only_their_own_agency(
    personas: dict[str, Any],
) -> None:
    fran = actor(personas, "fran.agencyadmin")  # West Yorkshire Fire and Rescue
    pete = personas["pete.practitioner"]  # police
    for action in (
        accounts.do_deactivate_user,
        accounts.do_reactivate_user,
        accounts.do_reset_two_factor,
        accounts.do_unlock_user,
        accounts.do_reissue_invitation,
    ):
        with pytest.raises(NotFound):
            action(pete.pk, actor=fran)
    with pytest.raises(NotFound):
        accounts.do_change_roles(pete.pk, [Role.ANALYST], actor=fran)
    with pytest.raises(NotFound):  # the same answer as a user who does not exist
        accounts.administrable_user(fran, 10**9)
    with pytest.raises(NotFound):
        invite(personas, agency=Agency.objects.get(code="wyp"))
    assert list(accounts.administered_agencies(fran)) == [
        Agency.objects.get(code="wyfrs")
    ]
    # A system administrator administers everyone.
    sam = actor(personas, "sam.sysadmin")
    accounts.do_change_roles(pete.pk, [Role.PRACTITIONER, Role.ANALYST], actor=sam)
    assert Agency.objects.count() == accounts.administered_agencies(sam).count()


@pytest.mark.django_db
def test_only_a_system_admin_grants_system_admin(personas: dict[str, Any]) -> None:
    fran = actor(personas, "fran.agencyadmin")
    with pytest.raises(Forbidden):
        invite(personas, roles=[Role.SYSTEM_ADMIN])
    colleague = invite(personas).user
    with pytest.raises(Forbidden):
        accounts.do_change_roles(colleague.pk, [Role.SYSTEM_ADMIN], actor=fran)
    accounts.do_change_roles(colleague.pk, [Role.AGENCY_ADMIN], actor=fran)
    sam = actor(personas, "sam.sysadmin")
    accounts.do_change_roles(colleague.pk, [Role.SYSTEM_ADMIN], actor=sam)
    # ... and an agency administrator cannot touch a system administrator's account
    # (a new invitation link would hand them the role).
    with pytest.raises(Forbidden):
        accounts.do_reissue_invitation(colleague.pk, actor=fran)
    with pytest.raises(Forbidden):
        accounts.do_deactivate_user(colleague.pk, actor=fran)


@pytest.mark.django_db
def test_nobody_deactivates_themselves_or_drops_their_own_admin_role(
    personas: dict[str, Any],
) -> None:
    for username, role in (
        ("fran.agencyadmin", Role.AGENCY_ADMIN),
        ("sam.sysadmin", Role.SYSTEM_ADMIN),
    ):
        me = actor(personas, username)
        with pytest.raises(Forbidden):
            accounts.do_deactivate_user(me.user_id, actor=me)
        with pytest.raises(Forbidden):
            accounts.do_change_roles(me.user_id, [Role.ANALYST], actor=me)
        # Adding a role to yourself while keeping the admin role is fine.
        accounts.do_change_roles(me.user_id, [role, Role.ANALYST], actor=me)
    assert User.objects.get(username="sam.sysadmin").is_active


@pytest.mark.django_db
def test_deactivation_stops_sign_in_revokes_tokens_and_invitations(
    personas: dict[str, Any], client: Any
) -> None:
    from rest_framework.authtoken.models import Token

    issued = invite(personas)
    Token.objects.create(user=issued.user)
    fran = actor(personas, "fran.agencyadmin")
    accounts.do_deactivate_user(issued.user.pk, actor=fran)
    assert not User.objects.get(pk=issued.user.pk).is_active
    assert not Token.objects.filter(user=issued.user).exists()
    with pytest.raises(accounts.InvitationInvalid):
        accounts.invitation_for_token(issued.token)
    accounts.do_reactivate_user(issued.user.pk, actor=fran)
    assert User.objects.get(pk=issued.user.pk).is_active


@pytest.mark.django_db
def test_reset_two_factor_and_unlock(personas: dict[str, Any]) -> None:
    from axes.models import AccessAttempt
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from saferleeds.web.twofactor import enrol_totp

    fran = actor(personas, "fran.agencyadmin")
    user = invite(personas).user
    enrol_totp(user)
    assert accounts.do_reset_two_factor(user.pk, actor=fran) == 1
    assert not TOTPDevice.objects.filter(user=user).exists()
    AccessAttempt.objects.create(
        username=user.username,
        ip_address="10.0.0.1",
        user_agent="x",
        http_accept="x",
        path_info="/sign-in/",
        failures_since_start=10,
    )
    assert accounts.is_locked_out(user.username)
    assert accounts.do_unlock_user(user.pk, actor=fran) == 1
    assert not accounts.is_locked_out(user.username)


@pytest.mark.django_db
def test_agencies_are_for_system_administrators(personas: dict[str, Any]) -> None:
    fran = actor(personas, "fran.agencyadmin")
    sam = actor(personas, "sam.sysadmin")
    with pytest.raises(Forbidden):
        accounts.do_create_agency(
            "lsu", "Leeds Students' Union", "co_operating_body", actor=fran
        )
    agency = accounts.do_create_agency(
        "LSU", "Leeds Students' Union", "co_operating_body", actor=sam
    )
    assert agency.code == "lsu"
    with pytest.raises(ValueError, match="code"):
        accounts.do_create_agency("lsu", "Other", "co_operating_body", actor=sam)
    with pytest.raises(Forbidden):
        accounts.do_rename_agency(agency.pk, "LUU", actor=fran)
    assert accounts.do_rename_agency(
        agency.pk, "Leeds University Union", actor=sam
    ).name == ("Leeds University Union")
    with pytest.raises(NotFound):
        accounts.do_rename_agency(10**9, "X", actor=sam)


@pytest.mark.django_db
def test_reporting_centres_by_agency(personas: dict[str, Any]) -> None:
    from saferleeds.hate.models import ReportingCentreStaff

    fran = actor(personas, "fran.agencyadmin")
    wyfrs, lcc = Agency.objects.get(code="wyfrs"), Agency.objects.get(code="lcc")
    with pytest.raises(NotFound):
        hate_actions.do_add_reporting_centre("Hub", agency=lcc, actor=fran)
    centre = hate_actions.do_add_reporting_centre(
        "Fire Station Hub", agency=wyfrs, address="1 Street", actor=fran
    )
    with pytest.raises(ValueError, match="already exists"):
        hate_actions.do_add_reporting_centre(
            "fire station hub", agency=wyfrs, actor=fran
        )
    issued = hate_actions.do_invite_centre_staff(
        centre.pk, "tom.hub", first_name="Tom", last_name="Hub", actor=fran
    )
    staff = ReportingCentreStaff.objects.get(user=issued.user)
    assert staff.centre == centre and issued.user.membership.agency == wyfrs
    assert list(issued.user.role_grants.values_list("role", flat=True)) == [
        Role.REPORTING_CENTRE
    ]
    assert not issued.user.has_usable_password()
    hate_actions.do_set_reporting_centre_active(centre.pk, False, actor=fran)
    with pytest.raises(Forbidden):
        hate_actions.do_invite_centre_staff(centre.pk, "ann.hub", actor=fran)
    sam_centre = hate_actions.do_add_reporting_centre(
        "Council Hub", agency=lcc, actor=actor(personas, "sam.sysadmin")
    )
    with pytest.raises(NotFound):
        hate_actions.do_set_reporting_centre_active(sam_centre.pk, False, actor=fran)


@pytest.mark.django_db
def test_every_action_writes_an_audit_entry(personas: dict[str, Any]) -> None:
    fran = actor(personas, "fran.agencyadmin")
    sam = actor(personas, "sam.sysadmin")
    issued = invite(personas)
    uid = issued.user.pk
    accounts.do_accept_invitation(issued.token, "correct horse battery")
    accounts.do_change_roles(uid, [Role.ANALYST], actor=fran)
    accounts.do_reset_two_factor(uid, actor=fran)
    accounts.do_unlock_user(uid, actor=fran)
    accounts.do_reissue_invitation(uid, actor=fran)
    accounts.do_deactivate_user(uid, actor=fran)
    accounts.do_reactivate_user(uid, actor=fran)
    accounts.do_change_own_password(
        User.objects.get(username="fran.agencyadmin"), "a new pass phrase", actor=fran
    )
    agency = accounts.do_create_agency(
        "lsu", "Students", "co_operating_body", actor=sam
    )
    accounts.do_rename_agency(agency.pk, "Students' Union", actor=sam)
    centre = hate_actions.do_add_reporting_centre(
        "Station", agency=Agency.objects.get(code="wyfrs"), actor=fran
    )
    hate_actions.do_set_reporting_centre_active(centre.pk, False, actor=fran)
    got = list(
        AuditEntry.objects.order_by("seq").values_list(
            "event", "operation", "actor_username"
        )
    )
    assert got == [
        ("partners.user.invite", Operation.COLLECTION, "fran.agencyadmin"),
        ("partners.invitation.accept", Operation.ALTERATION, "nell.ward"),
        ("partners.user.roles", Operation.ALTERATION, "fran.agencyadmin"),
        ("partners.user.reset_2fa", Operation.ERASURE, "fran.agencyadmin"),
        ("partners.user.unlock", Operation.ALTERATION, "fran.agencyadmin"),
        ("partners.user.reissue_invitation", Operation.ALTERATION, "fran.agencyadmin"),
        ("partners.user.deactivate", Operation.ALTERATION, "fran.agencyadmin"),
        ("partners.user.reactivate", Operation.ALTERATION, "fran.agencyadmin"),
        ("partners.user.change_password", Operation.ALTERATION, "fran.agencyadmin"),
        ("partners.agency.create", Operation.COLLECTION, "sam.sysadmin"),
        ("partners.agency.rename", Operation.ALTERATION, "sam.sysadmin"),
        ("incidents.reporting_centre.ensure", Operation.COLLECTION, "fran.agencyadmin"),
        (
            "incidents.reporting_centre.deactivate",
            Operation.ALTERATION,
            "fran.agencyadmin",
        ),
    ]
    roles = AuditEntry.objects.get(event="partners.user.roles")
    assert roles.record_id == str(uid)
    assert roles.detail == {"added": ["analyst"], "removed": ["practitioner"]}


@pytest.mark.django_db
def test_a_refused_action_changes_nothing(personas: dict[str, Any]) -> None:
    """Actions are atomic: a refusal leaves no half-made account and no entry."""
    before = AuditEntry.objects.count()
    with pytest.raises(Forbidden):
        invite(personas, roles=[Role.PRACTITIONER, Role.SYSTEM_ADMIN])
    assert not User.objects.filter(username="nell.ward").exists()
    assert AuditEntry.objects.count() == before
