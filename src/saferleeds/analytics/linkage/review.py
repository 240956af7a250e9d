"""Clerical review: thresholds that route pairs, decisions that override the model, and
clusters (resolved people) that honour both.

The model's pairs fall in three bands: auto-links (at or above the upper threshold),
a review queue (between the thresholds) and non-links (below the lower). A reviewer's
decision on a pair (same person, or not) then beats the model on every later run: a
confirmed match links even below the threshold; a confirmed non-match never links,
and no chain of other links may put the two records in one cluster.

Notes:
    The bands are Fellegi and Sunter's (1969) three decisions: link, possible link
    (clerical review) and non-link. Clustering is connected components of the
    linked pairs, as Splink's ``cluster_pairwise_predictions_at_threshold``, with
    cannot-link constraints enforced by a strongest-first union (Kruskal 1956):
    see :func:`cluster_records`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import pyarrow as pa

from saferleeds.analytics.linkage._input import LinkageError

Verdict = Literal["match", "non_match"]
VERDICTS: Final[tuple[Verdict, ...]] = ("match", "non_match")

Reason = Literal["model", "confirmed match", "confirmed non-match"]


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on a pair of records, which overrides the model.

    Attributes:
        id_a: One record's identifier.
        id_b: The other's (order does not matter).
        verdict: ``"match"`` (the same person) or ``"non_match"`` (not).
    """

    id_a: str
    id_b: str
    verdict: Verdict

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise LinkageError(
                f"a decision is match or non_match, not {self.verdict!r}"
            )
        if not self.id_a or not self.id_b:
            raise LinkageError("a decision names two records")
        if self.id_a == self.id_b:
            raise LinkageError(f"a decision needs two records, not {self.id_a!r} twice")

    @property
    def key(self) -> tuple[str, str]:
        """The pair, smaller identifier first."""
        return (min(self.id_a, self.id_b), max(self.id_a, self.id_b))


@dataclass(frozen=True)
class ReviewBands:
    """Pairs split by two thresholds (each table ``id_l, id_r, match_probability``).

    Attributes:
        auto_links: Probability at or above ``upper``: linked without review.
        review: At or above ``lower`` and below ``upper``: the review queue, most
            uncertain (closest to 0.5) first.
        non_links: Below ``lower``.
        lower: The lower threshold.
        upper: The upper threshold.
    """

    auto_links: pa.Table
    review: pa.Table
    non_links: pa.Table
    lower: float
    upper: float


@dataclass(frozen=True)
class Clusters:
    """Resolved people: each record's cluster, and the links cut to keep decisions.

    Attributes:
        assignments: ``unique_id, cluster_id`` for every record, sorted by id; a
            cluster's id is its smallest record id.
        links: The pairs taken as links (``id_l, id_r, match_probability, reason``).
        cut: Links the model made that were dropped because keeping them would put
            two records of a confirmed non-match in one cluster (same columns).
    """

    assignments: pa.Table
    links: pa.Table
    cut: pa.Table

    def cluster_of(self) -> dict[str, str]:
        """Record id to cluster id, as a dict."""
        return dict(
            zip(
                self.assignments["unique_id"].to_pylist(),
                self.assignments["cluster_id"].to_pylist(),
                strict=True,
            )
        )


def _check_thresholds(*values: float) -> None:
    for value in values:
        if math.isnan(value) or not 0.0 <= value <= 1.0:
            raise LinkageError(f"a threshold is between 0 and 1, not {value}")


def _triples(pairs: pa.Table) -> list[tuple[str, str, float]]:
    missing = {"id_l", "id_r", "match_probability"} - set(pairs.column_names)
    if missing:
        raise LinkageError(
            f"pairs need columns id_l, id_r, match_probability; missing "
            f"{', '.join(sorted(missing))}"
        )
    return [
        (str(a), str(b), float(p))
        for a, b, p in zip(
            pairs["id_l"].to_pylist(),
            pairs["id_r"].to_pylist(),
            pairs["match_probability"].to_pylist(),
            strict=True,
        )
    ]


def _pairs_table(rows: Sequence[tuple[str, str, float]]) -> pa.Table:
    return pa.table(
        {
            "id_l": pa.array([r[0] for r in rows], pa.string()),
            "id_r": pa.array([r[1] for r in rows], pa.string()),
            "match_probability": pa.array([r[2] for r in rows], pa.float64()),
        }
    )


