"""IOM: cohort membership, cohort review meetings and decisions, pathway needs and
interventions.

A person is adopted into the cohort (Fixed, Flex or Free, as the national IOM refresh
of 2020 sets them) by a lead agency, reviewed at the monthly cohort review meeting
(retain, move to another cohort, de-select), assessed on the seven reducing-reoffending
pathways, and offered interventions owned by partner agencies.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from saferleeds.partners.models import Agency
from saferleeds.people.models import Person


class Cohort(models.TextChoices):
    """The three IOM cohorts of the 2020 national refresh."""

    FIXED = "fixed", "Fixed"
    FLEX = "flex", "Flex"
    FREE = "free", "Free"


class Pathway(models.TextChoices):
    """The seven reducing-reoffending pathways (Reducing Re-offending National Action
    Plan, Home Office 2004)."""

    ACCOMMODATION = "accommodation", "Accommodation"
    ETE = "ete", "Education, training and employment"
    HEALTH = "health", "Health"
    DRUGS_ALCOHOL = "drugs_alcohol", "Drugs and alcohol"
    FINANCE = "finance", "Finance, benefit and debt"
    CHILDREN_FAMILIES = "children_families", "Children and families"
    ATTITUDES = "attitudes", "Attitudes, thinking and behaviour"


class IomMeeting(models.Model):
    """A monthly cohort review meeting: a date, a chair (no personal data)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held"

    held_on = models.DateField()
    chair = models.CharField(max_length=200, blank=True)
    venue = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        db_table_comment = "IOM cohort review meetings (no personal data)"

    def __str__(self) -> str:
        return f"IOM cohort review {self.held_on:%-d %B %Y}"


class IomMember(models.Model):
    """A person's membership of the IOM cohort, held by their lead agency.

    One open membership per person (``deselected_on`` empty); a person de-selected
    and adopted again has a new membership, so the history stays.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "In the cohort"
        DESELECTED = "deselected", "De-selected"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="lead agency"
    )
    cohort = models.CharField(max_length=5, choices=Cohort.choices)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    adopted_on = models.DateField()
    adopted_reason = models.TextField()
    score_at_adoption = models.FloatField(
        null=True, blank=True, db_comment="selection score on the day of adoption"
    )
    deselected_on = models.DateField(null=True, blank=True)
    deselected_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-adopted_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="active"),
                name="one_active_iom_membership",
            )
        ]
        db_table_comment = "IOM cohort memberships (personal data)"

    def __str__(self) -> str:
        return f"IOM member {self.pk}"


class IomDecision(models.Model):
    """A cohort decision about a member: adopt, retain, change cohort or de-select."""

    class Kind(models.TextChoices):
        ADOPT = "adopt", "Adopted"
        RETAIN = "retain", "Retained"
        CHANGE = "change", "Moved to another cohort"
        DESELECT = "deselect", "De-selected"

    member = models.ForeignKey(
        IomMember, on_delete=models.CASCADE, related_name="decisions"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="decided by"
    )
    meeting = models.ForeignKey(
        IomMeeting,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    decision = models.CharField(max_length=10, choices=Kind.choices)
    cohort = models.CharField(max_length=5, choices=Cohort.choices)
    reason = models.TextField()
    decided_on = models.DateField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        db_table_comment = "IOM cohort decisions (personal data)"


class PathwayNeed(models.Model):
    """A member's assessed need on one reducing-reoffending pathway."""

    class Level(models.TextChoices):
        NONE = "none", "No need"
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    member = models.ForeignKey(
        IomMember, on_delete=models.CASCADE, related_name="needs"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="assessed by"
    )
    pathway = models.CharField(max_length=20, choices=Pathway.choices)
    level = models.CharField(max_length=6, choices=Level.choices)
    notes = models.TextField(blank=True)
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-assessed_on", "-id"]
        db_table_comment = "IOM pathway needs (personal data)"


class IomIntervention(models.Model):
    """An intervention on one pathway, owned by a partner agency, and its outcome."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "In progress"
        COMPLETED = "completed", "Completed"
        DISENGAGED = "disengaged", "Ended: not engaged"
        WITHDRAWN = "withdrawn", "Withdrawn"

    member = models.ForeignKey(
        IomMember, on_delete=models.CASCADE, related_name="interventions"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="recorded by"
    )
    owner_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="delivers it"
    )
    pathway = models.CharField(max_length=20, choices=Pathway.choices)
    description = models.CharField(max_length=300)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-started_on", "-id"]
        db_table_comment = "IOM interventions (personal data)"
