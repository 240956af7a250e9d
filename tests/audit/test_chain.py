"""The audit chain: entries written with changes, append-only, tamper-evident."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from saferleeds.audit.chain import GENESIS, entry_hash
from saferleeds.audit.guard import (
    drop_append_only_triggers,
    install_append_only_triggers,
)
from saferleeds.audit.log import record
from saferleeds.audit.models import AuditEntry, ChainHead, Operation
from saferleeds.audit.verify import verify_chain
from saferleeds.partners.policy import actor_for
from saferleeds.people.actions import do_create_person, do_update_person
from saferleeds.people.models import Person


@pytest.fixture
def pete(personas: dict[str, Any]) -> Any:
    return actor_for(
        personas["pete.practitioner"], purpose="test", remote_addr="127.0.0.9"
    )


def _write(n: int, actor: Any) -> list[AuditEntry]:
    return [
        record(
            actor,
            operation=Operation.CONSULTATION,
            event="test.view",
            record_type="person",
            record_id=i,
            subject_person_id=i,
        )
        for i in range(1, n + 1)
    ]


def _raw(sql: str, params: list[Any]) -> None:
    """Change the table behind the application's back, as a database superuser could."""
    drop_append_only_triggers()
    with connection.cursor() as cur:
        cur.execute(sql, params)
    install_append_only_triggers()


@pytest.mark.django_db
def test_entries_chain_from_genesis_and_verify(pete: Any) -> None:
    entries = _write(5, pete)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.hash
    e = AuditEntry.objects.get(seq=3)
    assert e.actor_username == "pete.practitioner" and e.agency_code == "wyp"
    assert (
        e.roles == "practitioner"
        and e.purpose == "test"
        and e.remote_addr == "127.0.0.9"
    )
    assert e.at.utcoffset() == timedelta(0)
    assert verify_chain() == (5, None)
    head = ChainHead.objects.get()
    assert (head.seq, head.hash) == (5, entries[-1].hash)


@pytest.mark.django_db
def test_the_change_and_its_entry_commit_or_fail_together(pete: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        do_create_person(
            actor=pete, reference="WY1", given_name="Ann", family_name="Lee"
        )
        raise RuntimeError("the request fails after the change")
    assert not Person.objects.exists() and not AuditEntry.objects.exists()
    person = do_create_person(
        actor=pete, reference="WY1", given_name="Ann", family_name="Lee"
    )
    entry = AuditEntry.objects.get()
    assert (entry.operation, entry.event, entry.record_id) == (
        "collection",
        "people.person.create",
        str(person.pk),
    )


@pytest.mark.django_db
def test_alteration_names_fields_not_values(pete: Any) -> None:
    person = do_create_person(
        actor=pete,
        reference="WY2",
        given_name="Ann",
        family_name="Lee",
        date_of_birth=date(1990, 1, 2),
    )
    do_update_person(
        person.pk, actor=pete, expected_version=1, changes={"family_name": "Leigh"}
    )
    entry = AuditEntry.objects.get(event="people.person.update")
    assert entry.detail == {"fields": ["family_name"], "from_version": 1}
    assert "Leigh" not in str(entry.detail) and "Lee" not in str(entry.detail)


@pytest.mark.django_db
def test_update_and_delete_are_refused_by_the_database(pete: Any) -> None:
    _write(2, pete)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=1).update(event="edited")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=2).delete()
    assert AuditEntry.objects.count() == 2 and verify_chain() == (2, None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field", ["event", "actor_username", "record_id", "purpose", "at"]
)
def test_an_edited_entry_is_named(pete: Any, field: str) -> None:
    _write(10, pete)
    table = AuditEntry._meta.db_table
    value = "2001-01-01 00:00:00" if field == "at" else "tampered"
    _raw(f"UPDATE {table} SET {field} = %s WHERE seq = 7", [value])
    count, broken = verify_chain()
    assert (
        broken is not None and broken.seq == 7 and "content changed" in broken.problem
    )


@pytest.mark.django_db
def test_a_deleted_entry_is_named(pete: Any) -> None:
    _write(10, pete)
    _raw(f"DELETE FROM {AuditEntry._meta.db_table} WHERE seq = 4", [])
    _, broken = verify_chain()
    assert broken is not None and broken.seq == 4 and "missing" in broken.problem


