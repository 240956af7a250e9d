"""First-time entrants (issue #14, item 4): the age boundary at the disposal, birthdays,
first entry only, and rates against a brute-force loop."""

from __future__ import annotations

import calendar
import random
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from saferleeds.analytics.csvfile import CsvInputError
from saferleeds.analytics.fte import (
    DISPOSAL_SCHEMA,
    ENTRY_DISPOSALS,
    OTHER_DISPOSALS,
    Span,
    age_on,
    first_time_entrants,
    read_disposals,
)

Disposal = tuple[str, date, date, str, str]
YEAR_2018 = [Span("2018", date(2018, 1, 1), date(2018, 12, 31))]


def birthday_in(year: int, born: date) -> date:
    """The day a person born on ``born`` turns a year older in ``year``."""
    if born.month == 2 and born.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return date(year, born.month, born.day)


def age_by_counting(born: date, day: date) -> int:
    return sum(birthday_in(y, born) <= day for y in range(born.year + 1, day.year + 1))


def table(rows: list[Disposal]) -> pa.Table:
    if not rows:
        return DISPOSAL_SCHEMA.empty_table()
    return pa.table(list(zip(*rows, strict=True)), schema=DISPOSAL_SCHEMA)


def entrants(rows: list[Disposal], area: str = "E01") -> int:
    (rate,) = first_time_entrants(table(rows), {area: 1000.0}, YEAR_2018)
    return rate.entrants


def test_age_equals_counting_birthdays() -> None:
    rng = random.Random(5)
    days = [
        date(1996, 1, 1) + timedelta(days=rng.randint(0, 9000)) for _ in range(3000)
    ]
    days += [date(2000, 2, 29), date(2004, 2, 29), date(2001, 2, 28), date(2001, 3, 1)]
    for born in days:
        for later in (
            born + timedelta(days=rng.randint(0, 9000)),
            birthday_in(born.year + 17, born),
            birthday_in(born.year + 18, born) - timedelta(days=1),
        ):
            assert age_on(born, later) == age_by_counting(born, later), (born, later)


def test_17_counts_and_18_does_not_on_the_disposal_date() -> None:
    born = date(2000, 6, 15)
    eve = ("A", born, date(2018, 6, 14), "youth_caution", "E01")
    birthday = ("A", born, date(2018, 6, 15), "youth_caution", "E01")
    assert entrants([eve]) == 1  # 17 the day before the 18th birthday
    assert entrants([birthday]) == 0  # 18 on the birthday itself


def test_10_counts_and_9_does_not() -> None:
    born = date(2008, 3, 10)
    assert entrants([("A", born, date(2018, 3, 10), "court_sentence", "E01")]) == 1
    assert entrants([("A", born, date(2018, 3, 9), "court_sentence", "E01")]) == 0


def test_born_on_29_february_turns_18_on_1_march_in_a_common_year() -> None:
    born = date(2000, 2, 29)
    assert entrants([("A", born, date(2018, 2, 28), "youth_caution", "E01")]) == 1
    assert entrants([("A", born, date(2018, 3, 1), "youth_caution", "E01")]) == 0


def test_only_the_first_entry_counts() -> None:
    born = date(2003, 1, 1)
    earlier = ("A", born, date(2017, 5, 1), "youth_caution", "E01")
    later = ("A", born, date(2018, 5, 1), "court_sentence", "E01")
    assert entrants([later]) == 1
    assert entrants([earlier, later]) == 0  # entered in 2017, not 2018
    # a community resolution is not an entry, so the caution after it is the first
    resolution = ("A", born, date(2017, 5, 1), "community_resolution", "E01")
    assert entrants([resolution, later]) == 1
    # a first entry at 18 is not a youth entry, and rules nothing in later either
    adult = ("B", date(1999, 1, 1), date(2018, 2, 1), "caution", "E01")
    assert entrants([adult]) == 0


def brute_force(
    rows: list[Disposal], population: dict[str, float], periods: list[Span]
) -> dict[tuple[str, str], int]:
    counts = {(p.label, a): 0 for p in periods for a in population}
    for person in {r[0] for r in rows}:
        mine = [r for r in rows if r[0] == person and r[3] in ENTRY_DISPOSALS]
        if not mine:
            continue
        first = min(mine, key=lambda r: (r[2], r[4]))
        if not 10 <= age_by_counting(first[1], first[2]) <= 17:
            continue
        for p in periods:
            if p.start <= first[2] <= p.end:
                counts[(p.label, first[4])] += 1
    return counts


@pytest.mark.parametrize("seed", range(4))
def test_rates_equal_a_brute_force_loop(seed: int) -> None:
    rng = random.Random(seed)
    areas = {"E01": 812.0, "E02": 1250.0, "E03": 97.0}
    rows: list[Disposal] = []
    for i in range(400):
        born = date(1998, 1, 1) + timedelta(days=rng.randint(0, 4000))
        for _ in range(rng.randint(1, 3)):
            # disposals clustered around the 10th and 18th birthdays and over 2016-2019
            day = rng.choice(
                [
                    birthday_in(born.year + 18, born)
                    + timedelta(days=rng.randint(-2, 2)),
                    birthday_in(born.year + 10, born)
                    + timedelta(days=rng.randint(-2, 2)),
                    date(2016, 1, 1) + timedelta(days=rng.randint(0, 1460)),
                ]
            )
            if day < born:
                continue
            kind = rng.choice(ENTRY_DISPOSALS + OTHER_DISPOSALS)
            rows.append((f"C{i}", born, day, kind, rng.choice(sorted(areas))))
    periods = [
        Span(str(y), date(y, 1, 1), date(y, 12, 31)) for y in range(2016, 2020)
    ] + [Span("2018Q2", date(2018, 4, 1), date(2018, 6, 30))]
    expected = brute_force(rows, areas, periods)
    got = first_time_entrants(table(rows), areas, periods)
    assert {(r.period, r.area): r.entrants for r in got} == expected
    assert sum(expected.values()) > 20  # the draw has entrants to count
    for r in got:
        assert r.rate == pytest.approx(
            100_000 * expected[(r.period, r.area)] / areas[r.area]
        )


def test_an_entrant_in_an_area_without_population_is_an_error() -> None:
    rows = [("A", date(2004, 1, 1), date(2018, 5, 1), "youth_caution", "E99")]
    with pytest.raises(ValueError, match="no 10-17 population for area E99"):
        first_time_entrants(table(rows), {"E01": 100.0}, YEAR_2018)
    with pytest.raises(ValueError, match="must be positive"):
        first_time_entrants(table(rows), {"E99": 0.0}, YEAR_2018)


def test_read_disposals_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "disposals.csv"
    header = "person_id,date_of_birth,disposal_date,disposal_type,area\n"
    path.write_text(header + "C1,2004-01-01,2018-05-01,youth_caution,E01\n")
    assert read_disposals(path).num_rows == 1
    cases = {
        "C1,2019-01-01,2018-05-01,youth_caution,E01\n": ":2: date_of_birth: 2019-01-01 is after",
        "C1,2004-01-01,2018-05-01,warning,E01\n": ":2: disposal_type: 'warning' is not one of",
        "C1,2004-01-01,2018-05-01,youth_caution,\n": ":2: area: empty",
    }
    for row, where in cases.items():
        path.write_text(header + row)
        with pytest.raises(CsvInputError) as info:
            read_disposals(path)
        assert str(info.value).startswith(f"{path}{where}"), str(info.value)
