"""The people search's name index: every person's name and birth date, kept in memory
and brought up to date before each search (issue #16, item 3).

The matcher is :mod:`saferleeds.analytics.namesearch` (typos, transpositions, sounds,
nicknames, day and month swapped). This module only keeps its index in step with the
``people_person`` table. It decides nothing about access: the access layer
(:func:`saferleeds.people.access.read_people_search`) keeps only the people the actor
may see, and audits those it returns, exactly as before.

Freshness: before each search one aggregate query reads the table's signature (how many
people, the highest id, the sum of their versions, the latest change). People are
changed through ``save_versioned`` (which bumps ``version``) or created (a new id and
time); when the signature moves, the ids and versions are read and only the people
added or changed are re-read, so a search after one edit re-indexes one person.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Sum

from saferleeds.analytics.namesearch import Match, NameIndex
from saferleeds.people.models import Person

__all__ = ["fuzzy_matches", "name_index"]

_CHUNK = 5_000


class _Held:
    """One database's index and what it was built from."""

    def __init__(self) -> None:
        self.index = NameIndex()
        self.versions: dict[int, tuple[int, Any]] = {}
        self.signature: tuple[Any, ...] | None = None
        self.lock = threading.Lock()


_held: dict[tuple[str, str], _Held] = {}
_held_lock = threading.Lock()


def _signature() -> tuple[Any, ...]:
    row = Person.objects.aggregate(
        n=Count("pk"), top=Max("pk"), v=Sum("version"), at=Max("updated_at")
    )
    return (row["n"], row["top"], row["v"], row["at"])


def _holder() -> _Held:
    key = (connection.alias, str(connection.settings_dict.get("NAME")))
    with _held_lock:
        return _held.setdefault(key, _Held())


def name_index() -> NameIndex:
    """The index, brought up to date with the table (see the module docstring)."""
    held = _holder()
    with held.lock:
        if held.signature is None:
            _build(held)
            return held.index
        signature = _signature()
        if signature == held.signature:
            return held.index
        # A person's stamp: their version and last change (a row re-created with the
        # same id, after a restore or in tests, has another time).
        current = {
            pk: (version, at)
            for pk, version, at in Person.objects.values_list(
                "pk", "version", "updated_at"
            ).iterator(_CHUNK)
        }
        for pk in set(held.versions) - set(current):
            held.index.remove(pk)
        stale = [pk for pk, v in current.items() if held.versions.get(pk) != v]
        for start in range(0, len(stale), _CHUNK):
            chunk = stale[start : start + _CHUNK]
            for row in Person.objects.filter(pk__in=chunk).values_list(
                "pk", "given_name", "family_name", "date_of_birth"
            ):
                held.index.put(row)
        held.versions = current
        held.signature = signature
        return held.index


def _build(held: _Held) -> None:
    """Index everyone in one query; the signature is worked out from the same rows."""
    index = NameIndex()
    versions: dict[int, tuple[int, Any]] = {}
    total = 0
    for pk, given, family, born, version, at in Person.objects.values_list(
        "pk", "given_name", "family_name", "date_of_birth", "version", "updated_at"
    ).iterator(_CHUNK):
        index.put((pk, given, family, born))
        versions[pk] = (version, at)
        total += version
    held.index, held.versions = index, versions
    held.signature = (
        len(versions),
        max(versions, default=None),
        total if versions else None,
        max((at for _, at in versions.values()), default=None),
    )


def fuzzy_matches(name: str, born: date | None) -> list[Match]:
    """Everyone whose name and birth date match, best first (no access check: the
    caller keeps only the people its actor may see)."""
    return name_index().search(name, born)
