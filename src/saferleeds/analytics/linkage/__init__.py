"""Record linkage: find each agency's records of the same person (issue #13).

A Fellegi-Sunter model built with Splink, trained on the records themselves (no
labels) and run on DuckDB by default or on Spark. The public surface:

- :func:`read_records`: a CSV file as an Arrow table, remembering each record's line
  (:func:`parse_records` for an upload's bytes); :func:`agency_rows`: an agency's
  extract checked and made into the rows its agency records are kept from.
- :func:`predict_pairs`: the pairs of records of one person (``id_l, id_r,
  match_probability``), within one table (deduplication) or between two (linkage).
- :func:`train_model`: the model alone, to score other files or explain pairs.
- :func:`explain_pair`: why a pair scored as it did (Splink's waterfall as data;
  :meth:`PairExplanation.as_dict` for pages and the API); :func:`explain_pairs`: many
  pairs at once, in one pass.
- :func:`save_model` / :func:`load_model`: a trained model as Splink's model JSON, so a
  later batch is scored with the same m, u and prior.
- :func:`match_new_records`: a new batch against the records already held
  (incremental linkage).
- :func:`review_bands`, :func:`apply_decisions`, :func:`cluster_records`: clerical
  review bands, reviewers' decisions overriding the model, and resolved people.
- :mod:`~saferleeds.analytics.linkage.pseudonym`: keyed, rotatable pseudonyms.
- :class:`LinkageInputError`: records that cannot be linked, naming file, line, field.

Fields a column can be mapped to: forename, surname, dob, sex, postcode, address,
town, identifier.

Notes:
    Fellegi, I. P. and Sunter, A. B. (1969), "A Theory for Record Linkage", JASA 64;
    Splink (UK Ministry of Justice), https://moj-analytical-services.github.io/splink/.
"""

from saferleeds.analytics.linkage._input import (
    FEBRL_MAPPING,
    FIELDS,
    LinkageError,
    LinkageInputError,
    agency_rows,
    parse_records,
    read_records,
)
from saferleeds.analytics.linkage._model import (
    ENGINES,
    Contribution,
    Engine,
    LinkageModel,
    PairExplanation,
    explain_pair,
    explain_pairs,
    load_model,
    local_spark,
    predict_pairs,
    save_model,
    train_model,
)
from saferleeds.analytics.linkage.incremental import match_new_records
from saferleeds.analytics.linkage.pseudonym import (
    PseudonymKey,
    PseudonymKeyError,
    new_key,
    pseudonym,
    rotation_map,
)
from saferleeds.analytics.linkage.review import (
    Clusters,
    Decision,
    ReviewBands,
    apply_decisions,
    cluster_records,
    review_bands,
)

__all__ = [
    "ENGINES",
    "FEBRL_MAPPING",
    "FIELDS",
    "Clusters",
    "Contribution",
    "Decision",
    "Engine",
    "LinkageError",
    "LinkageInputError",
    "LinkageModel",
    "PairExplanation",
    "PseudonymKey",
    "PseudonymKeyError",
    "ReviewBands",
    "agency_rows",
    "apply_decisions",
    "cluster_records",
    "explain_pair",
    "explain_pairs",
    "load_model",
    "local_spark",
    "match_new_records",
    "new_key",
    "parse_records",
    "predict_pairs",
    "pseudonym",
    "read_records",
    "review_bands",
    "rotation_map",
    "save_model",
    "train_model",
]
