"""The case core every casework module (MARAC, hate, ASB, modern slavery) hangs on."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from saferleeds.incidents.models import Incident
from saferleeds.partners.models import Agency
from saferleeds.people.models import Person, SubjectRole


class Case(models.Model):
    """A multi-agency case, led by one agency, worked by named members."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=60, unique=True)
    case_type = models.CharField(max_length=40, db_comment="e.g. marac, hate, asb")
    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN
    )
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        db_table_comment = "multi-agency cases (personal data)"

    def __str__(self) -> str:
        return self.reference


class CaseMember(models.Model):
    """A named worker on a case; membership opens the case's records to them."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"], name="one_membership_per_case"
            )
        ]
        db_table_comment = "workers on cases"


class CasePerson(models.Model):
    """A person's role on a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="case_links"
    )
    role = models.CharField(max_length=20, choices=SubjectRole.choices)

    class Meta:
        db_table_comment = "people's roles on cases"


class CaseIncident(models.Model):
    """An incident linked to a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="incidents")
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="case_links"
    )

    class Meta:
        db_table_comment = "incidents linked to cases"


class CaseNote(models.Model):
    """A note on a case, marked fact or assessment (DPA 2018 s38(2))."""

    class Kind(models.TextChoices):
        FACT = "fact", "Fact"
        ASSESSMENT = "assessment", "Professional assessment"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table_comment = "case notes (personal data)"
