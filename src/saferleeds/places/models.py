"""Statistical and local areas, with ONS codes where they have them."""

from __future__ import annotations

from django.db import models


class Area(models.Model):
    """A district, MSOA, LSOA, ward or priority neighbourhood.

    LSOAs are the building block: every other area is a set of LSOAs, so counts for
    any area are sums over its LSOAs (``lsoas``; an LSOA's set is itself).
    """

    class Level(models.TextChoices):
        DISTRICT = "district", "District"
        MSOA = "msoa", "MSOA"
        LSOA = "lsoa", "LSOA"
        WARD = "ward", "Ward"
        NEIGHBOURHOOD = "neighbourhood", "Priority neighbourhood"

    code = models.CharField(
        max_length=60, unique=True, db_comment="ONS code, or a slug for local areas"
    )
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    population = models.PositiveIntegerField(
        null=True, blank=True, db_comment="usual residents (Census 2011 for 2011 LSOAs)"
    )
    lsoas = models.ManyToManyField("self", symmetrical=False, related_name="within")
    approximate = models.BooleanField(
        default=False, db_comment="boundary approximated (e.g. neighbourhood by LSOAs)"
    )

    class Meta:
        ordering = ["level", "name"]
        indexes = [models.Index(fields=["level", "name"])]
        db_table_comment = "areas of the partnership"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Place(models.Model):
    """An address or point an agency recorded, tied to its LSOA (and so MSOA, district)."""

    owner_agency = models.ForeignKey(
        "partners.Agency", on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    lsoa = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="places",
        limit_choices_to={"level": Area.Level.LSOA},
    )

    class Meta:
        db_table_comment = "addresses and points recorded by agencies (personal data)"

    def __str__(self) -> str:
        return f"Place {self.pk}"
