"""The restore drill (issue #18, item 3), on the engine of the run: SQLite, or PostgreSQL
when ``DATABASE_URL`` names one (scripts/test.sh's second run).

One instance is made in its own process (migrated, a case with a note and a document,
audited, and an analytics store), backed up while it is up, and restored into a fresh
data directory and an empty database. The restored instance is then backed up in turn:
both manifests must agree on every table's rows and content digest, the store's counts,
the documents and the audit head. `audit verify --expect-head` passes against the
recorded head, and the document downloads through its page byte for byte. A tampered
backup and a non-empty target are refused before anything is written.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO

# Each instance's processes use the run's database: PostgreSQL in its second run.
pytestmark = pytest.mark.database_child

PG_URL = os.environ.get("DATABASE_URL", "")
ON_PG = PG_URL.startswith(("postgres://", "postgresql://"))


@dataclass
class Instance:
    """One instance's data directory and database."""

    data_dir: Path
    database_url: str | None

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``python ARGS`` as this instance would (its own environment)."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SAFERLEEDS_", "DATABASE_URL", "DJANGO_"))
        }
        env |= {
            "SAFERLEEDS_ENV": "test",
            "SAFERLEEDS_DATA_DIR": str(self.data_dir),
            "SAFERLEEDS_REQUIRE_2FA": "0",
        }
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        p = subprocess.run(
            [sys.executable, *args], env=env, capture_output=True, text=True, cwd=REPO
        )
        if check:
            assert p.returncode == 0, p.stderr[-3000:]
        return p

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``saferleeds ARGS`` for this instance."""
        return self.run("-m", "saferleeds.cli", *args, check=check)


class Databases:
    """Empty PostgreSQL databases made in the run's cluster (or SQLite: none needed)."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def new(self) -> str | None:
        if not ON_PG:
            return None
        import psycopg

        name = f"drill_{secrets.token_hex(4)}"
        with psycopg.connect(PG_URL, autocommit=True) as con:
            con.execute(f"CREATE DATABASE {name}")
        self.made.append(name)
        return PG_URL.rsplit("/", 1)[0] + "/" + name

    def drop(self) -> None:
        if not self.made:
            return
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as con:
            for name in self.made:
                con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def databases() -> Iterator[Databases]:
    dbs = Databases()
    yield dbs
    dbs.drop()


@pytest.fixture(scope="module")
def made(
    tmp_path_factory: pytest.TempPathFactory, databases: Databases
) -> tuple[Instance, Path, str, list[str]]:
    """The source instance, its backup, the manifest's printed SHA-256 and the seeded
    case and document ids."""
    root = tmp_path_factory.mktemp("drill")
    source = Instance(root / "source", databases.new())
    ids = source.run("-m", "tests.ops._drill", "seed").stdout.split()
    backup = root / "backup"
    p = source.cli("backup", str(backup))
    sha = p.stdout.split("manifest sha256 ", 1)[1].split()[0]
    return source, backup, sha, ids


def _fresh(tmp_path: Path, databases: Databases) -> Instance:
    return Instance(tmp_path / "restored", databases.new())


def _manifest(path: Path) -> dict[str, object]:
    return json.loads((path / "manifest.json").read_text())


def test_restore_drill(
    made: tuple[Instance, Path, str, list[str]],
    databases: Databases,
    tmp_path: Path,
) -> None:
    source, backup, sha, (case_id, doc_id) = made
    m = _manifest(backup)
    engine = "postgresql" if ON_PG else "sqlite"
    assert m["database"]["engine"] == engine  # type: ignore[index]
    target = _fresh(tmp_path, databases)
    p = target.cli("restore", str(backup), "--expect-manifest", sha)
    print(f"\n$ saferleeds restore {backup} --expect-manifest {sha}\n{p.stderr}")

    # Back the restored instance up too: the two manifests must describe the same data.
    again = tmp_path / "backup-of-restored"
    target.cli("backup", str(again))
    m2 = _manifest(again)
    for key in ("database", "store", "documents", "audit_head"):
        assert m2[key] == m[key], key
    tables = m["database"]["tables"]  # type: ignore[index]
    for name in ("audit_auditentry", "safeguarding_case", "safeguarding_casedocument"):
        assert tables[name]["rows"] >= 1, name
    print(
        f"identical in source and restore: {len(tables)} tables, "
        f"{sum(t['rows'] for t in tables.values())} rows with equal SHA-256 digests; "
        f"store {m['store']['tables']}; documents {m['documents']}"  # type: ignore[index]
    )
    # The store's records are monthly Parquet files beside it: backed up, restored, and
    # read back (the store's counts above are taken through them).
    parts = {
        k: v for k, v in m["files"].items() if k.startswith("analytics.duckdb.police/")
    }  # type: ignore[union-attr]
    assert parts and all(k.endswith(".parquet") for k in parts)
    assert m["store"]["tables"]["police_street"] > 0  # type: ignore[index]
    assert parts == {
        k: v
        for k, v in m2["files"].items()  # type: ignore[union-attr]
        if k.startswith("analytics.duckdb.police/")
    }
    # Every document file is identical too.
    doc_files = {k: v for k, v in m["files"].items() if k.startswith("documents/")}  # type: ignore[union-attr]
    assert doc_files and doc_files == {
        k: v
        for k, v in m2["files"].items()  # type: ignore[union-attr]
        if k.startswith("documents/")
    }

    head = m["audit_head"]["hash"]  # type: ignore[index]
    v = target.cli("audit", "verify", "--expect-head", head)
    print(f"$ saferleeds audit verify --expect-head {head}\n{v.stderr}{v.stdout}")
    assert "chain intact" in v.stderr

    served = target.run("-m", "tests.ops._drill", "download", case_id, doc_id)
    (doc_sha,) = [f["sha256"] for f in doc_files.values()]
    assert served.stdout.strip() == doc_sha
    print(f"document {doc_id} downloaded from the restored instance: sha256 {doc_sha}")

    guard = target.run("-m", "tests.ops._drill", "guarded")
    assert "append-only" in guard.stdout

    c = target.cli("check")
    assert "All checks passed." in c.stderr


