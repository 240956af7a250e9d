"""Domestic Abuse Related Death Reviews: the review, its Individual Management Reviews,
its recommendations and each recommendation's history.

A review is held by the agency that commissioned it (the partnership's community safety
team, normally in the council): the sharing agreements decide who else sees it. The
deceased's name and date of death are personal data in the partnership's care (the
UK GDPR does not protect the dead, but the family's privacy and the living people a
review names do): only the roles of ``dardr.rules`` open them, and analysts never see
them. The published report uses a pseudonym chosen with the family.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from saferleeds.partners.models import Agency


class DeathReview(models.Model):
    """One Domestic Abuse Related Death Review (a Domestic Homicide Review before the
    Victims and Prisoners Act 2024 s.19), from notification to publication."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Not decided yet"
        REVIEW = "review", "Review"
        NO_REVIEW = "no_review", "No review"

    class QaOutcome(models.TextChoices):
        PENDING = "pending", "Awaiting the panel"
        APPROVED = "approved", "Approved for publication"
        RESUBMIT = "resubmit", "Changes asked for"

    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="commissioning agency (holds the review)",
    )
    reference = models.CharField(max_length=40, unique=True)
    pseudonym = models.CharField(
        max_length=60, db_comment="name used in the published report"
    )
    deceased_name = models.CharField(max_length=200, blank=True)
    date_of_death = models.DateField(null=True, blank=True)
    notified_by = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="agency that notified the partnership (normally the police)",
    )
    notified_on = models.DateField()
    decision = models.CharField(
        max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_on = models.DateField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    chair = models.CharField(
        max_length=200, blank=True, db_comment="independent chair and author"
    )
    panel_agencies = models.ManyToManyField(Agency, related_name="+", blank=True)
    report_submitted_on = models.DateField(
        null=True, blank=True, db_comment="overview report to the partnership"
    )
    qa_submitted_on = models.DateField(
        null=True, blank=True, db_comment="sent to the Home Office QA panel"
    )
    qa_outcome = models.CharField(
        max_length=10, choices=QaOutcome.choices, default=QaOutcome.PENDING
    )
    qa_outcome_on = models.DateField(null=True, blank=True)
    published_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-notified_on", "-id"]
        db_table_comment = "death reviews (deceased's identity: restricted)"

    def __str__(self) -> str:
        return self.reference


class ManagementReview(models.Model):
    """An Individual Management Review asked of a panel agency: when asked, when in."""

    review = models.ForeignKey(
        DeathReview, on_delete=models.CASCADE, related_name="imrs"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField()
    received_on = models.DateField(null=True, blank=True, db_comment="blank: awaited")

    class Meta:
        ordering = ["requested_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "agency"], name="one_imr_per_agency"
            )
        ]
        db_table_comment = "Individual Management Reviews of death reviews"


class Recommendation(models.Model):
    """A recommendation of a review: what is to change, who owns it, by when, and the
    evidence that it was done."""

    class Status(models.TextChoices):
        OPEN = "open", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        IMPLEMENTED = "implemented", "Implemented"
        NOT_IMPLEMENTED = "not_implemented", "Not implemented"

    review = models.ForeignKey(
        DeathReview, on_delete=models.PROTECT, related_name="recommendations"
    )
    number = models.PositiveSmallIntegerField(db_comment="its number in the review")
    text = models.TextField()
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    expected_change = models.TextField(db_comment="what is expected to change")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN
    )
    status_reason = models.TextField(
        blank=True, db_comment="why not implemented (required for that status)"
    )
    evidence = models.TextField(
        blank=True, db_comment="evidence of completion (required to implement)"
    )
    implemented_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["review_id", "number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "number"], name="one_number_per_recommendation"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="implemented")
                | (models.Q(implemented_on__isnull=False) & ~models.Q(evidence="")),
                name="implemented_has_evidence_and_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]
        db_table_comment = "recommendations of death reviews and their progress"


class RecommendationChange(models.Model):
    """One change of a recommendation's status: who, when, from, to, and the note
    (the evidence, or why it will not be implemented). Append-only."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="changer's"
    )
    changed_at = models.DateTimeField()
    from_status = models.CharField(
        max_length=16, choices=Recommendation.Status.choices, blank=True
    )
    to_status = models.CharField(max_length=16, choices=Recommendation.Status.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        db_table_comment = "history of recommendations' status (append-only)"
