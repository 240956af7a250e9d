"""Sharing agreements as each party's controller signs them (issue #11, findings 2 and 4).

An agreement binds only when every party's information-governance lead has signed it;
only a party's IG lead drafts, signs, amends, withdraws or ends one; signed terms never
change in place; and an agreement shares case records only in cases of its case types.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from saferleeds.audit.models import AuditEntry
from saferleeds.locking import Conflict
from saferleeds.partners.actions import (
    do_create_agreement,
    do_draft_agreement,
    do_end_agreement,
    do_ensure_user,
    do_sign_agreement,
    do_update_agreement,
    do_withdraw_agreement,
)
from saferleeds.partners.models import Agency, Role, SharingAgreement
from saferleeds.partners.policy import Actor, Forbidden, actor_for, agreements_in_force
from saferleeds.people.access import people_visible_to
from saferleeds.people.actions import do_create_person
from saferleeds.safeguarding.access.cases import (
    cases_visible_to,
    notes_visible_to,
)
from saferleeds.safeguarding.actions import do_add_case_note, do_create_case

AGENCIES = ("lcc", "wyp", "wyfrs", "nps", "ccg")


@pytest.fixture
def cast(personas: dict[str, Any]) -> dict[str, Actor]:
    """A practitioner and an IG lead at every agency, plus the demo's other roles."""
    agencies = {a.code: a for a in Agency.objects.all()}
    actors: dict[str, Actor] = {}
    for code in AGENCIES:
        for role in (Role.PRACTITIONER, Role.IG_LEAD):
            username = f"{role.value}.{code}"
            user = do_ensure_user(
                username,
                agency=agencies[code],
                roles=[role],
                password=None,
                actor=None,
            )
            actors[username] = actor_for(user)
    for username in ("sam.sysadmin", "fran.agencyadmin", "ed.executive"):
        actors[username] = actor_for(User.objects.get(username=username))
    return actors


def _agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


def _draft(actor: Actor, **overrides: Any) -> SharingAgreement:
    today = timezone.localdate()
    terms: dict[str, Any] = {
        "providers": [_agency("wyp")],
        "recipients": [_agency("lcc")],
        "title": "Police to council: people",
        "purpose": "Community safety.",
        "lawful_basis": "Crime and Disorder Act 1998 s115",
        "record_types": ["person"],
        "case_types": [],
        "starts_on": today,
        "ends_on": today + timedelta(days=365),
    }
    terms.update(overrides)
    return do_draft_agreement(actor=actor, **terms)


def _police_person(cast: dict[str, Actor]) -> int:
    return do_create_person(
        actor=cast["practitioner.wyp"],
        reference="WY1",
        given_name="Pat",
        family_name="Police",
    ).pk


def _sees_person(actor: Actor, person_id: int) -> bool:
    return people_visible_to(actor).filter(pk=person_id).exists()


def test_sharing_starts_only_when_every_party_has_signed(
    cast: dict[str, Actor],
) -> None:
    """Security finding 2 (issue #11): an agreement binds only when every party has
    signed it."""
    person = _police_person(cast)
    council = cast["practitioner.lcc"]
    agreement = _draft(cast["ig_lead.lcc"])
    assert not _sees_person(council, person)
    assert agreement not in agreements_in_force()

    signed = do_sign_agreement(
        agreement.pk, actor=cast["ig_lead.lcc"], expected_version=1
    )
    assert not signed.fully_signed()
    assert not _sees_person(council, person)  # the police have not signed yet

    with pytest.raises(Forbidden, match="already signed"):
        do_sign_agreement(agreement.pk, actor=cast["ig_lead.lcc"], expected_version=1)

    signed = do_sign_agreement(
        agreement.pk, actor=cast["ig_lead.wyp"], expected_version=1
    )
    assert signed.fully_signed()
    assert _sees_person(council, person)
    events = list(
        AuditEntry.objects.filter(record_type="agreement", record_id=agreement.pk)
        .order_by("pk")
        .values_list("event", "actor_username")
    )
    assert events == [
        ("partners.agreement.draft", "ig_lead.lcc"),
        ("partners.agreement.sign", "ig_lead.lcc"),
        ("partners.agreement.sign", "ig_lead.wyp"),
    ]


