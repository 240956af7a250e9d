"""The `saferleeds` command line: `saferleeds <noun> <verb>`."""

import sys

from django.core.exceptions import ImproperlyConfigured

from saferleeds.cli.main import app
from saferleeds.config import ConfigError
from saferleeds.partnership import current

CONFIG_ERROR_EXIT = 2
FAULT_EXIT = 1


def main() -> None:
    """Run the CLI. A configuration error (``saferleeds.config.ConfigError``, or Django's
    ``ImproperlyConfigured`` that the Django side raises from one) is one line on stderr
    and exit status 2, not a traceback; so is a service fault
    (:mod:`saferleeds.ops.faults`), with exit status 1."""
    try:
        current()  # the partnership file, checked before any command runs
        app()
    except (ConfigError, ImproperlyConfigured) as exc:
        message = " ".join(str(exc).split())
        sys.stderr.write(f"error: {message}\n")
        sys.exit(CONFIG_ERROR_EXIT)
    except Exception as exc:
        # A service fault (a damaged analytics store, a full disk, the database
        # down) is one line naming the recovery, not a traceback; a bug stays loud.
        from saferleeds.ops.faults import classify

        fault = classify(exc)
        if fault is None:
            raise
        detail = " ".join(fault.detail.split())
        sys.stderr.write(f"error: {fault.message} ({detail})\n")
        sys.exit(FAULT_EXIT)


__all__ = ["app", "main"]
