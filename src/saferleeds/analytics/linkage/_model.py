"""The Fellegi-Sunter model, built, trained and run with Splink on DuckDB or Spark."""

from __future__ import annotations

import json
import logging
import math
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from saferleeds.analytics.linkage._input import (
    LinkageError,
    check_mapping,
    prepare,
)

Engine = Literal["duckdb", "spark"]
LinkType = Literal["dedupe_only", "link_only"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")

U_MAX_PAIRS = 1e6
"""Random pairs sampled to estimate u. FEBRL 4 gives the same pairs with 1e6 as with
5e6 (five times slower); Splink suggests 1e7 or more for millions of records."""
SEED = 13
"""Seed of the u sampling, so that the same files always give the same model."""
PRIOR_RECALL = 0.6
"""Assumed recall of the deterministic rules that estimate the prior: the share of true
matches agreeing exactly on name and date of birth (or identifier) in data keyed by hand
by several agencies, with typos in about half of their records of a person."""

Step = Callable[[str], None]


@dataclass(frozen=True)
class LinkageModel:
    """A trained model: Splink's settings with the m and u probabilities estimated.

    Attributes:
        settings: Splink's model as a dict (``linker.misc.save_model_to_json``):
            comparisons with their trained m and u, blocking rules, the prior.
        mapping: The field-to-column mapping it was trained with.
        link_type: ``"dedupe_only"`` (one table) or ``"link_only"`` (two tables).
    """

    settings: dict[str, Any]
    mapping: dict[str, str]
    link_type: LinkType

    @property
    def prior(self) -> float:
        """The probability that two records drawn at random are the same person."""
        return float(self.settings["probability_two_random_records_match"])

    def parameters(
        self,
    ) -> dict[str, tuple[list[float | None], list[float | None]]]:
        """Per comparison, the trained m and u of its levels (null level excluded).

        ``None`` for a level training never saw: Splink then uses its default.
        """
        out: dict[str, tuple[list[float | None], list[float | None]]] = {}
        for comparison in self.settings["comparisons"]:
            levels = [
                lv
                for lv in comparison["comparison_levels"]
                if not lv.get("is_null_level")
            ]
            out[comparison["output_column_name"]] = (
                [_float(lv.get("m_probability")) for lv in levels],
                [_float(lv.get("u_probability")) for lv in levels],
            )
        return out

    def to_json(self) -> str:
        """The model as JSON text: Splink's model JSON with the mapping alongside.

        Returns:
            ``{"format": "saferleeds.linkage.model", "version": 1, "link_type": ...,
            "mapping": {...}, "splink": <linker.misc.save_model_to_json()>}``.
        """
        return json.dumps(
            {
                "format": MODEL_FORMAT,
                "version": MODEL_VERSION,
                "link_type": self.link_type,
                "mapping": self.mapping,
                "splink": self.settings,
            },
            indent=1,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str, *, name: str = "model") -> LinkageModel:
        """A model from :meth:`to_json` text, checked before use.

        Args:
            text: The JSON text.
            name: What errors call it (e.g. the file).

        Returns:
            The model, whose m, u and prior score pairs exactly as when saved.

        Raises:
            LinkageError: Not JSON, not a saferleeds linkage model, another version,
                an unknown field, a comparison missing for a mapped field, or an m or
                u outside [0, 1].
        """
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise LinkageError(f"{name}: not JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            raise LinkageError(f"{name}: not a saferleeds linkage model")
        if data.get("version") != MODEL_VERSION:
            raise LinkageError(
                f"{name}: model version {data.get('version')!r}; this saferleeds "
                f"reads version {MODEL_VERSION}"
            )
        mapping, settings = data.get("mapping"), data.get("splink")
        link_type = data.get("link_type")
        if link_type not in ("dedupe_only", "link_only"):
            raise LinkageError(f"{name}: unknown link_type {link_type!r}")
        if not isinstance(mapping, dict) or not isinstance(settings, dict):
            raise LinkageError(f"{name}: the mapping or Splink settings are missing")
        check_mapping(mapping)
        model = cls(settings=settings, mapping=dict(mapping), link_type=link_type)
        try:
            trained = model.parameters()
            prior = model.prior
        except (KeyError, TypeError, ValueError) as exc:
            raise LinkageError(f"{name}: damaged Splink settings ({exc!r})") from None
        expected = {c.create_output_column_name() for c in _comparisons(set(mapping))}
        if expected - set(trained):
            missing = ", ".join(sorted(expected - set(trained)))
            raise LinkageError(f"{name}: no trained comparison for {missing}")
        values = [v for m, u in trained.values() for v in (*m, *u) if v is not None]
        if not 0 < prior < 1 or any(not 0 <= v <= 1 for v in values):
            raise LinkageError(f"{name}: a probability outside [0, 1]")
        return model


MODEL_FORMAT = "saferleeds.linkage.model"
MODEL_VERSION = 1


def save_model(model: LinkageModel, path: str | Path) -> Path:
    """Write a trained model to a JSON file, for later batches to score with.

    Args:
        model: From :func:`train_model`.
        path: The file to write (UTF-8 JSON, overwritten).

    Returns:
        The path written.

    Notes:
        The file holds Splink's model JSON (``linker.misc.save_model_to_json``,
        Splink docs, *Saving and loading models*) beside the field mapping. Scoring
        rebuilds the comparisons from saferleeds' definitions and takes the trained
        m, u and prior from the file, so a model saved on DuckDB scores on Spark.
    """
    target = Path(path)
    target.write_text(model.to_json() + "\n", encoding="utf-8")
    return target


def load_model(path: str | Path) -> LinkageModel:
    """Read a model written by :func:`save_model`.

    Args:
        path: The JSON file.

    Returns:
        The model, with the m, u and prior it was saved with.

    Raises:
        LinkageError: The file is not a valid model (see
            :meth:`LinkageModel.from_json`).
        OSError: The file cannot be read.
    """
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LinkageError(
            f"{path}: not a saferleeds linkage model (not UTF-8)"
        ) from None
    return LinkageModel.from_json(text, name=str(path))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class Contribution:
    """One step of the waterfall: what one comparison (or the prior) adds.

    Attributes:
        comparison: The comparison (``forename``, ``dob``...), ``prior`` or
            ``tf_<comparison>`` for a term-frequency adjustment.
        level: The level the pair fell in, as Splink labels it.
        value_l: The left record's value(s).
        value_r: The right record's value(s).
        bayes_factor: m/u for the level (1.0 when it changes nothing).
        match_weight: log2 of the Bayes factor: the points added.
        m_probability: m of the level, ``None`` for the prior and adjustments.
        u_probability: u of the level, ``None`` for the prior and adjustments.
    """

    comparison: str
    level: str
    value_l: str
    value_r: str
    bayes_factor: float
    match_weight: float
    m_probability: float | None
    u_probability: float | None


@dataclass(frozen=True)
class PairExplanation:
    """Why a pair scored as it did: the prior plus each comparison's match weight.

    Attributes:
        id_l: The left record's identifier.
        id_r: The right record's identifier.
        match_weight: The sum of the contributions' match weights.
        match_probability: ``2**w / (1 + 2**w)`` for match weight ``w``.
        contributions: The prior first, then each comparison in model order.
    """

    id_l: str
    id_r: str
    match_weight: float
    match_probability: float
    contributions: tuple[Contribution, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """The explanation as plain JSON-ready data, for pages and the API.

        Returns:
            ``{"id_l", "id_r", "match_weight", "match_probability", "contributions":
            [{"comparison", "level", "value_l", "value_r", "bayes_factor",
            "match_weight", "m_probability", "u_probability"}, ...]}``: the prior
            first, then each comparison (and term-frequency adjustment) in model
            order; the contributions' match weights sum to ``match_weight``.
        """
        return {
            "id_l": self.id_l,
            "id_r": self.id_r,
            "match_weight": self.match_weight,
            "match_probability": self.match_probability,
            "contributions": [asdict(c) for c in self.contributions],
        }


# --- the model's specification -------------------------------------------------------


def _comparisons(fields: set[str]) -> list[Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    comparisons: list[Any] = []
    for name in ("forename", "surname"):
        if name not in fields:
            continue
        other = "surname" if name == "forename" else "forename"
        levels: list[Any] = [
            cll.NullLevel(name),
            cll.ExactMatchLevel(name).configure(tf_adjustment_column=name),
        ]
        if other in fields:  # forename and surname swapped between the records
            levels.append(
                cll.CustomLevel(
                    f"{name}_l = {other}_r AND {other}_l = {name}_r",
                    label_for_charts="Forename and surname swapped",
                )
            )
        levels += [
            cll.DamerauLevenshteinLevel(name, 1),
            cll.JaroWinklerLevel(name, 0.92),
            cll.JaroWinklerLevel(name, 0.8),
            cll.ElseLevel(),
        ]
        comparisons.append(cl.CustomComparison(levels, output_column_name=name))
    if "dob" in fields:
        comparisons.append(
            cl.CustomComparison(
                [
                    cll.NullLevel("dob"),
                    cll.ExactMatchLevel("dob"),
                    cll.CustomLevel(
                        "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) "
                        "AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
                        "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)",
                        label_for_charts="Day and month transposed",
                    ),
                    cll.LevenshteinLevel("dob", 1).configure(
                        label_for_charts="One character different"
                    ),
                    cll.CustomLevel(
                        "substr(dob_l, 6, 5) = substr(dob_r, 6, 5) AND "
                        "abs(cast(substr(dob_l, 1, 4) AS INTEGER) - "
                        "cast(substr(dob_r, 1, 4) AS INTEGER)) = 1",
                        label_for_charts="Year off by one",
                    ),
                    cll.LevenshteinLevel("dob", 2).configure(
                        label_for_charts="Two characters different"
                    ),
                    cll.ElseLevel(),
                ],
                output_column_name="dob",
            )
        )
    if "sex" in fields:
        comparisons.append(cl.ExactMatch("sex"))
    if "postcode" in fields:
        comparisons.append(
            cl.CustomComparison(
                [
                    cll.NullLevel("postcode"),
                    cll.ExactMatchLevel("postcode").configure(
                        tf_adjustment_column="postcode"
                    ),
                    cll.ExactMatchLevel("postcode_sector").configure(
                        label_for_charts="Same sector"
                    ),
                    cll.ExactMatchLevel("postcode_district").configure(
                        label_for_charts="Same district"
                    ),
                    cll.ElseLevel(),
                ],
                output_column_name="postcode",
            )
        )
    for name in ("address", "town"):
        if name in fields:
            comparisons.append(
                cl.CustomComparison(
                    [
                        cll.NullLevel(name),
                        cll.ExactMatchLevel(name).configure(tf_adjustment_column=name),
                        cll.JaroWinklerLevel(name, 0.9),
                        cll.JaroWinklerLevel(name, 0.7),
                        cll.ElseLevel(),
                    ],
                    output_column_name=name,
                )
            )
    if "identifier" in fields:
        comparisons.append(
            cl.CustomComparison(
                [
                    cll.NullLevel("identifier"),
                    cll.ExactMatchLevel("identifier"),
                    cll.DamerauLevenshteinLevel("identifier", 1).configure(
                        label_for_charts="One keystroke different"
                    ),
                    cll.ElseLevel(),
                ],
                output_column_name="identifier",
            )
        )
    return comparisons


def _rules(fields: set[str], *candidates: tuple[str, ...]) -> list[Any]:
    from splink import block_on

    available = set(fields)
    if "postcode" in fields:
        available |= {"postcode_sector", "postcode_district"}
    return [block_on(*c) for c in candidates if set(c) <= available]


def _blocking_rules(fields: set[str]) -> list[Any]:
    """Pairs scored: those agreeing on any one of these (and no others)."""
    rules = _rules(
        fields,
        ("forename", "surname"),
        ("dob",),
        ("identifier",),
        ("postcode",),
        ("postcode_sector", "surname"),
        ("postcode_sector", "forename"),
        ("address", "town"),
        ("address", "postcode"),
        ("surname", "town"),
    )
    if {"forename", "surname"} <= fields:
        rules.insert(1, "l.forename = r.surname AND l.surname = r.forename")
    if not rules:  # fields that block nothing alone (sex, town): pair on all of them
        rules = _rules(fields, tuple(sorted(fields)))
    return rules


def _deterministic_rules(fields: set[str]) -> list[Any]:
    """Near-certain matches, whose count estimates the prior."""
    return _rules(
        fields,
        ("forename", "surname", "dob"),
        ("identifier", "dob"),
        ("identifier", "surname"),
        ("forename", "surname", "postcode"),
    )


def _em_rules(fields: set[str]) -> list[Any]:
    """Two rounds of EM, each blocking on what the other estimates.

    A round whose blocking columns every comparison uses would estimate nothing (and
    Splink's SQL for it fails), so it is left out: with names alone (the swapped-name
    level reads both), with one field, m keeps Splink's starting values.
    """
    candidates = [
        ("dob",) if "dob" in fields else ("postcode",),
        ("surname",) if "surname" in fields else ("forename",),
    ]
    usable = [c for c in candidates if set(c) <= fields and _estimable(fields, c)]
    return _rules(fields, *usable)


def _estimable(fields: set[str], blocked_on: tuple[str, ...]) -> bool:
    """Whether some comparison reads none of the columns a rule blocks on."""
    names = {"forename", "surname"} & fields
    for field_name in fields:
        reads = {field_name}
        if field_name in names and len(names) == 2:
            reads = set(names)  # the swapped-name level reads both names
        if not reads & set(blocked_on):
            return True
    return False


# --- running Splink -----------------------------------------------------------------


@contextmanager
def _quiet() -> Iterator[None]:
    """Splink's INFO and WARNING notes (chart hints, sample sizes) kept off stderr."""
    logger = logging.getLogger("splink")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def local_spark() -> Any:
    """A local Spark session with Splink's similarity functions (the jar) loaded.

    The session is the analytics' one (:func:`saferleeds.analytics.spark.local_spark`):
    linkage, indicators and hotspot counts share it.
    """
    from splink.backends.spark import similarity_jar_location

    from saferleeds.analytics.spark import local_spark as analytics_spark

    return analytics_spark(jars=[similarity_jar_location()], app="saferleeds-linkage")


def _db_api(engine: str, spark: Any, connection: Any = None) -> Any:
    if engine == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI() if connection is None else DuckDBAPI(connection)
    if engine == "spark":
        from splink import SparkAPI

        return SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=spark if spark is not None else local_spark(),
            break_lineage_method="persist",
        )
    raise LinkageError(f"unknown engine {engine!r}: use duckdb or spark")


def _prepared(
    left: Any, right: Any | None, mapping: Mapping[str, str], id_column: str
) -> list[pa.Table]:
    check_mapping(mapping)
    tables = [prepare(left, mapping, id_column, default_name="left")]
    if right is not None:
        tables.append(prepare(right, mapping, id_column, default_name="right"))
    return tables


def _linker(
    tables: Sequence[pa.Table],
    settings: Any,
    engine: str,
    spark: Any,
    connection: Any = None,
) -> Any:
    from splink import Linker

    db_api = _db_api(engine, spark, connection)
    # Sorted as Splink orders source datasets; unique, as a Spark session outlives
    # the linker and keeps its views.
    uid = uuid.uuid4().hex[:12]
    names = [f"a_left_{uid}", f"b_right_{uid}"]
    frames = [
        db_api.register(t, dataset_display_name=n)
        for t, n in zip(tables, names, strict=False)
    ]
    return Linker(frames if len(frames) > 1 else frames[0], settings, log_level=None)


def _settings(
    fields: set[str], link_type: LinkType, model: LinkageModel | None = None
) -> Any:
    """Splink's settings, with a trained model's m, u and prior when given.

    The model is rebuilt from the comparison definitions rather than loaded from
    Splink's saved JSON, whose SQL is in the training engine's dialect: this way a
    model trained on DuckDB scores on Spark (and the other way round).
    """
    from splink import SettingsCreator

    comparisons = _comparisons(fields)
    extra: dict[str, Any] = {}
    if model is not None:
        trained = model.parameters()
        for c in comparisons:
            name = c.create_output_column_name()
            m, u = trained[name]
            c.configure(m_probabilities=m, u_probabilities=u)
        extra["probability_two_random_records_match"] = model.prior
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=_blocking_rules(fields),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
        **extra,
    )


def _train(linker: Any, fields: set[str], step: Step) -> None:
    training = linker.training
    deterministic = _deterministic_rules(fields)
    if deterministic:
        step("Estimating the share of pairs that match (deterministic rules)")
        training.estimate_probability_two_random_records_match(
            deterministic, recall=PRIOR_RECALL
        )
    step("Estimating u from random pairs")
    training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    for rule in _em_rules(fields):
        step("Estimating m by expectation maximisation")
        training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )


def train_model(
    left: Any,
    right: Any | None = None,
    *,
    mapping: Mapping[str, str],
    id_column: str,
    engine: Engine = "duckdb",
    spark: Any = None,
    on_step: Step | None = None,
    connection: Any = None,
) -> LinkageModel:
    """Train a Fellegi-Sunter model on the records themselves, with no labels.

    The prior (the probability that two random records match) is estimated from the
    pairs that deterministic rules accept (exact name and date of birth, identifier
    and date of birth or surname, name and postcode), assuming they find
    ``PRIOR_RECALL`` of the matches; u from random pairs (which are nearly all
    non-matches); m by expectation maximisation over pairs blocked on date of birth,
    then on surname, each round estimating the comparisons the other blocks on.

    Args:
        left: The records (a pyarrow Table, pandas DataFrame or DuckDB relation,
            e.g. from :func:`read_records`).
        right: A second table to link ``left`` to, or ``None`` to find duplicates
            within ``left``.
        mapping: Field to column (fields in :data:`FIELDS`).
        id_column: The column identifying each record, unique within its table.
        engine: ``"duckdb"`` (in memory) or ``"spark"`` (Splink's Spark backend).
        spark: A Spark session to use; by default a local one.
        on_step: Called with a description as each long step starts.
        connection: A DuckDB connection to run on (e.g. one with a
            ``memory_limit`` and ``temp_directory`` for large inputs); by default
            a new in-memory one.

    Returns:
        The trained model.

    Raises:
        LinkageError: An unknown field or engine.
        LinkageInputError: Records that cannot be read as mapped.

    Notes:
        Fellegi, I. P. and Sunter, A. B. (1969), "A Theory for Record Linkage",
        *Journal of the American Statistical Association* 64(328), 1183-1210; as
        implemented by Splink (Linacre et al., UK Ministry of Justice, 2022), whose
        training sequence (prior from deterministic rules, u by random sampling, m by
        EM) this follows.
    """
    step = on_step or (lambda _text: None)
    tables = _prepared(left, right, mapping, id_column)
    fields = set(mapping)
    link_type: LinkType = "link_only" if right is not None else "dedupe_only"
    with _quiet():
        linker = _linker(
            tables, _settings(fields, link_type), engine, spark, connection
        )
        _train(linker, fields, step)
        settings = linker.misc.save_model_to_json()
    return LinkageModel(settings=settings, mapping=dict(mapping), link_type=link_type)


def predict_pairs(
    left: Any,
    right: Any | None = None,
    *,
    mapping: Mapping[str, str],
    id_column: str,
    threshold: float = 0.5,
    engine: Engine = "duckdb",
    model: LinkageModel | None = None,
    spark: Any = None,
    on_step: Step | None = None,
    connection: Any = None,
) -> pa.Table:
    """The pairs of records of one person: in ``left``, or between ``left`` and ``right``.

    Without ``model``, one is trained on the records first (:func:`train_model`).
    Candidate pairs are those agreeing on any blocking rule (name, swapped names, date
    of birth, identifier, postcode with a name, address with town or postcode, surname
    with town); each is scored and those at or above ``threshold`` are returned.

    Args:
        left: The records (see :func:`train_model`).
        right: The records to link ``left`` to, or ``None`` to deduplicate ``left``.
        mapping: Field to column.
        id_column: The column identifying each record.
        threshold: The least match probability returned, in [0, 1].
        engine: ``"duckdb"`` or ``"spark"``.
        model: A model from :func:`train_model` to score with instead of training.
        spark: A Spark session to use; by default a local one.
        on_step: Called with a description as each long step starts.
        connection: A DuckDB connection to run on (see :func:`train_model`).

    Returns:
        An Arrow table ``id_l, id_r, match_probability`` sorted by ``id_l, id_r``.
        For two tables ``id_l`` is from ``left``; within one table each pair appears
        once, with ``id_l < id_r`` (as strings).

    Raises:
        LinkageError: An unknown field or engine, a threshold outside [0, 1], or a
            model trained for the other kind of linkage.
        LinkageInputError: Records that cannot be read as mapped.

    Notes:
        Fellegi and Sunter (1969); Splink (Linacre et al. 2022). The match probability
        is the posterior of a match given the comparison vector, with the prior and
        term-frequency adjustments for names, postcode, address and town.
    """
    if not 0.0 <= threshold <= 1.0 or math.isnan(threshold):
        raise LinkageError(f"threshold must be between 0 and 1, not {threshold}")
    step = on_step or (lambda _text: None)
    link_type: LinkType = "link_only" if right is not None else "dedupe_only"
    if model is not None and model.link_type != link_type:
        raise LinkageError(
            f"the model was trained for {model.link_type}, not {link_type}"
        )
    if model is None:
        model = train_model(
            left,
            right,
            mapping=mapping,
            id_column=id_column,
            engine=engine,
            spark=spark,
            on_step=step,
            connection=connection,
        )
    tables = _prepared(left, right, mapping, id_column)
    step("Scoring candidate pairs")
    with _quiet():
        settings = _settings(set(model.mapping), link_type, model)
        linker = _linker(tables, settings, engine, spark, connection)
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        source = ", source_dataset_l" if link_type == "link_only" else ""
        rows = predictions.query_sql(
            f"SELECT unique_id_l, unique_id_r, match_probability{source} FROM {{this}}"
        ).as_pyarrow_table()
    return _pairs(rows, link_type)


def _pairs(rows: pa.Table, link_type: LinkType) -> pa.Table:
    """``id_l, id_r, match_probability``, left-to-right or smaller id first, sorted."""
    ids_l = [str(v) for v in rows.column("unique_id_l").to_pylist()]
    ids_r = [str(v) for v in rows.column("unique_id_r").to_pylist()]
    if link_type == "link_only":
        flip = [
            not str(s).startswith("a_left_")
            for s in rows.column("source_dataset_l").to_pylist()
        ]
    else:
        flip = [a > b for a, b in zip(ids_l, ids_r, strict=True)]
    probability = [float(p) for p in rows.column("match_probability").to_pylist()]
    triples = sorted(
        (b, a, p) if f else (a, b, p)
        for a, b, p, f in zip(ids_l, ids_r, probability, flip, strict=True)
    )
    return pa.table(
        {
            "id_l": pa.array([t[0] for t in triples], pa.string()),
            "id_r": pa.array([t[1] for t in triples], pa.string()),
            "match_probability": pa.array([t[2] for t in triples], pa.float64()),
        }
    )


def explain_pair(
    left: Any,
    right: Any | None = None,
    *,
    id_l: str,
    id_r: str,
    model: LinkageModel,
    id_column: str,
    engine: Engine = "duckdb",
    spark: Any = None,
) -> PairExplanation:
    """How the model scores one pair, step by step: Splink's waterfall as data.

    The pair need not have been a candidate (blocking is skipped): any two records can
    be explained. Term frequencies come from the records given, as in prediction.

    Args:
        left: The records the model was used on.
        right: The second table for a linkage model, ``None`` for deduplication.
        id_l: The identifier of the record in ``left``.
        id_r: The identifier of the other record (in ``right`` when given).
        model: The trained model (:func:`train_model`).
        id_column: The column identifying each record.
        engine: ``"duckdb"`` or ``"spark"``.
        spark: A Spark session to use; by default a local one.

    Returns:
        The match weight and probability, and each contribution: the prior, then per
        comparison the level reached, its m, u, Bayes factor and match weight, and
        any term-frequency adjustment.

    Raises:
        LinkageError: An identifier not found among the records.

    Notes:
        The match weight of a pair is the sum of the log2 Bayes factors m/u of the
        levels it falls in, plus the prior's (Fellegi and Sunter 1969); the waterfall
        is Splink's presentation of that sum (Linacre et al. 2022).
    """
    tables = _prepared(left, right, model.mapping, id_column)
    record_l = _record(tables[0], id_l, "left")
    record_r = _record(tables[-1], id_r, "right" if right is not None else "left")
    with _quiet():
        settings = _settings(set(model.mapping), model.link_type, model)
        linker = _linker(tables, settings, engine, spark)
        scored = linker.inference.score_pair(record_l, record_r).as_record_list()
        (explanation,) = _explanations(scored, linker._settings_obj)
    return replace(explanation, id_l=id_l, id_r=id_r)


def explain_pairs(
    left: Any,
    right: Any | None = None,
    *,
    pairs: Sequence[tuple[str, str]],
    model: LinkageModel,
    id_column: str,
    engine: Engine = "duckdb",
    spark: Any = None,
    connection: Any = None,
) -> list[PairExplanation]:
    """How the model scores many pairs, each as :func:`explain_pair` would, in one pass.

    One linker is built and every pair is scored by one SQL query (the given pairs
    joined to the records with their term frequencies, then Splink's comparison
    vectors and match weights), so explaining every stored pair of a run costs about
    as much as scoring them did.

    Args:
        left: The records the model was used on.
        right: The second table for a linkage model, ``None`` for deduplication.
        pairs: ``(id_l, id_r)`` pairs: ``id_l`` in ``left``, ``id_r`` in ``right``
            (in ``left`` when deduplicating). Need not be candidates of blocking.
        model: The trained model (:func:`train_model`).
        id_column: The column identifying each record.
        engine: ``"duckdb"`` or ``"spark"``.
        spark: A Spark session to use; by default a local one.
        connection: A DuckDB connection to run on (see :func:`train_model`).

    Returns:
        One explanation per pair, in the order given (a repeated pair is explained
        once per occurrence).

    Raises:
        LinkageError: An identifier not found among the records.
    """
    from splink.internals.pipeline import CTEPipeline
    from splink.internals.predict import (
        predict_from_comparison_vectors_sqls_using_settings,
    )
    from splink.internals.vertically_concatenate import enqueue_df_concat_with_tf

    if not pairs:
        return []
    tables = _prepared(left, right, model.mapping, id_column)
    known_l = set(tables[0].column("unique_id").to_pylist())
    known_r = set(tables[-1].column("unique_id").to_pylist())
    for a, b in pairs:
        if a not in known_l:
            raise LinkageError(f"no record {a!r} in the left table")
        if b not in known_r:
            side = "right" if right is not None else "left"
            raise LinkageError(f"no record {b!r} in the {side} table")
    wanted = pa.table(
        {
            "pair_l": pa.array([a for a, _ in pairs], pa.string()),
            "pair_r": pa.array([b for _, b in pairs], pa.string()),
        }
    )
    with _quiet():
        settings = _settings(set(model.mapping), model.link_type, model)
        linker = _linker(tables, settings, engine, spark, connection)
        settings_obj = linker._settings_obj
        frame = linker._db_api.register(
            wanted, dataset_display_name=f"explain_pairs_{uuid.uuid4().hex[:12]}"
        )
        on_l = on_r = ""
        if right is not None:  # ids are unique within a table only
            names = [t.dataset_display_name for t in linker._input_tables_dict.values()]
            first, second = sorted(names)
            on_l = f" AND l.source_dataset = '{first}'"
            on_r = f" AND r.source_dataset = '{second}'"
        pipeline = CTEPipeline()
        enqueue_df_concat_with_tf(linker, pipeline)
        blocking = ", ".join(settings_obj._columns_to_select_for_blocking)
        pipeline.enqueue_sql(
            f"SELECT {blocking}, 0 AS match_key "
            f"FROM {frame.physical_name} AS p "
            "JOIN __splink__df_concat_with_tf AS l "
            f"ON l.unique_id = p.pair_l{on_l} "
            "JOIN __splink__df_concat_with_tf AS r "
            f"ON r.unique_id = p.pair_r{on_r}",
            "__splink__explain_blocked",
        )
        vectors = ", ".join(
            settings_obj._columns_to_select_for_comparison_vector_values
        )
        pipeline.enqueue_sql(
            f"SELECT {vectors} FROM __splink__explain_blocked",
            "__splink__df_comparison_vectors",
        )
        pipeline.enqueue_list_of_sqls(
            predict_from_comparison_vectors_sqls_using_settings(settings_obj)
        )
        scored = linker._db_api.sql_pipeline_to_splink_dataframe(pipeline)
        records = scored.as_record_list()
        scored.drop_table_from_database_and_remove_from_cache()
        explained = {
            (e.id_l, e.id_r): e
            for e in _explanations(records, settings_obj, cached=True)
        }
    return [explained[(a, b)] for a, b in pairs]


def _explanations(
    records: Sequence[dict[str, Any]], settings_obj: Any, *, cached: bool = False
) -> list[PairExplanation]:
    """Splink's scored rows (intermediate columns retained) as explanations.

    Args:
        records: The scored rows.
        settings_obj: The linker's settings (``linker._settings_obj``).
        cached: Build each comparison level's steps once and fill in each row's
            values (:func:`_waterfall_steps`) instead of Splink's own
            ``records_to_waterfall_data``, which parses the levels' SQL again for
            every row (about 4 ms a pair).
    """
    from splink.internals.waterfall_chart import records_to_waterfall_data

    steps: dict[int, list[dict[str, Any]]] = {}
    if cached:
        steps = dict(enumerate(_waterfall_steps(records, settings_obj)))
    else:
        for s in records_to_waterfall_data(  # type: ignore[no-untyped-call]
            records, settings_obj, False
        ):
            steps.setdefault(s["record_number"], []).append(s)
    return [
        PairExplanation(
            id_l=str(record["unique_id_l"]),
            id_r=str(record["unique_id_r"]),
            match_weight=float(record["match_weight"]),
            match_probability=float(record["match_probability"]),
            contributions=tuple(
                _contribution(s)
                for s in steps[number]
                if s["column_name"] != "Final score"
            ),
        )
        for number, record in enumerate(records)
    ]


def _waterfall_steps(
    records: Sequence[dict[str, Any]], settings_obj: Any
) -> list[list[dict[str, Any]]]:
    """Each row's waterfall steps as Splink's ``records_to_waterfall_data`` makes them.

    The steps of a comparison level (label, m, u, Bayes factor) are the same for
    every row that reaches it: they are made once per level by Splink's own
    ``_comparison_records`` (values hidden), and each row adds its values and its
    term-frequency adjustment. The last step of each row is its final score.
    """
    from splink.internals.waterfall_chart import (
        _comparison_records,
        _final_score_record,
        _prior_record,
    )

    prior = _prior_record(settings_obj)  # type: ignore[no-untyped-call]
    comparisons = list(settings_obj.comparisons)
    columns: list[tuple[list[str], list[str]]] = []
    for c in comparisons:
        used = c._input_columns_used_by_case_statement
        columns.append(
            ([ic.unquote().name_l for ic in used], [ic.unquote().name_r for ic in used])
        )
    # (comparison, vector value) -> the level's steps, its tf columns, whether the
    # level adjusts for term frequency
    Level = tuple[list[dict[str, Any]], tuple[str, str] | None, bool]
    levels: dict[tuple[int, Any], Level] = {}
    out: list[list[dict[str, Any]]] = []
    for record in records:
        steps = [dict(prior)]
        for i, c in enumerate(comparisons):
            value = record[c._gamma_column_name]
            known = levels.get((i, value))
            if known is None:
                level = c._get_comparison_level_by_comparison_vector_value(value)
                tf_column = level._tf_adjustment_input_column
                known = levels[(i, value)] = (
                    _comparison_records(record, c, hide_details=True),
                    (tf_column.unquote().name_l, tf_column.unquote().name_r)
                    if tf_column is not None
                    else None,
                    bool(level._has_tf_adjustments),
                )
            template, tf_names, adjusts = known
            names_l, names_r = columns[i]
            first = dict(template[0])
            first["value_l"] = ", ".join(str(record[n]) for n in names_l)
            first["value_r"] = ", ".join(str(record[n]) for n in names_r)
            steps.append(first)
            if len(template) > 1:  # the comparison's term-frequency step
                tf_step = dict(template[1])
                if tf_names is not None:
                    tf_step["value_l"] = str(record[tf_names[0]])
                    tf_step["value_r"] = str(record[tf_names[1]])
                if adjusts:
                    weight = record[c._mw_tf_adj_column_name]
                    tf_step["log2_bayes_factor"] = weight
                    tf_step["bayes_factor"] = 2**weight if weight != 0 else 1.0
                steps.append(tf_step)
        steps.append(_final_score_record(record))  # type: ignore[no-untyped-call]
        out.append(steps)
    return out


def _contribution(step: dict[str, Any]) -> Contribution:
    tf = bool(step["term_frequency_adjustment"])
    return Contribution(
        comparison="prior" if step["column_name"] == "Prior" else step["column_name"],
        level=str(step["label_for_charts"]),
        value_l=_shown(step["value_l"]),
        value_r=_shown(step["value_r"]),
        bayes_factor=float(step["bayes_factor"]),
        match_weight=float(step["log2_bayes_factor"]),
        m_probability=None if tf else step["m_probability"],
        u_probability=None if tf else step["u_probability"],
    )


def _shown(value: Any) -> str:
    """A value as the waterfall shows it, a missing one (``None``) as empty."""
    return "" if value is None or value == "None" else str(value)


def _record(table: pa.Table, unique_id: str, side: str) -> dict[str, Any]:
    matches = table.filter(pa.compute.equal(table.column("unique_id"), unique_id))
    if matches.num_rows == 0:
        raise LinkageError(f"no record {unique_id!r} in the {side} table")
    return dict(matches.to_pylist()[0])
