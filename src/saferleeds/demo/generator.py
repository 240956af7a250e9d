"""Deterministic synthetic partner data with planted ground truth.

:func:`generate` writes the extracts five Leeds partners might share for 2017-2018:
the people each agency knows (with the duplicates and data-entry errors real systems
have), police offences, domestic-abuse incidents, hate-incident reports and ASB
complaints. Next to them, ``truth/`` records what was planted: the true person behind
every agency record, a co-offending network and its key players, burglary near-repeats
and offence hotspots. Record linkage, network, near-repeat and hotspot analytics can
then be tested against known answers, and demos get realistic data about nobody real.

Every random draw comes from one ``numpy.random.default_rng(seed)`` stream consumed in
a fixed order, so the same seed and scale give byte-identical files. No Django here:
the CLI, tests and benchmarks call it directly.
"""

from __future__ import annotations

import csv
import json
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from saferleeds.analytics.police_reference import ASB, CRIME_TYPES
from saferleeds.partnership import Partnership, current

VERSION = 1

PERIOD_START = np.datetime64("2017-01-01", "D")
PERIOD_END = np.datetime64("2018-12-31", "D")
PERIOD_DAYS = int((PERIOD_END - PERIOD_START).astype(int)) + 1

# Row counts at scale 1.0; every one scales linearly.
BASE_SIZES = {
    "persons": 2000,
    "offences": 5000,
    "da_incidents": 800,
    "hate_reports": 300,
    "asb_complaints": 1000,
}

AGENCIES: tuple[str, ...] = ("LCC", "WYP", "WYFRS", "NPS", "CCG")
LCC, WYP, WYFRS, NPS, CCG = range(len(AGENCIES))

OFFENCE_TYPES: tuple[str, ...] = tuple(t for t in CRIME_TYPES if t != ASB)
BURGLARY = "Burglary"

# Columns of every CSV written, keyed by path relative to the output folder.
HEADERS: dict[str, tuple[str, ...]] = {
    "people.csv": tuple(
        (
            "record_id agency agency_ref first_name surname date_of_birth sex "
            "postcode lsoa_code address"
        ).split()
    ),
    "offences.csv": tuple(
        (
            "offence_id date crime_type latitude longitude lsoa_code "
            "offender_record_ids victim_record_id alcohol_related drug_related "
            "domestic hate"
        ).split()
    ),
    "da_incidents.csv": tuple(
        (
            "incident_id date agency victim_record_id perpetrator_record_id "
            "latitude longitude lsoa_code alcohol_related drug_related"
        ).split()
    ),
    "hate_reports.csv": tuple(
        (
            "report_id date strands victim_record_id anonymous reported_via "
            "latitude longitude lsoa_code"
        ).split()
    ),
    "asb_complaints.csv": tuple(
        (
            "complaint_id date complainant_record_id alleged_perpetrator_record_id "
            "category latitude longitude lsoa_code"
        ).split()
    ),
    "truth/people.csv": tuple("record_id person_id".split()),
}

NEAR_REPEAT_DISTANCE_M = 200.0
NEAR_REPEAT_DAYS = 14
HOTSPOT_RADIUS_M = 150.0
HOTSPOT_COUNT = 5

HATE_STRANDS: tuple[str, ...] = (
    "disability",
    "race",
    "religion",
    "sexual_orientation",
    "transgender",
)
ASB_CATEGORIES: tuple[str, ...] = ("personal", "nuisance", "environmental")

# Leeds city centre (City Square); postcode districts are numbered outwards from it.
_CITY_CENTRE = (-1.5491, 53.7960)
_POSTCODE_DISTRICTS = 29
_POSTCODE_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # Royal Mail never uses C I K M O V

# Crime mix for offences not otherwise planted: roughly West Yorkshire 2017-18 shares,
# with burglary left out because it is drawn separately for the near-repeat model.
_BACKGROUND_MIX = {
    "Violence and sexual offences": 0.38,
    "Criminal damage and arson": 0.12,
    "Public order": 0.11,
    "Other theft": 0.10,
    "Shoplifting": 0.09,
    "Vehicle crime": 0.09,
    "Drugs": 0.03,
    "Other crime": 0.025,
    "Robbery": 0.013,
    "Possession of weapons": 0.012,
    "Theft from the person": 0.012,
    "Bicycle theft": 0.012,
}
_BURGLARY_SHARE = 0.09
_HOTSPOT_MIX = {
    "Violence and sexual offences": 0.35,
    "Public order": 0.15,
    "Shoplifting": 0.15,
    "Other theft": 0.12,
    "Theft from the person": 0.07,
    "Criminal damage and arson": 0.07,
    "Drugs": 0.06,
    "Robbery": 0.03,
}
_NETWORK_MIX = {
    "Burglary": 0.2,
    "Vehicle crime": 0.2,
    "Robbery": 0.15,
    "Drugs": 0.15,
    "Violence and sexual offences": 0.15,
    "Criminal damage and arson": 0.05,
    "Theft from the person": 0.05,
    "Shoplifting": 0.05,
}
# Per crime type: P(a person victim is recorded), P(alcohol), P(drugs), P(domestic),
# P(hate). Shoplifting and drugs offences have no personal victim.
_OFFENCE_PROFILE: dict[str, tuple[float, float, float, float, float]] = {
    "Bicycle theft": (0.8, 0.02, 0.03, 0.0, 0.0),
    "Burglary": (0.9, 0.03, 0.08, 0.02, 0.005),
    "Criminal damage and arson": (0.7, 0.2, 0.05, 0.1, 0.03),
    "Drugs": (0.0, 0.05, 1.0, 0.0, 0.0),
    "Other crime": (0.5, 0.05, 0.05, 0.03, 0.01),
    "Other theft": (0.6, 0.05, 0.04, 0.01, 0.0),
    "Possession of weapons": (0.0, 0.1, 0.2, 0.0, 0.0),
    "Public order": (0.4, 0.35, 0.05, 0.05, 0.1),
    "Robbery": (0.95, 0.1, 0.15, 0.0, 0.02),
    "Shoplifting": (0.0, 0.05, 0.15, 0.0, 0.0),
    "Theft from the person": (0.95, 0.1, 0.05, 0.0, 0.01),
    "Vehicle crime": (0.85, 0.01, 0.05, 0.0, 0.0),
    "Violence and sexual offences": (0.95, 0.3, 0.06, 0.25, 0.03),
}
# About 60% of police.uk offences end with no suspect identified.
_SUSPECT_RATE = 0.36
_DUO_RATE = 0.08
_PRIORITY_UPLIFT = 3.0
_MULTI_AGENCY_TARGET = 0.35

assert set(_BACKGROUND_MIX) | set(_HOTSPOT_MIX) | set(_NETWORK_MIX) <= set(
    OFFENCE_TYPES
)
assert set(_OFFENCE_PROFILE) == set(OFFENCE_TYPES)


# --- names ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _NameGroup:
    weight: float
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]


def _names(s: str) -> tuple[str, ...]:
    return tuple(s.split())


