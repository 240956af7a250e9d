"""Optimistic locking: save only if nobody saved since the version the user edited."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F


class Conflict(Exception):
    """Someone else saved the record first; nothing was overwritten."""

    def __init__(self, current_version: int) -> None:
        super().__init__(
            "This record was changed by someone else while you were editing it. "
            "Nothing was saved: reload it to see their changes, then make yours again."
        )
        self.current_version = current_version


def save_versioned(
    model: type[models.Model], pk: Any, expected_version: int, changes: dict[str, Any]
) -> int:
    """Apply ``changes`` if the row is still at ``expected_version``; return the new one.

    One conditional UPDATE, so two people saving from the same version cannot both win.

    Raises:
        Conflict: If the row has moved on.
    """
    updated = model._default_manager.filter(pk=pk, version=expected_version).update(
        **changes, version=F("version") + 1
    )
    if not updated:
        current = model._default_manager.filter(pk=pk).values_list("version", flat=True)
        raise Conflict(current.first() or 0)
    return expected_version + 1
