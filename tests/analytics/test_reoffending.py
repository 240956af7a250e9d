"""Proven re-offending (issue #14, item 3): the MoJ rules at their boundaries, counts
against a brute-force loop over random data, intervals against SciPy."""

from __future__ import annotations

import calendar
import math
import random
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from scipy.stats import binomtest

from saferleeds.analytics.csvfile import CsvInputError
from saferleeds.analytics.reoffending import (
    INDEX_SCHEMA,
    INDEX_TYPES,
    OFFENCE_SCHEMA,
    Quarter,
    cohort_outcomes,
    compare_groups,
    fisher_exact_p,
    newcombe_interval,
    proven_reoffending,
    read_index_events,
    read_offences,
)
from tests.conftest import PACKAGE

SAMPLES = PACKAGE / "importers" / "offending" / "samples"

Index = tuple[str, date, str]
Offence = tuple[str, date, date | None, str]


# --- an independent implementation: plain loops and the calendar module -----------------


def same_date_months_on(d: date, months: int) -> date:
    """The same calendar date ``months`` on; the month's last day if it has no such."""
    year = d.year + (d.month - 1 + months) // 12
    month = (d.month - 1 + months) % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def brute_force(
    index: list[Index], offences: list[Offence], q: Quarter, people: set[str] | None
) -> dict[str, int]:
    """Person -> proven re-offences, by loops over every row."""
    first: dict[str, tuple[date, int]] = {}
    for person, day, kind in index:
        if not (q.start <= day <= q.end) or (
            people is not None and person not in people
        ):
            continue
        key = (day, INDEX_TYPES.index(kind))
        if person not in first or key < first[person]:
            first[person] = key
    counts = {}
    for person, (day, _) in first.items():
        n = 0
        for who, committed, proven, _disposal in offences:
            if (
                who == person
                and day < committed <= same_date_months_on(day, 12)
                and proven is not None
                and proven <= same_date_months_on(day, 18)
            ):
                n += 1
        counts[person] = n
    return counts


def tables(
    index: Sequence[Index], offences: Sequence[Offence]
) -> tuple[pa.Table, pa.Table]:
    return (
        pa.table(list(zip(*index, strict=True)), schema=INDEX_SCHEMA)
        if index
        else INDEX_SCHEMA.empty_table(),
        pa.table(list(zip(*offences, strict=True)), schema=OFFENCE_SCHEMA)
        if offences
        else OFFENCE_SCHEMA.empty_table(),
    )


def random_data(rng: random.Random, people: int) -> tuple[list[Index], list[Offence]]:
    """Index events over 2017-2019 and offences clustered on the window edges."""
    index: list[Index] = []
    offences: list[Offence] = []
    for i in range(people):
        pid = f"P{i:04d}"
        for _ in range(rng.randint(1, 3)):
            day = date(2017, 10, 1) + timedelta(days=rng.randint(0, 300))
            index.append((pid, day, rng.choice(INDEX_TYPES)))
        anchor = min(d for p, d, _ in index if p == pid)
        for _ in range(rng.randint(0, 6)):
            # around the index date, the end of the follow-up, or anywhere
            base = rng.choice(
                [anchor, same_date_months_on(anchor, 12), anchor + timedelta(200)]
            )
            committed = base + timedelta(days=rng.randint(-3, 3))
            if rng.random() < 0.25:
                offences.append((pid, committed, None, rng.choice(["", "pending"])))
                continue
            edge = same_date_months_on(anchor, 18)
            proven = rng.choice(
                [edge + timedelta(days=rng.randint(-2, 2)), committed + timedelta(30)]
            )
            if proven < committed:
                proven = committed
            offences.append(
                (pid, committed, proven, rng.choice(["custody", "caution"]))
            )
    return index, offences


