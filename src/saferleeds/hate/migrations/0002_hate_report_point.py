"""Hate reports may carry the point where it happened (issue #16): repeat locations
then match by distance, besides the postcode and the street."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hate", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="hatereport",
            name="latitude",
            field=models.FloatField(
                blank=True,
                db_comment="where it happened, if given as a point",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="hatereport",
            name="longitude",
            field=models.FloatField(blank=True, null=True),
        ),
    ]
