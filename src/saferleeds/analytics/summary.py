"""Counts of what the store holds: crimes, ASB, by month and by type, quarantined."""

from __future__ import annotations

from typing import Any

from saferleeds.analytics.areas import area_filter
from saferleeds.analytics.police_reference import ASB
from saferleeds.analytics.store import Store


def summarise(store: Store, area: str | None = None) -> dict[str, Any]:
    """Summarise the police.uk records in the store.

    Args:
        store: The analytics store.
        area: Restrict to an area (see :func:`area_filter`); ``None`` counts everything.

    Returns:
        ``{"crimes", "asb", "by_month", "by_type", "quarantined"}``: ``crimes`` excludes
        ASB rows; ``by_month`` and ``by_type`` count both; ``quarantined`` counts rows
        held back by imports (for the whole store, as they have no trusted area).
    """
    f = area_filter(store, area)
    where = f"WHERE {f.sql}"
    rows = store.execute(
        f"""SELECT crime_type = '{ASB}' AS asb, strftime(month, '%Y-%m') AS m,
                   crime_type, count(*) FROM police_street {where} GROUP BY ALL""",
        f.params,
    ).fetchall()
    crimes = asb = 0
    by_month: dict[str, int] = {}
    by_type: dict[str, int] = {}
    for is_asb, month, crime_type, n in rows:
        if is_asb:
            asb += n
        else:
            crimes += n
        by_month[month] = by_month.get(month, 0) + n
        by_type[crime_type] = by_type.get(crime_type, 0) + n
    quarantined = store.scalar(
        "SELECT count(*) FROM (SELECT DISTINCT source_sha256, line FROM police_quarantine)"
    )
    return {
        "crimes": crimes,
        "asb": asb,
        "by_month": dict(sorted(by_month.items())),
        "by_type": dict(sorted(by_type.items())),
        "quarantined": int(quarantined or 0),
    }
