"""Offending: offences and disposals partners supply, and rows their imports held back."""

from __future__ import annotations

from django.db import models

from saferleeds.partners.models import Agency
from saferleeds.people.models import Person


class Offence(models.Model):
    """A person's part in one offence, as the supplying agency recorded it.

    Co-offenders are the people of offences sharing a ``crime_reference`` within the
    agency that recorded them.
    """

    class Role(models.TextChoices):
        OFFENDER = "offender", "Offender"
        SUSPECT = "suspect", "Suspect"

    class DisposalType(models.TextChoices):
        # Proving disposals (analytics.reoffending.PROVING_DISPOSALS) ...
        CUSTODY = "custody", "Custodial sentence"
        COURT_NON_CUSTODIAL = "court_non_custodial", "Non-custodial court sentence"
        CAUTION = "caution", "Caution"
        # ... and outcomes that prove nothing (UNPROVEN_DISPOSALS).
        NONE = "", "No outcome yet"
        PENDING = "pending", "Pending"
        ACQUITTED = "acquitted", "Acquitted"
        NO_FURTHER_ACTION = "no_further_action", "No further action"
        COMMUNITY_RESOLUTION = "community_resolution", "Community resolution"
        PENALTY_NOTICE = "penalty_notice", "Penalty notice"

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="supplier"
    )
    reference = models.CharField(
        max_length=60, db_comment="the supplying agency's key of the row"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    offence_code = models.CharField(
        max_length=10, db_comment="Home Office offence classification code"
    )
    committed_on = models.DateField(db_comment="date the offence was committed")
    proven_on = models.DateField(
        null=True, blank=True, db_comment="conviction or caution date; empty: unproven"
    )
    disposal_type = models.CharField(
        max_length=25, choices=DisposalType.choices, blank=True
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    crime_reference = models.CharField(
        max_length=60,
        blank=True,
        db_comment="crime the offence was recorded under, shared by co-offenders",
    )
    source_file = models.CharField(max_length=300, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["committed_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "reference"], name="one_offence_per_agency_reference"
            )
        ]
        indexes = [models.Index(fields=["agency", "crime_reference"])]
        db_table_comment = "offences supplied by partner agencies (personal data)"

    def __str__(self) -> str:
        return f"Offence {self.pk}"


class Disposal(models.Model):
    """A disposal of a person: a custody release, a court sentence or a caution.

    The adult ones are the Ministry of Justice's index events of proven re-offending;
    the youth ones also mark first-time entrants.
    """

    class Type(models.TextChoices):
        CUSTODY_RELEASE = "custody_release", "Release from custody"
        COURT_NON_CUSTODIAL = "court_non_custodial", "Non-custodial court sentence"
        CAUTION = "caution", "Caution"
        YOUTH_CAUTION = "youth_caution", "Youth caution"
        YOUTH_COURT_SENTENCE = "youth_court_sentence", "Youth court sentence"

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_comment="supplier"
    )
    reference = models.CharField(
        max_length=60, db_comment="the supplying agency's key of the row"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    disposed_on = models.DateField(db_comment="release, sentence or caution date")
    disposal_type = models.CharField(max_length=25, choices=Type.choices)
    home_lsoa = models.CharField(
        max_length=9,
        blank=True,
        db_comment="LSOA of the person's home when disposed of; empty: not recorded",
    )
    source_file = models.CharField(max_length=300, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["disposed_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "reference"], name="one_disposal_per_agency_reference"
            )
        ]
        db_table_comment = "disposals supplied by partner agencies (personal data)"

    def __str__(self) -> str:
        return f"Disposal {self.pk}"


class OcgNomination(models.Model):
    """A person on an organised crime group's nominal list, as a partner holds it.

    Police forces and regional organised crime units map organised crime groups and
    list their nominals; the agency that supplied the list holds the record. People on
    the same group's list are tied in the network (a tie type of its own, apart from
    co-offending). One row per group and person of the holding agency: a later list
    updates the role, name and source.
    """

    class GroupRole(models.TextChoices):
        PRINCIPAL = "principal", "Principal"
        MEMBER = "member", "Member"
        ASSOCIATE = "associate", "Associate"

    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="agency that supplied the nominal list (holds the record)",
    )
    ocg_reference = models.CharField(
        max_length=60, db_comment="the group's reference in the supplier's OCG mapping"
    )
    ocg_name = models.CharField(max_length=120, db_comment="the group's working name")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    group_role = models.CharField(max_length=10, choices=GroupRole.choices)
    source_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        db_comment="agency whose intelligence nominated the person",
    )
    nominated_on = models.DateField(
        null=True,
        blank=True,
        db_comment="day the nomination was made or last reviewed; empty: not dated",
    )
    source_file = models.CharField(max_length=300, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ocg_reference", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "ocg_reference", "person"],
                name="one_nomination_per_agency_group_person",
            )
        ]
        db_table_comment = "organised crime group nominals supplied by partner agencies"

    def __str__(self) -> str:
        return f"OCG nomination {self.pk}"


class PopulationEstimate(models.Model):
    """Children aged 10 to 17 living in an area in a year: the denominator of the
    first-time entrants rate (reference data, about no person).

    Imported from an analyst's file summed from the ONS mid-year estimates or Census
    2021 single year of age (:func:`saferleeds.importers.offending.read_population`);
    the workspace ships no ages. One row per area and year: a later file updates it.
    """

    area_code = models.CharField(max_length=9, db_comment="ONS GSS code of the area")
    area_name = models.CharField(max_length=120)
    year = models.PositiveSmallIntegerField(db_comment="year of the mid-year estimate")
    population_10_17 = models.PositiveIntegerField(
        db_comment="usual residents aged 10 to 17"
    )
    source = models.CharField(
        max_length=200, db_comment="where the figures come from, as the pages say it"
    )
    source_file = models.CharField(max_length=300, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year", "area_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "year"], name="one_population_per_area_year"
            )
        ]
        db_table_comment = "children aged 10-17 by area and year (ONS estimates)"

    def __str__(self) -> str:
        return f"{self.area_code} {self.year}: {self.population_10_17}"


class QuarantinedRow(models.Model):
    """A row an offending import held back, and why (no values of the row are kept)."""

    class Extract(models.TextChoices):
        OFFENCES = "offences", "Offences"
        DISPOSALS = "disposals", "Disposals"
        OCG_NOMINALS = "ocg", "OCG nominal list"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    extract = models.CharField(max_length=10, choices=Extract.choices)
    source_file = models.CharField(max_length=300)
    line = models.PositiveIntegerField()
    field = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=500)
    quarantined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source_file", "line"]
        db_table_comment = "rows of offending extracts held back, with the reason"

    def __str__(self) -> str:
        return f"{self.source_file}:{self.line}: {self.field}: {self.reason}"
