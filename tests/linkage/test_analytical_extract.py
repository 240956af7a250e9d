"""The pseudonymised analytical extract keyed by resolved person, and its figures
(issue #13): pseudonyms stable across runs and changed by a key rotation, no
identities in the extract, and the counts checked against a brute-force count.
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from saferleeds.analytics.linkage import PseudonymKey, new_key
from saferleeds.analytics.linkage.extract import (
    Event,
    people_known_to,
    pseudonymised_extract,
    read_extract,
    repeat_victims_across_agencies,
    store_extract,
    write_extract,
)
from saferleeds.audit.models import AuditEntry
from saferleeds.cli.main import app
from saferleeds.incidents.models import Incident, IncidentPerson
from saferleeds.linkage.actions import do_run_linkage
from saferleeds.linkage.models import AgencyRecord
from saferleeds.partners.models import Agency
from tests.linkage.conftest import Population

AGENCIES = ("wyp", "lcc", "ccg", "nps", "wyfrs")
runner = CliRunner()


def _quarter(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _period(d: date, period: str) -> date:
    if period == "month":
        return d.replace(day=1)
    if period == "quarter":
        return _quarter(d)
    return date(d.year, 1, 1)


def brute_known(events: list[Event], agencies: int = 2) -> int:
    held: dict[str, set[str]] = defaultdict(set)
    for e in events:
        if e.kind == "record":
            held[str(e.person_id)].add(e.agency)
    return sum(len(a) >= agencies for a in held.values())


def brute_repeats(events: list[Event], period: str) -> list[tuple[date, int]]:
    by: dict[date, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for e in events:
        if e.kind == "victim":
            by[_period(e.on, period)][str(e.person_id)].append(e.agency)
    return [
        (p, sum(len(a) >= 2 and len(set(a)) >= 2 for a in people.values()))
        for p, people in sorted(by.items())
    ]


def random_events(seed: int) -> list[Event]:
    rng = random.Random(seed)
    events = []
    for person in range(300):
        for _ in range(rng.choice((1, 1, 2, 3))):
            events.append(
                Event(person, "record", rng.choice(AGENCIES), date(2024, 1, 1))
            )
        for _ in range(rng.choice((0, 0, 1, 2, 3, 4))):
            on = date(2023, rng.randint(1, 12), rng.randint(1, 28))
            events.append(Event(person, "victim", rng.choice(AGENCIES[:3]), on))
    return events


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("period", ["month", "quarter", "year"])
def test_figures_equal_a_brute_force_count(seed: int, period: str) -> None:
    events = random_events(seed)
    table = pseudonymised_extract(events, new_key("t1"))
    con = duckdb.connect()
    assert people_known_to(con, table) == brute_known(events)
    assert people_known_to(con, table, agencies=3) == brute_known(events, 3)
    assert repeat_victims_across_agencies(con, table, period=period) == (  # type: ignore[arg-type]
        brute_repeats(events, period)
    )
    # The same figures from the store's table and from a file read back.
    store_extract(con, table)
    assert people_known_to(con) == brute_known(events)


def test_pseudonyms_stable_and_rotated(tmp_path: Path) -> None:
    events = random_events(7)
    key = new_key("k1")
    first = pseudonymised_extract(events, key)
    again = pseudonymised_extract(events, PseudonymKey("k1", key.secret))
    assert first.equals(again)
    rotated = pseudonymised_extract(events, new_key("k2"))
    old = set(first.column("person").to_pylist())
    new = set(rotated.column("person").to_pylist())
    assert len(old) == len(new) == len({e.person_id for e in events})
    assert not old & new
    assert all(p.startswith("k2-") for p in new)
    # The figures do not depend on the key.
    con = duckdb.connect()
    assert people_known_to(con, first) == people_known_to(con, rotated)
    for suffix in ("parquet", "csv"):
        path = tmp_path / f"extract.{suffix}"
        write_extract(first, path)
        assert read_extract(path).equals(first)


def _victim(person_id: int, agency: Agency, on: date, n: int) -> None:
    incident = Incident.objects.create(
        owner_agency=agency, reference=f"X-{agency.code}-{n}", category="crime",
        occurred_on=on,
    )  # fmt: skip
    IncidentPerson.objects.create(incident=incident, person_id=person_id, role="victim")


def _extract(out: Path) -> Any:
    result = runner.invoke(app, ["link", "extract", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.django_db
def test_extract_of_the_workspace(
    population: Population, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    do_run_linkage(actor=None)
    agencies = {a.code: a for a in Agency.objects.all()}
    people = sorted(
        set(
            AgencyRecord.objects.exclude(person=None).values_list(
                "person_id", flat=True
            )
        )
    )
    # Victimisations: some people across two agencies in one quarter, some in one.
    n = 0
    for i, pid in enumerate(people[:30]):
        for code, on in (
            ("wyp", date(2024, 1, 5 + i % 20)),
            ("lcc" if i % 2 else "wyp", date(2024, 2, 3)),
            ("ccg", date(2024, 7 if i % 3 else 4, 1)),
        ):
            n += 1
            _victim(pid, agencies[code], on, n)
    first = tmp_path / "first.csv"
    ran = _extract(first)
    assert "pseudonyms under key k1" in ran.output
    text = first.read_text(encoding="utf-8")
    # No identities: no name, date of birth, postcode, reference or person id.
    for r in AgencyRecord.objects.all():
        for value in (r.forename, r.surname, r.postcode, r.reference):
            assert not value or value not in text, value
        if r.date_of_birth:
            assert r.date_of_birth.isoformat() not in text
    rows = list(csv.DictReader(text.splitlines()))
    assert set(rows[0]) == {"person", "kind", "agency", "month"}
    assert all(row["person"].startswith("k1-") for row in rows)
    assert not {str(p) for p in people} & {row["person"] for row in rows}
    disclosed = AuditEntry.objects.filter(
        event="linkage.person.extract", operation="disclosure"
    )
    assert {int(e.record_id) for e in disclosed} == set(people)

    # Stable across runs.
    second = tmp_path / "second.parquet"
    _extract(second)
    assert sorted(pq.read_table(second).column("person").to_pylist()) == sorted(
        row["person"] for row in rows
    )

    # Brute force from the workspace itself.
    by_person: dict[int, set[str]] = defaultdict(set)
    for pid, code in AgencyRecord.objects.exclude(person=None).values_list(
        "person_id", "agency__code"
    ):
        by_person[pid].add(code)
    known = sum(len(a) >= 2 for a in by_person.values())
    victims: dict[date, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for ip in IncidentPerson.objects.select_related("incident__owner_agency"):
        if ip.person_id in by_person:
            q = _quarter(ip.incident.occurred_on)
            victims[q][ip.person_id].append(ip.incident.owner_agency.code)
    repeats = [
        {
            "period_start": q.isoformat(),
            "people": sum(len(a) >= 2 and len(set(a)) >= 2 for a in ps.values()),
        }
        for q, ps in sorted(victims.items())
    ]
    figures = runner.invoke(app, ["link", "figures", "--format", "json"])
    assert figures.exit_code == 0, figures.output
    body = json.loads(figures.stdout)
    assert body["people_known_to_two_or_more_agencies"] == known > 0
    assert body["repeat_victims_across_agencies"] == repeats
    assert sum(r["people"] for r in repeats) > 0
    from_file = runner.invoke(
        app, ["link", "figures", "--from", str(first), "--format", "json"]
    )
    assert from_file.exit_code == 0, from_file.output
    assert json.loads(from_file.stdout) == body

    # Rotating the key: every pseudonym changes, the figures do not.
    rotated = new_key("k2")
    monkeypatch.setenv("SAFERLEEDS_PSEUDONYM_KEY", rotated.secret.hex())
    monkeypatch.setenv("SAFERLEEDS_PSEUDONYM_KEY_ID", "k2")
    third = tmp_path / "third.csv"
    _extract(third)
    after = {row["person"] for row in csv.DictReader(third.read_text().splitlines())}
    assert all(p.startswith("k2-") for p in after)
    assert not after & {row["person"] for row in rows}
    again = runner.invoke(app, ["link", "figures", "--format", "json"])
    assert json.loads(again.stdout) == body
    assert Counter(row["kind"] for row in rows)["victim"] == n


def test_a_bad_key_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFERLEEDS_PSEUDONYM_KEY", "abcd")
    result = runner.invoke(app, ["link", "extract"])
    assert result.exit_code == 2
    assert (
        "SAFERLEEDS_PSEUDONYM_KEY" in result.stderr and "Traceback" not in result.output
    )
