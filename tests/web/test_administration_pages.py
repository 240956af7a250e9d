"""The Administration pages and the invitation link (issue #11), through the test client
and, for the whole journey, in headless Chromium with axe-core checks."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from saferleeds.audit.models import AuditEntry
from saferleeds.hate import actions as hate_actions
from saferleeds.partners import accounts
from saferleeds.partners.models import Agency, Membership, Role
from saferleeds.partners.policy import actor_for

ADMIN_PAGES = [
    "/administration/",
    "/administration/users/",
    "/administration/users/invite/",
    "/administration/centres/",
    "/administration/centres/add/",
]
SYSTEM_ADMIN_PAGES = ["/administration/agencies/", "/administration/agencies/add/"]
LINK_RE = re.compile(r'value="(http://testserver/account/invitation/[^"]+/)"')


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username",
    [
        "aisha.analyst",
        "pete.practitioner",
        "iris.ig",
        "ed.executive",
        "fran.agencyadmin",
        "sam.sysadmin",
        "rita.reporter",
    ],
)
def test_only_administrators_reach_the_pages_and_see_the_menu_item(
    personas: dict[str, Any], sign_in: Any, client: Client, username: str
) -> None:
    sign_in(client, personas[username])
    roles = set(personas[username].role_grants.values_list("role", flat=True))
    admin = bool(roles & {Role.AGENCY_ADMIN, Role.SYSTEM_ADMIN})
    system = Role.SYSTEM_ADMIN in roles
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == (200 if admin else 403), url
    for url in SYSTEM_ADMIN_PAGES:
        assert client.get(url).status_code == (200 if system else 403), url
    home = client.get("/overview/").content.decode()
    assert ('href="/administration/"' in home) == admin
    if not admin:
        refused = client.get("/administration/users/").content.decode()
        assert "ask your agency administrator" in refused


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    r = client.get("/administration/users/")
    assert r.status_code == 302 and r["Location"].startswith("/sign-in/")


@pytest.mark.django_db
def test_agency_admin_sees_only_their_agency(
    personas: dict[str, Any], sign_in: Any, client: Client
) -> None:
    sign_in(client, personas["fran.agencyadmin"])
    listing = client.get("/administration/users/").content.decode()
    assert "fran.agencyadmin" in listing and "pete.practitioner" not in listing
    pete = personas["pete.practitioner"]
    for url in (
        f"/administration/users/{pete.pk}/",
        f"/administration/users/{10**9}/",
    ):
        assert client.get(url).status_code == 404, url
    for action in ("deactivate", "reset-two-factor", "unlock", "invitation", "roles"):
        r = client.post(
            f"/administration/users/{pete.pk}/{action}/", {"roles": "analyst"}
        )
        assert r.status_code == 404, action
    assert User.objects.get(pk=pete.pk).is_active
    assert client.get("/administration/users/?agency=wyp").status_code == 404


@pytest.mark.django_db
def test_system_admin_filters_users_by_agency(
    personas: dict[str, Any], sign_in: Any, client: Client
) -> None:
    sign_in(client, personas["sam.sysadmin"])
    everyone = client.get("/administration/users/").content.decode()
    assert "pete.practitioner" in everyone and "fran.agencyadmin" in everyone
    police = client.get("/administration/users/?agency=wyp").content.decode()
    assert "pete.practitioner" in police and "fran.agencyadmin" not in police


@pytest.mark.django_db
def test_invite_form_offers_system_admin_only_to_system_admins(
    personas: dict[str, Any], sign_in: Any, client: Client
) -> None:
    sign_in(client, personas["fran.agencyadmin"])
    page = client.get("/administration/users/invite/").content.decode()
    assert 'value="system_admin"' not in page and 'value="agency_admin"' in page
    forged = client.post(
        "/administration/users/invite/",
        {
            "username": "evil.admin",
            "first_name": "E",
            "last_name": "A",
            "agency": "wyfrs",
            "roles": ["system_admin"],
        },
    )
    assert forged.status_code == 400
    assert not User.objects.filter(username="evil.admin").exists()
    other_agency = client.post(
        "/administration/users/invite/",
        {
            "username": "other.one",
            "first_name": "O",
            "last_name": "O",
            "agency": "wyp",
            "roles": ["practitioner"],
        },
    )
    assert other_agency.status_code == 400
    assert not User.objects.filter(username="other.one").exists()


@pytest.mark.django_db
def test_invite_then_accept_through_the_link(
    personas: dict[str, Any], sign_in: Any, client: Client
) -> None:
    sign_in(client, personas["fran.agencyadmin"])
    empty = client.post("/administration/users/invite/", {})
    assert empty.status_code == 400
    for message in ("Enter a username", "Select at least one role"):
        assert message in empty.content.decode()
    r = client.post(
        "/administration/users/invite/",
        {
            "username": "nell.ward",
            "first_name": "Nell",
            "last_name": "Ward",
            "email": "nell@example.org",
            "job_title": "Watch manager",
            "agency": "wyfrs",
            "roles": ["practitioner"],
        },
    )
    assert r.status_code == 200
    link = LINK_RE.search(r.content.decode()).group(1)  # type: ignore[union-attr]
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in json.dumps(list(AuditEntry.objects.values("detail")))
    nell = User.objects.get(username="nell.ward")
    assert nell.membership.job_title == "Watch manager"

    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200 and "nell.ward" in page.content.decode()
    weak = visitor.post(
        link, {"new_password1": "password", "new_password2": "password"}
    )
    assert weak.status_code == 400 and "too common" in weak.content.decode()
    done = visitor.post(
        link,
        {
            "new_password1": "correct horse battery",
            "new_password2": "correct horse battery",
        },
    )
    assert done.status_code == 302 and done["Location"].startswith(
        "/account/two-factor/set-up/"
    )
    assert Membership.objects.get(user=nell).password_origin == "owner"
    # Signed in with the password; the code step is next for every page.
    assert visitor.get("/overview/")["Location"].startswith("/account/two-factor/")
    # The link is used: the same page as an unknown link.
    for url in (link, "/account/invitation/not-a-real-token/"):
        gone = Client().get(url)
        assert gone.status_code == 404
        assert "This link cannot be used" in gone.content.decode()


@pytest.mark.django_db
def test_user_page_actions(
    personas: dict[str, Any], sign_in: Any, client: Client
) -> None:
    from rest_framework.authtoken.models import Token

    fran = personas["fran.agencyadmin"]
    sign_in(client, fran)
    issued = accounts.do_invite_user(
        "nell.ward",
        agency=Agency.objects.get(code="wyfrs"),
        roles=[Role.PRACTITIONER],
        actor=actor_for(fran),
    )
    uid = issued.user.pk
    Token.objects.create(user=issued.user)
    assert client.get(f"/administration/users/{uid}/").status_code == 200
    r = client.post(f"/administration/users/{uid}/roles/", {"roles": ["analyst"]})
    assert r.status_code == 302
    assert list(issued.user.role_grants.values_list("role", flat=True)) == ["analyst"]
    assert client.post(f"/administration/users/{uid}/roles/", {}).status_code == 400
    r = client.post(f"/administration/users/{uid}/invitation/")
    assert r.status_code == 200 and LINK_RE.search(r.content.decode())
    r = client.post(f"/administration/users/{uid}/deactivate/", follow=True)
    assert "Account deactivated" in r.content.decode()
    assert not Token.objects.filter(user_id=uid).exists()
    assert client.post(f"/administration/users/{uid}/reactivate/").status_code == 302
    assert (
        client.post(f"/administration/users/{uid}/reset-two-factor/").status_code == 302
    )
    assert client.post(f"/administration/users/{uid}/unlock/").status_code == 302
    # Not on yourself.
    assert (
        client.post(f"/administration/users/{fran.pk}/deactivate/").status_code == 403
    )
    assert (
        client.post(
            f"/administration/users/{fran.pk}/roles/", {"roles": ["analyst"]}
        ).status_code
        == 403
    )
    assert User.objects.get(pk=fran.pk).is_active
    # A system administrator's account is not an agency administrator's to change.
    sam = personas["sam.sysadmin"]
    Membership.objects.filter(user=sam).update(agency=fran.membership.agency)
    assert client.get(f"/administration/users/{sam.pk}/").status_code == 403
    assert client.get("/administration/users/").status_code == 200


@pytest.mark.django_db
def test_agency_and_centre_pages(
    personas: dict[str, Any], sign_in: Any, client: Client
) -> None:
    sign_in(client, personas["sam.sysadmin"])
    r = client.post(
        "/administration/agencies/add/",
        {"code": "lsu", "name": "Leeds Students' Union", "kind": "co_operating_body"},
    )
    assert r.status_code == 302
    agency = Agency.objects.get(code="lsu")
    assert client.post("/administration/agencies/add/", {}).status_code == 400
    r = client.post(f"/administration/agencies/{agency.pk}/rename/", {"name": "LUU"})
    assert r.status_code == 302 and Agency.objects.get(pk=agency.pk).name == "LUU"

    fran_client = Client()
    sign_in(fran_client, personas["fran.agencyadmin"])
    r = fran_client.post(
        "/administration/centres/add/", {"name": "Station Hub", "agency": "wyfrs"}
    )
    assert r.status_code == 302
    from saferleeds.hate.models import ReportingCentre

    centre = ReportingCentre.objects.get(name="Station Hub")
    assert fran_client.get(r["Location"]).status_code == 200
    invite = fran_client.post(
        f"/administration/centres/{centre.pk}/staff/invite/",
        {"username": "tom.hub", "first_name": "Tom", "last_name": "Hub"},
    )
    assert invite.status_code == 200 and LINK_RE.search(invite.content.decode())
    assert User.objects.get(username="tom.hub").reporting_centre_staff.centre == centre
    r = fran_client.post(f"/administration/centres/{centre.pk}/deactivate/")
    assert r.status_code == 302 and not ReportingCentre.objects.get(pk=centre.pk).active
    # The council's centre is another agency's: 404 for the fire service's admin.
    council = hate_actions.do_add_reporting_centre(
        "Council Hub", agency=Agency.objects.get(code="lcc"), actor=None
    )
    assert fran_client.get(f"/administration/centres/{council.pk}/").status_code == 404
    assert (
        fran_client.post(
            f"/administration/centres/{council.pk}/deactivate/"
        ).status_code
        == 404
    )
    listing = fran_client.get("/administration/centres/").content.decode()
    assert "Station Hub" in listing and "Council Hub" not in listing


@pytest.mark.django_db
def test_change_own_password_sets_owner_origin(
    personas: dict[str, Any], sign_in: Any, client: Client
) -> None:
    from saferleeds.demo.personas import DEMO_PASSWORD

    pete = personas["pete.practitioner"]
    sign_in(client, pete)
    bad = client.post(
        "/account/password/",
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )
    assert bad.status_code == 400
    r = client.post(
        "/account/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "a fresh pass phrase",
            "new_password2": "a fresh pass phrase",
        },
    )
    assert r.status_code == 200 and "Password changed" in r.content.decode()
    assert Membership.objects.get(user=pete).password_origin == "owner"
    assert client.get("/overview/").status_code == 200  # still signed in


# --- The journey in a browser ----------------------------------------------------------


@pytest.mark.browser
def test_browser_agency_admin_invites_a_practitioner_then_deactivates_them(
    live_server: Any, page: Any, browser: Any, personas: dict[str, Any]
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.web.axe import assert_accessible
    from tests.web.conftest import browser_sign_in, screenshot, totp_code

    base = live_server.url

    def check(pg: Any, name: str) -> None:
        assert_accessible(pg)
        screenshot(pg, f"administration-{name}")

    browser_sign_in(page, base, personas["fran.agencyadmin"])
    page.get_by_role("link", name="Administration").click()
    page.wait_for_url(f"{base}/administration/")
    check(page, "index")
    page.get_by_role("link", name="Users", exact=True).first.click()
    page.wait_for_url(f"{base}/administration/users/")
    check(page, "users")
    page.get_by_role("button", name="Invite a user").click()
    page.wait_for_url(f"{base}/administration/users/invite/")
    check(page, "invite")
    page.get_by_role("button", name="Create invitation link").click()  # empty: errors
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    page.problems.clear()  # the 400 of the refused form is expected
    check(page, "invite-errors")
    page.get_by_label("Username").fill("nell.ward")
    page.get_by_label("First name").fill("Nell")
    page.get_by_label("Last name").fill("Ward")
    page.get_by_label("Job title (optional)").fill("Community safety officer")
    page.get_by_label("Practitioner").check()
    page.get_by_role("button", name="Create invitation link").click()
    page.get_by_role("heading", name="Account created").wait_for()
    check(page, "invitation-issued")
    link = page.get_by_test_id("invitation-link").input_value()
    assert link.startswith(f"{base}/account/invitation/")

    # The invited person, in a browser of their own.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    theirs = context.new_page()
    try:
        theirs.goto(link)
        assert theirs.get_by_test_id("invited-username").inner_text() == "nell.ward"
        check(theirs, "invitation")
        theirs.get_by_label("Password", exact=True).fill("correct horse battery")
        theirs.get_by_label("Enter the password again").fill("correct horse battery")
        theirs.get_by_role("button", name="Save password and continue").click()
        theirs.wait_for_url("**/account/two-factor/set-up/**")
        check(theirs, "two-factor-set-up")
        nell = User.objects.get(username="nell.ward")
        device = TOTPDevice.objects.get(user=nell, confirmed=False)
        theirs.get_by_label("Enter the 6-digit code from your authenticator app").fill(
            totp_code(device)
        )
        theirs.get_by_role("button", name="Continue").click()
        theirs.wait_for_url(f"{base}/cases/")  # a practitioner's home
        assert theirs.get_by_text("Signed in as Nell Ward").is_visible()
        screenshot(theirs, "administration-invited-signed-in")
        # The link is used up.
        theirs.goto(link)
        assert theirs.get_by_role(
            "heading", name="This link cannot be used"
        ).is_visible()

        # The administrator deactivates the account...
        page.get_by_role("link", name="Go to Nell Ward's account").click()
        check(page, "user")
        page.get_by_role("button", name="Deactivate account").click()
        page.get_by_text("Account deactivated").wait_for()
        assert page.get_by_test_id("status").inner_text() == "Deactivated"
        check(page, "user-deactivated")
        # ... which ends the session they had, and refuses their password.
        theirs.goto(f"{base}/overview/")
        theirs.wait_for_url("**/sign-in/**")
        theirs.get_by_label("Username").fill("nell.ward")
        theirs.get_by_label("Password").fill("correct horse battery")
        theirs.get_by_role("button", name="Sign in").click()
        assert theirs.get_by_text("Enter a correct username and password").is_visible()
        screenshot(theirs, "administration-deactivated-sign-in")
    finally:
        context.close()
    assert not [p for p in page.problems if not p.startswith("console: Failed to load")]


@pytest.mark.browser
def test_browser_system_admin_pages_are_accessible(
    live_server: Any, page: Any, personas: dict[str, Any]
) -> None:
    from saferleeds.hate.models import ReportingCentre
    from tests.web.axe import assert_accessible
    from tests.web.conftest import browser_sign_in, screenshot

    centre = ReportingCentre.objects.create(
        name="City One Stop", agency=Agency.objects.get(code="lcc")
    )
    base = live_server.url
    browser_sign_in(page, base, personas["sam.sysadmin"])
    pete = personas["pete.practitioner"]
    for name, path in (
        ("agencies", "/administration/agencies/"),
        ("agency-add", "/administration/agencies/add/"),
        (
            "agency-rename",
            f"/administration/agencies/{pete.membership.agency_id}/rename/",
        ),
        ("centres", "/administration/centres/"),
        ("centre-add", "/administration/centres/add/"),
        ("centre", f"/administration/centres/{centre.pk}/"),
        ("centre-invite", f"/administration/centres/{centre.pk}/staff/invite/"),
        ("sysadmin-user", f"/administration/users/{pete.pk}/"),
        ("password-change", "/account/password/"),
    ):
        page.goto(f"{base}{path}")
        assert_accessible(page)
        screenshot(page, f"administration-{name}")
    assert not page.problems, page.problems