@pytest.mark.parametrize("seed", range(6))
def test_counts_equal_a_brute_force_loop_on_random_data(seed: int) -> None:
    rng = random.Random(seed)
    index, offences = random_data(rng, 150)
    idx, off = tables(index, offences)
    for q in (Quarter(2017, 4), Quarter(2018, 1), Quarter(2018, 2)):
        for people in (None, {f"P{i:04d}" for i in range(0, 150, 3)}):
            expected = brute_force(index, offences, q, people)
            got = cohort_outcomes(idx, off, q, people=people)
            assert {o.person_id: o.reoffences for o in got} == expected
            result = proven_reoffending(idx, off, q, people=people)
            n, k = len(expected), sum(v > 0 for v in expected.values())
            total = sum(expected.values())
            assert (result.offenders, result.reoffenders, result.reoffences) == (
                n,
                k,
                total,
            )
            assert result.binary_rate == pytest.approx(k / n)
            assert result.frequency == pytest.approx(total / n)
            assert result.frequency_per_reoffender == pytest.approx(total / k)
            ci = binomtest(k, n).proportion_ci(method="wilson")
            assert result.ci_low == pytest.approx(ci.low, abs=1e-12)
            assert result.ci_high == pytest.approx(ci.high, abs=1e-12)


@pytest.mark.parametrize(
    ("k", "n"), [(0, 1), (0, 7), (1, 1), (3, 10), (10, 10), (57, 412)]
)
def test_wilson_interval_equals_scipy(k: int, n: int) -> None:
    index = [(f"P{i}", date(2018, 1, 10), "caution") for i in range(n)]
    offences: list[Offence] = [
        (f"P{i}", date(2018, 2, 1), date(2018, 3, 1), "caution") for i in range(k)
    ]
    result = proven_reoffending(*tables(index, offences), "2018Q1")
    ci = binomtest(k, n).proportion_ci(method="wilson")
    assert (result.ci_low, result.ci_high) == (
        pytest.approx(ci.low, abs=1e-12),
        pytest.approx(ci.high, abs=1e-12),
    )
    assert (result.frequency_per_reoffender is None) == (k == 0)


# --- boundaries ----------------------------------------------------------------------------


def _one(
    index: Sequence[Index], offences: Sequence[Offence], cohort: str = "2018Q1"
) -> int:
    (outcome,) = cohort_outcomes(*tables(index, offences), cohort)
    return outcome.reoffences


def test_offence_on_last_day_of_follow_up_counts_and_the_day_after_does_not() -> None:
    index = [("A", date(2018, 2, 15), "caution")]
    assert _one(index, [("A", date(2019, 2, 15), date(2019, 3, 1), "caution")]) == 1
    assert _one(index, [("A", date(2019, 2, 16), date(2019, 3, 1), "caution")]) == 0


def test_proven_on_last_day_of_waiting_period_counts_and_the_day_after_does_not() -> (
    None
):
    index = [("A", date(2018, 2, 15), "court_non_custodial")]
    assert _one(index, [("A", date(2018, 9, 1), date(2019, 8, 15), "custody")]) == 1
    assert _one(index, [("A", date(2018, 9, 1), date(2019, 8, 16), "custody")]) == 0


def test_offences_before_or_on_the_index_date_are_ignored() -> None:
    index = [("A", date(2018, 2, 15), "custody_release")]
    before = ("A", date(2017, 6, 1), date(2018, 1, 1), "custody")
    on_day = ("A", date(2018, 2, 15), date(2018, 4, 1), "caution")
    after = ("A", date(2018, 2, 16), date(2018, 4, 1), "caution")
    assert _one(index, [before, on_day]) == 0
    assert _one(index, [before, on_day, after]) == 1


