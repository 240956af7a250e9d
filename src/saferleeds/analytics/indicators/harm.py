"""Harm weights for the 14 police.uk categories, and how they are derived.

A harm-weighted total counts each crime by a severity weight rather than as 1. The
weights live in ``saferleeds/data/harm/policeuk-category-weights.csv`` (see the README
beside it for source, licence and status). police.uk categories are far coarser than
the Home Office offence codes the published weights are set for, so a category weight
is an approximation: the count-weighted mean of its offence codes' weights.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from saferleeds.analytics.police_reference import ASB, CRIME_TYPES

HARM_DIR = Path(__file__).resolve().parents[2] / "data" / "harm"
SHIPPED_WEIGHTS = HARM_DIR / "policeuk-category-weights.csv"
SHIPPED_CODE_WEIGHTS = HARM_DIR / "ons-css-weights.csv"
SHIPPED_PRC = HARM_DIR / "prc-west-yorkshire-201718.csv"
ONS_CSS_SOURCE = (
    "ONS Crime Severity Score weights per Home Office offence code (Crime Severity "
    "Score data tool, List of weights, late-2020 edition; OGL v3.0)"
)
APPROXIMATE_NOTE = (
    "approximate: police.uk categories are coarser than the offence codes the "
    "weights are set for (category weight = count-weighted mean of its codes' "
    "weights, West Yorkshire 2017/18 offence mix)"
)

# Statuses a weights table can have.
DERIVED = "derived"  # computed from published weights by derive_category_weights
BLOCKED = "blocked"  # published weights not available: no numbers
ILLUSTRATIVE = "illustrative"  # made-up numbers for tests and benchmarks only

_QUANTUM = Decimal("0.0001")
_CANONICAL = {t.lower(): t for t in CRIME_TYPES}


class HarmWeightsError(ValueError):
    """Raised for a weights file that cannot be read."""


@dataclass(frozen=True)
class HarmWeights:
    """Severity weights per police.uk category.

    Attributes:
        weights: Weight per category (ASB has none: it is not a notifiable crime).
        status: :data:`DERIVED`, :data:`BLOCKED` or :data:`ILLUSTRATIVE`.
        source: Where the weights come from, in words.
        note: Why the table has its status (shown with every harm figure).
    """

    weights: Mapping[str, Decimal] = field(default_factory=dict)
    status: str = BLOCKED
    source: str = ""
    note: str = ""

    @property
    def available(self) -> bool:
        """Whether harm totals can be computed (every crime category has a weight)."""
        if self.status == BLOCKED:
            return False
        return all(t in self.weights for t in CRIME_TYPES if t != ASB)

    @classmethod
    def illustrative(cls, value: Decimal = Decimal(1)) -> HarmWeights:
        """Equal made-up weights, for tests and benchmarks that time the harm path."""
        return cls(
            {t: value for t in CRIME_TYPES if t != ASB},
            ILLUSTRATIVE,
            "illustrative equal weights (not a published weighting)",
            "illustrative weights: not a measure of harm",
        )


def data_dir_weights_path() -> Path:
    """Where a derived weights table is written and looked for first:
    ``$SAFERLEEDS_DATA_DIR/harm/policeuk-category-weights.csv``."""
    from saferleeds import config

    return config.data_dir() / "harm" / SHIPPED_WEIGHTS.name


def default_harm_weights() -> HarmWeights:
    """The weights in use.

    In order: the user-supplied offence-code table named by the
    ``SAFERLEEDS_HARM_CODE_WEIGHTS`` setting (ONS ``offence_code, weight`` or the
    Cambridge Crime Harm Index 2020 format), mapped to police.uk categories with the
    shipped West Yorkshire 2017/18 volumes; else a derived table in the data directory
    (``saferleeds harm-weights derive`` writes it); else the shipped table, derived from
    the ONS Crime Severity Score weights.
    """
    from saferleeds import config

    user = (config.get("SAFERLEEDS_HARM_CODE_WEIGHTS") or "").strip()
    if user:
        return harm_weights_from_code_table(Path(user))
    local = data_dir_weights_path()
    return load_harm_weights(local if local.is_file() else SHIPPED_WEIGHTS)


def harm_weights_from_code_table(
    path: Path, *, prc_csv: Path = SHIPPED_PRC, source: str | None = None
) -> HarmWeights:
    """Category weights from a user-supplied offence-code weights table.

    Args:
        path: CSV in ONS form (``offence_code, weight``) or CCHI 2020 form
            (``offence_code, cchi_days``, several rows per code); see
            :func:`read_code_weights`.
        prc_csv: Offence volumes that weight each category's mean.
        source: Words for the source (default: the file's name and its format).

    Returns:
        The weights, status :data:`DERIVED` when every category has one.

    Raises:
        HarmWeightsError: If the file cannot be read or gives no category a weight.
    """
    if not path.is_file():
        raise HarmWeightsError(f"harm weights file not found: {path}")
    code_weights = read_code_weights(path)
    derived = derive_category_weights(code_weights, prc_csv)
    weights = {d.category: d.weight for d in derived if d.weight is not None}
    if not weights:
        raise HarmWeightsError(f"{path}: no offence code matched a police.uk category")
    label = source or (
        f"user-supplied offence-code weights ({path.name}, "
        f"{code_table_format(path)} format)"
    )
    status = DERIVED if len(weights) == len(derived) else BLOCKED
    return HarmWeights(weights, status, label, APPROXIMATE_NOTE)


def _canonical(category: str) -> str:
    key = category.strip().lower()
    if key not in _CANONICAL:
        raise HarmWeightsError(f"not a police.uk category: {category!r}")
    return _CANONICAL[key]


def load_harm_weights(path: Path | None = None) -> HarmWeights:
    """Read a category weights table (default: the shipped one).

    The CSV has columns ``category, weight, status, source, note``; ``weight`` is empty
    where no weight is known. The table's status is the first row's.

    Raises:
        HarmWeightsError: If the file is malformed or names an unknown category.
    """
    p = path or SHIPPED_WEIGHTS
    weights: dict[str, Decimal] = {}
    status, source, note = BLOCKED, "", ""
    with p.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or not {"category", "weight", "status"} <= set(rows[0]):
        raise HarmWeightsError(f"{p}: needs columns category, weight, status")
    status = rows[0]["status"].strip()
    source = (rows[0].get("source") or "").strip()
    note = (rows[0].get("note") or "").strip()
    for i, row in enumerate(rows, start=2):
        category = _canonical(row["category"])
        raw = (row["weight"] or "").strip()
        if not raw:
            continue
        try:
            w = Decimal(raw).quantize(_QUANTUM)
        except InvalidOperation as exc:
            raise HarmWeightsError(f"{p}:{i}: weight {raw!r} is not a number") from exc
        if w < 0:
            raise HarmWeightsError(f"{p}:{i}: weight {raw!r} is negative")
        weights[category] = w
    return HarmWeights(weights, status, source, note)


@dataclass(frozen=True)
class DerivedWeight:
    """One police.uk category's weight derived from offence-code weights.

    Attributes:
        category: The police.uk category.
        weight: Count-weighted mean weight, or ``None`` if no offence was matched.
        offences: Offences recorded in the category (all its codes).
        offences_weighted: Offences whose code had a published weight.
        unmatched_codes: Offence codes with offences but no weight.
    """

    category: str
    weight: Decimal | None
    offences: int
    offences_weighted: int
    unmatched_codes: tuple[str, ...]

    @property
    def coverage(self) -> float:
        """Share of the category's offences whose code had a weight."""
        return self.offences_weighted / self.offences if self.offences else 0.0


def derive_category_weights(
    code_weights: Mapping[str, Decimal],
    prc_csv: Path,
    *,
    force: str = "West Yorkshire",
    financial_year: str = "2017/18",
) -> list[DerivedWeight]:
    """Map offence-code weights onto police.uk categories for one force and year.

    Args:
        code_weights: Published weight per Home Office offence code (e.g. ONS Crime
            Severity Score weights: ``{"8N": Decimal("184.09"), ...}``).
        prc_csv: Home Office Police Recorded Crime open data table, with columns
            ``Financial_Year, Force_Name, Offence_Code, Number_of_Offences,
            Policeuk_Cat`` (``prc-pfa-201718.csv``).
        force: ``Force_Name`` whose offence mix weights the mean.
        financial_year: ``Financial_Year`` to use (all its quarters are summed).

    Returns:
        One row per police.uk crime category (ASB excluded), in category order.

    Notes:
        For category ``c`` with offence codes ``k`` recorded ``n_k`` times by the
        force in the year and published weights ``w_k``:
        ``w_c = sum(n_k w_k) / sum(n_k)`` over codes with a weight. A combined code
        the Home Office table records as one (``1/4.1/4.10/4.2``: homicide) takes the
        weight its parts share, and is unmatched if they differ (its volume cannot be
        split between them). Codes without a weight are left out of both sums and reported in ``unmatched_codes``, so
        ``coverage`` says how much of the category the weight rests on. This is how
        the ONS builds its Crime Severity Score (sum of offences times weights,
        ONS 2016, "Research outputs: developing a Crime Severity Score for England
        and Wales using data on crimes recorded by the police"), re-expressed per
        category: a category's harm total using ``w_c`` equals the code-level total
        exactly when the local offence mix matches the force's for that year, and
        approximates it otherwise.
    """
    totals: dict[str, list[int]] = {t: [0, 0] for t in CRIME_TYPES if t != ASB}
    sums: dict[str, Decimal] = {t: Decimal(0) for t in totals}
    unmatched: dict[str, set[str]] = {t: set() for t in totals}
    with prc_csv.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if row["Force_Name"] != force or row["Financial_Year"] != financial_year:
                continue
            category = _canonical(row["Policeuk_Cat"])
            n = int(row["Number_of_Offences"] or 0)
            code = row["Offence_Code"].strip()
            totals[category][0] += n
            w = _code_weight(code, code_weights)
            if w is not None:
                totals[category][1] += n
                sums[category] += n * w
            elif n:
                unmatched[category].add(code)
    out = []
    for category, (n_all, n_weighted) in totals.items():
        weight = (
            (sums[category] / n_weighted).quantize(_QUANTUM) if n_weighted else None
        )
        out.append(
            DerivedWeight(
                category,
                weight,
                n_all,
                n_weighted,
                tuple(sorted(unmatched[category])),
            )
        )
    return out


def _code_weight(code: str, code_weights: Mapping[str, Decimal]) -> Decimal | None:
    """The weight of an offence code, or of a combined code whose parts agree."""
    if code in code_weights:
        return Decimal(code_weights[code])
    parts = [c.strip() for c in code.split("/")]
    if len(parts) < 2 or any(c not in code_weights for c in parts):
        return None
    values = {Decimal(code_weights[c]) for c in parts}
    return values.pop() if len(values) == 1 else None


def write_category_weights(
    derived: list[DerivedWeight], path: Path, *, source: str, note: str
) -> None:
    """Write derived weights as a weights table :func:`load_harm_weights` reads.

    The table's status is :data:`DERIVED` if every category has a weight, else
    :data:`BLOCKED`.
    """
    complete = all(d.weight is not None for d in derived)
    status = DERIVED if complete else BLOCKED
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(
            [
                "category",
                "weight",
                "status",
                "source",
                "note",
                "offences",
                "offences_weighted",
                "coverage",
                "unmatched_codes",
            ]
        )
        for d in derived:
            w.writerow(
                [
                    d.category,
                    "" if d.weight is None else str(d.weight),
                    status,
                    source,
                    note,
                    d.offences,
                    d.offences_weighted,
                    f"{d.coverage:.4f}",
                    ";".join(d.unmatched_codes),
                ]
            )


def code_table_format(path: Path) -> str:
    """``"cchi"`` for a Cambridge Crime Harm Index table (``cchi_days`` column),
    ``"ons"`` for ``offence_code, weight``.

    Raises:
        HarmWeightsError: If the header has neither form.
    """
    with path.open(encoding="utf-8-sig", newline="") as f:
        header = {h.strip() for h in next(csv.reader(f), [])}
    if "offence_code" in header and "cchi_days" in header:
        return "cchi"
    if "offence_code" in header and "weight" in header:
        return "ons"
    raise HarmWeightsError(
        f"{path}: needs columns offence_code and weight (ONS) or cchi_days (CCHI 2020)"
    )


def read_code_weights(path: Path) -> dict[str, Decimal]:
    """Read offence-code weights: ONS ``offence_code, weight`` or CCHI 2020.

    Returns:
        Weight per Home Office offence code.

    Raises:
        HarmWeightsError: If a weight is not a number or the header is unknown.

    Notes:
        The CCHI 2020 values sheet has one row per offence *title* (several per Home
        Office offence code, e.g. code 5E from 10 to 3,285 days) and no volumes per
        title, so a code's weight is the median of its titles' ``cchi_days`` (the
        middle of an even count is the mean of the two middle values). The median is
        the summary the Cambridge index's own per-category tables use and is not
        moved by one extreme title; it remains an approximation of a volume-weighted
        mean (Sherman, Neyroud and Neyroud 2016, "The Cambridge Crime Harm Index",
        Policing 10(3)).
    """
    column = "cchi_days" if code_table_format(path) == "cchi" else "weight"
    values: dict[str, list[Decimal]] = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        for i, row in enumerate(csv.DictReader(f), start=2):
            code = (row.get("offence_code") or "").strip()
            raw = (row.get(column) or "").strip()
            if not code or not raw:
                continue
            try:
                values.setdefault(code, []).append(Decimal(raw))
            except InvalidOperation as exc:
                raise HarmWeightsError(f"{path}:{i}: weight {raw!r}") from exc
    if column == "weight":
        return {code: v[-1] for code, v in values.items()}
    return {code: _median(v) for code, v in values.items()}


def _median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2
