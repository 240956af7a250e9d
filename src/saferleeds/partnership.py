"""The partnership's configuration: its district, geography files, priority neighbourhoods
and casework settings.

Django-free, so the analytics package, the CLI and the web app share it. The file is
checked once, as it is read: an unknown section or key, or a value of the wrong type or
out of range, is a :class:`PartnershipConfigError` naming the file, the TOML section and
key and what was expected, never a silent fall-back to a default. Casework settings are
typed and frozen (``current().casework.marac.escalation_threshold``); a key missing from
the file takes the national default documented on its dataclass.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from saferleeds import config

SHIPPED = Path(__file__).parent / "data" / "partnerships" / "leeds.toml"

SECTIONS = (
    "partnership",
    "geography",
    "priority_neighbourhoods",
    "casework",
    "governance",
)
"""The top-level sections a partnership file may have."""

RISK_LEVELS = ("high", "medium", "standard")
"""The ASB victim risk levels ``[casework.asb] risk_*_days`` tables are keyed by."""


class PartnershipConfigError(config.ConfigError):
    """The partnership file is missing, unreadable or invalid.

    A ``config.ConfigError``: the message is one line naming the file, the TOML section
    and key, and what was expected; the ``saferleeds`` command prints just that, and
    Django refuses to start (``ImproperlyConfigured``, raised from this error).
    """


class InvalidSetting(ValueError):
    """A setting's value is not one the setting takes, or the key is unknown.

    Raised when a settings dataclass is built with a bad value; loading a partnership
    file turns it into a :class:`PartnershipConfigError` naming the file and section.

    Attributes:
        key: The setting's key as the file spells it (``table.key`` for a key inside
            an inline table).
    """

    def __init__(self, key: str, problem: str) -> None:
        """Record the key and the problem.

        Args:
            key: The setting's key, as the file spells it.
            problem: What is wrong, after the key in the message.
        """
        super().__init__(f"{key}{problem}")
        self.key = key


# --- describing keys and values in messages ----------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")


def _key(key: str) -> str:
    """A key as the file spells it: bare if it can be, else quoted with escapes."""
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _show(value: object) -> str:
    """A TOML value for a message: one line, control characters escaped, clipped."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value)
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: object) -> str:
    """The TOML type of a value, with its article ("a string", "an integer")."""
    for kind, name in (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (list, "an array"),
        (dict, "a table"),
        (datetime, "a date-time"),
        (date, "a date"),
        (time, "a time"),
    ):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _unknown(
    name: str, known: Iterable[str], what: str = "key", *, within: str = ""
) -> InvalidSetting:
    """The error for a key the table does not have, with a guess at the intended one.

    Args:
        name: The key as read.
        known: The keys the table may have.
        what: What a key is here ("key", "section", "module").
        within: The inline table's key, for a key inside one.
    """
    known = list(known)
    guess = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {guess[0]}?)" if guess else ""
    return InvalidSetting(
        f"{within}.{_key(name)}" if within else _key(name),
        f": unknown {what}{hint}; expected one of {', '.join(known)}",
    )


def _wrong(key: str, value: object, expected: str, *, of_type: bool) -> InvalidSetting:
    """The error for a value the setting does not take."""
    got = f", not {_kind(value)}" if of_type else ""
    return InvalidSetting(key, f" = {_show(value)}: expected {expected}{got}")


# --- what each setting takes ------------------------------------------------------

Parse = Callable[[str, Any], Any]
"""Checks (and may convert) a setting's value; raises ``InvalidSetting``."""