def test_two_index_events_in_a_quarter_use_the_first() -> None:
    index = [
        ("A", date(2018, 3, 20), "custody_release"),
        ("A", date(2018, 1, 10), "caution"),
    ]
    # committed after the first index, before the second: counts only from the first
    offences: list[Offence] = [("A", date(2018, 2, 1), date(2018, 3, 1), "caution")]
    (outcome,) = cohort_outcomes(*tables(index, offences), "2018Q1")
    assert (outcome.index_date, outcome.index_type, outcome.reoffences) == (
        date(2018, 1, 10),
        "caution",
        1,
    )
    # the follow-up runs from the first: 10 Jan 2019 is in, 11 Jan 2019 out
    late = [("A", date(2019, 1, 11), date(2019, 2, 1), "caution")]
    assert _one(index, late) == 0
    # an event in the next quarter does not move the index
    index2 = [("B", date(2018, 3, 31), "caution"), ("B", date(2018, 4, 1), "caution")]
    (b,) = cohort_outcomes(*tables(index2, []), "2018Q1")
    assert b.index_date == date(2018, 3, 31)
    # same day: the type first in INDEX_TYPES
    index3 = [
        ("C", date(2018, 2, 1), "caution"),
        ("C", date(2018, 2, 1), "custody_release"),
    ]
    (c,) = cohort_outcomes(*tables(index3, []), "2018Q1")
    assert c.index_type == "custody_release"


def test_29_february_maps_to_28_february() -> None:
    index = [("A", date(2020, 2, 29), "caution")]
    assert (
        _one(index, [("A", date(2021, 2, 28), date(2021, 3, 5), "caution")], "2020Q1")
        == 1
    )
    assert (
        _one(index, [("A", date(2021, 3, 1), date(2021, 3, 5), "caution")], "2020Q1")
        == 0
    )
    # 18 months on from 29 Feb 2020 is 29 Aug 2021
    assert (
        _one(index, [("A", date(2020, 5, 1), date(2021, 8, 29), "caution")], "2020Q1")
        == 1
    )
    assert (
        _one(index, [("A", date(2020, 5, 1), date(2021, 8, 30), "caution")], "2020Q1")
        == 0
    )
    # 31 August + 18 months has no 31st: the last day of February
    aug = [("B", date(2019, 8, 31), "caution")]
    assert (
        _one(aug, [("B", date(2019, 9, 1), date(2021, 2, 28), "caution")], "2019Q3")
        == 1
    )
    assert (
        _one(aug, [("B", date(2019, 9, 1), date(2021, 3, 1), "caution")], "2019Q3") == 0
    )


def test_unproven_offences_do_not_count() -> None:
    index = [("A", date(2018, 2, 15), "caution")]
    assert _one(index, [("A", date(2018, 5, 1), None, "pending")]) == 0


def test_quarter_parsing_and_bounds() -> None:
    assert (Quarter.parse("2018q4").start, Quarter.parse("2018Q4").end) == (
        date(2018, 10, 1),
        date(2018, 12, 31),
    )
    assert Quarter.parse("2020Q1").end == date(2020, 3, 31)
    for bad in ("2018Q5", "2018-01", "Q1 2018", ""):
        with pytest.raises(ValueError, match="YYYYQn"):
            Quarter.parse(bad)


def test_empty_cohort_is_an_error_not_a_rate() -> None:
    index = [("A", date(2018, 2, 15), "caution")]
    with pytest.raises(ValueError, match="nobody has an index event in 2019Q1"):
        proven_reoffending(*tables(index, []), "2019Q1")


def test_follow_up_completeness_flag() -> None:
    index = [("A", date(2018, 2, 15), "caution")]
    short = [("A", date(2018, 5, 1), date(2019, 8, 14), "caution")]
    assert not proven_reoffending(*tables(index, short), "2018Q1").follow_up_complete
    full = [("A", date(2018, 5, 1), date(2019, 8, 15), "caution")]
    assert proven_reoffending(*tables(index, full), "2018Q1").follow_up_complete


# --- groups ----------------------------------------------------------------------------------


def test_newcombe_interval_matches_the_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II example (a):
    # 56/70 - 48/80, method 10 (hybrid score): 0.0524 to 0.3339.
    d, low, high = newcombe_interval(56, 70, 48, 80)
    assert d == pytest.approx(0.2)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2"), [(4, 4, 2, 6), (3, 12, 9, 14), (0, 5, 5, 5)]
)
def test_fisher_exact_equals_a_hypergeometric_sum(
    k1: int, n1: int, k2: int, n2: int
) -> None:
    total_k, n = k1 + k2, n1 + n2

    def pmf(x: int) -> float:
        return math.comb(n1, x) * math.comb(n2, total_k - x) / math.comb(n, total_k)

    observed = pmf(k1)
    support = range(max(0, total_k - n2), min(n1, total_k) + 1)
    expected = sum(pmf(x) for x in support if pmf(x) <= observed * (1 + 1e-7))
    assert fisher_exact_p(k1, n1, k2, n2) == pytest.approx(expected, rel=1e-9)


