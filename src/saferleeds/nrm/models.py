"""Modern slavery: National Referral Mechanism referrals."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from saferleeds.partners.models import Agency
from saferleeds.people.models import Person
from saferleeds.safeguarding.models import Case


class NrmReferral(models.Model):
    """A National Referral Mechanism referral of a potential victim of modern slavery,
    made by a first responder organisation, and the Home Office's decisions."""

    class AgeGroup(models.TextChoices):
        ADULT = "adult", "Adult"
        CHILD = "child", "Child (under 18)"

    class Decision(models.TextChoices):
        PENDING = "pending", "Awaiting decision"
        POSITIVE = "positive", "Positive"
        NEGATIVE = "negative", "Negative"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Exploitation(models.TextChoices):
        LABOUR = "labour", "Labour"
        SEXUAL = "sexual", "Sexual"
        CRIMINAL = "criminal", "Criminal (including county lines)"
        DOMESTIC_SERVITUDE = "domestic_servitude", "Domestic servitude"
        ORGAN_HARVESTING = "organ_harvesting", "Organ harvesting"
        UNKNOWN = "unknown", "Not known"

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="nrm_referrals"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="first responder"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    potential_victim = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    age_group = models.CharField(max_length=5, choices=AgeGroup.choices)
    exploitation = models.JSONField(default=list, db_comment="Exploitation values")
    consented = models.BooleanField(
        db_comment="adult consent to NRM referral (children need none)"
    )
    duty_to_notify_only = models.BooleanField(
        default=False, db_comment="adult declined: anonymous Duty to Notify instead"
    )
    referred_on = models.DateField()
    reasonable_grounds = models.CharField(
        max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    reasonable_grounds_on = models.DateField(null=True, blank=True)
    conclusive_grounds = models.CharField(
        max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    conclusive_grounds_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        # Moved from the safeguarding app: the table keeps its name.
        db_table = "safeguarding_nrmreferral"
        ordering = ["-referred_on", "-id"]
        db_table_comment = "NRM referrals (personal data, special category)"
