"""The public hate report form: parse and validate only, GOV.UK error wording.

``error_list`` gives ``(anchor id, message)`` pairs in page order for the GOV.UK error
summary; ``field_errors`` the first message per field for the inline messages.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from django import forms
from django.utils import timezone

from saferleeds.hate.models import HateReport
from saferleeds.partners.admin_forms import GovukErrors
from saferleeds.textclean import clean_form_data, clean_form_text

# A full UK postcode (outward code, then sector and unit), spaces ignored.
POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}$")
TIME_RE = re.compile(r"^([01]?[0-9]|2[0-3])[:.]([0-5][0-9])$")
PHONE_RE = re.compile(r"^\+?[0-9 ()-]{10,20}$")
DATE_PARTS = ("day", "month", "year")
# The honeypot: a field people never see or fill in; bots that fill every box do.
HONEYPOT = "website"
CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone", "safe_times")
YES_NO = [("yes", "Yes"), ("no", "No")]
# Free text shown as a textarea: keeps its line breaks (bidi and other controls go).
MULTILINE_FIELDS = ("what_happened", "centre_notes")

# Fields in page order, each with the id its error summary link points at.
ORDER = [
    ("what_happened", "what_happened"),
    ("occurred_on", "occurred_on-day"),
    ("occurred_time", "occurred_time"),
    ("location", "location"),
    ("postcode", "postcode"),
    ("strands", "strands-1"),
    ("strand_other", "strand_other"),
    ("perceived_by", "perceived_by-1"),
    ("reporter_is_victim", "reporter_is_victim-1"),
    ("reported_via", "reported_via-1"),
    ("anonymous", "anonymous-1"),
    ("contact_preference", "contact_preference-1"),
    ("contact_name", "contact_name"),
    ("contact_email", "contact_email"),
    ("contact_phone", "contact_phone"),
    ("safe_times", "safe_times"),
]


def _required(message: str, **extra: str) -> dict[str, str]:
    return {"required": message, "invalid_choice": message, **extra}


class HateReportForm(forms.Form):
    """Everything a member of the public (or a reporting centre) tells us."""

    order: list[tuple[str, str]] = ORDER  # (field, anchor) for the error summary

    what_happened = forms.CharField(
        max_length=5000,
        error_messages=_required(
            "Enter what happened",
            max_length="What happened must be 5000 characters or fewer",
        ),
    )
    occurred_on_day = forms.CharField(required=False)
    occurred_on_month = forms.CharField(required=False)
    occurred_on_year = forms.CharField(required=False)
    occurred_time = forms.CharField(
        required=False,
        max_length=5,
        error_messages={
            "max_length": "Enter the time in the 24-hour clock, like 14:30"
        },
    )
    location = forms.CharField(
        max_length=500,
        error_messages=_required(
            "Enter where it happened",
            max_length="Where it happened must be 500 characters or fewer",
        ),
    )
    postcode = forms.CharField(
        required=False,
        max_length=10,
        error_messages={"max_length": "Enter a full UK postcode, like LS1 4AP"},
    )
    strands = forms.MultipleChoiceField(
        choices=HateReport.Strand.choices,
        error_messages=_required(
            "Select why you think it happened",
            invalid_choice="Select why you think it happened",
        ),
    )
    strand_other = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": "Describe it in 200 characters or fewer"},
    )
    perceived_by = forms.ChoiceField(
        choices=HateReport.PerceivedBy.choices,
        error_messages=_required("Select who thinks it was motivated by hostility"),
    )
    reporter_is_victim = forms.ChoiceField(
        choices=YES_NO,
        error_messages=_required("Select yes if it happened to you"),
    )
    reported_via = forms.ChoiceField(
        choices=HateReport.ReportedVia.choices,
        error_messages=_required("Select how you are reporting"),
    )
    anonymous = forms.ChoiceField(
        choices=YES_NO,
        error_messages=_required("Select yes if you want to stay anonymous"),
    )
    contact_preference = forms.ChoiceField(
        choices=HateReport.ContactPreference.choices,
        required=False,
        error_messages=_required("Select how we should contact you"),
    )
    contact_name = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": "Name must be 200 characters or fewer"},
    )
    contact_email = forms.EmailField(
        required=False,
        max_length=254,
        error_messages={
            "invalid": "Enter an email address in the correct format, like "
            "name@example.com",
            "max_length": "Email address must be 254 characters or fewer",
        },
    )
    contact_phone = forms.CharField(
        required=False,
        max_length=30,
        error_messages={
            "max_length": "Enter a telephone number, like 01632 960 001 or 07700 900 982"
        },
    )
    safe_times = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": "Safe times must be 200 characters or fewer"},
    )
    website = forms.CharField(required=False)  # the honeypot

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # Bidi and other control characters go before any field sees the text.
        clean_form_data(self, multiline=MULTILINE_FIELDS)
        self.date_error_parts: list[str] = []

    # --- single fields ---------------------------------------------------------------

    def clean_postcode(self) -> str:
        compact = "".join(self.cleaned_data["postcode"].upper().split())
        if not compact:
            return ""
        if not POSTCODE_RE.match(compact):
            raise forms.ValidationError("Enter a full UK postcode, like LS1 4AP")
        return f"{compact[:-3]} {compact[-3:]}"

    def clean_occurred_time(self) -> time | None:
        value = self.cleaned_data["occurred_time"].strip()
        if not value:
            return None
        match = TIME_RE.match(value)
        if not match:
            raise forms.ValidationError(
                "Enter the time in the 24-hour clock, like 14:30"
            )
        return time(int(match[1]), int(match[2]))

    def clean_contact_phone(self) -> str:
        value = self.cleaned_data["contact_phone"].strip()
        if value and not PHONE_RE.match(value):
            raise forms.ValidationError(
                "Enter a telephone number, like 01632 960 001 or 07700 900 982"
            )
        return value

    # --- the form as a whole ---------------------------------------------------------

    def _clean_date(self, data: dict[str, Any]) -> None:
        values = {p: (data.get(f"occurred_on_{p}") or "").strip() for p in DATE_PARTS}
        missing = [p for p in DATE_PARTS if not values[p]]
        if len(missing) == 3:
            return self._date_error("Enter the date it happened", list(DATE_PARTS))
        if missing:
            return self._date_error(
                f"The date it happened must include a {' and '.join(missing)}", missing
            )
        bad = [p for p in DATE_PARTS if not values[p].isdigit()]
        if bad:
            return self._date_error("The date it happened must be a real date", bad)
        if len(values["year"]) != 4:
            return self._date_error(
                "The date it happened must include a 4-digit year", ["year"]
            )
        try:
            value = date(*(int(values[p]) for p in ("year", "month", "day")))
        except ValueError:
            return self._date_error(
                "The date it happened must be a real date", list(DATE_PARTS)
            )
        if value > timezone.localdate():
            return self._date_error(
                "The date it happened must be today or in the past", list(DATE_PARTS)
            )
        if value.year < 1900:
            return self._date_error("The date it happened must be after 1900", ["year"])
        data["occurred_on"] = value
        return None

    def _date_error(self, message: str, parts: list[str]) -> None:
        self.date_error_parts = parts
        self.add_error(f"occurred_on_{parts[0]}", message)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        clean_form_text(self, data, multiline=MULTILINE_FIELDS)
        self._clean_date(data)
        strands = data.get("strands") or []
        if HateReport.Strand.OTHER in strands and not data.get("strand_other"):
            self.add_error("strand_other", "Describe what else you think it was about")
        if HateReport.Strand.OTHER not in strands:
            data["strand_other"] = ""
        anonymous = data.get("anonymous") == "yes"
        contact = data.get("contact_preference") or ""
        if anonymous:
            given = [f for f in CONTACT_FIELDS if data.get(f)]
            if contact and contact != HateReport.ContactPreference.NONE:
                self.add_error(
                    "contact_preference",
                    "You cannot be contacted if you report anonymously: select "
                    "'Do not contact me' or choose not to stay anonymous",
                )
            for name in given:
                self.add_error(
                    name,
                    "Leave your contact details empty if you report anonymously",
                )
        elif data.get("anonymous") == "no":
            if not contact:
                self.add_error("contact_preference", "Select how we should contact you")
            elif contact == HateReport.ContactPreference.EMAIL and not (
                data.get("contact_email") or "contact_email" in self.errors
            ):
                self.add_error("contact_email", "Enter your email address")
            elif contact == HateReport.ContactPreference.PHONE and not (
                data.get("contact_phone") or "contact_phone" in self.errors
            ):
                self.add_error("contact_phone", "Enter your telephone number")
        return data

    @property
    def bot_suspected(self) -> bool:
        """True when the honeypot, which people never see, has been filled in."""
        return bool((self.data.get(HONEYPOT) or "").strip())

    # --- for the template ------------------------------------------------------------

    @property
    def field_errors(self) -> dict[str, str]:
        """First error per field; the date's three boxes share ``occurred_on``."""
        out: dict[str, str] = {}
        for name, errs in self.errors.items():
            if name.startswith("occurred_on_"):
                out.setdefault("occurred_on", errs[0])
            elif name != "__all__":
                out[name] = errs[0]
        return out

    @property
    def error_list(self) -> list[tuple[str, str]]:
        """``(anchor id, message)`` pairs in page order, for the error summary."""
        errors = self.field_errors
        listed = []
        for name, anchor in self.order:
            if name not in errors:
                continue
            if name == "occurred_on":
                anchor = f"occurred_on-{self.date_error_parts[0]}"
            listed.append((anchor, errors[name]))
        return listed

    def details(self) -> dict[str, Any]:
        """The report's fields from the cleaned data (for ``do_receive_hate_report``)."""
        d = self.cleaned_data
        anonymous = d["anonymous"] == "yes"
        contact = d.get("contact_preference") or HateReport.ContactPreference.NONE
        return {
            "what_happened": d["what_happened"],
            "occurred_on": d["occurred_on"],
            "occurred_time": d.get("occurred_time"),
            "location": d["location"],
            "postcode": d.get("postcode", ""),
            "strands": [s for s, _ in HateReport.Strand.choices if s in d["strands"]],
            "strand_other": d.get("strand_other", ""),
            "perceived_by": d["perceived_by"],
            "reporter_is_victim": d["reporter_is_victim"] == "yes",
            "reported_via": d.get("reported_via") or HateReport.ReportedVia.ONLINE,
            "anonymous": anonymous,
            "contact_preference": HateReport.ContactPreference.NONE
            if anonymous
            else contact,
            "contact_name": "" if anonymous else d.get("contact_name", ""),
            "contact_email": "" if anonymous else d.get("contact_email", ""),
            "contact_phone": "" if anonymous else d.get("contact_phone", ""),
            "safe_times": "" if anonymous else d.get("safe_times", ""),
        }

    def to_report(self) -> HateReport:
        """An unsaved :class:`HateReport` from the cleaned data."""
        return HateReport(**self.details())


