"""Navigation that fits the role, and no raw values on screen (issue #16, items 5-6).

Over the demo as ``saferleeds demo load`` seeds it, every persona signs in and follows
every link of the menu and of the tabs of every page it reaches: each answers 200,
since the menu and the tabs are drawn by the rules that guard the pages
(``core.registry`` navigation). After signing in each role lands on its own home.
The pages reached, and one page of each kind they link to, show no raw stored values:
no "None", no choice values in capitals or as stored ("VICTIM", "case_coordinator").
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.test import Client

from saferleeds.demo.personas import PERSONAS

# Where each persona lands after signing in (the registry's ``home_of``).
HOMES = {
    "aisha.analyst": "/indicators/",
    "pete.practitioner": "/cases/",
    "carol.coordinator": "/marac/",
    "ed.executive": "/overview/",
    "fran.agencyadmin": "/administration/",
    "iris.ig": "/audit/",
    "sam.sysadmin": "/administration/",
    "nadia.probation": "/cases/",
    "harry.health": "/cases/",
    "rita.reporter": "/hate-reports/centre/",
}

# Capitals that are words, not stored values.
ACRONYMS = {
    "ASB",
    "MARAC",
    "NRM",
    "IOM",
    "CSV",
    "PDF",
    "LSOA",
    "MSOA",
    "RAG",
    "NHS",
    "ONS",
    "UK",
    "DASH",
    "ID",
    "JSA",
    "IDVA",
    "CPS",
    "SARC",
    "GP",
    "NFA",
    "OK",
    "ISVA",
    "DWP",
    "XLSX",
    "RSS",
    "API",
    "PNC",
    "CSP",
    "OGL",
    "NI",
    "PIN",
    "URL",
    "CHI",
    "CSS",
    "KDE",
    "MOJ",
    "TOTP",
    "QR",
}
TEXT = re.compile(r">\s*([^<>]*?)\s*<")
CAPS = re.compile(r"^[A-Z][A-Z_]+$")
HREF = re.compile(r'href="(/[^"#]*)"')
NAV = re.compile(
    r'<ul class="govuk-service-navigation__list" id="navigation">(.*?)</ul>'
    r'|<nav class="moj-sub-navigation"[^>]*>(.*?)</nav>',
    re.S,
)
# Links not to follow for the content check: downloads, sign-out, forms with effects.
SKIP = re.compile(
    r"(\.csv|\.xlsx|\.geojson|\.pdf|/download|/export|sign-out|/documents/)", re.I
)


def _stored_values() -> set[str]:
    """Choice values that differ from their labels, as stored and in capitals."""
    values: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("saferleeds."):
            continue
        for field in model._meta.get_fields():
            for value, label in getattr(field, "choices", None) or ():
                if isinstance(value, str) and value and value != str(label):
                    values.add(value)
                    values.add(value.upper())
    return values


def _text(html: str) -> list[str]:
    body = html.split('<main class="govuk-main-wrapper"', 1)[-1]
    body = re.sub(r"<(script|style|textarea|select)\b.*?</\1>", "", body, flags=re.S)
    body = re.sub(r"<!--.*?-->", "", body, flags=re.S)
    return [t for t in TEXT.findall(body) if t]


def raw_values(html: str, stored: set[str]) -> list[str]:
    """What a page shows that is a raw value: "None", a stored choice value, or an
    identifier in capitals."""
    found = []
    for text in _text(html):
        if text in ACRONYMS:
            continue
        if text == "None" or text in stored:
            found.append(text)
        elif CAPS.match(text):
            found.append(text)
    return found


def nav_links(html: str) -> list[str]:
    """The links of the menu and of every set of tabs on a page."""
    links = []
    for menu, tabs in NAV.findall(html):
        links += HREF.findall(menu or tabs)
    return links


def tabs_below_title(html: str) -> bool:
    """Whether a page's tabs (if any) come after its title, as on every page."""
    tabs = html.find('class="moj-sub-navigation"')
    return tabs < 0 or -1 < html.find("<h1") < tabs


def _shape(url: str) -> str:
    """A URL with its numbers and pseudonyms generalised: one page of each kind."""
    path = urlsplit(url).path
    return re.sub(r"/p/[^/]+/", "/p/X/", re.sub(r"\d+", "N", path))


@pytest.fixture
def demo(personas: dict[str, Any], tmp_path: Path, settings: Any) -> None:
    """The demo as ``saferleeds demo load`` seeds it (the cast included)."""
    from saferleeds.demo.seed import seed_demo

    settings.SAFERLEEDS_DOCUMENT_ROOT = tmp_path / "documents"
    seed_demo()


