"""Faults, tested (issue #18, item 4): the disk under the DATABASE itself filling up.

The SQLite database file, or a PostgreSQL cluster (all of it, or only its ``pg_wal``),
sits on a small tmpfs mounted here (as root; skipped with the reason elsewhere), which
a file then fills to the last byte while ``saferleeds serve`` takes writes from the API
and a browser's sign-in form. Each database is migrated once per module and copied
onto the small disk for each test (migrating takes most of a minute). Every answer must be a success or a
clean 503 naming the full disk (JSON with ``Retry-After`` for the API), never a
traceback; nothing partial (each person has exactly one create audit entry and each
entry its person); and once space is freed (PostgreSQL restarted if it stopped) the
next write succeeds and ``saferleeds audit verify`` passes.

The server's own data directory (log, secret key) stays on an ordinary disk: only the
database runs out of room.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
import shlex
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.ops.test_faults import env_for, fill, saferleeds, small_disk
from tests.ops.test_faults_servers import (
    PG_SH,
    TOKEN_SETUP,
    WRITTEN,
    Pg,
    _shell,
    free_port,
    request,
    server,
)

DISK_MESSAGE = "There is no space left on the disk"
DOWN_MESSAGE = "The database is not answering"


@dataclass
class Writes:
    """What API writes got: (family name, status, body, Retry-After) each."""

    results: list[tuple[str, int, bytes, str | None]]

    def statuses(self) -> list[int]:
        return [r[1] for r in self.results]

    def created(self) -> set[str]:
        return {r[0] for r in self.results if r[1] == 201}

    def refused_naming_the_disk(self) -> int:
        return sum(
            1 for r in self.results if r[1] == 503 and DISK_MESSAGE.encode() in r[2]
        )


def api_writer(port: int, token: str, tag: str):  # noqa: ANN201 - a small closure
    """A function creating person ``Fault<tag><i>`` through the API."""
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def create(i: int) -> tuple[str, int, bytes, str | None]:
        name = f"Fault{tag}{i}"
        person = {"reference": f"D-{tag}-{i}", "given_name": "T", "family_name": name}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            conn.request(
                "POST", "/api/v1/people/", json.dumps(person).encode(), headers
            )
            r = conn.getresponse()
            return name, r.status, r.read(), r.getheader("Retry-After")
        finally:
            conn.close()

    return create


def sign_in_form(port: int) -> tuple[str, str]:
    """A browser's sign-in form, fetched while all is well: (cookie, CSRF token)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", "/sign-in/")
        page = conn.getresponse()
        page.read()
        cookie = page.getheader("Set-Cookie", "").split(";", 1)[0]
    finally:
        conn.close()
    return cookie, cookie.split("=", 1)[1]


def sign_in(port: int, cookie: str, csrf: str) -> tuple[int, bytes]:
    """Pete signs in through the form: a session row written (a web write)."""
    from saferleeds.demo.personas import DEMO_PASSWORD

    return request(
        port,
        "POST",
        "/sign-in/",
        f"csrfmiddlewaretoken={csrf}&username=pete.practitioner"
        f"&password={DEMO_PASSWORD}".encode(),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Referer": f"http://127.0.0.1:{port}/sign-in/",
        },
    )


def fault_details(log: str) -> set[str]:
    """The distinct causes the server logged for its disk-full 503s."""
    return {
        line.split(" 503 disk: ", 1)[1]
        for line in log.splitlines()
        if " 503 disk: " in line
    }


def assert_clean_failures(writes: Writes, allowed: tuple[str, ...]) -> None:
    """Every API answer a 201 or a JSON 503 with one of the ``allowed`` messages and
    ``Retry-After``; never a traceback."""
    assert set(writes.statuses()) <= {201, 503}, writes.statuses()
    for _, status, body, retry_after in writes.results:
        assert b"Traceback" not in body
        if status == 503:
            detail = json.loads(body)["detail"]
            assert detail.startswith(allowed), detail
            assert retry_after == "30"


