"""Incremental linkage: a new batch of records matched against the records held.

A partner's new extract is compared with the records already resolved, with the model
trained earlier (loaded with :func:`load_model`), instead of re-linking everything:
only pairs of one new and one existing record are scored, so the work grows with the
size of the batch times the size of its blocks, not with the square of the whole
register.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from saferleeds.analytics.linkage._input import (
    LinkageError,
    LinkageInputError,
    as_arrow,
    prepare,
    source_name,
)
from saferleeds.analytics.linkage._model import (
    Engine,
    LinkageModel,
    Step,
    _linker,
    _quiet,
    _settings,
)


def match_new_records(
    existing: Any,
    new: Any,
    *,
    model: LinkageModel,
    id_column: str,
    threshold: float = 0.5,
    engine: Engine = "duckdb",
    spark: Any = None,
    on_step: Step | None = None,
) -> pa.Table:
    """The existing records that each new record is likely the same person as.

    Candidate pairs are one new and one existing record agreeing on any of the
    model's blocking rules; each is scored with the model's m, u and prior (no
    training), with term frequencies counted over the existing and new records
    together, as a full re-link of both would count them. Pairs within the new batch
    or within the existing records are not made.

    Args:
        existing: The records already held (a pyarrow Table, pandas DataFrame or
            DuckDB relation, e.g. :func:`read_records`), with the model's mapped
            columns.
        new: The new batch, with the same columns.
        model: A trained model (:func:`train_model` or :func:`load_model`); one
            trained for deduplication or for linking two files serves alike.
        id_column: The column identifying each record, unique across both tables.
        threshold: The least match probability returned, in [0, 1].
        engine: ``"duckdb"`` or ``"spark"``.
        spark: A Spark session to use; by default a local one.
        on_step: Called with a description as each long step starts.

    Returns:
        An Arrow table ``id_new, id_existing, match_probability``, sorted by
        ``id_new``, then by falling probability.

    Raises:
        LinkageError: A bad threshold or engine.
        LinkageInputError: Records that cannot be read as mapped, or a new record
            whose identifier is already among the existing records.

    Notes:
        Fellegi and Sunter (1969). Splink's "find matches to new records" (Splink
        3-4 ``find_matches_to_new_records``), in Splink 5
        ``linker.inference.predict_between(left, right)`` with term-frequency tables
        registered by ``linker.table_management.compute_tf_table`` (Splink docs,
        *Real time record linkage*). A record's probability equals a full re-link's
        for the same pair when the records are the same (same term frequencies).
    """
    if math.isnan(threshold) or not 0.0 <= threshold <= 1.0:
        raise LinkageError(f"threshold must be between 0 and 1, not {threshold}")
    step = on_step or (lambda _text: None)
    old = prepare(existing, model.mapping, id_column, default_name="existing")
    batch = prepare(new, model.mapping, id_column, default_name="new")
    repeated = pc.is_in(batch["unique_id"], value_set=old["unique_id"])
    if pc.any(repeated).as_py():
        first = batch.filter(repeated)["unique_id"][0].as_py()
        raise LinkageInputError(
            _name(new, "new"),
            None,
            id_column,
            f"identifier {first!r} is already among the existing records",
        )
    step("Scoring the new records against the existing ones")
    with _quiet():
        # The model's link_type is set aside: between the two roles every pair of a
        # new and an existing record is a candidate (dedupe_only keeps them all).
        settings = _settings(set(model.mapping), "dedupe_only", model)
        both = pa.concat_tables([old, batch])
        linker = _linker([both], settings, engine, spark)
        for column in linker._settings_obj._term_frequency_columns:
            linker.table_management.compute_tf_table(column.name)
        db_api = linker._db_api
        frames = [
            db_api.register(table, dataset_display_name=f"{role}_{uid}")
            for table, role, uid in (
                (batch, "new", _uid()),
                (old, "existing", _uid()),
            )
        ]
        predictions = linker.inference.predict_between(
            frames[0],
            frames[1],
            threshold_match_probability=threshold,
            warning_mode="never",
        )
        rows = predictions.query_sql(
            "SELECT unique_id_l, unique_id_r, match_probability FROM {this}"
        ).as_pyarrow_table()
    triples = sorted(
        (
            (str(a), str(b), float(p))
            for a, b, p in zip(
                rows["unique_id_l"].to_pylist(),
                rows["unique_id_r"].to_pylist(),
                rows["match_probability"].to_pylist(),
                strict=True,
            )
        ),
        key=lambda t: (t[0], -t[2], t[1]),
    )
    return pa.table(
        {
            "id_new": pa.array([t[0] for t in triples], pa.string()),
            "id_existing": pa.array([t[1] for t in triples], pa.string()),
            "match_probability": pa.array([t[2] for t in triples], pa.float64()),
        }
    )


def _uid() -> str:
    return uuid.uuid4().hex[:12]


def _name(table: Any, default: str) -> str:
    return source_name(as_arrow(table), default)
