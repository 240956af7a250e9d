"""The store's police.uk records as monthly Parquet files (issue #17, defect 1).

An import replaces its month's file; a reader holding an older version keeps reading
the files that version names until it closes, and only then are they deleted.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from saferleeds.analytics.store import open_store, parts_dir
from saferleeds.importers.police import import_police
from saferleeds.ops.faults import set_aside_store
from tests.conftest import SAMPLES

GOOD = SAMPLES / "good" / "2018-07-sample-street.csv"


def _republished(tmp: Path, outcome: str) -> Path:
    folder = tmp / outcome.replace(" ", "-")
    folder.mkdir()
    text = GOOD.read_text(encoding="utf-8").replace(
        "Investigation complete; no suspect identified", outcome
    )
    out = folder / GOOD.name
    out.write_text(text, encoding="utf-8")
    return out


def _files(path: Path) -> set[str]:
    return {f.name for f in parts_dir(path).rglob("*.parquet")}


def test_an_import_replaces_its_months_file_and_a_reader_keeps_its_version(
    tmp_path: Path,
) -> None:
    path = tmp_path / "analytics.duckdb"
    with open_store(path) as store:
        assert import_police(store, [GOOD]).added == 50
    first = _files(path)
    assert len(first) == 1
    with open_store(path, read_only=True) as reader:
        before = reader.execute(
            "SELECT last_outcome, count(*) FROM police_street GROUP BY 1 ORDER BY 1"
        ).fetchall()
        # Two imports republish the month while the reader is open.
        for outcome in ("Offender fined", "Awaiting court outcome"):
            with open_store(path) as store:
                report = import_police(store, [_republished(tmp_path, outcome)])
                assert report.files[0].updated > 0
        # The reader's version and its file are still there, and it reads as before.
        assert first <= _files(path)
        again = reader.execute(
            "SELECT last_outcome, count(*) FROM police_street GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert again == before
    # Released: the reader's old version and the files only it named go at once.
    assert len(_files(path)) == 1
    assert len(list(tmp_path.glob(".analytics.duckdb.v-*"))) == 1
    # And a writer deletes every file no version needs any longer.
    with open_store(path) as store:
        assert import_police(store, [GOOD]).added == 0  # outcomes back as published
    with open_store(path, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM police_street") == 50
        assert (
            store.execute(
                "SELECT last_outcome, count(*) FROM police_street GROUP BY 1 ORDER BY 1"
            ).fetchall()
            == before
        )
        current = Path(store.scalar("SELECT file FROM police_part")).name
    assert _files(path) == {current}


def test_a_store_file_copied_without_its_folder_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "a" / "analytics.duckdb"
    path.parent.mkdir()
    with open_store(path) as store:
        import_police(store, [GOOD])
    copy = tmp_path / "b" / "analytics.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(path, copy)
    with open_store(copy, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM police_street") == 50
    # Writing to the copy writes its own folder and leaves the original's alone.
    with open_store(copy) as store:
        report = import_police(
            store, [_republished(tmp_path, "Awaiting court outcome")]
        )
        assert report.files[0].updated > 0
    assert len(_files(copy)) == 1 and len(_files(path)) == 1
    with open_store(path, read_only=True) as store:
        assert (
            store.scalar(
                "SELECT count(*) FROM police_street WHERE last_outcome = 'Awaiting court outcome'"
            )
            == 0
        )


def test_setting_a_store_aside_takes_its_records_folder_too(tmp_path: Path) -> None:
    path = tmp_path / "analytics.duckdb"
    with open_store(path) as store:
        import_police(store, [GOOD])
    aside = set_aside_store(path)
    assert not parts_dir(path).exists()
    assert len(list(parts_dir(aside).rglob("*.parquet"))) == 1
    with open_store(path) as store:
        assert import_police(store, [GOOD]).added == 50