def review_bands(pairs: pa.Table, *, lower: float, upper: float) -> ReviewBands:
    """Split scored pairs into auto-links, the review queue and non-links.

    Args:
        pairs: ``id_l, id_r, match_probability`` (e.g. :func:`predict_pairs` run
            with ``threshold=lower``).
        lower: Pairs below it are non-links.
        upper: Pairs at or above it link without review; ``lower <= upper``.

    Returns:
        The three bands; the review queue is ordered most uncertain first (match
        weight closest to 0), then by ids, so a reviewer's time goes where the
        model knows least.

    Raises:
        LinkageError: A threshold outside [0, 1], ``lower > upper``, or pairs
            without the three columns.

    Notes:
        Fellegi and Sunter (1969) choose the two thresholds to bound the rates of
        false links and false non-links; here they are the partnership's settings.
    """
    _check_thresholds(lower, upper)
    if lower > upper:
        raise LinkageError(f"the lower threshold {lower} is above the upper {upper}")
    rows = _triples(pairs)
    auto = [r for r in rows if r[2] >= upper]
    queue = sorted(
        (r for r in rows if lower <= r[2] < upper),
        key=lambda r: (abs(r[2] - 0.5), r[0], r[1]),
    )
    below = [r for r in rows if r[2] < lower]
    return ReviewBands(
        auto_links=_pairs_table(auto),
        review=_pairs_table(queue),
        non_links=_pairs_table(below),
        lower=lower,
        upper=upper,
    )


def _decided(decisions: Iterable[Decision]) -> dict[tuple[str, str], Verdict]:
    out: dict[tuple[str, str], Verdict] = {}
    for d in decisions:
        earlier = out.get(d.key)
        if earlier is not None and earlier != d.verdict:
            raise LinkageError(
                f"decisions contradict on {d.key[0]} and {d.key[1]}: "
                "both match and non_match"
            )
        out[d.key] = d.verdict
    return out


def apply_decisions(
    pairs: pa.Table, decisions: Iterable[Decision], *, threshold: float
) -> pa.Table:
    """The pairs with reviewers' decisions applied: which are links, and why.

    A pair at or above ``threshold`` links (reason ``model``) unless a reviewer
    confirmed it a non-match; a pair a reviewer confirmed a match links whatever its
    probability, and is added when the model did not score it (probability null).

    Args:
        pairs: ``id_l, id_r, match_probability`` from the model.
        decisions: The reviewers' decisions (any order; the same decision twice is
            one).
        threshold: The least probability at which the model's pair links.

    Returns:
        ``id_l, id_r, match_probability, linked, reason`` (``reason`` is ``model``,
        ``confirmed match`` or ``confirmed non-match``), one row per pair (smaller
        id first), sorted by ids.

    Raises:
        LinkageError: Contradictory decisions on one pair, or a bad threshold.
    """
    _check_thresholds(threshold)
    decided = _decided(decisions)
    rows: dict[tuple[str, str], tuple[float | None, bool, Reason]] = {}
    for a, b, p in _triples(pairs):
        key = (min(a, b), max(a, b))
        verdict = decided.get(key)
        if verdict == "match":
            rows[key] = (p, True, "confirmed match")
        elif verdict == "non_match":
            rows[key] = (p, False, "confirmed non-match")
        else:
            rows[key] = (p, p >= threshold, "model")
    for key, verdict in decided.items():
        if key not in rows:
            linked = verdict == "match"
            reason: Reason = "confirmed match" if linked else "confirmed non-match"
            rows[key] = (None, linked, reason)
    ordered = sorted(rows.items())
    return pa.table(
        {
            "id_l": pa.array([k[0] for k, _ in ordered], pa.string()),
            "id_r": pa.array([k[1] for k, _ in ordered], pa.string()),
            "match_probability": pa.array([v[0] for _, v in ordered], pa.float64()),
            "linked": pa.array([v[1] for _, v in ordered], pa.bool_()),
            "reason": pa.array([v[2] for _, v in ordered], pa.string()),
        }
    )


