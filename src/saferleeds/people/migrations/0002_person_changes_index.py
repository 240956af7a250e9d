"""The people search's freshness check reads one index (issue #16)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["updated_at", "version"], name="person_changes"),
        ),
    ]
