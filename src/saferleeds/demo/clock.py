"""The demo's calendar: every casework date is placed relative to the day of the load.

The synthetic partner data (:mod:`saferleeds.demo.generator`) is dated in the
generator's fixed period (2017-2018, the months of the real police.uk data shipped
with the demo, which the analytics store keeps as they are). The workspace's copy of
it is casework, so it is moved forward to end a few weeks before the day the demo is
loaded: incidents by a whole number of weeks (weekdays, and the weekly rhythm of
incidents, stay as generated) and dates of birth by the nearest whole number of years
(day and month stay as recorded, so an agency's day-month swap is still a swap for the
record linkage). People keep their ages at their incidents to within half a year.

Everything else the demo makes (MARAC meetings, referrals, tasks, hate and ASB reports,
IOM reviews, governance) is dated from the same "today", so that a load on any day
tells one story; :func:`DemoCalendar.of` pins it (tests pass a fixed day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

__all__ = ["LAG_DAYS", "PERIOD_END", "DemoCalendar"]

# The generator's last day (``generator.PERIOD_END``; kept here as a date so that the
# calendar needs no numpy).
PERIOD_END = date(2018, 12, 31)
# The partner data ends at least this many days before the load: recent casework, with
# room for the MARAC history's meetings before the demo's current ones.
LAG_DAYS = 35


@dataclass(frozen=True)
class DemoCalendar:
    """Where the demo's generated dates land, for a load on ``today``.

    Attributes:
        today: The day the demo is loaded (every relative date counts from it).
    """

    today: date

    @classmethod
    def of(cls, today: date | None = None) -> DemoCalendar:
        """The calendar of a load on ``today`` (default: the local date now)."""
        return cls(today or timezone.localdate())

    @property
    def shift_days(self) -> int:
        """Whole weeks that move the generator's last day to ``LAG_DAYS`` or more
        before today (negative for a day before 2019, which no demo is loaded on)."""
        gap = (self.today - timedelta(days=LAG_DAYS) - PERIOD_END).days
        return gap // 7 * 7

    @property
    def shift_years(self) -> int:
        """The whole number of years nearest the shift (for dates of birth)."""
        return round(self.shift_days / 365.2425)

    def day(self, generated: date) -> date:
        """A generated event date (an incident, an offence) moved to the load's era."""
        return generated + timedelta(days=self.shift_days)

    def born(self, generated: date) -> date:
        """A generated date of birth moved by whole years (29 February to the 28th)."""
        year = generated.year + self.shift_years
        try:
            return generated.replace(year=year)
        except ValueError:
            return generated.replace(year=year, day=28)

    @property
    def first_day(self) -> date:
        """The first day the moved partner data can hold."""
        return self.day(date(2017, 1, 1))

    @property
    def last_day(self) -> date:
        """The last day the moved partner data can hold."""
        return self.day(PERIOD_END)
