"""Record linkage of FEBRL 4 (5,000 + 5,000 records) end to end: saferleeds vs exact match.

Input: ``../shared/data/linkage/febrl/dataset4a.csv`` and ``dataset4b.csv`` (FEBRL 4,
5,000 true links, truth from the ``rec-N-...`` identifiers). saferleeds reads both
files, trains its Splink model (prior, u by random sampling, m by EM) and predicts
the pairs at match probability >= 0.5 on DuckDB: all of it is timed, as
``saferleeds link pairs`` runs it. --quick links the first 1,000 records of each file.

The peer is the deterministic baseline an analyst would write first: a DuckDB join on
exact forename, surname and date of birth, or exact identifier (after the same
cleaning). It is far faster and much less accurate; the figures printed are the time
and the precision, recall and F1 of each, and the time ratio. Goal: under 20 s, with
F1 >= 0.995.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from saferleeds.analytics.linkage import FEBRL_MAPPING, predict_pairs, read_records
from saferleeds.analytics.linkage._input import prepare

FEBRL = Path(__file__).resolve().parents[2] / "shared" / "data" / "linkage" / "febrl"


def _entity(rec_id: str) -> str:
    m = re.match(r"rec-(\d+)-", rec_id)
    return m.group(1) if m else rec_id


def _scores(
    pairs: list[tuple[str, str]], true_pairs: int
) -> tuple[float, float, float]:
    tp = sum(_entity(a) == _entity(b) for a, b in pairs)
    precision = tp / len(pairs) if pairs else 0.0
    return precision, tp / true_pairs, 2 * tp / (len(pairs) + true_pairs)


def exact_match(left: pa.Table, right: pa.Table) -> list[tuple[str, str]]:
    """The peer: exact name and date of birth, or exact identifier."""
    a = prepare(left, FEBRL_MAPPING, "rec_id", default_name="a")  # noqa: F841
    b = prepare(right, FEBRL_MAPPING, "rec_id", default_name="b")  # noqa: F841
    rows = duckdb.sql(
        "SELECT DISTINCT a.unique_id, b.unique_id FROM a JOIN b ON "
        "(a.forename = b.forename AND a.surname = b.surname AND a.dob = b.dob) "
        "OR a.identifier = b.identifier"
    ).fetchall()
    return [(str(x), str(y)) for x, y in rows]


def run(quick: bool = False) -> None:
    """Time both on FEBRL 4 and print time, precision, recall, F1 and the ratio."""
    if not (FEBRL / "dataset4a.csv").exists():
        print(f"skipped: the FEBRL 4 files are not in {FEBRL}")
        return
    start = time.perf_counter()
    left = read_records(FEBRL / "dataset4a.csv")
    right = read_records(FEBRL / "dataset4b.csv")
    if quick:
        left, right = left.slice(0, 1000), right.slice(0, 1000)
    ids_l = {_entity(i) for i in left["rec_id"].to_pylist()}
    true_pairs = sum(_entity(i) in ids_l for i in right["rec_id"].to_pylist())
    pairs = predict_pairs(left, right, mapping=FEBRL_MAPPING, id_column="rec_id")
    ours = time.perf_counter() - start
    found = list(zip(pairs["id_l"].to_pylist(), pairs["id_r"].to_pylist(), strict=True))

    start = time.perf_counter()
    left_p = read_records(FEBRL / "dataset4a.csv")
    right_p = read_records(FEBRL / "dataset4b.csv")
    if quick:
        left_p, right_p = left_p.slice(0, 1000), right_p.slice(0, 1000)
    baseline = exact_match(left_p, right_p)
    peer = time.perf_counter() - start

    print(
        f"  FEBRL 4: {left.num_rows:,} + {right.num_rows:,} records, {true_pairs:,} true links"
    )
    for name, seconds, result in (
        ("saferleeds (Splink, DuckDB)", ours, found),
        ("exact-match baseline", peer, baseline),
    ):
        p, r, f1 = _scores(result, true_pairs)
        print(
            f"  {name:<28} {seconds:6.2f} s  {len(result):,} pairs  "
            f"precision {p:.4f}  recall {r:.4f}  F1 {f1:.4f}"
        )
    print(
        f"  time ratio saferleeds / exact match: {ours / peer:.1f}x "
        f"(goal: saferleeds under 20 s: {'met' if ours < 20 else 'NOT met'})"
    )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    run(quick=parser.parse_args().quick)
