"""Every command the CLI has is in README.md's command-line section (issue #12, item 6)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from typer.main import get_command

from saferleeds.cli import app
from tests.conftest import REPO


def _commands(command: Any, prefix: list[str]) -> Iterator[str]:
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        yield " ".join(prefix)
        return
    for name, sub in subcommands.items():
        yield from _commands(sub, [*prefix, name])


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    commands = sorted(_commands(get_command(app), ["saferleeds"]))
    assert len(commands) > 20  # the walk found the groups' commands
    missing = [
        c
        for c in commands
        if not re.search(rf"(^|\s){re.escape(c)}(\s|$)", section, re.M)
    ]
    assert not missing, f"commands missing from README.md's Command line: {missing}"
