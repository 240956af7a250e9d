"""Forms for the case pages: parse and validate only, in GOV.UK error wording.

Each form gives ``error_list`` (anchor, message) for the error summary and
``field_errors`` for the inline messages (see :class:`saferleeds.people.forms.GovukForm`).
Rules the actions also enforce are checked here first so the user gets a message by the
field rather than a refusal.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from saferleeds.core.forms import DateParts, GovukForm
from saferleeds.people.models import SubjectRole
from saferleeds.safeguarding.models import Case, CaseNote, RiskLevel

__all__ = [
    "CaseListFilterForm",
    "CaseCreateForm",
    "CaseEditForm",
    "ConsentForm",
    "CloseCaseForm",
    "ReopenCaseForm",
    "NoteForm",
    "TaskForm",
    "CompleteTaskForm",
    "DocumentForm",
    "MemberForm",
    "IncidentLinkForm",
    "PlaceLinkForm",
    "PersonLinkForm",
    "DUE_CHOICES",
]

# Choices for a select: (value, label) pairs, or (group label, pairs) for option groups.
Choices = list[Any]
VERSION_MESSAGES = {
    "required": "The page was missing the record's version: reload it and try again",
    "invalid": "The page was missing the record's version: reload it and try again",
}
DUE_CHOICES = [
    ("", "Any"),
    ("overdue", "Has overdue tasks"),
    ("7", "Review due within 7 days"),
    ("14", "Review due within 14 days"),
    ("30", "Review due within 30 days"),
]
STATUS_CHOICES = [("open", "Open"), ("closed", "Closed"), ("all", "Open and closed")]


def _version() -> forms.IntegerField:
    return forms.IntegerField(
        min_value=1, widget=forms.HiddenInput, error_messages=VERSION_MESSAGES
    )


def _text(label: str, *, max_length: int, required: bool = True) -> forms.CharField:
    return forms.CharField(
        required=required,
        max_length=max_length,
        strip=True,
        error_messages={
            "required": f"Enter {label}",
            "max_length": f"{label[0].upper()}{label[1:]} must be {max_length} "
            "characters or fewer",
        },
    )


def _choice(choices: Any, message: str, *, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=choices,
        required=required,
        error_messages={"required": message, "invalid_choice": message},
    )


class _DatesMixin(GovukForm):
    """Parses each date input into ``cleaned_data[<prefix>]`` with GOV.UK messages."""

    required_dates: tuple[str, ...] = ()
    not_future: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for d in self.date_inputs:
            value, message, parts = d.parse(
                data, required=d.prefix in self.required_dates
            )
            if message is None and value is not None:
                if d.prefix in self.not_future and value > timezone.localdate():
                    message, parts = (
                        f"{d.label} must be today or in the past",
                        ["day", "month", "year"],
                    )
            if message:
                self.add_date_error(d.prefix, message, parts)
            data[d.prefix] = value
        return data

    def date_not_before(self, prefix: str, earliest: date, what: str) -> None:
        """Add an error if a parsed date falls before ``earliest``."""
        value = self.cleaned_data.get(prefix)
        if value is not None and prefix not in self.date_errors and value < earliest:
            label = next(d.label for d in self.date_inputs if d.prefix == prefix)
            self.add_date_error(
                prefix,
                f"{label} must be on or after {what} ({earliest:%-d %B %Y})",
                ["day", "month", "year"],
            )


class _OnOpenCaseMixin(_DatesMixin):
    """A form on an open case whose date ``not_before_opening`` may not predate it.

    Takes the case's ``opened_on`` as a keyword argument.
    """

    not_before_opening: str = ""

    def __init__(self, *args: Any, opened_on: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.opened_on = opened_on

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.date_not_before(
            self.not_before_opening, self.opened_on, "the date the case opened"
        )
        return data


class CaseListFilterForm(forms.Form):
    """The case list's filters (GET); an unknown value is treated as no filter."""

    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    case_type = forms.ChoiceField(
        choices=[("", "Any"), *Case.Type.choices], required=False
    )
    lead_agency = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    area = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    due = forms.ChoiceField(choices=DUE_CHOICES, required=False)

    def __init__(
        self,
        data: Any,
        *,
        agencies: list[tuple[int, str]],
        areas: Choices,
    ) -> None:
        super().__init__(data)
        self.fields["lead_agency"].choices = [("", "Any"), *agencies]
        self.fields["area"].choices = [("", "Any"), *areas]

    def filters(self) -> dict[str, Any]:
        """The valid filters asked for (invalid ones dropped), status defaulting to open."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        out = {
            name: data.get(name)
            for name in self.fields
            if name not in self.errors and data.get(name) not in (None, "")
        }
        out.setdefault("status", "open")
        return out


class CaseCreateForm(_DatesMixin):
    """Open a case."""

    order = ("case_type", "title", "summary", "risk_level", "area", "opened", "review")
    date_inputs = (
        DateParts("opened", "Date opened"),
        DateParts("review", "Next review date"),
    )
    not_future = ("opened",)

    case_type = _choice(Case.Type.choices, "Select the type of case")
    title = _text("a title for the case", max_length=200)
    summary = forms.CharField(required=False, strip=True, max_length=5000)
    risk_level = _choice(
        [("", "Not assessed"), *RiskLevel.choices],
        "Select the risk level",
        required=False,
    )
    area = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Select an area from the list"},
    )

    def __init__(self, *args: Any, areas: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "Not set"), *areas]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        opened = data.get("opened") or timezone.localdate()
        self.date_not_before("review", opened, "the date the case opened")
        return data


class CaseEditForm(_DatesMixin):
    """Change a case's details, against the version the user saw."""

    order = ("title", "summary", "risk_level", "area", "review")
    date_inputs = (DateParts("review", "Next review date"),)

    title = _text("a title for the case", max_length=200)
    summary = forms.CharField(required=False, strip=True, max_length=5000)
    risk_level = _choice(
        [("", "Not assessed"), *RiskLevel.choices],
        "Select the risk level",
        required=False,
    )
    area = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Select an area from the list"},
    )
    version = _version()

    def __init__(
        self,
        *args: Any,
        areas: Choices,
        opened_on: date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "Not set"), *areas]
        self.opened_on = opened_on

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.date_not_before("review", self.opened_on, "the date the case opened")
        return data

    def changes(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "title": d["title"],
            "summary": d["summary"],
            "risk_level": d["risk_level"],
            "area_id": d["area"],
            "review_due_on": d["review"],
        }

    @staticmethod
    def initial_for(case: Case) -> dict[str, Any]:
        return {
            "title": case.title,
            "summary": case.summary,
            "risk_level": case.risk_level,
            "area": case.area_id or "",
            "version": case.version,
            **DateParts.initial("review", case.review_due_on),
        }


