"""Readers and an import running together (issue #18, item 1).

An import builds the new store version beside the live one and swaps it in when it is
done, so pages never answer 503 while it writes, an import never fails because pages
read, and every reader sees the old month or the new one, never half an import.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from saferleeds.analytics.store import (
    current_file,
    data_version,
    local_police_table,
    open_store,
)
from tests.web.test_analytics_cache import (
    JULY_2017,
    JULY_2018,
    _import,
    data_version_of,
)

MONTHS_SQL = "SELECT string_agg(DISTINCT strftime(month, '%Y-%m'), ',' ORDER BY strftime(month, '%Y-%m')) FROM police_street"


def _read(path: Path) -> tuple[str, str, int]:
    """One reader's view: the data version, the months held and the row count."""
    with open_store(path, read_only=True) as s:
        return (
            data_version(s),
            s.scalar(MONTHS_SQL),
            s.scalar("SELECT count(*) FROM police_street"),
        )


def test_an_import_succeeds_while_a_reader_holds_the_store(tmp_path: Path) -> None:
    path = tmp_path / "analytics.duckdb"
    _import(path, JULY_2017)
    before = _read(path)
    with open_store(path, read_only=True) as reader:
        _import(path, JULY_2018)  # used to fail: the reader held the file
        # The open reader keeps the version it opened, whole.
        assert data_version(reader) == before[0]
        assert reader.scalar(MONTHS_SQL) == "2017-07"
    after = _read(path)
    assert after[1] == "2017-07,2018-07" and after[2] > before[2]
    assert after[0] != before[0]
    # The live file is the new version too (backups and `duckdb` open it by name),
    # and only the current version file is left beside it.
    assert current_file(path) != path
    assert path.samefile(current_file(path))
    assert [f.name for f in tmp_path.glob(".analytics.duckdb.v-*")] == [
        current_file(path).name
    ]


def test_readers_in_threads_see_the_old_month_or_the_new_never_a_partial(
    tmp_path: Path,
) -> None:
    path = tmp_path / "analytics.duckdb"
    _import(path, JULY_2017)
    old = _read(path)
    seen: list[tuple[str, str, int]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def reader() -> None:
        try:
            while not done.is_set():
                seen.append(_read(path))
            seen.append(_read(path))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        _import(path, JULY_2018)
    finally:
        done.set()
        for t in threads:
            t.join(timeout=120)
    assert not errors, errors
    new = _read(path)
    assert new[1] == "2017-07,2018-07"
    assert set(seen) <= {old, new}, set(seen) - {old, new}
    assert new in seen  # each reader's last read came after the swap


def test_a_second_import_waits_for_the_first_and_loses_nothing(
    tmp_path: Path,
) -> None:
    """Two imports at once: one builds while the other waits, then builds on its
    result (never two copies of the old store with the last one winning)."""
    path = tmp_path / "analytics.duckdb"
    _import(path, JULY_2017)
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with open_store(path, wait=120) as store:
                store.execute("CREATE TABLE second_was_here (x INTEGER)")
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    with open_store(path) as store:
        t = threading.Thread(target=second)
        t.start()
        store.execute("CREATE TABLE first_was_here (x INTEGER)")
    t.join(timeout=120)
    assert not errors, errors
    with open_store(path, read_only=True) as s:
        tables = {r[0] for r in s.execute("SHOW TABLES").fetchall()}
    assert {"first_was_here", "second_was_here"} <= tables


def test_a_build_that_cannot_be_finished_leaves_the_live_store_as_it_was(
    tmp_path: Path,
) -> None:
    path = tmp_path / "analytics.duckdb"
    _import(path, JULY_2017)
    before = _read(path)
    with open_store(path) as store:
        # The records are monthly Parquet files named by police_part (issue #17).
        store.execute("DELETE FROM police_part")
        store.con.close()  # the connection dies (a full disk): it cannot checkpoint
    assert _read(path) == before
    assert not list(tmp_path.glob(".analytics.duckdb.build-*"))
    # What a failed block committed is kept, as when writers wrote in place.
    with pytest.raises(RuntimeError), open_store(path) as store:
        # All but the burglaries, rewritten as rows written by other means.
        store.execute(
            f"INSERT INTO {local_police_table(store.con)} SELECT * FROM police_street "
            "WHERE crime_type <> 'Burglary'"
        )
        store.execute("DELETE FROM police_part")
        raise RuntimeError("the import failed after it committed")
    assert 0 < _read(path)[2] < before[2]


@pytest.mark.django_db
def test_the_map_answers_throughout_an_import_old_or_new_never_503(
    client: Client,
    personas: dict[str, Any],
    sign_in: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    path = tmp_path / "analytics.duckdb"
    _import(path, JULY_2017)
    settings.SAFERLEEDS_ANALYTICS_PATH = path
    analyst = sign_in(client, personas["aisha.analyst"])
    writing = threading.Event()
    page_seen = threading.Event()
    errors: list[BaseException] = []

    def importer() -> None:
        try:
            with open_store(path) as store:
                from saferleeds.importers.police import import_police

                assert import_police(store, [JULY_2018]).exit_code == 0
                writing.set()
                # Hold the (finished) import open until a page has been served.
                assert page_seen.wait(timeout=120)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
            writing.set()

    t = threading.Thread(target=importer)
    t.start()
    try:
        versions: dict[str, bool] = {}
        while t.is_alive():
            r = analyst.get("/places/map/")
            assert r.status_code == 200, r.status_code  # used to be 503
            page = r.content.decode()
            new_month = '<option value="2018-07"' in page
            # One version, one content: never the new version with the old months.
            assert versions.setdefault(data_version_of(page), new_month) == new_month
            if writing.is_set():
                assert not new_month  # the import holds the store: the old version
                # Releasing the import lets it swap the new version in at any moment:
                # from here a page may show either, so the loop ends.
                page_seen.set()
                break
    finally:
        page_seen.set()
        t.join(timeout=120)
    assert not errors, errors
    after = analyst.get("/places/map/")
    assert after.status_code == 200
    assert (
        '<option value="2018-07" selected>July 2018</option>' in after.content.decode()
    )
