"""Accessibility checks in the browser suite with axe-core (vendored for tests only by
scripts/vendor-axe-core.sh into tests/e2e/vendor/; the site never serves it).

    from tests.e2e.axe import assert_accessible

    page.goto(...)
    assert_accessible(page)                       # the whole page
    assert_accessible(page, include="#comments")  # one block, e.g. after an htmx swap

It fails with a readable list of every violation (rule, impact, help link, offending elements)
of the WCAG 2.0/2.1/2.2 level A and AA rules (tags in ``WCAG_TAGS``). Any impact counts: a
"minor" violation fails as well.

axe is injected with ``page.evaluate`` over the DevTools protocol, which the page's Content
Security Policy does not govern: it works in the ordinary ``page`` fixture, with the site's strict
CSP still enforced for everything the site itself does (no ``bypass_csp`` needed anywhere).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# The WCAG rules the project promises (issue #14): 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def _inject(page) -> None:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated as a function body so the library's top-level `this` is the window.
        page.evaluate(f"() => {{ {_axe_source()}\n }}")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            raise RuntimeError("axe-core did not load in the page")


def axe_violations(page, *, include: str | None = None, exclude: list[str] | None = None) -> list[dict]:
    """Run axe on the page (or the part ``include`` selects) and return its violations."""
    _inject(page)
    context: dict | str = {"include": [[include]] if include else [["html"]]}
    if exclude:
        context["exclude"] = [[selector] for selector in exclude]
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    result = page.evaluate(
        "([context, options]) => window.axe.run(context, options)",
        [context, options],
    )
    return result["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']} [{violation['helpUrl']}]"
        )
        for node in violation["nodes"][:10]:
            lines.append(f"    {json.dumps(node['target'], ensure_ascii=False)}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:400]}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def assert_accessible(
    page, *, include: str | None = None, exclude: list[str] | None = None, label: str = ""
) -> None:
    """Fail unless axe finds 0 violations (of any impact) of the WCAG A/AA rules on the page."""
    violations = axe_violations(page, include=include, exclude=exclude)
    if violations:
        where = label or page.url
        raise AssertionError(
            f"axe: {len(violations)} WCAG rule(s) violated on {where}:\n{describe(violations)}"
        )