class ConsentForm(_DatesMixin):
    """Record consent to share."""

    order = ("consent", "recorded", "note")
    date_inputs = (DateParts("recorded", "Date consent was recorded"),)
    not_future = ("recorded",)

    consent = _choice(Case.Consent.choices, "Select the consent status")
    note = forms.CharField(required=False, strip=True, max_length=5000)
    version = _version()

    def __init__(self, *args: Any, opened_on: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.opened_on = opened_on

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        consent = data.get("consent")
        if consent and consent != Case.Consent.NOT_SOUGHT:
            if data.get("recorded") is None and "recorded" not in self.date_errors:
                self.add_date_error(
                    "recorded",
                    "Enter the date consent was recorded",
                    ["day", "month", "year"],
                )
            self.date_not_before("recorded", self.opened_on, "the date the case opened")
        if consent == Case.Consent.OVERRIDDEN and not data.get("note"):
            self.add_error(
                "note",
                "Enter why the information is shared without consent",
            )
        return data

    @staticmethod
    def initial_for(case: Case) -> dict[str, Any]:
        return {
            "consent": case.consent,
            "note": case.consent_note,
            "version": case.version,
            **DateParts.initial("recorded", case.consent_recorded_on),
        }


class CloseCaseForm(_OnOpenCaseMixin):
    """Close a case with its outcome."""

    order = ("outcome", "closed", "note")
    date_inputs = (DateParts("closed", "Date closed"),)
    required_dates = ("closed",)
    not_future = ("closed",)

    outcome = _choice(Case.Outcome.choices, "Select the outcome")
    note = forms.CharField(required=False, strip=True, max_length=5000)
    version = _version()
    not_before_opening = "closed"


class ReopenCaseForm(GovukForm):
    """Reopen a closed case."""

    order = ("reason",)

    reason = _text("why the case is being reopened", max_length=2000)
    version = _version()


class NoteForm(GovukForm):
    """Add a note, fact or professional assessment."""

    order = ("kind", "text")

    kind = _choice(
        CaseNote.Kind.choices, "Select whether the note is a fact or an assessment"
    )
    text = _text("the note", max_length=10000)


class TaskForm(_DatesMixin):
    """Add a task for an agency."""

    order = ("title", "detail", "owner_agency", "assigned_to", "due")
    date_inputs = (DateParts("due", "Due date"),)
    required_dates = ("due",)

    title = _text("what needs to be done", max_length=300)
    detail = forms.CharField(required=False, strip=True, max_length=5000)
    owner_agency = forms.TypedChoiceField(
        coerce=int,
        error_messages={
            "required": "Select the agency that owns the task",
            "invalid_choice": "Select the agency that owns the task",
        },
    )

    assigned_to = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Select a worker from the list"},
    )

    def __init__(
        self,
        *args: Any,
        agencies: list[tuple[int, str]],
        workers: list[tuple[str, list[tuple[int, str]]]],
        opened_on: date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].choices = [("", "Select an agency"), *agencies]
        self.fields["assigned_to"].choices = [("", "Not assigned"), *workers]
        self.opened_on = opened_on

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.date_not_before("due", self.opened_on, "the date the case opened")
        return data


