"""The hash chain: canonical payloads, hashing and verification."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64

# The fields a hash covers, in a fixed order; adding a field means a new chain version.
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_username",
    "agency_code",
    "roles",
    "purpose",
    "operation",
    "event",
    "record_type",
    "record_id",
    "subject_person_id",
    "recipient",
    "remote_addr",
    "detail",
)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(payload: dict[str, Any]) -> str:
    """Canonical JSON of an entry's hashed fields: sorted keys, no spaces, UTC times."""
    data = {k: payload[k] for k in HASHED_FIELDS}
    data["at"] = _iso(data["at"])
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    """SHA-256 of the previous hash and the canonical payload."""
    return hashlib.sha256((prev_hash + canonical(payload)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold.

    ``seq`` names the first entry that does not hold; it is ``None`` when every entry
    holds but the stored chain head does not match the last of them (then ``problem``
    names both, and no entry is blamed).
    """

    seq: int | None
    problem: str

    def __str__(self) -> str:
        if self.seq is None:
            return self.problem
        return f"audit entry #{self.seq}: {self.problem}"


def head_mismatch(
    head_seq: int | None, head_hash: str, last_seq: int, last_hash: str
) -> Break:
    """Say that the stored head and the last entry disagree, and what that can mean."""
    stored = (
        "no head is stored"
        if head_seq is None
        else f"stored head says entry #{head_seq} hash {head_hash}"
    )
    last = (
        "there are no entries"
        if last_seq == 0
        else f"last entry is #{last_seq} with hash {last_hash}"
    )
    if head_seq is None:
        why = "the head was deleted"
    elif head_seq > last_seq:
        why = "the newest entries removed, or the head altered"
    elif head_seq < last_seq:
        why = "the head altered, or entries appended without moving it"
    else:
        why = "the head altered, or the last entry replaced"
    return Break(None, f"audit chain head does not match: {stored}, {last} ({why})")


def verify(
    entries: Iterable[dict[str, Any]], head_seq: int | None, head_hash: str
) -> Iterator[Break]:
    """Yield the first break in a chain given entries in ``seq`` order (at most one).

    Args:
        entries: Each with the hashed fields plus ``prev_hash`` and ``hash``.
        head_seq: The chain head's last seq (catches removal of the newest entries);
            ``None`` when no head row is stored.
        head_hash: The chain head's last hash.
    """
    expected_seq, prev = 1, GENESIS
    for e in entries:
        if e["seq"] != expected_seq:
            yield Break(
                expected_seq if e["seq"] > expected_seq else e["seq"],
                f"entry missing or out of order (found #{e['seq']} where "
                f"#{expected_seq} belongs)",
            )
            return
        if e["prev_hash"] != prev:
            yield Break(
                e["seq"], "does not follow the entry before it (prev_hash differs)"
            )
            return
        if entry_hash(prev, e) != e["hash"]:
            yield Break(e["seq"], "content changed since it was written (hash differs)")
            return
        prev, expected_seq = e["hash"], expected_seq + 1
    last_seq = expected_seq - 1
    if head_seq is None:
        if last_seq:
            yield head_mismatch(None, head_hash, last_seq, prev)
        return
    if last_seq != head_seq or prev != head_hash:
        yield head_mismatch(head_seq, head_hash, last_seq, prev)
