"""Forms for the agreement register: ending an agreement early."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from saferleeds.core.forms import DateParts, GovukForm


def _long(day: date) -> str:
    return day.strftime("%-d %B %Y")


class EndAgreementForm(GovukForm):
    """A new last day in force, before the current one and no earlier than yesterday.

    Yesterday is the earliest: an agreement ended "now" stops being in force today, and
    an end date further back would rewrite when sharing was lawful.
    """

    order = ("ends_on",)
    date_inputs = (DateParts("ends_on", "End date"),)

    version = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "required": "The page was missing the agreement's version: reload it and try again",
            "invalid": "The page was missing the agreement's version: reload it and try again",
        },
    )

    def __init__(self, *args: Any, current_end: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current_end = current_end

    @staticmethod
    def earliest() -> date:
        return timezone.localdate() - timedelta(days=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ends_on, message, parts = self.date_inputs[0].parse(data, required=True)
        if message is None and ends_on is not None:
            if ends_on >= self.current_end:
                message = (
                    f"End date must be before the current end date, "
                    f"{_long(self.current_end)}"
                )
                parts = ["day", "month", "year"]
            elif ends_on < self.earliest():
                message = (
                    f"End date must be {_long(self.earliest())} (yesterday, to end it "
                    f"now) or later"
                )
                parts = ["day", "month", "year"]
        if message:
            self.add_date_error("ends_on", message, parts)
        data["ends_on"] = ends_on
        return data


class DraftAgreementForm(GovukForm):
    """The terms of a new agreement or an amendment, for every party to sign."""

    order = (
        "title",
        "purpose",
        "lawful_basis",
        "providers",
        "recipients",
        "record_types",
        "case_types",
        "starts_on",
        "ends_on",
    )
    date_inputs = (
        DateParts("starts_on", "In force from"),
        DateParts("ends_on", "Last day in force"),
    )

    title = forms.CharField(
        max_length=200,
        error_messages={"required": "Enter the agreement's title"},
    )
    purpose = forms.CharField(
        max_length=2000,
        error_messages={"required": "Enter the purpose the records may be used for"},
    )
    lawful_basis = forms.CharField(
        max_length=300,
        error_messages={"required": "Enter the lawful basis for sharing"},
    )
    providers = forms.MultipleChoiceField(
        error_messages={"required": "Select the agencies whose records are shared"}
    )
    recipients = forms.MultipleChoiceField(
        error_messages={"required": "Select the agencies that receive the records"}
    )
    record_types = forms.MultipleChoiceField(
        error_messages={"required": "Select the kinds of record shared"}
    )
    case_types = forms.MultipleChoiceField(required=False)

    def __init__(
        self,
        *args: Any,
        agencies: list[tuple[str, str]],
        actor_agency: str,
        **kwargs: Any,
    ) -> None:
        from saferleeds.partners.models import CaseType, RecordType

        super().__init__(*args, **kwargs)
        self.actor_agency = actor_agency
        self.fields["providers"].choices = agencies
        self.fields["recipients"].choices = agencies
        self.fields["record_types"].choices = RecordType.choices
        self.fields["case_types"].choices = CaseType.choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("starts_on", "ends_on"):
            day, message, parts = next(
                d for d in self.date_inputs if d.prefix == name
            ).parse(data, required=True)
            if message:
                self.add_date_error(name, message, parts)
            data[name] = day
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_date_error(
                "ends_on",
                "Last day in force must be on or after the day it comes into force",
                ["day", "month", "year"],
            )
        parties = set(data.get("providers") or []) | set(data.get("recipients") or [])
        if (
            data.get("providers")
            and data.get("recipients")
            and self.actor_agency not in parties
        ):
            self.add_error(
                "providers",
                "Your agency must be a party (a provider or a recipient): you can "
                "only draft agreements your agency signs",
            )
        return data
