"""Forms for the agreement register: ending an agreement early."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from saferleeds.people.forms import DateParts, GovukForm


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
