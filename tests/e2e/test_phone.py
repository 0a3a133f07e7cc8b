"""The proposal page and the dashboard on a phone (390 px): a sticky section menu, the source
collapsed, tap targets of at least 44 × 44 px, chart text of at least 12 px, wide tables in
keyboard-focusable scrolling regions with a hint, a strong focus indicator (issue #14 items 10, 11).
Screenshots of both pages in Korean and Japanese go to artifacts/e2e/."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_participation import SLUG, _log_in, _member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Every control a participant uses on the proposal page (inline links inside sentences excepted).
CONTROLS = (
    "main button:visible, main select:visible, main summary:visible, main .rating-choice:visible, "
    "main .section-menu a:visible, main .button:visible, .site-header button:visible"
)


@pytest.fixture
def phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    return page


def _small_targets(page) -> list[str]:
    return page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector.replaceAll(':visible', '')))
            .filter(e => e.offsetParent !== null)
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([e, r]) => r.width > 0 && (r.width < 44 || r.height < 44))
            .map(([e, r]) => `${Math.round(r.width)}x${Math.round(r.height)} ${e.outerHTML.slice(0, 90)}`)""",
        CONTROLS,
    )


@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_the_proposal_page_on_a_phone(phone, seeded, lang):
    page = phone
    _member(lang, f"phone-{lang}@example.org")
    _log_in(page, lang, f"phone-{lang}@example.org")
    page.goto(f"{page.base_url}/{lang}/proposals/{SLUG}/")

    menu = page.locator("nav.section-menu")
    for anchor in ("#proposal-text", "#source", "#ratings", "#amendments", "#comments"):
        expect(menu.locator(f'a[href="{anchor}"]')).to_be_visible()
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('nav.section-menu')).position")
        == "sticky"
    )
    source = page.locator("details#source")
    expect(source).not_to_have_attribute("open", "")  # collapsed on a phone
    page.shots(f"proposal-{lang}-390")

    # Comments start within a few screens, not after 4,500 px of source text.
    assert page.evaluate("() => document.querySelector('#comments').offsetTop") < 4000

    assert _small_targets(page) == []

    # The menu stays on screen while scrolling and leads to each part.
    menu.locator('a[href="#comments"]').click()
    expect(page.locator("#comments")).to_be_in_viewport()
    expect(menu).to_be_in_viewport()

    # A strong focus indicator on a radio reached with the keyboard.
    radio = page.locator("#rating-importance-score-3")
    radio.focus()
    page.keyboard.press("ArrowRight")
    focused = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.type, s.outlineStyle, parseFloat(s.outlineWidth), s.boxShadow]; }"
    )
    assert focused[0] == "radio" and focused[1] == "solid" and focused[2] >= 3, focused


def test_on_a_desktop_the_source_is_open(page, seeded):
    page.goto(f"{page.base_url}/en/proposals/{SLUG}/")
    expect(page.locator("details#source")).to_have_attribute("open", "")


@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_the_dashboard_on_a_phone(phone, seeded, lang):
    page = phone
    page.goto(f"{page.base_url}/{lang}/progress/")

    # Chart text is at least 12 px as drawn (the chart scrolls instead of shrinking).
    sizes = page.evaluate(
        """() => Array.from(document.querySelectorAll('svg.progress-chart-svg text')).map(t => {
              const svg = t.ownerSVGElement;
              const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
              return parseFloat(getComputedStyle(t).fontSize) * scale; })"""
    )
    assert sizes and min(sizes) >= 12, sizes

    # Wide regions scroll inside a focusable, named region with a visible hint.
    regions = page.locator(".scroll-region")
    assert regions.count() >= 2
    for i in range(regions.count()):
        region = regions.nth(i)
        expect(region).to_have_attribute("tabindex", "0")
        expect(region).to_have_attribute("role", "region")
    hint = page.locator(".progress-table-wrap .scroll-hint").first
    expect(hint).to_be_visible()
    region = page.locator(".progress-table-wrap").first
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")  # it is wider than the phone
    region.focus()
    page.keyboard.press("ArrowRight")  # and the keyboard scrolls it
    page.wait_for_function("e => e.scrollLeft > 0", arg=region.element_handle())
    page.shots(f"dashboard-{lang}-390")
