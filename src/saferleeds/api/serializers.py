"""Request validation and response shapes for the partner API.

Input serializers only check and clean what a caller sent; they never read or write a
personal-data record (that is the access and actions modules' job). Output serializers
render what the access layer already decided the caller may see.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from saferleeds.api.fields import (
    NoEmptyQueryValues,
    StrictCharField,
    StrictIntegerField,
)
from saferleeds.audit.models import AuditEntry
from saferleeds.incidents.models import Incident
from saferleeds.partners.models import CaseType, RecordType, SharingAgreement
from saferleeds.people.models import Person
from saferleeds.people.present import PersonView

# Record ids and versions are stored as 64-bit (ids) and 32-bit (versions) integers;
# anything larger can only be a typo or a probe, and would overflow the database driver.
MAX_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1

# A UK postcode, as the people pages store it (upper case, one space).
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")
# What the API accepts as one (any case and spacing), as its schema shows.
POSTCODE_INPUT = RegexValidator(
    r"^\s*[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s+[0-9][A-Za-z]{2}\s*$",
    "Enter a UK postcode, like LS1 1UR.",
)


def normalise_postcode(value: str) -> str:
    """Upper-case a postcode and collapse its spacing, as the people actions do."""
    return " ".join(value.upper().split())


class ErrorSerializer(serializers.Serializer[Any]):
    """The body of a 403, 404 or other refusal."""

    detail = serializers.CharField()


class ConflictSerializer(serializers.Serializer[Any]):
    """The body of a 409: someone saved first; reload at ``current_version``."""

    detail = serializers.CharField()
    current_version = serializers.IntegerField(required=False)


# --- People ------------------------------------------------------------------------------


class PeopleQuerySerializer(NoEmptyQueryValues):
    """People-search parameters. Without any, nothing is searched and the answer is an
    empty list (a search of nothing would list everyone visible: a browse)."""

    name = StrictCharField(required=False, max_length=200, help_text="Words of a name.")
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    postcode = StrictCharField(required=False, max_length=20)
    reference = StrictCharField(
        required=False,
        max_length=60,
        help_text="An agency's own reference.",
    )
    pseudonym = StrictCharField(
        required=False,
        max_length=20,
        help_text="The only search analysts may make.",
    )


class _PostcodeField(StrictCharField):
    """A UK postcode, normalised; blank allowed where the field is optional.

    The schema shows the pattern a postcode is checked against, and its length is
    counted as sent (before the spacing is normalised).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = [
            v for v in self.validators if not isinstance(v, RegexValidator)
        ] + [POSTCODE_INPUT]

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, str) and self.max_length and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        value = normalise_postcode(super().to_internal_value(data))
        if value and not POSTCODE.match(value):
            raise serializers.ValidationError("Enter a UK postcode, like LS1 1UR.")
        return value


class PersonCreateSerializer(serializers.Serializer[Any]):
    """A new person, recorded for the caller's agency under its own reference."""

    reference = StrictCharField(max_length=60)
    given_name = StrictCharField(max_length=100)
    family_name = StrictCharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    sex = serializers.ChoiceField(
        choices=Person.Sex.choices, default=Person.Sex.UNKNOWN
    )
    postcode = _PostcodeField(
        required=False, allow_blank=True, max_length=10, default=""
    )


class PersonUpdateSerializer(serializers.Serializer[Any]):
    """Changes to a person; ``version`` (or an If-Match header) says which one you saw."""

    given_name = StrictCharField(max_length=100, required=False)
    family_name = StrictCharField(max_length=100, required=False)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    sex = serializers.ChoiceField(choices=Person.Sex.choices, required=False)
    postcode = _PostcodeField(required=False, allow_blank=True, max_length=10)
    version = StrictIntegerField(required=False, min_value=1, max_value=MAX_VERSION)


class ReferenceSerializer(serializers.Serializer[Any]):
    """One agency's reference for a person."""

    agency = serializers.CharField()
    reference = serializers.CharField()


class PersonSerializer(serializers.Serializer[PersonView]):
    """A person as the caller may see them: names are null when pseudonymised, and a
    pseudonymised caller gets no ``id`` (they address people by pseudonym only:
    security finding 13, issue #11)."""

    id = serializers.IntegerField(
        required=False,
        help_text="The record id; absent for pseudonymised callers, who use "
        "/people/by-pseudonym/{pseudonym}/.",
    )
    pseudonym = serializers.CharField()
    pseudonymised = serializers.BooleanField()
    display_name = serializers.CharField()
    given_name = serializers.CharField(allow_null=True)
    family_name = serializers.CharField(allow_null=True)
    date_of_birth = serializers.DateField(allow_null=True)
    year_of_birth = serializers.IntegerField(allow_null=True)
    sex = serializers.CharField()
    postcode = serializers.CharField(allow_null=True)
    postcode_district = serializers.CharField(allow_null=True)
    references = serializers.SerializerMethodField()
    agencies = serializers.ListField(child=serializers.CharField())
    version = serializers.IntegerField()

    @extend_schema_field(ReferenceSerializer(many=True))
    def get_references(self, view: PersonView) -> list[dict[str, str]]:
        """The (agency, reference) pairs, as objects."""
        return [{"agency": a, "reference": r} for a, r in view.references]

    def to_representation(self, instance: PersonView) -> dict[str, Any]:
        """Leave ``id`` out when the view has none (a pseudonymised caller)."""
        data = super().to_representation(instance)
        if instance.id is None:
            data.pop("id", None)
        return data


