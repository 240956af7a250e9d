"""The England and Wales working-day calendar: bank holidays, and counting working days.

One calendar for every deadline the system keeps (the ASB Case Review service levels,
the NRM Reasonable Grounds target), so they all agree on what a working day is: Monday
to Friday and not an England and Wales bank holiday.

Plain functions over ``datetime.date``: no Django, no app (an import-linter contract
checks that ``saferleeds.core`` imports no app).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

__all__ = [
    "PROCLAIMED",
    "PUBLISHED_BANK_HOLIDAYS",
    "PUBLISHED_YEARS",
    "add_working_days",
    "bank_holidays",
    "easter_sunday",
    "is_working_day",
    "statutory_bank_holidays",
    "working_days_between",
]

# England and Wales bank holidays as published at https://www.gov.uk/bank-holidays
# (https://www.gov.uk/bank-holidays.json, "england-and-wales"), 2018 to 2027.
PUBLISHED_BANK_HOLIDAYS: frozenset[date] = frozenset(
    date.fromisoformat(d)
    for d in (
        "2018-01-01 2018-03-30 2018-04-02 2018-05-07 2018-05-28 2018-08-27 "
        "2018-12-25 2018-12-26 "
        "2019-01-01 2019-04-19 2019-04-22 2019-05-06 2019-05-27 2019-08-26 "
        "2019-12-25 2019-12-26 "
        "2020-01-01 2020-04-10 2020-04-13 2020-05-08 2020-05-25 2020-08-31 "
        "2020-12-25 2020-12-28 "
        "2021-01-01 2021-04-02 2021-04-05 2021-05-03 2021-05-31 2021-08-30 "
        "2021-12-27 2021-12-28 "
        "2022-01-03 2022-04-15 2022-04-18 2022-05-02 2022-06-02 2022-06-03 "
        "2022-08-29 2022-09-19 2022-12-26 2022-12-27 "
        "2023-01-02 2023-04-07 2023-04-10 2023-05-01 2023-05-08 2023-05-29 "
        "2023-08-28 2023-12-25 2023-12-26 "
        "2024-01-01 2024-03-29 2024-04-01 2024-05-06 2024-05-27 2024-08-26 "
        "2024-12-25 2024-12-26 "
        "2025-01-01 2025-04-18 2025-04-21 2025-05-05 2025-05-26 2025-08-25 "
        "2025-12-25 2025-12-26 "
        "2026-01-01 2026-04-03 2026-04-06 2026-05-04 2026-05-25 2026-08-31 "
        "2026-12-25 2026-12-28 "
        "2027-01-01 2027-03-26 2027-03-29 2027-05-03 2027-05-31 2027-08-30 "
        "2027-12-27 2027-12-28"
    ).split()
)
PUBLISHED_YEARS = range(2018, 2028)

# Royal proclamations that moved or added a day (gov.uk notes on the list above).
PROCLAIMED: dict[int, tuple[frozenset[date], frozenset[date]]] = {
    # year: (days removed from the statutory pattern, days added)
    2020: (frozenset({date(2020, 5, 4)}), frozenset({date(2020, 5, 8)})),  # VE Day 75
    2022: (
        frozenset({date(2022, 5, 30)}),
        # Spring bank holiday moved, Platinum Jubilee, the Queen's state funeral.
        frozenset({date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19)}),
    ),
    2023: (frozenset(), frozenset({date(2023, 5, 8)})),  # the King's coronation
}


def easter_sunday(year: int) -> date:
    """Easter Day in the Gregorian calendar (the anonymous Gregorian algorithm).

    Args:
        year: The year.

    Returns:
        The date of Easter Sunday in ``year``.
    """
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    lv = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * lv) // 451
    month, day = divmod(h + lv - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    d = date(year, month, 1)
    return d + timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    d = date(year, month, calendar.monthrange(year, month)[1])
    return d - timedelta(days=d.weekday())


def statutory_bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in a year by the standing pattern.

    The pattern is the Banking and Financial Dealings Act 1971, Sch. 1, and the annual
    proclamations that keep New Year's Day, Good Friday, the early May bank holiday and
    Christmas Day: a Christmas Day or Boxing Day, or a New Year's Day, falling at a
    weekend gives the next weekday(s) instead.

    Args:
        year: The year.

    Returns:
        The year's bank holidays, without one-off proclamations (``PROCLAIMED``).
    """
    easter = easter_sunday(year)
    days = {
        easter - timedelta(days=2),
        easter + timedelta(days=1),
        _first_monday(year, 5),
        _last_monday(year, 5),
        _last_monday(year, 8),
    }
    new_year = date(year, 1, 1)
    while new_year.weekday() >= 5:
        new_year += timedelta(days=1)
    days.add(new_year)
    christmas, boxing = date(year, 12, 25), date(year, 12, 26)
    if christmas.weekday() == 5:  # Saturday: Monday and Tuesday
        days |= {date(year, 12, 27), date(year, 12, 28)}
    elif christmas.weekday() == 6:  # Sunday: Boxing Day Monday, Christmas Tuesday
        days |= {boxing, date(year, 12, 27)}
    elif christmas.weekday() == 4:  # Friday: Boxing Day on Monday
        days |= {christmas, date(year, 12, 28)}
    else:
        days |= {christmas, boxing}
    return frozenset(days)


def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in a year.

    Years past the published list are projections: a later proclamation (a coronation,
    a jubilee) would not be in them. Update ``PUBLISHED_BANK_HOLIDAYS`` from gov.uk.

    Args:
        year: The year.

    Returns:
        The gov.uk list for 2018 to 2027; for other years the statutory pattern with
        any known proclamations (``PROCLAIMED``) applied.
    """
    if year in PUBLISHED_YEARS:
        return frozenset(d for d in PUBLISHED_BANK_HOLIDAYS if d.year == year)
    removed, added = PROCLAIMED.get(year, (frozenset(), frozenset()))
    return (statutory_bank_holidays(year) - removed) | added


def is_working_day(day: date) -> bool:
    """Whether a day is a working day.

    Args:
        day: The day.

    Returns:
        True for Monday to Friday when not an England and Wales bank holiday.
    """
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The day a number of working days after another.

    ``start`` itself is not counted: a request received on a Friday with 1 working day
    to answer is due on the Monday (the Tuesday if that Monday is a bank holiday).

    Args:
        start: The day counting runs from (a receipt, a referral).
        days: Working days to add; 0 (or fewer) gives ``start`` itself.

    Returns:
        The ``days``-th working day after ``start``.
    """
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Count the working days after ``start`` up to and including ``end``.

    The inverse of ``add_working_days``: a referral made on a Friday has used 1 working
    day on the Monday. Weekends and England and Wales bank holidays are not counted.

    Args:
        start: The day counting runs from (not itself counted).
        end: The last day counted.

    Returns:
        The number of working days, negative (the same count) when ``end`` is before
        ``start``, and 0 when they are the same day.
    """
    if end < start:
        return -working_days_between(end, start)
    return sum(
        1
        for n in range(1, (end - start).days + 1)
        if is_working_day(start + timedelta(days=n))
    )
