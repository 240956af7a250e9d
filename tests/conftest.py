"""Shared fixtures: the demo persona cast, a store holding the shipped police.uk months."""

from __future__ import annotations

import csv
import gzip
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
PACKAGE = REPO / "src" / "saferleeds"
SHIPPED_POLICE = PACKAGE / "data" / "police"
SAMPLES = PACKAGE / "importers" / "police" / "samples"
SHARED = REPO.parent / "shared"


def read_police_csv(path: Path) -> list[dict[str, str]]:
    """Independent reader for recounts: Python's csv module, not DuckDB."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as f:  # type: ignore[operator]
        return list(csv.DictReader(f))


# --- Which tests run on which database ----------------------------------------------------
# scripts/test.sh runs the whole suite on SQLite, then on PostgreSQL only the tests that
# reach Django's database: in this process (pytest-django's marker or fixtures) or in a
# process the test starts (marked ``database_child``). The rest (DuckDB analytics,
# importers, parsers) would run the very same code twice. That nothing else reaches the
# database is checked, not assumed: in every run, such a test's own processes are given
# a database that refuses them (``_no_database_for_children``), so a child that needs
# one fails until its test is marked; pytest-django refuses this process already.

DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "live_server",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "admin_user",
        "admin_client",
        "django_user_model",
    }
)
REFUSING_DATABASE = "postgres://mark-the-test-database_child@127.0.0.1:9/no_database"
"""What the processes of a test marked as database-free get as ``DATABASE_URL`` (the
discard port: refused at once)."""


def uses_database(item: pytest.Item) -> bool:
    """Whether the test reaches Django's database, here or in a process it starts."""
    return (
        item.get_closest_marker("django_db") is not None
        or item.get_closest_marker("database_child") is not None
        or bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """``SAFERLEEDS_TEST_RUN=database``: only the tests that reach the database
    (scripts/test.sh's PostgreSQL run); ``no-database``: only the others."""
    run = os.environ.get("SAFERLEEDS_TEST_RUN", "")
    if run not in ("database", "no-database"):
        return
    wanted = run == "database"
    keep, dropped = [], []
    for item in items:
        (keep if uses_database(item) == wanted else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep


@pytest.fixture(autouse=True)
def _no_database_for_children(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test that does not reach the database gives its processes none (see above)."""
    if not uses_database(request.node):
        monkeypatch.setenv("DATABASE_URL", REFUSING_DATABASE)


@pytest.fixture(scope="session")
def shipped_rows() -> list[dict[str, str]]:
    """Every row of the two shipped police.uk months, read independently."""
    return [
        r for p in sorted(SHIPPED_POLICE.glob("*.csv.gz")) for r in read_police_csv(p)
    ]


@pytest.fixture(scope="session")
def police_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with Leeds geography and both shipped months imported (read-only use)."""
    from saferleeds.analytics.geography import load_geography
    from saferleeds.analytics.store import open_store
    from saferleeds.importers.police import import_police
    from saferleeds.partnership import current

    path = tmp_path_factory.mktemp("store") / "analytics.duckdb"
    with open_store(path) as store:
        load_geography(store, current())
        report = import_police(store, [SHIPPED_POLICE])
        assert report.exit_code == 0, [f.unusable for f in report.files]
    return path


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[object]:
    """A writable store with Leeds geography and no police rows."""
    from saferleeds.analytics.geography import load_geography
    from saferleeds.analytics.store import open_store
    from saferleeds.partnership import current

    with open_store(tmp_path / "analytics.duckdb") as store:
        load_geography(store, current())
        yield store


@pytest.fixture
def personas(db: None) -> dict[str, object]:
    """The demo cast (agencies and one user per role), by username."""
    from django.contrib.auth.models import User

    from saferleeds.demo.personas import AGENCIES, DEMO_PASSWORD, PERSONAS
    from saferleeds.partners.actions import do_ensure_agency, do_ensure_user

    agencies = {
        a.code: do_ensure_agency(a.code, a.name, a.kind, actor=None) for a in AGENCIES
    }
    for p in PERSONAS:
        do_ensure_user(
            p.username,
            agency=agencies[p.agency],
            roles=p.roles,
            password=DEMO_PASSWORD,
            first_name=p.first_name,
            last_name=p.last_name,
            job_title=p.job_title,
            actor=None,
        )
    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def sign_in() -> object:
    """Sign a test client in as a user, past every sign-in step the configuration has.

    Tests use this rather than ``client.force_login`` so that two-factor sign-in applies
    to them in one place.
    """
    import django_otp
    from django.contrib.auth.models import User
    from django.http import HttpRequest
    from django.test import Client

    from saferleeds.web.twofactor import enrol_totp

    def _sign_in(client: Client, user: User) -> Client:
        # The password step (Django's login, as the sign-in page does), then the code
        # step: an enrolled authenticator app and django-otp marking the session verified.
        client.force_login(user)
        device = enrol_totp(user)
        request = HttpRequest()
        # A fresh copy: django_otp.login tags the user object with its device, and a
        # tagged object would verify any later password-only login of it too.
        request.user = User.objects.get(pk=user.pk)
        request.session = client.session
        django_otp.login(request, device)
        request.session.save()
        return client

    return _sign_in


@pytest.fixture(autouse=True)
def _audit_triggers_yield_to_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """Let Django flush the audit table after a transactional test.

    The append-only triggers refuse DELETE, which is how Django empties tables between
    transactional tests on SQLite. Requesting the database fixture from here makes this
    teardown run just before the flush; the flush's post_migrate signal reinstalls them.
    """
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames)
    if transactional:
        request.getfixturevalue("transactional_db")
    yield
    if transactional:
        from saferleeds.audit.guard import drop_append_only_triggers

        drop_append_only_triggers()


# --- Browser (Debian's Chromium driven by Playwright; no browser is downloaded) ----------
# Here, not in tests/web, so every package's browser tests share one session browser:
# Playwright's sync API allows one instance per thread.


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


@pytest.fixture
def casework_settings() -> Iterator[Any]:
    """Change the partnership's typed casework settings for one test.

    ``casework_settings(marac={"escalation_window_days": 182})`` rebuilds each named
    module's frozen settings with the changes (so they are checked as the file's are)
    and makes ``partnership.current()`` return them; the file is read again afterwards.
    """
    from dataclasses import replace

    from saferleeds import partnership

    def change(**modules: dict[str, Any]) -> None:
        p = partnership.current()
        casework = replace(
            p.casework,
            **{m: replace(getattr(p.casework, m), **c) for m, c in modules.items()},
        )
        changed = replace(p, casework=casework)
        load = partnership.load_partnership
        partnership.current.cache_clear()
        partnership.load_partnership = lambda path: changed  # type: ignore[assignment]
        try:
            partnership.current()  # the cache now holds the changed partnership
        finally:
            partnership.load_partnership = load

    yield change
    partnership.current.cache_clear()
