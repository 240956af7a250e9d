"""GOV.UK form bases every app's forms build on: the three-box date input and a form
that lists its errors in page order for the error summary.

Each form exposes ``error_list`` -- ``(anchor id, message)`` pairs in page order -- for the
GOV.UK error summary, and ``field_errors`` keyed by field for the inline messages.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from saferleeds.textclean import clean_form_data, clean_form_text

PARTS = ("day", "month", "year")


class DateParts:
    """A GOV.UK date input: three text boxes, checked as the design system advises."""

    def __init__(self, prefix: str, label: str, *, past: bool = False) -> None:
        self.prefix = prefix
        self.label = label
        self.past = past

    def field_names(self) -> list[str]:
        return [f"{self.prefix}_{p}" for p in PARTS]

    def fields(self) -> dict[str, forms.Field]:
        return {
            name: forms.CharField(required=False, strip=True)
            for name in self.field_names()
        }

    def parse(
        self, data: dict[str, Any], *, required: bool
    ) -> tuple[date | None, str | None, list[str]]:
        """Return ``(date, error message, parts in error)`` from cleaned data."""
        values = {p: (data.get(f"{self.prefix}_{p}") or "").strip() for p in PARTS}
        missing = [p for p in PARTS if not values[p]]
        if len(missing) == 3:
            if required:
                return None, f"Enter {self.label.lower()}", list(PARTS)
            return None, None, []
        if missing:
            return (
                None,
                f"{self.label} must include a {' and '.join(missing)}",
                missing,
            )
        bad = [p for p in PARTS if not values[p].isdigit()]
        if bad:
            return None, f"{self.label} must be a real date", bad
        day, month, year = (int(values[p]) for p in PARTS)
        if len(values["year"]) != 4:
            return None, f"{self.label} must include a 4-digit year", ["year"]
        try:
            value = date(year, month, day)
        except ValueError:
            return None, f"{self.label} must be a real date", list(PARTS)
        if self.past and value > timezone.localdate():
            return None, f"{self.label} must be in the past", list(PARTS)
        if self.past and value.year < 1900:
            return None, f"{self.label} must be after 1900", ["year"]
        return value, None, []

    @staticmethod
    def initial(prefix: str, value: date | None) -> dict[str, str]:
        if value is None:
            return {f"{prefix}_{p}": "" for p in PARTS}
        return {
            f"{prefix}_day": str(value.day),
            f"{prefix}_month": str(value.month),
            f"{prefix}_year": str(value.year),
        }


class GovukForm(forms.Form):
    """A form that records its errors in page order for the GOV.UK error summary.

    Every text field is cleaned of bidi and other control characters
    (:func:`saferleeds.textclean.clean_text`): what was submitted, before the fields
    validate it, and the cleaned values again in :meth:`clean` (subclasses call it).
    """

    order: tuple[str, ...] = ()
    date_inputs: tuple[DateParts, ...] = ()
    # Text fields that keep tabs and line breaks; None: every field (a form's templates,
    # not its fields, decide which are textareas). () makes every field single-line.
    multiline_fields: tuple[str, ...] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for d in self.date_inputs:
            self.fields.update(d.fields())
        clean_form_data(self, multiline=self.multiline_fields)
        self.date_errors: dict[str, tuple[str, list[str]]] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        clean_form_text(self, data, multiline=self.multiline_fields)
        return data

    def add_date_error(self, prefix: str, message: str, parts: list[str]) -> None:
        self.date_errors[prefix] = (message, parts)
        self.add_error(None, message)

    @property
    def field_errors(self) -> dict[str, str]:
        """First error per field (and per date input prefix)."""
        out = {
            name: str(errs[0])
            for name, errs in self.errors.items()
            if name != forms.forms.NON_FIELD_ERRORS and errs
        }
        out.update({prefix: msg for prefix, (msg, _) in self.date_errors.items()})
        return out

    @property
    def date_error_parts(self) -> dict[str, list[str]]:
        return {prefix: parts for prefix, (_, parts) in self.date_errors.items()}

    @property
    def error_list(self) -> list[tuple[str, str]]:
        """``(anchor id, message)`` for each error, in the order fields appear."""
        if not self.is_bound or self.is_valid():
            return []
        errors = self.field_errors
        listed: list[tuple[str, str]] = []
        for name in self.order:
            if name not in errors:
                continue
            if name in self.date_errors:
                first = self.date_errors[name][1][0]
                listed.append((f"{name}-{first}", errors[name]))
            else:
                listed.append((f"id_{name}", errors[name]))
        first = listed[0][0] if listed else f"id_{self.order[0]}"
        for name, message in errors.items():
            if name not in self.order:  # e.g. a tampered hidden field
                listed.append((first, message))
        shown = {m for _, m in listed}
        for err in self.non_field_errors():
            if str(err) not in shown:
                listed.append((first, str(err)))
        return listed
