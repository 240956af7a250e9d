"""Forms for the ASB pages: parse and validate only, in GOV.UK error wording.

Each form's ``error_list`` gives ``(anchor id, message)`` pairs in page order for the
error summary and ``field_errors`` the inline messages (see ``people.forms.GovukForm``).
Choices of people, complaints and agencies come from the view, which reads them
through the access functions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from saferleeds.asb.models import AsbIntervention
from saferleeds.asb.rules import ANSWER_SCALE, RiskMatrix
from saferleeds.core.forms import DateParts, GovukForm

Choices = list[tuple[str, str]]
YES_NO: Choices = [("yes", "Yes"), ("no", "No")]


def _person_id(value: str, choices: Choices | None, label: str) -> int | None:
    """A person id typed (no choices) or picked from ``choices``."""
    value = (value or "").strip()
    if not value:
        return None
    if choices is not None and value not in {v for v, _ in choices}:
        raise forms.ValidationError(f"Select {label} from the list")
    if not value.isdigit():
        raise forms.ValidationError(
            f"Enter {label} as the number in their record's address, like 123"
        )
    return int(value)


class _DatedForm(GovukForm):
    """A GovukForm whose date inputs are parsed into ``cleaned_data[prefix]``."""

    required_dates: tuple[str, ...] = ()

    @property
    def error_list(self) -> list[tuple[str, str]]:
        """As GovukForm's, with a date input's anchor on its first box."""
        dates = {f"id_{d.prefix}": f"{d.prefix}-day" for d in self.date_inputs}
        return [(dates.get(a, a), m) for a, m in super().error_list]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for d in self.date_inputs:
            value, error, parts = d.parse(
                data, required=d.prefix in self.required_dates
            )
            if error:
                self.add_date_error(d.prefix, error, parts)
            data[d.prefix] = value
        return data


class ComplaintForm(_DatedForm):
    """A complaint of ASB: when the behaviour was, when reported, what, and whether it
    caused harassment, alarm or distress."""

    order: tuple[str, ...] = (
        "behaviour",
        "reported",
        "description",
        "harassment",
        "complainant",
    )
    date_inputs = (
        DateParts("behaviour", "Date of the behaviour", past=True),
        DateParts("reported", "Date the complaint was made", past=True),
    )
    required_dates = ("behaviour", "reported")
    description = forms.CharField(
        max_length=4000,
        strip=True,
        error_messages={
            "required": "Enter what happened",
            "max_length": "What happened must be 4,000 characters or fewer",
        },
    )
    harassment = forms.ChoiceField(
        choices=YES_NO,
        error_messages={
            "required": "Select whether it caused harassment, alarm or distress",
            "invalid_choice": "Select whether it caused harassment, alarm or distress",
        },
    )
    complainant = forms.CharField(required=False, strip=True)

    def __init__(self, *args: Any, people: Choices | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.people = people

    def clean_complainant(self) -> int | None:
        return _person_id(
            self.cleaned_data.get("complainant", ""), self.people, "the complainant"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        b, r = data.get("behaviour"), data.get("reported")
        if b and r and r < b:
            self.add_date_error(
                "reported",
                "Date the complaint was made must be the same as or after the date of the behaviour",
                ["day", "month", "year"],
            )
        return data


class OpenCaseForm(GovukForm):
    """Open an ASB case from complaints."""

    order: tuple[str, ...] = ("title", "complaints", "perpetrator")
    title = forms.CharField(
        max_length=200,
        strip=True,
        error_messages={
            "required": "Enter a title for the case",
            "max_length": "The title must be 200 characters or fewer",
        },
    )
    complaints = forms.MultipleChoiceField(required=False)
    perpetrator = forms.CharField(required=False, strip=True)

    def __init__(self, *args: Any, complaints: Choices, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["complaints"].choices = complaints
        self.fields["complaints"].error_messages["invalid_choice"] = (
            "Select complaints from the list"
        )

    def clean_perpetrator(self) -> int | None:
        return _person_id(
            self.cleaned_data.get("perpetrator", ""), None, "the alleged perpetrator"
        )


class AssessmentForm(_DatedForm):
    """The victim vulnerability and risk matrix: one 0-3 answer per question."""

    date_inputs = (DateParts("assessed", "Date of the assessment", past=True),)
    required_dates = ("assessed",)
    complainant = forms.ChoiceField(
        error_messages={
            "required": "Select who was assessed",
            "invalid_choice": "Select who was assessed",
        }
    )
    notes = forms.CharField(required=False, max_length=4000, strip=True)

    def __init__(
        self, *args: Any, people: Choices, matrix: RiskMatrix, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.matrix = matrix
        self.fields["complainant"].choices = people
        for q in matrix.questions:
            self.fields[f"q_{q.key}"] = forms.ChoiceField(
                choices=[(str(v), t) for v, t in ANSWER_SCALE],
                error_messages={
                    "required": f"Answer: {q.text}",
                    "invalid_choice": f"Answer: {q.text}",
                },
            )
        self.order = (
            "complainant",
            "assessed",
            *(f"q_{q.key}" for q in matrix.questions),
            "notes",
        )

    def answers(self) -> dict[str, int]:
        """Question key -> answer."""
        return {
            q.key: int(self.cleaned_data[f"q_{q.key}"]) for q in self.matrix.questions
        }

    def questions(self) -> list[dict[str, Any]]:
        """For the template: each question with its name, value and error."""
        errors = self.field_errors if self.is_bound else {}
        return [
            {
                "name": f"q_{q.key}",
                "text": q.text,
                "factor": q.factor.value.capitalize(),
                "weight": q.weight,
                "weight_hint": f"Counts {q.weight} times" if q.weight > 1 else "",
                "value": self[f"q_{q.key}"].value(),
                "error": errors.get(f"q_{q.key}"),
            }
            for q in self.matrix.questions
        ]


class InterventionForm(_DatedForm):
    """An intervention on a case."""

    order: tuple[str, ...] = ("kind", "subject", "issued", "expires", "notes")
    date_inputs = (
        DateParts("issued", "Date issued"),
        DateParts("expires", "Date it expires"),
    )
    required_dates = ("issued",)
    kind = forms.ChoiceField(
        choices=AsbIntervention.Kind.choices,
        error_messages={
            "required": "Select the intervention",
            "invalid_choice": "Select the intervention",
        },
    )
    subject = forms.ChoiceField(required=False)
    notes = forms.CharField(required=False, max_length=4000, strip=True)

    def __init__(self, *args: Any, people: Choices, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["subject"].choices = [("", "Not served on a person"), *people]
        self.fields["subject"].error_messages["invalid_choice"] = (
            "Select who it is served on"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        i, e = data.get("issued"), data.get("expires")
        if i and e and e < i:
            self.add_date_error(
                "expires",
                "Date it expires must be the same as or after the date issued",
                ["day", "month", "year"],
            )
        return data


class OutcomeForm(_DatedForm):
    """What came of an intervention."""

    order: tuple[str, ...] = ("outcome", "outcome_on", "notes")
    date_inputs = (DateParts("outcome_on", "Date of the outcome", past=True),)
    required_dates = ("outcome_on",)
    outcome = forms.ChoiceField(
        choices=[c for c in AsbIntervention.Outcome.choices if c[0] != "pending"],
        error_messages={
            "required": "Select the outcome",
            "invalid_choice": "Select the outcome",
        },
    )
    notes = forms.CharField(required=False, max_length=4000, strip=True)


class ReviewApplicationForm(_DatedForm):
    """An ASB Case Review application."""

    order: tuple[str, ...] = ("received", "applicant", "on_behalf", "complaints")
    date_inputs = (
        DateParts("received", "Date the application was received", past=True),
    )
    required_dates = ("received",)
    applicant = forms.CharField(required=False, strip=True)
    on_behalf = forms.ChoiceField(
        choices=YES_NO,
        error_messages={
            "required": "Select whether someone applied on the victim's behalf",
            "invalid_choice": "Select whether someone applied on the victim's behalf",
        },
    )
    complaints = forms.MultipleChoiceField(required=False)

    def __init__(
        self,
        *args: Any,
        people: Choices | None = None,
        complaints: Choices,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.people = people
        self.fields["complaints"].choices = complaints
        self.fields["complaints"].error_messages["invalid_choice"] = (
            "Select complaints from the list"
        )

    def clean_applicant(self) -> int | None:
        return _person_id(
            self.cleaned_data.get("applicant", ""), self.people, "the applicant"
        )


class StepForm(_DatedForm):
    """One dated step of a case review (acknowledge, tell the applicant...)."""

    order: tuple[str, ...] = ("on",)
    date_inputs = (DateParts("on", "Date", past=True),)
    required_dates = ("on",)
    version = forms.IntegerField(min_value=1)

    def __init__(self, *args: Any, label: str = "Date", **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.date_inputs = (DateParts("on", label, past=True),)


class DecideForm(StepForm):
    """The threshold decision; where the check is not met, whether to review anyway."""

    order: tuple[str, ...] = ("on", "hold_review")
    hold_review = forms.ChoiceField(choices=YES_NO, required=False)


class HoldForm(StepForm):
    """The review meeting."""

    order: tuple[str, ...] = ("on", "chair", "outcome")
    chair = forms.CharField(
        max_length=200,
        strip=True,
        error_messages={
            "required": "Enter who chaired the review",
            "max_length": "The chair must be 200 characters or fewer",
        },
    )
    outcome = forms.CharField(
        max_length=8000,
        strip=True,
        error_messages={
            "required": "Enter the outcome of the review",
            "max_length": "The outcome must be 8,000 characters or fewer",
        },
    )


class RecommendationForm(_DatedForm):
    """A recommendation: what, which agency owns it, by when."""

    order: tuple[str, ...] = ("text", "owner", "due")
    date_inputs = (DateParts("due", "Date it is due"),)
    text = forms.CharField(
        max_length=4000,
        strip=True,
        error_messages={
            "required": "Enter the recommendation",
            "max_length": "The recommendation must be 4,000 characters or fewer",
        },
    )
    owner = forms.ChoiceField(
        error_messages={
            "required": "Select the agency that owns it",
            "invalid_choice": "Select the agency that owns it",
        }
    )

    def __init__(self, *args: Any, agencies: Choices, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["owner"].choices = [("", "Select an agency"), *agencies]


class CompleteForm(_DatedForm):
    """A recommendation done."""

    order: tuple[str, ...] = ("done",)
    date_inputs = (DateParts("done", "Date done", past=True),)
    required_dates = ("done",)


class StatisticsForm(forms.Form):
    """The statistics year (the year it starts in)."""

    year = forms.IntegerField(min_value=2014, max_value=2100, required=False)


def parsed_date(form: forms.Form, prefix: str) -> date | None:
    """A parsed date input's value."""
    value = form.cleaned_data.get(prefix)
    return value if isinstance(value, date) else None


def required_date(form: forms.Form, prefix: str) -> date:
    """A required date input's value, from a form that validated."""
    value = parsed_date(form, prefix)
    if value is None:
        raise ValueError(f"{prefix} is required and was not parsed")
    return value
