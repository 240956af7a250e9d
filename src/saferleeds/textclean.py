"""Free text from people and partner systems, cleaned once on the way in.

Unicode bidirectional controls can make stored text display differently from what it
says (U+202E turns "gpj.exe" round; U+2066 isolates a run), and other control characters
have no business in a name or an account of what happened. :func:`clean_text` removes
them; forms (``people.forms.GovukForm``, ``incidents.forms.HateReportForm``) and the
people actions the API calls use it, so every way in is covered by one function.
Forms clean what was submitted before their fields validate it (:func:`clean_form_data`)
and their cleaned values again in ``clean`` (:func:`clean_form_text`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

# Bidirectional formatting: embeddings and overrides (U+202A-U+202E), isolates
# (U+2066-U+2069), the left-to-right and right-to-left marks (U+200E, U+200F) and the
# Arabic letter mark (U+061C).
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"  # a regex class
# C0 controls, DEL and C1 controls, except tab, line feed and carriage return.
_OTHER_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_REMOVE = re.compile(f"[{BIDI_CONTROLS}{_OTHER_CONTROLS}]")
# Tab and line breaks: kept in multi-line text, a space in single-line text.
_LINE_BREAKS = re.compile(r"\r\n|[\t\n\r]")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """``value`` without bidi controls and other control characters.

    Args:
        value: Text as typed or sent.
        multiline: True for text that may run over several lines (a textarea): tabs and
            line breaks are kept. Otherwise each becomes a space.
    """
    cleaned = _REMOVE.sub("", value)
    if not multiline:
        cleaned = _LINE_BREAKS.sub(" ", cleaned)
    return cleaned


def _keeps_lines(name: str, multiline: Collection[str] | None) -> bool:
    return multiline is None or name in multiline


def clean_form_data(form: Any, *, multiline: Collection[str] | None = None) -> None:
    """Apply :func:`clean_text` to what was submitted for each of a form's text fields.

    Call from the form's ``__init__`` once its fields are final: the fields then
    validate (required, max length, postcode...) the cleaned text, and a page shown
    again after an error shows the cleaned text too. An answer of nothing but control
    characters is an empty answer.

    Args:
        form: A Django form (bound or not).
        multiline: Names of the fields that keep tabs and line breaks; None for all.
    """
    from django import forms

    if not form.is_bound:
        return
    data = form.data.copy()  # a QueryDict's copy is mutable
    for name, field in form.fields.items():
        if not isinstance(field, forms.CharField):
            continue
        key = form.add_prefix(name)
        keep = _keeps_lines(name, multiline)
        if hasattr(data, "getlist"):
            if key in data:
                values = data.getlist(key)
                data.setlist(
                    key,
                    [
                        clean_text(v, multiline=keep) if isinstance(v, str) else v
                        for v in values
                    ],
                )
        elif isinstance(data.get(key), str):
            data[key] = clean_text(data[key], multiline=keep)
    form.data = data


def clean_form_text(
    form: Any, data: dict[str, Any], *, multiline: Collection[str] | None = None
) -> None:
    """Apply :func:`clean_text` to every text field's value in a form's cleaned ``data``.

    Call from ``Form.clean``: it catches what :func:`clean_form_data` could not (a field
    added after it ran, a value a ``clean_<field>`` method produced). A required field
    left empty by the cleaning gets the field's "required" error.

    Args:
        form: The Django form.
        data: Its ``cleaned_data`` (changed in place).
        multiline: Names of the fields that keep tabs and line breaks; None for all.
    """
    from django import forms

    for name, field in form.fields.items():
        value = data.get(name)
        if not isinstance(field, forms.CharField) or not isinstance(value, str):
            continue
        cleaned = clean_text(value, multiline=_keeps_lines(name, multiline))
        if cleaned == value:
            continue
        if field.strip:
            cleaned = cleaned.strip()
        data[name] = cleaned
        if field.required and not cleaned and name not in form.errors:
            form.add_error(name, field.error_messages["required"])
