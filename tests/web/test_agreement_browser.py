"""Two agencies' signatories sign a sharing agreement in headless Chromium, and only then
does sharing start (issue #11, finding 2). Screenshots: test-artifacts/agreement-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from saferleeds.partners.actions import do_ensure_user
from saferleeds.partners.models import Agency, Role, SharingAgreement
from saferleeds.partners.policy import actor_for
from saferleeds.people.actions import do_create_person
from tests.web.axe import assert_accessible
from tests.web.conftest import screenshot
from tests.web.test_workspace_browser import sign_in

pytestmark = pytest.mark.browser


def check(page: Any, name: str) -> None:
    assert_accessible(page)
    screenshot(page, f"agreement-{name}")


def _switch_user(page: Any, base: str, user: User) -> None:
    page.context.clear_cookies()
    sign_in(page, base, user)


def test_two_signatories_sign_and_only_then_sharing_starts(
    live_server: Any, page: Any, personas: dict[str, Any]
) -> None:
    """Security finding 2 (issue #11): the council's IG lead drafts and signs; nothing
    is shared until the police's IG lead signs too."""
    from saferleeds.demo.personas import DEMO_PASSWORD

    base = live_server.url
    page.set_default_timeout(10_000)
    police_ig = do_ensure_user(
        "wendy.policeig",
        agency=Agency.objects.get(code="wyp"),
        roles=[Role.IG_LEAD],
        password=DEMO_PASSWORD,
        first_name="Wendy",
        last_name="Wright",
        actor=None,
    )
    do_create_person(
        actor=actor_for(personas["pete.practitioner"]),
        reference="WY-SIGN-1",
        given_name="Sharon",
        family_name="Signwell",
    )
    carol = personas["carol.coordinator"]  # a council coordinator

    def carol_finds_sharon() -> bool:
        _switch_user(page, base, carol)
        page.goto(f"{base}/people/?name=Signwell")
        return page.get_by_text("Signwell").count() > 0

    assert not carol_finds_sharon()

    # The council's IG lead drafts the agreement.
    _switch_user(page, base, personas["iris.ig"])
    page.goto(f"{base}/agreements/")
    page.get_by_role("button", name="Draft a new agreement").click()
    page.wait_for_url(f"{base}/agreements/draft/")
    check(page, "draft-empty")
    page.get_by_label("Title").fill("Police to council: people for community safety")
    page.get_by_label("Purpose").fill("Community safety casework in Leeds.")
    page.get_by_label("Lawful basis").fill("Crime and Disorder Act 1998 s115")
    page.locator("#id_providers-wyp").check()
    page.locator("#id_recipients").check()  # the first agency: Leeds City Council
    page.get_by_role("group", name="Kinds of record shared").get_by_label(
        "Person", exact=True
    ).check()
    today = timezone.localdate()
    for prefix, day in (
        ("starts_on", today),
        ("ends_on", today.replace(year=today.year + 2)),
    ):
        group = page.locator(f"#{prefix}-day").locator("xpath=ancestor::fieldset")
        group.get_by_label("Day").fill(str(day.day))
        group.get_by_label("Month").fill(str(day.month))
        group.get_by_label("Year").fill(str(day.year))
    page.get_by_role("button", name="Save draft for signature").click()
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1].isdigit())
    assert page.get_by_text("Awaiting signatures").first.is_visible()
    check(page, "draft-saved")
    agreement = SharingAgreement.objects.get(
        title="Police to council: people for community safety"
    )
    assert agreement.providers.get().code == "wyp"

    page.get_by_role("button", name="Sign for your agency").click()
    page.wait_for_url(f"{base}/agreements/{agreement.pk}/sign/")
    check(page, "sign")
    page.get_by_role("button", name="Sign for your agency").click()
    page.wait_for_url(f"{base}/agreements/{agreement.pk}/")
    assert page.get_by_text("Still to sign: West Yorkshire Police").is_visible()
    check(page, "signed-once")

    assert not carol_finds_sharon()  # one signature is not enough

    # The police's IG lead sees it waiting and signs.
    _switch_user(page, base, police_ig)
    page.goto(f"{base}/agreements/")
    assert page.get_by_test_id("to-sign").is_visible()
    page.get_by_test_id("to-sign").get_by_role("link").click()
    page.get_by_role("button", name="Sign for your agency").click()
    page.wait_for_url(f"{base}/agreements/{agreement.pk}/sign/")
    page.get_by_role("button", name="Sign for your agency").click()
    page.wait_for_url(f"{base}/agreements/{agreement.pk}/")
    assert page.get_by_text("Every party has now signed").is_visible()
    check(page, "in-force")

    assert carol_finds_sharon()
