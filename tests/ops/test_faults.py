"""Faults, tested (issue #18, item 4): a damaged or missing analytics store, a full disk
during an import and an upload, and the clock going backwards between audit entries.

Real files, real file systems (a small tmpfs, or a loop-mounted image, mounted here as
root; skipped with the reason where neither can be mounted), real command-line runs. A
PostgreSQL restart and SIGTERM during a request, which need server processes, are in
``test_faults_servers.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from typer.testing import CliRunner

from saferleeds.analytics.store import open_store
from saferleeds.cli.main import app
from tests.conftest import SHIPPED_POLICE

SAFERLEEDS = [sys.executable, "-m", "saferleeds.cli"]
JULY_2017 = SHIPPED_POLICE / "2017-07-west-yorkshire-street.csv.gz"
JULY_2018 = SHIPPED_POLICE / "2018-07-west-yorkshire-street.csv.gz"
MB = 1024 * 1024
MONTHS_SQL = (
    "SELECT string_agg(DISTINCT strftime(month, '%Y-%m'), ',' ORDER BY strftime(month, '%Y-%m')) "
    "FROM police_street"
)


def env_for(data: Path, **extra: str) -> dict[str, str]:
    """A command's environment: this data directory, the embedded database."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(SAFERLEEDS_ENV="test", SAFERLEEDS_DATA_DIR=str(data), **extra)
    return env


