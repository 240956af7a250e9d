"""Configuration: every setting documented, production demands its secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from saferleeds import config
from tests.conftest import REPO


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for s in config.SETTINGS:
        assert f"`{s.name}`" in readme, s.name


def test_unknown_setting_fails_closed() -> None:
    with pytest.raises(KeyError):
        config.get("SAFERLEEDS_NO_SUCH_THING")


def test_bad_environment_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFERLEEDS_ENV", "prod")
    with pytest.raises(config.ConfigError, match="SAFERLEEDS_ENV='prod'"):
        config.environment()


def _django_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SAFERLEEDS_") and k != "DATABASE_URL"
    }
    full.update({"SAFERLEEDS_DATA_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-m", "saferleeds.cli", "manage", "check"],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_is_a_clear_startup_error(tmp_path: Path) -> None:
    r = _django_check(tmp_path, SAFERLEEDS_ENV="production")
    assert r.returncode != 0
    assert (
        "SAFERLEEDS_SECRET_KEY must be set when SAFERLEEDS_ENV=production" in r.stderr
    )
    assert not (tmp_path / ".saferleeds_secret_key").exists()


def test_demo_generates_and_keeps_a_secret(tmp_path: Path) -> None:
    assert _django_check(tmp_path, SAFERLEEDS_ENV="demo").returncode == 0
    key = (tmp_path / ".saferleeds_secret_key").read_text()
    assert len(key) >= 50
    assert _django_check(tmp_path, SAFERLEEDS_ENV="demo").returncode == 0
    assert (tmp_path / ".saferleeds_secret_key").read_text() == key
