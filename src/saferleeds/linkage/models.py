"""Agency records, the people they resolve to, and how they were linked.

- :class:`AgencyRecord`: one agency's own record of a person, as the agency sent it.
- :class:`LinkRun`: one run of the model over the records held (or a new batch).
- :class:`LinkPair`: a pair of records the model scored at or above the review
  threshold: linked by the model, or waiting in the review queue, or decided.
- :class:`LinkDecision`: a reviewer's confirmed match or confirmed non-match, which
  overrides the model on every later run.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from saferleeds.partners.models import Agency
from saferleeds.people.models import Person


class AgencyRecord(models.Model):
    """An agency's own record of a person (its reference, names, date of birth...).

    The record stays the agency's, held under the sharing rules; ``person`` is the
    resolved person linkage assigned it to (``None`` until it is linked).
    """

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="holder"
    )
    reference = models.CharField(max_length=60, db_comment="the agency's own reference")
    forename = models.CharField(max_length=100, blank=True)
    surname = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(
        max_length=1, choices=Person.Sex.choices, default=Person.Sex.UNKNOWN
    )
    postcode = models.CharField(max_length=10, blank=True)
    address = models.CharField(max_length=200, blank=True)
    identifier = models.CharField(
        max_length=40, blank=True, db_comment="an identifier it holds (NHS, PNC...)"
    )
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agency_records",
        db_comment="the resolved person; null until linked",
    )
    received_at = models.DateTimeField(default=timezone.now)
    batch = models.CharField(
        max_length=100, blank=True, db_comment="the extract it came in"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "reference"], name="one_agency_record_per_reference"
            )
        ]
        indexes = [models.Index(fields=["batch"])]
        db_table_comment = "agencies' own records of people, before and after linkage"

    def __str__(self) -> str:
        return f"Agency record {self.pk}"


class LinkRun(models.Model):
    """One run of the model: over every record held, or a new batch against them."""

    class Kind(models.TextChoices):
        FULL = "full", "Full re-link"
        INCREMENTAL = "incremental", "New batch"
        REVIEW = "review", "Review decision applied"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    started_at = models.DateTimeField(default=timezone.now)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="null: the system (a scheduled run)",
    )
    batch = models.CharField(max_length=100, blank=True)
    engine = models.CharField(max_length=10, default="duckdb")
    threshold = models.FloatField(db_comment="least match probability that links")
    review_low = models.FloatField(db_comment="least match probability reviewed")
    records = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0, db_comment="resolved people")
    auto_links = models.PositiveIntegerField(default=0)
    to_review = models.PositiveIntegerField(default=0)
    links = models.PositiveIntegerField(default=0, db_comment="records linked")
    unlinks = models.PositiveIntegerField(default=0, db_comment="records unlinked")
    seconds = models.FloatField(default=0.0)
    model_json = models.TextField(
        blank=True, db_comment="the trained model (Splink JSON)"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        db_table_comment = "runs of the record linkage model"

    def __str__(self) -> str:
        return f"Link run {self.pk}"


class LinkPair(models.Model):
    """A pair of agency records the model scored at or above the review threshold.

    ``record_l`` has the smaller id. Pairs below the link threshold wait for a
    reviewer (``pending``); pairs at or above it were linked by the model
    (``linked``); either becomes ``confirmed`` or ``rejected`` by a decision.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        LINKED = "linked", "Linked by the model"
        CONFIRMED = "confirmed", "Confirmed match"
        REJECTED = "rejected", "Confirmed non-match"

    record_l = models.ForeignKey(
        AgencyRecord, on_delete=models.CASCADE, related_name="+"
    )
    record_r = models.ForeignKey(
        AgencyRecord, on_delete=models.CASCADE, related_name="+"
    )
    match_probability = models.FloatField()
    match_weight = models.FloatField(db_comment="log2 Bayes factor, prior included")
    explanation = models.JSONField(
        default=dict, blank=True, db_comment="Splink waterfall (explain_pair)"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    run = models.ForeignKey(LinkRun, on_delete=models.PROTECT, related_name="pairs")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record_l", "record_r"], name="one_link_pair"
            ),
            models.CheckConstraint(
                condition=models.Q(record_l__lt=models.F("record_r")),
                name="link_pair_ordered",
            ),
        ]
        indexes = [models.Index(fields=["status", "match_probability"])]
        db_table_comment = "scored pairs of agency records (links and review queue)"

    def __str__(self) -> str:
        return f"Pair {self.record_l_id}-{self.record_r_id}"


class LinkDecision(models.Model):
    """A reviewer's decision that two agency records are (or are not) one person.

    Decisions override the model on every later run; a later decision on the same
    pair supersedes the earlier (kept, with ``superseded_at``).
    """

    class Verdict(models.TextChoices):
        MATCH = "match", "Same person"
        NON_MATCH = "non_match", "Not the same person"

    record_a = models.ForeignKey(
        AgencyRecord, on_delete=models.CASCADE, related_name="+"
    )
    record_b = models.ForeignKey(
        AgencyRecord, on_delete=models.CASCADE, related_name="+"
    )
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    reason = models.TextField(db_comment="why, in the reviewer's words")
    pair = models.ForeignKey(
        LinkPair, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by_agency = models.ForeignKey(
        Agency, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(record_a__lt=models.F("record_b")),
                name="link_decision_ordered",
            ),
            models.UniqueConstraint(
                fields=["record_a", "record_b"],
                condition=models.Q(superseded_at__isnull=True),
                name="one_current_link_decision",
            ),
        ]
        db_table_comment = "reviewers' link decisions (override the model)"

    def __str__(self) -> str:
        return f"Decision {self.verdict} {self.record_a_id}-{self.record_b_id}"
