"""The death review forms: parse and check input, GOV.UK wording.

What a review accepts (date order, evidence to implement, a reason not to review) is
the actions' rules (:mod:`saferleeds.dardr.actions`); the forms check only that what
was sent is well formed.
"""

from __future__ import annotations

from typing import Any

from django import forms

from saferleeds.core.forms import DateParts, GovukForm
from saferleeds.dardr.models import DeathReview, Recommendation

__all__ = [
    "DecisionForm",
    "ImplementedForm",
    "ImrForm",
    "NotificationForm",
    "ProgressForm",
    "RecommendationForm",
    "RecommendationStatusForm",
]

TEXT_MAX = 4000


class _DardrForm(GovukForm):
    """A form whose GOV.UK date inputs are read into ``cleaned_data[prefix]``; those
    named in ``required_dates`` must be given."""

    required_dates: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for parts in self.date_inputs:
            day, message, bad = parts.parse(
                data, required=parts.prefix in self.required_dates
            )
            if message:
                self.add_date_error(parts.prefix, message, bad)
            data[parts.prefix] = day
        return data

    def add_rule_error(self, field: str, message: str) -> None:
        """Attach an action's refusal to ``field`` (or its date input), or the form."""
        if any(d.prefix == field for d in self.date_inputs):
            self.add_date_error(field, message, ["day", "month", "year"])
        else:
            self.add_error(field if field in self.fields else None, message)


def _choices(field: forms.Field, choices: Any, message: str) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices
    field.error_messages["invalid_choice"] = message


class NotificationForm(_DardrForm):
    """The notification of a death that may need a review."""

    order = (
        "reference",
        "pseudonym",
        "deceased_name",
        "date_of_death",
        "notified_by",
        "notified_on",
    )
    multiline_fields = ()
    date_inputs = (
        DateParts("date_of_death", "Date of death", past=True),
        DateParts("notified_on", "Date notified", past=True),
    )
    required_dates = ("notified_on",)

    reference = forms.CharField(
        max_length=40, error_messages={"required": "Enter the review's reference"}
    )
    pseudonym = forms.CharField(
        max_length=60,
        error_messages={"required": "Enter the name the report will use"},
    )
    deceased_name = forms.CharField(max_length=200, required=False)
    notified_by = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(
        self, *args: Any, agencies: tuple[tuple[int, str], ...], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(
            self.fields["notified_by"],
            [("", "Select"), *agencies],
            "Select the agency that notified you",
        )


class DecisionForm(_DardrForm):
    """The decision whether to hold a review."""

    order = ("decision", "decided_on", "reason", "chair")
    multiline_fields = ("reason",)
    date_inputs = (DateParts("decided_on", "Date of the decision", past=True),)
    required_dates = ("decided_on",)

    decision = forms.ChoiceField(
        choices=[
            (DeathReview.Decision.REVIEW, "Hold a review"),
            (DeathReview.Decision.NO_REVIEW, "Do not hold a review"),
        ],
        error_messages={
            "required": "Select whether to hold a review",
            "invalid_choice": "Select whether to hold a review",
        },
    )
    reason = forms.CharField(max_length=TEXT_MAX, required=False)
    chair = forms.CharField(max_length=200, required=False)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ProgressForm(_DardrForm):
    """The chair, the panel and the dates of the report, QA and publication."""

    order = (
        "chair",
        "panel",
        "report_submitted_on",
        "qa_submitted_on",
        "qa_outcome",
        "qa_outcome_on",
        "published_on",
    )
    multiline_fields = ()
    date_inputs = (
        DateParts("report_submitted_on", "Date the overview report was submitted"),
        DateParts("qa_submitted_on", "Date sent to the Home Office"),
        DateParts("qa_outcome_on", "Date of the Home Office's answer"),
        DateParts("published_on", "Publication date"),
    )

    chair = forms.CharField(max_length=200, required=False)
    panel = forms.TypedMultipleChoiceField(coerce=int, required=False)
    qa_outcome = forms.ChoiceField(
        choices=DeathReview.QaOutcome.choices,
        error_messages={
            "required": "Select the Home Office's answer",
            "invalid_choice": "Select the Home Office's answer",
        },
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, agencies: tuple[tuple[int, str], ...], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["panel"], agencies, "Select agencies from the list")


class ImrForm(_DardrForm):
    """An Individual Management Review asked of an agency."""

    order = ("agency", "requested_on")
    multiline_fields = ()
    date_inputs = (DateParts("requested_on", "Date asked", past=True),)
    required_dates = ("requested_on",)

    agency = forms.TypedChoiceField(
        coerce=int, error_messages={"required": "Select the agency"}
    )

    def __init__(
        self, *args: Any, agencies: tuple[tuple[int, str], ...], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(
            self.fields["agency"], [("", "Select"), *agencies], "Select the agency"
        )


class RecommendationForm(_DardrForm):
    """A recommendation of the review's action plan."""

    order = ("text", "owner_agency", "due_on", "expected_change")
    multiline_fields = ("text", "expected_change")
    date_inputs = (DateParts("due_on", "Due date"),)
    required_dates = ("due_on",)

    text = forms.CharField(
        max_length=TEXT_MAX,
        error_messages={
            "required": "Enter the recommendation",
            "max_length": f"Recommendation must be {TEXT_MAX:,} characters or fewer",
        },
    )
    owner_agency = forms.TypedChoiceField(
        coerce=int, error_messages={"required": "Select the agency that owns it"}
    )
    expected_change = forms.CharField(
        max_length=TEXT_MAX,
        error_messages={
            "required": "Enter what is expected to change",
            "max_length": f"Expected change must be {TEXT_MAX:,} characters or fewer",
        },
    )

    def __init__(
        self, *args: Any, agencies: tuple[tuple[int, str], ...], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(
            self.fields["owner_agency"],
            [("", "Select"), *agencies],
            "Select the agency that owns it",
        )


class RecommendationStatusForm(_DardrForm):
    """A recommendation's progress short of implementation."""

    order = ("status", "note")
    multiline_fields = ("note",)

    status = forms.ChoiceField(
        choices=[
            (s.value, s.label)
            for s in Recommendation.Status
            if s != Recommendation.Status.IMPLEMENTED
        ],
        error_messages={
            "required": "Select the recommendation's status",
            "invalid_choice": "Select the recommendation's status",
        },
    )
    note = forms.CharField(max_length=TEXT_MAX, required=False)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ImplementedForm(_DardrForm):
    """A recommendation implemented, with its evidence of completion."""

    order = ("evidence", "implemented_on")
    multiline_fields = ("evidence",)
    date_inputs = (DateParts("implemented_on", "Date implemented", past=True),)
    required_dates = ("implemented_on",)

    evidence = forms.CharField(
        max_length=TEXT_MAX,
        error_messages={
            "required": "Enter the evidence of completion",
            "max_length": f"Evidence must be {TEXT_MAX:,} characters or fewer",
        },
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
