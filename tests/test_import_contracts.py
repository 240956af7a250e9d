"""The import rules between packages are a contract that `lint-imports` checks.

The contracts live in pyproject.toml ([tool.importlinter]); `make test` runs
`lint-imports` too. These tests show the contracts hold today and that they catch a
planted violation, so a contract cannot be quietly made toothless.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(cwd: Path, python_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(python_path)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],  # reads cwd's pyproject.toml
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_import_contracts_hold() -> None:
    r = _lint_imports(REPO, REPO / "src")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 broken" in r.stdout, r.stdout


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_a_planted_violation_breaks_the_contract_it_violates(tmp_path: Path) -> None:
    """A copy of the package with analytics importing the web app and the audit log
    importing people: lint-imports fails and names the broken contracts."""
    copy = tmp_path / "src" / "saferleeds"
    shutil.copytree(
        REPO / "src" / "saferleeds",
        copy,
        ignore=shutil.ignore_patterns(
            "__pycache__", "data", "static", "templates", "samples", "*.md"
        ),
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    _append(copy / "analytics" / "summary.py", "import saferleeds.web  # planted")
    _append(
        copy / "audit" / "log.py", "from saferleeds.people import models  # planted"
    )

    r = _lint_imports(tmp_path, tmp_path / "src")

    assert r.returncode != 0, r.stdout + r.stderr
    assert (
        "analytics builds on no importer, command, page or Django app BROKEN"
        in r.stdout
    ), r.stdout
    assert "saferleeds.analytics.summary -> saferleeds.web" in r.stdout, r.stdout
    assert "the audit log builds on no other app BROKEN" in r.stdout, r.stdout
    assert "saferleeds.audit.log -> saferleeds.people.models" in r.stdout, r.stdout
    # audit -> people also points down the layers the wrong way.
    assert "no app imports an app above it (no cycles) BROKEN" in r.stdout, r.stdout
    assert "Contracts: 3 kept, 3 broken." in r.stdout, r.stdout


def test_casework_modules_neither_import_each_other_nor_are_imported_by_the_core(
    tmp_path: Path,
) -> None:
    """The case core importing a module, or one module another, breaks the layers: a
    module plugs into the case page only through the registry."""
    copy = tmp_path / "src" / "saferleeds"
    shutil.copytree(
        REPO / "src" / "saferleeds",
        copy,
        ignore=shutil.ignore_patterns(
            "__pycache__", "data", "static", "templates", "samples", "*.md"
        ),
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    _append(
        copy / "safeguarding" / "access" / "case_page.py",
        "from saferleeds.asb import access_pages  # planted",
    )
    _append(copy / "marac" / "rules.py", "import saferleeds.nrm  # planted")

    r = _lint_imports(tmp_path, tmp_path / "src")

    assert r.returncode != 0, r.stdout + r.stderr
    assert "no app imports an app above it (no cycles) BROKEN" in r.stdout, r.stdout
    assert (
        "saferleeds.safeguarding.access.case_page -> saferleeds.asb.access_pages"
        in r.stdout
    ), r.stdout
    assert "saferleeds.marac.rules -> saferleeds.nrm" in r.stdout, r.stdout
    assert "Contracts: 5 kept, 1 broken." in r.stdout, r.stdout
