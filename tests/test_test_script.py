"""``make test`` (scripts/test.sh) leaves no data folder behind (issue #16, item 13)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.skipif(
    not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")),
    reason="the script starts a PostgreSQL cluster",
)
def test_the_test_script_removes_its_data_folders(tmp_path: Path) -> None:
    # A stand-in for the suite: records the data folder each run was given, and writes
    # into it as the suite does.
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    log = tmp_path / "runs.log"
    fake = venv / "bin" / "pytest"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$SAFERLEEDS_DATA_DIR" >> "{log}"\n'
        'touch "$SAFERLEEDS_DATA_DIR/saferleeds.sqlite3"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "VENV": str(venv), "TMPDIR": str(scratch)}
    env.pop("SAFERLEEDS_DATA_DIR", None)
    result = subprocess.run(
        [str(REPO / "scripts" / "test.sh"), "-k", "nothing"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    runs = log.read_text().split()
    assert len(runs) == 2  # SQLite, then PostgreSQL
    assert all(r.startswith(str(scratch)) for r in runs)
    assert not any(Path(r).exists() for r in runs)
    assert list(scratch.iterdir()) == []
    shutil.rmtree(venv)
