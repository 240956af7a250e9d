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
from saferleeds.governance.models import (
    Confidence,
    HorizonItem,
    PriorityScore,
    Rag,
    TensionReport,
)
from saferleeds.governance.tensions import LEVELS

__all__ = [
    "BoardActionForm",
    "HorizonForm",
    "LinkRecommendationForm",
    "MemberForm",
    "NewDeliverableForm",
    "PaperForm",
    "RecommendationForm",
    "ScoreForm",
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
    """A board meeting: its date, venue, chair, papers (one a line) and decisions."""

    order = ("held_on", "venue", "chair", "papers", "decisions")
    multiline_fields = ("papers", "decisions")
    date_inputs = (DateParts("held_on", "Date of the meeting", past=True),)

    venue = forms.CharField(required=False, max_length=200)
    chair = forms.CharField(required=False, max_length=200)

    papers = forms.CharField(required=False, max_length=4000)
    decisions = forms.CharField(required=False, max_length=8000)


class BoardActionForm(_DatedForm):
    """An action from a meeting, owned by an agency, with its due date."""

    order = ("meeting", "text", "owner_agency", "owner", "due_on")
    multiline_fields = ("text",)
    date_inputs = (DateParts("due_on", "Due date"),)

    owner = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": "Owner must be 200 characters or fewer"},
    )

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


def _set_choices(
    form: GovukForm, name: str, choices: tuple[tuple[Any, str], ...], message: str
) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = [("", "Select"), *choices]
    field.error_messages["invalid_choice"] = message


class _RuleErrors(GovukForm):
    def add_rule_error(self, field: str, message: str) -> None:
        """Attach an action's refusal to ``field``, or to the form."""
        self.add_error(field if field in self.fields else None, message)


class MemberForm(_RuleErrors):
    """A board member: name, role on the board, agency, and the dates."""

    order = ("name", "role", "agency", "from_on", "to_on")
    multiline_fields = ()
    date_inputs = (
        DateParts("from_on", "Date membership started"),
        DateParts("to_on", "Date membership ended"),
    )

    name = forms.CharField(
        max_length=200, error_messages={"required": "Enter the member's name"}
    )
    role = forms.CharField(
        max_length=200,
        error_messages={"required": "Enter the member's role on the board"},
    )
    agency = forms.TypedChoiceField(
        coerce=int, error_messages={"required": "Select the member's agency"}
    )

    def __init__(
        self, *args: Any, agencies: tuple[tuple[int, str], ...], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "agency", agencies, "Select the member's agency")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for parts, required in zip(self.date_inputs, (True, False), strict=True):
            day, message, bad = parts.parse(data, required=required)
            if message:
                self.add_date_error(parts.prefix, message, bad)
            data[parts.prefix] = day
        return data


class PaperForm(_RuleErrors):
    """A paper for one of the board's meetings: its title and the file."""

    order = ("paper_meeting", "title", "file")
    multiline_fields = ()

    paper_meeting = forms.TypedChoiceField(
        coerce=int, error_messages={"required": "Select the meeting"}
    )
    title = forms.CharField(
        max_length=200, error_messages={"required": "Enter the paper's title"}
    )
    file = forms.FileField(
        error_messages={
            "required": "Select the paper's file",
            "empty": "The selected file is empty",
        }
    )

    def __init__(
        self, *args: Any, meetings: tuple[tuple[int, str], ...], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "paper_meeting", meetings, "Select the meeting")


SCORES = [(n, str(n)) for n in range(1, 5)]


