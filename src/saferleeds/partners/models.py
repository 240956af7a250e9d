"""Agencies and the roles their users hold."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Agency(models.Model):
    """A responsible authority or co-operating body of the partnership."""

    class Kind(models.TextChoices):
        RESPONSIBLE_AUTHORITY = "responsible_authority", "Responsible authority"
        CO_OPERATING_BODY = "co_operating_body", "Co-operating body"

    code = models.SlugField(
        max_length=20, unique=True, db_comment="short code, e.g. WYP"
    )
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        db_table_comment = "partner agencies of the Community Safety Partnership"

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """What a user does in the partnership; access rules hang on these."""

    ANALYST = "analyst", "Analyst"
    PRACTITIONER = "practitioner", "Practitioner"
    CASE_COORDINATOR = "case_coordinator", "Case coordinator"
    EXECUTIVE = "executive", "Executive member"
    AGENCY_ADMIN = "agency_admin", "Agency administrator"
    IG_LEAD = "ig_lead", "Information-governance lead"
    SYSTEM_ADMIN = "system_admin", "System administrator"
    REPORTING_CENTRE = "reporting_centre", "Third-party reporting centre"


class Membership(models.Model):
    """A user's agency; every user works for exactly one agency."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="members")
    job_title = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table_comment = "which agency each user works for"

    def __str__(self) -> str:
        return f"{self.user} ({self.agency.code})"


class RoleGrant(models.Model):
    """One role held by one user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(max_length=30, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="one_grant_per_role")
        ]
        db_table_comment = "roles held by users"

    def __str__(self) -> str:
        return f"{self.user}: {self.role}"


class RecordType(models.TextChoices):
    """The kinds of personal-data record that agreements share and access rules cover."""

    PERSON = "person", "Person"
    INCIDENT = "incident", "Incident"
    PLACE = "place", "Place"
    CASE = "case", "Case"
    CASE_NOTE = "case_note", "Case note"
    ATTACHMENT = "attachment", "Case document"
    CASE_TASK = "case_task", "Case task or MARAC action"
    DASH_ASSESSMENT = "dash_assessment", "Dash risk assessment"
    MARAC_REFERRAL = "marac_referral", "MARAC referral"
    MARAC_RESEARCH = "marac_research", "MARAC research"
    HATE_REPORT = "hate_report", "Hate incident report"
    ASB_COMPLAINT = "asb_complaint", "ASB complaint"
    ASB_ASSESSMENT = "asb_assessment", "ASB risk assessment"
    ASB_INTERVENTION = "asb_intervention", "ASB intervention"
    ASB_CASE_REVIEW = "asb_case_review", "ASB Case Review"
    NRM_REFERRAL = "nrm_referral", "NRM referral"


class SharingAgreement(models.Model):
    """An information sharing agreement: who shares which record types with whom, why,
    from when to when, signed by whom (ICO Data Sharing Code; Crime and Disorder Act
    1998 s115 and s17A)."""

    reference = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    purpose = models.TextField(db_comment="the purpose the data may be used for")
    lawful_basis = models.CharField(max_length=300)
    record_types = models.JSONField(
        default=list, db_comment="list of RecordType values shared under the agreement"
    )
    providers = models.ManyToManyField(Agency, related_name="agreements_providing")
    recipients = models.ManyToManyField(Agency, related_name="agreements_receiving")
    starts_on = models.DateField()
    ends_on = models.DateField(db_comment="last day in force")
    signed_by = models.CharField(max_length=300, db_comment="signatories, by role")
    signed_on = models.DateField()
    version = models.PositiveIntegerField(default=1, db_comment="optimistic lock")

    class Meta:
        ordering = ["-ends_on", "title"]
        db_table_comment = "information sharing agreements between partner agencies"

    def __str__(self) -> str:
        return self.title

    def in_force_on(self, day: object) -> bool:
        """Whether the agreement is in force on ``day``."""
        return self.starts_on <= day <= self.ends_on  # type: ignore[operator]
