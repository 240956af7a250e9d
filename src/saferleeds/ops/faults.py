"""Faults of the service rather than of a request, told apart and explained.

A database restarting, a damaged analytics store or a full disk is not the user's
mistake and not a bug to show as a traceback: pages answer 503 with what happened and
the command that recovers (:mod:`saferleeds.web.faults`), the API a JSON 503, and the
command line one ``error:`` line (:func:`saferleeds.cli.main`). Anything else stays a
loud 500, as a real bug should.
"""

from __future__ import annotations

import contextlib
import errno
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

# How an operator recovers; the same words on the pages, the API and the command line.
STORE_RECOVERY = (
    "rebuild it with `saferleeds store rebuild FILES...` (the police.uk files "
    "imported before), or restore a backup with `saferleeds restore`"
)
DISK_RECOVERY = "free some space on that disk, then run it again"
# SQLite's (extended) result codes for running out of room, as
# ``sqlite3.Error.sqlite_errorcode`` gives them: SQLITE_FULL ("database or disk is
# full": a write to the database or its WAL) and SQLITE_IOERR_SHMSIZE (a "disk I/O
# error" growing the WAL's shared-memory file, which SQLite documents as the volume
# being out of space; in WAL mode every connection, a reader's too, creates that file
# when no other connection has it open).
SQLITE_OUT_OF_SPACE = frozenset({13, 4874})
# PostgreSQL's SQLSTATE for a full disk (class 53, ``disk_full``; psycopg's DiskFull).
PG_OUT_OF_SPACE = frozenset({"53100"})


class Kind(Enum):
    """Which part of the service failed."""

    DATABASE = "database"
    STORE = "store"
    DISK = "disk"


@dataclass(frozen=True)
class Fault:
    """A service fault, explained.

    Attributes:
        kind: What failed.
        message: What happened and how to recover (no personal data, no paths).
        detail: The underlying error's first line, for the operator's command line
            and server log only (it may name files).
    """

    kind: Kind
    message: str
    detail: str = ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _out_of_space(exc: BaseException) -> BaseException | None:
    """The exception in ``exc``'s chain (itself, its cause or context) that is the
    disk running out of space, if any."""
    seen: BaseException | None = exc
    for _ in range(20):  # a chain is short; never loop on a cyclic one
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return seen
        text = str(seen).lower()
        if "no space left on device" in text:
            # DuckDB reports ENOSPC as an IOException's text, PostgreSQL as "could
            # not extend file ...: No space left on device".
            return seen
        if getattr(seen, "sqlite_errorcode", None) in SQLITE_OUT_OF_SPACE or (
            "database or disk is full" in text
        ):
            return seen  # SQLite: its database, journal or shared-memory file could not grow
        if getattr(seen, "sqlstate", None) in PG_OUT_OF_SPACE:
            return seen  # psycopg's DiskFull and its kin, whatever the message says
        seen = seen.__cause__ or seen.__context__
    return None


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is the disk running out of space."""
    return _out_of_space(exc) is not None


def store_unreadable(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB finding the store file damaged or not a store at all.

    Errors of a query itself (a binder or parser error: a bug) are not this.
    """
    import duckdb

    if not isinstance(exc, duckdb.Error):
        return False
    if type(exc) is duckdb.Error:  # "Corrupt database file: checksum ..."
        return True
    damaged = (
        duckdb.IOException,
        duckdb.SerializationException,
        duckdb.InternalException,
        duckdb.FatalException,
    )
    return isinstance(exc, damaged) and not disk_full(exc)


def classify(exc: BaseException) -> Fault | None:
    """The service fault ``exc`` means, or ``None`` for anything else (a bug).

    Args:
        exc: An exception a page, an API call or a command raised.

    Returns:
        The fault with its message, or ``None``.
    """
    from saferleeds.analytics.store import StoreBusy

    if isinstance(exc, StoreBusy):
        return None  # normal operation, answered where it happens
    full = _out_of_space(exc)
    if full is not None:
        return Fault(
            Kind.DISK,
            "There is no space left on the disk; what was being saved was not saved. "
            f"An administrator must {DISK_RECOVERY}.",
            _first_line(full),
        )
    if store_unreadable(exc):
        return Fault(
            Kind.STORE,
            "The analytics store cannot be read: it is damaged or not a store. "
            f"An administrator can {STORE_RECOVERY}.",
            _first_line(exc),
        )
    try:
        from django.db import InterfaceError, OperationalError
    except ImportError:  # pragma: no cover - Django is always installed
        return None
    if isinstance(exc, (OperationalError, InterfaceError)):
        return Fault(
            Kind.DATABASE,
            "The database is not answering (it may be restarting). Try again in a "
            "minute; if you were saving a change, check whether it was saved "
            "first (a change is saved whole or not at all).",
            _first_line(exc),
        )
    return None


def classify_chain(exc: BaseException) -> Fault | None:
    """The service fault behind ``exc``: itself, or what it was raised from or while
    handling.

    For errors a framework re-raises as something else: Django's session middleware
    turns any database error while saving a session (the disk full, the database
    restarting) into ``SessionInterrupted``, a 400 "bad request".

    Args:
        exc: An exception a request raised.

    Returns:
        The first fault along the chain, or ``None``.
    """
    seen: BaseException | None = exc
    for _ in range(20):  # a chain is short; never loop on a cyclic one
        if seen is None:
            break
        fault = classify(seen)
        if fault is not None:
            return fault
        seen = seen.__cause__ or seen.__context__
    return None


def set_aside_store(path: Path) -> Path:
    """Rename a damaged store out of the way, keeping it for investigation.

    The live file (and a write-ahead log beside it) moves to
    ``<name>.damaged-<UTC time>``; the version files and pointer the store keeps beside
    it (:func:`saferleeds.analytics.store.current_file`) name the damaged data too, so
    they go, and the next import starts a new store. The folder of the Parquet
    files (:func:`saferleeds.analytics.store.parts_dir`) moves beside the damaged file,
    as ``<name>.damaged-<UTC time>.police``, so the new store starts with none.

    Args:
        path: The store's live file.

    Returns:
        Where the damaged file now is.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    os.replace(path, aside)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        os.replace(wal, aside.with_name(aside.name + ".wal"))
    from saferleeds.analytics.store import parts_dir

    parts = parts_dir(path)
    if parts.exists():
        os.replace(parts, parts_dir(aside))
    prefixes = (
        f".{path.name}.v-",
        f".{path.name}.current",
        f".{path.name}.build-",
        f".{path.name}.parts-",
    )
    for f in path.parent.iterdir():
        if f.name.startswith(prefixes):
            with contextlib.suppress(FileNotFoundError):
                f.unlink()
    return aside
