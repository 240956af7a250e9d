"""Accessibility checks with axe-core (vendored under tests/vendor/axe-core/).

``assert_accessible(page)`` runs axe in the page Playwright has open and fails on any
violation of impact serious or critical, listing each rule, its help text and the
offending elements. Minor and moderate findings are returned for the caller to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import REPO

AXE_JS = REPO / "tests" / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = frozenset({"serious", "critical"})
# WCAG 2.2 A and AA, plus axe's best practices (landmarks, headings, regions).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _source() -> str:
    return Path(AXE_JS).read_text(encoding="utf-8")


def run_axe(page: Any) -> list[dict[str, Any]]:
    """All axe violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, so a strict Content-Security-Policy
        # (no inline or injected script tags) does not stop it.
        page.evaluate(_source())
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: tags},
                resultTypes: ['violations'],
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({
                    target: n.target.join(' '),
                    html: n.html.slice(0, 200),
                    summary: n.failureSummary,
                })),
            }));
        }""",
        TAGS,
    )


def describe(violations: list[dict[str, Any]]) -> str:
    """A readable list of violations for a failure message."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for n in v["nodes"][:5]:
            lines.append(f"    {n['target']}: {n['html']}")
            if n["summary"]:
                lines.append("      " + n["summary"].replace("\n", "\n      "))
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def _known_govuk_issue(v: dict[str, Any]) -> dict[str, Any] | None:
    """``v`` without GOV.UK Frontend's documented ``aria-expanded`` on radios that
    reveal conditional content (alphagov/govuk-frontend#979, kept on purpose: screen
    readers announce it); ``None`` if nothing else is left."""
    if v["id"] != "aria-allowed-attr":
        return v
    nodes = [
        n
        for n in v["nodes"]
        if not (
            'class="govuk-radios__input"' in n["html"]
            and "aria-controls=" in n["html"]
            and "aria-expanded" in (n["summary"] or "")
            and (n["summary"] or "").count("ARIA attribute is not allowed") == 1
        )
    ]
    return {**v, "nodes": nodes} if nodes else None


def assert_accessible(page: Any) -> list[dict[str, Any]]:
    """Fail on serious or critical axe violations; return the lesser ones.

    GOV.UK Frontend's conditional reveal on radios is the one exception
    (:func:`_known_govuk_issue`).

    Raises:
        AssertionError: Listing every serious or critical violation on the page.
    """
    violations = [
        kept for v in run_axe(page) if (kept := _known_govuk_issue(v)) is not None
    ]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, (
        f"{len(blocking)} serious or critical accessibility violation(s) on "
        f"{page.url}:\n{describe(blocking)}"
    )
    return [v for v in violations if v["impact"] not in BLOCKING]