# Who may do what to an agreement: only an IG lead of a party. Written out here
# independently of the actions' code.
def _allowed(username: str, party: bool) -> bool:
    return username.startswith("ig_lead.") and party


OPERATIONS: dict[str, Callable[[SharingAgreement, Actor], object]] = {
    "sign": lambda a, actor: do_sign_agreement(
        a.pk, actor=actor, expected_version=a.version
    ),
    "update draft": lambda a, actor: do_update_agreement(
        a.pk, actor=actor, expected_version=a.version, changes={"title": "Renamed"}
    ),
    "withdraw": lambda a, actor: do_withdraw_agreement(
        a.pk, actor=actor, expected_version=a.version
    ),
}


@pytest.mark.parametrize("operation", [*OPERATIONS, "end", "extend", "draft"])
def test_agreement_changes_by_every_role_party_or_not(
    cast: dict[str, Actor], operation: str
) -> None:
    """Security finding 2 (issue #11): every role x party / not party x change. Only a
    party's IG lead changes an agreement; system administrators never do."""
    today = timezone.localdate()
    for username, actor in cast.items():
        party = actor.agency_code in {"wyp", "lcc"}
        if operation == "draft":
            attempt: Callable[[], object] = lambda actor=actor: _draft(actor)  # noqa: E731
        elif operation in {"end", "extend"}:
            agreement = do_create_agreement(
                actor=None,
                reference=f"signed-{operation}-{username}",
                providers=[_agency("wyp")],
                recipients=[_agency("lcc")],
                title="Signed",
                purpose="p",
                lawful_basis="b",
                record_types=["person"],
                starts_on=today - timedelta(days=10),
                ends_on=today + timedelta(days=10),
            )
            new_end = today + (
                timedelta(days=5) if operation == "end" else timedelta(days=50)
            )

            def attempt(
                a: SharingAgreement = agreement,
                actor: Actor = actor,
                new_end: date = new_end,
            ) -> object:
                return do_end_agreement(
                    a.pk, actor=actor, expected_version=a.version, ends_on=new_end
                )
        else:
            agreement = _draft(cast["ig_lead.wyp"])

            def attempt(
                a: SharingAgreement = agreement, actor: Actor = actor
            ) -> object:
                return OPERATIONS[operation](a, actor)

        if operation == "extend":
            # Nobody extends a signed agreement alone: it is an amendment.
            expected_error: type[Exception] = (
                ValueError if _allowed(username, party) else Forbidden
            )
            with pytest.raises(expected_error):
                attempt()
        elif _allowed(username, party):
            attempt()
        else:
            with pytest.raises(Forbidden):
                attempt()


def test_reopening_an_ended_agreement_of_other_agencies_is_refused(
    cast: dict[str, Actor],
) -> None:
    """Security finding 2 (issue #11): the council's IG lead reopened the fire
    service's ended agreement with a later ``ends_on``; now refused, and the fire
    service's people stay hidden from the council."""
    today = timezone.localdate()
    fire = do_create_agreement(
        actor=None,
        reference="fire",
        providers=[_agency("wyfrs")],
        recipients=[_agency("nps")],
        title="Fire to probation (ended)",
        purpose="p",
        lawful_basis="b",
        record_types=["person"],
        starts_on=date(2019, 4, 1),
        ends_on=date(2023, 3, 31),
    )
    for username in ("ig_lead.lcc", "sam.sysadmin"):
        with pytest.raises(Forbidden):
            do_update_agreement(
                fire.pk,
                actor=cast[username],
                expected_version=1,
                changes={"ends_on": today + timedelta(days=365)},
            )
    # Even a party cannot reopen it alone: that is a new agreement both sign.
    with pytest.raises(ValueError, match="amendment"):
        do_update_agreement(
            fire.pk,
            actor=cast["ig_lead.wyfrs"],
            expected_version=1,
            changes={"ends_on": today + timedelta(days=365)},
        )
    fire.refresh_from_db()
    assert fire.ends_on == date(2023, 3, 31) and fire.version == 1