class CentreReportForm(HateReportForm):
    """The same questions, asked by a reporting centre's worker for a victim, plus the
    centre's own reference and notes. How it was reported is not asked: it is the centre."""

    order = [
        *[(n, a) for n, a in ORDER if n != "reported_via"],
        ("centre_reference", "centre_reference"),
        ("centre_notes", "centre_notes"),
    ]

    reported_via = forms.CharField(required=False)
    centre_reference = forms.CharField(
        required=False,
        max_length=60,
        error_messages={"max_length": "Your reference must be 60 characters or fewer"},
    )
    centre_notes = forms.CharField(
        required=False,
        max_length=5000,
        error_messages={"max_length": "Notes must be 5000 characters or fewer"},
    )

    def details(self) -> dict[str, Any]:
        """The report's fields; the action records it as a third-party report."""
        out = super().details()
        out.pop("reported_via")
        return out


# --- The hate crime team's forms ---------------------------------------------------------


def parse_date_parts(
    data: Any, prefix: str, label: str
) -> tuple[date | None, str | None]:
    """A GOV.UK date input's three boxes (``<prefix>_day`` ...) as a date, or an error."""
    values = {p: (data.get(f"{prefix}_{p}") or "").strip() for p in DATE_PARTS}
    missing = [p for p in DATE_PARTS if not values[p]]
    if len(missing) == 3:
        return None, f"Enter {label}"
    if missing:
        return None, f"{label.capitalize()} must include a {' and '.join(missing)}"
    if not all(v.isdigit() for v in values.values()) or len(values["year"]) != 4:
        return None, f"{label.capitalize()} must be a real date"
    try:
        return date(*(int(values[p]) for p in ("year", "month", "day"))), None
    except ValueError:
        return None, f"{label.capitalize()} must be a real date"