class _Components:
    """Union-find over record ids, each root holding its cannot-link partners."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.parent: dict[str, str] = {i: i for i in ids}
        self.cannot: dict[str, set[str]] = {}

    def add(self, item: str) -> None:
        self.parent.setdefault(item, item)

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def forbid(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        self.cannot.setdefault(ra, set()).add(rb)
        self.cannot.setdefault(rb, set()).add(ra)

    def allowed(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        return ra == rb or rb not in self.cannot.get(ra, set())

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if rb < ra:  # the smaller id stays the root, so cluster ids are stable
            ra, rb = rb, ra
        self.parent[rb] = ra
        moved = self.cannot.pop(rb, set())
        for other in moved:
            partners = self.cannot.setdefault(other, set())
            partners.discard(rb)
            partners.add(ra)
        if moved:
            self.cannot.setdefault(ra, set()).update(moved)


def cluster_records(
    pairs: pa.Table,
    *,
    threshold: float = 0.5,
    decisions: Iterable[Decision] = (),
    ids: Iterable[str] = (),
) -> Clusters:
    """Resolve records into people: linked pairs joined, decisions honoured.

    Links are the pairs :func:`apply_decisions` marks ``linked``. Records joined by
    a chain of links form one cluster, except that two records confirmed as a
    non-match ("cannot-link") never share one: links are added strongest first
    (confirmed matches, then the model's by falling probability, ties by ids), and a
    link that would join two clusters holding a cannot-link pair is cut.

    How a cannot-link pair (a, b) inside one component is resolved: with one such
    pair, the first link cut is the weakest link on the strongest chain between a
    and b (the chain whose weakest link is strongest), that is, the chain that made
    the model join them is broken where the model was least sure of it; every weaker
    chain between them is then cut at the link that would close it. Each record
    stays with the side it is most strongly linked to. With several cannot-link
    pairs, each link is judged against the clusters built from the stronger links
    before it: a greedy rule that keeps the strongest evidence, not one that
    minimises the number of links cut. The result does not depend on the order of
    ``pairs``.

    Args:
        pairs: ``id_l, id_r, match_probability`` from the model.
        threshold: The least probability at which a model pair links.
        decisions: Reviewers' decisions (see :class:`Decision`).
        ids: Every record to assign, so that records in no pair get a cluster of
            their own; records in pairs or decisions are always included.

    Returns:
        Each record's cluster, the links kept and the links cut.

    Raises:
        LinkageError: Contradictory decisions (a chain of confirmed matches joins
            the two records of a confirmed non-match, or both verdicts on one pair);
            the reviewer must resolve them.

    Notes:
        Connected components of the link graph as in Splink's clustering at a
        threshold (Linacre et al. 2022); the strongest-first union is Kruskal's
        (1956) maximum spanning forest, so the pair (a, b) is separated exactly at
        the minimax ("bottleneck") edge of the maximum spanning tree path between
        them (Hu 1961). Cannot-link constrained clustering: Wagstaff et al. (2001),
        "Constrained K-means clustering with background knowledge", ICML.
    """
    decided = apply_decisions(pairs, decisions, threshold=threshold)
    rows = list(
        zip(
            decided["id_l"].to_pylist(),
            decided["id_r"].to_pylist(),
            decided["match_probability"].to_pylist(),
            decided["linked"].to_pylist(),
            decided["reason"].to_pylist(),
            strict=True,
        )
    )
    components = _Components(ids)
    for a, b, *_ in rows:
        components.add(a)
        components.add(b)
    for a, b, _p, _linked, reason in rows:
        if reason == "confirmed non-match":
            components.forbid(a, b)
    confirmed = [r for r in rows if r[4] == "confirmed match"]
    model = sorted(
        (r for r in rows if r[4] == "model" and r[3]),
        key=lambda r: (-r[2], r[0], r[1]),
    )
    kept: list[tuple[str, str, float | None, str]] = []
    cut: list[tuple[str, str, float | None, str]] = []
    for a, b, p, _linked, reason in confirmed:
        if not components.allowed(a, b):
            raise LinkageError(
                f"decisions contradict: confirmed matches join {a} and {b}, whose "
                "clusters hold a confirmed non-match; review them again"
            )
        components.union(a, b)
        kept.append((a, b, p, reason))
    for a, b, p, _linked, reason in model:
        if components.allowed(a, b):
            components.union(a, b)
            kept.append((a, b, p, reason))
        else:
            cut.append((a, b, p, reason))
    everyone = sorted(components.parent)
    return Clusters(
        assignments=pa.table(
            {
                "unique_id": pa.array(everyone, pa.string()),
                "cluster_id": pa.array(
                    [components.find(i) for i in everyone], pa.string()
                ),
            }
        ),
        links=_links_table(sorted(kept, key=lambda r: (r[0], r[1]))),
        cut=_links_table(sorted(cut, key=lambda r: (r[0], r[1]))),
    )


def _links_table(rows: Sequence[tuple[str, str, float | None, str]]) -> pa.Table:
    return pa.table(
        {
            "id_l": pa.array([r[0] for r in rows], pa.string()),
            "id_r": pa.array([r[1] for r in rows], pa.string()),
            "match_probability": pa.array([r[2] for r in rows], pa.float64()),
            "reason": pa.array([r[3] for r in rows], pa.string()),
        }
    )