def test_emptying_a_signed_agreements_record_types_is_refused(
    cast: dict[str, Actor],
) -> None:
    """Security finding 2 (issue #11): the IOM agreement's record types could be
    emptied, silently ending sharing; signed terms now never change in place."""
    iom = do_create_agreement(
        actor=None,
        reference="iom",
        providers=[_agency("wyp"), _agency("nps")],
        recipients=[_agency("wyp"), _agency("nps")],
        title="IOM",
        purpose="p",
        lawful_basis="b",
        record_types=["person", "incident"],
        starts_on=date(2018, 4, 1),
        ends_on=timezone.localdate() + timedelta(days=365),
    )
    person = _police_person(cast)
    for username in ("ig_lead.lcc", "sam.sysadmin", "ig_lead.wyp"):
        with pytest.raises((Forbidden, ValueError)):
            do_update_agreement(
                iom.pk,
                actor=cast[username],
                expected_version=1,
                changes={"record_types": []},
            )
    assert _sees_person(cast["practitioner.nps"], person)


def test_changing_a_draft_voids_the_signatures_given(cast: dict[str, Actor]) -> None:
    """Security finding 2 (issue #11): changing what an agency provides needs that
    agency's signature again: a changed draft is signed afresh by every party."""
    agreement = _draft(cast["ig_lead.wyp"])
    do_sign_agreement(agreement.pk, actor=cast["ig_lead.wyp"], expected_version=1)
    changed = do_update_agreement(
        agreement.pk,
        actor=cast["ig_lead.lcc"],
        expected_version=1,
        changes={"record_types": ["person", "incident"]},
    )
    assert changed.version == 2 and changed.signatures.count() == 0
    # The police read version 1; signing it now would sign terms they did not read.
    with pytest.raises(Conflict):
        do_sign_agreement(agreement.pk, actor=cast["ig_lead.lcc"], expected_version=1)
    do_sign_agreement(agreement.pk, actor=cast["ig_lead.lcc"], expected_version=2)
    do_sign_agreement(agreement.pk, actor=cast["ig_lead.wyp"], expected_version=2)
    assert SharingAgreement.objects.get(pk=agreement.pk).fully_signed()


def test_an_amendment_replaces_the_agreement_once_signed(
    cast: dict[str, Actor],
) -> None:
    """Security finding 2 (issue #11): signed terms are amended by a new agreement
    every party signs; until then the old one stays in force unchanged."""
    today = timezone.localdate()
    old = do_create_agreement(
        actor=None,
        reference="old",
        providers=[_agency("wyp")],
        recipients=[_agency("lcc")],
        title="Old",
        purpose="p",
        lawful_basis="b",
        record_types=["person"],
        starts_on=today - timedelta(days=100),
        ends_on=today + timedelta(days=100),
    )
    new = _draft(
        cast["ig_lead.lcc"],
        supersedes=old,
        record_types=["person", "incident"],
        starts_on=today + timedelta(days=7),
        ends_on=today + timedelta(days=700),
    )
    do_sign_agreement(new.pk, actor=cast["ig_lead.lcc"], expected_version=1)
    old.refresh_from_db()
    assert old.ends_on == today + timedelta(days=100)  # not yet: police to sign
    do_sign_agreement(new.pk, actor=cast["ig_lead.wyp"], expected_version=1)
    old.refresh_from_db()
    assert old.ends_on == today + timedelta(days=6)
    assert AuditEntry.objects.filter(
        event="partners.agreement.superseded", record_id=old.pk
    ).exists()


def test_a_withdrawn_draft_never_binds(cast: dict[str, Actor]) -> None:
    agreement = _draft(cast["ig_lead.wyp"])
    do_sign_agreement(agreement.pk, actor=cast["ig_lead.wyp"], expected_version=1)
    do_withdraw_agreement(agreement.pk, actor=cast["ig_lead.lcc"], expected_version=1)
    with pytest.raises(Forbidden, match="withdrawn"):
        do_sign_agreement(agreement.pk, actor=cast["ig_lead.lcc"], expected_version=2)
    assert agreement not in agreements_in_force()


def test_draft_needs_the_drafters_agency_as_a_party(cast: dict[str, Actor]) -> None:
    with pytest.raises(Forbidden, match="not a party"):
        _draft(cast["ig_lead.nps"])


