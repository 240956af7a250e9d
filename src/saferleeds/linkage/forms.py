"""The review decision form: parse and check input, in GOV.UK wording.

The rules (who may decide, which pairs) live in :mod:`saferleeds.linkage.actions`.
"""

from __future__ import annotations

from typing import Any

from django import forms

from saferleeds.core.forms import GovukForm

DECISIONS = [
    ("confirm", "Yes, the same person"),
    ("reject", "No, not the same person"),
]


class ReviewDecisionForm(GovukForm):
    """A reviewer's decision on a pair of agency records, with the reason."""

    order = ("decision", "reason")
    multiline_fields = ("reason",)

    decision = forms.ChoiceField(
        choices=DECISIONS,
        error_messages={
            "required": "Select whether the records are the same person",
            "invalid_choice": "Select whether the records are the same person",
        },
    )
    reason = forms.CharField(
        max_length=2000,
        error_messages={
            "required": "Enter why you decided so",
            "max_length": "Reason must be 2,000 characters or fewer",
        },
    )

    def add_rule_error(self, field: str, message: str) -> None:
        """Attach an action's refusal to ``field``, or to the form."""
        self.add_error(field if field in self.fields else None, message)


MAX_EXTRACT_BYTES = 50 * 1024 * 1024
"""The largest extract uploaded through the page (the command line has no limit)."""

# The fields an extract's columns map to, with the labels the page shows.
MAPPED_FIELDS = (
    ("forename", "First name"),
    ("surname", "Last name"),
    ("dob", "Date of birth"),
    ("sex", "Sex"),
    ("postcode", "Postcode"),
    ("address", "Address"),
    ("town", "Town"),
    ("identifier", "Identifier (NHS, PNC or other number)"),
)


class LoadExtractForm(GovukForm):
    """A partner's extract: the file, its reference column and the column of each field.

    Column names are checked against the file by the reader, which names the line and
    column of any problem.
    """

    order = ("file", "id_column", *(f"map_{f}" for f, _ in MAPPED_FIELDS), "batch")
    multiline_fields = ()

    file = forms.FileField(
        allow_empty_file=True,
        error_messages={
            "required": "Select the extract file",
            "invalid": "Select the extract file",
            "missing": "Select the extract file",
        },
    )
    id_column = forms.CharField(
        max_length=100,
        error_messages={
            "required": "Enter the column with your agency's reference",
            "max_length": "Column names must be 100 characters or fewer",
        },
    )
    batch = forms.CharField(
        max_length=100,
        required=False,
        error_messages={"max_length": "Name must be 100 characters or fewer"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field, label in MAPPED_FIELDS:
            self.fields[f"map_{field}"] = forms.CharField(
                max_length=100,
                required=False,
                label=label,
                error_messages={
                    "max_length": "Column names must be 100 characters or fewer"
                },
            )

    def clean(self) -> dict[str, Any]:
        """At least one field mapped; the file no larger than the page takes."""
        data = super().clean()
        upload = data.get("file")
        if upload is not None and upload.size > MAX_EXTRACT_BYTES:
            self.add_error(
                "file",
                "The file must be smaller than 50 MB (load larger extracts with "
                "saferleeds link load)",
            )
        if not any(data.get(f"map_{f}") for f, _ in MAPPED_FIELDS):
            self.add_error("map_forename", "Enter the column of at least one field")
        return data

    def mapping(self) -> dict[str, str]:
        """Field to column, for the fields given a column."""
        return {
            f: self.cleaned_data[f"map_{f}"].strip()
            for f, _ in MAPPED_FIELDS
            if self.cleaned_data.get(f"map_{f}", "").strip()
        }

    def add_rule_error(self, field: str, message: str) -> None:
        """Attach a reader's or action's refusal to ``field``, or to the form."""
        self.add_error(field if field in self.fields else None, message)
