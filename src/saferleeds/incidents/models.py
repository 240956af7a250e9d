"""An incident an agency recorded, where it happened, and who was involved as what."""

from __future__ import annotations

from django.db import models

from saferleeds.partners.models import Agency
from saferleeds.people.models import Person, SubjectRole
from saferleeds.places.models import Place


class Incident(models.Model):
    """A crime, ASB, hate or domestic-abuse incident as one agency recorded it."""

    class Category(models.TextChoices):
        CRIME = "crime", "Crime"
        ASB = "asb", "Anti-social behaviour"
        HATE = "hate", "Hate incident"
        DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
        OTHER = "other", "Other"

    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=60, db_comment="the agency's own reference")
    category = models.CharField(max_length=20, choices=Category.choices)
    occurred_on = models.DateField()
    summary = models.TextField(blank=True)
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner_agency", "reference"], name="one_incident_ref_per_agency"
            )
        ]
        indexes = [models.Index(fields=["occurred_on"])]
        db_table_comment = "incidents recorded by partner agencies (personal data)"

    def __str__(self) -> str:
        return f"Incident {self.pk}"


class IncidentPerson(models.Model):
    """A person's role on an incident (victim, suspect, witness...)."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="people"
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="incident_roles"
    )
    role = models.CharField(max_length=20, choices=SubjectRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "person", "role"],
                name="one_role_per_incident_person",
            )
        ]
        db_table_comment = "people's roles on incidents"
