"""A person known to one or more agencies, and the roles people hold on records."""

from __future__ import annotations

from django.db import models

from saferleeds.partners.models import Agency


class SubjectRole(models.TextChoices):
    """Categories of data subject, kept apart as DPA 2018 s38(3) requires."""

    VICTIM = "victim", "Victim"
    SUSPECT = "suspect", "Suspect"
    OFFENDER = "offender", "Offender (convicted)"
    WITNESS = "witness", "Witness"
    COMPLAINANT = "complainant", "Complainant"
    OTHER = "other", "Other"


class Person(models.Model):
    """One real person, however many agencies know them."""

    class Sex(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        OTHER = "X", "Other"
        UNKNOWN = "U", "Not known"

    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    postcode = models.CharField(max_length=10, blank=True)
    created_by = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="collecting agency",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, db_comment="optimistic lock")

    class Meta:
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            models.Index(fields=["date_of_birth"]),
            models.Index(fields=["postcode"]),
            # The people search's freshness check (people.search): the latest change
            # and the sum of versions, read from this index alone.
            models.Index(fields=["updated_at", "version"], name="person_changes"),
        ]
        db_table_comment = "people known to partner agencies (personal data)"

    def __str__(self) -> str:
        return f"Person {self.pk}"


class AgencyReference(models.Model):
    """An agency's own reference number for a person: the agency holds that person."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="agency_refs"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=60)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "reference"], name="one_ref_per_agency"
            )
        ]
        db_table_comment = "agencies' own reference numbers for people"

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.reference}"