def _integer(minimum: int, maximum: int | None = None) -> Parse:
    """An integer (never a boolean, float or string) from ``minimum`` to ``maximum``."""
    expected = (
        f"an integer from {minimum} to {maximum}"
        if maximum is not None
        else f"an integer of at least {minimum}"
    )

    def parse(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(key, value, expected, of_type=True)
        if value < minimum or (maximum is not None and value > maximum):
            raise _wrong(key, value, expected, of_type=False)
        return value

    return parse


def _text(*, required: bool) -> Parse:
    """A string; a non-empty one if ``required``."""
    expected = "a non-empty string" if required else "a string"

    def parse(key: str, value: Any) -> str:
        if not isinstance(value, str):
            raise _wrong(key, value, expected, of_type=True)
        if required and not value.strip():
            raise _wrong(key, value, expected, of_type=False)
        return value

    return parse


def _integers_by(keys: Callable[[], Iterable[str]], minimum: int) -> Parse:
    """An inline table of some of ``keys()`` to integers of at least ``minimum``.

    The result is read-only, so the settings dataclass stays frozen all the way down.
    """
    number = _integer(minimum)

    def parse(key: str, value: Any) -> Mapping[str, int]:
        if not isinstance(value, Mapping):
            raise _wrong(
                key, value, f"a table of integers of at least {minimum}", of_type=True
            )
        known = tuple(keys())
        table: dict[str, int] = {}
        for name, number_value in value.items():
            if name not in known:
                raise _unknown(name, known, within=key)
            table[name] = number(f"{key}.{_key(name)}", number_value)
        return MappingProxyType(table)

    return parse


ASB_RISK_QUESTION_KEYS = (
    "health",
    "mental_health",
    "age_isolation",
    "targeted_identity",
    "at_home",
    "repeat",
    "support",
    "fear",
    "threats_violence",
    "daily_life",
)
"""The ASB risk matrix's question keys (``[casework.asb] risk_weights`` keys): the keys
of ``saferleeds.asb.rules.DEFAULT_QUESTIONS``, listed here because this module
must not import a Django app (tests/test_partnership_config.py checks they agree)."""


def _risk_questions() -> tuple[str, ...]:
    """The ASB risk matrix's question keys (``[casework.asb] risk_weights`` keys)."""
    return ASB_RISK_QUESTION_KEYS


def _setting(default: Any, parse: Parse) -> Any:
    """A settings dataclass field: its default and what it takes."""
    return field(default=default, metadata={"parse": parse})


def _table_setting(parse: Parse) -> Any:
    """A settings dataclass field holding an inline table (empty by default)."""
    return field(
        default_factory=lambda: MappingProxyType({}),
        hash=False,
        metadata={"parse": parse},
    )


class _Settings:
    """Base of the settings dataclasses: every field is checked when one is built."""

    def __post_init__(self) -> None:
        """Check (and freeze) each field, then any rule between fields.

        Raises:
            InvalidSetting: A value the setting does not take.
        """
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            parse = f.metadata.get("parse")
            if parse is not None:
                object.__setattr__(self, f.name, parse(f.name, getattr(self, f.name)))
        self._check()

    def _check(self) -> None:
        """Rules between fields (none by default)."""


# --- the casework settings ----------------------------------------------------------


@dataclass(frozen=True)
class MaracSettings(_Settings):
    """``[casework.marac]``: MARAC's potential-escalation rule and referral rate.

    Attributes:
        escalation_threshold: Domestic abuse incidents within the window that make
            potential escalation (SafeLives: 3; Kent uses 3 in 6 months).
        escalation_window_days: The escalation window in days (SafeLives: 365).
        adult_female_population: Women aged 16 and over in the district, for referrals
            per 10,000 (SafeLives expects about 40); 0, the default, means not set and
            the figures page asks for it.
        adult_female_population_source: Where that figure comes from (shown with it).
    """

    escalation_threshold: int = _setting(3, _integer(1))
    escalation_window_days: int = _setting(365, _integer(1))
    adult_female_population: int = _setting(0, _integer(0))
    adult_female_population_source: str = _setting("", _text(required=False))


@dataclass(frozen=True)
class HateSettings(_Settings):
    """``[casework.hate]``: who receives hate reports and the repeat window.

    Attributes:
        lead_agency: Code of the agency whose hate crime team receives public and
            third-party reports (default ``"lcc"``).
        repeat_window_days: Repeat victims and repeat locations count reports of
            incidents within this many days (default 365: 12 months).
        triage_days: The service level: a new report is triaged within this many
            days of being received (default 3); the queue shows each open report's
            age against it.
        repeat_distance_m: Two reports whose places are given as points count as the
            same location within this many metres (default 200).
    """

    lead_agency: str = _setting("lcc", _text(required=True))
    repeat_window_days: int = _setting(365, _integer(1))
    triage_days: int = _setting(3, _integer(1))
    repeat_distance_m: int = _setting(200, _integer(1))


@dataclass(frozen=True)
class AsbSettings(_Settings):
    """``[casework.asb]``: the ASB Case Review threshold, service levels, victim risk
    matrix and statistics year (see ``saferleeds.asb.rules`` for sources).

    Attributes:
        threshold_complaints: Qualifying complaints that meet the threshold (ASB, Crime
            and Policing Act 2014 s.104: 3; a partnership may set fewer, never more).
        behaviour_window_months: A complaint counts if made within this many months of
            the behaviour (s.104(7)(b): 1).
        application_window_months: The application must be made within this many
            months of each complaint counted (s.104(7)(a): 6).
        threshold_individuals: Local extra: met if this many different complainants
            complained in the window (Ribble Valley: 5); 0, the default, is off.
        threshold_hate_incidents: Local extra: met if this many hate-motivated
            complaints in the window (Ribble Valley: 1); 0, the default, is off.
        acknowledge_working_days: Receipt to acknowledgement (Bedfordshire: 5).
        decision_working_days: Receipt to the threshold decision (Gosport: 15).
        review_working_days: Threshold decision to the review (Gosport: 20).
        tell_applicant_working_days: Review to telling the applicant (local: 5).
        risk_high_score: Lowest victim vulnerability score that is high risk
            (Stockton's referral cut-off: 22).
        risk_medium_score: Lowest score that is medium risk (local choice: 12); must be
            below ``risk_high_score``.
        risk_weights: Question key to weight, for questions weighted differently from
            the matrix's defaults.
        risk_contact_days: Risk level (high, medium, standard) to days within which the
            victim is contacted, for levels that differ from the defaults (1, 3, 10).
        risk_review_days: Risk level to days between reviews, for levels that differ
            from the defaults (7, 14, 28).
        statistics_year_start_month: First month of the reporting year for the
            published statistics (4, April: the financial year).
    """

    threshold_complaints: int = _setting(3, _integer(1, 3))
    behaviour_window_months: int = _setting(1, _integer(1))
    application_window_months: int = _setting(6, _integer(1))
    threshold_individuals: int = _setting(0, _integer(0))
    threshold_hate_incidents: int = _setting(0, _integer(0))
    acknowledge_working_days: int = _setting(5, _integer(0))
    decision_working_days: int = _setting(15, _integer(0))
    review_working_days: int = _setting(20, _integer(0))
    tell_applicant_working_days: int = _setting(5, _integer(0))
    risk_high_score: int = _setting(22, _integer(1))
    risk_medium_score: int = _setting(12, _integer(1))
    risk_weights: Mapping[str, int] = _table_setting(_integers_by(_risk_questions, 0))
    risk_contact_days: Mapping[str, int] = _table_setting(
        _integers_by(lambda: RISK_LEVELS, 0)
    )
    risk_review_days: Mapping[str, int] = _table_setting(
        _integers_by(lambda: RISK_LEVELS, 1)
    )
    statistics_year_start_month: int = _setting(4, _integer(1, 12))

    def _check(self) -> None:
        if self.risk_medium_score >= self.risk_high_score:
            raise _wrong(
                "risk_medium_score",
                self.risk_medium_score,
                f"an integer below risk_high_score ({self.risk_high_score})",
                of_type=False,
            )


@dataclass(frozen=True)
class NrmSettings(_Settings):
    """``[casework.nrm]``: National Referral Mechanism (modern slavery) periods (see
    ``saferleeds.nrm.actions`` for sources).

    Attributes:
        rg_target_working_days: Working days the Single Competent Authority aims to take
            over a Reasonable Grounds decision; older referrals are marked (default 5).
        cg_minimum_days: Days of recovery period from a positive Reasonable Grounds
            decision before a Conclusive Grounds decision (Nationality and Borders Act
            2022 s.61: 30).
    """

    rg_target_working_days: int = _setting(5, _integer(1))
    cg_minimum_days: int = _setting(30, _integer(1))


@dataclass(frozen=True)
class CaseworkSettings:
    """``[casework.*]``: each casework module's settings (all national defaults if the
    file has no ``[casework]`` section).

    Attributes:
        marac: ``[casework.marac]``.
        hate: ``[casework.hate]``.
        asb: ``[casework.asb]``.
        nrm: ``[casework.nrm]``.
    """

    marac: MaracSettings = field(default_factory=MaracSettings)
    hate: HateSettings = field(default_factory=HateSettings)
    asb: AsbSettings = field(default_factory=AsbSettings)
    nrm: NrmSettings = field(default_factory=NrmSettings)


@dataclass(frozen=True)
class GovernanceSettings(_Settings):
    """``[governance]``: the plan's deliverables (see ``saferleeds.governance``).

    Attributes:
        stale_after_days: A deliverable whose RAG status was last updated more than this
            many days ago is flagged stale on the plan (default 90: a quarter, the
            usual reporting cycle of a partnership board; a local choice).
    """

    stale_after_days: int = _setting(90, _integer(1))


# --- the partnership ----------------------------------------------------------------


@dataclass(frozen=True)
class Neighbourhood:
    """A named set of LSOAs the partnership treats as one place."""

    name: str
    lsoas: tuple[str, ...]
    approximate: bool = False


@dataclass(frozen=True)
class Partnership:
    """A Community Safety Partnership's area and settings."""

    name: str
    district_code: str
    district_name: str
    police_forces: tuple[str, ...]
    lsoa_population: Path
    lsoa_boundaries: Path
    district_boundary: Path
    ward_lookup: Path | None
    priority_neighbourhoods: tuple[Neighbourhood, ...]
    casework: CaseworkSettings = field(default_factory=CaseworkSettings)
    governance: GovernanceSettings = field(default_factory=GovernanceSettings)
    ward_boundaries: Path | None = None
    """Ward boundaries (GeoJSON, properties ``code`` and ``name``), for the maps."""


S = TypeVar("S", bound=_Settings)


class _File:
    """One partnership file being read: turns problems into ``PartnershipConfigError``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, section: str, problem: object) -> PartnershipConfigError:
        """The error for a problem in a section.

        Args:
            section: The section's name (``casework.marac``), or a label already in
                brackets, or "" for the top level.
            problem: What is wrong.
        """
        if section and not section.startswith("["):
            section = f"[{section}]"
        where = f" {section}" if section else ""
        return PartnershipConfigError(f"{self.path}:{where} {problem}")

    def table(
        self, section: str, value: object, known: Iterable[str], what: str = "key"
    ) -> dict[str, Any]:
        """A section's table, with only ``known`` keys (``what`` names them)."""
        if not isinstance(value, dict):
            raise self.error(section, f"expected a table, not {_kind(value)}")
        known = tuple(known)
        for key in value:
            if key not in known:
                raise self.error(section, _unknown(key, known, what))
        return value

    def value(
        self, section: str, table: Mapping[str, Any], key: str, parse: Parse
    ) -> Any:
        """One value of a section's table, checked."""
        if key not in table:
            raise self.error(section, f"missing key {key!r}")
        try:
            return parse(_key(key), table[key])
        except InvalidSetting as exc:
            raise self.error(section, exc) from exc

    def settings(self, cls: type[S], section: str, value: object) -> S:
        """A settings dataclass (a casework module's, governance's) from its table."""
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        table = self.table(section, value, names)
        try:
            return cls(**table)
        except InvalidSetting as exc:
            raise self.error(section, exc) from exc

    def casework(self, value: object) -> CaseworkSettings:
        """``[casework]``: one table per known module."""
        table = self.table("casework", value, _MODULES, "module")
        modules: dict[str, Any] = {
            name: self.settings(_MODULES[name], f"casework.{name}", table[name])
            for name in table
        }
        return CaseworkSettings(**modules)


_MODULES: dict[str, type[_Settings]] = {
    "marac": MaracSettings,
    "hate": HateSettings,
    "asb": AsbSettings,
    "nrm": NrmSettings,
}


def _strings(key: str, value: Any) -> tuple[str, ...]:
    """An array of strings, as a tuple."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _wrong(key, value, "an array of strings", of_type=True)
    return tuple(value)


def _boolean(key: str, value: Any) -> bool:
    """A boolean (``true`` or ``false``, never 0 or 1)."""
    if not isinstance(value, bool):
        raise _wrong(key, value, "true or false", of_type=True)
    return value


def load_partnership(path: Path | str) -> Partnership:
    """Read and check a partnership TOML file.

    Args:
        path: The TOML file; relative paths inside it are resolved against its folder.

    Returns:
        The parsed configuration, casework settings included.

    Raises:
        PartnershipConfigError: (a ``config.ConfigError``) if the file cannot be read
            or is not TOML, a required key or a referenced file is missing, or a
            section, key or value is not one the file may have; one line naming the
            file, the section and the key.
    """
    path = Path(path)
    f = _File(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PartnershipConfigError(
            f"{path}: cannot read the partnership file ({exc.strerror or exc})"
        ) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PartnershipConfigError(f"{path}: not a valid TOML file: {exc}") from exc
    text = _text(required=True)
    try:
        f.table("", raw, SECTIONS, "section")
        p = f.table(
            "partnership",
            raw["partnership"],
            ("name", "district_code", "district_name", "police_forces"),
        )
        g = f.table(
            "geography",
            raw["geography"],
            (
                "lsoa_population",
                "lsoa_boundaries",
                "district_boundary",
                "ward_lookup",
                "ward_boundaries",
            ),
        )
        base = path.parent

        def file(key: str) -> Path:
            found: Path = (base / f.value("geography", g, key, text)).resolve()
            if not found.exists():
                raise PartnershipConfigError(
                    f"{path}: geography.{key}: no file {found}"
                )
            return found

        hoods = raw.get("priority_neighbourhoods", [])
        if not isinstance(hoods, list):
            raise f.error(
                "",
                f"priority_neighbourhoods: expected an array of tables, not "
                f"{_kind(hoods)}",
            )
        neighbourhoods = []
        for n, hood in enumerate(hoods, start=1):
            section = f"[[priority_neighbourhoods]] number {n}"
            h = f.table(section, hood, ("name", "lsoas", "approximate"))
            neighbourhoods.append(
                Neighbourhood(
                    name=f.value(section, h, "name", text),
                    lsoas=f.value(section, h, "lsoas", _strings),
                    approximate=f.value(section, h, "approximate", _boolean)
                    if "approximate" in h
                    else False,
                )
            )

        return Partnership(
            name=f.value("partnership", p, "name", text),
            district_code=f.value("partnership", p, "district_code", text),
            district_name=f.value("partnership", p, "district_name", text),
            police_forces=f.value("partnership", p, "police_forces", _strings)
            if "police_forces" in p
            else (),
            lsoa_population=file("lsoa_population"),
            lsoa_boundaries=file("lsoa_boundaries"),
            district_boundary=file("district_boundary"),
            ward_lookup=file("ward_lookup") if "ward_lookup" in g else None,
            ward_boundaries=file("ward_boundaries") if "ward_boundaries" in g else None,
            priority_neighbourhoods=tuple(neighbourhoods),
            casework=f.casework(raw["casework"])
            if "casework" in raw
            else CaseworkSettings(),
            governance=f.settings(GovernanceSettings, "governance", raw["governance"])
            if "governance" in raw
            else GovernanceSettings(),
        )
    except KeyError as exc:
        raise PartnershipConfigError(f"{path}: missing key {exc}") from exc


@lru_cache(maxsize=1)
def current() -> Partnership:
    """Return the configured partnership (SAFERLEEDS_PARTNERSHIP, default Leeds).

    Read and checked once per process; ``current.cache_clear()`` reads it again.

    Raises:
        PartnershipConfigError: The file is invalid (see :func:`load_partnership`).
    """
    return load_partnership(config.get("SAFERLEEDS_PARTNERSHIP") or SHIPPED)
