"""Is the service able to serve: the database answers, the analytics store is readable.

Used by ``/healthz`` (a load balancer's or a monitor's probe) and ``saferleeds check``.
The answers hold no personal data and no configuration: each is ``ok`` or a short
reason naming the recovery command.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Probe:
    """One component's state.

    Attributes:
        ok: Whether it can serve.
        detail: ``"ok"``, or why not (safe to show to anyone).
    """

    ok: bool
    detail: str


def database(*, explain: bool = False) -> Probe:
    """Whether the operational database answers a query.

    Args:
        explain: Add the driver's message (host, reason) to the detail: for the
            operator's ``saferleeds check``, never for the open ``/healthz``.
    """
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure is "not serving"
        from saferleeds.ops.faults import disk_full

        if disk_full(exc):
            # SQLite in WAL mode cannot even open the database for reading then.
            return Probe(False, "database disk full: free some space on its disk")
        why = str(exc).strip().splitlines()[0] if explain and str(exc).strip() else ""
        return Probe(
            False,
            f"database unavailable ({type(exc).__name__})"
            + (f": {why}" if why else ""),
        )
    return Probe(True, "ok")


def store(path: Path) -> Probe:
    """Whether the analytics store exists and can be read.

    An import holding the store for writing is normal operation, not a fault: the
    store is then reported ``busy`` and counts as serving.
    """
    import duckdb

    from saferleeds.analytics.store import StoreBusy, open_store
    from saferleeds.ops.faults import STORE_RECOVERY

    if not path.exists():
        return Probe(
            False,
            "analytics store missing: run `saferleeds import police` or "
            "`saferleeds restore`",
        )
    try:
        with open_store(path, read_only=True) as s:
            s.scalar("SELECT value FROM store_meta WHERE key = 'schema_version'")
            # Every Parquet file's footer: a file missing or damaged fails here.
            s.scalar("SELECT count(*) FROM police_street")
    except StoreBusy:
        return Probe(True, "busy (an import is writing)")
    except (duckdb.Error, OSError) as exc:
        return Probe(
            False,
            f"analytics store unreadable ({type(exc).__name__}): {STORE_RECOVERY}",
        )
    return Probe(True, "ok")
