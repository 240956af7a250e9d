"""A person's offences and disposals on their page: only those the viewer's agency
holds or is shared, each logged."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from saferleeds.audit.models import AuditEntry


@pytest.mark.django_db
def test_the_person_page_lists_offences_and_disposals_the_viewer_may_see(
    client: Client, imported: Any, personas: dict[str, Any], sign_in: Any
) -> None:
    person = imported["P001"]
    sign_in(client, personas["pete.practitioner"])  # police: holds the offences
    html = client.get(f"/people/{person.pk}/").content.decode()
    assert "Offence 008/06" in html and "WYP-OF-0002" in html
    assert "Proven 20 May 2018 (non-custodial court sentence)" in html
    assert "Release from custody" not in html  # probation's, not shared
    logged = AuditEntry.objects.filter(
        actor_username="pete.practitioner", record_type="offence"
    )
    assert logged.count() == 3
    client.logout()
    sign_in(client, personas["nadia.probation"])
    html = client.get(f"/people/{person.pk}/").content.decode()
    assert "Release from custody" in html and "Offence 008/06" not in html
