"""The deliverable status form: parse and check input, GOV.UK wording.

Who may update and what a status needs are the action's rules
(:func:`saferleeds.governance.actions.do_update_deliverable_status`); the form checks
only that what was sent is well formed.
"""

from __future__ import annotations

from django import forms

from saferleeds.core.forms import GovukForm
from saferleeds.governance.models import Rag

__all__ = ["StatusForm"]

EVIDENCE_MAX = 4000


class StatusForm(GovukForm):
    """A deliverable's new RAG status and the evidence for it."""

    order = ("rag", "evidence")
    multiline_fields = ("evidence",)

    rag = forms.ChoiceField(
        choices=Rag.choices,
        error_messages={
            "required": "Select red, amber or green",
            "invalid_choice": "Select red, amber or green",
        },
    )
    evidence = forms.CharField(
        max_length=EVIDENCE_MAX,
        error_messages={
            "required": "Enter the evidence for the status",
            "max_length": f"Evidence must be {EVIDENCE_MAX:,} characters or fewer",
        },
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def add_rule_error(self, field: str, message: str) -> None:
        """Attach an action's refusal to ``field``, or to the form."""
        self.add_error(field if field in self.fields else None, message)