class ScoreForm(_RuleErrors):
    """A theme's score for the year: MoRiLE-style or on the 4 x 4 grid."""

    order = (
        "theme",
        "method",
        "harm",
        "likelihood",
        "organisational_position",
        "confidence",
        "rationale",
    )
    multiline_fields = ("rationale",)

    theme = forms.ChoiceField(error_messages={"required": "Select the theme"})
    method = forms.ChoiceField(
        choices=PriorityScore.Method.choices,
        error_messages={
            "required": "Select the scoring method",
            "invalid_choice": "Select the scoring method",
        },
    )
    harm = forms.TypedChoiceField(
        coerce=int,
        choices=SCORES,
        error_messages={
            "required": "Select a harm (impact) score from 1 to 4",
            "invalid_choice": "Select a harm (impact) score from 1 to 4",
        },
    )
    likelihood = forms.TypedChoiceField(
        coerce=int,
        choices=SCORES,
        error_messages={
            "required": "Select a likelihood score from 1 to 4",
            "invalid_choice": "Select a likelihood score from 1 to 4",
        },
    )
    organisational_position = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        choices=SCORES,
        error_messages={
            "invalid_choice": "Select an organisational position score from 1 to 4"
        },
    )
    confidence = forms.ChoiceField(
        choices=Confidence.choices,
        error_messages={
            "required": "Select high, medium or low confidence",
            "invalid_choice": "Select high, medium or low confidence",
        },
    )
    rationale = forms.CharField(
        required=False,
        max_length=2000,
        error_messages={"max_length": "Rationale must be 2,000 characters or fewer"},
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, themes: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["theme"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Select a theme"), *((t, t) for t in themes)]
        field.error_messages["invalid_choice"] = "Select the theme"


class HorizonForm(_RuleErrors):
    """A point of the PESTELO horizon scan."""

    order = ("heading", "text")
    multiline_fields = ("text",)

    heading = forms.ChoiceField(
        choices=[("", "Select a heading"), *HorizonItem.Heading.choices],
        error_messages={
            "required": "Select the PESTELO heading",
            "invalid_choice": "Select the PESTELO heading",
        },
    )
    text = forms.CharField(
        max_length=2000,
        error_messages={
            "required": "Enter what the scan found",
            "max_length": "The point must be 2,000 characters or fewer",
        },
    )


class RecommendationForm(_RuleErrors):
    """A recommendation of the year's assessment."""

    order = ("recommendation", "rec_theme")
    multiline_fields = ("recommendation",)

    recommendation = forms.CharField(
        max_length=2000,
        error_messages={
            "required": "Enter the recommendation",
            "max_length": "The recommendation must be 2,000 characters or fewer",
        },
    )
    rec_theme = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, themes: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["rec_theme"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "No single theme"), *((t, t) for t in themes)]
        field.error_messages["invalid_choice"] = "Select the theme"


class NewDeliverableForm(_RuleErrors):
    """A recommendation put on the plan: the deliverable, its priority, lead and board."""

    order = ("title", "priority", "lead_agency", "board")
    multiline_fields = ("title",)

    title = forms.CharField(
        max_length=1000, error_messages={"required": "Enter the deliverable"}
    )
    priority = forms.TypedChoiceField(
        coerce=int, error_messages={"required": "Select the shared priority"}
    )
    lead_agency = forms.TypedChoiceField(
        coerce=int, error_messages={"required": "Select the lead agency"}
    )
    board = forms.TypedChoiceField(
        coerce=int, error_messages={"required": "Select the board"}
    )

    def __init__(
        self,
        *args: Any,
        priorities: tuple[tuple[int, str], ...],
        agencies: tuple[tuple[int, str], ...],
        boards: tuple[tuple[int, str], ...],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "priority", priorities, "Select the shared priority")
        _set_choices(self, "lead_agency", agencies, "Select the lead agency")
        _set_choices(self, "board", boards, "Select the board")


class LinkRecommendationForm(_RuleErrors):
    """A deliverable already on the plan that a recommendation feeds."""

    order = ("deliverable",)
    multiline_fields = ()

    deliverable = forms.TypedChoiceField(
        coerce=int, error_messages={"required": "Select the deliverable"}
    )

    def __init__(
        self, *args: Any, deliverables: tuple[tuple[int, str], ...], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "deliverable", deliverables, "Select the deliverable")