def assert_nothing_partial(env: dict[str, str], confirmed: set[str]) -> None:
    """Each person has one create audit entry and each entry its person; every
    confirmed (201) write is there; and the audit chain verifies."""
    written = json.loads(_shell(env, WRITTEN, "JSON"))
    people, created = written["people"], written["created"]
    assert sorted(created) == sorted(set(created))
    assert set(people) == set(created)
    assert confirmed <= set(people.values())
    verified = saferleeds(env, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "chain intact" in verified.stderr


@dataclass(frozen=True)
class Template:
    """A migrated database to copy (a SQLite file or a stopped PostgreSQL cluster's
    directory) and Pete's API token in it."""

    path: Path
    token: str


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """A migrated SQLite database with Pete and his token: migrating takes many
    seconds, copying the file none."""
    data = tmp_path_factory.mktemp("sqlite-template")
    db = data / "saferleeds.sqlite3"
    env = env_for(data, DATABASE_URL=f"sqlite:///{db}")
    migrated = saferleeds(env, "manage", "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    token = _shell(env, TOKEN_SETUP, "TOKEN")
    # Every connection has closed, so the WAL is checkpointed into the file itself.
    assert not db.with_name(db.name + "-wal").exists()
    return Template(db, token)


@pytest.mark.parametrize("reader", [False, True], ids=["alone", "with-a-reader"])
def test_sqlite_disk_full_answers_a_clean_503_keeps_nothing_partial_and_recovers(
    sqlite_template: Template, tmp_path: Path, reader: bool
) -> None:
    """``alone``: each request mostly opens the database when no other connection
    has it open, so SQLite must first make the WAL's shared-memory file, and the full
    disk refuses that ("disk I/O error", SQLITE_IOERR_SHMSIZE), reads and /healthz's
    probe included. ``with-a-reader``: another connection (a command, a report) holds
    it open, so that file exists and the refusal comes as the WAL grows ("database or
    disk is full", SQLITE_FULL). Which one a request meets depends on timing (the
    last connection to close checkpoints and deletes the WAL, which also frees space
    and lets some later writes through, whole), so the test asserts what must hold
    either way."""
    with small_disk(40) as disk, contextlib.ExitStack() as held:
        db = disk / "saferleeds.sqlite3"
        shutil.copyfile(sqlite_template.path, db)
        env = env_for(tmp_path, DATABASE_URL=f"sqlite:///{db}")
        token = sqlite_template.token
        with server(env, "--threads", "4") as served:
            port = served.port
            cookie, csrf = sign_in_form(port)
            before = api_writer(port, token, "SqlBefore")
            assert [before(i)[1] for i in range(5)] == [201] * 5
            # Fill only once the last connection has closed: SQLite then checkpoints
            # and deletes the WAL, which would free space again after the fill.
            wal = db.with_name(db.name + "-wal")
            deadline = time.monotonic() + 10
            while wal.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            if reader:
                other = held.enter_context(contextlib.closing(sqlite3.connect(db)))
                assert other.execute(
                    "SELECT count(*) FROM django_migrations"
                ).fetchone()
            filler = fill(disk, 0)
            full = api_writer(port, token, "SqlFull")
            # API writes and browser sign-ins (a session row each) in turn. A write
            # can still fit now and then (in WAL space a refused one left allocated),
            # which is fine: it is whole.
            writes = Writes([])
            pages = []
            for i in range(30):
                writes.results.append(full(i))
                pages.append(sign_in(port, cookie, csrf))
            health, health_body = request(port, "GET", "/healthz")
            filler.unlink()
            after = api_writer(port, token, "SqlAfter")
            recovered = Writes([after(i) for i in range(5)])
            signed_in, _ = sign_in(port, cookie, csrf)
        log = served.output()
        print(
            f"SQLite disk full ({'with a reader' if reader else 'alone'}): "
            f"{len(writes.results)} API writes, {writes.statuses().count(201)} "
            f"created, {writes.statuses().count(503)} answered 503; sign-in form "
            f"{[st for st, _ in pages]}; /healthz {health} {health_body.decode()}; "
            f"after freeing space {recovered.statuses()}, sign-in {signed_in}; "
            f"errors logged: {sorted(fault_details(log))}"
        )
        assert_clean_failures(writes, (DISK_MESSAGE,))
        assert 503 in writes.statuses(), "the full disk refused no write"
        # The browser's write gets the 503 page saying what happened, no traceback.
        assert {st for st, _ in pages} <= {302, 503}
        refused = [page.decode() for st, page in pages if st == 503]
        assert refused, "the full disk refused no sign-in"
        for html in refused:
            assert "Sorry, the service has run out of space" in html
            assert DISK_MESSAGE in html and "Traceback" not in html
        # (No analytics store here, so /healthz is a 503 whatever the disk; it must
        # still answer, not fail.)
        assert health == 503 and b"Traceback" not in health_body
        database = json.loads(health_body)["checks"]["database"]
        assert database in ("ok", "database disk full: free some space on its disk")
        # The operator's log: one line per refused request naming the disk.
        assert "Service fault: POST /api/v1/people/ 503 disk: " in log
        assert "Service fault: POST /sign-in/ 503 disk: " in log
        assert "Traceback" not in log, log[-3000:]
        # Space freed: the very next writes succeed, through the API and the form.
        assert recovered.statuses() == [201] * 5
        assert signed_in == 302
        confirmed = writes.created() | recovered.created()
        assert_nothing_partial(env, confirmed)


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_template() -> Iterator[Template]:
    """One migrated cluster (``scripts/pg.sh``, 1 MB WAL segments so that a new
    segment, which a full disk refuses, is needed after dozens of writes rather than
    thousands), stopped, for each test to copy where its fault wants it: migrating
    takes most of a minute, copying a second."""
    if not any(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("PostgreSQL server binaries not installed (scripts/pg.sh)")
    started = subprocess.run(
        [str(PG_SH), "start"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "SL_PG_INITDB_OPTS": "--wal-segsize=1"},
    )
    exported = dict(
        part.split("=", 1)
        for part in shlex.split(started.stdout.strip().removeprefix("export "))
    )
    cluster = Pg(exported["DATABASE_URL"], Path(exported["SL_PG_DIR"]))
    try:
        with tempfile.TemporaryDirectory() as data:
            env = env_for(Path(data), DATABASE_URL=cluster.url)
            migrated = saferleeds(env, "manage", "migrate", "--noinput")
            assert migrated.returncode == 0, migrated.stderr
            token = _shell(env, TOKEN_SETUP, "TOKEN")
        # Old WAL segments are removed rather than renamed into spare future ones at
        # each checkpoint (the shutdown's included), so every new segment takes new
        # space: the copy's pg_wal holds no spare segments to write into for free.
        import psycopg

        with psycopg.connect(cluster.url, autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET wal_recycle = off")
            conn.execute("SELECT pg_reload_conf()")
        cluster.stop("fast")
        yield Template(cluster.dir, token)
    finally:
        subprocess.run([str(PG_SH), "stop", str(cluster.dir)], check=False)


@contextmanager
def pg_copy(
    template: Template, data: Path, *, on: Path, wal_only: bool
) -> Iterator[Pg]:
    """The template cluster copied and started: all of it on the disk ``on``, or
    only its ``pg_wal`` (moved there and linked, as ``initdb --waldir`` does).

    Started by :meth:`Pg.start`, so with ``synchronous_commit`` on, as in production:
    ``scripts/pg.sh`` turns it off for speed, and then a commit the app confirmed
    can be lost when PostgreSQL PANICs, which is PostgreSQL's documented trade-off
    rather than the app's fault.
    """
    uid, gid = _postgres_ids()
    where = Path(
        tempfile.mkdtemp(prefix="saferleeds-pg.", dir=None if wal_only else on)
    )
    os.chown(where, uid, gid)
    subprocess.run(["cp", "-a", str(template.path / "data"), str(where)], check=True)
    if wal_only:
        wal = on / "pg_wal"
        subprocess.run(["mv", str(where / "data" / "pg_wal"), str(wal)], check=True)
        (where / "data" / "pg_wal").symlink_to(wal)
    url = f"postgres://saferleeds@127.0.0.1:{free_port()}/saferleeds"
    pg = Pg(url, where, env_for(data, DATABASE_URL=url, FAULT_TOKEN=template.token))
    try:
        pg.start()
        yield pg
    finally:
        if pg_running(pg):
            pg.stop("immediate")
        shutil.rmtree(where, ignore_errors=True)


def pg_running(pg: Pg) -> bool:
    """Whether the cluster's postmaster is up (``pg_ctl status``)."""
    pg_ctl = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
    done = subprocess.run(
        [
            "runuser",
            "-u",
            "postgres",
            "--",
            str(pg_ctl),
            "-D",
            str(pg.dir / "data"),
            "status",
        ],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.mark.parametrize("where", ["cluster", "wal"])
def test_postgres_disk_full_answers_a_clean_503_keeps_nothing_partial_and_recovers(
    pg_template: Template, tmp_path: Path, where: str
) -> None:
    """``cluster``: the whole data directory on the full disk (a table cannot grow:
    "could not extend file", an ERROR, PostgreSQL keeps running). ``wal``: only
    ``pg_wal`` on it (``initdb --waldir``), so a new WAL segment cannot be made, which
    PostgreSQL answers with a PANIC and stops; the operator frees space and starts it.
    """
    with small_disk(160 if where == "cluster" else 96) as disk:
        os.chown(disk, *_postgres_ids())
        t0 = time.monotonic()
        with pg_copy(pg_template, tmp_path, on=disk, wal_only=where == "wal") as pg:
            token = pg.env["FAULT_TOKEN"]
            t_ready = time.monotonic() - t0
            with server(pg.env, "--threads", "4") as served:
                port = served.port
                cookie, csrf = sign_in_form(port)
                before = api_writer(port, token, f"Pg{where}Before")
                assert [before(i)[1] for i in range(5)] == [201] * 5
                filler = fill(disk, 0)
                full = api_writer(port, token, f"Pg{where}Full")
                writes = Writes([])
                pages = []
                # Write until PostgreSQL has refused plenty (or stopped, after which
                # it refuses everything); either way the answers must be clean.
                started = time.monotonic()
                for i in range(1000):
                    writes.results.append(full(i))
                    if i % 10 == 0:
                        pages.append(sign_in(port, cookie, csrf))
                    refused = writes.statuses().count(503)
                    if refused >= 40 or time.monotonic() - started > 25:
                        break
                t_full = time.monotonic() - started
                stopped = not pg_running(pg)
                health, _ = request(port, "GET", "/healthz")
                filler.unlink()
                if stopped:
                    pg.start()  # what the operator does once space is freed
                after = api_writer(port, token, f"Pg{where}After")
                recovered = Writes([after(i) for i in range(5)])
                signed_in, _ = sign_in(port, cookie, csrf)
            log = served.output()
            server_log = (pg.dir / "server.log").read_text(errors="replace")
            said = [
                line.split("] ", 1)[-1][:120]
                for line in server_log.splitlines()
                if "No space left" in line or "PANIC" in line
            ]
            named = writes.refused_naming_the_disk()
            print(
                f"PostgreSQL, {where} on a full disk: {len(writes.results)} API writes, "
                f"{writes.statuses().count(201)} created, "
                f"{writes.statuses().count(503)} answered 503 ({named} naming the "
                f"disk); PostgreSQL {'stopped' if stopped else 'kept running'}; "
                f"sign-in form {[st for st, _ in pages]}; /healthz {health}; after "
                f"freeing space{' and a start' if stopped else ''} "
                f"{recovered.statuses()}, sign-in {signed_in}; its log: "
                f"{sorted(set(said))[:4]}; cluster ready in {t_ready:.0f} s, writes "
                f"on the full disk {t_full:.0f} s, all {time.monotonic() - t0:.0f} s"
            )
            assert_clean_failures(writes, (DISK_MESSAGE, DOWN_MESSAGE))
            assert 503 in writes.statuses(), "the full disk refused no write"
            if where == "cluster":
                # Still running: a refused write is a full disk, said as such.
                assert not stopped and named > 0
            elif stopped:
                # PostgreSQL stopped itself: that was a PANIC on the WAL, and every
                # request since was a clean "not answering" 503.
                assert any("PANIC" in line for line in said), said
            else:
                # The new WAL segment refused as an ERROR: the write rolled back.
                assert named > 0
            assert {st for st, _ in pages} <= {302, 503}
            for st, page in pages:
                assert b"Traceback" not in page
                if st == 503:
                    assert (
                        DISK_MESSAGE.encode() in page or DOWN_MESSAGE.encode() in page
                    )
            assert health in (200, 503)
            assert "Traceback" not in log, log[-3000:]
            assert recovered.statuses() == [201] * 5
            assert signed_in == 302
            assert_nothing_partial(pg.env, writes.created() | recovered.created())


def _postgres_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


# --- a session the database refuses to save ----------------------------------------------


@pytest.fixture
def clock() -> Iterator[Any]:
    """The application's clock (Django's ``timezone.now``), which the test can move."""
    from unittest import mock

    from tests.web.conftest import Clock

    c = Clock()
    with mock.patch("django.utils.timezone.now", c):
        yield c


@pytest.mark.django_db
def test_a_session_the_database_refuses_to_save_is_a_503_not_a_400(
    personas: dict[str, Any], sign_in: Any, clock: Any
) -> None:
    """Django's session middleware turns a database error while saving a session into
    ``SessionInterrupted``, a 400 "bad request" (met with a full SQLite disk, when a
    sign-in's session row was made but its update refused): it is the service's fault,
    so the 503 page and one log line, not a 400 blaming the user."""
    from django.db import connection
    from django.test import Client

    if connection.vendor != "sqlite":
        pytest.skip(
            "forces SQLite's own refusal (PRAGMA query_only); PostgreSQL's refusals "
            "are the full-disk and restart tests"
        )
    client = sign_in(
        Client(raise_request_exception=False), personas["carol.coordinator"]
    )
    clock.advance(seconds=60)  # the page view records the session's last activity
    with connection.cursor() as cursor:
        # A real refusal from SQLite for every write (as a full disk refuses them).
        cursor.execute("PRAGMA query_only = ON")
    try:
        with CaptureLog("") as log:
            r = client.get("/people/")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA query_only = OFF")
    html = r.content.decode()
    assert r.status_code == 503, (r.status_code, html[:300])
    assert DOWN_MESSAGE in html and "Traceback" not in html
    assert r["Retry-After"] == "30"
    # One line naming the fault, no "Refused: ... 400" and no traceback.
    assert [x for x in log.lines if not x.startswith("GET /people/ 503 ")] == [
        "Service fault: GET /people/ 503 database: attempt to write a readonly database"
    ], log.lines


class CaptureLog(logging.Handler):
    """The lines a logger's records become after the service's log filter."""

    def __init__(self, name: str) -> None:
        super().__init__()
        from saferleeds.web.logs import OneLineRefusals

        self.addFilter(OneLineRefusals())
        self.logger = logging.getLogger(name)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def __enter__(self) -> CaptureLog:
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self)
