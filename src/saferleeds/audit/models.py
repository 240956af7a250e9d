"""Audit entries: who did what to which personal-data record, when, from where, why."""

from __future__ import annotations

from django.db import models


class Operation(models.TextChoices):
    """The six operations DPA 2018 s62(1) requires logs of, plus refused access."""

    COLLECTION = "collection", "Collection"
    ALTERATION = "alteration", "Alteration"
    CONSULTATION = "consultation", "Consultation"
    DISCLOSURE = "disclosure", "Disclosure"
    COMBINATION = "combination", "Combination"
    ERASURE = "erasure", "Erasure"
    REFUSAL = "refusal", "Refused access"


class AuditEntry(models.Model):
    """One operation on one record. Rows are never updated or deleted (triggers refuse).

    ``hash`` is SHA-256 over ``prev_hash`` and the canonical JSON of the other fields
    (see :mod:`saferleeds.audit.chain`), so a changed, removed or reordered row breaks
    the chain at that row.
    """

    seq = models.BigIntegerField(
        unique=True, db_comment="position in the chain, from 1"
    )
    at = models.DateTimeField(db_comment="when, UTC")
    actor_id = models.BigIntegerField(
        null=True, db_comment="user id; null for the system"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    agency_code = models.CharField(max_length=20, blank=True)
    roles = models.CharField(max_length=200, blank=True)
    purpose = models.CharField(max_length=200, blank=True, db_comment="stated purpose")
    operation = models.CharField(max_length=20, choices=Operation.choices)
    event = models.CharField(
        max_length=100, db_comment="dotted code, e.g. people.person.view"
    )
    record_type = models.CharField(max_length=40, blank=True)
    record_id = models.CharField(max_length=64, blank=True)
    subject_person_id = models.BigIntegerField(
        null=True, db_index=True, db_comment="the person the record is about, if any"
    )
    recipient = models.CharField(
        max_length=200, blank=True, db_comment="for disclosures"
    )
    remote_addr = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["record_type", "record_id"]),
            models.Index(fields=["actor_id", "at"]),
        ]
        verbose_name_plural = "audit entries"
        db_table_comment = "append-only hash-chained log of personal-data processing"

    def __str__(self) -> str:
        return f"#{self.seq} {self.event} {self.record_type}:{self.record_id}"


class ChainHead(models.Model):
    """The single row holding the chain's last seq and hash; locked to append."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        db_table_comment = "head of the audit hash chain (one row)"
