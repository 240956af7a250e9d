"""Record linkage: find each agency's records of the same person (issue #13).

A Fellegi-Sunter model built with Splink, trained on the records themselves (no
labels) and run on DuckDB by default or on Spark. The public surface:

- :func:`read_records`: a CSV file as an Arrow table, remembering each record's line.
- :func:`predict_pairs`: the pairs of records of one person (``id_l, id_r,
  match_probability``), within one table (deduplication) or between two (linkage).
- :func:`train_model`: the model alone, to score other files or explain pairs.
- :func:`explain_pair`: why a pair scored as it did (Splink's waterfall as data).
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
    read_records,
)
from saferleeds.analytics.linkage._model import (
    ENGINES,
    Contribution,
    Engine,
    LinkageModel,
    PairExplanation,
    explain_pair,
    local_spark,
    predict_pairs,
    train_model,
)

__all__ = [
    "ENGINES",
    "FEBRL_MAPPING",
    "FIELDS",
    "Contribution",
    "Engine",
    "LinkageError",
    "LinkageInputError",
    "LinkageModel",
    "PairExplanation",
    "explain_pair",
    "local_spark",
    "predict_pairs",
    "read_records",
    "train_model",
]
