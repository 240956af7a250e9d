"""The record registry: kinds declared once, looked up by value or name, never guessed."""

from __future__ import annotations

import pickle

import pytest
from django.apps import apps

from saferleeds.core import records
from saferleeds.core.records import RecordKind, RecordType, declare, kind, kinds


def test_every_kind_names_a_real_model_and_real_lookups() -> None:
    for declared in kinds():
        model = apps.get_model(declared.model)  # raises for a model nobody has
        fields = {f.name for f in model._meta.get_fields()}
        assert declared.holder.split("__")[0] in fields, declared
        if declared.case_path not in (None, "id"):
            assert declared.case_path.split("__")[0] in fields, declared
        if declared.subject not in (None, "pk"):
            assert declared.subject.split("__")[0] in fields, declared
        for name in declared.related:
            assert name in fields, (declared, name)
        for name in declared.withheld:
            assert name in fields, (declared, name)
        if declared.case_section:
            assert declared.case_type, declared


def test_a_kind_is_its_value() -> None:
    note = RecordType.CASE_NOTE
    assert isinstance(note, RecordKind) and note == "case_note"
    assert (
        note.value == "case_note" and note.view_event == "safeguarding.case_note.view"
    )
    assert RecordType("case_note") is note and kind("case_note") is note
    assert "case_note" in RecordType and len(RecordType) == len(kinds())
    assert ("case_note", "Case note") in RecordType.choices
    assert pickle.loads(pickle.dumps(note)) is note
    with pytest.raises(AttributeError):
        note.label = "changed"  # type: ignore[misc]


def test_an_undeclared_kind_is_an_error_not_a_default() -> None:
    with pytest.raises(AttributeError, match="no installed app declares"):
        _ = RecordType.CASE_NOOTE
    with pytest.raises(LookupError, match="case_noote"):
        kind("case_noote")


def test_two_apps_cannot_declare_one_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records, "_kinds", dict(records._kinds))
    with pytest.raises(ValueError, match="declared by safeguarding.CaseNote"):
        declare("case_note", label="Other", model="people.Person", holder="x")


def test_kinds_follow_installed_apps_order() -> None:
    modules = [k.module for k in kinds()]
    order = [c.label for c in apps.get_app_configs()]
    assert modules == sorted(modules, key=order.index)
