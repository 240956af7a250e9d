"""Tests for the synthetic partner-data generator and the ground truth it plants.

Every check reads the written files back and tests them independently of the
generator's own helpers: raw GeoJSON polygons for geography, haversine distances for
near-repeats and hotspots, and a Brandes betweenness written here for the network.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict, deque
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from saferleeds.analytics.police_reference import ASB, CRIME_TYPES
from saferleeds.demo.generator import GenerationReport, generate
from saferleeds.partnership import current

CSV_FILES = (
    "people.csv",
    "offences.csv",
    "da_incidents.csv",
    "hate_reports.csv",
    "asb_complaints.csv",
    "truth/people.csv",
)
EVENT_FILES = (
    "offences.csv",
    "da_incidents.csv",
    "hate_reports.csv",
    "asb_complaints.csv",
)
AGENCIES = {"LCC", "WYP", "WYFRS", "NPS", "CCG"}
EARTH_RADIUS_M = 6_371_008.8
START, END = date(2017, 1, 1), date(2018, 12, 31)


def read(out: Path, name: str) -> list[dict[str, str]]:
    with (out / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_json(out: Path, name: str) -> dict:
    return json.loads((out / name).read_text(encoding="utf-8"))


def haversine(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres (numpy broadcasting)."""
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def day_number(iso: str) -> int:
    return date.fromisoformat(iso).toordinal()


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report = generate(tmp_path_factory.mktemp("seed1"), seed=1, scale=1.0)
    assert isinstance(report, GenerationReport)
    return report.out_dir


@pytest.fixture(scope="module")
def person_of(out: Path) -> dict[str, str]:
    return {r["record_id"]: r["person_id"] for r in read(out, "truth/people.csv")}


@pytest.fixture(scope="module")
def leeds_polygons() -> dict[str, shapely.Geometry]:
    raw = json.loads(current().lsoa_boundaries.read_text(encoding="utf-8"))
    return {f["properties"]["LSOA11CD"]: shape(f["geometry"]) for f in raw["features"]}


# --- determinism and size -------------------------------------------------------------


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(
    out: Path, tmp_path: Path
) -> None:
    first = _files(out)
    again = _files(generate(tmp_path / "again", seed=1, scale=1.0).out_dir)
    other = _files(generate(tmp_path / "other", seed=2, scale=1.0).out_dir)
    assert set(first) == {
        *CSV_FILES,
        "manifest.json",
        "truth/network.json",
        "truth/near_repeat.json",
        "truth/hotspots.json",
    }
    assert again == first
    assert set(other) == set(first)
    for name in (*CSV_FILES, "truth/network.json", "truth/near_repeat.json"):
        assert other[name] != first[name], name


