"""Views and API modules only parse and render (issue #12, item 2): they never import the
audit writer or a ``*_visible_to`` queryset; reading personal data, pseudonymising it and
auditing what was read happen in the access layer's page readers.

import-linter (``tests/test_import_contracts.py``) checks module-level layers; this
checks names, which import-linter cannot see.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import PACKAGE

FORBIDDEN_MODULES = ("saferleeds.audit.log",)


def view_modules(root: Path) -> list[Path]:
    """Every module that serves pages or the API."""
    found = set(root.glob("*/views.py")) | set(root.glob("*/views/*.py"))
    found |= set(root.glob("*/*_views.py")) | set(root.glob("api/*.py"))
    return sorted(p for p in found if p.name != "__init__.py" or p.stat().st_size)


def violations(path: Path) -> list[str]:
    """``file:line: what`` for each forbidden import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module in FORBIDDEN_MODULES:
                found.append(f"{path}:{node.lineno}: imports {node.module}")
            for alias in node.names:
                if alias.name.endswith("_visible_to"):
                    found.append(
                        f"{path}:{node.lineno}: imports {node.module}.{alias.name}"
                    )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in FORBIDDEN_MODULES:
                    found.append(f"{path}:{node.lineno}: imports {alias.name}")
    return found


def test_views_and_api_read_only_through_page_readers() -> None:
    modules = view_modules(PACKAGE)
    assert len(modules) > 15  # the globs found the apps' views and the API
    problems = [v for m in modules for v in violations(m)]
    assert not problems, "\n".join(problems)


def test_a_planted_violation_is_caught(tmp_path: Path) -> None:
    planted = tmp_path / "people" / "views.py"
    planted.parent.mkdir()
    planted.write_text(
        "from saferleeds.people.access import people_visible_to\n"
        "from saferleeds.audit.log import record\n",
        encoding="utf-8",
    )
    assert view_modules(tmp_path) == [planted]
    assert [v.split(": ", 1)[1] for v in violations(planted)] == [
        "imports saferleeds.people.access.people_visible_to",
        "imports saferleeds.audit.log",
    ]
