"""Input fields and query checks that accept exactly what the OpenAPI schema says.

DRF's own fields are lenient where the schema is strict: a ``CharField`` takes ``0`` and
a blank string the schema does not forbid, an ``IntegerField`` takes ``"5"``, and a
query serializer silently drops ``?status=``. Partners' validators read the schema, so
the API accepts what the schema allows and refuses the rest (security finding 16,
issue #11; checked by ``tests/api/test_schemathesis.py``).
"""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from rest_framework import serializers

# A required string: no NUL (the databases refuse it) and at least one character that
# is neither white space nor a control or formatting character (which the actions strip,
# see ``saferleeds.textclean``). The class is spelt out rather than ``\s`` because
# Python's and JSON Schema's (ECMA-262) ``\s`` differ (U+0085 is one only in Python).
VISIBLE = (
    r"[^\x00-\x20\x7f-\xa0\u061c\u1680\u180e\u2000-\u200f\u2028-\u202f"
    r"\u205f-\u206f\u3000\ufeff]"
)
NOT_BLANK = RegexValidator(
    rf"^[^\x00]*{VISIBLE}[^\x00]*$", "This field may not be blank or whitespace."
)
# An optional string may be empty, but still holds no NUL.
NO_NUL = RegexValidator(r"^[^\x00]*$", "Null characters are not allowed.")


class StrictCharField(serializers.CharField):
    """A JSON string only (``0`` or ``true`` is refused, not turned into text).

    Not blank unless ``allow_blank``: at least one character other than whitespace,
    shown in the schema as ``minLength: 1`` and a pattern. The value is kept as sent
    (no trimming), so the length the schema counts is the length checked; the actions
    trim what they store.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        blank = kwargs.get("allow_blank", False)
        if not blank:
            kwargs.setdefault("min_length", 1)
        super().__init__(**kwargs)
        # DRF's own NUL check stays; this one is what the schema shows.
        self.validators.append(NO_NUL if blank else NOT_BLANK)

    def to_internal_value(self, data: Any) -> str:
        """Accept only a real string."""
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only (``"5"``, ``5.0`` and ``true`` are refused) in a body."""

    def to_internal_value(self, data: Any) -> int:
        """Accept only a real integer."""
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class NoEmptyQueryValues(serializers.Serializer[Any]):
    """A query-string serializer that refuses a parameter given with no value, and a
    parameter it does not know.

    DRF treats ``?status=`` as "not given" and ignores ``?stauts=open``; the schema
    says a parameter present has a value and lists every parameter there is, so the
    API says so too (400) rather than answer a question nobody asked.
    """

    def to_internal_value(self, data: Any) -> Any:
        """Refuse unknown parameters and empty values before DRF drops them."""
        if hasattr(data, "getlist"):
            errors = {
                name: ["No such parameter."] for name in data if name not in self.fields
            } | {
                name: ["Give a value, or leave the parameter out."]
                for name in self.fields
                if name in data and any(v == "" for v in data.getlist(name))
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
