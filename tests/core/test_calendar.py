"""The shared working-day calendar, checked against an independent brute-force count:
walk the days one by one, skipping weekends and a hand-written list of bank holidays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from saferleeds.core.calendar import (
    add_working_days,
    bank_holidays,
    is_working_day,
    working_days_between,
)

D = date

# England and Wales bank holidays, 2025 to 2027, copied by hand from gov.uk/bank-holidays
# (independent of the module's own table).
HOLIDAYS = {
    D(2025, 1, 1), D(2025, 4, 18), D(2025, 4, 21), D(2025, 5, 5), D(2025, 5, 26),
    D(2025, 8, 25), D(2025, 12, 25), D(2025, 12, 26),
    D(2026, 1, 1), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4), D(2026, 5, 25),
    D(2026, 8, 31), D(2026, 12, 25), D(2026, 12, 28),
    D(2027, 1, 1), D(2027, 3, 26), D(2027, 3, 29), D(2027, 5, 3), D(2027, 5, 31),
    D(2027, 8, 30), D(2027, 12, 27), D(2027, 12, 28),
}  # fmt: skip


def brute_force(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``, one day at a time."""
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in HOLIDAYS:
            count += 1
    return sign * count


def test_the_hand_list_matches_the_module() -> None:
    for year in (2025, 2026, 2027):
        assert bank_holidays(year) == {d for d in HOLIDAYS if d.year == year}


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (D(2026, 11, 20), D(2026, 11, 20), 0),  # same day
        (D(2026, 11, 20), D(2026, 11, 21), 0),  # Friday -> Saturday
        (D(2026, 11, 20), D(2026, 11, 23), 1),  # Friday -> Monday
        (D(2026, 11, 16), D(2026, 11, 23), 5),  # Monday -> next Monday
        (D(2026, 11, 23), D(2026, 11, 16), -5),  # backwards
        (D(2026, 12, 23), D(2027, 1, 4), 5),  # Christmas, Boxing Day, New Year
        (D(2025, 4, 17), D(2025, 4, 22), 1),  # Easter: Good Friday and Easter Monday
        (D(2026, 8, 28), D(2026, 9, 1), 1),  # August bank holiday Monday
        (D(2025, 1, 1), D(2025, 12, 31), 253),  # 2025: 261 weekdays less 8
    ],
)
def test_known_dates(start: date, end: date, days: int) -> None:
    assert working_days_between(start, end) == days
    assert brute_force(start, end) == days


def test_agrees_with_brute_force_over_every_start_in_a_year() -> None:
    for offset in range(0, 365 + 366, 3):
        start = D(2025, 1, 1) + timedelta(days=offset)
        for span in (0, 1, 2, 5, 9, 15, 30):
            end = start + timedelta(days=span)
            if end.year > 2027:
                continue
            assert working_days_between(start, end) == brute_force(start, end)
            assert working_days_between(end, start) == brute_force(end, start)


def test_add_working_days_lands_on_a_working_day_and_inverts_the_count() -> None:
    for offset in range(0, 700, 5):
        start = D(2025, 1, 1) + timedelta(days=offset)
        for n in (1, 5, 15, 20):
            due = add_working_days(start, n)
            assert is_working_day(due)
            assert due.weekday() < 5 and due not in HOLIDAYS
            assert brute_force(start, due) == n
            assert brute_force(start, due - timedelta(days=1)) == n - 1
