"""What casework provides to the apps it builds on, through :mod:`saferleeds.core.registry`.

Registered by :meth:`SafeguardingConfig.ready`, so ``partners`` (who is on which case)
and ``incidents`` (open a case from a hate report) call casework without importing it.
"""

from __future__ import annotations

from typing import Any

from saferleeds.core import registry
from saferleeds.safeguarding.actions import do_create_case, do_link_person_to_case
from saferleeds.safeguarding.models import CaseMember


def case_ids_of(user: Any) -> list[int]:
    """The ids of the cases ``user`` is a named member of."""
    return list(CaseMember.objects.filter(user=user).values_list("case_id", flat=True))


def register() -> None:
    """Provide casework's hooks."""
    registry.register_case_membership(case_ids_of)
    registry.register(registry.CREATE_CASE, do_create_case)
    registry.register(registry.LINK_PERSON_TO_CASE, do_link_person_to_case)
