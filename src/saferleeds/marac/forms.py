"""Forms for the Dash checklist and MARAC pages: parse and validate only.

Each form has ``error_list`` (anchor, message) pairs for the GOV.UK error summary and
``field_errors`` for the inline messages (see :class:`saferleeds.people.forms.GovukForm`).
Anchors point at ``id_<field>`` (the first radio of a group carries that id).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from saferleeds.core.forms import DateParts, GovukForm
from saferleeds.marac.dash import DASH_QUESTION_COUNT

ANSWER_CHOICES = [("yes", "Yes"), ("no", "No"), ("not_known", "Not known")]
ANSWER_VALUE: dict[str, bool | None] = {"yes": True, "no": False, "not_known": None}
YES_NO = [("yes", "Yes"), ("no", "No")]
QUESTION_FIELDS = tuple(f"q{n}" for n in range(1, DASH_QUESTION_COUNT + 1))


def _date(form: GovukForm, prefix: str, *, required: bool = True) -> date | None:
    spec = next(d for d in form.date_inputs if d.prefix == prefix)
    value, message, parts = spec.parse(form.cleaned_data, required=required)
    if message:
        form.add_date_error(prefix, message, parts)
    return value


class DashForm(GovukForm):
    """The 24 SafeLives questions (yes, no or not known), judgement, reason and notes."""

    order = (
        "victim",
        "assessed",
        *QUESTION_FIELDS,
        "professional_judgement",
        "judgement_reason",
        "assessor_notes",
    )
    date_inputs = (DateParts("assessed", "Date of the checklist", past=True),)

    victim = forms.TypedChoiceField(
        coerce=int,
        error_messages={
            "required": "Select the victim the checklist is about",
            "invalid_choice": "Select the victim the checklist is about",
        },
    )
    professional_judgement = forms.ChoiceField(
        choices=YES_NO,
        error_messages={
            "required": "Select yes if you judge the risk to be high whatever the score",
            "invalid_choice": "Select yes or no",
        },
    )
    judgement_reason = forms.CharField(required=False, max_length=5000, strip=True)
    assessor_notes = forms.CharField(required=False, max_length=10000, strip=True)

    def __init__(self, *args: Any, victims: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["victim"].choices = victims  # type: ignore[attr-defined]
        for n, name in enumerate(QUESTION_FIELDS, start=1):
            self.fields[name] = forms.ChoiceField(
                choices=ANSWER_CHOICES,
                error_messages={
                    "required": f"Answer question {n}: yes, no or not known",
                    "invalid_choice": f"Answer question {n}: yes, no or not known",
                },
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["assessed_on"] = _date(self, "assessed")
        if data.get("professional_judgement") == "yes" and not data.get(
            "judgement_reason"
        ):
            self.add_error(
                "judgement_reason",
                "Give the reason for your professional judgement of high risk",
            )
        return data

    def answers(self) -> list[bool | None]:
        """The 24 answers in question order."""
        return [ANSWER_VALUE[self.cleaned_data[q]] for q in QUESTION_FIELDS]


class ReferralForm(GovukForm):
    """A MARAC referral: who, when, and any professional judgement."""

    order = ("victim", "perpetrator", "referred", "professional_judgement", "reason")
    date_inputs = (DateParts("referred", "Date of referral", past=True),)

    victim = forms.TypedChoiceField(
        coerce=int,
        error_messages={
            "required": "Select the victim being referred",
            "invalid_choice": "Select the victim being referred",
        },
    )
    perpetrator = forms.ChoiceField(
        error_messages={
            "required": "Select the perpetrator, or 'Not known'",
            "invalid_choice": "Select the perpetrator, or 'Not known'",
        },
    )
    professional_judgement = forms.ChoiceField(
        choices=YES_NO,
        error_messages={
            "required": "Select yes if the referral is on professional judgement",
            "invalid_choice": "Select yes or no",
        },
    )
    reason = forms.CharField(required=False, max_length=5000, strip=True)
    dash = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        victims: list[tuple[int, str]],
        perpetrators: list[tuple[int, str]],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["victim"].choices = victims  # type: ignore[attr-defined]
        self.fields["perpetrator"].choices = [  # type: ignore[attr-defined]
            (str(pk), name) for pk, name in perpetrators
        ] + [("none", "Not known")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["referred_on"] = _date(self, "referred")
        p = data.get("perpetrator")
        data["perpetrator_id"] = None if p in (None, "none") else int(p)
        if data.get("professional_judgement") == "yes" and not data.get("reason"):
            self.add_error(
                "reason", "Give the reason for your professional judgement of high risk"
            )
        return data


class MeetingForm(GovukForm):
    """Schedule a MARAC meeting."""

    order = ("held", "venue", "chair")
    date_inputs = (DateParts("held", "Meeting date"),)

    venue = forms.CharField(required=False, max_length=200, strip=True)
    chair = forms.CharField(required=False, max_length=200, strip=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["held_on"] = _date(self, "held")
        return data


class ListForm(GovukForm):
    """Choose the meeting to list a referral for."""

    order = ("meeting",)

    meeting = forms.TypedChoiceField(
        coerce=int,
        error_messages={
            "required": "Select the meeting to list the referral for",
            "invalid_choice": "Select the meeting to list the referral for",
        },
    )

    def __init__(self, *args: Any, meetings: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = meetings  # type: ignore[attr-defined]


class ResearchForm(GovukForm):
    """What the actor's agency holds on the referral's parties."""

    order = ("holds_information", "findings")

    holds_information = forms.ChoiceField(
        choices=YES_NO,
        error_messages={
            "required": "Select yes if your agency holds information on the parties",
            "invalid_choice": "Select yes or no",
        },
    )
    findings = forms.CharField(
        required=False,
        max_length=10000,
        strip=True,
        error_messages={"max_length": "Findings must be 10,000 characters or fewer"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("holds_information") == "yes" and not data.get("findings"):
            self.add_error("findings", "Say what your agency holds on the parties")
        return data


class ActionForm(GovukForm):
    """An action on the MARAC action plan."""

    order = ("title", "owner_agency", "due", "detail")
    date_inputs = (DateParts("due", "Deadline"),)

    title = forms.CharField(
        max_length=300,
        strip=True,
        error_messages={
            "required": "Enter the action",
            "max_length": "The action must be 300 characters or fewer",
        },
    )
    owner_agency = forms.TypedChoiceField(
        coerce=int,
        error_messages={
            "required": "Select the agency that owns the action",
            "invalid_choice": "Select the agency that owns the action",
        },
    )
    detail = forms.CharField(required=False, max_length=5000, strip=True)

    def __init__(
        self,
        *args: Any,
        agencies: list[tuple[int, str]],
        referred_on: date | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].choices = agencies  # type: ignore[attr-defined]
        self.referred_on = referred_on

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["due_on"] = due = _date(self, "due")
        # The action refuses this too (marac.actions.do_add_marac_action); checked
        # here so the message sits on the date boxes.
        if due is not None and self.referred_on and due < self.referred_on:
            self.add_date_error(
                "due",
                "The deadline must be on or after the referral date, "
                f"{self.referred_on:%-d %B %Y}",
                ["day", "month", "year"],
            )
        return data


class CompleteActionForm(GovukForm):
    """Mark an action done, with the evidence."""

    order = ("completed", "evidence")
    date_inputs = (DateParts("completed", "Date completed", past=True),)

    evidence = forms.CharField(
        max_length=5000,
        strip=True,
        error_messages={
            "required": "Say what was done (the evidence)",
            "max_length": "The evidence must be 5,000 characters or fewer",
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["completed_on"] = _date(self, "completed")
        return data


class FiguresForm(GovukForm):
    """The period the figures cover (both days included)."""

    order = ("start", "end")
    date_inputs = (DateParts("start", "Start date"), DateParts("end", "End date"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["start"] = _date(self, "start")
        data["end"] = _date(self, "end")
        if data["start"] and data["end"] and data["end"] < data["start"]:
            self.add_date_error(
                "end", "End date must be the same as or after the start date", ["day"]
            )
        return data
