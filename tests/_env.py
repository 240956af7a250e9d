"""Loaded with ``-p tests._env`` before pytest-django reads the settings.

A throw-away data dir and the test environment, unless the caller chose them.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("SAFERLEEDS_ENV", "test")
if "SAFERLEEDS_DATA_DIR" not in os.environ:
    # Made here, so removed here when the run ends (nothing left in the temp directory).
    _data_dir = tempfile.mkdtemp(prefix="sl-test-")
    os.environ["SAFERLEEDS_DATA_DIR"] = _data_dir
    atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)
# Playwright's sync API runs an event loop in the test thread; Django would otherwise
# refuse ORM calls from it. Only the tests set this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
