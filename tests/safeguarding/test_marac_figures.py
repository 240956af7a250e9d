"""MARAC figures: the plain function against a brute-force count, and the database
path (referrals made through the actions) against the same count."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest

from saferleeds.marac.figures import (
    ReferralRow,
    is_whole_year,
    marac_figures,
)

AGENCIES = ["Leeds City Council", "West Yorkshire Police", "NHS Leeds CCG"]


def brute(rows: list[ReferralRow], start: date, end: date) -> dict[str, Any]:
    """Count day by day, the slow obvious way."""
    n = repeats = 0
    by: dict[str, int] = {}
    day = start
    while day <= end:
        for r in rows:
            if r.referred_on == day:
                n += 1
                repeats += r.is_repeat
                by[r.agency] = by.get(r.agency, 0) + 1
        day += timedelta(days=1)
    return {"n": n, "repeats": repeats, "by": by}


@pytest.mark.parametrize("seed", range(8))
def test_figures_match_a_brute_force_count(seed: int) -> None:
    rng = random.Random(seed)
    base = date(2023, 1, 1)
    rows = [
        ReferralRow(
            base + timedelta(days=rng.randrange(0, 800)),
            rng.random() < 0.3,
            rng.choice(AGENCIES),
        )
        for _ in range(rng.randrange(0, 300))
    ]
    start = base + timedelta(days=rng.randrange(0, 300))
    end = start + timedelta(days=rng.randrange(0, 500))
    f = marac_figures(rows, start=start, end=end, population=318_000)
    b = brute(rows, start, end)
    assert f.referrals == b["n"] and f.repeats == b["repeats"]
    assert dict(f.by_agency) == b["by"]
    assert [n for _, n in f.by_agency] == sorted(b["by"].values(), reverse=True)
    assert f.repeat_rate == (b["repeats"] / b["n"] if b["n"] else None)
    assert f.per_10k == pytest.approx(b["n"] * 10_000 / 318_000)
    days = (end - start).days + 1
    assert f.days == days
    if f.annualised:
        assert f.per_10k_annual == pytest.approx(f.per_10k * 365.25 / days)


def test_period_ends_are_inclusive_and_a_whole_year_is_not_scaled() -> None:
    rows = [
        ReferralRow(date(2024, 3, 31), False, "A"),
        ReferralRow(date(2024, 4, 1), True, "A"),
        ReferralRow(date(2025, 3, 31), False, "B"),
        ReferralRow(date(2025, 4, 1), False, "B"),
    ]
    f = marac_figures(
        rows, start=date(2024, 4, 1), end=date(2025, 3, 31), population=1_000
    )
    assert (f.referrals, f.repeats, f.repeat_rate) == (2, 1, 0.5)
    assert not f.annualised and f.per_10k_annual == f.per_10k == 20.0
    assert f.by_agency == [("A", 1), ("B", 1)]
    half = marac_figures(
        rows, start=date(2024, 4, 1), end=date(2024, 9, 30), population=1_000
    )
    assert half.annualised and half.days == 183
    assert half.per_10k_annual == pytest.approx(10.0 * 365.25 / 183)


def test_whole_year_edges() -> None:
    assert is_whole_year(date(2024, 1, 1), date(2024, 12, 31))
    assert not is_whole_year(date(2024, 1, 1), date(2024, 12, 30))
    assert not is_whole_year(date(2024, 1, 1), date(2025, 1, 1))
    assert is_whole_year(date(2024, 2, 29), date(2025, 2, 28))


def test_bad_periods_and_populations_are_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        marac_figures([], start=date(2024, 2, 1), end=date(2024, 1, 31), population=1)
    with pytest.raises(ValueError, match="population"):
        marac_figures([], start=date(2024, 1, 1), end=date(2024, 1, 31), population=0)
    empty = marac_figures(
        [], start=date(2024, 1, 1), end=date(2024, 1, 1), population=5
    )
    assert empty.referrals == 0 and empty.repeat_rate is None and empty.days == 1


def test_figures_from_the_database_match_brute_force(personas: dict[str, Any]) -> None:
    from saferleeds.marac.actions import do_refer_to_marac
    from saferleeds.marac.models import MaracReferral
    from saferleeds.marac.queries import figures_for_period, referral_rows
    from tests.safeguarding.test_marac_actions import TODAY, build_marac_world

    w = build_marac_world(personas)
    made: list[ReferralRow] = []
    for n, (who, back) in enumerate(
        [("pete", 400), ("carol", 200), ("pete", 100), ("carol", 10), ("pete", 0)]
    ):
        r = do_refer_to_marac(
            w["case"].pk,
            actor=w[who],
            victim_id=w["vicky"].pk,
            referred_on=TODAY - timedelta(days=back),
            professional_judgement=True,
            reason=f"Referral {n}.",
        )
        made.append(ReferralRow(r.referred_on, r.is_repeat, r.referring_agency.name))
    withdrawn = MaracReferral.objects.order_by("id").last()
    assert withdrawn is not None
    MaracReferral.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    made.pop()
    start, end = TODAY - timedelta(days=365), TODAY
    assert sorted(referral_rows(start, end), key=lambda r: r.referred_on) == sorted(
        [r for r in made if start <= r.referred_on <= end], key=lambda r: r.referred_on
    )
    f = figures_for_period(start, end)
    b = brute(made, start, end)
    assert f.referrals == b["n"] == 3 and dict(f.by_agency) == b["by"]
    assert f.population == 318_000 and "16+" in f.population_source