def test_tampered_backup_is_refused(
    made: tuple[Instance, Path, str, list[str]],
    databases: Databases,
    tmp_path: Path,
) -> None:
    _, backup, sha, _ = made
    target = _fresh(tmp_path, databases)

    def refused(copy: Path, *extra: str) -> str:
        p = target.cli("restore", str(copy), *extra, check=False)
        assert p.returncode == 1, p.stderr
        assert "Traceback" not in p.stderr
        # Nothing was written to the target.
        assert not (target.data_dir / "analytics.duckdb").exists()
        assert not (target.data_dir / "saferleeds.sqlite3").exists()
        return p.stderr

    # A document's bytes changed.
    copy = tmp_path / "altered-document"
    shutil.copytree(backup, copy)
    (doc,) = (copy / "documents").iterdir()
    doc.write_bytes(doc.read_bytes() + b"tampered")
    err = refused(copy)
    assert f"documents/{doc.name} does not match its checksum" in err

    # The database file changed.
    copy = tmp_path / "altered-database"
    shutil.copytree(backup, copy)
    db = next(copy.glob("database.*"))
    data = bytearray(db.read_bytes())
    data[len(data) // 2] ^= 0xFF
    db.write_bytes(bytes(data))
    assert f"{db.name} does not match its checksum" in refused(copy)

    # A monthly file of police.uk records changed.
    copy = tmp_path / "altered-records"
    shutil.copytree(backup, copy)
    (part,) = (copy / "analytics.duckdb.police").rglob("*.parquet")
    part.write_bytes(part.read_bytes()[:-9] + b"tampered!")
    assert "does not match its checksum" in refused(copy)

    # A file added that the manifest does not list.
    copy = tmp_path / "extra-file"
    shutil.copytree(backup, copy)
    (copy / "documents" / ("0" * 40)).write_bytes(b"%PDF-1.4 planted")
    assert "is not in the manifest" in refused(copy)

    # Files altered and the manifest rewritten to match: caught by the kept checksum.
    copy = tmp_path / "rewritten-manifest"
    shutil.copytree(backup, copy)
    m = _manifest(copy)
    m["audit_head"]["seq"] = 1  # type: ignore[index]
    (copy / "manifest.json").write_text(json.dumps(m))
    err = refused(copy, "--expect-manifest", sha)
    assert "manifest is not the one recorded" in err

    # A missing file.
    copy = tmp_path / "incomplete"
    shutil.copytree(backup, copy)
    (copy / "analytics.duckdb").unlink()
    assert "analytics.duckdb is missing" in refused(copy)


def test_restore_into_a_non_empty_instance_is_refused(
    made: tuple[Instance, Path, str, list[str]],
) -> None:
    source, backup, _, _ = made
    p = source.cli("restore", str(backup), check=False)
    assert p.returncode == 1
    assert "restore needs an empty instance" in p.stderr
    assert "already has" in p.stderr and "tables" in p.stderr
    assert "analytics store" in p.stderr and "exists" in p.stderr
    assert "Traceback" not in p.stderr
    # The source still works and its audit chain still holds.
    assert "chain intact" in source.cli("audit", "verify").stderr


def test_backup_refuses_a_non_empty_destination(
    made: tuple[Instance, Path, str, list[str]],
) -> None:
    source, backup, _, _ = made
    p = source.cli("backup", str(backup), check=False)
    assert p.returncode == 1
    assert "already exists and is not empty" in p.stderr


def test_backup_waits_for_an_import_then_gives_up_cleanly(
    made: tuple[Instance, Path, str, list[str]], tmp_path: Path
) -> None:
    """While another process writes the store (an import), a backup waits --wait
    seconds, then stops with a clear message and leaves nothing behind."""
    from tests.ops.test_operability import store_writer

    source, _, _, _ = made
    dest = tmp_path / "during-import"
    with store_writer(source.data_dir / "analytics.duckdb"):
        p = source.cli("backup", str(dest), "--wait", "0.5", check=False)
    assert p.returncode == 1
    assert "stayed in use by an import" in p.stderr
    assert not dest.exists() and not list(tmp_path.glob(".during-import*"))
