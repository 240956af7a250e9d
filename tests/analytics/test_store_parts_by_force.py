"""One Parquet file per month and reporting force (issue #17, national scale).

data.police.uk publishes a file per force and month, and a month's archive holds every
force: importing one force's file must not read or rewrite the other forces' records of
that month, or a national month would cost in proportion to the forces already in it.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from saferleeds.analytics.store import (
    LEGACY_PART,
    ROLLUP_ROWS_KEY,
    Store,
    local_police_table,
    open_store,
    parts_dir,
    police_rollup_current,
)
from saferleeds.importers.police import import_police
from tests.conftest import SAMPLES

GOOD = SAMPLES / "good" / "2018-07-sample-street.csv"
WY = "West Yorkshire Police"
NY = "North Yorkshire Police"


def _other_force(tmp: Path) -> Path:
    """The sample month as another force would publish it: its own Crime IDs."""
    out = tmp / "2018-07-north-yorkshire-street.csv"
    with (
        GOOD.open(encoding="utf-8", newline="") as f,
        out.open("w", encoding="utf-8", newline="") as g,
    ):
        rows = list(csv.reader(f))
        w = csv.writer(g)
        w.writerow(rows[0])
        for r in rows[1:]:
            if r[0]:
                r[0] = hashlib.sha256(("ny" + r[0]).encode()).hexdigest()
            r[2] = r[3] = NY
            w.writerow(r)
    return out


def _republished(tmp: Path, outcome: str) -> Path:
    out = tmp / outcome.replace(" ", "-") / GOOD.name
    out.parent.mkdir()
    out.write_text(
        GOOD.read_text(encoding="utf-8").replace(
            "Investigation complete; no suspect identified", outcome
        ),
        encoding="utf-8",
    )
    return out


def _parts(path: Path) -> dict[str, str]:
    with open_store(path, read_only=True) as store:
        return dict(
            store.execute(
                "SELECT reported_by, file FROM police_part ORDER BY 1"
            ).fetchall()
        )


def _rollup_is_exact(path: Path) -> None:
    """The rollup, summed over forces, against a brute-force count of the records."""
    with open_store(path, read_only=True) as store:
        assert police_rollup_current(store.con)
        rolled = store.execute(
            "SELECT month, lsoa_code, crime_type, sum(n)::BIGINT FROM "
            "police_month_rollup GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        counted = store.execute(
            "SELECT month, lsoa_code, crime_type, count(*) FROM police_street "
            "GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    assert rolled == counted


def test_a_second_force_of_a_month_leaves_the_first_forces_file_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "analytics.duckdb"
    other = _other_force(tmp_path)
    with open_store(path) as store:
        assert import_police(store, [GOOD]).added == 50
    first = _parts(path)
    with open_store(path) as store:
        report = import_police(store, [other])
        assert report.added == 50
        # Nothing of the first force was read: it was a fresh (month, force).
        assert store.scalar("SELECT count(*) FROM held") == 0
    both = _parts(path)
    assert set(both) == {WY, NY}
    assert both[WY] == first[WY]  # the same file, not rewritten
    _rollup_is_exact(path)
    # A republished outcome of one force rewrites that force's file only.
    with open_store(path) as store:
        report = import_police(store, [_republished(tmp_path, "Offender fined")])
        assert report.files[0].updated > 0 and report.added == 0
    after = _parts(path)
    assert after[NY] == both[NY] and after[WY] != both[WY]
    _rollup_is_exact(path)
    # Re-importing either adds nothing.
    with open_store(path) as store:
        assert import_police(store, [other]).added == 0
    with open_store(path, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM police_street") == 100
        assert store.execute(
            "SELECT reported_by, count(*) FROM police_street GROUP BY 1 ORDER BY 1"
        ).fetchall() == [(NY, 50), (WY, 50)]


def _make_legacy(store: Store, path: Path) -> None:
    """Turn the store into one written before the split: one file per month holding
    every force, ``police_part`` keyed by month, the rollup without forces."""
    con = store.con
    files = [r[0] for r in con.execute("SELECT origin FROM police_part").fetchall()]
    merged = parts_dir(path) / "2018-07" / "legacy.parquet"
    listed = ", ".join(f"'{f}'" for f in files)
    con.execute(f"COPY (SELECT * FROM read_parquet([{listed}])) TO '{merged}'")
    for f in files:
        Path(f).unlink()
    con.execute("DROP TABLE police_part")
    con.execute(
        "CREATE TABLE police_part (month DATE PRIMARY KEY, file VARCHAR NOT NULL, "
        "origin VARCHAR NOT NULL, rows BIGINT NOT NULL)"
    )
    con.execute(
        "INSERT INTO police_part VALUES (DATE '2018-07-01', ?, ?, 100)",
        ["2018-07/legacy.parquet", str(merged)],
    )
    con.execute("ALTER TABLE police_month_rollup DROP COLUMN reported_by")


def test_a_store_from_before_the_split_reads_and_splits_on_the_next_import(
    tmp_path: Path,
) -> None:
    path = tmp_path / "analytics.duckdb"
    with open_store(path) as store:
        import_police(store, [GOOD, _other_force(tmp_path)])
    with open_store(path) as store:
        _make_legacy(store, path)
    # A reader of the older store sees every record (it cannot change the store).
    with open_store(path, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM police_street") == 100
    # A writer brings the ledger up to date: the file is named as every force's, and
    # the rollup, kept per month only, is forgotten until the next import recounts it.
    with open_store(path) as store:
        assert store.execute(
            "SELECT reported_by, rows FROM police_part"
        ).fetchall() == [(LEGACY_PART, 100)]
        assert (
            store.scalar(
                "SELECT count(*) FROM store_meta WHERE key = ?", [ROLLUP_ROWS_KEY]
            )
            == 0
        )
        assert store.scalar("SELECT count(*) FROM police_street") == 100
    # One force republished: the month's file is split by force, nothing is lost.
    with open_store(path) as store:
        report = import_police(store, [_republished(tmp_path, "Offender fined")])
        assert report.files[0].updated > 0 and report.added == 0
    assert set(_parts(path)) == {WY, NY}
    with open_store(path, read_only=True) as store:
        assert store.execute(
            "SELECT reported_by, count(*), count(*) FILTER "
            "(last_outcome = 'Offender fined') > 0 FROM police_street "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall() == [(NY, 50, False), (WY, 50, True)]
    _rollup_is_exact(path)
    assert not (parts_dir(path) / "2018-07" / "legacy.parquet").exists()


def test_another_forces_rows_written_by_other_means_stay_beside_its_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "analytics.duckdb"
    with open_store(path) as store:
        import_police(store, [_other_force(tmp_path)])
    # A row of the other force's month written by a bare statement, as old stores and
    # tests write them: it sits in the table, beside that force's Parquet file.
    with open_store(path) as store:
        store.execute(
            f"INSERT INTO {local_police_table(store.con)} BY NAME "
            "SELECT * FROM police_street WHERE reported_by = ? LIMIT 1",
            [NY],
        )
    before = _parts(path)
    with open_store(path) as store:
        assert import_police(store, [GOOD]).added == 50
    after = _parts(path)
    assert after[NY] == before[NY]  # neither rewritten nor replaced by the table's row
    with open_store(path, read_only=True) as store:
        assert store.execute(
            "SELECT reported_by, count(*) FROM police_street GROUP BY 1 ORDER BY 1"
        ).fetchall() == [(NY, 51), (WY, 50)]
    _rollup_is_exact(path)