def crawl(client: Client, start: str, stored: set[str]) -> dict[str, Any]:
    """Follow the menu and tabs from ``start``; then open one page of each kind the
    pages reached link to. Returns what was refused and what showed raw values."""
    refused: dict[str, int] = {}
    raw: dict[str, list[str]] = {}
    seen = {start}
    queue = deque([start])
    content: dict[str, str] = {}
    while queue:
        url = queue.popleft()
        r = client.get(url)
        if r.status_code != 200:
            refused[url] = r.status_code
            continue
        html = r.content.decode()
        if found := raw_values(html, stored):
            raw[url] = found
        if not tabs_below_title(html):
            raw.setdefault(url, []).append("tabs above the title")
        for link in nav_links(html):
            if link not in seen:
                seen.add(link)
                queue.append(link)
        for link in HREF.findall(html):
            shape = _shape(link)
            if not SKIP.search(link) and shape not in content and link not in seen:
                content[shape] = link
    # Two steps beyond the menu and tabs: one page of each kind (a case, a person, a
    # referral...), then one of each kind those link to.
    level = list(content.values())
    for _ in range(2):
        found_next: dict[str, str] = {}
        for link in level:
            r = client.get(link)
            if r.status_code != 200 or "text/html" not in r.get("Content-Type", ""):
                continue
            html = r.content.decode()
            if found := raw_values(html, stored):
                raw[link] = found
            for further in HREF.findall(html):
                shape = _shape(further)
                if not SKIP.search(further) and shape not in content:
                    found_next[shape] = further
        content.update(found_next)
        level = list(found_next.values())
    return {"refused": refused, "raw": raw, "nav": sorted(seen)}


def test_every_persona_lands_home_and_every_menu_and_tab_link_answers(
    demo: None, sign_in: Any
) -> None:
    stored = _stored_values()
    problems = {}
    reached = {}
    from django.contrib.auth.models import User

    for persona in PERSONAS:
        client = sign_in(Client(), User.objects.get(username=persona.username))
        landing = client.get("/")
        assert landing.status_code == 302, persona.username
        assert landing["Location"] == HOMES[persona.username], persona.username
        result = crawl(client, landing["Location"], stored)
        reached[persona.username] = result["nav"]
        if result["refused"] or result["raw"]:
            problems[persona.username] = {
                k: v for k, v in result.items() if k != "nav" and v
            }
    assert not problems, problems
    # What each role is offered, from the rules that guard the pages.
    assert "/marac/figures/" in reached["ed.executive"]
    assert "/asb/statistics/" in reached["ed.executive"]
    # Death reviews: figures for the executive, the reviews for coordinators and
    # analysts, nothing for other roles.
    assert "/death-reviews/" in reached["ed.executive"]
    assert "/death-reviews/" in reached["aisha.analyst"]
    assert "/death-reviews/" not in reached["pete.practitioner"]
    assert "/marac/" not in reached["aisha.analyst"]
    assert "/hate-reports/" not in reached["iris.ig"]
    assert reached["rita.reporter"] == sorted(
        {
            "/hate-reports/centre/",
            "/overview/",
            "/indicators/",
            "/places/map/",
            "/agreements/",
        }
    )


def test_tabs_follow_the_page_guards(personas: dict[str, Any], sign_in: Any) -> None:
    """The executive sees the casework pages it may open (figures), no others; the
    coordinator lands on MARAC, whose tab is current."""
    ed = sign_in(Client(), personas["ed.executive"])
    html = ed.get("/asb/statistics/").content.decode()
    assert nav_links(html).count("/marac/figures/") == 2  # menu ("Casework") and tab
    assert "/asb/" not in nav_links(html) and "/cases/" not in nav_links(html)
    carol = sign_in(Client(), personas["carol.coordinator"])
    html = carol.get("/marac/").content.decode()
    assert 'href="/marac/" aria-current="page">MARAC<' in html
    assert 'href="/cases/" aria-current="true">Casework<' in html


def test_signing_out_says_so(personas: dict[str, Any], sign_in: Any) -> None:
    client = sign_in(Client(), personas["pete.practitioner"])
    r = client.post("/sign-out/", follow=True)
    assert r.status_code == 200
    html = r.content.decode()
    assert "You have been signed out" in html
    assert "You signed out" in html


def test_the_refusal_page_says_each_thing_once(
    personas: dict[str, Any], sign_in: Any
) -> None:
    ed = sign_in(Client(), personas["ed.executive"])
    for url in ("/people/", "/asb/", "/marac/", "/cases/"):
        r = ed.get(url)
        assert r.status_code == 403
        text = " ".join(_text(r.content.decode()))
        sentences = [s.strip() for s in re.split(r"(?<=\.)\s", text) if s.strip()]
        assert len(sentences) == len(set(sentences)), sentences
        assert text.lower().count("agency administrator") == 1, text
