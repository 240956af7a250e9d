"""The sharing agreement register and ending an agreement early, through the test client."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saferleeds.audit.models import AuditEntry
from saferleeds.partners.actions import do_create_agreement
from saferleeds.partners.models import Agency, SharingAgreement
from saferleeds.people.present import pseudonym
from tests.web.test_people_pages import build_world, html_of


@pytest.fixture
def world(personas: dict[str, Any]) -> dict[str, Any]:
    w = build_world(personas)
    agencies = {a.code: a for a in Agency.objects.all()}
    today = timezone.localdate()
    common = {
        "purpose": "A stated purpose.",
        "lawful_basis": "Crime and Disorder Act 1998 s115",
        "signed_by": "Signatories by role",
        "signed_on": date(2018, 3, 1),
    }
    w["expired"] = do_create_agreement(
        actor=None,
        reference="fire-2019",
        providers=[agencies["wyfrs"]],
        recipients=[agencies["lcc"]],
        title="Fire home safety referrals",
        record_types=["person", "place"],
        starts_on=date(2019, 4, 1),
        ends_on=date(2023, 3, 31),
        **common,
    )
    w["future"] = do_create_agreement(
        actor=None,
        reference="health-next-year",
        providers=[agencies["ccg"]],
        recipients=[agencies["lcc"], agencies["wyp"]],
        title="Health safeguarding referrals",
        record_types=["person", "case", "case_note"],
        starts_on=today + timedelta(days=30),
        ends_on=today + timedelta(days=400),
        **common,
    )
    return w


@pytest.fixture
def as_user(personas: dict[str, Any], sign_in: Any) -> Any:
    def _as(username: str) -> Client:
        from django.contrib.auth.models import User

        user = personas.get(username) or User.objects.get(username=username)
        return sign_in(Client(), user)

    return _as


def d(day: date) -> dict[str, str]:
    return {
        "ends_on_day": str(day.day),
        "ends_on_month": str(day.month),
        "ends_on_year": str(day.year),
    }


def test_register_lists_agreements_with_status(
    as_user: Any, world: dict[str, Any]
) -> None:
    r = as_user("ed.executive").get("/agreements/")  # readable by every role
    html = html_of(r)
    assert r.status_code == 200
    assert "1 in force, 0 awaiting signatures, 1 not yet in force, 1 expired" in html
    rows = html.split('<tbody class="govuk-table__body">')[1].split("</tbody>")[0]
    titles = [
        "Police to council community safety sharing",
        "Health safeguarding referrals",
        "Fire home safety referrals",
    ]
    assert [rows.index(t) for t in titles] == sorted(rows.index(t) for t in titles)
    assert 'govuk-tag govuk-tag--green">In force<' in html
    assert 'govuk-tag govuk-tag--blue">Not yet in force<' in html
    assert 'govuk-tag govuk-tag--grey">Expired<' in html
    assert "West Yorkshire Police" in rows and "Leeds City Council" in rows
    assert "Person, Incident" in rows and "Person, Case, Case note" in rows
    assert "1 Apr 2019" in rows and "31 Mar 2023" in rows
    assert f'href="/agreements/{world["agreement"].pk}/"' in rows


def test_register_needs_sign_in(client: Client, world: dict[str, Any]) -> None:
    assert client.get("/agreements/").status_code == 302


def test_detail_page(as_user: Any, world: dict[str, Any]) -> None:
    a = world["agreement"]
    carol = as_user("carol.coordinator")
    r = carol.get(f"/agreements/{a.pk}/")
    html = html_of(r)
    assert r.status_code == 200
    for text in [
        a.title,
        a.reference,
        a.purpose,
        a.lawful_basis,
        a.signed_by,
        "1 April 2018",
        "In force",
    ]:
        assert text in html
    assert "End this agreement early" not in html  # practitioners cannot end it
    assert carol.get("/agreements/999999/").status_code == 404
    iris = as_user("iris.ig").get(f"/agreements/{a.pk}/")
    assert f'href="/agreements/{a.pk}/end/"' in html_of(iris)
    # An expired agreement cannot be ended early.
    expired = as_user("iris.ig").get(f"/agreements/{world['expired'].pk}/")
    assert "End this agreement early" not in html_of(expired)


def test_ig_lead_ends_an_agreement_and_sharing_stops(
    as_user: Any, world: dict[str, Any]
) -> None:
    a, alice = world["agreement"], world["alice"]
    aisha = as_user("aisha.analyst")
    alice_url = f"/people/p/{pseudonym(alice.pk)}/"  # analysts address by pseudonym
    assert aisha.get(alice_url).status_code == 200  # shared in today

    iris = as_user("iris.ig")
    form = iris.get(f"/agreements/{a.pk}/end/")
    assert form.status_code == 200
    assert '<input type="hidden" name="version" value="1">' in html_of(form)
    yesterday = timezone.localdate() - timedelta(days=1)
    r = iris.post(f"/agreements/{a.pk}/end/", {**d(yesterday), "version": "1"})
    assert r.status_code == 302 and r["Location"] == f"/agreements/{a.pk}/"
    page = html_of(iris.get(r["Location"]))
    assert "Agreement ended" in page and 'govuk-tag--grey">Expired<' in page
    a.refresh_from_db()
    assert (a.ends_on, a.version) == (yesterday, 2)
    entry = AuditEntry.objects.get(event="partners.agreement.end")
    assert entry.actor_username == "iris.ig" and entry.detail["fields"] == ["ends_on"]

    # Access is decided per request: the analyst no longer sees Alice.
    assert aisha.get(alice_url).status_code == 404


def test_only_a_partys_ig_lead_may_end_an_agreement(
    as_user: Any, world: dict[str, Any]
) -> None:
    """Security finding 2 (issue #11): a system administrator, a practitioner and an
    IG lead of an agency that is not a party cannot end an agreement early."""
    a = world["agreement"]
    url = f"/agreements/{a.pk}/end/"
    for username in ("sam.sysadmin", "carol.coordinator"):
        client = as_user(username)
        assert client.get(url).status_code == 403
        r = client.post(url, {**d(timezone.localdate()), "version": "1"})
        assert r.status_code == 403
    outsider = _ig_lead(as_user, "nps")
    assert outsider.get(url).status_code == 403
    assert (
        outsider.post(url, {**d(timezone.localdate()), "version": "1"}).status_code
        == 403
    )
    a.refresh_from_db()
    assert a.version == 1
    assert as_user("iris.ig").get(url).status_code == 200  # the council is a party


def _ig_lead(as_user: Any, agency_code: str) -> Client:
    """Sign in a second IG lead, at ``agency_code``."""
    from saferleeds.partners.actions import do_ensure_user
    from saferleeds.partners.models import Role

    username = f"ig.{agency_code}"
    do_ensure_user(
        username,
        agency=Agency.objects.get(code=agency_code),
        roles=[Role.IG_LEAD],
        password="not-the-demo-password-1",  # noqa: S106
        actor=None,
    )
    return as_user(username)


def test_end_early_conflict_keeps_the_first_save(
    as_user: Any, world: dict[str, Any]
) -> None:
    a = world["agreement"]
    url = f"/agreements/{a.pk}/end/"
    today = timezone.localdate()
    first = as_user("iris.ig").post(
        url, {**d(today + timedelta(days=10)), "version": "1"}
    )
    assert first.status_code == 302
    second = _ig_lead(as_user, "wyp").post(url, {**d(today), "version": "1"})
    html = html_of(second)
    assert second.status_code == 409
    assert "Someone else changed this agreement" in html
    assert "Nothing was saved" in html
    assert '<input type="hidden" name="version" value="2">' in html
    a.refresh_from_db()
    assert (a.ends_on, a.version) == (today + timedelta(days=10), 2)
    assert AuditEntry.objects.filter(event="partners.agreement.end").count() == 1


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (400, "End date must be before the current end date"),
        (-2, "or later"),
    ],
)
def test_end_date_must_be_earlier_and_not_in_the_past(
    as_user: Any, world: dict[str, Any], days: int, message: str
) -> None:
    a = world["agreement"]
    r = as_user("iris.ig").post(
        f"/agreements/{a.pk}/end/",
        {**d(timezone.localdate() + timedelta(days=days)), "version": "1"},
    )
    html = html_of(r)
    assert r.status_code == 400
    assert "There is a problem" in html and message in html
    assert '<a href="#ends_on-day">' in html
    assert SharingAgreement.objects.get(pk=a.pk).version == 1


def test_end_date_must_be_a_real_date(as_user: Any, world: dict[str, Any]) -> None:
    a = world["agreement"]
    url = f"/agreements/{a.pk}/end/"
    r = as_user("iris.ig").post(
        url,
        {"ends_on_day": "", "ends_on_month": "", "ends_on_year": "", "version": "1"},
    )
    assert r.status_code == 400 and "Enter end date" in html_of(r)
    r = as_user("iris.ig").post(
        url,
        {
            "ends_on_day": "30",
            "ends_on_month": "2",
            "ends_on_year": "2030",
            "version": "1",
        },
    )
    assert r.status_code == 400 and "End date must be a real date" in html_of(r)