class CompleteTaskForm(_OnOpenCaseMixin):
    """Mark a task done with evidence."""

    order = ("completed", "note")
    date_inputs = (DateParts("completed", "Date completed"),)
    required_dates = ("completed",)
    not_future = ("completed",)

    note = _text("what was done (the evidence the task is complete)", max_length=5000)
    version = _version()
    not_before_opening = "completed"


class DocumentForm(GovukForm):
    """Upload a document (its type and size are checked by the action)."""

    order = ("title", "file")

    title = _text("a title for the document", max_length=200)
    file = forms.FileField(
        allow_empty_file=True,
        error_messages={
            "required": "Select a file",
            "invalid": "Select a file",
            "missing": "Select a file",
        },
    )


class MemberForm(GovukForm):
    """Add a named worker to the case."""

    order = ("user",)

    user = forms.TypedChoiceField(
        coerce=int,
        error_messages={
            "required": "Select the worker to add",
            "invalid_choice": "Select the worker to add",
        },
    )

    def __init__(
        self,
        *args: Any,
        workers: list[tuple[str, list[tuple[int, str]]]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Select a worker"), *workers]


class IncidentLinkForm(GovukForm):
    """Link an incident by its agency reference."""

    order = ("reference",)

    reference = _text("the incident's reference", max_length=60)


class PlaceLinkForm(GovukForm):
    """Link one of the places offered (those the actor may see on the case's incidents)."""

    order = ("place", "note")

    place = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the place to link",
            "invalid_choice": "Select the place to link",
        },
    )
    note = forms.CharField(
        required=False,
        strip=True,
        max_length=200,
        error_messages={"max_length": "Note must be 200 characters or fewer"},
    )

    def __init__(
        self, *args: Any, places: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = places


class PersonLinkForm(GovukForm):
    """Link one of the people offered (those the actor may see on the case's incidents)
    in a role."""

    order = ("person", "role")

    person = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the person to link",
            "invalid_choice": "Select the person to link",
        },
    )
    role = _choice(SubjectRole.choices, "Select the person's role on the case")

    def __init__(
        self, *args: Any, people: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = people
