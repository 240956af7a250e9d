"""The deliverable status form: parse and check input, GOV.UK wording.

Who may update and what a status needs are the action's rules
(:func:`saferleeds.governance.actions.do_update_deliverable_status`); the form checks
only that what was sent is well formed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms

from saferleeds.core.forms import DateParts, GovukForm
from saferleeds.governance.models import Rag, TensionReport
from saferleeds.governance.tensions import LEVELS

__all__ = [
    "BoardActionForm",
    "MeetingForm",
    "StatusForm",
    "TensionForm",
    "recent_weeks",
]

EVIDENCE_MAX = 4000


class StatusForm(GovukForm):
    """A deliverable's new RAG status and the evidence for it."""

    order = ("rag", "evidence")
    multiline_fields = ("evidence",)

    rag = forms.ChoiceField(
        choices=Rag.choices,
        error_messages={
            "required": "Select red, amber or green",
            "invalid_choice": "Select red, amber or green",
        },
    )
    evidence = forms.CharField(
        max_length=EVIDENCE_MAX,
        error_messages={
            "required": "Enter the evidence for the status",
            "max_length": f"Evidence must be {EVIDENCE_MAX:,} characters or fewer",
        },
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def add_rule_error(self, field: str, message: str) -> None:
        """Attach an action's refusal to ``field``, or to the form."""
        self.add_error(field if field in self.fields else None, message)


INDICATORS_MAX = 4000


def recent_weeks(today: date, count: int = 4) -> list[tuple[str, str]]:
    """The Mondays of this week and the ``count - 1`` before it, newest first."""
    monday = today - timedelta(days=today.weekday())
    weeks = [monday - timedelta(weeks=n) for n in range(count)]
    return [(w.isoformat(), f"Week starting {w:%-d %B %Y}") for w in weeks]


class TensionForm(GovukForm):
    """A weekly community tension report for a ward or neighbourhood."""

    order = ("area", "week", "level", "grading", "indicators")
    multiline_fields = ("indicators",)

    area = forms.TypedChoiceField(
        coerce=int, error_messages={"required": "Select the ward or neighbourhood"}
    )
    week = forms.ChoiceField(error_messages={"required": "Select the week"})
    level = forms.TypedChoiceField(
        coerce=int,
        choices=[(lv.number, f"{lv.number} {lv.name}") for lv in LEVELS],
        error_messages={
            "required": "Select a tension level from 1 to 5",
            "invalid_choice": "Select a tension level from 1 to 5",
        },
    )
    grading = forms.ChoiceField(
        choices=TensionReport.Grading.choices,
        error_messages={
            "required": "Select evidenced, experienced or potential",
            "invalid_choice": "Select evidenced, experienced or potential",
        },
    )
    indicators = forms.CharField(
        max_length=INDICATORS_MAX,
        error_messages={
            "required": "Enter the indicators and triggers",
            "max_length": f"Indicators must be {INDICATORS_MAX:,} characters or fewer",
        },
    )

    def __init__(
        self,
        *args: Any,
        areas: tuple[tuple[int, str], ...],
        today: date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.TypedChoiceField)
        area_field.choices = [("", "Select an area"), *areas]
        area_field.error_messages["invalid_choice"] = "Select the ward or neighbourhood"
        week_field = self.fields["week"]
        assert isinstance(week_field, forms.ChoiceField)
        week_field.choices = recent_weeks(today)
        week_field.error_messages["invalid_choice"] = "Select the week"

    def add_rule_error(self, field: str, message: str) -> None:
        """Attach an action's refusal to ``field``, or to the form."""
        self.add_error(field if field in self.fields else None, message)


class _DatedForm(GovukForm):
    """A form with one GOV.UK date input, read into ``cleaned_data[prefix]``."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        parts = self.date_inputs[0]
        day, message, bad = parts.parse(data, required=True)
        if message:
            self.add_date_error(parts.prefix, message, bad)
        data[parts.prefix] = day
        return data

    def add_rule_error(self, field: str, message: str) -> None:
        """Attach an action's refusal to ``field``, or to the form."""
        self.add_error(field if field in self.fields else None, message)


class MeetingForm(_DatedForm):
    """A board meeting: its date, papers (one a line) and decisions."""

    order = ("held_on", "papers", "decisions")
    multiline_fields = ("papers", "decisions")
    date_inputs = (DateParts("held_on", "Date of the meeting", past=True),)

    papers = forms.CharField(required=False, max_length=4000)
    decisions = forms.CharField(required=False, max_length=8000)


class BoardActionForm(_DatedForm):
    """An action from a meeting, owned by an agency, with its due date."""

    order = ("meeting", "text", "owner_agency", "due_on")
    multiline_fields = ("text",)
    date_inputs = (DateParts("due_on", "Due date"),)

    meeting = forms.TypedChoiceField(
        coerce=int, error_messages={"required": "Select the meeting"}
    )
    text = forms.CharField(
        max_length=2000, error_messages={"required": "Enter the action"}
    )
    owner_agency = forms.TypedChoiceField(
        coerce=int, error_messages={"required": "Select the agency that owns it"}
    )

    def __init__(
        self,
        *args: Any,
        meetings: tuple[tuple[int, str], ...],
        agencies: tuple[tuple[int, str], ...],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, choices, message in (
            ("meeting", meetings, "Select the meeting"),
            ("owner_agency", agencies, "Select the agency that owns it"),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = [("", "Select"), *choices]
            field.error_messages["invalid_choice"] = message


class MilestoneForm(_DatedForm):
    """A dated milestone of a deliverable."""

    order = ("title", "due_on")
    multiline_fields = ()
    date_inputs = (DateParts("due_on", "Due date"),)

    title = forms.CharField(
        max_length=300,
        error_messages={
            "required": "Enter what the milestone is",
            "max_length": "Milestone must be 300 characters or fewer",
        },
    )