def test_group_against_the_rest_splits_the_cohort() -> None:
    rng = random.Random(42)
    index, offences = random_data(rng, 120)
    idx, off = tables(index, offences)
    group = {f"P{i:04d}" for i in range(0, 120, 4)}
    cmp = compare_groups(idx, off, "2018Q1", group)
    everyone = brute_force(index, offences, Quarter(2018, 1), None)
    inside = {p: v for p, v in everyone.items() if p in group}
    assert cmp.group.offenders == len(inside)
    assert cmp.rest.offenders == len(everyone) - len(inside)
    assert cmp.group.reoffences + cmp.rest.reoffences == sum(everyone.values())
    assert cmp.difference == pytest.approx(cmp.group.binary_rate - cmp.rest.binary_rate)
    assert cmp.diff_low <= cmp.difference <= cmp.diff_high
    with pytest.raises(ValueError, match="nobody of the group"):
        compare_groups(idx, off, "2018Q1", {"nobody"})


# --- reading the extracts --------------------------------------------------------------------


def test_sample_files_read() -> None:
    idx = read_index_events(SAMPLES / "index-events.csv")
    off = read_offences(SAMPLES / "offences.csv")
    assert idx.num_rows == 13 and off.num_rows == 18
    assert off.column("proven_date").null_count == 4


@pytest.mark.parametrize(
    ("name", "reader", "where"),
    [
        ("bad-index-date.csv", read_index_events, ":3: index_date: '2018-02-30'"),
        ("bad-index-type.csv", read_index_events, ":2: index_type: 'prison'"),
        ("bad-proven-before-offence.csv", read_offences, ":3: proven_date: 2018-05-01"),
    ],
)
def test_bad_samples_name_file_line_and_field(
    name: str, reader: object, where: str
) -> None:
    with pytest.raises(CsvInputError) as info:
        reader(SAMPLES / name)  # type: ignore[operator]
    assert str(info.value).startswith(str(SAMPLES / name) + where)


def test_bad_offence_rows(tmp_path: Path) -> None:
    header = "person_id,offence_date,proven_date,disposal_type\n"
    cases = {
        "P1,2018-01-01,2018-02-01,\n": ":2: disposal_type: '' does not prove",
        "P1,2018-01-01,,caution\n": ":2: proven_date: empty, yet disposal_type is 'caution'",
        "P1,2018-01-01,,arrested\n": ":2: disposal_type: 'arrested' is not one of",
        ",2018-01-01,,\n": ":2: person_id: empty",
        "P1,01/02/2018,,\n": ":2: offence_date: '01/02/2018' is not a date",
        "P1,2018-01-01\n": ":2: 2 values where the header has 4 columns",
    }
    for row, where in cases.items():
        path = tmp_path / "offences.csv"
        path.write_text(header + row, encoding="utf-8")
        with pytest.raises(CsvInputError) as info:
            read_offences(path)
        assert str(info.value).startswith(f"{path}{where}"), str(info.value)
    path = tmp_path / "cols.csv"
    path.write_text("person_id,offence_date\nP1,2018-01-01\n", encoding="utf-8")
    with pytest.raises(
        CsvInputError, match=r":1: missing columns proven_date, disposal_type"
    ):
        read_offences(path)
    path.write_bytes(header.encode() + b"P1,2018-01-01,,\n\xff\xfe,2018-01-01,,\n")
    with pytest.raises(CsvInputError, match=r":3: not UTF-8"):
        read_offences(path)
    path.write_text(header, encoding="utf-8")
    with pytest.raises(
        CsvInputError, match=r":2: the file has a header but no records"
    ):
        read_offences(path)
