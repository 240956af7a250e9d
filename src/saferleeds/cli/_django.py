"""Setting up Django for the commands that need it, once."""

from __future__ import annotations

import os


def ensure_django() -> None:
    """Set Django up for a command, unless it already is (a test, or a command that ran
    before in the same process).

    ``django.setup()`` configures logging again on every call, binding the console
    handler to whatever ``sys.stderr`` is at that moment: called from a command run
    in-process (Typer's test runner), that is a buffer closed when the command ends.
    """
    from django.apps import apps

    if apps.ready:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saferleeds.settings")
    import django

    django.setup()