@pytest.mark.django_db
def test_removing_the_newest_entries_is_detected(pete: Any) -> None:
    _write(10, pete)
    _raw(f"DELETE FROM {AuditEntry._meta.db_table} WHERE seq >= 9", [])
    _, broken = verify_chain()
    # The head says #10, the table ends at #8: removal or a forged head look alike
    # from inside the database, so the two are named and no entry is blamed.
    assert broken is not None and broken.seq is None
    assert "stored head says entry #10 hash " in broken.problem
    assert "last entry is #8 with hash " in broken.problem
    assert "newest entries removed" in broken.problem


@pytest.mark.django_db
def test_reordered_entries_are_named(pete: Any) -> None:
    _write(10, pete)
    table = AuditEntry._meta.db_table
    # Swap the contents of entries 5 and 6 while keeping their positions.
    _raw(f"UPDATE {table} SET seq = -5 WHERE seq = 5", [])
    _raw(f"UPDATE {table} SET seq = 5 WHERE seq = 6", [])
    _raw(f"UPDATE {table} SET seq = 6 WHERE seq = -5", [])
    _, broken = verify_chain()
    assert broken is not None and broken.seq == 5


@pytest.mark.django_db
@pytest.mark.parametrize(("chained_from", "named"), [(2, 4), (3, 5)])
def test_an_entry_inserted_out_of_order_is_named(
    pete: Any, chained_from: int, named: int
) -> None:
    """A forged #4 chained from #2 breaks at itself; chained from #3 (a forger who
    knows the chain) it passes, but the displaced #5 no longer follows it."""
    entries = _write(6, pete)
    table = AuditEntry._meta.db_table
    _raw(f"UPDATE {table} SET seq = seq + 100 WHERE seq >= 4", [])
    _raw(f"UPDATE {table} SET seq = seq - 99 WHERE seq >= 100", [])
    forged = {
        "seq": 4,
        "at": entries[0].at,
        "actor_id": None,
        "actor_username": "mallory",
        "agency_code": "",
        "roles": "",
        "purpose": "",
        "operation": "consultation",
        "event": "forged",
        "record_type": "person",
        "record_id": "1",
        "subject_person_id": 1,
        "recipient": "",
        "remote_addr": "",
        "detail": {},
    }
    prev = entries[chained_from - 1].hash
    digest = entry_hash(prev, forged)
    cols = ", ".join([*forged, "prev_hash", "hash"])
    marks = ", ".join(["%s"] * (len(forged) + 2))
    values = [*forged.values(), prev, digest]
    values[list(forged).index("detail")] = "{}"
    _raw(f"INSERT INTO {table} ({cols}) VALUES ({marks})", values)
    _, broken = verify_chain()
    assert broken is not None and broken.seq == named


def test_verify_cli_exits_non_zero_naming_the_entry(tmp_path: Path) -> None:
    env = {**os.environ, "SAFERLEEDS_DATA_DIR": str(tmp_path), "SAFERLEEDS_ENV": "test"}
    env.pop("DATABASE_URL", None)  # this test owns its own SQLite database

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "saferleeds.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    assert run("manage", "migrate", "-v", "0").returncode == 0
    code = (
        "from saferleeds.audit.log import record; from saferleeds.audit.models import Operation\n"
        "for i in range(5): record(None, operation=Operation.COLLECTION, event='t', record_id=i)"
    )
    assert run("manage", "shell", "-c", code).returncode == 0
    ok = run("audit", "verify")
    assert ok.returncode == 0 and "5 audit entries, chain intact" in ok.stderr
    kept = ok.stdout.split()[-1]  # "head #5 <hash>"
    assert ok.stdout.startswith("head #5 ") and len(kept) == 64
    assert run("audit", "verify", "--expect-head", kept).returncode == 0
    assert run("audit", "verify", "--expect-head", "f" * 64).returncode == 1
    import sqlite3

    db = sqlite3.connect(tmp_path / "saferleeds.sqlite3")
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("UPDATE audit_auditentry SET record_id = '99' WHERE seq = 3")
    db.commit()
    bad = run("audit", "verify")
    assert bad.returncode == 1 and "audit entry #3" in bad.stderr


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain(personas: dict[str, Any]) -> None:
    """Eight threads writing at once (separate connections) still make a single line."""
    import threading

    from django.db import connections

    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises writers in the database itself; this is for PostgreSQL"
        )
    actor = actor_for(personas["pete.practitioner"])
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(25):
                record(
                    actor,
                    operation=Operation.CONSULTATION,
                    event="test.concurrent",
                    record_type="person",
                    record_id=f"{k}-{i}",
                )
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert verify_chain() == (200, None)
    assert AuditEntry.objects.values("prev_hash").distinct().count() == 200
