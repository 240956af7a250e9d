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
