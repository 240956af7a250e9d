"""Forms for the IOM pages: parse and validate only.

Dates left blank are today (a decision recorded at the meeting, on the day). Each form
has ``error_list`` for the GOV.UK error summary and ``field_errors`` for the inline
messages (see :class:`saferleeds.core.forms.GovukForm`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from saferleeds.core.forms import DateParts, GovukForm
from saferleeds.iom.models import (
    Cohort,
    IomDecision,
    IomIntervention,
    Pathway,
    PathwayNeed,
)

REVIEW_DECISIONS = [
    (IomDecision.Kind.RETAIN.value, "Retain in the cohort"),
    (IomDecision.Kind.CHANGE.value, "Move to another cohort"),
    (IomDecision.Kind.DESELECT.value, "De-select"),
]


def _date(form: GovukForm, prefix: str, *, required: bool = False) -> date | None:
    spec = next(d for d in form.date_inputs if d.prefix == prefix)
    value, message, parts = spec.parse(form.cleaned_data, required=required)
    if message:
        form.add_date_error(prefix, message, parts)
    if value is None and not required and not message:
        return timezone.localdate()
    return value


def _choice(label: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    message = f"Select {label}"
    return forms.ChoiceField(
        choices=choices,
        error_messages={"required": message, "invalid_choice": message},
    )


def _meeting_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, choices=[]
    )


class _WithMeeting(GovukForm):
    def __init__(
        self, *args: Any, meetings: list[tuple[int, str]] = (), **kwargs: Any
    ) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        if "meeting" in self.fields:
            self.fields["meeting"].choices = [("", "Not at a meeting"), *meetings]  # type: ignore[attr-defined]


class MeetingForm(GovukForm):
    """Schedule a cohort review meeting."""

    order = ("held", "chair", "venue")
    date_inputs = (DateParts("held", "Meeting date"),)

    chair = forms.CharField(required=False, max_length=200, strip=True)
    venue = forms.CharField(required=False, max_length=200, strip=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["held_on"] = _date(self, "held", required=True)
        return data


class AdoptForm(_WithMeeting):
    """Adopt a candidate into a cohort."""

    order = ("cohort", "reason", "meeting", "decided")
    date_inputs = (DateParts("decided", "Decision date"),)

    cohort = _choice("the cohort", Cohort.choices)
    reason = forms.CharField(
        max_length=2000,
        strip=True,
        error_messages={"required": "Give the reason for adopting this person"},
    )
    meeting = _meeting_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["decided_on"] = _date(self, "decided")
        return data


class DecisionForm(_WithMeeting):
    """A review decision: retain, move to another cohort, de-select."""

    order = ("decision", "cohort", "reason", "meeting", "decided")
    date_inputs = (DateParts("decided", "Decision date"),)

    decision = _choice("the decision", REVIEW_DECISIONS)
    cohort = forms.ChoiceField(
        choices=[("", "Select"), *Cohort.choices], required=False
    )
    reason = forms.CharField(
        max_length=2000,
        strip=True,
        error_messages={"required": "Give the reason for the decision"},
    )
    meeting = _meeting_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == IomDecision.Kind.CHANGE and not data.get("cohort"):
            self.add_error("cohort", "Select the cohort the member moves to")
        data["decided_on"] = _date(self, "decided")
        return data


class NeedForm(GovukForm):
    """A pathway need assessment."""

    order = ("pathway", "level", "notes", "assessed")
    date_inputs = (DateParts("assessed", "Assessment date"),)

    pathway = _choice("the pathway", Pathway.choices)
    level = _choice("the level of need", PathwayNeed.Level.choices)
    notes = forms.CharField(required=False, max_length=2000, strip=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["assessed_on"] = _date(self, "assessed")
        return data


class InterventionForm(GovukForm):
    """A new intervention on a pathway."""

    order = ("pathway", "description", "owner_agency", "status", "started")
    date_inputs = (DateParts("started", "Start date"),)

    pathway = _choice("the pathway", Pathway.choices)
    description = forms.CharField(
        max_length=300,
        strip=True,
        error_messages={"required": "Describe the intervention"},
    )
    owner_agency = forms.TypedChoiceField(
        coerce=int,
        error_messages={
            "required": "Select the agency that delivers it",
            "invalid_choice": "Select the agency that delivers it",
        },
    )
    status = _choice(
        "the status",
        [
            (IomIntervention.Status.PLANNED.value, "Planned"),
            (IomIntervention.Status.ACTIVE.value, "In progress"),
        ],
    )

    def __init__(
        self, *args: Any, agencies: list[tuple[int, str]] = (), **kwargs: Any
    ) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].choices = agencies  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["started_on"] = _date(self, "started")
        return data


class InterventionUpdateForm(GovukForm):
    """An intervention's new status and its outcome."""

    order = ("status", "outcome", "ended")
    date_inputs = (DateParts("ended", "End date"),)

    status = _choice("the status", IomIntervention.Status.choices)
    outcome = forms.CharField(required=False, max_length=2000, strip=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ended = data.get("status") not in (None, "planned", "active")
        data["ended_on"] = _date(self, "ended") if ended else None
        return data
