"""Clerical review (issue #13): bands between two thresholds, reviewers' decisions
overriding the model, clusters honouring cannot-link decisions; keyed pseudonyms.

Small hand-made pair tables pin each rule; FEBRL 1 checks the same on a real model's
pairs, with the truth from its ``rec-N-...`` identifiers.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import random
import re
from collections import defaultdict

import pyarrow as pa
import pytest

from saferleeds.analytics.linkage import (
    FEBRL_MAPPING,
    Decision,
    LinkageError,
    PseudonymKey,
    PseudonymKeyError,
    apply_decisions,
    cluster_records,
    new_key,
    predict_pairs,
    pseudonym,
    read_records,
    review_bands,
    rotation_map,
)
from tests.conftest import SHARED

FEBRL = SHARED / "data" / "linkage" / "febrl"


def _pairs(*rows: tuple[str, str, float]) -> pa.Table:
    return pa.table(
        {
            "id_l": [r[0] for r in rows],
            "id_r": [r[1] for r in rows],
            "match_probability": [r[2] for r in rows],
        }
    )


def _groups(clusters: dict[str, str]) -> set[frozenset[str]]:
    members: dict[str, set[str]] = defaultdict(set)
    for record, cluster in clusters.items():
        members[cluster].add(record)
    return {frozenset(m) for m in members.values()}


# --- review bands -----------------------------------------------------------------


def test_bands_split_at_the_two_thresholds() -> None:
    pairs = _pairs(
        ("a", "b", 0.999),
        ("c", "d", 0.95),  # exactly the upper threshold: auto-link
        ("e", "f", 0.6),
        ("g", "h", 0.5),  # closest to 0.5: first in the queue
        ("i", "j", 0.2),  # exactly the lower threshold: review
        ("k", "l", 0.19),
    )
    bands = review_bands(pairs, lower=0.2, upper=0.95)
    assert bands.auto_links["id_l"].to_pylist() == ["a", "c"]
    assert bands.review["id_l"].to_pylist() == ["g", "e", "i"]
    assert bands.non_links["id_l"].to_pylist() == ["k"]
    total = bands.auto_links.num_rows + bands.review.num_rows + bands.non_links.num_rows
    assert total == pairs.num_rows
    with pytest.raises(LinkageError, match="above the upper"):
        review_bands(pairs, lower=0.9, upper=0.5)
    with pytest.raises(LinkageError, match="between 0 and 1"):
        review_bands(pairs, lower=-0.1, upper=0.5)
    with pytest.raises(LinkageError, match="missing match_probability"):
        review_bands(pa.table({"id_l": ["a"], "id_r": ["b"]}), lower=0.1, upper=0.9)


# --- decisions override the model --------------------------------------------------


def test_decisions_override_the_model() -> None:
    pairs = _pairs(("a", "b", 0.99), ("c", "d", 0.1), ("e", "f", 0.7))
    decided = apply_decisions(
        pairs,
        [
            Decision("b", "a", "non_match"),  # either order names the pair
            Decision("c", "d", "match"),
            Decision("x", "y", "match"),  # a pair the model never scored
        ],
        threshold=0.5,
    ).to_pylist()
    by_pair = {(r["id_l"], r["id_r"]): r for r in decided}
    assert by_pair[("a", "b")]["linked"] is False
    assert by_pair[("a", "b")]["reason"] == "confirmed non-match"
    assert by_pair[("c", "d")]["linked"] is True
    assert by_pair[("c", "d")]["reason"] == "confirmed match"
    assert by_pair[("e", "f")]["linked"] is True
    assert by_pair[("e", "f")]["reason"] == "model"
    assert by_pair[("x", "y")]["match_probability"] is None
    assert by_pair[("x", "y")]["linked"] is True

    with pytest.raises(LinkageError, match="contradict"):
        apply_decisions(
            pairs,
            [Decision("a", "b", "match"), Decision("b", "a", "non_match")],
            threshold=0.5,
        )
    with pytest.raises(LinkageError, match="match or non_match"):
        Decision("a", "b", "maybe")  # type: ignore[arg-type]
    with pytest.raises(LinkageError, match="two records"):
        Decision("a", "a", "match")


def test_a_confirmed_non_match_stays_apart_through_a_chain() -> None:
    """a-b and b-c are strong links, so without decisions a, b, c are one person.
    A reviewer says a and c are not: the weakest link on the chain (b-c) is cut."""
    pairs = _pairs(("a", "b", 0.99), ("b", "c", 0.9), ("d", "e", 0.3))
    plain = cluster_records(pairs, threshold=0.5, ids=["f"]).cluster_of()
    assert _groups(plain) == {
        frozenset("abc"),
        frozenset("d"),
        frozenset("e"),
        frozenset("f"),
    }
    assert plain["c"] == "a"  # a cluster is named by its smallest record id

    decided = cluster_records(
        pairs,
        threshold=0.5,
        decisions=[Decision("a", "c", "non_match"), Decision("d", "e", "match")],
    )
    clusters = decided.cluster_of()
    assert clusters["a"] == clusters["b"] != clusters["c"]
    assert clusters["d"] == clusters["e"]  # confirmed below the threshold
    assert decided.cut.to_pylist() == [
        {"id_l": "b", "id_r": "c", "match_probability": 0.9, "reason": "model"}
    ]
    # The stronger side wins: with b-c the stronger link, a-b is cut instead.
    swapped = cluster_records(
        _pairs(("a", "b", 0.9), ("b", "c", 0.99)),
        decisions=[Decision("a", "c", "non_match")],
    )
    assert swapped.cut["id_l"].to_pylist() == ["a"]
    assert _groups(swapped.cluster_of()) == {frozenset("a"), frozenset("bc")}


def test_a_cannot_link_cuts_every_chain_at_its_weakest_link() -> None:
    """Two chains join a and d (a-b-d strong, a-c-d weaker): both are cut, each at
    the link that would have closed it, and nothing else changes."""
    pairs = _pairs(
        ("a", "b", 0.99),
        ("b", "d", 0.8),
        ("a", "c", 0.97),
        ("c", "d", 0.7),
        ("d", "e", 0.95),
    )
    result = cluster_records(pairs, decisions=[Decision("a", "d", "non_match")])
    assert _groups(result.cluster_of()) == {frozenset("abc"), frozenset("de")}
    cut = {(r["id_l"], r["id_r"]) for r in result.cut.to_pylist()}
    assert cut == {("b", "d"), ("c", "d")}


def test_contradictory_confirmed_matches_are_an_error() -> None:
    with pytest.raises(LinkageError, match="decisions contradict"):
        cluster_records(
            _pairs(("a", "b", 0.1)),
            decisions=[
                Decision("a", "b", "match"),
                Decision("b", "c", "match"),
                Decision("a", "c", "non_match"),
            ],
        )


def test_clusters_without_decisions_are_connected_components() -> None:
    """Against a breadth-first search over the same links, on random graphs; the
    order the pairs come in changes nothing."""
    rng = random.Random(7)
    ids = [f"r{i:03d}" for i in range(120)]
    for _ in range(5):
        rows = []
        for a, b in itertools.combinations(ids, 2):
            if rng.random() < 0.012:
                rows.append((a, b, rng.random()))
        pairs = _pairs(*rows)
        ours = _groups(cluster_records(pairs, threshold=0.6, ids=ids).cluster_of())
        links: dict[str, set[str]] = defaultdict(set)
        for a, b, p in rows:
            if p >= 0.6:
                links[a].add(b)
                links[b].add(a)
        seen: set[str] = set()
        expected = set()
        for start in ids:
            if start in seen:
                continue
            component, todo = {start}, [start]
            while todo:
                for n in links[todo.pop()] - component:
                    component.add(n)
                    todo.append(n)
            seen |= component
            expected.add(frozenset(component))
        assert ours == expected
        shuffled = rows[:]
        rng.shuffle(shuffled)
        again = cluster_records(_pairs(*shuffled), threshold=0.6, ids=ids)
        assert _groups(again.cluster_of()) == ours


@pytest.mark.skipif(
    not (FEBRL / "dataset1.csv").exists(), reason=f"FEBRL 1 is not in {FEBRL}"
)
def test_review_on_febrl1_pairs() -> None:
    """A planted wrong merge (a high-scoring pair of two people's records) is split
    by a reviewer's non-match; a pair below the threshold a reviewer confirms is
    joined; every other cluster is as the model made it."""

    def entity(rec_id: str) -> str:
        m = re.match(r"rec-(\d+)-", rec_id)
        assert m
        return m.group(1)

    records = read_records(FEBRL / "dataset1.csv")
    ids = records["rec_id"].to_pylist()
    pairs = predict_pairs(
        records, mapping=FEBRL_MAPPING, id_column="rec_id", threshold=0.0
    )
    bands = review_bands(pairs, lower=0.5, upper=0.99)
    assert bands.auto_links.num_rows + bands.review.num_rows >= 490  # links at 0.5
    below = bands.non_links.to_pylist()
    assert below, "no candidate pair below 0.5 to confirm"
    weak = max(below, key=lambda r: r["match_probability"])

    # Plant a wrong merge: a high-scoring pair of two different people's records.
    by_entity: dict[str, list[str]] = defaultdict(list)
    for rec_id in ids:
        by_entity[entity(rec_id)].append(rec_id)
    two = [e for e, recs in by_entity.items() if len(recs) == 2][:2]
    wrong = (by_entity[two[0]][0], by_entity[two[1]][0])
    planted = pa.concat_tables([pairs, _pairs((*sorted(wrong), 0.999))])

    merged = cluster_records(planted, threshold=0.5, ids=ids).cluster_of()
    assert merged[wrong[0]] == merged[wrong[1]]  # four records, two people, one cluster
    assert merged[weak["id_l"]] != merged[weak["id_r"]]
    groups = _groups(merged)
    pure = sum(len({entity(i) for i in g}) == 1 for g in groups)
    assert pure / len(groups) >= 0.99

    result = cluster_records(
        planted,
        threshold=0.5,
        ids=ids,
        decisions=[
            Decision(wrong[1], wrong[0], "non_match"),
            Decision(weak["id_l"], weak["id_r"], "match"),
        ],
    )
    split = result.cluster_of()
    # The reviewer's split: each person's records together again, apart from the other.
    for e in two:
        assert len({split[r] for r in by_entity[e]}) == 1
    assert split[wrong[0]] != split[wrong[1]]
    assert split[weak["id_l"]] == split[weak["id_r"]]
    assert result.cut.num_rows == 0  # the wrong pair is a non-link, nothing else cut
    touched = {*by_entity[two[0]], *by_entity[two[1]], weak["id_l"], weak["id_r"]}
    assert {g for g in _groups(merged) if not g & touched} == {
        g for g in _groups(split) if not g & touched
    }


# --- keyed pseudonyms ----------------------------------------------------------------

SECRET = bytes(range(7, 7 + 32))
OTHER = bytes(range(101, 101 + 32))


def test_pseudonym_is_stable_with_a_key_and_changes_on_rotation() -> None:
    key = PseudonymKey("k2025", SECRET)
    same_key_again = PseudonymKey.from_hex("k2025", SECRET.hex())
    people = [f"P{i:06d}" for i in range(500)]
    first = [pseudonym(p, key) for p in people]
    assert first == [pseudonym(p, same_key_again) for p in people]  # another run
    assert len(set(first)) == len(people)
    assert all(re.fullmatch(r"k2025-[0-9a-f]{32}", p) for p in first)

    rotated = PseudonymKey("k2026", OTHER)
    second = [pseudonym(p, rotated) for p in people]
    assert not set(first) & set(second)
    # The hex parts differ too, not only the key id.
    assert not {p.split("-")[1] for p in first} & {p.split("-")[1] for p in second}
    # Same secret under a new id still changes the prefix (never confused).
    assert pseudonym("P000001", PseudonymKey("k2027", SECRET)) != first[1]

    carried = rotation_map(people, key, rotated)
    assert [carried[p] for p in first] == second
    with pytest.raises(PseudonymKeyError, match="reuses the key id"):
        rotation_map(people, key, PseudonymKey("k2025", OTHER))
    with pytest.raises(PseudonymKeyError, match="same secret"):
        rotation_map(people, key, PseudonymKey("k2099", SECRET))


def test_pseudonym_is_keyed_not_a_plain_hash() -> None:
    key = PseudonymKey("k1", SECRET)
    digest = pseudonym("P000001", key).split("-")[1]
    for plain in ("P000001", "amelia hartley 1984-03-07", "hartley|1984-03-07"):
        for algorithm in ("sha256", "sha1", "md5"):
            assert (
                not hashlib.new(algorithm, plain.encode())
                .hexdigest()
                .startswith(digest)
            )
    # HMAC-SHA256 with the key (and the domain tag), as documented.
    expected = hmac.new(
        SECRET, b"saferleeds.person.v1\x00P000001", hashlib.sha256
    ).hexdigest()[:32]
    assert digest == expected
    assert pseudonym("P000002", key) != pseudonym("P000001", key)


@pytest.mark.parametrize(
    ("key_id", "secret", "message"),
    [
        ("k1", b"", "empty"),
        ("k1", b"short-secret", "12 bytes; at least 32"),
        ("k1", bytes(range(31)), "31 bytes"),
        ("k1", b"x" * 32, "repeats a few byte values"),
        ("k1", b"0123" * 8, "repeats a few byte values"),
        ("k1", "a string, not bytes, long enough......", "must be bytes"),
        ("", SECRET, "key id"),
        ("k 1", SECRET, "key id"),
        ("k" * 17, SECRET, "key id"),
    ],
)
def test_bad_keys_are_refused_clearly(key_id: str, secret: bytes, message: str) -> None:
    with pytest.raises(PseudonymKeyError, match=message):
        PseudonymKey(key_id, secret)


def test_keys_from_text_and_new_keys() -> None:
    with pytest.raises(PseudonymKeyError, match="empty"):
        PseudonymKey.from_hex("k1", "")
    with pytest.raises(PseudonymKeyError, match="not hexadecimal"):
        PseudonymKey.from_hex("k1", "zz" * 32)
    with pytest.raises(PseudonymKeyError, match="16 bytes"):
        PseudonymKey.from_hex("k1", "ab" * 16)
    a, b = new_key("k1"), new_key("k1")
    assert len(a.secret) == 32 and a.secret != b.secret
    assert a.secret.hex() not in repr(a)
    with pytest.raises(ValueError, match="person id"):
        pseudonym("", a)
