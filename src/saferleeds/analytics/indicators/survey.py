"""Resident survey answers: load a simple CSV into ``survey_response``.

The CSV has one row per answer::

    respondent_id,month,lsoa_code,area,question,answer,weight
    R0001,2018-07,E01011264,,feel_safe,Fairly safe,1.12
    R0001,2018-07,E01011264,,confidence,Tend to agree,1.12
    R0002,2018-07,,E02002330,feel_safe,Yes,

``month`` is ``YYYY-MM`` (fieldwork month). Each answer is placed by ``lsoa_code`` if
given, else by ``area`` (an MSOA or the district code): an answer placed only at MSOA
level counts for that MSOA and the district, never for an LSOA. ``answer`` is yes/no or
a Likert label (see :data:`POSITIVE`, :data:`NEGATIVE`); "Don't know" and refusals are
kept but excluded from the base. ``weight`` is optional (default 1).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

from saferleeds.analytics.indicators.periods import parse_month
from saferleeds.analytics.store import Store

SURVEY_DIR = Path(__file__).resolve().parents[2] / "data" / "survey"
SAMPLE_SURVEY = SURVEY_DIR / "sample-survey.csv"

SURVEY_SCHEMA = """
CREATE TABLE IF NOT EXISTS survey_response (
    respondent_id VARCHAR NOT NULL,
    month DATE NOT NULL,
    lsoa_code VARCHAR,
    msoa_code VARCHAR,
    district_code VARCHAR NOT NULL,
    question VARCHAR NOT NULL,
    answer VARCHAR NOT NULL,
    positive BOOLEAN,          -- NULL: don't know / refused, outside the base
    weight DECIMAL(12, 6) NOT NULL,
    source_file VARCHAR NOT NULL
);
"""

POSITIVE = frozenset(
    {
        "yes",
        "very safe",
        "fairly safe",
        "strongly agree",
        "tend to agree",
        "agree",
        "very satisfied",
        "fairly satisfied",
        "satisfied",
        "very confident",
        "fairly confident",
    }
)
NEGATIVE = frozenset(
    {
        "no",
        "a bit unsafe",
        "fairly unsafe",
        "very unsafe",
        "neither agree nor disagree",
        "tend to disagree",
        "disagree",
        "strongly disagree",
        "neither satisfied nor dissatisfied",
        "fairly dissatisfied",
        "very dissatisfied",
        "dissatisfied",
        "not very confident",
        "not at all confident",
    }
)
EXCLUDED = frozenset(
    {"don't know", "dont know", "don’t know", "refused", "prefer not to say", "n/a"}
)

_LSOA = re.compile(r"^[EW]01\d{6}$")
_WEIGHT_QUANTUM = Decimal("0.000001")


def code_answer(answer: str) -> bool | None:
    """Code an answer: ``True`` positive, ``False`` negative, ``None`` outside the base.

    Raises:
        ValueError: For an answer that is none of the known labels.
    """
    a = " ".join(answer.strip().lower().split())
    if a in POSITIVE:
        return True
    if a in NEGATIVE:
        return False
    if a in EXCLUDED:
        return None
    raise ValueError(f"unknown answer {answer!r}")


@dataclass
class SurveyLoadReport:
    """What a survey load did.

    Attributes:
        path: The file.
        rows_read: Data rows.
        loaded: Answers stored (replacing any earlier load of the same respondent,
            month and question).
        problems: ``file:line: field: reason`` for rows not stored.
    """

    path: str
    rows_read: int = 0
    loaded: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 every row loaded, 3 some rejected, 2 nothing loaded."""
        if not self.loaded:
            return 2
        return 3 if self.problems else 0


def ensure_survey_schema(store: Store) -> None:
    """Create ``survey_response`` if missing (safe to repeat)."""
    store.con.execute(SURVEY_SCHEMA)


