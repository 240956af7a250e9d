"""Forms for the people pages: parse and validate only, GOV.UK error wording.

Each form exposes ``error_list`` -- ``(anchor id, message)`` pairs in page order -- for the
GOV.UK error summary, and ``field_errors`` keyed by field for the inline messages.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from saferleeds.people.access import PeopleQuery
from saferleeds.people.models import Person
from saferleeds.textclean import clean_form_data, clean_form_text

# A full UK postcode (outward code, then sector and unit), spaces ignored.
POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}$")
PSEUDONYM_RE = re.compile(r"^P-[0-9A-F]{10}$")
PARTS = ("day", "month", "year")


class DateParts:
    """A GOV.UK date input: three text boxes, checked as the design system advises."""

    def __init__(self, prefix: str, label: str, *, past: bool = False) -> None:
        self.prefix = prefix
        self.label = label
        self.past = past

    def field_names(self) -> list[str]:
        return [f"{self.prefix}_{p}" for p in PARTS]

    def fields(self) -> dict[str, forms.Field]:
        return {
            name: forms.CharField(required=False, strip=True)
            for name in self.field_names()
        }

    def parse(
        self, data: dict[str, Any], *, required: bool
    ) -> tuple[date | None, str | None, list[str]]:
        """Return ``(date, error message, parts in error)`` from cleaned data."""
        values = {p: (data.get(f"{self.prefix}_{p}") or "").strip() for p in PARTS}
        missing = [p for p in PARTS if not values[p]]
        if len(missing) == 3:
            if required:
                return None, f"Enter {self.label.lower()}", list(PARTS)
            return None, None, []
        if missing:
            return (
                None,
                f"{self.label} must include a {' and '.join(missing)}",
                missing,
            )
        bad = [p for p in PARTS if not values[p].isdigit()]
        if bad:
            return None, f"{self.label} must be a real date", bad
        day, month, year = (int(values[p]) for p in PARTS)
        if len(values["year"]) != 4:
            return None, f"{self.label} must include a 4-digit year", ["year"]
        try:
            value = date(year, month, day)
        except ValueError:
            return None, f"{self.label} must be a real date", list(PARTS)
        if self.past and value > timezone.localdate():
            return None, f"{self.label} must be in the past", list(PARTS)
        if self.past and value.year < 1900:
            return None, f"{self.label} must be after 1900", ["year"]
        return value, None, []

    @staticmethod
    def initial(prefix: str, value: date | None) -> dict[str, str]:
        if value is None:
            return {f"{prefix}_{p}": "" for p in PARTS}
        return {
            f"{prefix}_day": str(value.day),
            f"{prefix}_month": str(value.month),
            f"{prefix}_year": str(value.year),
        }


class GovukForm(forms.Form):
    """A form that records its errors in page order for the GOV.UK error summary.

    Every text field is cleaned of bidi and other control characters
    (:func:`saferleeds.textclean.clean_text`): what was submitted, before the fields
    validate it, and the cleaned values again in :meth:`clean` (subclasses call it).
    """

    order: tuple[str, ...] = ()
    date_inputs: tuple[DateParts, ...] = ()
    # Text fields that keep tabs and line breaks; None: every field (a form's templates,
    # not its fields, decide which are textareas). () makes every field single-line.
    multiline_fields: tuple[str, ...] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for d in self.date_inputs:
            self.fields.update(d.fields())
        clean_form_data(self, multiline=self.multiline_fields)
        self.date_errors: dict[str, tuple[str, list[str]]] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        clean_form_text(self, data, multiline=self.multiline_fields)
        return data

    def add_date_error(self, prefix: str, message: str, parts: list[str]) -> None:
        self.date_errors[prefix] = (message, parts)
        self.add_error(None, message)

    @property
    def field_errors(self) -> dict[str, str]:
        """First error per field (and per date input prefix)."""
        out = {
            name: str(errs[0])
            for name, errs in self.errors.items()
            if name != forms.forms.NON_FIELD_ERRORS and errs
        }
        out.update({prefix: msg for prefix, (msg, _) in self.date_errors.items()})
        return out

    @property
    def date_error_parts(self) -> dict[str, list[str]]:
        return {prefix: parts for prefix, (_, parts) in self.date_errors.items()}

    @property
    def error_list(self) -> list[tuple[str, str]]:
        """``(anchor id, message)`` for each error, in the order fields appear."""
        if not self.is_bound or self.is_valid():
            return []
        errors = self.field_errors
        listed: list[tuple[str, str]] = []
        for name in self.order:
            if name not in errors:
                continue
            if name in self.date_errors:
                first = self.date_errors[name][1][0]
                listed.append((f"{name}-{first}", errors[name]))
            else:
                listed.append((f"id_{name}", errors[name]))
        first = listed[0][0] if listed else f"id_{self.order[0]}"
        for name, message in errors.items():
            if name not in self.order:  # e.g. a tampered hidden field
                listed.append((first, message))
        shown = {m for _, m in listed}
        for err in self.non_field_errors():
            if str(err) not in shown:
                listed.append((first, str(err)))
        return listed


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
