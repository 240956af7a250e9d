"""Security-review findings on the police.uk importer, on real files made in tmp_path."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from saferleeds.analytics import police_reference as ref
from saferleeds.importers.police import import_police
from tests.conftest import SAMPLES, read_police_csv

GOOD = SAMPLES / "good" / "2018-07-sample-street.csv"


def _archive(tmp_path: Path) -> tuple[Path, str, str]:
    """A data.police.uk-style zip of two months (stored, so its bytes are plain)."""
    text = GOOD.read_bytes()
    # The older month: other Crime IDs, so its rows are new crimes, not updates.
    older = b"".join(
        (line[:63] + b"x" + line[64:]) if line[64:65] == b"," else line
        for line in text.replace(b"2018-07,", b"2017-07,").splitlines(keepends=True)
    )
    archive = tmp_path / "archive.zip"
    first = "2017-07/2017-07-west-yorkshire-street.csv"
    second = "2018-07/2018-07-west-yorkshire-street.csv"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        z.writestr(first, older)
        z.writestr(second, text)
    return archive, first, second


def _patch_member(archive: Path, member: str, what: str) -> None:
    """Edit the zip's bytes: a wrong CRC-32, or a file size smaller than the data."""
    with zipfile.ZipFile(archive) as z:
        info = z.getinfo(member)
    data = bytearray(archive.read_bytes())
    local = info.header_offset
    assert data[local : local + 4] == b"PK\x03\x04"
    # This member's central directory entry: the one pointing at its local header.
    central = data.index(b"PK\x01\x02")
    while struct.unpack_from("<I", data, central + 42)[0] != local:
        central = data.index(b"PK\x01\x02", central + 4)
    if what == "crc":
        bad = struct.pack("<I", info.CRC ^ 0xDEADBEEF)
        data[local + 14 : local + 18] = bad
        data[central + 16 : central + 20] = bad
    else:  # the sizes lie: the headers claim half the data
        small = struct.pack("<I", info.file_size // 2)
        data[local + 22 : local + 26] = small
        data[central + 24 : central + 28] = small
    archive.write_bytes(bytes(data))


@pytest.mark.parametrize("what", ["crc", "sizes"])
def test_damaged_zip_member_is_unusable_naming_archive_and_member(
    empty_store: object, tmp_path: Path, what: str
) -> None:
    """Security finding 6: a zip member with a bad CRC or lying sizes gave a traceback
    (exit 1); it must make that member unusable (exit 2) with a message naming the
    archive and the member, commit nothing from it, and still import the other members."""
    archive, first, second = _archive(tmp_path)
    _patch_member(archive, second, what)
    report = import_police(empty_store, [archive], forces=["west-yorkshire"])  # type: ignore[arg-type]
    assert report.exit_code == 2
    by_name = {r.path: r for r in report.files}
    damaged = by_name[f"{archive}!{second}"]
    assert damaged.unusable and "damaged zip member" in damaged.unusable
    if what == "crc":
        assert "CRC" in damaged.unusable
    assert damaged.added == 0
    intact = by_name[f"{archive}!{first}"]
    assert intact.unusable is None and intact.added == len(read_police_csv(GOOD))
    assert empty_store.scalar("SELECT count(*) FROM import_run") == 1  # type: ignore[attr-defined]
    assert (
        empty_store.scalar(  # type: ignore[attr-defined]
            "SELECT count(*) FROM police_street WHERE month = DATE '2018-07-01'"
        )
        == 0
    )


def _shift_jis_file(tmp_path: Path) -> tuple[Path, bytes]:
    rows = GOOD.read_text(encoding="utf-8").splitlines(keepends=True)
    # Row 4 (line 4) names a place in Japanese; every other byte is ASCII.
    fields = rows[3].split(",")
    fields[6] = "On or near 東京駅前"
    rows[3] = ",".join(fields)
    data = "".join(rows).encode("shift_jis")
    path = tmp_path / "2018-07-west-yorkshire-street.csv"
    path.write_bytes(data)
    return path, data


def test_shift_jis_file_is_refused_naming_line_byte_offset_and_encoding(
    empty_store: object, tmp_path: Path
) -> None:
    """Security finding 14: a Shift-JIS file was imported as cp1252 mojibake with exit 0.
    Text that is neither UTF-8 nor plausibly cp1252 makes the file unusable (exit 2),
    naming the line and byte offset of the first undecodable byte and the encoding
    expected; nothing from it is committed."""
    path, data = _shift_jis_file(tmp_path)
    with pytest.raises(UnicodeDecodeError) as exc:
        data.decode("utf-8")
    offset = exc.value.start
    line = data[:offset].count(b"\n") + 1
    assert line == 4
    report = import_police(empty_store, [path])  # type: ignore[arg-type]
    assert report.exit_code == 2
    (res,) = report.files
    problem = res.unusable or ""
    assert f"line {line}" in problem and f"byte offset {offset}" in problem
    assert "not text" in problem and "UTF-8" in problem and "cp1252" in problem
    assert empty_store.scalar("SELECT count(*) FROM police_street") == 0  # type: ignore[attr-defined]
    assert empty_store.scalar("SELECT count(*) FROM import_run") == 0  # type: ignore[attr-defined]


def test_plausible_cp1252_still_imports_and_a_stray_byte_is_located(
    empty_store: object, tmp_path: Path
) -> None:
    """Security finding 14: cp1252 stays accepted when it reads as Western text (the
    shipped sample), and a UTF-8 file with one bad byte at the very end of a line is
    reported at that line and offset, not transcoded as cp1252 (it holds UTF-8 too)."""
    cp1252 = SAMPLES / "encodings" / "2018-07-cp1252-street.csv"
    report = import_police(empty_store, [cp1252])  # type: ignore[arg-type]
    assert report.exit_code == 0 and report.files[0].note == "transcoded from cp1252"

    rows = GOOD.read_text(encoding="utf-8").splitlines(keepends=True)
    rows[1] = rows[1].replace("On or near", "On or near Café", 1)
    data = "".join(rows).encode("utf-8")
    cut = [i for i, b in enumerate(data) if b == ord("\n")][2]  # the end of line 3
    data = data[:cut] + b"\xff" + data[cut:]
    mixed = tmp_path / "2018-07-mixed-street.csv"
    mixed.write_bytes(data)
    res = import_police(empty_store, [mixed]).files[0]  # type: ignore[arg-type]
    assert res.unusable and f"line 3, byte offset {cut}" in res.unusable
    assert "0xFF" in res.unusable


def test_long_unknown_header_column_is_reported_truncated(tmp_path: Path) -> None:
    """Security finding 8: a 64 KiB unknown header column was echoed whole; the message
    shows its first 60 characters and its length."""
    from saferleeds.importers.police.importer import (
        UnusableFile,
        _check_header,
        _Source,
    )

    header = list(ref.HEADER)
    header[5] = "X" * 65536
    p = tmp_path / "2018-07-x-street.csv"
    p.write_text(",".join(header) + "\n", encoding="utf-8")
    with pytest.raises(UnusableFile) as exc:
        _check_header(_Source(str(p), p), p)
    problem = exc.value.problem
    assert "X" * 60 + "… (65,536 characters)" in problem
    assert len(problem) < 400
