"""Forms for the people pages: parse and validate only, GOV.UK error wording.

Each form exposes ``error_list`` -- ``(anchor id, message)`` pairs in page order -- for the
GOV.UK error summary, and ``field_errors`` keyed by field for the inline messages.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

# The GOV.UK form bases live in core; re-exported here, where callers first found them.
from saferleeds.core.forms import PARTS as PARTS
from saferleeds.core.forms import DateParts as DateParts
from saferleeds.core.forms import GovukForm as GovukForm
from saferleeds.people.access import PeopleQuery
from saferleeds.people.models import Person

# A full UK postcode (outward code, then sector and unit), spaces ignored.
POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}$")
PSEUDONYM_RE = re.compile(r"^P-[0-9A-F]{10}$")


def _clean_postcode(value: str) -> str:
    compact = "".join(value.upper().split())
    if not compact:
        return ""
    if not POSTCODE_RE.match(compact):
        raise forms.ValidationError("Enter a full postcode, like LS1 4AP")
    return f"{compact[:-3]} {compact[-3:]}"


class PeopleSearchForm(GovukForm):
    """Search by identifying details (practitioners, IG leads)."""

    multiline_fields = ()

    order = ("name", "dob", "postcode", "reference")
    date_inputs = (DateParts("dob", "Date of birth", past=True),)

    name = forms.CharField(
        required=False,
        max_length=200,
        strip=True,
        error_messages={"max_length": "Name must be 200 characters or fewer"},
    )
    postcode = forms.CharField(
        required=False,
        max_length=20,
        strip=True,
        error_messages={"max_length": "Enter a full postcode, like LS1 4AP"},
    )
    reference = forms.CharField(
        required=False,
        max_length=60,
        strip=True,
        error_messages={
            "max_length": "Agency reference must be 60 characters or fewer"
        },
    )

    def clean_postcode(self) -> str:
        return _clean_postcode(self.cleaned_data.get("postcode", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        dob, message, parts = self.date_inputs[0].parse(data, required=False)
        if message:
            self.add_date_error("dob", message, parts)
        data["date_of_birth"] = dob
        return data

    def query(self) -> PeopleQuery:
        d = self.cleaned_data
        return PeopleQuery(
            name=d.get("name", ""),
            date_of_birth=d.get("date_of_birth"),
            postcode=d.get("postcode", ""),
            reference=d.get("reference", ""),
        )


class PseudonymSearchForm(GovukForm):
    """Analysts search by pseudonym only: they never see or type identities."""

    multiline_fields = ()

    order = ("pseudonym",)

    pseudonym = forms.CharField(required=False, max_length=40, strip=True)

    def clean_pseudonym(self) -> str:
        value = self.cleaned_data.get("pseudonym", "").upper()
        if value and not PSEUDONYM_RE.match("".join(value.split())):
            raise forms.ValidationError(
                "Enter a pseudonym in the form P- followed by 10 letters or numbers, "
                "like P-3FA2C91B0D"
            )
        return "".join(value.split())

    def query(self) -> PeopleQuery:
        return PeopleQuery(pseudonym=self.cleaned_data.get("pseudonym", ""))


class PersonEditForm(GovukForm):
    """A practitioner's correction of a person's details, against a known version."""

    multiline_fields = ()

    order = ("given_name", "family_name", "dob", "sex", "postcode")
    date_inputs = (DateParts("dob", "Date of birth", past=True),)

    given_name = forms.CharField(
        max_length=100,
        strip=True,
        error_messages={
            "required": "Enter the person's first name",
            "max_length": "First name must be 100 characters or fewer",
        },
    )
    family_name = forms.CharField(
        max_length=100,
        strip=True,
        error_messages={
            "required": "Enter the person's last name",
            "max_length": "Last name must be 100 characters or fewer",
        },
    )
    sex = forms.ChoiceField(
        choices=Person.Sex.choices,
        error_messages={
            "required": "Select the person's sex, or 'Not known'",
            "invalid_choice": "Select the person's sex, or 'Not known'",
        },
    )
    postcode = forms.CharField(
        required=False,
        max_length=20,
        strip=True,
        error_messages={"max_length": "Enter a full postcode, like LS1 4AP"},
    )
    version = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "required": "The page was missing the record's version: reload it and try again",
            "invalid": "The page was missing the record's version: reload it and try again",
        },
    )

    def clean_postcode(self) -> str:
        return _clean_postcode(self.cleaned_data.get("postcode", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        dob, message, parts = self.date_inputs[0].parse(data, required=False)
        if message:
            self.add_date_error("dob", message, parts)
        data["date_of_birth"] = dob
        return data

    def changes(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "given_name": d["given_name"],
            "family_name": d["family_name"],
            "date_of_birth": d["date_of_birth"],
            "sex": d["sex"],
            "postcode": d["postcode"],
        }

    @classmethod
    def initial_for(cls, view: Any) -> dict[str, Any]:
        """Initial values from a ``PersonView`` (identified)."""
        return {
            "given_name": view.given_name or "",
            "family_name": view.family_name or "",
            "sex": view.sex,
            "postcode": view.postcode or "",
            "version": view.version,
            **DateParts.initial("dob", view.date_of_birth),
        }