# Weights loosely follow Leeds' Census 2011 ethnic and national mix.
_NAME_GROUPS: dict[str, _NameGroup] = {
    "english": _NameGroup(
        0.68,
        _names(
            "James John William Thomas Daniel Michael David Robert Christopher Matthew "
            "Jonathan Anthony Joseph Samuel Benjamin Jack Oliver Harry George Liam "
            "Ryan Craig Dean Lee Gary Stephen Paul Mark Andrew Richard Peter Alexander "
            "Nathan Kyle Jordan"
        ),
        _names(
            "Elizabeth Margaret Katherine Rebecca Jennifer Samantha Victoria Sarah "
            "Emma Laura Gemma Claire Amy Hannah Charlotte Jessica Lauren Chloe Olivia "
            "Sophie Lucy Nicola Kerry Donna Susan Patricia Deborah Jacqueline Amanda "
            "Michelle Kirsty Stacey Abigail Danielle"
        ),
        _names(
            "Smith Jones Taylor Brown Wilson Walker Wood Thompson Robinson Wright "
            "White Hall Green Clarke Jackson Harrison Hudson Barker Atkinson Shaw "
            "Holmes Lee Turner Hill Moore Ward Mitchell Thornton Greenwood Ackroyd "
            "Sutcliffe Hargreaves Firth Haigh Pickles Holroyd Brook Booth Marshall "
            "Dawson Lister Kaye Bentley Midgley Jowett"
        ),
    ),
    "irish": _NameGroup(
        0.04,
        _names("Patrick Sean Declan Ciaran Niall Eoin Padraig Conor Michael Brendan"),
        _names("Siobhan Aoife Niamh Roisin Bridget Mary Kathleen Maeve Ciara Orla"),
        _names(
            "Murphy Kelly O'Brien O'Connor Byrne Ryan Walsh Doyle McCarthy Gallagher "
            "O'Neill Quinn Flanagan Brennan Kavanagh"
        ),
    ),
    "polish": _NameGroup(
        0.045,
        _names(
            "Łukasz Piotr Krzysztof Tomasz Paweł Michał Wojciech Marcin Grzegorz Kamil "
            "Jakub Mateusz"
        ),
        _names(
            "Katarzyna Małgorzata Agnieszka Anna Magdalena Joanna Aleksandra Monika "
            "Ewa Karolina"
        ),
        _names(
            "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński "
            "Szymański Woźniak Dąbrowski Kozłowski Mazur Krawczyk"
        ),
    ),
    "pakistani": _NameGroup(
        0.075,
        _names(
            "Mohammed Muhammad Imran Asif Tariq Zubair Adnan Bilal Hamza Usman Kamran "
            "Shahid Nadeem Amir Ibrahim"
        ),
        _names(
            "Ayesha Fatima Nadia Saima Sana Zainab Amina Rubina Shazia Hina Mariam "
            "Nasreen"
        ),
        _names(
            "Khan Hussain Ahmed Ali Iqbal Akhtar Mahmood Shah Rashid Butt Malik Raja "
            "Javed Aslam"
        ),
    ),
    "indian": _NameGroup(
        0.03,
        _names(
            "Rajesh Sanjay Amit Vikram Harpreet Gurpreet Sandeep Arjun Ravi Manjit "
            "Jaswinder Anil"
        ),
        _names("Priya Sunita Anita Kiran Harjit Manpreet Deepa Pooja Neha Simran"),
        _names(
            "Patel Singh Sharma Gill Sandhu Mistry Chauhan Kumar Bains Dhillon Sidhu"
        ),
    ),
    "caribbean": _NameGroup(
        0.03,
        _names("Leon Winston Delroy Marcus Tyrone Jermaine Andre Clive Errol Devon"),
        _names(
            "Marcia Beverley Simone Jasmine Chantelle Shanice Paulette Yvonne Sonia "
            "Keisha"
        ),
        _names(
            "Campbell Brown Williams Francis Thomas Clarke Bailey Grant Reid Henry "
            "Morgan Lewis Johnson Samuels Gayle"
        ),
    ),
    "african": _NameGroup(
        0.03,
        _names(
            "Chukwuemeka Oluwaseun Tunde Emeka Abdi Mohamed Yonas Tesfaye Kwame Kofi"
        ),
        _names("Ngozi Adaeze Folake Amina Hodan Fardowsa Selam Helen Akosua Abena"),
        _names(
            "Okafor Adeyemi Okonkwo Balogun Abdi Farah Warsame Tesfay Haile Mensah "
            "Asante Osei"
        ),
    ),
    "romanian": _NameGroup(
        0.02,
        _names(
            "Andrei Ion Mihai Alexandru Florin Bogdan Gheorghe Cristian Ionuț Marius"
        ),
        _names(
            "Maria Elena Ioana Andreea Mihaela Alina Gabriela Cristina Florentina "
            "Ramona"
        ),
        _names(
            "Popescu Ionescu Popa Dumitru Stan Stoica Constantin Munteanu Gheorghe "
            "Rusu Lungu Moldovan Căldăraru"
        ),
    ),
    "kurdish": _NameGroup(
        0.015,
        _names("Ahmad Karwan Rebwar Hiwa Dilshad Azad Shwan Saman Aram Baran"),
        _names("Shilan Rezan Berivan Nasrin Jwan Avin Dilan Hana Shirin Roj"),
        _names(
            "Ahmadi Karimi Rasul Omar Mohammadi Abdullah Hamad Aziz Salih Mahmoud "
            "Qadir Hassan"
        ),
    ),
    "chinese": _NameGroup(
        0.015,
        _names("Wei Jun Hao Ming Jian Lei"),
        _names("Mei Xiu Yan Ling Hui Jing"),
        _names("Wang Chen Zhang Liu Li Yang Huang Zhao Wu"),
    ),
}
_GROUP_NAMES = tuple(_NAME_GROUPS)

# Informal and transliteration variants a second agency may have recorded.
_NICKNAMES: dict[str, tuple[str, ...]] = {
    "William": ("Bill", "Will", "Billy"),
    "Elizabeth": ("Liz", "Beth", "Lizzie"),
    "Mohammed": ("Muhammad", "Mohammad", "Mohamed"),
    "Muhammad": ("Mohammed", "Mohammad"),
    "Mohamed": ("Mohammed", "Mohamud"),
    "Robert": ("Bob", "Rob", "Bobby"),
    "Margaret": ("Maggie", "Peggy", "Meg"),
    "Katherine": ("Kate", "Kathy", "Katie"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "Thomas": ("Tom", "Tommy"),
    "Daniel": ("Dan", "Danny"),
    "Michael": ("Mike", "Mick"),
    "Christopher": ("Chris",),
    "Matthew": ("Matt",),
    "Jonathan": ("Jon", "Jonny"),
    "Anthony": ("Tony", "Ant"),
    "Joseph": ("Joe",),
    "Samuel": ("Sam",),
    "Benjamin": ("Ben",),
    "Alexander": ("Alex",),
    "Richard": ("Rich", "Dick"),
    "Andrew": ("Andy", "Drew"),
    "Stephen": ("Steve", "Steven"),
    "Peter": ("Pete",),
    "David": ("Dave",),
    "Rebecca": ("Becky", "Becca"),
    "Jennifer": ("Jenny", "Jen"),
    "Samantha": ("Sam", "Sammy"),
    "Victoria": ("Vicky", "Tori"),
    "Jacqueline": ("Jackie",),
    "Deborah": ("Debbie", "Debra"),
    "Patricia": ("Pat", "Trish"),
    "Susan": ("Sue",),
    "Abigail": ("Abbie", "Abby"),
    "Nicola": ("Nicky",),
    "Patrick": ("Paddy", "Pat"),
    "Katarzyna": ("Kasia",),
    "Małgorzata": ("Gosia",),
    "Aleksandra": ("Ola",),
    "Wojciech": ("Wojtek",),
    "Krzysztof": ("Krzysiek",),
    "Alexandru": ("Alex",),
    "Gheorghe": ("George",),
    "Ibrahim": ("Ebrahim",),
    "Ahmad": ("Ahmed",),
    "Chukwuemeka": ("Emeka",),
    "Oluwaseun": ("Seun",),
    "Jaswinder": ("Jas",),
}


def _feminine(surname: str, group: str) -> str:
    # Polish surnames ending -ski/-cki take -ska/-cka for women.
    if group == "polish" and surname.endswith(("ski", "cki", "dzki")):
        return surname[:-1] + "a"
    return surname


def _ascii_fold(s: str) -> str:
    # Many case systems cannot store diacritics; Ł has no decomposition so map it first.
    s = s.replace("Ł", "L").replace("ł", "l")
    return "".join(
        c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)
    )


# --- geography ------------------------------------------------------------------------


