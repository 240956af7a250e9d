"""The record registry: every kind of personal-data record, declared once.

Each app declares its record kinds in its own ``records.py`` with :func:`declare`:
the model, the lookup to the agency holding a record, the lookup to the case it
belongs to, the lookup to the person it is about, which roles may open it at all, and
what a pseudonymised actor is never shown of it. Everything else is made from these
declarations, never written again by hand:

- the sharing policy (``partners.policy``): which kinds belong to cases, which roles
  may open a kind, what an agreement may share;
- the one gate (``partners.access.visible_records`` and ``access_record``), through
  which each app's named readers (``notes_visible_to``, ``access_case_note_by_id``...)
  are one line;
- the case page's module sections and the people they name;
- the subject-access bundle (every kind with a subject, read through the gate);
- the access-matrix test's list of kinds.

Adding a record type is one :func:`declare` in the owning app's ``records.py`` plus the
app's own model and pages. ``RecordType.CASE_NOTE`` (upper-cased value) and
``RecordType("case_note")`` name a declared kind; a name nobody declared is an
``AttributeError`` / ``LookupError`` at once, never a silent default.

The module knows no app: kinds name their model by ``"app_label.ModelName"`` and the
registry finds the ``records`` modules of the installed apps itself, the first time it
is asked (as Django's admin finds ``admin`` modules).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["RecordKind", "RecordType", "declare", "kind", "kinds"]


class RecordKind(str):
    """One declared kind of personal-data record. It is its own value (a ``str``), so
    it is stored, compared and logged as the plain value (``"case_note"``).

    Attributes:
        value: The kind's key, stored in agreements and the audit log.
        label: What people call it ("Case note").
        model: ``"app_label.ModelName"`` of the model holding the records.
        holder: Lookup from a record to the id of the agency (or agencies) holding it.
        case_path: Lookup to the case(s) the record belongs to or is on (``"id"`` for
            a case itself): members of those cases see it. ``None``: never on a case.
        case_scoped: Whether agreements share it only in cases of their case types
            (casework records; by default, every kind with a case path).
        subject: Lookup to the person the record is about (``"pk"`` for a person),
            for the audit log's per-person history and subject access; ``None`` when
            no one person is its subject.
        opening_roles: The only roles that may open the kind at all, whatever is
            shared (``None``: every role that may see personal data).
        event_prefix: Dotted prefix of its audit events (``view`` is appended for a
            consultation).
        module: The app that owns it (its label).
        case_section: Key of its section on the case page, for kinds a casework module
            shows there (``None``: not a module section).
        case_type: The case type whose cases hold it, for module sections.
        related: Foreign keys its case-page section shows (read with its records).
        withheld: Fields a pseudonymised actor is never shown (names, free text,
            references), documented for the subject-access and export pages.
        distinct: Whether its visibility filter can repeat a row (a join over a
            many-valued lookup), so the gate must de-duplicate.
    """

    value: str
    label: str
    model: str
    holder: str
    case_path: str | None
    case_scoped: bool
    subject: str | None
    opening_roles: frozenset[str] | None
    event_prefix: str
    module: str
    case_section: str | None
    case_type: str | None
    related: tuple[str, ...]
    withheld: tuple[str, ...]
    distinct: bool

    def __new__(
        cls,
        value: str,
        *,
        label: str,
        model: str,
        holder: str,
        case_path: str | None = None,
        case_scoped: bool | None = None,
        subject: str | None = None,
        opening_roles: frozenset[str] | None = None,
        event_prefix: str | None = None,
        case_section: str | None = None,
        case_type: str | None = None,
        related: tuple[str, ...] = (),
        withheld: tuple[str, ...] = (),
        distinct: bool = True,
    ) -> RecordKind:
        self = super().__new__(cls, value)
        module = model.split(".", 1)[0]
        fields: dict[str, Any] = {
            "value": value,
            "label": label,
            "model": model,
            "holder": holder,
            "case_path": case_path,
            "case_scoped": case_path is not None
            if case_scoped is None
            else case_scoped,
            "subject": subject,
            "opening_roles": opening_roles,
            "event_prefix": event_prefix or f"{module}.{value}",
            "module": module,
            "case_section": case_section,
            "case_type": case_type,
            "related": related,
            "withheld": withheld,
            "distinct": distinct,
        }
        for name, field_value in fields.items():
            object.__setattr__(self, name, field_value)
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a declared record kind does not change")

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (e.g. by a cache or a test runner) as its value, looked up again.
        return (kind, (str(self),))

    @property
    def view_event(self) -> str:
        """The audit event of a consultation of one record of the kind."""
        return f"{self.event_prefix}.view"

    def subject_id(self, obj: Any) -> int | None:
        """The id of the person ``obj`` is about, when one person is (else ``None``)."""
        if self.subject is None or "__" in self.subject:
            return None
        if self.subject == "pk":
            return int(obj.pk)
        value = getattr(obj, f"{self.subject}_id", None)
        return None if value is None else int(value)


_kinds: dict[str, RecordKind] = {}
_discovered = False


def declare(value: str, **attributes: Any) -> RecordKind:
    """Declare a record kind (in an app's ``records.py``); see :class:`RecordKind`.

    Raises:
        ValueError: Another app already declared a kind of this value differently.
    """
    new = RecordKind(value, **attributes)
    held = _kinds.get(value)
    if held is not None and held.model != new.model:
        raise ValueError(f"record kind {value!r} is declared by {held.model} already")
    _kinds[value] = new
    return new


def _discover() -> None:
    """Import the ``records`` module of every installed app, once."""
    global _discovered
    if _discovered:
        return
    # Imported here: the registry is usable (and testable) before Django is set up.
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("records")
    _discovered = True


def kinds() -> tuple[RecordKind, ...]:
    """Every declared kind, in ``INSTALLED_APPS`` order and, within an app, in the
    order it declares them (whichever module happened to be imported first)."""
    _discover()
    from django.apps import apps

    order = {config.label: n for n, config in enumerate(apps.get_app_configs())}
    declared = list(_kinds.values())
    return tuple(
        sorted(
            declared, key=lambda k: (order.get(k.module, len(order)), declared.index(k))
        )
    )


def kind(value: str) -> RecordKind:
    """The declared kind ``value``.

    Raises:
        LookupError: No installed app declares it.
    """
    found = _kinds.get(str(value))
    if found is None:
        _discover()
        found = _kinds.get(str(value))
    if found is None:
        raise LookupError(f"no installed app declares the record kind {value!r}")
    return found


class _Kinds(type):
    """``RecordType.CASE_NOTE``, ``RecordType("case_note")``, ``for k in RecordType``."""

    def __getattr__(cls, name: str) -> RecordKind:
        if not name.isupper():
            raise AttributeError(name)
        try:
            return kind(name.lower())
        except LookupError:
            raise AttributeError(
                f"RecordType has no {name}: no installed app declares {name.lower()!r}"
            ) from None

    def __call__(cls, value: str) -> RecordKind:  # type: ignore[override]
        return kind(value)

    def __iter__(cls) -> Iterator[RecordKind]:
        return iter(kinds())

    def __len__(cls) -> int:
        return len(kinds())

    def __contains__(cls, value: object) -> bool:
        return str(value) in {str(k) for k in kinds()}

    @property
    def choices(cls) -> list[tuple[str, str]]:
        """``(value, label)`` of every declared kind, for forms and serializers."""
        return [(k.value, k.label) for k in kinds()]

    @property
    def values(cls) -> list[str]:
        """Every declared kind's value."""
        return [k.value for k in kinds()]


class RecordType(metaclass=_Kinds):
    """The declared record kinds, read like an enumeration (see the module docstring)."""
