"""Every SAFERLEEDS_* setting in one declarative table, read from the environment.

Secrets come only through :func:`get_secret`; a missing mandatory secret is a start-up
error (``ConfigError``), never a silent default. Django-free, so the analytics package
and the CLI read it too; :mod:`saferleeds.settings` turns a ``ConfigError`` into Django's
``ImproperlyConfigured``.
"""

from __future__ import annotations

import os
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENTS = ("demo", "test", "production")
# Production's secret key: at least this many characters...
SECRET_KEY_MIN_LENGTH = 50
# ...with at least this many different ones, and not compressible below this many bytes
# (a short pattern repeated: "abcde" * 10 compresses to 16).
SECRET_KEY_MIN_DISTINCT = 10
SECRET_KEY_MIN_COMPRESSED = 40


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration is missing or invalid.

    The message is one line naming the variable, and the ``saferleeds`` command prints
    just that. Plain Python, so Django-free code can raise it; the Django side
    (:mod:`saferleeds.settings`, the safeguarding app's start-up check) raises Django's
    ``ImproperlyConfigured`` from it, so a WSGI server reports it as such.
    """


@dataclass(frozen=True)
class Setting:
    """One environment variable the application reads."""

    name: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "SAFERLEEDS_ENV", "demo", "demo, test or production; production demands secrets"
    ),
    Setting("SAFERLEEDS_DATA_DIR", "./var", "where the SQLite and DuckDB files live"),
    Setting(
        "DATABASE_URL",
        None,
        "operational database URL; default is SQLite in SAFERLEEDS_DATA_DIR, "
        "required in production",
    ),
    Setting(
        "SAFERLEEDS_SECRET_KEY",
        None,
        "Django secret key; required in production, generated once per data dir in demo",
    ),
    Setting(
        "SAFERLEEDS_ALLOWED_HOSTS",
        "127.0.0.1,localhost",
        "comma-separated host names the web app answers to; required in production",
    ),
    Setting(
        "SAFERLEEDS_PARTNERSHIP",
        None,
        "path to a partnership TOML file; default is the shipped Leeds configuration",
    ),
    Setting(
        "SAFERLEEDS_HARM_CODE_WEIGHTS",
        None,
        "path to a user-supplied harm weights table per Home Office offence code "
        "(ONS offence_code,weight or Cambridge Crime Harm Index 2020 cchi_days); "
        "default is the shipped ONS Crime Severity Score weights",
    ),
    Setting(
        "SAFERLEEDS_PSEUDONYM_KEY",
        None,
        "the partnership's secret for analysts' pseudonyms of resolved people (64+ hex "
        "characters); required in production for `link extract`, generated once per "
        "data dir in demo",
    ),
    Setting(
        "SAFERLEEDS_PSEUDONYM_KEY_ID",
        "k1",
        "the name of that key, shown before each pseudonym; a new one at each rotation",
    ),
    Setting(
        "SAFERLEEDS_DEBUG", "0", "1 to turn on Django debug pages (never in production)"
    ),
    Setting(
        "SAFERLEEDS_LOG_FORMAT",
        "text",
        "text or json: the server log, one line per request and per refusal",
    ),
    Setting(
        "SAFERLEEDS_ANALYTICS_CACHE",
        "file",
        "file, memory or off: where the pages keep the map layers, Gi* and indicators "
        "they computed, keyed by the store's data version (file: shared by every server "
        "process, under the data dir; memory: per process)",
    ),
    Setting(
        "SAFERLEEDS_REQUIRE_2FA",
        None,
        "1 or 0: ask for an authenticator-app code at sign-in; default 1 except in "
        "demo; always 1 in production",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str | None:
    """Return a setting's value from the environment, or its documented default.

    Args:
        name: A name from :data:`SETTINGS`.

    Raises:
        KeyError: If the name is not a declared setting (fails closed on typos).
    """
    setting = _BY_NAME[name]
    value = os.environ.get(name)
    return value if value not in (None, "") else setting.default


def environment() -> str:
    """Return the deployment environment, validated."""
    env = get("SAFERLEEDS_ENV") or "demo"
    if env not in ENVIRONMENTS:
        raise ConfigError(
            f"SAFERLEEDS_ENV={env!r} is not one of {', '.join(ENVIRONMENTS)}"
        )
    return env


def data_dir() -> Path:
    """Return the data directory, created if missing."""
    path = Path(get("SAFERLEEDS_DATA_DIR") or "./var").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def analytics_path() -> Path:
    """Return the path of the DuckDB analytics store."""
    return data_dir() / "analytics.duckdb"


def get_secret(name: str, make: Callable[[], str] | None = None) -> str:
    """Return a mandatory secret.

    In production the variable must be set. In demo and test a random value is generated
    once and kept in the data directory, so sessions survive restarts.

    Args:
        name: The variable.
        make: How a demo or test value is made (default 50 URL-safe characters).

    Raises:
        ConfigError: In production, when the variable is unset.
    """
    value = os.environ.get(name)
    if value:
        return value
    if environment() == "production":
        raise ConfigError(
            f"{name} must be set when SAFERLEEDS_ENV=production (see README, Configuration)"
        )
    path = data_dir() / f".{name.lower()}"
    if not path.exists():
        path.write_text(make() if make else secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def pseudonym_key() -> tuple[str, str]:
    """The partnership's pseudonym key: its id and its secret in hexadecimal.

    Rotating the key is setting a new secret and a new id: every pseudonym changes.

    Raises:
        ConfigError: In production, when ``SAFERLEEDS_PSEUDONYM_KEY`` is unset.
    """
    secret = get_secret("SAFERLEEDS_PSEUDONYM_KEY", lambda: secrets.token_hex(32))
    return get("SAFERLEEDS_PSEUDONYM_KEY_ID") or "k1", secret


def _secret_key_problem(value: str) -> str | None:
    """Why ``value`` is not good enough as production's secret key, or None."""
    if len(value) < SECRET_KEY_MIN_LENGTH:
        return (
            f"is {len(value)} characters; production needs at least "
            f"{SECRET_KEY_MIN_LENGTH} random characters"
        )
    if (
        value.startswith("django-insecure-")
        or len(set(value)) < SECRET_KEY_MIN_DISTINCT
        or len(zlib.compress(value.encode(), 9)) < SECRET_KEY_MIN_COMPRESSED
    ):
        return (
            "is not random enough (few different characters or a repeated pattern); "
            f"use {SECRET_KEY_MIN_LENGTH}+ random characters, e.g. from "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    return None


def production_problems() -> list[str]:
    """What production's configuration lacks, one short sentence per variable.

    Empty outside production. Production never falls back to a default for the secret
    key, the database or the host names.
    """
    if environment() != "production":
        return []
    problems = []
    key = os.environ.get("SAFERLEEDS_SECRET_KEY") or ""
    if not key:
        problems.append(
            "SAFERLEEDS_SECRET_KEY must be set when SAFERLEEDS_ENV=production"
        )
    elif why := _secret_key_problem(key):
        problems.append(f"SAFERLEEDS_SECRET_KEY {why}")
    if not (os.environ.get("DATABASE_URL") or "").strip():
        problems.append(
            "DATABASE_URL must be set when SAFERLEEDS_ENV=production "
            "(e.g. postgres://user:pass@host:5432/saferleeds)"
        )
    hosts = os.environ.get("SAFERLEEDS_ALLOWED_HOSTS") or ""
    if not [h for h in hosts.split(",") if h.strip()]:
        problems.append(
            "SAFERLEEDS_ALLOWED_HOSTS must be set when SAFERLEEDS_ENV=production "
            "(the host names the site answers to, comma-separated)"
        )
    return problems


def check_production() -> None:
    """Fail start-up in production when :func:`production_problems` finds any.

    Raises:
        ConfigError: One line naming every variable at fault (see README, Configuration).
    """
    problems = production_problems()
    if problems:
        raise ConfigError("; ".join(problems) + " (see README, Configuration)")
