"""The partnership file's typed casework settings: loaded once, checked, clear errors."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from saferleeds.config import ConfigError
from saferleeds.partnership import (
    SHIPPED,
    AsbSettings,
    CaseworkSettings,
    HateSettings,
    InvalidSetting,
    MaracSettings,
    NrmSettings,
    PartnershipConfigError,
    current,
    load_partnership,
)

GEOGRAPHY = SHIPPED.parent.parent / "geography"

WriteFile = Callable[[str, str], Path]


def leeds_copy(old: str = "", new: str = "") -> str:
    """The shipped leeds.toml with one line changed, its geography paths absolute so a
    copy elsewhere still finds the shipped files."""
    text = SHIPPED.read_text(encoding="utf-8").replace(
        '"../geography/', f'"{GEOGRAPHY.as_posix()}/'
    )
    if old:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.fixture
def partnership_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[WriteFile]:
    """Write a changed copy of leeds.toml and select it with SAFERLEEDS_PARTNERSHIP."""

    def write(old: str, new: str) -> Path:
        path = tmp_path / "partnership.toml"
        path.write_text(leeds_copy(old, new), encoding="utf-8")
        monkeypatch.setenv("SAFERLEEDS_PARTNERSHIP", str(path))
        current.cache_clear()
        return path

    current.cache_clear()
    yield write
    monkeypatch.delenv("SAFERLEEDS_PARTNERSHIP", raising=False)
    current.cache_clear()


def test_shipped_file_loads_into_the_typed_settings() -> None:
    casework = load_partnership(SHIPPED).casework
    assert casework.marac == MaracSettings(
        escalation_threshold=3,
        escalation_window_days=365,
        adult_female_population=318000,
        adult_female_population_source=casework.marac.adult_female_population_source,
    )
    assert casework.marac.adult_female_population_source.startswith("approximate:")
    assert casework.hate == HateSettings(lead_agency="lcc", repeat_window_days=365)
    assert casework.asb == AsbSettings(
        threshold_complaints=3,
        behaviour_window_months=1,
        application_window_months=6,
        threshold_individuals=0,
        threshold_hate_incidents=0,
        acknowledge_working_days=5,
        decision_working_days=15,
        review_working_days=20,
        tell_applicant_working_days=5,
        risk_high_score=22,
        risk_medium_score=12,
        risk_contact_days={"high": 1, "medium": 3, "standard": 10},
        risk_review_days={"high": 7, "medium": 14, "standard": 28},
        statistics_year_start_month=4,
    )
    assert dict(casework.asb.risk_weights) == {}
    assert casework.nrm == NrmSettings(rg_target_working_days=5, cg_minimum_days=30)
    assert current().casework == casework


def test_settings_are_frozen_all_the_way_down() -> None:
    asb = load_partnership(SHIPPED).casework.asb
    with pytest.raises(dataclasses.FrozenInstanceError):
        asb.risk_high_score = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        asb.risk_contact_days["high"] = 5  # type: ignore[index]


def test_missing_keys_and_sections_take_the_national_defaults(tmp_path: Path) -> None:
    text = leeds_copy()
    path = tmp_path / "p.toml"
    path.write_text(text[: text.index("[casework.marac]")], encoding="utf-8")
    assert load_partnership(path).casework == CaseworkSettings()
    path.write_text(
        leeds_copy("escalation_window_days = 365\n", "")
        .replace("lead_agency = ", "# lead_agency = ")
        .replace("cg_minimum_days = 30\n", ""),
        encoding="utf-8",
    )
    casework = load_partnership(path).casework
    assert casework.marac.escalation_window_days == 365
    assert casework.hate.lead_agency == "lcc"
    assert casework.nrm.cg_minimum_days == 30


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (  # a typo: unknown key, with the key it probably meant
            "escalation_threshold = 3",
            "escalaton_threshold = 3",
            "[casework.marac] escalaton_threshold: unknown key "
            "(did you mean escalation_threshold?); expected one of "
            "escalation_threshold, escalation_window_days, ",
        ),
        (  # a string where an integer is expected
            "repeat_window_days = 365",
            'repeat_window_days = "365"',
            '[casework.hate] repeat_window_days = "365": expected an integer of at '
            "least 1, not a string",
        ),
        (  # a boolean is not an integer (though Python's bool is an int)
            "cg_minimum_days = 30",
            "cg_minimum_days = true",
            "[casework.nrm] cg_minimum_days = true: expected an integer of at least 1,"
            " not a boolean",
        ),
        (  # nor is a float
            "threshold_complaints = 3",
            "threshold_complaints = 3.0",
            "[casework.asb] threshold_complaints = 3.0: expected an integer from 1 to "
            "3, not a float",
        ),
        (  # a negative window
            "escalation_window_days = 365",
            "escalation_window_days = -30",
            "[casework.marac] escalation_window_days = -30: expected an integer of at "
            "least 1",
        ),
        (
            "statistics_year_start_month = 4",
            "statistics_year_start_month = 13",
            "[casework.asb] statistics_year_start_month = 13: expected an integer "
            "from 1 to 12",
        ),
        (
            'lead_agency = "lcc"',
            "lead_agency = 7",
            "[casework.hate] lead_agency = 7: expected a non-empty string, not an "
            "integer",
        ),
        (  # a key inside an inline table
            "risk_contact_days = { high = 1,",
            "risk_contact_days = { hgh = 1,",
            "[casework.asb] risk_contact_days.hgh: unknown key (did you mean high?); "
            "expected one of high, medium, standard",
        ),
        (  # a rule between two settings
            "risk_medium_score = 12",
            "risk_medium_score = 30",
            "[casework.asb] risk_medium_score = 30: expected an integer below "
            "risk_high_score (22)",
        ),
        (  # an unknown casework module
            "[casework.nrm]",
            "[casework.nmr]",
            "[casework] nmr: unknown module (did you mean nrm?); expected one of "
            "marac, hate, asb, nrm",
        ),
        (  # an unknown top-level section
            "[casework.asb]",
            "[caseworks.asb]",
            ": caseworks: unknown section (did you mean casework?); expected one of "
            "partnership, geography, priority_neighbourhoods, casework",
        ),
        (
            'name = "Safer Leeds"',
            'title = "Safer Leeds"',
            "[partnership] title: unknown key",
        ),
    ],
)
def test_a_bad_setting_is_a_one_line_error_naming_file_section_and_key(
    partnership_file: WriteFile, old: str, new: str, message: str
) -> None:
    path = partnership_file(old, new)
    with pytest.raises(PartnershipConfigError) as caught:
        current()
    text = str(caught.value)
    assert text.startswith(f"{path}:"), text
    assert message in text, text
    assert "\n" not in text
    # Django-free (the analytics package reads the partnership): a plain ConfigError,
    # which Django's start-up raises ImproperlyConfigured from (test below).
    assert isinstance(caught.value, ConfigError)
    assert not isinstance(caught.value, ImproperlyConfigured)


def test_settings_built_in_code_are_checked_too() -> None:
    with pytest.raises(InvalidSetting, match="escalation_threshold = 0: expected"):
        MaracSettings(escalation_threshold=0)
    with pytest.raises(InvalidSetting, match="risk_weights.nosuch: unknown key"):
        AsbSettings(risk_weights={"nosuch": 2})
    assert (
        dataclasses.replace(HateSettings(), repeat_window_days=30).lead_agency == "lcc"
    )


def test_an_unreadable_or_malformed_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(PartnershipConfigError, match="cannot read the partnership"):
        load_partnership(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[partnership\n", encoding="utf-8")
    with pytest.raises(PartnershipConfigError, match="bad.toml: not a valid TOML"):
        load_partnership(bad)


def _run(path: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SAFERLEEDS_PARTNERSHIP": str(path),
        "SAFERLEEDS_DATA_DIR": str(path.parent),
        "SAFERLEEDS_ENV": "test",
    }
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_cli_prints_the_error_as_one_line_with_exit_2(
    partnership_file: WriteFile,
) -> None:
    path = partnership_file("escalation_threshold = 3", "escalaton_threshold = 3")
    cli = Path(sys.executable).with_name("saferleeds")
    r = _run(path, str(cli), "summary")
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"error: {path}: [casework.marac] escalaton_threshold")


def test_django_refuses_to_start_with_a_bad_file(partnership_file: WriteFile) -> None:
    path = partnership_file("cg_minimum_days = 30", "cg_minimum_days = -1")
    code = (
        "import os, django; "
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'saferleeds.settings'; django.setup()"
    )
    r = _run(path, sys.executable, "-c", code)
    assert r.returncode != 0
    assert "PartnershipConfigError" in r.stderr
    assert "[casework.nrm] cg_minimum_days = -1: expected" in r.stderr
    assert "django.core.exceptions.ImproperlyConfigured: " in r.stderr


def test_the_risk_question_keys_are_the_risk_matrix_questions() -> None:
    """partnership.py lists the ASB risk question keys itself (it must not import the
    safeguarding app); they are the keys of the questions the matrix asks."""
    from saferleeds.asb.rules import DEFAULT_QUESTIONS
    from saferleeds.partnership import ASB_RISK_QUESTION_KEYS

    assert ASB_RISK_QUESTION_KEYS == tuple(q.key for q in DEFAULT_QUESTIONS)
