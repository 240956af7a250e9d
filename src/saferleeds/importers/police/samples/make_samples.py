"""Rebuild the sample files from the shipped July 2018 West Yorkshire file.

Run: python -m saferleeds.importers.police.samples.make_samples
The samples are real police.uk rows (OGL v3), with deliberate damage in ``bad/``.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

from saferleeds.analytics.police_reference import HEADER

HERE = Path(__file__).parent
SOURCE = HERE.parents[2] / "data" / "police" / "2018-07-west-yorkshire-street.csv.gz"


def _rows() -> tuple[list[str], list[list[str]]]:
    with gzip.open(SOURCE, "rt", encoding="utf-8", newline="") as f:
        r = list(csv.reader(f))
    return r[0], r[1:]


def _write(path: Path, header: list[str], rows: list[list[str]], **kw: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    enc = kw.get("encoding", "utf-8")
    path.write_bytes(buf.getvalue().encode(enc))


def main() -> None:
    """Write good/, bad/, unusable/ and encodings/ samples."""
    header, rows = _rows()
    asb = [r for r in rows if r[9] == "Anti-social behaviour"]
    # Identical ASB rows (same snap point, month, LSOA) are separate incidents.
    seen: dict[tuple[str, ...], list[list[str]]] = {}
    for r in asb:
        seen.setdefault(tuple(r), []).append(r)
    twins = next(v for v in seen.values() if len(v) >= 3)[:3]
    unlocated = [r for r in rows if not r[4]][:3]
    crimes = [r for r in rows if r[0]][:40]
    good = crimes[:20] + twins + crimes[20:30] + unlocated + asb[:4] + crimes[30:40]
    _write(HERE / "good" / "2018-07-sample-street.csv", header, good)

    # bad/: the expected (line, field) of each damaged row is listed in EXPECTED_BAD.
    bad = [list(r) for r in crimes[:30]]
    bad[2][1] = "2018-13"  # line 4
    bad[4][9] = "Jaywalking"  # line 6
    bad[6][5] = "62.5"  # line 8: latitude north of Shetland
    bad[8][4] = "west"  # line 10
    bad[10][5] = ""  # line 12: latitude blank, longitude given
    bad[12][7] = "LS6 3AB"  # line 14
    bad[14][0] = ""  # line 16: crime row without Crime ID
    bad[16][10] = "Offender given a medal"  # line 18
    bad[18] = bad[18] + ["extra"]  # line 20: 13 fields
    bad[20] = bad[20][:11]  # line 22: 11 fields
    bad[22][0] = bad[21][0]  # line 24: duplicate Crime ID of line 23
    _write(HERE / "bad" / "2018-07-damaged-street.csv", header, bad)

    unusable = HERE / "unusable"
    unusable.mkdir(exist_ok=True)
    # An outcomes file: the street header with "Outcome type" for the last three.
    outcomes = [*HEADER[:9], "Outcome type"]
    _write(
        unusable / "2018-07-west-yorkshire-outcomes.csv",
        outcomes,
        [r[:9] + ["Unable to prosecute suspect"] for r in crimes[:5]],
    )
    (unusable / "not-a-csv.csv").write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    )
    (unusable / "empty.csv").write_bytes(b"")

    enc = HERE / "encodings"
    sample = [list(r) for r in crimes[:10]]
    sample[3][6] = "On or near Café Row (£1 shop)"
    _write(enc / "2018-07-utf8-street.csv", header, sample)
    (enc / "2018-07-utf8bom-street.csv").write_bytes(
        b"\xef\xbb\xbf" + (enc / "2018-07-utf8-street.csv").read_bytes()
    )
    _write(enc / "2018-07-cp1252-street.csv", header, sample, encoding="cp1252")
    _write(enc / "2018-07-utf16-street.csv", header, sample, encoding="utf-16")


# (line, field) of every damaged row in bad/2018-07-damaged-street.csv
EXPECTED_BAD: tuple[tuple[int, str], ...] = (
    (4, "Month"),
    (6, "Crime type"),
    (8, "Latitude"),
    (10, "Longitude"),
    (12, "Longitude/Latitude"),
    (14, "LSOA code"),
    (16, "Crime ID"),
    (18, "Last outcome category"),
    (20, "row"),
    (22, "row"),
    (24, "Crime ID"),
)

if __name__ == "__main__":
    main()
