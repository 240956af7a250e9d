"""Walk the whole audit chain and report the first break."""

from __future__ import annotations

from saferleeds.audit.chain import HASHED_FIELDS, Break, verify
from saferleeds.audit.models import AuditEntry, ChainHead


def verify_chain(chunk: int = 5000) -> tuple[int, Break | None]:
    """Return (entries checked, first break or None)."""
    head = ChainHead.objects.filter(id=1).first()
    # No head row: a fresh database (no entries), or a head deleted behind our back.
    head_seq, head_hash = (head.seq, head.hash) if head else (None, "")
    rows = (
        AuditEntry.objects.order_by("seq")
        .values(*HASHED_FIELDS, "prev_hash", "hash")
        .iterator(chunk_size=chunk)
    )
    count = 0

    def counted():  # type: ignore[no-untyped-def]
        nonlocal count
        for r in rows:
            count += 1
            yield r

    broken = next(iter(verify(counted(), head_seq, head_hash)), None)
    return count, broken
