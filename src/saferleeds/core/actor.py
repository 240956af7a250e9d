"""Who is acting, and the two refusals every access rule and action raises.

Kept out of :mod:`saferleeds.partners.policy` (which re-exports them) so the audit log,
which every app writes to, can name the actor without importing any app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class NotFound(Exception):
    """A record is missing or the actor may not see it: the same answer for both.

    Attributes:
        refusal: For a record that exists but was refused, the audit entry's details,
            so an action whose transaction rolls back can log the refusal again.
    """

    refusal: dict[str, object] | None = None


class Forbidden(Exception):
    """The actor may see the record but not do this to it."""


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the access rules and the audit log see them."""

    user_id: int | None
    username: str
    agency_id: int | None
    agency_code: str
    roles: frozenset[str]
    purpose: str = ""
    remote_addr: str = ""
    case_ids: frozenset[int] = field(default_factory=frozenset)
    # Access decided once per actor (one request): record type -> scopes, with the
    # agreements generation they were computed at.
    _scopes: dict[str, tuple[int, dict[int, frozenset[str] | None]]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def has(self, roles: frozenset[Enum]) -> bool:
        """Whether the actor holds any of ``roles``."""
        return bool(self.roles & {str(r) for r in roles})
