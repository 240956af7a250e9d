"""Forms for the modern slavery (NRM) pages: parse and check input, GOV.UK wording.

The process rules (consent, Duty to Notify, decision order and dates) live in
:mod:`saferleeds.nrm.actions`; these forms only check that what was sent
is well formed, and show the actions' refusals beside the field they concern.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from saferleeds.core.forms import DateParts, GovukForm
from saferleeds.nrm.models import NrmReferral

DECISIONS = [
    (NrmReferral.Decision.POSITIVE.value, "Positive"),
    (NrmReferral.Decision.NEGATIVE.value, "Negative"),
    (NrmReferral.Decision.WITHDRAWN.value, "Withdrawn"),
]


class _RuleErrors(GovukForm):
    """Shows an action's refusal beside the field it names."""

    def add_rule_error(self, field: str, message: str) -> None:
        """Attach ``message`` to ``field`` (a field or date input), or to the form."""
        if any(d.prefix == field for d in self.date_inputs):
            self.add_date_error(field, message, ["day", "month", "year"])
        elif field in self.fields:
            self.add_error(field, message)
        else:
            self.add_error(None, message)


class NrmReferralForm(_RuleErrors):
    """An NRM referral, or an adult's anonymous Duty to Notify, on a case."""

    order = (
        "age_group",
        "consented",
        "exploitation",
        "potential_victim",
        "referred_on",
        "notes",
    )
    date_inputs = (DateParts("referred_on", "Date of referral", past=True),)

    age_group = forms.ChoiceField(
        choices=NrmReferral.AgeGroup.choices,
        error_messages={"required": "Select whether the person is an adult or a child"},
    )
    consented = forms.ChoiceField(
        choices=[("yes", "Yes"), ("no", "No")], required=False
    )
    exploitation = forms.MultipleChoiceField(
        choices=NrmReferral.Exploitation.choices,
        error_messages={
            "required": "Select at least one type of exploitation",
            "invalid_choice": "Select the types of exploitation from the list",
        },
    )
    potential_victim = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None
    )
    notes = forms.CharField(
        required=False,
        max_length=5000,
        error_messages={"max_length": "Notes must be 5,000 characters or fewer"},
    )

    def __init__(
        self, *args: Any, people: list[tuple[int, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = people or []
        self.fields["potential_victim"].choices = [("", "Not recorded")] + [  # type: ignore[attr-defined]
            (str(pk), name) for pk, name in self.people
        ]

    def clean(self) -> dict[str, Any]:
        """Consent is asked of adults only; the date comes from three boxes."""
        data = super().clean() or {}
        if data.get("age_group") == NrmReferral.AgeGroup.ADULT and not data.get(
            "consented"
        ):
            self.add_error(
                "consented",
                "Select whether the adult consents to be referred to the NRM",
            )
        day, message, parts = self.date_inputs[0].parse(data, required=True)
        if message:
            self.add_date_error("referred_on", message, parts)
        data["referred_on"] = day
        return data

    def action_kwargs(self) -> dict[str, Any]:
        """The validated values, as :func:`do_make_nrm_referral` takes them."""
        data = self.cleaned_data
        return {
            "age_group": data["age_group"],
            "consented": data.get("consented") == "yes",
            "exploitation": list(data["exploitation"]),
            "potential_victim_id": data.get("potential_victim"),
            "referred_on": data["referred_on"],
            "notes": data.get("notes", ""),
        }


class NrmDecisionForm(_RuleErrors):
    """A Reasonable Grounds or Conclusive Grounds decision, with the version seen."""

    order = ("decision", "decided_on")
    date_inputs = (DateParts("decided_on", "Date of the decision", past=True),)

    decision = forms.ChoiceField(
        choices=DECISIONS,
        error_messages={
            "required": "Select the decision",
            "invalid_choice": "Select the decision",
        },
    )
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1)

    def clean(self) -> dict[str, Any]:
        """Read the date from its three boxes."""
        data = super().clean() or {}
        day, message, parts = self.date_inputs[0].parse(data, required=True)
        if message:
            self.add_date_error("decided_on", message, parts)
        data["decided_on"] = day
        return data

    @property
    def decided_on(self) -> date:
        """The decision's date (valid forms only)."""
        return self.cleaned_data["decided_on"]
