"""Incremental linkage and saved models (issue #13): a new batch matched against the
records held, with the model saved after training and loaded for the batch; the
explanation of a pair as plain data.

Truth is FEBRL 4's ``rec-N-org`` / ``rec-N-dup-0`` identifiers (same N, same person).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pyarrow as pa
import pytest

from saferleeds.analytics.linkage import (
    FEBRL_MAPPING,
    LinkageError,
    LinkageInputError,
    LinkageModel,
    explain_pair,
    load_model,
    match_new_records,
    predict_pairs,
    read_records,
    save_model,
    train_model,
)
from tests.conftest import SHARED

FEBRL = SHARED / "data" / "linkage" / "febrl"
pytestmark = pytest.mark.skipif(
    not (FEBRL / "dataset4a.csv").exists(), reason=f"FEBRL 4 is not in {FEBRL}"
)
NEW_FROM = 2500  # dataset4b's records from here on are the new batch


def _entity(rec_id: str) -> str:
    m = re.match(r"rec-(\d+)-", rec_id)
    assert m, rec_id
    return m.group(1)


@pytest.fixture(scope="module")
def febrl4() -> tuple[pa.Table, pa.Table]:
    return read_records(FEBRL / "dataset4a.csv"), read_records(FEBRL / "dataset4b.csv")


@pytest.fixture(scope="module")
def saved_model(
    febrl4: tuple[pa.Table, pa.Table], tmp_path_factory: pytest.TempPathFactory
) -> tuple[LinkageModel, Path]:
    """Trained on both files, as the first full link would be, and saved."""
    model = train_model(*febrl4, mapping=FEBRL_MAPPING, id_column="rec_id")
    path = save_model(model, tmp_path_factory.mktemp("model") / "model.json")
    return model, path


def test_saved_model_round_trips(
    febrl4: tuple[pa.Table, pa.Table], saved_model: tuple[LinkageModel, Path]
) -> None:
    model, path = saved_model
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "saferleeds.linkage.model"
    # Splink's own model JSON, with its trained m and u.
    assert data["splink"]["comparisons"][0]["comparison_levels"][1]["m_probability"]
    loaded = load_model(path)
    assert loaded == model
    left, right = febrl4
    subset = left.slice(0, 800), right.slice(0, 800)
    kw = {"mapping": FEBRL_MAPPING, "id_column": "rec_id"}
    assert predict_pairs(*subset, model=loaded, **kw).equals(
        predict_pairs(*subset, model=model, **kw)
    )


def test_a_damaged_or_foreign_model_file_is_refused(
    saved_model: tuple[LinkageModel, Path], tmp_path: Path
) -> None:
    _model, path = saved_model
    data = json.loads(path.read_text(encoding="utf-8"))
    cases: dict[str, tuple[str | bytes, str]] = {
        "text.json": ("not json", "not JSON"),
        "other.json": (json.dumps({"link_type": "dedupe_only"}), "not a saferleeds"),
        "future.json": (json.dumps({**data, "version": 99}), "model version 99"),
        "latin.json": (b"\xff\xfe{}", "not UTF-8"),
    }
    no_dob = json.loads(json.dumps(data))
    no_dob["splink"]["comparisons"] = [
        c for c in no_dob["splink"]["comparisons"] if c["output_column_name"] != "dob"
    ]
    cases["no_dob.json"] = (json.dumps(no_dob), "no trained comparison for dob")
    bad_m = json.loads(json.dumps(data))
    bad_m["splink"]["comparisons"][0]["comparison_levels"][1]["m_probability"] = 1.5
    cases["bad_m.json"] = (json.dumps(bad_m), "outside")
    for name, (content, message) in cases.items():
        target = tmp_path / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        with pytest.raises(LinkageError, match=message):
            load_model(target)


def test_new_batch_matches_as_a_full_relink(
    febrl4: tuple[pa.Table, pa.Table], saved_model: tuple[LinkageModel, Path]
) -> None:
    """Existing: all of 4a and the first 2,500 of 4b. New: the other 2,500 of 4b,
    scored with the saved model. Against the full re-link of 4a with 4b (same model):
    the same pairs for the new records, with the same probabilities to 1e-9, plus
    at most a few new-to-existing-4b pairs the full link cannot make (4b with 4b).
    Measured: 2,500 shared pairs, probabilities identical, 1 extra pair; 2,499 of
    2,500 true links, precision 0.9992."""
    left, right = febrl4
    model = load_model(saved_model[1])
    existing = pa.concat_tables([left, right.slice(0, NEW_FROM)])
    new = right.slice(NEW_FROM)
    incremental = match_new_records(existing, new, model=model, id_column="rec_id")
    assert incremental.column_names == ["id_new", "id_existing", "match_probability"]
    new_ids = set(new["rec_id"].to_pylist())
    assert set(incremental["id_new"].to_pylist()) <= new_ids
    assert not set(incremental["id_existing"].to_pylist()) & new_ids
    found = {
        (n, e): p
        for n, e, p in zip(
            incremental["id_new"].to_pylist(),
            incremental["id_existing"].to_pylist(),
            incremental["match_probability"].to_pylist(),
            strict=True,
        )
    }
    true_links = new.num_rows  # each 4b record has one original in 4a
    tp = sum(_entity(n) == _entity(e) for n, e in found)
    precision, recall = tp / len(found), tp / true_links
    f1 = 2 * tp / (len(found) + true_links)
    assert f1 >= 0.995, (precision, recall, f1)

    full = predict_pairs(
        left, right, mapping=FEBRL_MAPPING, id_column="rec_id", model=model
    )
    relinked = {
        (r, a): p
        for a, r, p in zip(
            full["id_l"].to_pylist(),
            full["id_r"].to_pylist(),
            full["match_probability"].to_pylist(),
            strict=True,
        )
        if r in new_ids
    }
    assert relinked.keys() <= found.keys()
    extra = found.keys() - relinked.keys()
    assert len(extra) <= 5, sorted(extra)
    assert all(e.startswith("rec-") and "dup" in e for _n, e in extra)  # 4b records
    for key, probability in relinked.items():
        assert found[key] == pytest.approx(probability, abs=1e-9)


def test_a_threshold_and_repeated_ids(
    febrl4: tuple[pa.Table, pa.Table], saved_model: tuple[LinkageModel, Path]
) -> None:
    left, right = febrl4
    model = saved_model[0]
    batch = right.slice(0, 300)
    strict = match_new_records(
        left, batch, model=model, id_column="rec_id", threshold=0.99
    )
    assert strict.num_rows > 250
    assert min(strict["match_probability"].to_pylist()) >= 0.99
    with pytest.raises(LinkageInputError, match="already among the existing"):
        match_new_records(left, left.slice(10, 5), model=model, id_column="rec_id")
    with pytest.raises(LinkageError, match="threshold"):
        match_new_records(left, batch, model=model, id_column="rec_id", threshold=2)


def test_explanation_as_plain_data_adds_up(
    febrl4: tuple[pa.Table, pa.Table], saved_model: tuple[LinkageModel, Path]
) -> None:
    """Each comparison's log2 Bayes factor, as JSON-ready data, sums to the pair's
    match weight; the probability is the logistic of that weight."""
    left, right = febrl4
    model = saved_model[0]
    # A clean pair and one with typos, so several levels show up.
    for id_l, id_r in (
        ("rec-1070-org", "rec-1070-dup-0"),
        ("rec-561-org", "rec-561-dup-0"),
    ):
        data = explain_pair(
            left, right, id_l=id_l, id_r=id_r, model=model, id_column="rec_id"
        ).as_dict()
        assert json.loads(json.dumps(data)) == data  # plain data only
        rows = data["contributions"]
        assert rows[0]["comparison"] == "prior"
        assert {"comparison", "level", "bayes_factor", "match_weight"} <= set(rows[0])
        assert sum(r["match_weight"] for r in rows) == pytest.approx(
            data["match_weight"], abs=1e-9
        )
        for r in rows:
            assert r["match_weight"] == pytest.approx(
                math.log2(r["bayes_factor"]), abs=1e-9
            )
        w = data["match_weight"]
        assert data["match_probability"] == pytest.approx(2**w / (1 + 2**w))
        levels = {r["comparison"]: r["level"] for r in rows}
        assert {"forename", "surname", "dob", "postcode", "identifier"} <= set(levels)
