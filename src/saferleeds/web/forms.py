"""Forms for partnership-wide pages."""

from __future__ import annotations

from django import forms


class AreaFilterForm(forms.Form):
    """Choose an MSOA (or the whole district) for the overview."""

    msoa = forms.ChoiceField(label="Area", required=False)

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["msoa"].choices = [("", "Whole district")] + [
            (code, f"{name} ({code})") for code, name in choices
        ]