def saferleeds(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real ``saferleeds`` command."""
    return subprocess.run(
        [*SAFERLEEDS, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def store_state(path: Path) -> tuple[int, str, int]:
    """What a store holds: police rows, the months, the committed import runs."""
    with open_store(path, read_only=True) as s:
        return (
            s.scalar("SELECT count(*) FROM police_street"),
            s.scalar(MONTHS_SQL),
            s.scalar("SELECT count(*) FROM import_run"),
        )


def damage(path: Path) -> None:
    """Overwrite a block inside a real store, as a failing disk would."""
    data = bytearray(path.read_bytes())
    data[3 * 4096 : 3 * 4096 + 512] = os.urandom(512)
    path.write_bytes(bytes(data))


# --- a small file system --------------------------------------------------------------


def _mount(args: list[str]) -> str:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    return "" if done.returncode == 0 else (done.stderr.strip() or "refused")


@contextmanager
def small_disk(size_mb: int) -> Iterator[Path]:
    """A file system of ``size_mb`` MB: a tmpfs, else a loop-mounted ext4 image.

    Skips (naming why) only where neither can be mounted; CI runs as root and can.
    """
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root (CI runs as root)")
    where = Path(tempfile.mkdtemp(prefix="saferleeds-disk-"))
    image = where.with_suffix(".img")
    why = _mount(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(where)]
    )
    if why:
        with open(image, "wb") as f:
            f.truncate(size_mb * MB)
        loop = _mount(["mkfs.ext4", "-q", "-F", str(image)]) or _mount(
            ["mount", "-o", "loop", str(image), str(where)]
        )
        if loop:
            image.unlink(missing_ok=True)
            where.rmdir()
            pytest.skip(f"cannot mount a small file system: tmpfs: {why}; loop: {loop}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        image.unlink(missing_ok=True)
        shutil.rmtree(where, ignore_errors=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill ``disk`` with one file until only ``leave`` bytes are free; returns it."""
    filler = disk / "filler"
    st = os.statvfs(disk)
    size = st.f_bavail * st.f_frsize - leave
    assert size > 0, "the disk is already fuller than asked"
    chunk = b"\0" * MB
    with open(filler, "wb") as f:
        while size > 0:
            f.write(chunk[: min(size, MB)])
            size -= MB
    return filler


# --- a damaged or missing analytics store ---------------------------------------------


@pytest.fixture
def damaged_store(police_store_path: Path, tmp_path: Path, settings: Any) -> Path:
    """A copy of a real store with a block overwritten, the one the pages read."""
    path = tmp_path / "analytics.duckdb"
    shutil.copyfile(police_store_path, path)
    damage(path)
    settings.SAFERLEEDS_ANALYTICS_PATH = path
    return path


@pytest.mark.django_db
def test_pages_name_the_recovery_when_the_store_is_damaged(
    personas: dict[str, Any], sign_in: Any, damaged_store: Path
) -> None:
    # As a browser sees it: the error page, not the exception re-raised to the test.
    client = Client(raise_request_exception=False)
    analyst = sign_in(client, personas["aisha.analyst"])
    for url in ("/places/map/", "/indicators/", "/overview/"):
        r = analyst.get(url)
        html = r.content.decode()
        assert r.status_code == 503, (url, r.status_code)
        assert "The analytics store cannot be read" in html, url
        assert "saferleeds store rebuild" in html and "saferleeds restore" in html
        assert "Traceback" not in html and str(damaged_store) not in html
    # The map's layers are fetched by script: a JSON-less 503 still, no traceback.
    r = analyst.get("/places/map/layers/gistar-lsoa.geojson")
    assert r.status_code == 503 and "Traceback" not in r.content.decode()


@pytest.mark.django_db
def test_pages_say_how_to_import_when_the_store_is_missing(
    client: Client,
    personas: dict[str, Any],
    sign_in: Any,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = tmp_path / "analytics.duckdb"
    analyst = sign_in(client, personas["aisha.analyst"])
    for url in ("/places/map/", "/indicators/"):
        r = analyst.get(url)
        assert r.status_code == 200, url
        assert "No police.uk data has been imported yet" in r.content.decode()
        assert "saferleeds import police" in r.content.decode()
    assert not (tmp_path / "analytics.duckdb").exists()  # reading creates nothing


def test_commands_name_the_recovery_and_store_rebuild_recovers(
    police_store_path: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    store = data / "analytics.duckdb"
    shutil.copyfile(police_store_path, store)
    damage(store)
    env = env_for(data)
    for args in (
        ("summary",),
        ("quarantine", "list"),
        ("import", "police", str(JULY_2018)),
    ):
        r = saferleeds(env, *args)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr, r.stderr
        assert "The analytics store cannot be read" in r.stderr, r.stderr
        assert "saferleeds store rebuild" in r.stderr
    # saferleeds check says the same.
    checked = saferleeds(env, "check")
    assert checked.returncode == 1 and "saferleeds store rebuild" in checked.stderr
    # The recovery command named: the damaged file is kept aside, the store rebuilt.
    rebuilt = saferleeds(env, "store", "rebuild", str(JULY_2017), str(JULY_2018))
    assert rebuilt.returncode == 0, rebuilt.stderr
    [aside] = data.glob("analytics.duckdb.damaged-*")
    assert aside.read_bytes()[:4096] == police_store_path.read_bytes()[:4096]
    assert store_state(store)[1:] == ("2017-07,2018-07", 2)
    summary = saferleeds(env, "summary", "--format", "json")
    assert summary.returncode == 0, summary.stderr
    # A readable store is never set aside.
    again = saferleeds(env, "store", "rebuild", str(JULY_2017))
    assert again.returncode == 2 and "reads fine" in again.stderr
    assert len(list(data.glob("analytics.duckdb.damaged-*"))) == 1


def test_commands_on_a_missing_store_say_to_import(tmp_path: Path) -> None:
    r = saferleeds(env_for(tmp_path), "summary")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "import police data first" in r.stderr
    assert not (tmp_path / "analytics.duckdb").exists()


# --- a full disk ----------------------------------------------------------------------


def test_disk_full_during_an_import_keeps_the_store_and_the_next_run_succeeds() -> None:
    with small_disk(40) as data:
        env = env_for(data)
        first = saferleeds(env, "import", "police", str(JULY_2017))
        assert first.returncode == 0, first.stderr
        store = data / "analytics.duckdb"
        before = store_state(store)
        # Room for the build copy of the store (its small versioned file: 2.6 MB), not
        # for the month it would add (a 2 MB Parquet file): the disk fills inside
        # DuckDB, part-way through writing the new rows; then too little for the copy.
        for leave in (3 * MB + MB // 2, 2 * MB):
            filler = fill(data, leave)
            r = saferleeds(env, "import", "police", str(JULY_2018))
            assert r.returncode == 1, (leave, r.stdout, r.stderr)
            assert "Traceback" not in r.stderr, r.stderr
            assert "no space left on the disk" in r.stderr, r.stderr
            assert "No space left on device" in r.stderr  # the cause, as the OS says it
            # Nothing partial: the same rows, months and import runs; no build left.
            assert store_state(store) == before
            leftovers = [p.name for p in data.iterdir() if ".build-" in p.name]
            assert leftovers == []
            # No half-written month file either: only July 2017's.
            months = [p.parent.name for p in data.glob("*.police/*/*.parquet")]
            assert months == ["2017-07"], months
            filler.unlink()
        # Space freed: the very same command now works.
        again = saferleeds(env, "import", "police", str(JULY_2018))
        assert again.returncode == 0, again.stderr
        assert store_state(store)[1:] == ("2017-07,2018-07", 2)


PDF_HEAD = b"%PDF-1.4\n"
PDF_TAIL = b"1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _pdf(size: int) -> bytes:
    """A PDF of about ``size`` bytes (a long comment line pads it)."""
    return PDF_HEAD + b"%" + b"x" * size + b"\n" + PDF_TAIL


@pytest.mark.django_db
def test_disk_full_during_an_upload_keeps_nothing_and_the_next_upload_succeeds(
    personas: dict[str, Any], sign_in: Any, settings: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from saferleeds.audit.models import AuditEntry
    from saferleeds.partners.policy import actor_for
    from saferleeds.safeguarding.actions import cases as actions
    from saferleeds.safeguarding.models import CaseDocument

    with small_disk(8) as disk:
        settings.SAFERLEEDS_DOCUMENT_ROOT = disk / "documents"
        carol = actor_for(personas["carol.coordinator"])
        case = actions.do_create_case(
            actor=carol, case_type="general", title="Welfare case", opened_on=None
        )
        client = sign_in(Client(), personas["carol.coordinator"])
        url = f"/cases/{case.pk}/documents/new/"
        assert client.get(url).status_code == 200
        (disk / "documents").mkdir(exist_ok=True)
        filler = fill(disk, 1 * MB)
        big = _pdf(3 * MB)
        r = client.post(
            url, {"title": "Plan", "file": SimpleUploadedFile("plan.pdf", big)}
        )
        html = r.content.decode()
        assert r.status_code == 400, r.status_code
        assert "no space left on the disk" in html and "Nothing was saved" in html
        assert "Traceback" not in html
        # Nothing partial: no half-written file, no record, no audit entry.
        assert list((disk / "documents").iterdir()) == []
        assert not CaseDocument.objects.filter(case=case).exists()
        assert not AuditEntry.objects.filter(
            event="safeguarding.case_document.upload"
        ).exists()
        filler.unlink()
        r = client.post(
            url, {"title": "Plan", "file": SimpleUploadedFile("plan.pdf", big)}
        )
        assert r.status_code == 302
        [doc] = CaseDocument.objects.filter(case=case)
        got = client.get(f"/cases/{case.pk}/documents/{doc.pk}/")
        body = b"".join(got) if got.streaming else got.content
        assert body == big


# --- the clock going backwards --------------------------------------------------------


@pytest.fixture
def clock() -> Iterator[Any]:
    """The application's clock (Django's ``timezone.now``), which the test can move."""
    from unittest import mock

    from tests.web.conftest import Clock

    c = Clock()
    with mock.patch("django.utils.timezone.now", c):
        yield c


@pytest.mark.django_db
def test_clock_going_backwards_keeps_the_audit_chain_and_its_order(
    personas: dict[str, Any], sign_in: Any, clock: Any
) -> None:
    from saferleeds.audit.models import AuditEntry
    from saferleeds.audit.verify import verify_chain
    from saferleeds.partners.policy import actor_for
    from saferleeds.people.actions import do_create_person

    carol = actor_for(personas["carol.coordinator"])
    carl = do_create_person(
        actor=carol, reference="LCC-9", given_name="Carl", family_name="Council"
    )
    viewer = sign_in(Client(), personas["carol.coordinator"])
    # Each view is an audit entry. Between them the clock goes back three hours (an
    # NTP step, a VM restored), on a little, and back again (forward steps stay under
    # the session's idle time-out, which would sign the viewer out).
    for step in ({"hours": -3}, {"minutes": 1}, {"hours": -2}, {"minutes": 10}):
        clock.advance(**step)
        assert viewer.get(f"/people/{carl.pk}/").status_code == 200
    entries = list(AuditEntry.objects.filter(subject_person_id=carl.pk))
    times = [e.at for e in entries]
    assert times != sorted(times), "the clock did not go backwards"
    seqs = [e.seq for e in entries]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    count, broken = verify_chain()
    assert broken is None and count >= len(entries)
    verified = CliRunner().invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    # The access history lists the entries by sequence, newest first, whatever the
    # clock said: not by time.
    iris = sign_in(Client(), personas["iris.ig"])
    html = iris.get(f"/audit/people/{carl.pk}/").content.decode()
    listed = [int(s) for s in re.findall(r'data-seq="(\d+)"', html)]
    assert listed == sorted(listed, reverse=True)
    shown = {
        int(seq): datetime.fromisoformat(at)
        for seq, at in re.findall(
            r'data-seq="(\d+)">\s*<td[^>]*><time datetime="([^"]+)"', html
        )
    }
    assert set(seqs) <= set(shown)
    by_seq = [shown[s] for s in sorted(shown)]
    assert any(
        b < a - timedelta(hours=2) for a, b in zip(by_seq, by_seq[1:], strict=False)
    )
