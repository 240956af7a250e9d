"""Every SAFERLEEDS_* setting in one declarative table, read from the environment.

Secrets come only through :func:`get_secret`; a missing mandatory secret is a start-up
error (``ConfigError``), never a silent default.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENTS = ("demo", "test", "production")


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration is missing or invalid."""


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
        "operational database URL; default is SQLite in SAFERLEEDS_DATA_DIR",
    ),
    Setting(
        "SAFERLEEDS_SECRET_KEY",
        None,
        "Django secret key; required in production, generated once per data dir in demo",
    ),
    Setting(
        "SAFERLEEDS_ALLOWED_HOSTS",
        "127.0.0.1,localhost",
        "comma-separated host names the web app answers to",
    ),
    Setting(
        "SAFERLEEDS_PARTNERSHIP",
        None,
        "path to a partnership TOML file; default is the shipped Leeds configuration",
    ),
    Setting(
        "SAFERLEEDS_DEBUG", "0", "1 to turn on Django debug pages (never in production)"
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


def get_secret(name: str) -> str:
    """Return a mandatory secret.

    In production the variable must be set. In demo and test a random value is generated
    once and kept in the data directory, so sessions survive restarts.

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
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()
