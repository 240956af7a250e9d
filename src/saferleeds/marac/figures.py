"""The figures a MARAC coordinator reports, from plain referral rows.

Django-free: the caller reads the referrals (``actions.marac.referral_rows``) and passes
them in, so the arithmetic is tested on its own against a brute-force count.

SafeLives' measures:
    - referrals (cases heard, including repeats) in a period;
    - repeat rate: repeat referrals / all referrals;
    - referrals per 10,000 adult (16+) women a year: SafeLives expects about 40.

Source: SafeLives, "Reviewing your Marac data":
https://safelives.org.uk/resources-for-professionals/marac-resources/reviewing-your-marac-data/
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

EXPECTED_PER_10K = 40
"""SafeLives: about 40 Marac cases a year per 10,000 women aged 16 and over."""

DAYS_PER_YEAR = 365.25
"""Average year length, for annualising a period that is not a whole year."""


@dataclass(frozen=True)
class ReferralRow:
    """One MARAC referral as the figures count it (no personal data).

    Attributes:
        referred_on: The referral's date.
        is_repeat: Whether it was a repeat referral (SafeLives definition).
        agency: The referring agency's name.
    """

    referred_on: date
    is_repeat: bool
    agency: str


@dataclass(frozen=True)
class MaracFigures:
    """A period's MARAC figures.

    Attributes:
        start: First day counted.
        end: Last day counted.
        days: Days in the period, both ends included.
        referrals: Referrals made in the period, repeats included.
        repeats: Of those, repeat referrals.
        repeat_rate: ``repeats / referrals``, or ``None`` when there were none.
        population: Women aged 16 and over in the area.
        population_source: Where the population figure comes from.
        per_10k: Referrals per 10,000 women in the period as it is.
        per_10k_annual: ``per_10k`` scaled to a year (equal to it for a year).
        annualised: Whether the period is not a whole year, so ``per_10k_annual`` is an
            estimate scaled from a part of one.
        by_agency: ``(agency, referrals)`` pairs, most referrals first, then by name.
        expected_per_10k: SafeLives' expectation a year (40).
    """

    start: date
    end: date
    days: int
    referrals: int
    repeats: int
    repeat_rate: float | None
    population: int
    population_source: str
    per_10k: float
    per_10k_annual: float
    annualised: bool
    by_agency: list[tuple[str, int]] = field(default_factory=list)
    expected_per_10k: int = EXPECTED_PER_10K

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dictionary (dates as ISO strings)."""
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "days": self.days,
            "referrals": self.referrals,
            "repeats": self.repeats,
            "repeat_rate": self.repeat_rate,
            "adult_female_population": self.population,
            "population_source": self.population_source,
            "per_10k_women": self.per_10k,
            "per_10k_women_per_year": self.per_10k_annual,
            "annualised": self.annualised,
            "expected_per_10k_per_year": self.expected_per_10k,
            "by_agency": [{"agency": a, "referrals": n} for a, n in self.by_agency],
        }


def is_whole_year(start: date, end: date) -> bool:
    """Whether ``start`` to ``end`` is exactly one year (e.g. 1 April to 31 March)."""
    try:
        next_start = start.replace(year=start.year + 1)
    except ValueError:  # 29 February: a year on is 1 March
        next_start = date(start.year + 1, 3, 1)
    return (next_start - end).days == 1


def marac_figures(
    referrals: Iterable[ReferralRow],
    *,
    start: date,
    end: date,
    population: int,
    population_source: str = "",
) -> MaracFigures:
    """Count the referrals made from ``start`` to ``end`` (both included).

    Args:
        referrals: Referral rows (any dates: those outside the period are ignored).
        start: First day of the period.
        end: Last day of the period.
        population: Women aged 16 and over in the area (must be positive).
        population_source: The population figure's source, shown beside the rate.

    Returns:
        The figures. ``per_10k_annual`` scales the period's rate to a year by
        365.25 / days unless the period is exactly a year.

    Raises:
        ValueError: ``end`` before ``start`` or a population below 1.
    """
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    if population < 1:
        raise ValueError(f"the population must be at least 1, not {population}")
    counted = [r for r in referrals if start <= r.referred_on <= end]
    total = len(counted)
    repeats = sum(1 for r in counted if r.is_repeat)
    days = (end - start).days + 1
    per_10k = total / population * 10_000
    whole = is_whole_year(start, end)
    annual = per_10k if whole else per_10k * DAYS_PER_YEAR / days
    agencies = Counter(r.agency for r in counted)
    return MaracFigures(
        start=start,
        end=end,
        days=days,
        referrals=total,
        repeats=repeats,
        repeat_rate=repeats / total if total else None,
        population=population,
        population_source=population_source,
        per_10k=per_10k,
        per_10k_annual=annual,
        annualised=not whole,
        by_agency=sorted(agencies.items(), key=lambda kv: (-kv[1], kv[0])),
    )