class QueueFilterForm(forms.Form):
    """The triage queue's filters (all optional)."""

    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *HateReport.Status.choices]
    )
    strand = forms.ChoiceField(
        required=False, choices=[("", "Any strand"), *HateReport.Strand.choices]
    )
    received_from = forms.DateField(
        required=False,
        error_messages={"invalid": "Enter the from date as a real date"},
    )
    received_to = forms.DateField(
        required=False,
        error_messages={"invalid": "Enter the to date as a real date"},
    )
    # Closed reports are hidden unless asked for (or the status filter is "Closed").
    closed = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:
            self.add_error(
                "received_to", "The to date must be on or after the from date"
            )
        return data


class VersionForm(forms.Form):
    """The version of the report the user saw, for optimistic locking."""

    version = forms.IntegerField(min_value=1)


class TriageForm(VersionForm):
    """Priority, a note, and optionally the person (from a people search) as victim."""

    priority = forms.ChoiceField(
        choices=[("standard", "Standard"), ("medium", "Medium"), ("high", "High")],
        error_messages=_required("Select a priority"),
    )
    note = forms.CharField(
        required=False,
        max_length=5000,
        error_messages={"max_length": "The note must be 5000 characters or fewer"},
    )
    victim_id = forms.IntegerField(required=False, min_value=1)


class ReferralForm(VersionForm):
    """The date the report went to the police and their reference."""

    police_reference = forms.CharField(
        max_length=60,
        error_messages=_required(
            "Enter the police reference",
            max_length="The police reference must be 60 characters or fewer",
        ),
    )
    referred_on_day = forms.CharField(required=False)
    referred_on_month = forms.CharField(required=False)
    referred_on_year = forms.CharField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        value, error = parse_date_parts(
            self.data, "referred_on", "the date it was referred"
        )
        if error:
            self.add_error("referred_on_day", error)
        elif value and value > timezone.localdate():
            self.add_error(
                "referred_on_day",
                "The date it was referred must be today or in the past",
            )
        else:
            data["referred_on"] = value
        return data


class CentreForm(GovukErrors, forms.Form):
    """Add a third-party reporting centre."""

    name = forms.CharField(
        max_length=200, strip=True, error_messages={"required": "Enter the name"}
    )
    address = forms.CharField(max_length=300, required=False, strip=True)

    def __init__(self, *args: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"] = forms.ModelChoiceField(
            queryset=agencies,
            to_field_name="code",
            error_messages={
                "required": "Select the agency its reports go to",
                "invalid_choice": "Select the agency its reports go to",
            },
        )