def test_agreements_share_case_records_only_in_their_case_types(
    cast: dict[str, Actor],
) -> None:
    """Security finding 4 (issue #11): the MARAC agreement shared every case type with
    its notes; probation read hate, ASB and modern-slavery cases and the council's
    notes on a general case. Now only MARAC cases are shared under it."""
    parties = [_agency("lcc"), _agency("nps")]
    do_create_agreement(
        actor=None,
        reference="marac",
        providers=parties,
        recipients=parties,
        title="MARAC",
        purpose="Safeguarding adult victims of domestic abuse at high risk (MARAC).",
        lawful_basis="b",
        record_types=["case", "case_note"],
        case_types=["marac"],
        starts_on=date(2018, 4, 1),
        ends_on=timezone.localdate() + timedelta(days=365),
    )
    council = cast["practitioner.lcc"]
    cases = {
        kind: do_create_case(actor=council, case_type=kind, title=f"A {kind} case")
        for kind in ("marac", "hate", "asb", "modern_slavery", "general")
    }
    notes = {
        kind: do_add_case_note(case.pk, actor=council, kind="fact", text="A note")
        for kind, case in cases.items()
    }
    probation = cast["practitioner.nps"]
    seen_cases = set(cases_visible_to(probation).values_list("pk", flat=True))
    seen_notes = set(notes_visible_to(probation).values_list("pk", flat=True))
    assert seen_cases == {cases["marac"].pk}
    assert seen_notes == {notes["marac"].pk}
    # The council still sees all its own cases.
    assert set(cases_visible_to(council).values_list("pk", flat=True)) == {
        c.pk for c in cases.values()
    }


def test_agreement_endpoints_by_every_persona_party_or_not(
    personas: dict[str, Any], sign_in: Any
) -> None:
    """Security finding 2 (issue #11), through the API and the pages: every demo
    persona x an agreement their agency is / is not party to x sign, change, end. Only
    a party's IG lead (iris.ig, at the council) succeeds; sysadmins get 403 too."""
    from django.test import Client

    from tests.api.test_api import client_for

    today = timezone.localdate()
    for party_codes in (("lcc", "wyp"), ("wyfrs", "nps")):
        for username, user in personas.items():
            actor = actor_for(user)
            party = actor.agency_code in party_codes
            allowed = Role.IG_LEAD.value in actor.roles and party
            providers = [_agency(party_codes[1])]
            recipients = [_agency(party_codes[0])]
            draft = do_create_agreement(
                actor=None,
                reference=f"draft-{username}-{party_codes[0]}",
                providers=providers,
                recipients=recipients,
                title="Draft",
                purpose="p",
                lawful_basis="b",
                record_types=["person"],
                starts_on=today,
                ends_on=today + timedelta(days=30),
                signed_by_parties=[],
            )
            signed = do_create_agreement(
                actor=None,
                reference=f"signed-{username}-{party_codes[0]}",
                providers=providers,
                recipients=recipients,
                title="Signed",
                purpose="p",
                lawful_basis="b",
                record_types=["person"],
                starts_on=today - timedelta(days=5),
                ends_on=today + timedelta(days=30),
            )
            api = client_for(user)
            sign = api.post(
                f"/api/v1/agreements/{draft.pk}/sign/", {"version": 1}, format="json"
            )
            assert sign.status_code == (200 if allowed else 403), (username, party)
            end = api.patch(
                f"/api/v1/agreements/{signed.pk}/",
                {"ends_on": today.isoformat(), "version": 1},
                format="json",
            )
            assert end.status_code == (200 if allowed else 403), (username, party)
            widen = api.patch(
                f"/api/v1/agreements/{signed.pk}/",
                {
                    "record_types": ["person", "incident"],
                    "version": end.json().get("version", 1),
                },
                format="json",
            )
            assert widen.status_code == (400 if allowed else 403), (username, party)
            page = sign_in(Client(), user)
            for path in (
                f"/agreements/{signed.pk}/end/",
                f"/agreements/{signed.pk}/amend/",
                f"/agreements/{draft.pk}/withdraw/",
            ):
                expected = 200 if allowed else 403
                assert page.get(path).status_code == expected, (username, path)
            shown = page.get(f"/agreements/{signed.pk}/").content.decode()
            assert ("End this agreement early" in shown) == allowed, username
