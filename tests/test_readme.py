"""README.md says what the product is: the port of ``make demo``, every app, and the
demo cast as ``demo/personas.py`` defines it (issue #16, item 13)."""

from __future__ import annotations

from django.conf import settings

from saferleeds.demo.personas import AGENCIES, PERSONAS
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    return README.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_make_demo_port_is_documented() -> None:
    assert "make demo PORT=" in _section("Two commands")
    assert "PORT ?= 8000" in (REPO / "Makefile").read_text(encoding="utf-8")


def test_every_app_is_in_the_layout() -> None:
    layout = _section("Layout")
    apps = [
        a.rsplit(".", 1)[1]
        for a in settings.INSTALLED_APPS
        if a.startswith("saferleeds.")
    ]
    missing = [a for a in apps if f"  {a}/" not in layout]
    assert not missing, f"apps missing from README.md's Layout: {missing}"


def test_the_demo_cast_matches_the_personas() -> None:
    names = {a.code: a.name for a in AGENCIES}
    rows = {
        line.split("|")[1].strip().strip("`"): line
        for line in _section("Two commands").splitlines()
        if line.startswith("| `")
    }
    assert set(rows) == {p.username for p in PERSONAS}
    for p in PERSONAS:
        agency = rows[p.username].rstrip(" |").rsplit("|", 1)[1].strip()
        assert agency == names[p.agency], (p.username, agency)
