"""``saferleeds check``: everything the service needs, checked before it starts.

Each check returns a :class:`~saferleeds.ops.health.Probe`-like line; the command prints
them all (not just the first failure) and exits non-zero if any failed, so an operator
fixes everything in one pass.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from saferleeds import config


@dataclass(frozen=True)
class Check:
    """One check's result.

    Attributes:
        name: What was checked.
        ok: Whether it passed.
        detail: What was found, or what to do.
    """

    name: str
    ok: bool
    detail: str


def configuration() -> list[Check]:
    """The environment variables, without starting Django (its settings need them)."""
    try:
        env = config.environment()
    except config.ConfigError as exc:
        return [Check("configuration", False, str(exc))]
    problems = config.production_problems()
    if env == "production" and not os.environ.get("SAFERLEEDS_PSEUDONYM_KEY"):
        problems.append(
            "SAFERLEEDS_PSEUDONYM_KEY must be set when SAFERLEEDS_ENV=production "
            "(64+ hex characters)"
        )
    if problems:
        return [Check("secrets and settings", False, p) for p in problems]
    return [Check("configuration", True, f"SAFERLEEDS_ENV={env}")]


def _migrations() -> Check:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    plan = MigrationExecutor(connection).migration_plan(
        MigrationExecutor(connection).loader.graph.leaf_nodes()
    )
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        more = f" and {len(plan) - 5} more" if len(plan) > 5 else ""
        return Check(
            "migrations",
            False,
            f"{len(plan)} pending ({names}{more}): run `saferleeds manage migrate`",
        )
    return Check("migrations", True, "none pending")


def _data_dir() -> Check:
    path = config.data_dir()
    if not os.access(path, os.W_OK):
        return Check("data directory", False, f"{path} is not writable by this user")
    return Check("data directory", True, str(path))


def service() -> list[Check]:
    """Database, migrations, store and data directory (Django must be set up)."""
    from django.conf import settings

    from saferleeds.ops import health

    results: list[Check] = [_data_dir()]
    db = health.database(explain=True)
    results.append(Check("database", db.ok, db.detail))
    if db.ok:
        results.append(_guarded("migrations", _migrations))
    st = health.store(settings.SAFERLEEDS_ANALYTICS_PATH)
    results.append(Check("analytics store", st.ok, st.detail))
    return results


def _guarded(name: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except Exception as exc:  # noqa: BLE001 - reported as a failed check
        return Check(name, False, f"{type(exc).__name__}: {exc}")
