"""The public hate report form: open without sign-in, validated on the server, CSRF
protected, a honeypot for bots, limited per client address, audited on receipt, and
usable and accessible in Chromium."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.hate.forms import HateReportForm
from saferleeds.hate.models import HATE_REFERENCE_ALPHABET, HateReport
from tests.web.axe import assert_accessible
from tests.web.conftest import screenshot

URL = "/report/hate/"
SENT_URL = "/report/hate/sent/"
REFERENCE_RE = re.compile(
    rf"^HR-[{HATE_REFERENCE_ALPHABET}]{{4}}-[{HATE_REFERENCE_ALPHABET}]{{4}}$"
)


@pytest.fixture(autouse=True)
def _fresh_rate_limit(db: None) -> None:
    """The limit is counted in Django's cache (a database table, which outlives a
    test): start empty."""
    cache.clear()


def valid(**changes: Any) -> dict[str, Any]:
    """A complete anonymous report, with ``changes`` applied (None removes a field)."""
    yesterday = timezone.localdate() - timedelta(days=1)
    data: dict[str, Any] = {
        "what_happened": "Two men shouted abuse about my wheelchair at the bus stop.",
        "occurred_on_day": str(yesterday.day),
        "occurred_on_month": str(yesterday.month),
        "occurred_on_year": str(yesterday.year),
        "occurred_time": "17:45",
        "location": "Bus stop on Boar Lane",
        "postcode": "ls1 6hw",
        "strands": ["disability"],
        "strand_other": "",
        "perceived_by": "victim",
        "reporter_is_victim": "yes",
        "reported_via": "online",
        "anonymous": "yes",
        "contact_preference": "",
        "contact_name": "",
        "contact_email": "",
        "contact_phone": "",
        "safe_times": "",
        "website": "",
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def post(client: Client, data: dict[str, Any], addr: str = "203.0.113.7") -> Any:
    return client.post(URL, data, REMOTE_ADDR=addr)


def errors_of(response: Any) -> str:
    return response.content.decode()


# --- Open to the public ------------------------------------------------------------------


def test_form_opens_without_sign_in(client: Client, db: None) -> None:
    r = client.get(URL)
    html = r.content.decode()
    assert r.status_code == 200
    assert '<h1 class="govuk-heading-l">Report a hate incident or crime</h1>' in html
    assert 'name="csrfmiddlewaretoken"' in html
    for strand in (
        "disability",
        "race",
        "religion",
        "sexual_orientation",
        "transgender",
    ):
        assert f'value="{strand}"' in html
    assert "Signed in as" not in html
    assert "no-store" in r["Cache-Control"]


def test_a_valid_anonymous_report_is_stored_with_a_reference_and_audited(
    client: Client, db: None
) -> None:
    r = post(client, valid(strands=["disability", "race"]))
    assert r.status_code == 302 and r["Location"] == SENT_URL
    report = HateReport.objects.get()
    assert REFERENCE_RE.match(report.reference), report.reference
    assert report.strands == ["disability", "race"]
    assert report.postcode == "LS1 6HW"
    assert report.occurred_on == timezone.localdate() - timedelta(days=1)
    assert report.occurred_time.strftime("%H:%M") == "17:45"
    assert report.anonymous and report.reporter_is_victim
    assert report.status == HateReport.Status.NEW
    assert report.reported_via == HateReport.ReportedVia.ONLINE
    assert (report.contact_name, report.contact_email, report.contact_phone) == (
        "",
        "",
        "",
    )

    entry = AuditEntry.objects.get(event="incidents.hate_report.receive")
    assert entry.operation == Operation.COLLECTION
    assert entry.actor_id is None and entry.actor_username == ""
    assert entry.record_type == "hate_report" and entry.record_id == str(report.pk)
    assert "wheelchair" not in str(entry.detail)  # no content in the log

    sent = client.get(r["Location"])
    html = sent.content.decode()
    assert sent.status_code == 200
    assert "govuk-panel--confirmation" in html and report.reference in html


def test_a_named_third_party_report_with_contact_details(
    client: Client, db: None
) -> None:
    r = post(
        client,
        valid(
            anonymous="no",
            reporter_is_victim="no",
            perceived_by="someone_else",
            reported_via="third_party_centre",
            strands=["religion", "other"],
            strand_other="Their accent",
            contact_preference="phone",
            contact_name="Centre worker",
            contact_phone="0113 496 0000",
            safe_times="Weekdays 9 to 5",
        ),
    )
    assert r.status_code == 302, errors_of(r)
    report = HateReport.objects.get()
    assert report.reported_via == "third_party_centre"
    assert report.strand_other == "Their accent"
    assert report.contact_preference == "phone"
    assert report.contact_phone == "0113 496 0000"
    assert not report.anonymous and not report.reporter_is_victim


def test_references_are_unique_and_unambiguous(db: None) -> None:
    from saferleeds.hate.models import new_hate_reference

    refs = {new_hate_reference() for _ in range(500)}
    assert len(refs) == 500
    assert all(REFERENCE_RE.match(r) for r in refs)
    assert not set("01ILOUV") & set(HATE_REFERENCE_ALPHABET)


def test_the_confirmation_page_needs_a_report_from_this_browser(
    client: Client, db: None
) -> None:
    r = client.get(SENT_URL)
    assert r.status_code == 302 and r["Location"] == URL


# --- Validation ------------------------------------------------------------------------

TOMORROW = timezone.localdate() + timedelta(days=1)


@pytest.mark.parametrize(
    ("changes", "anchor", "message"),
    [
        ({"what_happened": ""}, "what_happened", "Enter what happened"),
        (
            {"what_happened": "x" * 5001},
            "what_happened",
            "What happened must be 5000 characters or fewer",
        ),
        ({"location": ""}, "location", "Enter where it happened"),
        (
            {"occurred_on_day": "", "occurred_on_month": "", "occurred_on_year": ""},
            "occurred_on-day",
            "Enter the date it happened",
        ),
        (
            {"occurred_on_month": ""},
            "occurred_on-month",
            "The date it happened must include a month",
        ),
        (
            {
                "occurred_on_day": "31",
                "occurred_on_month": "2",
                "occurred_on_year": "2025",
            },
            "occurred_on-day",
            "The date it happened must be a real date",
        ),
        (
            {
                "occurred_on_day": str(TOMORROW.day),
                "occurred_on_month": str(TOMORROW.month),
                "occurred_on_year": str(TOMORROW.year),
            },
            "occurred_on-day",
            "The date it happened must be today or in the past",
        ),
        (
            {"occurred_time": "25:00"},
            "occurred_time",
            "Enter the time in the 24-hour clock, like 14:30",
        ),
        ({"strands": None}, "strands-1", "Select why you think it happened"),
        ({"strands": ["astrology"]}, "strands-1", "Select why you think it happened"),
        (
            {"strands": ["other"], "strand_other": ""},
            "strand_other",
            "Describe what else you think it was about",
        ),
        ({"postcode": "LS99"}, "postcode", "Enter a full UK postcode, like LS1 4AP"),
        (
            {"postcode": "not a postcode"},
            "postcode",
            "Enter a full UK postcode, like LS1 4AP",
        ),
        (
            {"perceived_by": None},
            "perceived_by-1",
            "Select who thinks it was motivated by hostility",
        ),
        (
            {"reporter_is_victim": None},
            "reporter_is_victim-1",
            "Select yes if it happened to you",
        ),
        (
            {"reported_via": "carrier_pigeon"},
            "reported_via-1",
            "Select how you are reporting",
        ),
        (
            {"anonymous": None},
            "anonymous-1",
            "Select yes if you want to stay anonymous",
        ),
        (
            {"contact_email": "me@example.com"},
            "contact_email",
            "Leave your contact details empty if you report anonymously",
        ),
        (
            {"contact_name": "Sam", "contact_phone": "0113 496 0000"},
            "contact_name",
            "Leave your contact details empty if you report anonymously",
        ),
        (
            {"contact_preference": "email"},
            "contact_preference-1",
            "You cannot be contacted if you report anonymously: select "
            "&#x27;Do not contact me&#x27; or choose not to stay anonymous",
        ),
        (
            {"anonymous": "no"},
            "contact_preference-1",
            "Select how we should contact you",
        ),
        (
            {"anonymous": "no", "contact_preference": "email"},
            "contact_email",
            "Enter your email address",
        ),
        (
            {
                "anonymous": "no",
                "contact_preference": "email",
                "contact_email": "not-an-email",
            },
            "contact_email",
            "Enter an email address in the correct format, like name@example.com",
        ),
        (
            {"anonymous": "no", "contact_preference": "phone"},
            "contact_phone",
            "Enter your telephone number",
        ),
        (
            {
                "anonymous": "no",
                "contact_preference": "phone",
                "contact_phone": "call me",
            },
            "contact_phone",
            "Enter a telephone number, like 01632 960 001 or 07700 900 982",
        ),
    ],
)
def test_each_rule_is_explained_and_nothing_is_stored(
    client: Client, db: None, changes: dict[str, Any], anchor: str, message: str
) -> None:
    r = post(client, valid(**changes))
    html = r.content.decode()
    assert r.status_code == 400
    assert "<title>Error: " in html and "There is a problem" in html
    assert f'<a href="#{anchor}">{message}</a>' in html
    assert f'id="{anchor}"' in html  # the summary's link lands on a real element
    assert "govuk-form-group--error" in html
    assert not HateReport.objects.exists()
    assert not AuditEntry.objects.filter(event="incidents.hate_report.receive").exists()


def test_what_was_entered_is_kept_after_an_error(client: Client, db: None) -> None:
    r = post(client, valid(location="", strands=["race", "religion"]))
    html = r.content.decode()
    assert "Two men shouted abuse about my wheelchair" in html
    assert re.search(r'value="race" checked', html)
    assert re.search(r'value="religion" checked', html)
    assert not re.search(r'value="disability" checked', html)


def test_a_non_anonymous_report_may_ask_not_to_be_contacted(
    client: Client, db: None
) -> None:
    r = post(
        client, valid(anonymous="no", contact_preference="none", contact_name="Sam")
    )
    assert r.status_code == 302, errors_of(r)
    assert HateReport.objects.get().contact_name == "Sam"


def test_the_database_refuses_an_anonymous_report_with_contact_details(
    db: None,
) -> None:
    from django.db import IntegrityError, transaction

    form = HateReportForm(valid())
    assert form.is_valid(), form.errors
    report = form.to_report()
    report.contact_email = "me@example.com"
    with pytest.raises(IntegrityError), transaction.atomic():
        report.save()


# --- Bots, forgery, floods -------------------------------------------------------------


def test_honeypot_filled_is_refused_without_storing(client: Client, db: None) -> None:
    r = post(client, valid(website="http://spam.example"))
    assert r.status_code == 400
    assert "Your report could not be sent" in r.content.decode()
    assert not HateReport.objects.exists()
    assert not AuditEntry.objects.filter(event="incidents.hate_report.receive").exists()


def test_the_honeypot_is_hidden_from_people(client: Client, db: None) -> None:
    html = client.get(URL).content.decode()
    hidden = re.search(
        r'<div class="govuk-visually-hidden" aria-hidden="true">(.*?)</div>', html, re.S
    )
    assert hidden and 'name="website"' in hidden[1] and 'tabindex="-1"' in hidden[1]


def test_csrf_is_enforced(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    r = client.post(URL, valid(), REMOTE_ADDR="203.0.113.9")
    assert r.status_code == 403
    assert not HateReport.objects.exists()

    # With the token from the form, the same post is accepted.
    html = client.get(URL).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    r = client.post(
        URL, {**valid(), "csrfmiddlewaretoken": token}, REMOTE_ADDR="203.0.113.9"
    )
    assert r.status_code == 302
    assert HateReport.objects.count() == 1


def test_sixth_submission_from_one_address_is_refused(client: Client, db: None) -> None:
    for _ in range(5):
        assert post(client, valid(), addr="198.51.100.1").status_code == 302
    r = post(client, valid(), addr="198.51.100.1")
    html = r.content.decode()
    assert r.status_code == 429
    assert "Too many reports have been sent from your connection" in html
    assert "Wait 10 minutes" in html and "call 999" in html
    assert HateReport.objects.count() == 5
    # Another address is unaffected.
    assert post(client, valid(), addr="198.51.100.2").status_code == 302
    assert HateReport.objects.count() == 6
    # Forms are still shown to the limited address; only sending is refused.
    assert client.get(URL, REMOTE_ADDR="198.51.100.1").status_code == 200


def test_invalid_submissions_count_towards_the_limit(client: Client, db: None) -> None:
    for _ in range(5):
        assert (
            post(client, valid(what_happened=""), addr="198.51.100.3").status_code
            == 400
        )
    assert post(client, valid(), addr="198.51.100.3").status_code == 429
    assert not HateReport.objects.exists()


def test_forwarded_for_does_not_escape_the_limit(client: Client, db: None) -> None:
    for i in range(5):
        client.post(
            URL, valid(), REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"
        )
    r = client.post(
        URL, valid(), REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert r.status_code == 429


@override_settings(
    SAFERLEEDS_HATE_REPORT_RATE_LIMIT=2, SAFERLEEDS_HATE_REPORT_RATE_WINDOW=60
)
def test_the_limit_is_configurable(client: Client, db: None) -> None:
    assert post(client, valid()).status_code == 302
    assert post(client, valid()).status_code == 302
    r = post(client, valid())
    assert r.status_code == 429 and "Wait 1 minutes" in r.content.decode()


# --- Security finding 11 (issue #11): bidi and control characters ------------------------

RLO, LRI, PDI, LRM, ALM = "\u202e", "\u2066", "\u2069", "\u200e", "\u061c"


def test_bidi_and_control_characters_are_stripped_from_every_free_text_field(
    client: Client, db: None
) -> None:
    """Security finding 11 (issue #11): Unicode bidi controls (U+202E, U+2066...) and
    other control characters typed into the public form were stored and shown verbatim;
    they are removed from every free-text field (line breaks kept where the answer may
    run over several lines)."""
    r = post(
        client,
        valid(
            what_happened=f"They shouted {RLO}gpj.exe{PDI}\r\nat me\x07 twice\x1b[31m",
            location=f"Bus stop{LRM} on {LRI}Boar Lane{PDI}\n",
            strands=["religion", "other"],
            strand_other=f"Their{ALM} accent\x01",
            anonymous="no",
            contact_preference="phone",
            contact_name=f"Sam{RLO} Jones\u0085",
            contact_phone="0113 496 0000",
            safe_times=f"Weekdays\t9{LRM} to 5",
        ),
    )
    assert r.status_code == 302, errors_of(r)
    report = HateReport.objects.get()
    assert report.what_happened == "They shouted gpj.exe\r\nat me twice[31m"
    assert report.location == "Bus stop on Boar Lane"
    assert report.strand_other == "Their accent"
    assert report.contact_name == "Sam Jones"
    assert report.safe_times == "Weekdays 9 to 5"
    stored = " ".join(
        str(getattr(report, f.name))
        for f in HateReport._meta.get_fields()
        if f.concrete
    )
    assert not re.search(
        "[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]",
        stored,
    )


def test_an_answer_of_only_control_characters_counts_as_empty(
    client: Client, db: None
) -> None:
    """Security finding 11 (issue #11): a required answer made only of bidi controls is
    refused as if left empty, not stored as an invisible string."""
    r = post(client, valid(what_happened=f"{RLO}{LRI}{PDI}\x07"))
    assert r.status_code == 400
    assert "Enter what happened" in errors_of(r)
    assert not HateReport.objects.exists()


def test_a_reporting_centre_form_is_cleaned_too(db: None) -> None:
    """Security finding 11 (issue #11): the centre's form shares the public form's
    cleaning, including its own reference and notes."""
    from saferleeds.hate.forms import CentreReportForm

    data = valid(
        centre_reference=f"REF{RLO}-12",
        centre_notes=f"Line one{LRI}\nLine two\x7f",
    )
    data.pop("reported_via")
    form = CentreReportForm(data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["centre_reference"] == "REF-12"
    assert form.cleaned_data["centre_notes"] == "Line one\nLine two"


# --- Security finding 17 (issue #11): the rate limit is shared by every process ----------


def test_the_rate_limit_lives_in_the_database_cache(db: None) -> None:
    """Security finding 17 (issue #11): the public form's limit is counted in Django's
    DatabaseCache, whose table the migrations create."""
    from django.conf import settings
    from django.db import connection

    backend = settings.CACHES["default"]["BACKEND"]
    assert backend == "django.core.cache.backends.db.DatabaseCache"
    table = settings.CACHES["default"]["LOCATION"]
    assert table in connection.introspection.table_names()


def test_separate_server_processes_share_one_count(tmp_path: Path) -> None:
    """Security finding 17 (issue #11): with the count in a per-process cache, each
    server process allowed its own five reports. Two processes against one database
    (`saferleeds manage migrate` makes the cache table) now share the count: five
    submissions in one, and the next in another is over the limit."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SAFERLEEDS_") and k != "DATABASE_URL"
    }
    env.update({"SAFERLEEDS_ENV": "test", "SAFERLEEDS_DATA_DIR": str(tmp_path)})

    def run(*args: str) -> str:
        r = subprocess.run(
            [sys.executable, "-m", "saferleeds.cli", "manage", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout

    run("migrate", "-v", "0")
    count = (
        "from types import SimpleNamespace\n"
        "from saferleeds.hate.views import _over_limit\n"
        "request = SimpleNamespace(META={'REMOTE_ADDR': '203.0.113.50'})\n"
        "print([_over_limit(request) for _ in range({n})])\n"
    )
    first = run("shell", "-c", count.replace("{n}", "5"))
    assert first.strip().splitlines()[-1] == str([False] * 5)
    second = run("shell", "-c", count.replace("{n}", "1"))
    assert second.strip().splitlines()[-1] == "[True]"


# --- In the browser --------------------------------------------------------------------


@pytest.mark.browser
def test_browser_anonymous_member_of_the_public_reports(
    page: Any,
    live_server: Any,
    transactional_db: None,
) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}{URL}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Report a hate incident or crime"
    )
    assert_accessible(page)

    # Sending nothing explains every missing answer, and focus moves to the summary.
    page.get_by_role("button", name="Send report").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    expect(summary).to_be_focused()
    assert "Enter what happened" in summary.inner_text()
    assert_accessible(page)
    screenshot(page, "hate-report-errors")

    yesterday = timezone.localdate() - timedelta(days=1)
    page.get_by_label("What happened?").fill(
        "Someone spat at me and shouted about my hijab."
    )
    page.get_by_label("Day").fill(str(yesterday.day))
    page.get_by_label("Month").fill(str(yesterday.month))
    page.get_by_label("Year").fill(str(yesterday.year))
    page.get_by_label("Where did it happen?").fill("Briggate, near the market")
    page.get_by_label("Postcode (optional)").fill("LS1 6HB")
    page.get_by_label("Religion or belief").check()
    page.get_by_label("Something else").check()
    other = page.get_by_label("What else do you think it was about?")
    expect(other).to_be_visible()  # revealed by GOV.UK Frontend's checkboxes script
    other.fill("My gender")
    page.get_by_label("The person it happened to").check()
    page.get_by_role("group", name="Did it happen to you?").get_by_label("Yes").check()
    page.get_by_label("Online, by the person reporting").check()
    page.get_by_label("Yes, stay anonymous").check()
    assert_accessible(page)
    screenshot(page, "hate-report-form")
    page.get_by_role("button", name="Send report").click()

    page.wait_for_url(f"**{SENT_URL}")
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel).to_contain_text("Report sent")
    report = HateReport.objects.get()
    expect(panel).to_contain_text(report.reference)
    assert report.anonymous and report.strands == ["religion", "other"]
    assert report.strand_other == "My gender"
    assert_accessible(page)
    screenshot(page, "hate-report-sent")

    expected = [f"400 {live_server.url}{URL}"]  # the deliberately empty submission
    problems = [
        p
        for p in page.problems
        if p not in expected
        and not (p.startswith("console: Failed to load resource") and "400" in p)
    ]
    assert problems == []