def test_output_does_not_depend_on_the_process_hash_seed(
    out: Path, tmp_path: Path
) -> None:
    # String hashing differs per process; set iteration order must not leak into files.
    target = tmp_path / "subprocess"
    code = (
        "import sys; from pathlib import Path; "
        "from saferleeds.demo.generator import generate; "
        "generate(Path(sys.argv[1]), seed=1, scale=1.0)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(target)], check=True, env=env)
    assert _files(target) == _files(out)


def test_files_are_utf8_with_unix_line_endings_and_manifest(out: Path) -> None:
    manifest = load_json(out, "manifest.json")
    assert manifest["generator"] == "saferleeds.demo.generator"
    assert manifest["version"] == 1
    assert (manifest["seed"], manifest["scale"]) == (1, 1.0)
    assert manifest["period"] == ["2017-01-01", "2018-12-31"]
    for name in CSV_FILES:
        data = (out / name).read_bytes()
        assert b"\r" not in data
        data.decode("utf-8")
        assert manifest["counts"][name] == data.count(b"\n") - 1 == len(read(out, name))


def test_counts_scale_linearly(out: Path, tmp_path: Path) -> None:
    full = load_json(out, "manifest.json")["counts"]
    half = generate(tmp_path / "half", seed=1, scale=0.5).counts
    assert set(half) == set(full)
    for name, n in full.items():
        assert 0.85 * 0.5 <= half[name] / n <= 1.15 * 0.5, (name, half[name], n)
    # The sizes the brief asks for at scale 1.
    assert full["offences.csv"] == 5000
    assert full["da_incidents.csv"] == 800
    assert full["hate_reports.csv"] == 300
    assert full["asb_complaints.csv"] == 1000
    persons = {r["person_id"] for r in read(out, "truth/people.csv")}
    assert 1900 <= len(persons) <= 2100


def test_rejects_non_positive_scale(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, scale=0)


# --- geography and field formats ------------------------------------------------------


def test_every_point_is_inside_the_lsoa_its_row_names(
    out: Path, leeds_polygons: dict[str, shapely.Geometry]
) -> None:
    assert len(leeds_polygons) == 482
    for name in EVENT_FILES:
        by_code: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for r in read(out, name):
            assert re.fullmatch(r"-?\d+\.\d{6}", r["latitude"]), r
            assert re.fullmatch(r"-?\d+\.\d{6}", r["longitude"]), r
            assert r["lsoa_code"] in leeds_polygons, r
            by_code[r["lsoa_code"]].append(
                (float(r["longitude"]), float(r["latitude"]))
            )
        for code, points in by_code.items():
            xy = np.array(points)
            inside = shapely.contains_xy(leeds_polygons[code], xy[:, 0], xy[:, 1])
            assert inside.all(), (name, code, xy[~inside][:3])
    for r in read(out, "people.csv"):
        assert r["lsoa_code"] in leeds_polygons
    for h in load_json(out, "truth/hotspots.json")["hotspots"]:
        polygon = leeds_polygons[h["lsoa_code"]]
        assert polygon.contains(shapely.Point(h["longitude"], h["latitude"]))


def test_event_fields_are_well_formed(out: Path) -> None:
    offence_types = set(CRIME_TYPES) - {ASB}
    offences = read(out, "offences.csv")
    seen_types = Counter(r["crime_type"] for r in offences)
    assert set(seen_types) <= offence_types
    assert len(seen_types) == len(offence_types)
    for name, id_col in (
        ("offences.csv", "offence_id"),
        ("da_incidents.csv", "incident_id"),
        ("hate_reports.csv", "report_id"),
        ("asb_complaints.csv", "complaint_id"),
    ):
        rows = read(out, name)
        assert len({r[id_col] for r in rows}) == len(rows)
        for r in rows:
            assert START <= date.fromisoformat(r["date"]) <= END
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["date"])
    for r in offences:
        for flag in ("alcohol_related", "drug_related", "domestic", "hate"):
            assert r[flag] in ("0", "1")
    unsolved = sum(not r["offender_record_ids"] for r in offences) / len(offences)
    assert 0.5 <= unsolved <= 0.7
    assert (
        sum(r["drug_related"] == "1" for r in offences if r["crime_type"] == "Drugs")
        > 0
    )

    strands = {"disability", "race", "religion", "sexual_orientation", "transgender"}
    for r in read(out, "hate_reports.csv"):
        parts = r["strands"].split(";")
        assert parts and set(parts) <= strands and parts == sorted(set(parts))
        assert r["reported_via"] in {"online", "police", "third_party_centre"}
        assert r["anonymous"] in ("0", "1")
        assert (r["anonymous"] == "1") == (r["victim_record_id"] == "")
    for r in read(out, "asb_complaints.csv"):
        assert r["category"] in {"personal", "nuisance", "environmental"}
        assert r["complainant_record_id"]
    for r in read(out, "da_incidents.csv"):
        assert r["agency"] in AGENCIES
        assert r["victim_record_id"] and r["perpetrator_record_id"]


def _nhs_valid(number: str) -> bool:
    digits = [int(c) for c in number.replace(" ", "")]
    total = sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return len(digits) == 10 and check != 10 and check == digits[9]


def test_people_fields_and_agency_reference_formats(out: Path) -> None:
    people = read(out, "people.csv")
    formats = {
        "WYP": r"WY\d{8}",
        "LCC": r"LCC-\d{6}",
        "NPS": r"X\d{6}",
        "WYFRS": r"FRS\d{7}",
        "CCG": r"999 \d{3} \d{4}",
    }
    refs: Counter[tuple[str, str]] = Counter()
    for r in people:
        assert r["agency"] in AGENCIES
        assert re.fullmatch(formats[r["agency"]], r["agency_ref"]), r
        if r["agency"] == "CCG":
            assert _nhs_valid(r["agency_ref"]), r
        refs[(r["agency"], r["agency_ref"])] += 1
        assert r["sex"] in ("F", "M")
        assert r["first_name"] and r["surname"]
        if r["postcode"]:
            assert re.fullmatch(r"LS([1-9]|1\d|2\d) \d[A-Z]{2}", r["postcode"]), r
        if r["date_of_birth"]:
            assert date.fromisoformat(r["date_of_birth"]) < START
    assert max(refs.values()) == 1
    assert {r["agency"] for r in people} == AGENCIES
    # A diverse name list, including names that need UTF-8.
    assert any(not (r["first_name"] + r["surname"]).isascii() for r in people)
    assert len({r["surname"] for r in people}) > 100


