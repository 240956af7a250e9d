"""The partnership's geography in the operational database and the analytics store."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from saferleeds.config import ConfigError
from saferleeds.partnership import current, load_partnership
from saferleeds.places.actions import do_load_geography
from saferleeds.places.models import Area


@pytest.mark.django_db
def test_load_geography_builds_district_msoas_lsoas_and_neighbourhoods() -> None:
    p = current()
    with p.lsoa_population.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["lad_code"] == "E08000035"]
    total = do_load_geography(p, actor=None)
    msoas = {r["msoa11cd"] for r in rows}
    assert total == 1 + len(msoas) + len(rows) + 33 + 6
    district = Area.objects.get(code="E08000035")
    assert district.population == sum(int(r["usual_residents"]) for r in rows) == 751485
    assert district.lsoas.count() == 482
    assert Area.objects.filter(level=Area.Level.MSOA).count() == len(msoas) == 107
    msoa = Area.objects.get(code="E02002402")
    assert msoa.population == sum(
        int(r["usual_residents"]) for r in rows if r["msoa11cd"] == "E02002402"
    )
    assert set(msoa.lsoas.values_list("parent__code", flat=True)) == {"E02002402"}
    # Wards: the 33 of the shipped best-fit lookup, each the set of its LSOAs.
    with p.ward_lookup.open(encoding="utf-8", newline="") as f:  # type: ignore[union-attr]
        lookup = {r["lsoa11cd"]: r["ward_code"] for r in csv.DictReader(f)}
    wards = Area.objects.filter(level=Area.Level.WARD)
    assert wards.count() == 33
    for ward in wards:
        members = set(ward.lsoas.values_list("code", flat=True))
        assert members == {x for x, w in lookup.items() if w == ward.code}
        assert ward.population == sum(
            int(r["usual_residents"]) for r in rows if r["lsoa11cd"] in members
        )
    assert sum(w.population or 0 for w in wards) == district.population
    hoods = Area.objects.filter(level=Area.Level.NEIGHBOURHOOD)
    assert hoods.count() == 6 and all(h.approximate for h in hoods)
    # Safe to repeat: nothing duplicated.
    assert do_load_geography(p, actor=None) == total


def test_partnership_config_errors_name_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text('[partnership]\nname = "X"\n')
    with pytest.raises(ConfigError, match=r"p\.toml: missing key 'geography'"):
        load_partnership(bad)
    text = (
        Path(current().lsoa_population).parents[1] / "partnerships" / "leeds.toml"
    ).read_text()
    moved = tmp_path / "moved.toml"
    moved.write_text(text)  # relative paths now point nowhere
    with pytest.raises(ConfigError, match="geography.lsoa_population: no file"):
        load_partnership(moved)


def test_neighbourhood_lsoas_are_in_the_district() -> None:
    p = current()
    with p.lsoa_population.open(encoding="utf-8", newline="") as f:
        leeds = {r["lsoa11cd"] for r in csv.DictReader(f)}
    assert len(p.priority_neighbourhoods) == 6
    for n in p.priority_neighbourhoods:
        assert set(n.lsoas) <= leeds, n.name
