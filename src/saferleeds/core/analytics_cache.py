"""Results the pages compute from the analytics store, cached by the store's data version.

The map's Gi* (thousands of permutations), its layers and the indicators take hundreds
of milliseconds and change only when an import does. Every writable open of the store
writes a new data version (:func:`saferleeds.analytics.store.data_version`), so a result
cached under ``(function, arguments, store, data version)`` is reused until an import
and never after one: no expiry to tune, no stale page after an import.

Lives here, in the web side, because the analytics stay Django-free; the cache is
Django's ``"analytics"`` alias (``SAFERLEEDS_ANALYTICS_CACHE``, see README).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.core.cache import caches

from saferleeds.analytics.store import Store, data_version

T = TypeVar("T")

ALIAS = "analytics"
_MISSING = object()


def cache_key(store: Store, name: str, args: tuple[Hashable, ...]) -> str:
    """The key of one result: the function, its arguments, the store and its version.

    The store's path is part of the key as well as its version, so two stores (tests,
    a restore beside the live one) never share entries even if neither was written.

    Args:
        store: The open store the result is computed from.
        name: What is computed (a stable name, not ``repr`` of a function).
        args: Its arguments; their ``repr`` must be stable (str, int, date, None).

    Returns:
        A short key safe for every cache backend.
    """
    # The partnership's district is implied by many computations (the map's study area).
    from saferleeds.partnership import current

    raw = repr(
        (name, args, str(store.path), data_version(store), current().district_code)
    )
    return "sl-analytics:" + hashlib.sha256(raw.encode()).hexdigest()


def cached(
    store: Store, name: str, args: tuple[Hashable, ...], compute: Callable[[], T]
) -> T:
    """``compute()``'s result, from the cache when the store has not changed since.

    Args:
        store: The open store ``compute`` reads.
        name: A stable name of the computation.
        args: Everything ``compute`` depends on besides the store's data.
        compute: Computes the result (only on a miss); it must be picklable.

    Returns:
        The cached or freshly computed result.
    """
    cache = caches[ALIAS]
    key = cache_key(store, name, args)
    hit: Any = cache.get(key, _MISSING)
    if hit is not _MISSING:
        return hit  # type: ignore[no-any-return]
    value = compute()
    cache.set(key, value)
    return value
