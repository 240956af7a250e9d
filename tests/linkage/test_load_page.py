"""The extract upload page (/linkage/load/): a data-quality lead loads a partner's
extract in the browser; bad input is named by line and column and keeps nothing;
roles that do not keep records of people get a 403 (issue #13)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from saferleeds.audit.models import AuditEntry
from saferleeds.linkage.models import AgencyRecord

GOOD = (
    "person_id,given,family,born,pc\n"
    "A-1,Amelia,Hartley,1984-03-07,LS6 2QT\n"
    "A-2,Oliver,Jones,07/03/1990,LS7 4DE\n"
)
MAPPING = {"map_forename": "given", "map_surname": "family", "map_dob": "born",
           "map_postcode": "pc"}  # fmt: skip


@pytest.fixture
def client_for(sign_in: Any, personas: dict[str, Any]) -> Any:
    def make(username: str) -> Client:
        return sign_in(Client(), personas[username])  # type: ignore[no-any-return]

    return make


def _post(client: Client, content: bytes, **fields: str) -> Any:
    data = {"id_column": "person_id", **MAPPING, **fields}
    upload = SimpleUploadedFile("extract.csv", content, content_type="text/csv")
    return client.post("/linkage/load/", {**data, "file": upload})


@pytest.mark.django_db
def test_a_practitioner_loads_an_extract(client_for: Any, personas: Any) -> None:
    client = client_for("pete.practitioner")
    page = client.get("/linkage/load/")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    done = _post(client, GOOD.encode(), batch="March extract")
    assert done.status_code == 200, done.content.decode()[:2000]
    html = done.content.decode()
    assert 'data-testid="loaded"' in html and 'href="/linkage/review/"' in html
    agency = personas["pete.practitioner"].membership.agency
    held = AgencyRecord.objects.filter(agency=agency)
    assert sorted(held.values_list("reference", flat=True)) == ["A-1", "A-2"]
    assert set(held.values_list("batch", flat=True)) == {"March extract"}
    logged = AuditEntry.objects.filter(
        event="linkage.agency_record.receive", operation="collection"
    )
    assert sorted(int(e.record_id) for e in logged) == sorted(h.pk for h in held)
    assert all(e.actor_id == personas["pete.practitioner"].pk for e in logged)
    again = _post(client, GOOD.encode())
    assert again.status_code == 200
    assert '<dd class="govuk-summary-list__value" data-testid="unchanged">2</dd>' in (
        again.content.decode()
    )
    assert held.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "fields", "message", "anchor"),
    [
        (b"", {}, "extract.csv: the file is empty (no header line)", "id_file"),
        (
            GOOD.replace("07/03/1990", "7th March").encode(),
            {},
            "extract.csv:3: born: &#x27;7th March&#x27; is not a date",
            "id_file",
        ),
        (GOOD.encode(), {"map_postcode": "postcode"}, "extract.csv:1: postcode: no such column", "id_map_postcode"),
        ("person_id,given\nA-1,Zoë\n".encode("latin-1"), {"map_surname": "", "map_dob": "", "map_postcode": ""}, "extract.csv:2: given: not UTF-8 text", "id_file"),
        (GOOD.encode(), {"map_forename": "", "map_surname": "", "map_dob": "", "map_postcode": ""}, "Enter the column of at least one field", "id_map_forename"),
    ],
)  # fmt: skip
def test_bad_input_keeps_nothing(
    client_for: Any, content: bytes, fields: dict[str, str], message: str, anchor: str
) -> None:
    client = client_for("pete.practitioner")
    answer = _post(client, content, **fields)
    assert answer.status_code == 400
    html = answer.content.decode()
    assert message in html, html[:3000]
    assert f'href="#{anchor}"' in html
    assert not AgencyRecord.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username", ["aisha.analyst", "ed.executive", "fran.agencyadmin", "sam.sysadmin"]
)
def test_roles_that_keep_no_records_are_refused(client_for: Any, username: str) -> None:
    client = client_for(username)
    assert client.get("/linkage/load/").status_code == 403
    assert _post(client, GOOD.encode()).status_code == 403
    assert not AgencyRecord.objects.exists()