def _metres_per_degree(lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # WGS84 series expansions; within 0.01% at Leeds' latitude, plenty for 150-200 m.
    phi = np.radians(lat)
    per_lon = 111412.84 * np.cos(phi) - 93.5 * np.cos(3 * phi)
    per_lat = 111132.92 - 559.82 * np.cos(2 * phi) + 1.175 * np.cos(4 * phi)
    return per_lon, per_lat


class _Geography:
    """The partnership's LSOA polygons with fast point sampling and lookup."""

    def __init__(self, partnership: Partnership) -> None:
        population: dict[str, tuple[float, float]] = {}
        with partnership.lsoa_population.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                if row["lad_code"] != partnership.district_code:
                    continue
                residents = float(row["usual_residents"] or 0)
                density = float(row.get("persons_per_hectare") or 0) or residents
                population[row["lsoa11cd"]] = (residents, density)
        raw = json.loads(partnership.lsoa_boundaries.read_text(encoding="utf-8"))
        features = sorted(
            (
                f
                for f in raw["features"]
                if f["properties"]["LSOA11CD"] in population
                and f["geometry"]["type"] in ("Polygon", "MultiPolygon")
            ),
            key=lambda f: f["properties"]["LSOA11CD"],
        )
        if not features:
            raise ValueError(f"{partnership.lsoa_boundaries}: no LSOAs with population")
        self.codes: tuple[str, ...] = tuple(
            f["properties"]["LSOA11CD"] for f in features
        )
        self.polygons = [shape(f["geometry"]) for f in features]
        for p in self.polygons:
            shapely.prepare(p)
        self.tree = shapely.STRtree(self.polygons)
        self.bounds = shapely.bounds(self.polygons)
        box_area = (self.bounds[:, 2] - self.bounds[:, 0]) * (
            self.bounds[:, 3] - self.bounds[:, 1]
        )
        self.fill = shapely.area(self.polygons) / box_area
        self.residents = np.array([population[c][0] for c in self.codes])
        self.density = np.array([population[c][1] for c in self.codes])
        priority = {c for n in partnership.priority_neighbourhoods for c in n.lsoas}
        self.priority = np.array([c in priority for c in self.codes])
        # Only overlapping polygons (none in the shipped Leeds file) need the slower
        # whole-district check that a sampled point lies in exactly one LSOA.
        left, right = self.tree.query(self.polygons, predicate="overlaps")
        self.overlapping = np.zeros(len(self.codes), dtype=bool)
        self.overlapping[left[left != right]] = True
        centroids = shapely.centroid(self.polygons)
        self.centroid_lon = shapely.get_x(centroids)
        self.centroid_lat = shapely.get_y(centroids)
        self.postcode_district = self._postcode_districts()

    def __len__(self) -> int:
        return len(self.codes)

    def _postcode_districts(self) -> np.ndarray:
        # Synthetic LS1..LS29 districts: farthest-point seeds over LSOA centroids, each
        # LSOA joins its nearest seed, and districts are numbered outwards from the
        # city centre, so LS1 is central as in the real scheme. Seed-independent.
        per_lon, per_lat = _metres_per_degree(np.array([_CITY_CENTRE[1]]))
        x = self.centroid_lon * per_lon[0]
        y = self.centroid_lat * per_lat[0]
        cx, cy = _CITY_CENTRE[0] * per_lon[0], _CITY_CENTRE[1] * per_lat[0]
        k = min(_POSTCODE_DISTRICTS, len(self.codes))
        seeds = [int(np.argmin((x - cx) ** 2 + (y - cy) ** 2))]
        nearest = (x - x[seeds[0]]) ** 2 + (y - y[seeds[0]]) ** 2
        while len(seeds) < k:
            seeds.append(int(np.argmax(nearest)))
            nearest = np.minimum(
                nearest, (x - x[seeds[-1]]) ** 2 + (y - y[seeds[-1]]) ** 2
            )
        sx, sy = x[seeds], y[seeds]
        member = np.argmin((x[:, None] - sx) ** 2 + (y[:, None] - sy) ** 2, axis=1)
        rank = np.argsort(np.argsort((sx - cx) ** 2 + (sy - cy) ** 2, kind="stable"))
        return np.asarray(rank[member] + 1, dtype=np.int64)

    def weights(self, uplift: float) -> np.ndarray:
        """Population weights with priority neighbourhoods multiplied by ``uplift``."""
        w = self.residents * np.where(self.priority, uplift, 1.0)
        return w / w.sum()

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Index of the single LSOA strictly containing each point, else -1."""
        lon = np.asarray(lon, dtype=float)
        out = np.full(lon.shape[0], -1, dtype=np.int64)
        if not lon.shape[0]:
            return out
        points = shapely.points(lon, np.asarray(lat, dtype=float))
        inside, polygon = self.tree.query(points, predicate="within")
        hits = np.bincount(inside, minlength=lon.shape[0])
        single = hits[inside] == 1
        out[inside[single]] = polygon[single]
        return out

    def points_in(
        self, lsoas: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Uniform random points, each strictly inside the LSOA at the same position.

        Coordinates are rounded to the 6 decimals written out before they are tested,
        so the written point is the one known to be inside.
        """
        lsoas = np.asarray(lsoas, dtype=np.int64)
        lon = np.empty(lsoas.shape[0])
        lat = np.empty(lsoas.shape[0])
        order = np.argsort(lsoas, kind="stable")
        unique, starts, counts = np.unique(
            lsoas[order], return_index=True, return_counts=True
        )
        for i, start, m in zip(
            unique.tolist(), starts.tolist(), counts.tolist(), strict=True
        ):
            xs, ys = self._fill(i, m, rng)
            dest = order[start : start + m]
            lon[dest] = xs
            lat[dest] = ys
        return lon, lat

    def _fill(
        self, i: int, m: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        minx, miny, maxx, maxy = self.bounds[i]
        xs: list[np.ndarray] = []
        ys: list[np.ndarray] = []
        have = 0
        while have < m:
            k = int((m - have) / self.fill[i] * 1.25) + 8
            x = np.round(rng.uniform(minx, maxx, k), 6)
            y = np.round(rng.uniform(miny, maxy, k), 6)
            ok = shapely.contains_xy(self.polygons[i], x, y)
            if self.overlapping[i]:
                ok &= self.locate(x, y) == i
            xs.append(x[ok])
            ys.append(y[ok])
            have += int(ok.sum())
        return np.concatenate(xs)[:m], np.concatenate(ys)[:m]

    def points_near(
        self,
        lon0: np.ndarray,
        lat0: np.ndarray,
        r_min: float,
        r_max: float,
        rng: np.random.Generator,
        tries: int = 40,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Uniform points in the annulus ``r_min..r_max`` metres around each centre.

        Returns:
            Longitudes, latitudes and LSOA indices; the index is -1 where no point
            inside the district was found (a centre on the district edge).
        """
        n = len(lon0)
        lon = np.full(n, np.nan)
        lat = np.full(n, np.nan)
        where = np.full(n, -1, dtype=np.int64)
        todo = np.arange(n)
        for _ in range(tries):
            if not todo.size:
                break
            r = np.sqrt(rng.uniform(r_min**2, r_max**2, todo.size))
            theta = rng.uniform(0.0, 2 * math.pi, todo.size)
            per_lon, per_lat = _metres_per_degree(lat0[todo])
            x = np.round(lon0[todo] + r * np.cos(theta) / per_lon, 6)
            y = np.round(lat0[todo] + r * np.sin(theta) / per_lat, 6)
            found = self.locate(x, y)
            ok = found >= 0
            lon[todo[ok]] = x[ok]
            lat[todo[ok]] = y[ok]
            where[todo[ok]] = found[ok]
            todo = todo[~ok]
        return lon, lat, where


# --- people ---------------------------------------------------------------------------


@dataclass
class _People:
    """The true persons: identity, home and which agencies know them."""

    female: np.ndarray
    dob: np.ndarray  # datetime64[D]
    age: np.ndarray  # whole years at the start of the period
    group: list[str]
    first: list[str]
    surname: list[str]
    home_lsoa: np.ndarray
    home_lon: np.ndarray
    home_lat: np.ndarray
    postcode: list[str]
    agencies: np.ndarray  # bool, persons x AGENCIES
    propensity: np.ndarray  # repeat victimisation / offending is heavy-tailed

    def __len__(self) -> int:
        return len(self.first)

    def pool(
        self,
        agency: int,
        mask: np.ndarray | None = None,
        weight: np.ndarray | None = None,
        exclude: Iterable[int] = (),
    ) -> tuple[np.ndarray, np.ndarray]:
        """Persons known to ``agency`` (and in ``mask``) with normalised weights.

        Falls back to everyone in ``mask`` when the agency knows nobody there, so tiny
        scales still work; callers then add the agency to whoever they pick.
        """
        ok = self.agencies[:, agency].copy()
        if mask is not None:
            ok &= mask
        ok[list(exclude)] = False
        if not ok.any():
            ok = np.ones(len(self), dtype=bool) if mask is None else mask.copy()
            ok[list(exclude)] = False
            if not ok.any():
                ok[:] = True
        idx = np.flatnonzero(ok)
        w = self.propensity[idx] if weight is None else weight[idx]
        w = np.asarray(w, dtype=float) + 1e-9
        return idx, w / w.sum()


def _choose(
    rng: np.random.Generator, pool: tuple[np.ndarray, np.ndarray], size: int
) -> np.ndarray:
    idx, p = pool
    if size <= 0:
        return np.empty(0, dtype=np.int64)
    return np.asarray(idx[rng.choice(idx.size, size=size, p=p)], dtype=np.int64)


def _make_people(n: int, geo: _Geography, rng: np.random.Generator) -> _People:
    female = rng.random(n) < 0.51
    bands = np.array([[10, 18], [18, 30], [30, 50], [50, 70], [70, 90]])
    band = rng.choice(len(bands), size=n, p=[0.10, 0.30, 0.34, 0.18, 0.08])
    age_days = rng.integers(bands[band, 0] * 365, bands[band, 1] * 365)
    dob = PERIOD_START - age_days.astype("timedelta64[D]")
    age = (age_days / 365.25).astype(int)

    group_w = np.array([g.weight for g in _NAME_GROUPS.values()])
    group_idx = rng.choice(len(_GROUP_NAMES), size=n, p=group_w / group_w.sum())
    name_u = rng.random((n, 2))
    groups: list[str] = []
    first: list[str] = []
    surname: list[str] = []
    for i in range(n):
        gname = _GROUP_NAMES[group_idx[i]]
        g = _NAME_GROUPS[gname]
        firsts = g.female if female[i] else g.male
        groups.append(gname)
        first.append(firsts[int(name_u[i, 0] * len(firsts))])
        s = g.surnames[int(name_u[i, 1] * len(g.surnames))]
        surname.append(_feminine(s, gname) if female[i] else s)

    # People known to agencies live disproportionately in the priority neighbourhoods.
    home = rng.choice(len(geo), size=n, p=geo.weights(1.5))
    home_lon, home_lat = geo.points_in(home, rng)
    units = rng.integers(0, len(_POSTCODE_UNIT_LETTERS), size=(n, 2))
    postcode = [
        f"LS{geo.postcode_district[h]} {1 + h % 9}"
        f"{_POSTCODE_UNIT_LETTERS[u[0]]}{_POSTCODE_UNIT_LETTERS[u[1]]}"
        for h, u in zip(home.tolist(), units.tolist(), strict=True)
    ]

    # One agency each, and some already known to more; forced additions (offenders
    # under probation, DA cases) and a final top-up bring the share to the target.
    agencies = np.zeros((n, len(AGENCIES)), dtype=bool)
    primary_w = np.array([0.25, 0.45, 0.07, 0.06, 0.17])
    primary = rng.choice(len(AGENCIES), size=n, p=primary_w)
    agencies[np.arange(n), primary] = True
    extra = rng.random(n) < 0.27
    how_many = rng.choice([1, 2, 3], size=n, p=[0.7, 0.22, 0.08])
    for i in np.flatnonzero(extra).tolist():
        _add_agencies(agencies[i], int(how_many[i]), primary_w, rng)
    propensity = rng.gamma(0.8, 1.0, size=n)
    return _People(
        female=female,
        dob=dob,
        age=age,
        group=groups,
        first=first,
        surname=surname,
        home_lsoa=home,
        home_lon=home_lon,
        home_lat=home_lat,
        postcode=postcode,
        agencies=agencies,
        propensity=propensity,
    )


def _add_agencies(
    row: np.ndarray, k: int, weights: np.ndarray, rng: np.random.Generator
) -> None:
    free = np.flatnonzero(~row)
    if not free.size:
        return
    w = weights[free] / weights[free].sum()
    row[rng.choice(free, size=min(k, free.size), replace=False, p=w)] = True


# --- events ---------------------------------------------------------------------------


@dataclass
class _Offence:
    day: int
    crime_type: str
    lon: float
    lat: float
    lsoa: int
    offenders: tuple[int, ...] = ()
    victim: int = -1
    flags: tuple[int, int, int, int] = (0, 0, 0, 0)
    co_offending: bool = False
    follows: int = -1  # index of the parent burglary for a planted near-repeat


@dataclass
class _Network:
    groups: list[list[int]] = field(default_factory=list)
    key_players: list[int] = field(default_factory=list)


def _mix(mix: dict[str, float]) -> tuple[list[str], np.ndarray]:
    names = list(mix)
    w = np.array([mix[t] for t in names])
    return names, w / w.sum()


def _draw_types(mix: dict[str, float], n: int, rng: np.random.Generator) -> list[str]:
    names, w = _mix(mix)
    return [names[i] for i in rng.choice(len(names), size=n, p=w).tolist()]


class _OffenceBuilder:
    """Places offences and attaches suspects, victims and flags to them."""

    def __init__(
        self, people: _People, geo: _Geography, rng: np.random.Generator
    ) -> None:
        self.people = people
        self.geo = geo
        self.rng = rng
        self.weights = geo.weights(_PRIORITY_UPLIFT)
        adult = people.age >= 16
        self.victims = people.pool(
            WYP, weight=people.propensity * np.where(adult, 1.0, 0.3)
        )
        self.domestic_victims = people.pool(
            WYP, mask=adult & people.female, weight=people.propensity
        )
        self.duos: list[tuple[int, int]] = []
        self.solo = people.pool(WYP)

    def set_offenders(self, network_members: set[int]) -> None:
        """Build the solo-offender pool and the fixed duos outside the network.

        Duos always offend together and never with anyone else, so background
        co-offending adds only isolated pairs (betweenness zero) to the graph.
        """
        p = self.people
        w = (
            p.propensity
            * np.where(p.female, 1.0, 3.0)
            * np.where((p.age >= 14) & (p.age <= 40), 2.0, 0.5)
            * np.where(p.agencies[:, NPS], 3.0, 1.0)
        )
        self.solo = p.pool(WYP, mask=p.age >= 12, weight=w)
        n_duos = max(2, round(len(p) * 0.015))
        idx, prob = p.pool(
            WYP, mask=p.age >= 12, weight=w, exclude=sorted(network_members)
        )
        take = min(2 * n_duos, idx.size - idx.size % 2)
        chosen = self.rng.choice(idx, size=take, replace=False, p=prob)
        self.duos = [
            (int(chosen[i]), int(chosen[i + 1])) for i in range(0, take - 1, 2)
        ]

    def place(
        self, types: Sequence[str], days: np.ndarray, lsoas: np.ndarray
    ) -> list[_Offence]:
        lon, lat = self.geo.points_in(lsoas, self.rng)
        return [
            _Offence(int(d), t, float(x), float(y), int(s))
            for d, t, x, y, s in zip(
                days.tolist(),
                types,
                lon.tolist(),
                lat.tolist(),
                lsoas.tolist(),
                strict=True,
            )
        ]

    def random_lsoas(self, n: int) -> np.ndarray:
        return self.rng.choice(len(self.geo), size=n, p=self.weights)

    def attach(self, offences: Sequence[_Offence], suspects: bool = True) -> None:
        """Draw suspects (unless already set), victims and flags, vectorised."""
        n = len(offences)
        if not n:
            return
        rng = self.rng
        u = rng.random((n, 7))
        solo = _choose(rng, self.solo, n)
        duo = rng.integers(0, max(1, len(self.duos)), size=n)
        victim = _choose(rng, self.victims, n)
        victim_alt = _choose(rng, self.victims, n)
        dom_victim = _choose(rng, self.domestic_victims, n)
        for i, o in enumerate(offences):
            vic_p, alc_p, drug_p, dom_p, hate_p = _OFFENCE_PROFILE[o.crime_type]
            if suspects and not o.offenders and u[i, 0] < _SUSPECT_RATE:
                if self.duos and u[i, 1] < _DUO_RATE:
                    o.offenders = self.duos[int(duo[i])]
                else:
                    o.offenders = (int(solo[i]),)
            domestic = int(u[i, 4] < dom_p)
            if u[i, 2] < vic_p:
                v = int(dom_victim[i] if domestic else victim[i])
                if v in o.offenders:
                    v = int(victim_alt[i])
                o.victim = -1 if v in o.offenders else v
            o.flags = (
                int(u[i, 3] < alc_p),
                int(u[i, 5] < drug_p),
                domestic,
                int(u[i, 6] < hate_p),
            )


def _plant_network(b: _OffenceBuilder, scale: float) -> tuple[_Network, list[_Offence]]:
    """Co-offending groups joined only through a ring of key players.

    Each group's internal co-offending is dense and connected; each key player
    co-offends with two or three members of each of its groups and with the next key
    player. Every shortest path between groups runs through the key players, so they
    are the top nodes by betweenness.
    """
    rng, p = b.rng, b.people
    n_groups = max(2, round(10 * scale))
    n_kp = max(1, round(0.3 * n_groups))
    sizes = rng.integers(4, 9, size=n_groups)
    w = (
        p.propensity
        * np.where(p.female, 0.2, 1.0)
        * np.where((p.age >= 14) & (p.age <= 35), 3.0, 0.3)
        + 0.01
    )
    idx, prob = p.pool(WYP, mask=p.age >= 12, weight=w)
    need = int(sizes.sum()) + n_kp
    if idx.size < need:
        idx, prob = np.arange(len(p)), np.full(len(p), 1.0 / len(p))
    chosen = rng.choice(idx, size=min(need, idx.size), replace=False, p=prob).tolist()
    kps = chosen[:n_kp]
    groups: list[list[int]] = []
    at = n_kp
    for s in sizes.tolist():
        groups.append(chosen[at : at + s])
        at += s
    groups = [g for g in groups if len(g) >= 2]
    for person in kps + [m for g in groups for m in g]:
        p.agencies[person, WYP] = True
        # Most of a gang is on probation at some point.
        if rng.random() < 0.6:
            p.agencies[person, NPS] = True

    crews: list[tuple[int, ...]] = []
    bases: list[int] = []
    for g in groups:
        base = int(b.random_lsoas(1)[0])
        order = rng.permutation(g).tolist()
        # A chain first so the group is connected, then random crews of 2-4.
        for a, c in zip(order, order[1:], strict=False):
            crews.append((a, c))
            bases.append(base)
        for _ in range(int(rng.integers(6, 13))):
            k = int(rng.integers(2, min(4, len(g)) + 1))
            crews.append(tuple(rng.choice(g, size=k, replace=False).tolist()))
            bases.append(base)
    group_of_kp = [list(range(i, len(groups), n_kp)) for i in range(n_kp)]
    for kp, mine in zip(kps, group_of_kp, strict=True):
        for gi in mine:
            g = groups[gi]
            partners = rng.choice(
                g, size=min(len(g), int(rng.integers(2, 4))), replace=False
            )
            for partner in partners.tolist():
                for _ in range(int(rng.integers(1, 3))):
                    crews.append((kp, partner))
                    bases.append(-1)
    if n_kp >= 2:
        ring = [(kps[i], kps[(i + 1) % n_kp]) for i in range(n_kp if n_kp > 2 else 1)]
        for a, c in ring:
            for _ in range(int(rng.integers(1, 3))):
                crews.append((a, c))
                bases.append(-1)

    # Crews mostly work their home patch.
    lsoas = np.array(bases, dtype=np.int64)
    roam = (lsoas < 0) | (rng.random(lsoas.size) < 0.3)
    lsoas[roam] = b.random_lsoas(int(roam.sum()))
    offences = b.place(
        _draw_types(_NETWORK_MIX, len(crews), rng),
        rng.integers(0, PERIOD_DAYS, size=len(crews)),
        lsoas,
    )
    for o, crew in zip(offences, crews, strict=True):
        o.offenders = tuple(sorted(set(crew)))
        o.co_offending = True
    b.attach(offences)
    return _Network(groups=groups, key_players=kps), offences


@dataclass(frozen=True)
class _Hotspot:
    lon: float
    lat: float
    lsoa: int
    events: int


def _plant_hotspots(
    b: _OffenceBuilder, scale: float
) -> tuple[list[_Hotspot], list[_Offence]]:
    rng, geo = b.rng, b.geo
    per = max(3, round(50 * scale))
    # Dense inner-city LSOAs, at least 1.5 km apart.
    w = geo.density * np.where(geo.priority, _PRIORITY_UPLIFT, 1.0)
    candidates = rng.choice(
        len(geo), size=min(len(geo), 60), replace=False, p=w / w.sum()
    )
    lon_c, lat_c = geo.points_in(candidates, rng)
    spots: list[tuple[float, float, int]] = []
    for x, y, s in zip(
        lon_c.tolist(), lat_c.tolist(), candidates.tolist(), strict=True
    ):
        per_lon, per_lat = _metres_per_degree(np.array([y]))
        if all(
            math.hypot((x - sx) * per_lon[0], (y - sy) * per_lat[0]) > 1500
            for sx, sy, _ in spots
        ):
            spots.append((x, y, s))
        if len(spots) == HOTSPOT_COUNT:
            break
    hotspots: list[_Hotspot] = []
    offences: list[_Offence] = []
    for x, y, s in spots:
        lon, lat, where = geo.points_near(
            np.full(per, x), np.full(per, y), 0.0, 0.85 * HOTSPOT_RADIUS_M, rng
        )
        ok = where >= 0
        types = _draw_types(_HOTSPOT_MIX, int(ok.sum()), rng)
        days = rng.integers(0, PERIOD_DAYS, size=int(ok.sum()))
        for t, d, ox, oy, ow in zip(
            types,
            days.tolist(),
            lon[ok].tolist(),
            lat[ok].tolist(),
            where[ok].tolist(),
            strict=True,
        ):
            offences.append(_Offence(d, t, ox, oy, ow))
        hotspots.append(_Hotspot(x, y, s, int(ok.sum())))
    b.attach(offences)
    return hotspots, offences


def _near_repeats(
    b: _OffenceBuilder, offences: list[_Offence], parents: Sequence[int]
) -> list[_Offence]:
    """Follow-up burglaries near ``parents`` (indices into ``offences``) soon after."""
    rng = b.rng
    spawn = rng.random(len(parents)) < 0.25
    how_many = np.where(rng.random(len(parents)) < 0.35, 2, 1)
    src = [
        pi
        for pi, s, k in zip(parents, spawn, how_many, strict=True)
        if s
        for _ in range(k)
    ]
    if not src:
        return []
    lag = rng.integers(1, NEAR_REPEAT_DAYS + 1, size=len(src))
    keep_offenders = rng.random(len(src)) < 0.3
    # 10 m minimum: a different dwelling; 90% of the window so rounding and another
    # distance formula cannot push a planted pair out.
    lon, lat, where = b.geo.points_near(
        np.array([offences[i].lon for i in src]),
        np.array([offences[i].lat for i in src]),
        10.0,
        0.9 * NEAR_REPEAT_DISTANCE_M,
        rng,
    )
    out: list[_Offence] = []
    for j, pi in enumerate(src):
        parent = offences[pi]
        day = parent.day + int(lag[j])
        if day >= PERIOD_DAYS or where[j] < 0:
            continue
        o = _Offence(
            day, BURGLARY, float(lon[j]), float(lat[j]), int(where[j]), follows=pi
        )
        if keep_offenders[j] and parent.offenders:
            o.offenders = parent.offenders
            o.co_offending = parent.co_offending
        out.append(o)
    # Suspects come only from the parent: a follow-up is not a fresh draw.
    b.attach(out, suspects=False)
    return out


def _make_offences(
    b: _OffenceBuilder, n_total: int, scale: float, near_repeat: bool
) -> tuple[list[_Offence], _Network, list[_Hotspot]]:
    rng = b.rng
    network, net_offences = _plant_network(b, scale)
    b.set_offenders({m for g in network.groups for m in g} | set(network.key_players))
    hotspots, hot_offences = _plant_hotspots(b, scale)
    n_burglary = max(1, round(n_total * _BURGLARY_SHARE))
    burglaries = b.place(
        [BURGLARY] * n_burglary,
        rng.integers(0, PERIOD_DAYS, size=n_burglary),
        b.random_lsoas(n_burglary),
    )
    b.attach(burglaries)
    offences = net_offences + hot_offences + burglaries
    if near_repeat:
        parents = [i for i, o in enumerate(offences) if o.crime_type == BURGLARY]
        offences += _near_repeats(b, offences, parents)
    n_other = max(0, n_total - len(offences))
    others = b.place(
        _draw_types(_BACKGROUND_MIX, n_other, rng),
        rng.integers(0, PERIOD_DAYS, size=n_other),
        b.random_lsoas(n_other),
    )
    b.attach(others)
    return offences + others, network, hotspots


@dataclass
class _Incident:
    day: int
    agency: int
    victim: int
    perpetrator: int
    lon: float
    lat: float
    lsoa: int
    alcohol: int
    drug: int


def _at_home_or_nearby(
    people: _People,
    geo: _Geography,
    persons: np.ndarray,
    p_home: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The person's home point, or elsewhere in their home LSOA."""
    lsoa = people.home_lsoa[persons]
    lon = people.home_lon[persons].copy()
    lat = people.home_lat[persons].copy()
    away = rng.random(persons.size) >= p_home
    lon[away], lat[away] = geo.points_in(lsoa[away], rng)
    return lon, lat, lsoa


_DA_AGENCY_W = np.array([0.20, 0.55, 0.05, 0.05, 0.15])


def _make_da(
    people: _People, geo: _Geography, n: int, scale: float, rng: np.random.Generator
) -> list[_Incident]:
    """Domestic-abuse incidents; a planted set of pairs escalate across agencies."""
    adult = people.age >= 16
    # Victims are adults of 20 to 81 at the start (so 18 to 85 at every incident even
    # once the demo moves dates of birth by whole years and an agency swaps day and
    # month: MARAC hears adults, and a child's case is a children's services one).
    victim_age = (people.age >= 20) & (people.age <= 81)
    multi = people.agencies.sum(axis=1) >= 2

    # Incidents per pair: escalating pairs have 3-5 within a year, the rest 1 or 2.
    esc_sizes = rng.integers(3, 6, size=max(1, round(25 * scale)))
    esc_sizes = esc_sizes[np.cumsum(esc_sizes) <= n]
    rest = n - int(esc_sizes.sum())
    sizes = np.where(rng.random(rest) < 0.2, 2, 1)
    cut = int(np.searchsorted(np.cumsum(sizes), rest))
    sizes = sizes[: cut + 1] if rest else sizes[:0]
    if sizes.size:
        sizes[-1] -= int(sizes.sum()) - rest
    n_esc = esc_sizes.size
    n_pairs = n_esc + sizes.size
    female = rng.random(n_pairs) < 0.9

    # Victims: distinct people while the pool lasts; escalating victims are known to
    # two or more agencies, so their incidents can come from different ones.
    victims = np.full(n_pairs, -1, dtype=np.int64)
    used = np.zeros(len(people), dtype=bool)
    for escalating in (True, False):
        span = np.arange(n_esc) if escalating else np.arange(n_esc, n_pairs)
        for sex in (True, False):
            slots = span[female[span] == sex]
            if not slots.size:
                continue
            mask = victim_age & (people.female == sex)
            if escalating:
                mask &= multi
            free = mask & ~used
            idx = np.flatnonzero(free if free.sum() >= slots.size else mask)
            if not idx.size:
                idx = np.arange(len(people))
            w = people.propensity[idx] + 1e-9
            take = rng.choice(
                idx, size=slots.size, replace=idx.size < slots.size, p=w / w.sum()
            )
            victims[slots] = take
            used[take] = True

    perp_pools: dict[tuple[bool, int], tuple[np.ndarray, np.ndarray]] = {}

    def perpetrator_for(victim: int, agency: int, u: float) -> int:
        # Mostly men; the reporting agency usually already knows the perpetrator.
        male = bool(people.female[victim]) or u < 0.3
        key = (male, agency)
        if key not in perp_pools:
            perp_pools[key] = people.pool(agency, mask=adult & (people.female != male))
        idx, w = perp_pools[key]
        pick = int(idx[rng.choice(idx.size, p=w)])
        if pick == victim:
            pick = int(idx[(int(np.searchsorted(idx, pick)) + 1) % idx.size])
        return pick

    rows: list[tuple[int, int, int, int, bool]] = []  # day, agency, victim, perp, esc
    u = rng.random((n_pairs, 2))
    for j in range(n_pairs):
        victim = int(victims[j])
        known = np.flatnonzero(people.agencies[victim])
        if j < n_esc:
            k = int(esc_sizes[j])
            agencies = (rng.permutation(known).tolist() * k)[:k]
            start = int(rng.integers(0, PERIOD_DAYS - 365))
            # Gaps shrink towards the end of the year: escalation.
            offsets = np.sort(np.round(330 * np.sqrt(rng.random(k - 1))).astype(int))
            days = [start, *(start + 1 + offsets).tolist()]
        else:
            k = int(sizes[j - n_esc])
            w = _DA_AGENCY_W[known] / _DA_AGENCY_W[known].sum()
            agencies = [int(rng.choice(known, p=w))] * k
            days = np.sort(rng.integers(0, PERIOD_DAYS, size=k)).tolist()
        perp = perpetrator_for(victim, agencies[0], float(u[j, 0]))
        # Every reporting agency records the perpetrator it was told about.
        people.agencies[perp, agencies] = True
        rows += [
            (d, a, victim, perp, j < n_esc) for d, a in zip(days, agencies, strict=True)
        ]

    persons = np.array([r[2] for r in rows], dtype=np.int64)
    lon, lat, lsoa = _at_home_or_nearby(people, geo, persons, 0.75, rng)
    flags = rng.random((len(rows), 2))
    return [
        _Incident(
            day=r[0],
            agency=r[1],
            victim=r[2],
            perpetrator=r[3],
            lon=float(lon[i]),
            lat=float(lat[i]),
            lsoa=int(lsoa[i]),
            alcohol=int(flags[i, 0] < (0.45 if r[4] else 0.3)),
            drug=int(flags[i, 1] < (0.2 if r[4] else 0.12)),
        )
        for i, r in enumerate(rows)
    ]


@dataclass
class _HateReport:
    day: int
    strands: str
    victim: int
    via: str
    lon: float
    lat: float
    lsoa: int


def _make_hate(
    people: _People, geo: _Geography, n: int, scale: float, rng: np.random.Generator
) -> list[_HateReport]:
    """Hate reports; a few planted repeat victims, the rest one report each."""
    known = people.agencies[:, WYP] | people.agencies[:, LCC]
    # Most reports are racially motivated, so victims are mostly minority-ethnic.
    minority = np.array([g not in ("english", "irish") for g in people.group])
    w = people.propensity * np.where(minority, 4.0, 1.0) + 1e-9
    idx = np.flatnonzero(known) if known.any() else np.arange(len(people))
    anonymous = rng.random(n) < 0.2
    named = int((~anonymous).sum())
    n_repeat = min(max(1, round(10 * scale)), named // 3)
    repeat_reports = rng.integers(2, 5, size=n_repeat)
    while repeat_reports.sum() > named and repeat_reports.size:
        repeat_reports = repeat_reports[:-1]
    n_single = named - int(repeat_reports.sum())
    n_people = min(idx.size, n_repeat + n_single)
    chosen = rng.choice(idx, size=n_people, replace=False, p=w[idx] / w[idx].sum())
    victims: list[int] = []
    for v, k in zip(
        chosen[: repeat_reports.size].tolist(), repeat_reports.tolist(), strict=True
    ):
        victims += [v] * k
    singles = chosen[repeat_reports.size :].tolist()
    victims += (singles * (1 + n_single // max(1, len(singles))))[:n_single]
    victims_arr = np.full(n, -1, dtype=np.int64)
    victims_arr[np.flatnonzero(~anonymous)] = rng.permutation(
        np.array(victims, dtype=np.int64)
    )

    primary = ["race", "religion", "sexual_orientation", "disability", "transgender"]
    primary_w = np.array([0.72, 0.08, 0.12, 0.06, 0.02])
    first = rng.choice(len(primary), size=n, p=primary_w)
    second = rng.choice(len(primary), size=n, p=primary_w)
    two = rng.random(n) < 0.12
    via_u = rng.random(n)
    at_home = rng.random(n) < 0.4
    lsoa = np.where(
        (victims_arr >= 0) & at_home,
        people.home_lsoa[np.maximum(victims_arr, 0)],
        rng.choice(len(geo), size=n, p=geo.weights(_PRIORITY_UPLIFT)),
    )
    lon, lat = geo.points_in(lsoa, rng)
    days = rng.integers(0, PERIOD_DAYS, size=n)
    out: list[_HateReport] = []
    for i in range(n):
        strands = {primary[first[i]]}
        if two[i]:
            strands.add(primary[second[i]])
        v = int(victims_arr[i])
        # The channel must be one whose agency holds the victim's record: police and
        # online (True Vision) reach WYP, third-party centres are council-run.
        if v < 0:
            via = (
                "online"
                if via_u[i] < 0.45
                else "third_party_centre"
                if via_u[i] < 0.9
                else "police"
            )
        else:
            options = []
            if people.agencies[v, WYP]:
                options += ["police", "police", "online"]
            if people.agencies[v, LCC]:
                options += ["third_party_centre", "third_party_centre"]
            if not options:
                people.agencies[v, WYP] = True
                options = ["police"]
            via = options[int(via_u[i] * len(options))]
        out.append(
            _HateReport(
                int(days[i]),
                ";".join(sorted(strands)),
                v,
                via,
                float(lon[i]),
                float(lat[i]),
                int(lsoa[i]),
            )
        )
    return out


@dataclass
class _Complaint:
    day: int
    complainant: int
    perpetrator: int
    category: str
    lon: float
    lat: float
    lsoa: int


def _make_asb(
    people: _People, geo: _Geography, n: int, scale: float, rng: np.random.Generator
) -> list[_Complaint]:
    """ASB complaints to the council; planted repeat complainants (3+ in 6 months)."""
    pool = people.pool(LCC, mask=people.age >= 16)
    lcc = np.flatnonzero(people.agencies[:, LCC])
    by_lsoa: dict[int, list[int]] = {}
    for i in lcc.tolist():
        by_lsoa.setdefault(int(people.home_lsoa[i]), []).append(i)
    cat_w = np.array([0.3, 0.55, 0.15])

    def neighbour(complainant: int) -> int:
        # Neighbour disputes dominate: prefer someone from the complainant's LSOA.
        near = [
            i
            for i in by_lsoa.get(int(people.home_lsoa[complainant]), [])
            if i != complainant
        ]
        if near and rng.random() < 0.7:
            return near[int(rng.integers(len(near)))]
        other = int(_choose(rng, pool, 1)[0])
        return -1 if other == complainant else other

    rows: list[tuple[int, int, int, str]] = []
    n_repeat = max(1, round(20 * scale))
    for c in _choose(rng, pool, n_repeat).tolist():
        k = int(rng.integers(3, 7))
        if len(rows) + k > n:
            break
        start = int(rng.integers(0, PERIOD_DAYS - 180))
        days = [start] + (start + np.sort(rng.integers(1, 171, size=k - 1))).tolist()
        perp = neighbour(c)
        category = ASB_CATEGORIES[int(rng.choice(3, p=cat_w))]
        rows += [(d, c, perp, category) for d in days]
    rest = n - len(rows)
    complainants = _choose(rng, pool, rest)
    days = rng.integers(0, PERIOD_DAYS, size=rest)
    cats = rng.choice(3, size=rest, p=cat_w)
    known = rng.random(rest)
    for c, d, cat, k in zip(
        complainants.tolist(), days.tolist(), cats.tolist(), known.tolist(), strict=True
    ):
        category = ASB_CATEGORIES[cat]
        unknown_p = 0.5 if category == "environmental" else 0.15
        rows.append((d, c, neighbour(c) if k >= unknown_p else -1, category))
    persons = np.array([r[1] for r in rows], dtype=np.int64)
    lon, lat, lsoa = _at_home_or_nearby(people, geo, persons, 0.6, rng)
    return [
        _Complaint(r[0], r[1], r[2], r[3], float(lon[i]), float(lat[i]), int(lsoa[i]))
        for i, r in enumerate(rows)
    ]


# --- agency records -------------------------------------------------------------------


_ERRORS = (
    ("typo", 0.30),
    ("nickname", 0.15),
    ("dob_swap", 0.12),
    ("dob_missing", 0.08),
    ("postcode_missing", 0.12),
    ("postcode_wrong", 0.13),
    ("surname_change", 0.05),
    ("ascii", 0.05),
)
_ERROR_NAMES = [e[0] for e in _ERRORS]
_ERROR_W = np.array([e[1] for e in _ERRORS]) / sum(e[1] for e in _ERRORS)


def _typo(name: str, rng: np.random.Generator) -> str:
    # The first letter is kept: clerks rarely get it wrong and blocking relies on it.
    for _ in range(10):
        chars = list(name)
        kind = int(rng.integers(3))
        if kind == 0 and len(chars) >= 3:
            i = int(rng.integers(1, len(chars) - 1))
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif kind == 1 and len(chars) >= 4:
            del chars[int(rng.integers(1, len(chars)))]
        else:
            i = int(rng.integers(1, len(chars) + 1))
            extra = (
                chars[i - 1].lower()
                if rng.random() < 0.5
                else chr(97 + int(rng.integers(26)))
            )
            chars.insert(i, extra)
        out = "".join(chars)
        if out != name:
            return out
    return name + "e"


def _wrong_postcode_char(postcode: str, rng: np.random.Generator) -> str:
    # Any character after "LS" may be mistyped, as long as the result is still a
    # plausible Leeds postcode (a district from LS1 to LS29).
    positions = [i for i, c in enumerate(postcode) if i >= 2 and c != " "]
    for _ in range(20):
        i = positions[int(rng.integers(len(positions)))]
        c = postcode[i]
        pool = "0123456789" if c.isdigit() else _POSTCODE_UNIT_LETTERS
        choices = [x for x in pool if x != c]
        out = (
            postcode[:i] + choices[int(rng.integers(len(choices)))] + postcode[i + 1 :]
        )
        district = out.split()[0][2:]
        if not district.startswith("0") and 1 <= int(district) <= _POSTCODE_DISTRICTS:
            return out
    return postcode[:-1] + ("A" if postcode[-1] != "A" else "B")


@dataclass
class _Record:
    person: int
    agency: int
    first: str
    surname: str
    dob: str
    sex: str
    postcode: str
    lsoa: int
    primary: bool = False  # the person's "clean" record (the first agency's)


def _corrupt(rec: _Record, people: _People, rng: np.random.Generator) -> None:
    """Apply 0-2 realistic data-entry differences to a second agency's record."""
    p = rec.person
    n_errors = int(rng.choice(3, p=[0.08, 0.62, 0.30]))
    for kind in rng.choice(
        _ERROR_NAMES, size=n_errors, replace=False, p=_ERROR_W
    ).tolist():
        if kind == "nickname" and rec.first in _NICKNAMES:
            variants = _NICKNAMES[rec.first]
            rec.first = variants[int(rng.integers(len(variants)))]
        elif kind == "dob_swap" and rec.dob:
            y, m, d = rec.dob.split("-")
            if int(d) <= 12 and d != m:
                rec.dob = f"{y}-{d}-{m}"
            else:
                rec.dob = ""
        elif kind == "dob_missing":
            rec.dob = ""
        elif kind == "postcode_missing":
            rec.postcode = ""
        elif kind == "postcode_wrong" and rec.postcode:
            rec.postcode = _wrong_postcode_char(rec.postcode, rng)
        elif kind == "surname_change" and people.female[p] and people.age[p] >= 18:
            g = _NAME_GROUPS[people.group[p]]
            options = [
                s for s in g.surnames if _feminine(s, people.group[p]) != rec.surname
            ]
            rec.surname = _feminine(
                options[int(rng.integers(len(options)))], people.group[p]
            )
        elif kind == "ascii" and not (rec.first + rec.surname).isascii():
            rec.first, rec.surname = _ascii_fold(rec.first), _ascii_fold(rec.surname)
        elif rng.random() < 0.5:
            rec.first = _typo(rec.first, rng)
        else:
            rec.surname = _typo(rec.surname, rng)


def _top_up_agencies(people: _People, rng: np.random.Generator) -> None:
    counts = people.agencies.sum(axis=1)
    missing = round(_MULTI_AGENCY_TARGET * len(people)) - int((counts >= 2).sum())
    if missing <= 0:
        return
    single = np.flatnonzero(counts == 1)
    w = np.array([0.3, 0.3, 0.08, 0.07, 0.25])
    for i in rng.choice(single, size=min(missing, single.size), replace=False).tolist():
        _add_agencies(people.agencies[i], 1, w, rng)


def _build_records(
    people: _People, geo: _Geography, rng: np.random.Generator
) -> list[_Record]:
    records: list[_Record] = []
    for p in range(len(people)):
        clean = _Record(
            person=p,
            agency=-1,
            first=people.first[p],
            surname=people.surname[p],
            dob=str(people.dob[p]),
            sex="F" if people.female[p] else "M",
            postcode=people.postcode[p],
            lsoa=int(people.home_lsoa[p]),
        )
        # Which agency holds the "clean" record is random: no system is the gold one.
        for j, a in enumerate(
            rng.permutation(np.flatnonzero(people.agencies[p])).tolist()
        ):
            rec = _Record(**{**clean.__dict__, "agency": a, "primary": not j})
            if j:
                _corrupt(rec, people, rng)
            records.append(rec)
    # Shuffle so that record ids reveal nothing about who is who.
    return [records[i] for i in rng.permutation(len(records)).tolist()]


# Synthetic street names: common English ones, drawn rather than looked up, so that no
# real address is written. Each kind has the abbreviation a clerk may type.
_STREET_NAMES = _names(
    "Albert Alexandra Ash Aspen Beech Birch Bridge Brook Cavendish Chapel Cherry "
    "Church Clarendon Cliff Elm Fern Field Garden Grange Green Hawthorn Hazel Heath "
    "Highfield Hill Holly Ivy Kings Laurel Lime Manor Maple Meadow Mill Moor Oak "
    "Orchard Park Queens Regent Rose Spring Station Victoria Well Willow Windsor York"
)
_STREET_KINDS: tuple[tuple[str, str], ...] = (
    ("Road", "Rd"),
    ("Street", "St"),
    ("Lane", "Ln"),
    ("Avenue", "Ave"),
    ("Crescent", "Cres"),
    ("Grove", "Gr"),
    ("Terrace", "Terr"),
    ("Drive", "Dr"),
    ("Close", "Cl"),
    ("Place", "Pl"),
    ("Mount", "Mt"),
    ("View", "Vw"),
)


def _addresses(
    people: _People, records: list[_Record], rng: np.random.Generator
) -> list[str]:
    """Each record's first address line, as its agency keyed it (may be blank).

    Every person has one home address; the clean record has it as is, another
    agency's may have it abbreviated, mistyped, without the flat, or not at all
    (more often when that agency has no postcode either: it never had the address).
    ``rng`` is a stream of its own, so the other columns do not depend on it.
    """
    n = len(people)
    numbers = rng.integers(1, 180, size=n)
    streets = rng.integers(len(_STREET_NAMES), size=n)
    kinds = rng.integers(len(_STREET_KINDS), size=n)
    flats = np.where(rng.random(n) < 0.15, rng.integers(1, 9, size=n), 0)
    out: list[str] = []
    for rec in records:
        p = rec.person
        kind, short = _STREET_KINDS[int(kinds[p])]
        street = _STREET_NAMES[int(streets[p])]
        flat = f"Flat {int(flats[p])}, " if flats[p] else ""
        if rec.primary:
            out.append(f"{flat}{numbers[p]} {street} {kind}")
            continue
        u = float(rng.random())
        if (not rec.postcode and u < 0.35) or u < 0.06:
            out.append("")
        elif u < 0.20:
            out.append(f"{flat}{numbers[p]} {street} {short}")
        elif u < 0.26:
            out.append(f"{flat}{numbers[p]} {_typo(street, rng)} {kind}")
        elif u < 0.30:
            out.append(f"{numbers[p]} {street} {kind}")
        else:
            out.append(f"{flat}{numbers[p]} {street} {kind}")
    return out


def _nhs_numbers(n: int, rng: np.random.Generator) -> list[str]:
    # 999 prefix: the NHS range reserved for test data, with a valid modulus-11 check.
    out: list[str] = []
    for body in rng.choice(10**6, size=min(10**6, 2 * n + 20), replace=False).tolist():
        digits = [9, 9, 9] + [int(c) for c in f"{body:06d}"]
        check = (
            11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        )
        if check == 10:
            continue
        check %= 11
        s = "".join(map(str, digits)) + str(check)
        out.append(f"{s[:3]} {s[3:6]} {s[6:]}")
        if len(out) == n:
            break
    return out


def _agency_refs(records: list[_Record], rng: np.random.Generator) -> list[str]:
    refs = [""] * len(records)
    for a, name in enumerate(AGENCIES):
        which = [i for i, r in enumerate(records) if r.agency == a]
        if name == "CCG":
            values = _nhs_numbers(len(which), rng)
        else:
            space, fmt = {
                "LCC": (10**6, "LCC-{:06d}"),
                "WYP": (10**8, "WY{:08d}"),
                "WYFRS": (10**7, "FRS{:07d}"),
                "NPS": (10**6, "X{:06d}"),
            }[name]
            values = [
                fmt.format(v)
                for v in rng.choice(space, size=len(which), replace=False).tolist()
            ]
        for i, v in zip(which, values, strict=True):
            refs[i] = v
    return refs


# --- output ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationReport:
    """What :func:`generate` wrote.

    Attributes:
        out_dir: The folder holding the files.
        counts: Data rows per CSV file, keyed by path relative to ``out_dir``.
    """

    out_dir: Path
    counts: dict[str, int]


def _iso(days: Iterable[int]) -> list[str]:
    return [
        str(d) for d in (PERIOD_START + np.asarray(list(days), dtype="timedelta64[D]"))
    ]


def _write_csv(out_dir: Path, name: str, rows: Iterable[Sequence[Any]]) -> int:
    path = out_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADERS[name])
        for row in rows:
            w.writerow(row)
            n += 1
    return n


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(obj, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
        newline="\n",
    )


def _coord(v: float) -> str:
    return f"{v:.6f}"


def generate(
    out_dir: Path,
    *,
    seed: int = 1,
    scale: float = 1.0,
    partnership: Partnership | None = None,
    near_repeat: bool = True,
) -> GenerationReport:
    """Write synthetic partner extracts and their ground truth to ``out_dir``.

    At scale 1.0: about 2,000 people (about 3,000 agency records), 5,000 offences,
    800 domestic-abuse incidents, 300 hate reports and 1,000 ASB complaints dated
    2017-01-01 to 2018-12-31, every one located at a point inside the LSOA it names.
    Counts scale linearly with ``scale``. See the module docstring for what is planted.

    Args:
        out_dir: Folder to write (created if missing); existing files are overwritten.
        seed: Random seed; the same seed and scale give byte-identical files.
        scale: Size multiplier; must be positive.
        partnership: Whose geography to use; default :func:`partnership.current`.
        near_repeat: Plant burglary near-repeats; off gives a space-time-random
            burglary pattern, a null case for near-repeat analysis.

    Returns:
        The folder and the data rows written per CSV file.

    Raises:
        ValueError: If ``scale`` is not positive.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale!r}")
    out_dir = Path(out_dir)
    partnership = partnership or current()
    rng = np.random.default_rng(seed)
    geo = _Geography(partnership)
    size = {k: max(1, round(v * scale)) for k, v in BASE_SIZES.items()}

    people = _make_people(max(20, size["persons"]), geo, rng)
    builder = _OffenceBuilder(people, geo, rng)
    offences, network, hotspots = _make_offences(
        builder, size["offences"], scale, near_repeat
    )
    da = _make_da(people, geo, size["da_incidents"], scale, rng)
    hate = _make_hate(people, geo, size["hate_reports"], scale, rng)
    asb = _make_asb(people, geo, size["asb_complaints"], scale, rng)
    _top_up_agencies(people, rng)
    records = _build_records(people, geo, rng)
    refs = _agency_refs(records, rng)
    # From a stream of its own: adding addresses left every other column unchanged.
    addresses = _addresses(people, records, np.random.default_rng([seed, 1]))

    width = max(6, len(str(len(records))))
    record_id = [f"R{i + 1:0{width}d}" for i in range(len(records))]
    rid = {(r.person, r.agency): record_id[i] for i, r in enumerate(records)}
    pwidth = max(6, len(str(len(people))))

    def person_id(p: int) -> str:
        return f"P{p + 1:0{pwidth}d}"

    def ref(p: int, agency: int) -> str:
        return rid[(p, agency)] if p >= 0 else ""

    counts: dict[str, int] = {}
    counts["people.csv"] = _write_csv(
        out_dir,
        "people.csv",
        (
            (
                record_id[i],
                AGENCIES[r.agency],
                refs[i],
                r.first,
                r.surname,
                r.dob,
                r.sex,
                r.postcode,
                geo.codes[r.lsoa],
                addresses[i],
            )
            for i, r in enumerate(records)
        ),
    )

    # Ids follow date order, ties in generation order, as an extract would list them.
    order = sorted(range(len(offences)), key=lambda i: offences[i].day)
    oid_width = max(6, len(str(len(offences))))
    offence_id = {j: f"OF{k + 1:0{oid_width}d}" for k, j in enumerate(order)}
    dates = _iso(o.day for o in offences)
    counts["offences.csv"] = _write_csv(
        out_dir,
        "offences.csv",
        (
            (
                offence_id[j],
                dates[j],
                o.crime_type,
                _coord(o.lat),
                _coord(o.lon),
                geo.codes[o.lsoa],
                ";".join(ref(p, WYP) for p in o.offenders),
                ref(o.victim, WYP),
                *o.flags,
            )
            for j in order
            for o in (offences[j],)
        ),
    )

    da_order = sorted(range(len(da)), key=lambda i: da[i].day)
    da_dates = _iso(x.day for x in da)
    counts["da_incidents.csv"] = _write_csv(
        out_dir,
        "da_incidents.csv",
        (
            (
                f"DA{k + 1:06d}",
                da_dates[j],
                AGENCIES[x.agency],
                ref(x.victim, x.agency),
                ref(x.perpetrator, x.agency),
                _coord(x.lat),
                _coord(x.lon),
                geo.codes[x.lsoa],
                x.alcohol,
                x.drug,
            )
            for k, j in enumerate(da_order)
            for x in (da[j],)
        ),
    )

    hate_order = sorted(range(len(hate)), key=lambda i: hate[i].day)
    hate_dates = _iso(h.day for h in hate)
    counts["hate_reports.csv"] = _write_csv(
        out_dir,
        "hate_reports.csv",
        (
            (
                f"HR{k + 1:06d}",
                hate_dates[j],
                h.strands,
                ref(h.victim, LCC if h.via == "third_party_centre" else WYP),
                int(h.victim < 0),
                h.via,
                _coord(h.lat),
                _coord(h.lon),
                geo.codes[h.lsoa],
            )
            for k, j in enumerate(hate_order)
            for h in (hate[j],)
        ),
    )

    asb_order = sorted(range(len(asb)), key=lambda i: asb[i].day)
    asb_dates = _iso(c.day for c in asb)
    counts["asb_complaints.csv"] = _write_csv(
        out_dir,
        "asb_complaints.csv",
        (
            (
                f"ASB{k + 1:06d}",
                asb_dates[j],
                ref(c.complainant, LCC),
                ref(c.perpetrator, LCC),
                c.category,
                _coord(c.lat),
                _coord(c.lon),
                geo.codes[c.lsoa],
            )
            for k, j in enumerate(asb_order)
            for c in (asb[j],)
        ),
    )

    counts["truth/people.csv"] = _write_csv(
        out_dir,
        "truth/people.csv",
        ((record_id[i], person_id(r.person)) for i, r in enumerate(records)),
    )
    _write_json(
        out_dir / "truth" / "network.json",
        {
            "groups": [
                {
                    "group_id": f"G{g + 1:02d}",
                    "members": sorted(person_id(m) for m in members),
                }
                for g, members in enumerate(network.groups)
            ],
            "key_players": sorted(person_id(k) for k in network.key_players),
            "co_offending_offences": sorted(
                offence_id[j] for j, o in enumerate(offences) if o.co_offending
            ),
        },
    )
    _write_json(
        out_dir / "truth" / "near_repeat.json",
        {
            "crime_type": BURGLARY,
            "distance_m": int(NEAR_REPEAT_DISTANCE_M),
            "days": NEAR_REPEAT_DAYS,
            "pairs": sorted(
                [offence_id[o.follows], offence_id[j]]
                for j, o in enumerate(offences)
                if o.follows >= 0
            ),
        },
    )
    _write_json(
        out_dir / "truth" / "hotspots.json",
        {
            "hotspots": [
                {
                    "latitude": round(h.lat, 6),
                    "longitude": round(h.lon, 6),
                    "radius_m": int(HOTSPOT_RADIUS_M),
                    "lsoa_code": geo.codes[h.lsoa],
                    "events": h.events,
                }
                for h in hotspots
            ]
        },
    )
    _write_json(
        out_dir / "manifest.json",
        {
            "generator": __name__,
            "version": VERSION,
            "seed": seed,
            "scale": scale,
            "near_repeat": near_repeat,
            "period": [str(PERIOD_START), str(PERIOD_END)],
            "counts": counts,
        },
    )
    return GenerationReport(out_dir=out_dir, counts=counts)
