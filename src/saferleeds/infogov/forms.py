"""Forms for the audit viewer."""

from __future__ import annotations

from django import forms

from saferleeds.core.forms import GovukForm


class SubjectAccessForm(GovukForm):
    """Who a subject-access bundle is disclosed to (logged as the recipient)."""

    order = ("recipient",)

    recipient = forms.CharField(
        max_length=200,
        strip=True,
        error_messages={
            "required": "Enter who the bundle is for, such as the data subject or "
            "their representative",
            "max_length": "Recipient must be 200 characters or fewer",
        },
    )
