"""WCAG 2.2 AA, checked by axe-core in Chromium on every page type, in Korean, Japanese and
English, on a desktop (1280 px) and a phone (390 px).

Bounded on purpose (CI has 2 cores): one browser context per width, one page reused for every
visit, the data made once per test. Violations of every page are gathered and reported together.
"""

import pytest
from django.utils import translation

from tests.e2e.axe import axe_violations, describe

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["ko", "ja", "en"]
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(params=list(WIDTHS))
def sized_page(request, browser, live_server, settings):
    """A page in a context of the parametrised width; every CSP violation fails the test."""
    settings.ALLOWED_HOSTS = ["*"]
    width, height = WIDTHS[request.param]
    context = browser.new_context(locale="ko-KR", viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda msg: csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.base_url = live_server.url
    page.width_name = request.param
    yield page
    context.close()
    assert not csp_violations, csp_violations


class Sweep:
    """Visit pages, run axe on each, remember what failed; ``check()`` reports it all at once."""

    def __init__(self, page):
        self.page = page
        self.failures: list[str] = []
        self.visited: list[str] = []

    def visit(self, path: str, *, status: int = 200, label: str = "") -> None:
        response = self.page.goto(self.page.base_url + path)
        assert response is not None and response.status == status, (path, response and response.status)
        self.run(label or path)

    def run(self, label: str) -> None:
        violations = axe_violations(self.page)
        self.visited.append(label)
        if violations:
            self.failures.append(f"{label} at {self.page.width_name}:\n{describe(violations)}")

    def check(self) -> None:
        assert not self.failures, "\n\n".join(self.failures)


def test_error_pages_are_accessible_and_translated(sized_page, settings):
    settings.ROOT_URLCONF = "tests.urls_errors"
    page = sized_page
    sweep = Sweep(page)
    for lang in LANGUAGES:
        with translation.override(lang):
            titles = {
                status: translation.gettext(text)
                for status, text in [
                    (400, "Bad request"),
                    (403, "Not allowed"),
                    (404, "Page not found"),
                    (429, "Too many attempts"),
                    (500, "Something went wrong"),
                ]
            }
        for status, path in [
            (400, f"/{lang}/test-errors/suspicious/"),
            (403, f"/{lang}/test-errors/forbidden/"),
            (404, f"/{lang}/no-such-page/"),
            (429, f"/{lang}/test-errors/rate-limited/"),
            (500, f"/{lang}/test-errors/boom/"),
        ]:
            sweep.visit(path, status=status)
            assert page.locator("html").get_attribute("lang") == lang
            assert page.locator("h1").inner_text() == titles[status]
            assert page.locator(f'.error-ways-back a[href="/{lang}/proposals/"]').is_visible()
    sweep.check()
    assert len(sweep.visited) == 15


def _login(page, email: str) -> None:
    from tests.e2e.test_participation import PASSWORD

    page.goto(page.base_url + "/en/accounts/login/")
    page.locator("main form.auth-form input[name=login]").fill(email)
    page.locator("main form.auth-form input[name=password]").fill(PASSWORD)
    page.locator("main form.auth-form button[type=submit]").click()
    page.locator('.site-nav a[href$="/accounts/profile/"]').wait_for()


def test_every_page_type_is_accessible_in_every_language(sized_page, seeded):
    """List, proposal (logged out and in), amendment, versions, sign-up, login, profile,
    notifications, the progress dashboard and a proposal's timeline: 0 violations."""
    from amendments.services import amendment_create
    from comments.services import comment_create
    from proposals.models import Proposal
    from tests.e2e.test_participation import SLUG, _member

    page = sized_page
    sweep = Sweep(page)
    proposal = Proposal.objects.get(slug=SLUG)
    haruka = _member("ja", "haruka@example.jp")
    minji = _member("ko", "minji@example.kr")
    parent = comment_create(
        author=haruka, proposal=proposal, body="地方の大学と連携すべきです。", language="ja"
    )
    comment_create(author=minji, proposal=proposal, body="동의합니다.", language="ko", parent=parent)
    amendment = amendment_create(
        author=haruka,
        proposal=proposal,
        field="title",
        language="ja",
        new_text=proposal.current_version.title_ja + "（改訂）",
        rationale="明確にするため。",
        base_version_id=proposal.current_version_id,
    )
    public = [
        "/{lang}/proposals/",
        f"/{{lang}}/proposals/{SLUG}/",
        f"/{{lang}}/proposals/{SLUG}/amendments/{amendment.pk}/",
        f"/{{lang}}/proposals/{SLUG}/versions/",
        "/{lang}/accounts/signup/",
        "/{lang}/accounts/login/",
        "/{lang}/progress/",
        f"/{{lang}}/proposals/{SLUG}/progress/",
    ]
    for lang in LANGUAGES:
        for path in public:
            sweep.visit(path.format(lang=lang))
    _login(page, "haruka@example.jp")
    for lang in LANGUAGES:
        for path in [
            f"/{{lang}}/proposals/{SLUG}/",
            f"/{{lang}}/proposals/{SLUG}/amendments/{amendment.pk}/",
            "/{lang}/accounts/profile/",
            "/{lang}/notifications/",
        ]:
            sweep.visit(path.format(lang=lang), label=f"{path.format(lang=lang)} (logged in)")
    sweep.check()
