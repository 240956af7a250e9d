"""Which tests scripts/test.sh runs on PostgreSQL, and the check that keeps it honest."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import REFUSING_DATABASE, REPO

SAMPLE = "tests/ops/test_operability.py"


def _collected(run: str | None) -> set[str]:
    env = {k: v for k, v in os.environ.items() if k != "SAFERLEEDS_TEST_RUN"}
    if run is not None:
        env["SAFERLEEDS_TEST_RUN"] = run
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            SAMPLE,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    return {line for line in p.stdout.splitlines() if "::" in line}


def test_the_two_halves_split_the_suite() -> None:
    every = _collected(None)
    database, rest = _collected("database"), _collected("no-database")
    assert database | rest == every and not database & rest
    # A page test (pytest-django's client and database) runs on PostgreSQL; a log
    # formatter's does not.
    assert f"{SAMPLE}::test_healthz_is_200_when_database_and_store_answer" in database
    assert f"{SAMPLE}::test_json_formatter_gives_one_object_per_line" in rest


def test_a_database_free_test_gives_its_processes_a_refusing_database() -> None:
    assert os.environ["DATABASE_URL"] == REFUSING_DATABASE
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.environ['DATABASE_URL'])"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=True,
    )
    assert child.stdout.strip() == REFUSING_DATABASE


@pytest.mark.database_child
def test_a_marked_test_keeps_the_runs_database() -> None:
    assert os.environ.get("DATABASE_URL") != REFUSING_DATABASE


# Reading the run's database from the environment, to hand it to processes of the test's
# own (as the restore drill does), is out of reach of the refusing URL above, which only
# holds while the test runs: such a module must say so itself.
READS_THE_RUNS_DATABASE = re.compile(
    r"environ\.get\(\s*[\"']DATABASE_URL|environ\[\s*[\"']DATABASE_URL|getenv\(\s*[\"']DATABASE_URL"
)
SELF = {"tests/conftest.py", "tests/test_test_selection.py"}


def test_a_module_that_reads_the_runs_database_is_marked() -> None:
    readers = [
        p
        for p in sorted((REPO / "tests").rglob("*.py"))
        if str(p.relative_to(REPO)) not in SELF
        and READS_THE_RUNS_DATABASE.search(p.read_text(encoding="utf-8"))
    ]
    assert readers, "the restore drill reads it: the pattern has gone stale"
    unmarked = [
        str(p.relative_to(REPO))
        for p in readers
        if "pytestmark = pytest.mark.database_child"
        not in p.read_text(encoding="utf-8")
    ]
    assert unmarked == []