# --- identities -----------------------------------------------------------------------


def test_every_record_has_one_true_person_and_every_reference_exists(
    out: Path, person_of: dict[str, str]
) -> None:
    people = read(out, "people.csv")
    truth = read(out, "truth/people.csv")
    assert len(truth) == len(person_of) == len(people)
    assert {r["record_id"] for r in people} == set(person_of)
    agency_of = {r["record_id"]: r["agency"] for r in people}
    references = [
        ("offences.csv", "offender_record_ids"),
        ("offences.csv", "victim_record_id"),
        ("da_incidents.csv", "victim_record_id"),
        ("da_incidents.csv", "perpetrator_record_id"),
        ("hate_reports.csv", "victim_record_id"),
        ("asb_complaints.csv", "complainant_record_id"),
        ("asb_complaints.csv", "alleged_perpetrator_record_id"),
    ]
    for name, column in references:
        for r in read(out, name):
            for rid in filter(None, r[column].split(";")):
                assert rid in person_of, (name, column, rid)
                # A partner can only cite its own records.
                if name == "offences.csv":
                    assert agency_of[rid] == "WYP"
                if name == "da_incidents.csv":
                    assert agency_of[rid] == r["agency"]
    for r in read(out, "offences.csv"):
        offenders = {
            person_of[x] for x in filter(None, r["offender_record_ids"].split(";"))
        }
        if r["victim_record_id"]:
            assert person_of[r["victim_record_id"]] not in offenders


def test_a_third_of_people_are_known_to_several_agencies_with_differing_records(
    out: Path, person_of: dict[str, str]
) -> None:
    records: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in read(out, "people.csv"):
        records[person_of[r["record_id"]]].append(r)
    for rs in records.values():
        # One record per agency per person.
        assert len({r["agency"] for r in rs}) == len(rs)
        assert len({r["sex"] for r in rs}) == 1
    multi = [rs for rs in records.values() if len(rs) >= 2]
    assert 0.25 <= len(multi) / len(records) <= 0.45
    fields = ("first_name", "surname", "date_of_birth", "postcode")
    differ = [rs for rs in multi if len({tuple(r[f] for f in fields) for r in rs}) > 1]
    assert len(differ) / len(multi) >= 0.8
    # The kinds of error the brief asks for are all present.
    kinds: Counter[str] = Counter()
    for rs in multi:
        a = rs[0]
        for b in rs[1:]:
            if a["first_name"] != b["first_name"]:
                kinds["first_name"] += 1
            if a["surname"] != b["surname"]:
                kinds["surname"] += 1
            if not a["date_of_birth"] or not b["date_of_birth"]:
                kinds["dob_missing"] += 1
            elif a["date_of_birth"] != b["date_of_birth"]:
                y1, m1, d1 = a["date_of_birth"].split("-")
                y2, m2, d2 = b["date_of_birth"].split("-")
                if (y1, m1, d1) == (y2, d2, m2):
                    kinds["dob_swap"] += 1
            if bool(a["postcode"]) != bool(b["postcode"]):
                kinds["postcode_missing"] += 1
            elif a["postcode"] != b["postcode"]:
                kinds["postcode_wrong"] += 1
    for kind in ("first_name", "surname", "dob_missing", "dob_swap", "postcode_wrong"):
        assert kinds[kind] >= 10, kinds
    nicknames = {("William", "Bill"), ("Elizabeth", "Liz"), ("Mohammed", "Muhammad")}
    pairs = {(a["first_name"], b["first_name"]) for rs in multi for a in rs for b in rs}
    assert any(p in pairs for p in nicknames) or len(pairs) > 200


def _ages(out: Path) -> dict[str, float]:
    ages = {}
    for r in read(out, "people.csv"):
        if r["date_of_birth"]:
            ages[r["record_id"]] = (
                START - date.fromisoformat(r["date_of_birth"])
            ).days / 365.25
    return ages


