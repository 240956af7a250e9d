"""Deduplicating 1,000,000 synthetic person records on DuckDB within 8 GB: time and RSS.

Input: the demo generator's people (``saferleeds.demo.generator``: names by community,
dates of birth, Leeds postcodes, each agency's record of a person with its typos,
nicknames, swapped day and month, missing values and surname changes), at about 345
times the demo scale, written to one CSV file (``record_id, first_name, surname,
date_of_birth, sex, postcode``) with the truth (record to person) beside it. Only the
people are generated: ``generate()`` at that scale spends most of its time planting
offences, incidents and hotspots this benchmark does not use, so the bench calls the
generator's own people functions (``_make_people``, ``_top_up_agencies``,
``_build_records``), the same draws and noise model, and skips the events.

The dedupe runs in a child process, as ``saferleeds link pairs`` would: read the CSV,
train the model on a random sample of 30,000 records (EM blocked on surname alone
over a million records would score hundreds of millions of pairs; the prior, m and u
do not depend on the sample's size), then score every candidate pair of the whole
file and keep those at match probability >= 0.5. DuckDB gets a ``memory_limit`` of 5
GB and spills to a temporary folder beyond it. Printed: records, candidate pairs,
time per step, peak RSS of the child (``resource.getrusage``), and precision, recall
and F1 over pairs against the planted truth.

Peer: the exact-match baseline (a DuckDB join on cleaned forename, surname and date of
birth), timed on the same file; the ratio printed is saferleeds' time over its time.
Splink's own published figure ("a million records on a laptop in around a minute")
is for a smaller model on a faster machine and is quoted, not run. --quick: 50,000.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

RECORDS = 1_000_000
QUICK_RECORDS = 50_000
TRAINING_SAMPLE = 30_000
MEMORY_LIMIT = "5GB"
RSS_BUDGET_GB = 8.0
MAPPING = {
    "forename": "first_name",
    "surname": "surname",
    "dob": "date_of_birth",
    "sex": "sex",
    "postcode": "postcode",
}


def write_people(folder: Path, records: int, seed: int = 1) -> tuple[Path, Path]:
    """Write ``records`` agency records of synthetic people and their truth."""
    import numpy as np

    from saferleeds.demo import generator as g
    from saferleeds.partnership import current

    rng = np.random.default_rng(seed)
    geo = g._Geography(current())
    # About 1.45 agency records per person at the generator's multi-agency share.
    people = g._make_people(int(records / 1.42) + 100, geo, rng)
    g._top_up_agencies(people, rng)
    built = g._build_records(people, geo, rng)[:records]
    if len(built) < records:
        raise RuntimeError(f"generated {len(built):,} records, wanted {records:,}")
    people_csv, truth_csv = folder / "people.csv", folder / "truth.csv"
    width = len(str(records))
    with (
        people_csv.open("w", encoding="utf-8", newline="") as f,
        truth_csv.open("w", encoding="utf-8", newline="") as t,
    ):
        out, truth = (
            csv.writer(f, lineterminator="\n"),
            csv.writer(t, lineterminator="\n"),
        )
        out.writerow(
            ["record_id", "first_name", "surname", "date_of_birth", "sex", "postcode"]
        )
        truth.writerow(["record_id", "person_id"])
        for i, r in enumerate(built):
            rid = f"R{i + 1:0{width}d}"
            out.writerow([rid, r.first, r.surname, r.dob, r.sex, r.postcode])
            truth.writerow([rid, f"P{r.person + 1:07d}"])
    return people_csv, truth_csv


def dedupe(people_csv: Path, pairs_out: Path, temp_dir: Path) -> dict[str, float]:
    """The child's work: read, train on a sample, predict; returns its figures."""
    import duckdb
    import numpy as np

    from saferleeds.analytics.linkage import predict_pairs, read_records, train_model

    figures: dict[str, float] = {}
    start = time.perf_counter()
    records = read_records(people_csv)
    figures["read_s"] = time.perf_counter() - start
    figures["records"] = records.num_rows

    def connection() -> duckdb.DuckDBPyConnection:
        return duckdb.connect(
            config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(temp_dir)}
        )

    t = time.perf_counter()
    rng = np.random.default_rng(13)
    size = min(TRAINING_SAMPLE, records.num_rows)
    sample = records.take(np.sort(rng.choice(records.num_rows, size, replace=False)))
    model = train_model(
        sample, mapping=MAPPING, id_column="record_id", connection=connection()
    )
    figures["train_s"] = time.perf_counter() - t
    t = time.perf_counter()
    pairs = predict_pairs(
        records,
        mapping=MAPPING,
        id_column="record_id",
        model=model,
        connection=connection(),
    )
    figures["predict_s"] = time.perf_counter() - t
    figures["total_s"] = time.perf_counter() - start
    figures["pairs"] = pairs.num_rows
    import pyarrow.parquet as pq

    pq.write_table(pairs, pairs_out)
    figures["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return figures


def candidate_pairs(people_csv: Path) -> tuple[int, list[tuple[str, int]]]:
    """Pairs the blocking rules make (each once), per rule, as Splink estimates them.

    Splink's ``count_comparisons_from_blocking_rules`` on its default deterministic
    5% sample of records on each side, scaled up (an estimate, flagged as such).
    """
    import duckdb
    from splink import DuckDBAPI
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    from saferleeds.analytics.linkage import read_records
    from saferleeds.analytics.linkage._input import prepare
    from saferleeds.analytics.linkage._model import _blocking_rules, _quiet

    table = prepare(read_records(people_csv), MAPPING, "record_id", default_name="p")
    db_api = DuckDBAPI(duckdb.connect())
    with _quiet(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "based on few sampled pairs": flagged below
        counts = count_comparisons_from_blocking_rules(
            db_api.register(table),
            blocking_rules=_blocking_rules(set(MAPPING)),
            link_type="dedupe_only",
        )
    per_rule = [
        (str(c["blocking_rule"]), int(c["marginal_comparison_count"])) for c in counts
    ]
    return int(counts[-1]["cumulative_comparison_count"]), per_rule


def exact_match(people_csv: Path) -> tuple[float, list[tuple[str, str]]]:
    """The peer: pairs agreeing exactly on cleaned forename, surname and dob."""
    import duckdb

    from saferleeds.analytics.linkage import read_records
    from saferleeds.analytics.linkage._input import prepare

    start = time.perf_counter()
    p = prepare(read_records(people_csv), MAPPING, "record_id", default_name="p")  # noqa: F841
    relation = duckdb.sql(
        "SELECT a.unique_id, b.unique_id FROM p a JOIN p b ON a.forename = b.forename "
        "AND a.surname = b.surname AND a.dob = b.dob AND a.unique_id < b.unique_id"
    )
    assert relation is not None
    rows = relation.fetchall()
    return time.perf_counter() - start, [(str(a), str(b)) for a, b in rows]


def scores(truth_csv: Path, pairs: list[tuple[str, str]]) -> tuple[float, float, float]:
    """Precision, recall and F1 over pairs against the planted truth."""
    from collections import Counter

    person: dict[str, str] = {}
    with truth_csv.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            person[row["record_id"]] = row["person_id"]
    true_pairs = sum(n * (n - 1) // 2 for n in Counter(person.values()).values())
    tp = sum(person[a] == person[b] for a, b in pairs)
    precision = tp / len(pairs) if pairs else 0.0
    recall = tp / true_pairs if true_pairs else 0.0
    return precision, recall, 2 * tp / (len(pairs) + true_pairs)


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Generate, dedupe in a child process, and print the figures and the ratio;
    return them as a row."""
    records = QUICK_RECORDS if quick else RECORDS
    with tempfile.TemporaryDirectory(prefix="saferleeds-scale-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        people_csv, truth_csv = write_people(folder, records)
        print(f"  generated {records:,} records in {time.perf_counter() - t:.1f} s")
        pairs_out = folder / "pairs.parquet"
        spill = folder / "duckdb-spill"
        spill.mkdir()
        child = subprocess.run(  # noqa: S603 - our own interpreter and script
            [
                sys.executable,
                __file__,
                "--dedupe",
                str(people_csv),
                str(pairs_out),
                str(spill),
            ],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ},
        )
        if child.returncode != 0:
            print(f"  dedupe FAILED (exit {child.returncode}): {child.stderr[-2000:]}")
            return []
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        import pyarrow.parquet as pq

        found = pq.read_table(pairs_out)
        ours = list(
            zip(found["id_l"].to_pylist(), found["id_r"].to_pylist(), strict=True)
        )
        candidates, per_rule = candidate_pairs(people_csv)
        peer_s, peer_pairs = exact_match(people_csv)
        print(
            f"  {int(figures['records']):,} records, about {candidates:,} candidate pairs "
            f"scored (blocking rules as `link pairs`; Splink's 5% sample estimate), "
            f"DuckDB memory_limit {MEMORY_LIMIT}"
        )
        for rule, count in per_rule:
            print(f"    {count:>14,}  {rule}")
        print(
            f"  saferleeds: read {figures['read_s']:.1f} s, train on "
            f"{min(TRAINING_SAMPLE, records):,} {figures['train_s']:.1f} s, predict "
            f"{figures['predict_s']:.1f} s, total {figures['total_s']:.1f} s; peak RSS "
            f"{figures['peak_rss_gb']:.2f} GB (budget {RSS_BUDGET_GB:g} GB: "
            f"{'met' if figures['peak_rss_gb'] <= RSS_BUDGET_GB else 'NOT met'})"
        )
        f1s = []
        for name, pairs in (
            ("saferleeds (Splink)", ours),
            ("exact-match baseline", peer_pairs),
        ):
            p, r, f1 = scores(truth_csv, pairs)
            f1s.append(f1)
            print(
                f"  {name:<22} {len(pairs):,} pairs  precision {p:.4f}  recall {r:.4f}  "
                f"F1 {f1:.4f}"
            )
        print(
            f"  time ratio saferleeds / exact match: {figures['total_s'] / peer_s:.1f}x "
            f"({figures['total_s']:.1f} s vs {peer_s:.1f} s)"
        )
    from report import row

    return [
        row(
            "dedupe",
            f"{records:,} person records",
            figures["total_s"],
            "exact-match DuckDB join",
            peer_s,
            accuracy=f"F1 {f1s[0]:.4f} vs baseline {f1s[1]:.4f}",
            memory_mb_ours=figures["peak_rss_gb"] * 1000,
            repeats_ours=1,
            repeats_peer=1,
            note="memory: the child's whole peak RSS, not the increase",
        )
    ]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--dedupe", nargs=3, metavar=("CSV", "PAIRS", "SPILL"))
    args = parser.parse_args()
    if args.dedupe:
        result = dedupe(
            Path(args.dedupe[0]), Path(args.dedupe[1]), Path(args.dedupe[2])
        )
        print(json.dumps(result))
    else:
        run(quick=args.quick)
