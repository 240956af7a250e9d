"""Agencies and the roles their users hold."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# Record kinds are declared by the apps that own them (saferleeds.core.records);
# re-exported here, where agreements name them.
from saferleeds.core.records import RecordType as RecordType


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

    class PasswordOrigin(models.TextChoices):
        """Who set the user's current password: only the owner's own counts as safe."""

        UNSET = "unset", "No password yet"
        OWNER = "owner", "Set by the user"
        SEEDED = "seeded", "Set by the demo seeder"
        ADMINISTRATOR = "administrator", "Set by an administrator"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="members")
    job_title = models.CharField(max_length=200, blank=True)
    password_origin = models.CharField(
        max_length=20,
        choices=PasswordOrigin.choices,
        default=PasswordOrigin.UNSET,
        db_comment="who set the current password; production refuses to start while "
        "an active account's password was not set by its owner",
    )

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


class CaseType(models.TextChoices):
    """Kinds of safeguarding case; agreements scope case records by these."""

    MARAC = "marac", "Domestic abuse (MARAC)"
    HATE = "hate", "Hate crime"
    ASB = "asb", "Anti-social behaviour"
    MODERN_SLAVERY = "modern_slavery", "Modern slavery"
    GENERAL = "general", "Other safeguarding"


class SharingAgreement(models.Model):
    """An information sharing agreement: who shares which record types with whom, why,
    from when to when, signed by whom (ICO Data Sharing Code; Crime and Disorder Act
    1998 s115 and s17A).

    Each party is its own data controller, so an agreement binds only once every
    party (provider or recipient) has signed its current terms through its
    information-governance lead; signed terms are never edited in place: an amendment
    is a new draft that supersedes the agreement when every party has signed it.
    """

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
    case_types = models.JSONField(
        default=list,
        blank=True,
        db_comment="CaseType values whose case records are shared; empty: records "
        "outside cases only",
    )
    signed_by = models.CharField(
        max_length=300, blank=True, db_comment="signatories, by role (as on paper)"
    )
    signed_on = models.DateField(null=True, blank=True)
    drafted_by = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="agency whose IG lead drafted it",
    )
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        db_comment="the agreement this amendment replaces once fully signed",
    )
    withdrawn_on = models.DateField(
        null=True, blank=True, db_comment="draft abandoned before every party signed"
    )
    version = models.PositiveIntegerField(default=1, db_comment="optimistic lock")

    class Meta:
        ordering = ["-ends_on", "title"]
        db_table_comment = "information sharing agreements between partner agencies"

    def __str__(self) -> str:
        return self.title

    def party_ids(self) -> set[int]:
        """Every agency that provides or receives under the agreement."""
        return {a.id for a in self.providers.all()} | {
            a.id for a in self.recipients.all()
        }

    def signed_party_ids(self) -> set[int]:
        """Parties that have signed the current terms."""
        return {s.agency_id for s in self.signatures.all()}

    def fully_signed(self) -> bool:
        """Whether every party has signed (an agreement with no parties never binds)."""
        parties = self.party_ids()
        return bool(parties) and parties <= self.signed_party_ids()

    def in_force_on(self, day: object) -> bool:
        """Whether the agreement is signed by every party and in force on ``day``."""
        return (
            self.fully_signed()
            and self.withdrawn_on is None
            and self.starts_on <= day <= self.ends_on  # type: ignore[operator]
        )


class AgreementSignature(models.Model):
    """One party's signature of an agreement's terms, by that agency's IG lead."""

    agreement = models.ForeignKey(
        SharingAgreement, on_delete=models.CASCADE, related_name="signatures"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="the signatory; empty for agreements signed on paper and recorded",
    )
    signatory_name = models.CharField(max_length=200)
    signed_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "agency"], name="one_signature_per_party"
            )
        ]
        db_table_comment = "each party's signature of a sharing agreement"


class Invitation(models.Model):
    """A one-time link by which a new user (or one whose password an administrator
    reset) sets their own password and two-factor device. Only a hash of the token is
    kept, so the database never holds a usable link."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table_comment = "one-time invitation links (hashed) to set a password"