def test_domestic_abuse_victims_and_escalating_pairs(
    out: Path, person_of: dict[str, str]
) -> None:
    sex = {r["record_id"]: r["sex"] for r in read(out, "people.csv")}
    ages = _ages(out)
    incidents = read(out, "da_incidents.csv")
    female_adult = [
        sex[r["victim_record_id"]] == "F" and ages.get(r["victim_record_id"], 99) >= 15
        for r in incidents
    ]
    assert sum(female_adult) / len(incidents) >= 0.8
    pairs: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for r in incidents:
        key = (person_of[r["victim_record_id"]], person_of[r["perpetrator_record_id"]])
        pairs[key].append((day_number(r["date"]), r["agency"]))
    escalating = 0
    for events in pairs.values():
        events.sort()
        for i in range(len(events) - 2):
            window = [e for e in events[i:] if e[0] - events[i][0] <= 365]
            if len(window) >= 3 and len({a for _, a in window}) >= 2:
                escalating += 1
                break
    assert escalating >= 10


def test_asb_repeat_complainants_and_hate_repeat_victims(
    out: Path, person_of: dict[str, str]
) -> None:
    by_complainant: dict[str, list[int]] = defaultdict(list)
    for r in read(out, "asb_complaints.csv"):
        by_complainant[person_of[r["complainant_record_id"]]].append(
            day_number(r["date"])
        )
    repeat = 0
    for days in by_complainant.values():
        days.sort()
        if any(days[i + 2] - days[i] <= 182 for i in range(len(days) - 2)):
            repeat += 1
    assert repeat >= 10
    hate = Counter(
        person_of[r["victim_record_id"]]
        for r in read(out, "hate_reports.csv")
        if r["victim_record_id"]
    )
    assert 3 <= sum(n >= 2 for n in hate.values()) <= 30


# --- near-repeats ---------------------------------------------------------------------


