"""MARAC and Dash: risk checklists, meetings, referrals and agencies' research."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from saferleeds.core.meetings import MeetingBase
from saferleeds.partners.models import Agency
from saferleeds.people.models import Person
from saferleeds.safeguarding.models import Case, RiskLevel


class DashAssessment(models.Model):
    """A completed SafeLives Dash risk checklist for a victim on a case.

    ``answers`` holds 24 values, each true (yes), false (no) or null (not known /
    not answered); the grading is stored as computed by ``safeguarding.dash``.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="dash")
    victim = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_on = models.DateField()
    answers = models.JSONField(db_comment="24 x true/false/null, question order")
    yes_count = models.PositiveSmallIntegerField()
    visible_high_risk = models.BooleanField()
    professional_judgement = models.BooleanField(default=False)
    judgement_reason = models.TextField(blank=True)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    assessor_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Moved from the safeguarding app: the table keeps its name.
        db_table = "safeguarding_dashassessment"
        ordering = ["-assessed_on", "-id"]
        db_table_comment = "Dash risk checklists (personal data, special category)"


class MaracMeeting(MeetingBase):
    """A MARAC meeting: a date, a chair and the referrals listed for it (the date,
    venue and chair are :class:`~saferleeds.core.meetings.MeetingBase`'s, shared with
    the partnership boards' meetings)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held"

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Moved from the safeguarding app: the table keeps its name.
        db_table = "safeguarding_maracmeeting"
        ordering = ["-held_on"]
        db_table_comment = "MARAC meetings (no personal data)"

    def __str__(self) -> str:
        return f"MARAC {self.held_on:%d %B %Y}"


class MaracReferral(models.Model):
    """A referral of a victim to MARAC, the criteria it met and where it was heard."""

    class Status(models.TextChoices):
        REFERRED = "referred", "Referred"
        LISTED = "listed", "Listed for a meeting"
        HEARD = "heard", "Heard at MARAC"
        CLOSED = "closed", "Actions complete"
        WITHDRAWN = "withdrawn", "Withdrawn"

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="marac_referrals"
    )
    victim = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    perpetrator = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referring_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referred_on = models.DateField()
    criteria = models.JSONField(default=list, db_comment="marac.Criterion values met")
    is_repeat = models.BooleanField(default=False)
    dash = models.ForeignKey(
        DashAssessment, null=True, blank=True, on_delete=models.SET_NULL
    )
    reason = models.TextField(blank=True)
    meeting = models.ForeignKey(
        MaracMeeting,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.REFERRED
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        # Moved from the safeguarding app: the table keeps its name.
        db_table = "safeguarding_maracreferral"
        ordering = ["-referred_on", "-id"]
        indexes = [models.Index(fields=["referred_on"])]
        db_table_comment = "MARAC referrals (personal data, special category)"


class MaracResearch(models.Model):
    """What one agency holds on the parties to a referral, shared for the meeting."""

    referral = models.ForeignKey(
        MaracReferral, on_delete=models.CASCADE, related_name="research"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    holds_information = models.BooleanField(default=True)
    findings = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Moved from the safeguarding app: the table keeps its name.
        db_table = "safeguarding_maracresearch"
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "agency"], name="one_research_per_agency"
            )
        ]
        db_table_comment = "agencies' research for MARAC (personal data)"
