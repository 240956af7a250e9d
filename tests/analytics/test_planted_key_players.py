"""How many of the generator's planted key players the key-player ranking puts in its
top 10 (issue #14, item 6: the figure in the note).

The generator plants co-offending groups joined only through a ring of key players
(``truth/network.json``); the demo's workspace network is the generator's (one offence
per suspect of each crime, :mod:`saferleeds.demo.offending`). The network here is built
from ``offences.csv`` with each agency record resolved to its true person
(``truth/people.csv``), and ranked by :func:`saferleeds.analytics.networks.key_players`
as the network page and ``saferleeds network key-players`` rank it.
"""

from __future__ import annotations

import csv
import json
from itertools import combinations
from pathlib import Path

import pytest

from saferleeds.analytics.networks import build_network, key_players
from saferleeds.demo.generator import generate
from saferleeds.demo.partner_data import DEMO_SCALE, DEMO_SEED

TOP = 10


def planted_in_top(out: Path) -> tuple[int, int, list[int]]:
    """``(planted key players, how many the top 10 holds, their ranks)``."""
    with (out / "truth" / "people.csv").open(newline="", encoding="utf-8") as f:
        person_of = {r["record_id"]: r["person_id"] for r in csv.DictReader(f)}
    truth = json.loads((out / "truth" / "network.json").read_text(encoding="utf-8"))
    planted = set(truth["key_players"])
    edges: list[tuple[str, str]] = []
    with (out / "offences.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            people = sorted(
                {person_of[r] for r in row["offender_record_ids"].split(";") if r}
            )
            edges.extend(combinations(people, 2))
    ranked = key_players(build_network(edges), top=TOP)
    ranks = [k.rank for k in ranked if k.node in planted]
    return len(planted), len(ranks), ranks


@pytest.mark.parametrize(
    ("seed", "scale"), [(DEMO_SEED, DEMO_SCALE), (1, 1.0)], ids=["demo", "scale-1"]
)
def test_the_top_10_holds_the_planted_key_players(
    tmp_path: Path, seed: int, scale: float
) -> None:
    generate(tmp_path, seed=seed, scale=scale)
    planted, found, ranks = planted_in_top(tmp_path)
    assert planted >= 1
    # The floor: every planted key player is in the top 10, and they lead it (each
    # cuts groups apart that nobody else joins). At the demo scale (seed 2018, scale
    # 0.25) that is 1 of 1, ranked 1st; at scale 1 (seed 1), 3 of 3, ranked 1-3.
    assert found == planted
    assert ranks == list(range(1, planted + 1))