def _knox(
    out: Path, distance_m: float, days: int, permutations: int
) -> tuple[int, list[int]]:
    """Burglary pairs close in space and time, observed and with dates permuted."""
    rows = [r for r in read(out, "offences.csv") if r["crime_type"] == "Burglary"]
    lat = np.array([float(r["latitude"]) for r in rows])
    lon = np.array([float(r["longitude"]) for r in rows])
    t = np.array([day_number(r["date"]) for r in rows])
    dist = haversine(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    i, j = np.nonzero(np.triu(dist <= distance_m, 1))
    observed = int((np.abs(t[i] - t[j]) <= days).sum())
    rng = np.random.default_rng(0)
    permuted = []
    for _ in range(permutations):
        tp = rng.permutation(t)
        permuted.append(int((np.abs(tp[i] - tp[j]) <= days).sum()))
    return observed, permuted


def test_planted_burglary_near_repeats_show_a_knox_excess(out: Path) -> None:
    truth = load_json(out, "truth/near_repeat.json")
    assert (truth["crime_type"], truth["distance_m"], truth["days"]) == (
        "Burglary",
        200,
        14,
    )
    offences = {r["offence_id"]: r for r in read(out, "offences.csv")}
    burglaries = sum(r["crime_type"] == "Burglary" for r in offences.values())
    assert 0.05 * burglaries <= len(truth["pairs"]) <= 0.5 * burglaries
    for parent_id, child_id in truth["pairs"]:
        parent, child = offences[parent_id], offences[child_id]
        assert parent["crime_type"] == child["crime_type"] == "Burglary"
        gap = day_number(child["date"]) - day_number(parent["date"])
        assert 1 <= gap <= 14
        metres = haversine(
            float(parent["latitude"]),
            float(parent["longitude"]),
            float(child["latitude"]),
            float(child["longitude"]),
        )
        assert metres <= 200
    observed, permuted = _knox(out, 200, 14, permutations=20)
    assert observed / np.mean(permuted) > 1.5
    assert observed > max(permuted)


def test_without_near_repeats_burglary_is_space_time_random(tmp_path: Path) -> None:
    # Scale 4 gives enough close pairs (~1,300) for the ratio to be stable.
    null = generate(tmp_path / "null", seed=1, scale=4.0, near_repeat=False).out_dir
    assert load_json(null, "truth/near_repeat.json")["pairs"] == []
    observed, permuted = _knox(null, 200, 14, permutations=50)
    assert 0.8 <= observed / np.mean(permuted) <= 1.25
    assert observed <= max(permuted)


# --- hotspots -------------------------------------------------------------------------


def test_hotspots_are_at_least_five_times_the_district_density(
    out: Path, leeds_polygons: dict[str, shapely.Geometry]
) -> None:
    hotspots = load_json(out, "truth/hotspots.json")["hotspots"]
    assert 4 <= len(hotspots) <= 6
    offences = read(out, "offences.csv")
    lat = np.array([float(r["latitude"]) for r in offences])
    lon = np.array([float(r["longitude"]) for r in offences])
    # District area from the raw polygons in a local equirectangular projection.
    area_m2 = 0.0
    for polygon in leeds_polygons.values():
        x, y = np.asarray(polygon.exterior.coords).T
        k = math.cos(math.radians(y.mean()))
        xm = np.radians(x) * EARTH_RADIUS_M * k
        ym = np.radians(y) * EARTH_RADIUS_M
        area_m2 += 0.5 * abs(np.dot(xm, np.roll(ym, 1)) - np.dot(ym, np.roll(xm, 1)))
    assert 5.0e8 < area_m2 < 6.0e8  # Leeds is about 552 km2
    district_density = len(offences) / area_m2
    for h in hotspots:
        assert h["radius_m"] == 150
        near = haversine(h["latitude"], h["longitude"], lat, lon) <= h["radius_m"]
        assert near.sum() >= h["events"] > 0
        density = near.sum() / (math.pi * h["radius_m"] ** 2)
        assert density >= 5 * district_density, (h, density / district_density)


# --- co-offending network -------------------------------------------------------------


def brandes(adjacency: dict[str, set[str]]) -> dict[str, float]:
    """Betweenness centrality of an unweighted undirected graph (Brandes 2001)."""
    score = dict.fromkeys(adjacency, 0.0)
    for s in adjacency:
        stack: list[str] = []
        preds: dict[str, list[str]] = {v: [] for v in adjacency}
        sigma = dict.fromkeys(adjacency, 0)
        dist = dict.fromkeys(adjacency, -1)
        sigma[s], dist[s] = 1, 0
        queue = deque([s])
        while queue:
            v = queue.popleft()
            stack.append(v)
            for w in adjacency[v]:
                if dist[w] < 0:
                    dist[w] = dist[v] + 1
                    queue.append(w)
                if dist[w] == dist[v] + 1:
                    sigma[w] += sigma[v]
                    preds[w].append(v)
        delta = dict.fromkeys(adjacency, 0.0)
        while stack:
            w = stack.pop()
            for v in preds[w]:
                delta[v] += sigma[v] / sigma[w] * (1 + delta[w])
            if w != s:
                score[w] += delta[w]
    return {v: b / 2 for v, b in score.items()}


def test_brandes_matches_a_known_graph() -> None:
    # A path a-b-c-d: b and c each lie on two shortest paths.
    path = {"a": {"b"}, "b": {"a", "c"}, "c": {"b", "d"}, "d": {"c"}}
    assert brandes(path) == {"a": 0.0, "b": 2.0, "c": 2.0, "d": 0.0}
    star = {"hub": {"x", "y", "z"}, "x": {"hub"}, "y": {"hub"}, "z": {"hub"}}
    assert brandes(star)["hub"] == 3.0


def test_key_players_have_the_highest_co_offending_betweenness(
    out: Path, person_of: dict[str, str]
) -> None:
    truth = load_json(out, "truth/network.json")
    groups = {g["group_id"]: set(g["members"]) for g in truth["groups"]}
    key_players = set(truth["key_players"])
    assert 8 <= len(groups) <= 12
    assert all(4 <= len(m) <= 8 for m in groups.values())
    assert 2 <= len(key_players) <= 5
    members = set().union(*groups.values())
    assert not key_players & members

    adjacency: dict[str, set[str]] = defaultdict(set)
    offences = {r["offence_id"]: r for r in read(out, "offences.csv")}
    for r in offences.values():
        persons = sorted(
            {person_of[x] for x in r["offender_record_ids"].split(";") if x}
        )
        for a in persons:
            for b in persons:
                if a != b:
                    adjacency[a].add(b)
    for oid in truth["co_offending_offences"]:
        offenders = {
            person_of[x] for x in offences[oid]["offender_record_ids"].split(";")
        }
        assert len(offenders) >= 2
        assert offenders <= members | key_players

    betweenness = brandes(dict(adjacency))
    ranked = sorted(betweenness, key=lambda v: (-betweenness[v], v))
    assert set(ranked[: len(key_players)]) == key_players
    # Each key player bridges two or more groups.
    for kp in key_players:
        assert sum(bool(adjacency[kp] & m) for m in groups.values()) >= 2
