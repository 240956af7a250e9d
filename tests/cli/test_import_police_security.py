"""Security-review findings on `saferleeds import police`, run as a user runs it."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from saferleeds.analytics import police_reference as ref
from tests.conftest import SAMPLES

GOOD = SAMPLES / "good" / "2018-07-sample-street.csv"


def _env(data: Path) -> dict[str, str]:
    env = {**os.environ, "SAFERLEEDS_DATA_DIR": str(data), "SAFERLEEDS_ENV": "test"}
    # Rich must not add colour codes of its own: any escape in the output came from input.
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(var, None)
    return env


def saferleeds(
    data: Path, *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "saferleeds.cli", *args],
        env=_env(data),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _no_traceback(r: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr


def test_markup_and_escape_sequences_from_paths_and_files_are_printed_literally(
    tmp_path: Path,
) -> None:
    """Security finding 5: Rich markup in a file path or CSV header crashed `import
    police` with a traceback after earlier files had committed, and markup and terminal
    escape sequences from files were interpreted. Everything from a file or path is
    printed literally, with control characters shown as \\x1b-style escapes, in text and
    JSON output alike."""
    first = tmp_path / "[bold red]x\x1b[31m" / "2018-07-west-yorkshire-street.csv"
    first.parent.mkdir()
    rows = GOOD.read_text(encoding="utf-8").splitlines(keepends=True)
    # A quarantined row whose Month holds markup and an escape sequence.
    fields = rows[1].split(",")
    fields[1] = "[blink]\x1b[2J"
    rows[1] = ",".join(fields)
    first.write_text("".join(rows), encoding="utf-8")
    # A later file whose path holds a closing tag ("[" / "]oops" reads as "[/]oops")
    # and whose header has markup too.
    second = tmp_path / "[" / "]oops" / "2018-07-west-yorkshire-street.csv"
    second.parent.mkdir(parents=True)
    header = list(ref.HEADER)
    header[11] = "[/bold]\x1b]0;owned\x07"
    second.write_text(",".join(header) + "\n", encoding="utf-8")

    r = saferleeds(tmp_path / "data", "import", "police", str(first), str(second))
    _no_traceback(r)
    assert r.returncode == 2, r.stderr
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr
    assert "[bold red]x\\x1b[31m/2018-07-west-yorkshire-street.csv" in r.stderr
    assert "'[blink]\\x1b[2J'" in r.stderr
    assert "[/]oops/2018-07-west-yorkshire-street.csv" in r.stderr
    assert "unexpected [/bold]\\x1b]0;owned\\x07" in r.stderr

    j = saferleeds(
        tmp_path / "data",
        "import",
        "police",
        "--format",
        "json",
        str(first),
        str(second),
    )
    _no_traceback(j)
    assert j.returncode == 2, j.stderr
    assert "\x1b" not in j.stdout + j.stderr and "\x07" not in j.stdout + j.stderr
    got = json.loads(j.stdout)
    paths = [f["path"] for f in got["files"]]
    assert paths[0].endswith("[bold red]x\\x1b[31m/2018-07-west-yorkshire-street.csv")
    assert "\\x1b]0;owned\\x07" in (got["files"][1]["unusable"] or "")


def test_damaged_zip_member_exits_2_naming_archive_and_member(tmp_path: Path) -> None:
    """Security finding 6: a zip member with a bad CRC gave a traceback and exit 1;
    it exits 2 with a message naming the archive and the member."""
    archive = tmp_path / "archive.zip"
    member = "2018-07/2018-07-west-yorkshire-street.csv"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        z.writestr(member, GOOD.read_bytes())
        crc = z.getinfo(member).CRC
    data = archive.read_bytes()
    assert data.count(struct.pack("<I", crc)) == 2  # local and central headers
    archive.write_bytes(
        data.replace(struct.pack("<I", crc), struct.pack("<I", ~crc & 0xFFFFFFFF))
    )

    r = saferleeds(tmp_path / "data", "import", "police", str(archive))
    _no_traceback(r)
    assert r.returncode == 2, r.stderr
    assert f"{archive}!{member}: damaged zip member" in r.stderr
    assert "CRC" in r.stderr


def _hold_store_open(
    data: Path, seconds: float, *, write: bool = False
) -> subprocess.Popen[str]:
    """Hold the store in another process: the way the web server does (a read-only
    open), or the way another import does (``write``)."""
    code = (
        "import sys, time\n"
        "from saferleeds.analytics.store import open_store\n"
        f"with open_store(sys.argv[1], read_only={not write}) as s:\n"
        "    print(s.scalar('SELECT count(*) FROM police_street'), flush=True)\n"
        "    print('holding', flush=True)\n"
        "    time.sleep(float(sys.argv[2]))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(data / "analytics.duckdb"), str(seconds)],
        env=_env(data),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip().isdigit(), proc.stderr  # it could read
    assert proc.stdout.readline().strip() == "holding", proc.stderr
    return proc


def test_import_runs_beside_readers_and_waits_only_for_another_import(
    tmp_path: Path,
) -> None:
    """Security finding 7: `import police` while the web server read the store gave a
    StoreBusy traceback and exit 1. Issue 18: an import no longer waits for readers at
    all (it builds the new version beside the one they read, and swaps it in; the
    reader keeps the version it opened). Only another import makes it wait (bounded by
    --wait, saying so); if that one stays, exit 4 with a one-line error and no
    traceback."""
    data = tmp_path / "data"
    first = saferleeds(data, "import", "police", str(GOOD))
    assert first.returncode == 0, first.stderr
    copy = tmp_path / "2018-07-west-yorkshire-street.csv"
    rows = GOOD.read_text(encoding="utf-8").replace(",2018-07,", ",2018-06,")
    copy.write_text(rows, encoding="utf-8")

    # A reader holds the store for 120 s: the import neither waits nor fails.
    reader = _hold_store_open(data, 120)
    try:
        t0 = time.monotonic()
        r = saferleeds(data, "import", "police", "--wait", "60", str(copy))
        waited = time.monotonic() - t0
    finally:
        reader.kill()
        reader.wait()
    _no_traceback(r)
    assert r.returncode == 0, r.stderr
    assert "waiting for another process" not in r.stderr.lower()
    assert waited < 60
    assert "0 quarantined" in r.stderr

    # Another import holds it for 3 s: this one waits, then imports.
    again = tmp_path / "2018-05-west-yorkshire-street.csv"
    again.write_text(rows.replace(",2018-06,", ",2018-05,"), encoding="utf-8")
    holder = _hold_store_open(data, 3, write=True)
    try:
        t0 = time.monotonic()
        r = saferleeds(data, "import", "police", "--wait", "60", str(again))
        waited = time.monotonic() - t0
    finally:
        holder.wait(timeout=60)
    _no_traceback(r)
    assert r.returncode == 0, r.stderr
    assert "waiting for another process" in r.stderr.lower()
    assert waited >= 1.5
    assert "0 quarantined" in r.stderr

    # Held for longer than --wait: a clear one-line error and exit 4.
    holder = _hold_store_open(data, 120, write=True)
    try:
        t0 = time.monotonic()
        busy = saferleeds(data, "import", "police", "--wait", "2", str(copy))
        waited = time.monotonic() - t0
    finally:
        holder.kill()
        holder.wait()
    _no_traceback(busy)
    assert busy.returncode == 4, busy.stderr
    assert 2 <= waited < 60
    errors = [line for line in busy.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and "in use by another process" in errors[0]
    assert "nothing was imported" in errors[0]


def test_huge_unknown_header_column_is_reported_fast_and_truncated(
    tmp_path: Path,
) -> None:
    """Security finding 8: a 64 KiB unknown header column took 51 s to report in text
    mode (quadratic) and was echoed whole; it is reported at once, truncated to its
    first 60 characters and its length."""
    path = tmp_path / "2018-07-west-yorkshire-street.csv"
    header = list(ref.HEADER)
    header[5] = "Z" * 65536
    path.write_text(",".join(header) + "\n", encoding="utf-8")
    t0 = time.monotonic()
    try:
        r = saferleeds(tmp_path / "data", "import", "police", str(path), timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("reporting a long header column took over 60 s")
    elapsed = time.monotonic() - t0
    _no_traceback(r)
    assert r.returncode == 2
    assert "Z" * 60 + "… (65,536 characters)" in r.stderr
    assert "Z" * 61 not in r.stderr
    assert elapsed < 15, elapsed


def test_shift_jis_file_exits_2_naming_file_line_offset_and_encoding(
    tmp_path: Path,
) -> None:
    """Security finding 14: a Shift-JIS file imported as mojibake with exit 0; it is
    unusable (exit 2), naming the file, the line and byte offset of the first byte that
    is not UTF-8, and the encoding expected."""
    rows = GOOD.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = rows[1].split(",")
    fields[6] = "On or near 東京駅前"
    rows[1] = ",".join(fields)
    data = "".join(rows).encode("shift_jis")
    path = tmp_path / "2018-07-west-yorkshire-street.csv"
    path.write_bytes(data)
    offset = data.index("東".encode("shift_jis"))
    r = saferleeds(tmp_path / "data", "import", "police", str(path))
    _no_traceback(r)
    assert r.returncode == 2, r.stderr
    assert (
        f"{path}: not text in UTF-8, UTF-16 or cp1252: line 2, byte offset {offset}"
        in r.stderr
    )
    assert "0 rows added" in r.stderr
