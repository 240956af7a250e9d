"""The audit chain head: append-only like the entries, and named on its own when altered.

Security finding 12 (issue #11): the head row (``audit_chainhead``, the last entry's
number and hash) had no append-only protection, and when only the head was altered
``audit verify`` blamed an entry that does not exist.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from typer.testing import CliRunner

from saferleeds.audit.chain import GENESIS
from saferleeds.audit.guard import (
    drop_append_only_triggers,
    install_append_only_triggers,
)
from saferleeds.audit.log import record, record_many
from saferleeds.audit.models import AuditEntry, ChainHead, Operation
from saferleeds.audit.verify import verify_chain
from saferleeds.cli.main import app

HEAD = ChainHead._meta.db_table


def _write(n: int) -> list[AuditEntry]:
    return [
        record(None, operation=Operation.COLLECTION, event="test.head", record_id=i)
        for i in range(1, n + 1)
    ]


def _as_superuser(sql: str, params: list[Any]) -> None:
    """Change the head behind the application's back: drop the triggers, then write."""
    drop_append_only_triggers()
    with connection.cursor() as cur:
        cur.execute(sql, params)
    install_append_only_triggers()


def _refused(sql: str, params: list[Any]) -> None:
    with (
        pytest.raises(DatabaseError, match="audit chain head"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(sql, params)


@pytest.mark.django_db
def test_the_head_cannot_be_rewound_forged_or_deleted_without_dropping_triggers() -> (
    None
):
    """Security finding 12 (issue #11): the head refuses every change but advancing.

    With the triggers in place (no superuser), the head cannot be moved back to hide
    the newest entries, pointed at a hash or entry that is not the newest, deleted, or
    replaced by a second head; appending still moves it forward.
    """
    entries = _write(5)
    head = (5, entries[-1].hash)
    attempts = [
        (f"UPDATE {HEAD} SET seq = %s, hash = %s", [3, entries[2].hash]),  # rewind
        (f"UPDATE {HEAD} SET hash = %s", ["f" * 64]),  # forged hash, same seq
        (f"UPDATE {HEAD} SET seq = %s", [9]),  # beyond the last entry
        (f"UPDATE {HEAD} SET seq = %s, hash = %s", [9, "f" * 64]),
        (f"UPDATE {HEAD} SET seq = %s, hash = %s", [5, entries[-1].hash]),  # no-op
        (f"UPDATE {HEAD} SET id = %s", [2]),
        (f"DELETE FROM {HEAD}", []),
        (f"INSERT INTO {HEAD} (id, seq, hash) VALUES (%s, %s, %s)", [2, 5, "f" * 64]),
    ]
    for sql, params in attempts:
        _refused(sql, params)
    # Through the ORM too (what application code would try).
    with pytest.raises(DatabaseError, match="only advances"), transaction.atomic():
        ChainHead.objects.filter(id=1).update(seq=4, hash=entries[3].hash)
    with pytest.raises(DatabaseError, match="cannot be deleted"), transaction.atomic():
        ChainHead.objects.all().delete()
    assert list(ChainHead.objects.values_list("seq", "hash")) == [head]
    # The application's own appends still advance it, one entry or several at once.
    _write(1)
    record_many(
        None,
        operation=Operation.CONSULTATION,
        event="test.head.many",
        records=[("person", i, None) for i in range(3)],
    )
    assert (
        record_many(
            None, operation=Operation.CONSULTATION, event="test.head.none", records=[]
        )
        == []
    )
    assert verify_chain() == (9, None)
    assert ChainHead.objects.get().seq == 9


@pytest.mark.django_db
def test_a_head_must_start_at_the_genesis() -> None:
    """Security finding 12 (issue #11): a head can only be created empty.

    (The first entry creates it; a forged head cannot be inserted in its place.)
    """
    _as_superuser(f"DELETE FROM {HEAD}", [])
    _refused(
        f"INSERT INTO {HEAD} (id, seq, hash) VALUES (%s, %s, %s)", [1, 3, "f" * 64]
    )
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {HEAD} (id, seq, hash) VALUES (%s, %s, %s)", [1, 0, GENESIS]
        )
    _write(2)
    assert verify_chain() == (2, None)


# How the head is altered: the (seq, hash) written over it, given the ten entries.
TAMPERING = {
    "hash forged": lambda e: (10, "e" * 64),
    "moved beyond the last entry": lambda e: (12, "e" * 64),
    "seq bumped, hash kept": lambda e: (11, e[9].hash),
    "moved back to a real entry": lambda e: (7, e[6].hash),
}


@pytest.mark.django_db
@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_a_tampered_head_is_named_as_the_head_not_an_entry(how: str) -> None:
    """Security finding 12 (issue #11): only the head altered -> the head is named.

    The message says what was found (the stored head and the real last entry) and
    names no entry, in particular none that does not exist.
    """
    entries = _write(10)
    head_seq, head_hash = TAMPERING[how](entries)
    _as_superuser(f"UPDATE {HEAD} SET seq = %s, hash = %s", [head_seq, head_hash])
    count, broken = verify_chain()
    assert count == 10 and broken is not None
    assert broken.seq is None
    assert str(broken).startswith(
        f"audit chain head does not match: stored head says entry #{head_seq} hash "
        f"{head_hash}, last entry is #10 with hash {entries[-1].hash} ("
    )
    assert "audit entry #" not in str(broken)


@pytest.mark.django_db
def test_a_deleted_head_is_named_as_the_head() -> None:
    """Security finding 12 (issue #11): a head deleted behind the triggers is reported
    as a missing head, not as an entry (the old code blamed a non-existent #N+1)."""
    entries = _write(4)
    _as_superuser(f"DELETE FROM {HEAD}", [])
    _, broken = verify_chain()
    assert broken is not None and broken.seq is None
    assert str(broken) == (
        "audit chain head does not match: no head is stored, last entry is #4 with "
        f"hash {entries[-1].hash} (the head was deleted)"
    )


@pytest.mark.django_db
def test_audit_verify_cli_says_the_head_does_not_match_and_exits_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Security finding 12 (issue #11): ``saferleeds audit verify`` with only the head
    altered says exactly that and exits 1, naming no (non-existent) entry.

    Run in-process against the test database, so it runs on SQLite and PostgreSQL.
    """
    # Django is set up already; setting it up again would point logging at the
    # runner's captured (then closed) stderr for the rest of the session.
    cli_main = importlib.import_module("saferleeds.cli.main")  # not the cli.main()
    monkeypatch.setattr(cli_main, "_setup_django", lambda: None)
    entries = _write(5)
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert f"head #5 {entries[-1].hash}" in ok.stdout
    _as_superuser(f"UPDATE {HEAD} SET seq = %s, hash = %s", [6, "f" * 64])
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert (
        "BROKEN: audit chain head does not match: stored head says entry #6 hash "
        f"{'f' * 64}, last entry is #5 with hash {entries[-1].hash} "
        "(the newest entries removed, or the head altered) (5 entries read)"
    ) in bad.stderr
    assert "audit entry #" not in bad.output
