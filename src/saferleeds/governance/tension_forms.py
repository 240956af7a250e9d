"""Forms of the community tension pages: link a record, record an event.

They check only that what was sent is well formed; who may link or record, and what
may be linked, are the actions' rules (:mod:`saferleeds.governance.tension_actions`).
"""

from __future__ import annotations

from typing import Any

from django import forms

from saferleeds.core.forms import DateParts, GovukForm

__all__ = ["EventForm", "LinkForm"]

TITLE_MAX = 200
DETAILS_MAX = 2000


class LinkForm(GovukForm):
    """One of the records offered, as ``<kind>:<id>``."""

    order = ("record",)
    multiline_fields = ()

    record = forms.ChoiceField(
        error_messages={
            "required": "Select the hate report or incident to link",
            "invalid_choice": "Select the hate report or incident to link",
        }
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["record"].choices = choices  # type: ignore[attr-defined]

    def parsed(self) -> tuple[str, int]:
        """The record's kind and id."""
        kind, _, pk = self.cleaned_data["record"].partition(":")
        return kind, int(pk)


class EventForm(GovukForm):
    """An event that may affect tension: what, when, and any details."""

    order = ("title", "happens_on", "details")
    multiline_fields = ("details",)
    date_inputs = (DateParts("happens_on", "Date of the event"),)

    title = forms.CharField(
        max_length=TITLE_MAX,
        error_messages={
            "required": "Enter what the event is",
            "max_length": f"The event must be {TITLE_MAX} characters or fewer",
        },
    )
    details = forms.CharField(
        required=False,
        max_length=DETAILS_MAX,
        error_messages={
            "max_length": f"Details must be {DETAILS_MAX:,} characters or fewer"
        },
    )

    def clean(self) -> dict[str, Any]:
        """Read the date from its three boxes."""
        data = super().clean() or {}
        day, message, parts = self.date_inputs[0].parse(data, required=True)
        if message:
            self.add_date_error("happens_on", message, parts)
        data["happens_on"] = day
        return data

    def add_rule_error(self, field: str, message: str) -> None:
        """Attach an action's refusal to ``field``, or to the form."""
        self.add_error(field if field in self.fields else None, message)
