"""Operability (issue #18, item 5): the health endpoint, one log line per request and per
refusal (JSON when configured), the version in the footer and on the command line, and
``saferleeds check``."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from typer.testing import CliRunner

from saferleeds import __version__
from saferleeds.cli.main import app
from tests.conftest import REPO

SAFERLEEDS = [sys.executable, "-m", "saferleeds.cli"]
# A command that has not finished in this time is stuck: the test fails with its output
# (subprocess.TimeoutExpired) rather than holding the suite.
CHILD_TIMEOUT = 300


# --- /healthz -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_store_answer(
    client: Client, settings: Any, police_store_path: Path
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = police_store_path
    r = client.get("/healthz")  # no sign-in
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "checks": {"database": "ok", "store": "ok"}}
    assert "no-store" in r["Cache-Control"] or "no-cache" in r["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_store_is_missing(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = tmp_path / "analytics.duckdb"
    r = client.get("/healthz")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert "missing" in body["checks"]["store"]
    assert "saferleeds import police" in body["checks"]["store"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_store_is_corrupt(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "analytics.duckdb"
    bad.write_bytes(b"not a duckdb file" * 100)
    settings.SAFERLEEDS_ANALYTICS_PATH = bad
    r = client.get("/healthz")
    assert r.status_code == 503
    assert "unreadable" in r.json()["checks"]["store"]
    # No paths, versions or personal data to an anonymous caller.
    assert str(tmp_path) not in r.content.decode()


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down(
    client: Client, settings: Any, police_store_path: Path, monkeypatch: Any
) -> None:
    from saferleeds.ops import health

    settings.SAFERLEEDS_ANALYTICS_PATH = police_store_path

    def down(*_: Any, **__: Any) -> Any:
        raise OSError("connection refused")

    from django.db import connection

    monkeypatch.setattr(connection, "cursor", down)
    assert not health.database().ok
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["checks"]["database"] == "database unavailable (OSError)"


@contextmanager
def store_writer(path: Path) -> Iterator[None]:
    """Another process holding the store for writing, as an import does."""
    code = (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
        "print('held', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.django_db
def test_healthz_counts_a_store_busy_with_an_import_as_serving(
    client: Client, settings: Any, police_store_path: Path, tmp_path: Path
) -> None:
    store = tmp_path / "analytics.duckdb"
    shutil.copyfile(police_store_path, store)
    settings.SAFERLEEDS_ANALYTICS_PATH = store
    with store_writer(store):
        r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["checks"]["store"] == "busy (an import is writing)"


# --- log lines ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_line_per_request_and_per_refusal_without_traceback(
    client: Client, personas: dict[str, Any], sign_in: Any, caplog: Any
) -> None:
    """A signed-in analyst refused a page: one request line, one refusal line, and no
    traceback anywhere."""
    sign_in(client, personas["aisha.analyst"])
    caplog.set_level(logging.INFO)
    r = client.get("/administration/")
    assert r.status_code == 403
    requests = [r for r in caplog.records if r.name == "saferleeds.request"]
    refusals = [r for r in caplog.records if getattr(r, "refusal", False)]
    assert len(requests) == 1 and len(refusals) == 1
    line = requests[0].getMessage()
    user = personas["aisha.analyst"].pk
    assert line.startswith("GET /administration/ 403 ") and line.endswith(
        f"ms user={user}"
    )
    assert "\n" not in line
    assert not any(rec.exc_info for rec in caplog.records)


@pytest.mark.django_db
def test_request_line_never_holds_the_query_string(client: Client, caplog: Any) -> None:
    caplog.set_level(logging.INFO, logger="saferleeds.request")
    client.get("/people/?q=Alice+Smith")
    (rec,) = [r for r in caplog.records if r.name == "saferleeds.request"]
    assert "Alice" not in rec.getMessage()
    assert rec.getMessage().startswith("GET /people/ 302 ")


def test_json_formatter_gives_one_object_per_line() -> None:
    from saferleeds.web.logs import JsonFormatter, OneLineRefusals

    fmt = JsonFormatter()
    rec = logging.LogRecord(
        "saferleeds.request", logging.INFO, __file__, 1, "GET / 200", (), None
    )
    rec.request_fields = {
        "method": "GET",
        "path": "/",
        "status": 200,
        "duration_ms": 1.5,
        "user": "7",
    }
    out = fmt.format(rec)
    assert "\n" not in out
    data = json.loads(out)
    assert data["logger"] == "saferleeds.request" and data["status"] == 200
    assert data["path"] == "/" and data["user"] == "7" and data["level"] == "INFO"
    # A refusal, after the one-line filter: refusal true, its status, no traceback.
    try:
        raise PermissionError("you may not see this person")
    except PermissionError:
        refused = logging.LogRecord(
            "django.request",
            logging.WARNING,
            __file__,
            1,
            "Forbidden: %s",
            ("/people/1/",),
            sys.exc_info(),
        )
    refused.status_code = 403
    OneLineRefusals().filter(refused)
    data = json.loads(fmt.format(refused))
    assert data["refusal"] is True and data["status"] == 403
    assert "exc" not in data and "Traceback" not in json.dumps(data)


def test_json_log_format_is_a_setting(tmp_path: Path) -> None:
    """SAFERLEEDS_LOG_FORMAT=json makes the server's console lines JSON; anything but
    text or json is a start-up error naming the variable."""
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('saferleeds.request').info('GET / 200')"
    )
    env = {
        **os.environ,
        "SAFERLEEDS_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "saferleeds.settings",
        "SAFERLEEDS_LOG_FORMAT": "json",
    }
    p = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=REPO
    )
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stderr.strip())["message"] == "GET / 200"
    env["SAFERLEEDS_LOG_FORMAT"] = "xml"
    p = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=REPO
    )
    assert p.returncode != 0 and "SAFERLEEDS_LOG_FORMAT='xml'" in p.stderr


# --- the version ----------------------------------------------------------------------------


def test_version_on_the_command_line() -> None:
    r = CliRunner().invoke(app, ["--version"])
    assert r.exit_code == 0
    assert r.stdout.strip() == f"saferleeds {__version__}"


@pytest.mark.django_db
def test_version_in_the_page_footer(client: Client) -> None:
    html = client.get("/sign-in/").content.decode()
    footer = html.split('<footer class="govuk-footer">', 1)[1]
    assert f"saferleeds {__version__} is open-source software" in footer


# --- saferleeds check ---------------------------------------------------------------------


def _check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SAFERLEEDS_", "DATABASE_URL"))
    }
    base |= {"SAFERLEEDS_ENV": "test", "SAFERLEEDS_DATA_DIR": str(tmp_path), **env}
    return subprocess.run(
        [*SAFERLEEDS, "check"],
        env=base,
        capture_output=True,
        text=True,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        timeout=CHILD_TIMEOUT,
    )


def test_check_fails_on_pending_migrations_and_a_missing_store(tmp_path: Path) -> None:
    p = _check(tmp_path)  # a new data directory: nothing migrated, no store
    assert p.returncode == 1, p.stderr
    assert "✓ database: ok" in p.stderr
    assert "✗ migrations:" in p.stderr and "saferleeds manage migrate" in p.stderr
    assert "✗ analytics store: analytics store missing" in p.stderr
    assert "Traceback" not in p.stderr


def test_check_names_the_one_pending_migration(tmp_path: Path) -> None:
    """A database one migration behind the code (as after an upgrade): check names it."""
    import sqlite3

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SAFERLEEDS_", "DATABASE_URL"))
    }
    env |= {"SAFERLEEDS_ENV": "test", "SAFERLEEDS_DATA_DIR": str(tmp_path)}
    subprocess.run(
        [*SAFERLEEDS, "manage", "migrate", "-v0"],
        env=env,
        check=True,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        timeout=CHILD_TIMEOUT,
    )
    con = sqlite3.connect(tmp_path / "saferleeds.sqlite3")
    with con:
        app_label, name = con.execute(
            "SELECT app, name FROM django_migrations ORDER BY id DESC LIMIT 1"
        ).fetchone()
        con.execute(
            "DELETE FROM django_migrations WHERE app = ? AND name = ?",
            (app_label, name),
        )
    con.close()
    p = _check(tmp_path)
    assert p.returncode == 1
    assert f"✗ migrations: 1 pending ({app_label}.{name})" in p.stderr


def test_check_fails_when_the_database_is_unreachable(tmp_path: Path) -> None:
    p = _check(tmp_path, DATABASE_URL="postgres://nobody@127.0.0.1:1/none")
    assert p.returncode == 1
    assert "✗ database: database unavailable (OperationalError)" in p.stderr
    assert "Connection refused" in p.stderr or "connection" in p.stderr.lower()
    assert "Traceback" not in p.stderr


def test_check_fails_on_missing_production_secrets(tmp_path: Path) -> None:
    p = _check(tmp_path, SAFERLEEDS_ENV="production")
    assert p.returncode == 1
    for name in (
        "SAFERLEEDS_SECRET_KEY",
        "DATABASE_URL",
        "SAFERLEEDS_ALLOWED_HOSTS",
        "SAFERLEEDS_PSEUDONYM_KEY",
    ):
        assert f"{name} must be set when SAFERLEEDS_ENV=production" in p.stderr, name
    assert "Traceback" not in p.stderr


def test_check_fails_on_a_weak_secret_key(tmp_path: Path) -> None:
    p = _check(
        tmp_path,
        SAFERLEEDS_ENV="production",
        SAFERLEEDS_SECRET_KEY="short",
        DATABASE_URL="postgres://u@127.0.0.1:1/x",
        SAFERLEEDS_ALLOWED_HOSTS="csp.example.org",
        SAFERLEEDS_PSEUDONYM_KEY="ab" * 32,
    )
    assert p.returncode == 1
    assert "SAFERLEEDS_SECRET_KEY is 5 characters" in p.stderr


@pytest.mark.django_db
def test_check_passes_on_a_ready_instance(
    settings: Any, police_store_path: Path
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = police_store_path
    r = CliRunner().invoke(app, ["check"])
    assert r.exit_code == 0, r.output
    for line in (
        "✓ database: ok",
        "✓ migrations: none pending",
        "✓ analytics store: ok",
    ):
        assert line in r.output
    assert "All checks passed." in r.output


def test_system_checks_are_quiet_on_the_embedded_database() -> None:
    """Schema comments SQLite cannot store are not reported as warnings on every command
    (they were some 200 lines before each `saferleeds manage` command); real warnings
    still are."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    out, errors = StringIO(), StringIO()
    call_command("check", stdout=out, stderr=errors)
    text = out.getvalue() + errors.getvalue()
    if connection.vendor == "sqlite":
        assert "W163" not in text and "W046" not in text
    assert "System check identified no issues" in text