class SubjectAccessSerializer(serializers.Serializer[Any]):
    """Who the subject-access bundle is disclosed to (the subject or their agent)."""

    recipient = StrictCharField(max_length=200)


class AuditEntrySerializer(serializers.ModelSerializer[AuditEntry]):
    """One line of a person's access history."""

    class Meta:
        model = AuditEntry
        fields = [
            "seq",
            "at",
            "actor_username",
            "agency_code",
            "roles",
            "purpose",
            "operation",
            "event",
            "record_type",
            "record_id",
            "recipient",
            "remote_addr",
            "detail",
        ]
        read_only_fields = fields


# --- Incidents ----------------------------------------------------------------


class IncidentCreateSerializer(serializers.Serializer[Any]):
    """A new incident, recorded for the caller's agency."""

    reference = StrictCharField(max_length=60)
    category = serializers.ChoiceField(choices=Incident.Category.choices)
    occurred_on = serializers.DateField()
    summary = StrictCharField(required=False, allow_blank=True, default="")
    place = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Id of a place your agency may see.",
    )


class IncidentSerializer(serializers.Serializer[Incident]):
    """An incident; free text and references are withheld from pseudonymised callers."""

    id = serializers.IntegerField()
    owner_agency = serializers.CharField(source="owner_agency.code")
    reference = serializers.CharField(allow_null=True)
    category = serializers.CharField()
    occurred_on = serializers.DateField()
    summary = serializers.CharField(allow_null=True)
    place = serializers.IntegerField(source="place_id", allow_null=True)
    version = serializers.IntegerField()

    def to_representation(self, instance: Incident) -> dict[str, Any]:
        """Blank out identifying free text when the context says so."""
        data = super().to_representation(instance)
        if self.context.get("pseudonymised"):
            # A reference or a summary can name the people involved.
            data["reference"] = None
            data["summary"] = None
        return data


# Cases and the other casework records: see saferleeds.api.casework.


# --- Sharing agreements (not personal data) ----------------------------------------------


class AgreementSignatureSerializer(serializers.Serializer[Any]):
    """One party's signature state."""

    agency = serializers.CharField()
    signed = serializers.BooleanField()
    signed_on = serializers.DateField(allow_null=True)


class AgreementSerializer(serializers.ModelSerializer[SharingAgreement]):
    """A sharing agreement, with its parties by agency code."""

    providers = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    recipients = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    record_types = serializers.ListField(
        child=serializers.ChoiceField(choices=RecordType.choices)
    )
    case_types = serializers.ListField(
        child=serializers.ChoiceField(choices=CaseType.choices)
    )
    signatures = serializers.SerializerMethodField()
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = SharingAgreement
        fields = [
            "id",
            "reference",
            "title",
            "purpose",
            "lawful_basis",
            "record_types",
            "case_types",
            "providers",
            "recipients",
            "starts_on",
            "ends_on",
            "signed_by",
            "signed_on",
            "signatures",
            "supersedes",
            "withdrawn_on",
            "version",
            "in_force",
        ]
        read_only_fields = fields

    @extend_schema_field(AgreementSignatureSerializer(many=True))
    def get_signatures(self, agreement: SharingAgreement) -> list[dict[str, Any]]:
        """Each party and whether it has signed the current terms."""
        signed = {s.agency_id: s for s in agreement.signatures.all()}
        parties = {a.id: a for a in agreement.providers.all()} | {
            a.id: a for a in agreement.recipients.all()
        }
        return [
            {
                "agency": agency.code,
                "signed": agency_id in signed,
                "signed_on": signed[agency_id].signed_on
                if agency_id in signed
                else None,
            }
            for agency_id, agency in sorted(parties.items(), key=lambda p: p[1].code)
        ]

    def get_in_force(self, agreement: SharingAgreement) -> bool:
        """Whether the agreement is in force today."""
        return agreement.in_force_on(timezone.localdate())


class AgreementUpdateSerializer(serializers.Serializer[Any]):
    """Changes to an agreement, with the version you saw: a draft's terms (which voids
    the signatures given so far), or a signed agreement's end date brought forward."""

    title = serializers.CharField(max_length=200, required=False)
    purpose = serializers.CharField(required=False)
    lawful_basis = serializers.CharField(max_length=300, required=False)
    record_types = serializers.ListField(
        child=serializers.ChoiceField(choices=RecordType.choices),
        required=False,
        allow_empty=True,
    )
    case_types = serializers.ListField(
        child=serializers.ChoiceField(choices=CaseType.choices),
        required=False,
        allow_empty=True,
    )
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_VERSION
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """An agreement cannot end before it starts (checked against saved dates too)."""
        current: SharingAgreement | None = self.context.get("agreement")
        starts = attrs.get("starts_on", current.starts_on if current else None)
        ends = attrs.get("ends_on", current.ends_on if current else None)
        if starts and ends and ends < starts:
            raise serializers.ValidationError(
                {"ends_on": "An agreement cannot end before it starts."}
            )
        return attrs


class AgreementSignSerializer(serializers.Serializer[Any]):
    """Sign the terms at the version you read."""

    version = serializers.IntegerField(min_value=1, max_value=MAX_VERSION)