def load_survey(store: Store, path: Path) -> SurveyLoadReport:
    """Load survey answers from a CSV (format in the module docstring).

    Rows with an unknown month, place, question or answer, or a non-positive weight,
    are rejected with ``file:line: field: reason``; the rest commit together. A
    respondent's answer to a question in a month replaces any stored one.

    Args:
        store: The analytics store, with the partnership's geography loaded.
        path: The CSV file.
    """
    path = Path(path)
    report = SurveyLoadReport(str(path))
    ensure_survey_schema(store)
    geo = {
        lsoa: (msoa, district)
        for lsoa, msoa, district in store.execute(
            "SELECT lsoa_code, msoa_code, district_code FROM area_lsoa"
        ).fetchall()
    }
    msoas = {m: d for m, d in geo.values()}
    districts = set(msoas.values())
    rows: list[tuple[object, ...]] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        need = {"respondent_id", "month", "question", "answer"}
        have = set(reader.fieldnames or [])
        if not need <= have or not ({"lsoa_code", "area"} & have):
            report.problems.append(
                f"{path}:1: header: needs respondent_id, month, lsoa_code or area, "
                "question, answer (and optionally weight)"
            )
            return report
        for line, row in enumerate(reader, start=2):
            report.rows_read += 1

            def bad(fieldname: str, reason: str, line: int = line) -> None:
                report.problems.append(f"{path}:{line}: {fieldname}: {reason}")

            rid = (row.get("respondent_id") or "").strip()
            if not rid:
                bad("respondent_id", "empty")
                continue
            try:
                month = parse_month(row.get("month") or "")
            except ValueError as exc:
                bad("month", str(exc))
                continue
            lsoa = (row.get("lsoa_code") or "").strip()
            area = (row.get("area") or "").strip()
            msoa: str | None
            if lsoa:
                if not _LSOA.match(lsoa) or lsoa not in geo:
                    bad("lsoa_code", f"not an LSOA of the partnership: {lsoa!r}")
                    continue
                msoa, district = geo[lsoa]
            elif area in msoas:
                lsoa, msoa, district = "", area, msoas[area]
            elif area in districts:
                lsoa, msoa, district = "", None, area
            else:
                bad("area", f"not an MSOA or the district of the partnership: {area!r}")
                continue
            question = (row.get("question") or "").strip().lower()
            if not question:
                bad("question", "empty")
                continue
            answer = (row.get("answer") or "").strip()
            try:
                positive = code_answer(answer)
            except ValueError as exc:
                bad("answer", str(exc))
                continue
            raw_w = (row.get("weight") or "").strip() or "1"
            try:
                weight = Decimal(raw_w).quantize(_WEIGHT_QUANTUM)
            except InvalidOperation:
                bad("weight", f"not a number: {raw_w!r}")
                continue
            if not Decimal(0) < weight < Decimal(1_000_000):
                bad("weight", f"must be positive and below 1,000,000: {raw_w!r}")
                continue
            rows.append(
                (
                    rid,
                    month,
                    lsoa or None,
                    msoa,
                    district,
                    question,
                    answer,
                    positive,
                    weight,
                    str(path),
                )
            )
    con = store.con
    con.execute("BEGIN")
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _survey_new AS "
            "SELECT * FROM survey_response LIMIT 0"
        )
        for i in range(0, len(rows), 500):
            chunk = rows[i : i + 500]
            con.execute(
                "INSERT INTO _survey_new VALUES "
                + ",".join(["(?,?,?,?,?,?,?,?,?,?)"] * len(chunk)),
                [v for r in chunk for v in r],
            )
        con.execute(
            """DELETE FROM survey_response s USING (
                   SELECT DISTINCT respondent_id, month, question FROM _survey_new) n
               WHERE s.respondent_id = n.respondent_id AND s.month = n.month
                 AND s.question = n.question"""
        )
        con.execute(
            """INSERT INTO survey_response SELECT * FROM _survey_new
               QUALIFY row_number() OVER (
                   PARTITION BY respondent_id, month, question) = 1"""
        )
        report.loaded = int(
            con.execute(
                "SELECT count(*) FROM (SELECT DISTINCT respondent_id, month, question "
                "FROM _survey_new)"
            ).fetchone()[0]  # type: ignore[index]
        )
        con.execute("DROP TABLE _survey_new")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return report


# --- the shipped synthetic sample -------------------------------------------------------

SAMPLE_WAVES = ("2017-07", "2017-10", "2018-01", "2018-04", "2018-07")
_FEEL_SAFE = ("Very safe", "Fairly safe", "A bit unsafe", "Very unsafe", "Don't know")
_CONFIDENCE = (
    "Strongly agree",
    "Tend to agree",
    "Neither agree nor disagree",
    "Tend to disagree",
    "Strongly disagree",
    "Don't know",
)


def write_sample_survey(
    path: Path,
    lsoas: list[tuple[str, str]],
    *,
    seed: int = 1,
    per_wave: int = 300,
) -> int:
    """Write a synthetic resident survey (made-up people, no real answers).

    Args:
        path: CSV to write.
        lsoas: ``(lsoa_code, msoa_code)`` of the partnership, to place respondents.
        seed: Random seed; the same seed gives the same file.
        per_wave: Respondents per fieldwork wave (one wave per entry of
            :data:`SAMPLE_WAVES`).

    Returns:
        The number of answer rows written.

    Notes:
        Respondents answer both questions. The chance of feeling safe falls a little
        over the waves and is lower in the first tenth of LSOAs (a planted "area of
        concern"); weights are drawn log-normally around 1 (as post-stratification
        weights look). One respondent in ten is placed only by MSOA.
    """
    rng = np.random.default_rng(seed)
    lsoas = sorted(lsoas)
    concern = {code for code, _ in lsoas[: max(1, len(lsoas) // 10)]}
    n_rows = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(
            [
                "respondent_id",
                "month",
                "lsoa_code",
                "area",
                "question",
                "answer",
                "weight",
            ]
        )
        rid = 0
        for wave, month in enumerate(SAMPLE_WAVES):
            picks = rng.integers(0, len(lsoas), size=per_wave)
            weights = np.exp(rng.normal(0.0, 0.35, size=per_wave))
            u_safe = rng.random(per_wave)
            u_conf = rng.random(per_wave)
            u_msoa = rng.random(per_wave)
            for i in range(per_wave):
                rid += 1
                lsoa, msoa = lsoas[int(picks[i])]
                safe_p = 0.78 - 0.02 * wave - (0.2 if lsoa in concern else 0.0)
                cuts = np.cumsum(
                    [
                        safe_p * 0.45,
                        safe_p * 0.55,
                        0.6 * (1 - safe_p),
                        0.37 * (1 - safe_p),
                    ]
                )
                j = int(np.searchsorted(cuts, u_safe[i]))
                feel = _FEEL_SAFE[min(j, len(_FEEL_SAFE) - 1)]
                conf_p = 0.55 + 0.01 * wave
                ccuts = np.cumsum([conf_p * 0.3, conf_p * 0.7, 0.15, 0.2, 0.1])
                k = int(np.searchsorted(ccuts, u_conf[i] * (ccuts[-1] + 0.04)))
                conf = _CONFIDENCE[min(k, len(_CONFIDENCE) - 1)]
                place = ("", msoa) if u_msoa[i] < 0.1 else (lsoa, "")
                weight = f"{weights[i]:.4f}"
                for question, answer in (("feel_safe", feel), ("confidence", conf)):
                    w.writerow([f"S{rid:05d}", month, *place, question, answer, weight])
                    n_rows += 1
    return n_rows
