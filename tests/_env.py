"""Loaded with ``-p tests._env`` before pytest-django reads the settings.

A throw-away data dir and the test environment, unless the caller chose them.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("SAFERLEEDS_ENV", "test")
os.environ.setdefault("SAFERLEEDS_DATA_DIR", tempfile.mkdtemp(prefix="sl-test-"))
# Playwright's sync API runs an event loop in the test thread; Django would otherwise
# refuse ORM calls from it. Only the tests set this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
