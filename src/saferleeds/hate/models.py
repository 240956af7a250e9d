"""Hate incident reports, from the public and third-party reporting centres."""

from __future__ import annotations

from django.db import models

from saferleeds.core.references import READABLE_ALPHABET as HATE_REFERENCE_ALPHABET
from saferleeds.core.references import new_hate_reference

__all__ = [
    "HATE_REFERENCE_ALPHABET",
    "HateReport",
    "ReportingCentre",
    "ReportingCentreStaff",
    "new_hate_reference",
]
from saferleeds.partners.models import Agency
from saferleeds.people.models import Person


class ReportingCentre(models.Model):
    """A third-party hate incident reporting centre (an advice centre, a students'
    union, a community group) whose trained staff report on a victim's behalf. Its
    staff sign in with the reporting-centre role; their reports go to ``agency``."""

    name = models.CharField(max_length=200, unique=True)
    address = models.CharField(max_length=300, blank=True)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="the partner agency its reports go to",
    )
    active = models.BooleanField(default=True)

    class Meta:
        # Moved from the incidents app: the table keeps its name.
        db_table = "incidents_reportingcentre"
        ordering = ["name"]
        db_table_comment = "third-party hate reporting centres"

    def __str__(self) -> str:
        return self.name


class ReportingCentreStaff(models.Model):
    """A user who reports for a centre."""

    user = models.OneToOneField(
        "auth.User", on_delete=models.CASCADE, related_name="reporting_centre_staff"
    )
    centre = models.ForeignKey(
        ReportingCentre, on_delete=models.PROTECT, related_name="staff"
    )

    class Meta:
        # Moved from the incidents app: the table keeps its name.
        db_table = "incidents_reportingcentrestaff"
        db_table_comment = "reporting centres' staff accounts"


class HateReport(models.Model):
    """A hate incident reported by a member of the public through the public form, or
    by a third-party reporting centre on their behalf. Anonymous reports are allowed;
    the motivation is perception-based (the victim or anyone else may perceive it)."""

    class Strand(models.TextChoices):
        DISABILITY = "disability", "Disability"
        RACE = "race", "Race or ethnicity"
        RELIGION = "religion", "Religion or belief"
        SEXUAL_ORIENTATION = "sexual_orientation", "Sexual orientation"
        TRANSGENDER = "transgender", "Transgender identity"
        OTHER = "other", "Something else"

    class PerceivedBy(models.TextChoices):
        VICTIM = "victim", "The person it happened to"
        SOMEONE_ELSE = "someone_else", "Someone else"

    class ContactPreference(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        NONE = "none", "Do not contact me"

    class ReportedVia(models.TextChoices):
        ONLINE = "online", "Online, by the person reporting"
        THIRD_PARTY_CENTRE = "third_party_centre", "A third-party reporting centre"

    class Status(models.TextChoices):
        NEW = "new", "New"
        TRIAGED = "triaged", "Triaged"
        REFERRED_TO_POLICE = "referred_to_police", "Referred to police"
        CLOSED = "closed", "Closed"

    reference = models.CharField(
        max_length=12, unique=True, default=new_hate_reference, editable=False
    )
    received_at = models.DateTimeField(auto_now_add=True)
    what_happened = models.TextField(max_length=5000)
    occurred_on = models.DateField(db_comment="when it happened")
    occurred_time = models.TimeField(null=True, blank=True)
    location = models.CharField(max_length=500, db_comment="where it happened")
    postcode = models.CharField(max_length=8, blank=True)
    strands = models.JSONField(
        default=list, db_comment="monitored strands perceived (Strand values)"
    )
    strand_other = models.CharField(max_length=200, blank=True)
    perceived_by = models.CharField(max_length=20, choices=PerceivedBy.choices)
    reporter_is_victim = models.BooleanField()
    anonymous = models.BooleanField(default=False)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(max_length=254, blank=True)
    contact_phone = models.CharField(max_length=30, blank=True)
    contact_preference = models.CharField(
        max_length=10, choices=ContactPreference.choices, default=ContactPreference.NONE
    )
    safe_times = models.CharField(
        max_length=200, blank=True, db_comment="when it is safe to contact the reporter"
    )
    reported_via = models.CharField(
        max_length=20, choices=ReportedVia.choices, default=ReportedVia.ONLINE
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    agency = models.ForeignKey(
        Agency,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="the agency whose hate crime team holds the report",
    )
    reporting_centre = models.ForeignKey(
        ReportingCentre,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    submitted_by = models.ForeignKey(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_comment="the centre's worker, for third-party reports",
    )
    centre_reference = models.CharField(
        max_length=60,
        blank=True,
        db_comment="the reporting centre's own reference, for third-party reports",
    )
    centre_notes = models.TextField(
        blank=True, db_comment="the reporting centre's notes for the hate crime team"
    )
    location_key = models.CharField(
        max_length=120,
        blank=True,
        db_index=True,
        db_comment="normalised postcode or location, to find repeat locations",
    )
    latitude = models.FloatField(
        null=True, blank=True, db_comment="where it happened, if given as a point"
    )
    longitude = models.FloatField(null=True, blank=True)
    victim = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_comment="linked at triage, to find repeat victims",
    )
    priority = models.CharField(
        max_length=10,
        choices=[("standard", "Standard"), ("medium", "Medium"), ("high", "High")],
        blank=True,
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    triage_note = models.TextField(blank=True)
    police_referred_on = models.DateField(null=True, blank=True)
    police_reference = models.CharField(max_length=60, blank=True)
    case = models.ForeignKey(
        "safeguarding.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hate_reports",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        # Moved from the incidents app: the table keeps its name.
        db_table = "incidents_hatereport"
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "received_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(anonymous=True)
                | (
                    models.Q(contact_name="")
                    & models.Q(contact_email="")
                    & models.Q(contact_phone="")
                    & models.Q(contact_preference="none")
                ),
                name="anonymous_hate_report_has_no_contact",
            )
        ]
        db_table_comment = "hate incidents reported by the public (personal data)"

    def __str__(self) -> str:
        return f"Hate report {self.reference}"
