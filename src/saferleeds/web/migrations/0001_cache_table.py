"""The database cache's table (settings.CACHES), so every server process shares one
cache: the public form's rate limit in particular. Django's ``createcachetable`` makes it
(and does nothing when it exists), so ``manage migrate``, ``demo load`` and the tests'
databases all have it, on SQLite and PostgreSQL alike."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):  # noqa: ANN001, ANN201, ARG001
    call_command(
        "createcachetable", database=schema_editor.connection.alias, verbosity=0
    )


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
