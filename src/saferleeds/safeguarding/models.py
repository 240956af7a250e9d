"""The case core every casework module (MARAC, hate, ASB, modern slavery) hangs on."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from saferleeds.incidents.models import Incident
from saferleeds.partners.models import Agency
from saferleeds.people.models import Person, SubjectRole
from saferleeds.places.models import Area, Place


class RiskLevel(models.TextChoices):
    """Risk grading shared by Dash and the ASB risk matrix."""

    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Case(models.Model):
    """A multi-agency case, led by one agency, worked by named members."""

    class Type(models.TextChoices):
        MARAC = "marac", "Domestic abuse (MARAC)"
        HATE = "hate", "Hate crime"
        ASB = "asb", "Anti-social behaviour"
        MODERN_SLAVERY = "modern_slavery", "Modern slavery"
        GENERAL = "general", "Other safeguarding"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Consent(models.TextChoices):
        NOT_SOUGHT = "not_sought", "Not yet sought"
        GIVEN = "given", "Given"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"
        OVERRIDDEN = "overridden", "Shared without consent (risk of serious harm)"

    class Outcome(models.TextChoices):
        RISK_REDUCED = "risk_reduced", "Risk reduced"
        RESOLVED = "resolved", "Resolved"
        ENFORCEMENT = "enforcement", "Enforcement action taken"
        MOVED_AWAY = "moved_away", "Moved out of the area"
        DISENGAGED = "disengaged", "Victim disengaged"
        TRANSFERRED = "transferred", "Transferred to another service"
        NO_FURTHER_ACTION = "no_further_action", "No further action"

    reference = models.CharField(max_length=60, unique=True)
    case_type = models.CharField(
        max_length=20, choices=Type.choices, db_comment="marac, hate, asb, ..."
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN
    )
    risk_level = models.CharField(
        max_length=10, choices=RiskLevel.choices, blank=True, default=""
    )
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_comment="where the case is (an LSOA, usually), for lists by area",
    )
    opened_on = models.DateField()
    review_due_on = models.DateField(
        null=True, blank=True, db_comment="next review, from the risk level"
    )
    consent = models.CharField(
        max_length=12, choices=Consent.choices, default=Consent.NOT_SOUGHT
    )
    consent_recorded_on = models.DateField(null=True, blank=True)
    consent_note = models.TextField(
        blank=True, db_comment="why shared without consent, or any conditions"
    )
    closed_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(
        max_length=20, choices=Outcome.choices, blank=True, default=""
    )
    outcome_note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["case_type", "status"]),
            models.Index(fields=["review_due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", closed_on__isnull=True)
                | models.Q(status="closed", closed_on__isnull=False),
                name="case_closed_on_iff_closed",
            )
        ]
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


class CasePlace(models.Model):
    """A place linked to a case (a victim's home, a repeat location)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="places")
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "place"], name="one_link_per_place")
        ]
        db_table_comment = "places linked to cases"


class CaseTask(models.Model):
    """A task on a case with an owner agency and a due date; MARAC actions are tasks
    that point at the referral they came from."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    owner_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="who must do it"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_by_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="the agency that recorded the task (holds the record)",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    marac_referral = models.ForeignKey(
        "marac.MaracReferral",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="actions",
        db_comment="set for a MARAC action plan item",
    )
    completed_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completion_note = models.TextField(blank=True, db_comment="evidence of completion")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner_agency", "completed_on", "due_on"])]
        db_table_comment = "tasks and MARAC actions on cases (personal data)"


class CaseDocument(models.Model):
    """An uploaded document; the bytes live outside the web root under
    ``SAFERLEEDS_DOCUMENT_ROOT`` with a random name, never served directly."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="uploader's"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    title = models.CharField(max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_name = models.CharField(max_length=80, unique=True)

    class Meta:
        db_table_comment = "documents attached to cases (personal data)"
