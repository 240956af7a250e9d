"""The `saferleeds` command line: `saferleeds <noun> <verb>`."""

import sys

from django.core.exceptions import ImproperlyConfigured

from saferleeds.cli.main import app

CONFIG_ERROR_EXIT = 2


def main() -> None:
    """Run the CLI. A configuration error (Django's ``ImproperlyConfigured``, raised by
    ``saferleeds.config`` at start-up) is one line on stderr and exit status 2, not a
    traceback."""
    try:
        app()
    except ImproperlyConfigured as exc:
        message = " ".join(str(exc).split())
        print(f"error: {message}", file=sys.stderr)
        sys.exit(CONFIG_ERROR_EXIT)


__all__ = ["app", "main"]
