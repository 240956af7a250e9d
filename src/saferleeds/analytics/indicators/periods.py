"""Reporting periods made of whole calendar months: month, quarter, financial year,
calendar year, rolling 12 months, or any run of months.

police.uk and most partner extracts resolve time to the month, so every period here is
a closed range of months ``[start, end]``, each month written as its first day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

PeriodKind = str  # "month", "quarter", "financial_year", "calendar_year",
# "rolling_12" or "custom"

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_FY = re.compile(r"^(?:FY)?\s*(\d{4})[/-](\d{2}|\d{4})$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_ROLLING = re.compile(r"^(?:R12|12M)[-:](\d{4}-\d{2})$", re.IGNORECASE)
_RANGE = re.compile(r"^(\d{4}-\d{2})\s*(?:\.\.|to)\s*(\d{4}-\d{2})$")


def month_start(year: int, month: int) -> date:
    """Return the first day of the month, checking the month number."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1-12, not {month}")
    return date(year, month, 1)


def add_months(d: date, n: int) -> date:
    """Return the first day of the month ``n`` months after ``d``'s (negative: before)."""
    i = d.year * 12 + (d.month - 1) + n
    return date(i // 12, i % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Number of months from ``start`` to ``end`` inclusive (0 if ``end`` is earlier)."""
    return max(0, (end.year - start.year) * 12 + end.month - start.month + 1)


def parse_month(text: str) -> date:
    """Parse ``YYYY-MM`` to the month's first day.

    Raises:
        ValueError: If the text is not a month.
    """
    m = _MONTH.match(text.strip())
    if not m:
        raise ValueError(f"not a month YYYY-MM: {text!r}")
    return month_start(int(m.group(1)), int(m.group(2)))


def _fy_label(start_year: int) -> str:
    return f"FY {start_year}/{(start_year + 1) % 100:02d}"


@dataclass(frozen=True)
class Period:
    """A closed run of calendar months.

    Attributes:
        start: First day of the first month.
        end: First day of the last month (inclusive).
        kind: What sort of period it is (see :func:`period_between`).
        label: How people say it: ``2018-07``, ``2018 Q3``, ``FY 2017/18``, ``2018``,
            ``12 months to 2018-07`` or ``2017-07 to 2018-02``.
    """

    start: date
    end: date
    kind: PeriodKind
    label: str

    @property
    def n_months(self) -> int:
        """How many months the period spans."""
        return months_between(self.start, self.end)

    @property
    def months(self) -> list[date]:
        """Every month in the period, in order."""
        return [add_months(self.start, i) for i in range(self.n_months)]

    def shifted(self, months: int) -> Period:
        """The period of the same length ``months`` later (negative: earlier)."""
        return period_between(
            add_months(self.start, months), add_months(self.end, months)
        )

    def previous(self) -> Period:
        """The period of the same length immediately before this one.

        The month before a month, the quarter before a quarter, the financial year
        before a financial year; a rolling 12 months gives the 12 months before it.
        """
        return self.shifted(-self.n_months)

    def year_earlier(self) -> Period:
        """The same months one year earlier (same period last year)."""
        return self.shifted(-12)

    def contains(self, month: date) -> bool:
        """Whether the month (any day of it) falls inside the period."""
        m = date(month.year, month.month, 1)
        return self.start <= m <= self.end

    def __str__(self) -> str:
        return self.label


def period_between(start: date, end: date) -> Period:
    """The period from ``start``'s month to ``end``'s month inclusive, named by shape.

    One month is a ``month``; three months starting January, April, July or October a
    calendar ``quarter``; twelve months starting April a ``financial_year`` (April to
    March, the UK public-sector year); twelve starting January a ``calendar_year``; any
    other twelve a ``rolling_12``; anything else ``custom``.

    Raises:
        ValueError: If ``end`` is before ``start``.
    """
    s = date(start.year, start.month, 1)
    e = date(end.year, end.month, 1)
    n = months_between(s, e)
    if n < 1:
        raise ValueError(f"period ends ({e:%Y-%m}) before it starts ({s:%Y-%m})")
    if n == 1:
        return Period(s, e, "month", f"{s:%Y-%m}")
    if n == 3 and s.month in (1, 4, 7, 10):
        return Period(s, e, "quarter", f"{s.year} Q{(s.month - 1) // 3 + 1}")
    if n == 12 and s.month == 4:
        return Period(s, e, "financial_year", _fy_label(s.year))
    if n == 12 and s.month == 1:
        return Period(s, e, "calendar_year", f"{s.year}")
    if n == 12:
        return Period(s, e, "rolling_12", f"12 months to {e:%Y-%m}")
    return Period(s, e, "custom", f"{s:%Y-%m} to {e:%Y-%m}")


def month_period(year: int, month: int) -> Period:
    """One calendar month."""
    s = month_start(year, month)
    return period_between(s, s)


def quarter(year: int, q: int) -> Period:
    """Calendar quarter ``q`` (1 = January-March) of ``year``."""
    if not 1 <= q <= 4:
        raise ValueError(f"quarter must be 1-4, not {q}")
    s = month_start(year, 3 * q - 2)
    return period_between(s, add_months(s, 2))


def financial_year(start_year: int) -> Period:
    """The financial year April ``start_year`` to March ``start_year + 1``."""
    s = month_start(start_year, 4)
    return period_between(s, add_months(s, 11))


def financial_year_of(month: date) -> Period:
    """The financial year containing ``month`` (January-March belong to the year before)."""
    return financial_year(month.year if month.month >= 4 else month.year - 1)


def calendar_year(year: int) -> Period:
    """January to December of ``year``."""
    return period_between(month_start(year, 1), month_start(year, 12))


def rolling_12(end_month: date) -> Period:
    """The 12 months ending with (and including) ``end_month``.

    A rolling year that happens to be a financial or calendar year is named as one.
    """
    e = date(end_month.year, end_month.month, 1)
    return period_between(add_months(e, -11), e)


def parse_period(text: str) -> Period:
    """Parse a period as people write it.

    Accepts ``2018-07`` (month), ``2018-Q3`` or ``2018Q3`` (calendar quarter),
    ``FY2017/18``, ``2017/18`` or ``2017-2018`` (financial year from April 2017),
    ``2018`` (calendar year), ``R12-2018-07`` or ``12m:2018-07`` (12 months to July
    2018), and ``2017-07..2018-02`` or ``2017-07 to 2018-02`` (any run of months).

    Raises:
        ValueError: If the text is none of these.
    """
    t = text.strip()
    if m := _MONTH.match(t):
        return month_period(int(m.group(1)), int(m.group(2)))
    if m := _QUARTER.match(t):
        return quarter(int(m.group(1)), int(m.group(2)))
    if m := _FY.match(t):
        y = int(m.group(1))
        tail = m.group(2)
        ok = int(tail) == (y + 1 if len(tail) == 4 else (y + 1) % 100)
        if not ok:
            raise ValueError(f"a financial year runs into the next year: {text!r}")
        return financial_year(y)
    if m := _YEAR.match(t):
        return calendar_year(int(m.group(1)))
    if m := _ROLLING.match(t):
        return rolling_12(parse_month(m.group(1)))
    if m := _RANGE.match(t):
        return period_between(parse_month(m.group(1)), parse_month(m.group(2)))
    raise ValueError(
        f"not a period: {text!r} (try 2018-07, 2018-Q3, FY2017/18, 2018, R12-2018-07 "
        "or 2017-07..2018-02)"
    )
