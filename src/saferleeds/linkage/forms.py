"""The review decision form: parse and check input, in GOV.UK wording.

The rules (who may decide, which pairs) live in :mod:`saferleeds.linkage.actions`.
"""

from __future__ import annotations

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
