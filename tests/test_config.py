"""Configuration: every setting documented, production demands its secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from saferleeds import config
from tests.conftest import REPO


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for s in config.SETTINGS:
        assert f"`{s.name}`" in readme, s.name


def test_unknown_setting_fails_closed() -> None:
    with pytest.raises(KeyError):
        config.get("SAFERLEEDS_NO_SUCH_THING")


def test_bad_environment_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFERLEEDS_ENV", "prod")
    with pytest.raises(config.ConfigError, match="SAFERLEEDS_ENV='prod'"):
        config.environment()


def _django_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SAFERLEEDS_") and k != "DATABASE_URL"
    }
    full.update({"SAFERLEEDS_DATA_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-m", "saferleeds.cli", "manage", "check"],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_is_a_clear_startup_error(tmp_path: Path) -> None:
    r = _django_check(tmp_path, SAFERLEEDS_ENV="production")
    assert r.returncode != 0
    assert (
        "SAFERLEEDS_SECRET_KEY must be set when SAFERLEEDS_ENV=production" in r.stderr
    )
    assert not (tmp_path / ".saferleeds_secret_key").exists()


def test_demo_generates_and_keeps_a_secret(tmp_path: Path) -> None:
    assert _django_check(tmp_path, SAFERLEEDS_ENV="demo").returncode == 0
    key = (tmp_path / ".saferleeds_secret_key").read_text()
    assert len(key) >= 50
    assert _django_check(tmp_path, SAFERLEEDS_ENV="demo").returncode == 0
    assert (tmp_path / ".saferleeds_secret_key").read_text() == key


# --- Security finding 15 (issue #11): production start-up errors -----------------------

SAFERLEEDS_COMMAND = Path(sys.executable).parent / "saferleeds"
GOOD_PRODUCTION = {
    "SAFERLEEDS_ENV": "production",
    "SAFERLEEDS_SECRET_KEY": "k3Jx9-QmZt_Vr8LpWc2Ny7HbFd4sGa6EoUi1TyRn0XwMvKqP5jSe",
    "SAFERLEEDS_ALLOWED_HOSTS": "saferleeds.example.org",
    "DATABASE_URL": "postgres://saferleeds:secret@db.example.org:5432/saferleeds",
}
VARIABLES = ("SAFERLEEDS_SECRET_KEY", "DATABASE_URL", "SAFERLEEDS_ALLOWED_HOSTS")


def _saferleeds(
    tmp_path: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    full = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SAFERLEEDS_")
        and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    full.update({"SAFERLEEDS_DATA_DIR": str(tmp_path), **env})
    return subprocess.run(
        [str(SAFERLEEDS_COMMAND), *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"SAFERLEEDS_SECRET_KEY": ""}, "SAFERLEEDS_SECRET_KEY"),
        (
            {"SAFERLEEDS_SECRET_KEY": "short-but-set-0123456789"},
            "SAFERLEEDS_SECRET_KEY",
        ),
        ({"SAFERLEEDS_SECRET_KEY": "abcde" * 12}, "SAFERLEEDS_SECRET_KEY"),
        ({"SAFERLEEDS_SECRET_KEY": "x" * 80}, "SAFERLEEDS_SECRET_KEY"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"SAFERLEEDS_ALLOWED_HOSTS": ""}, "SAFERLEEDS_ALLOWED_HOSTS"),
        ({"SAFERLEEDS_ALLOWED_HOSTS": " , "}, "SAFERLEEDS_ALLOWED_HOSTS"),
    ],
    ids=[
        "no-key",
        "short-key",
        "repeated-key",
        "one-character-key",
        "no-database",
        "no-hosts",
        "blank-hosts",
    ],
)
def test_production_configuration_errors_are_one_line_with_exit_status_2(
    tmp_path: Path, changes: dict[str, str], variable: str
) -> None:
    """Security finding 15 (issue #11): in production a missing, short or low-entropy
    SAFERLEEDS_SECRET_KEY, a missing DATABASE_URL (no silent SQLite) and missing
    SAFERLEEDS_ALLOWED_HOSTS each stop `saferleeds manage check` with one line naming
    the variable and exit status 2, not a traceback."""
    env = {k: v for k, v in {**GOOD_PRODUCTION, **changes}.items() if v}
    r = _saferleeds(tmp_path, "manage", "check", **env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ") and variable in lines[0]
    assert [v for v in VARIABLES if v in lines[0]] == [variable]
    assert not (tmp_path / "saferleeds.sqlite3").exists()
    assert not (tmp_path / ".saferleeds_secret_key").exists()


def test_production_with_everything_missing_names_every_variable_in_one_line(
    tmp_path: Path,
) -> None:
    """Security finding 15 (issue #11): `saferleeds serve` and `saferleeds manage` stop
    with one line naming all three variables, exit status 2."""
    for args in (("serve", "--port", "0"), ("manage", "migrate")):
        r = _saferleeds(tmp_path, *args, SAFERLEEDS_ENV="production")
        assert r.returncode == 2, r.stdout + r.stderr
        assert "Traceback" not in r.stderr
        [line] = r.stderr.strip().splitlines()
        assert all(v in line for v in VARIABLES), line
    assert not (tmp_path / "saferleeds.sqlite3").exists()


def test_importing_the_wsgi_app_raises_improperly_configured_in_one_line(
    tmp_path: Path,
) -> None:
    """Security finding 15 (issue #11): a WSGI server importing the app gets Django's
    ImproperlyConfigured with a one-line message naming the variable."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SAFERLEEDS_") and k != "DATABASE_URL"
    }
    env.update({**GOOD_PRODUCTION, "SAFERLEEDS_DATA_DIR": str(tmp_path)})
    del env["DATABASE_URL"]
    code = (
        "from django.core.exceptions import ImproperlyConfigured\n"
        "try:\n"
        "    import saferleeds.wsgi\n"
        "except ImproperlyConfigured as exc:\n"
        "    print('ImproperlyConfigured:', repr(str(exc)))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    [line] = r.stdout.strip().splitlines()
    assert line.startswith("ImproperlyConfigured: ") and "DATABASE_URL" in line
    assert "\\n" not in line


def test_production_with_everything_set_still_starts(tmp_path: Path) -> None:
    """Security finding 15 (issue #11): the checks refuse nothing that is right."""
    r = _saferleeds(tmp_path, "manage", "check", **GOOD_PRODUCTION)
    assert r.returncode == 0, r.stderr
    assert "System check identified no issues" in r.stdout
