"""Deliberation across the language line, in Chromium, with the Korean and Japanese UI.

A Korean participant posts in Korean; a Japanese participant reads it in Japanese (the machine's
translation: DeepL's official client against the local fake DeepL, run by the task queue when
the comment is committed), toggles to the original and back, corrects the translation; a moderator
approves the correction in the Korean admin; the corrected text then shows with its credit. And the
side-by-side view of the proposal at 1280 px (parallel columns) and 390 px (stacked), with
screenshots in artifacts/e2e/, checked by axe.

Labels are read from the catalogues with ``translation.override`` so the assertions stay right
however the catalogues are worded.
"""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_moderation import PASSWORD, SLUG, _log_in_to_admin, _moderator, _url, _user, _visitor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

KO = "청년 교류 기금은 지역 대학과 함께 운영되어야 합니다. 3+3 대화의 성과를 살립시다."
CORRECTED = "青年交流基金は地域の大学と共に運営すべきです。「3+3」対話の成果を生かしましょう。"


def _t(ui: str, message: str, **values) -> str:
    with translation.override(ui):
        return translation.gettext(message) % values if values else translation.gettext(message)


def _log_in(page, lang: str, email: str) -> None:
    page.goto(_url(page, f"/{lang}/accounts/login/"))
    page.locator("main form.auth-form input[name=login]").fill(email)
    page.locator("main form.auth-form input[name=password]").fill(PASSWORD)
    page.locator("main form.auth-form button[type=submit]").click()
    expect(page.locator('.site-nav a[href$="/accounts/profile/"]')).to_be_visible()


def test_a_korean_comment_read_in_japanese_corrected_and_approved(page, browser, seeded, deepl, settings):
    from comments.models import Comment
    from translations.models import Status, Translation

    settings.TRANSLATION_TIMEOUT_SECONDS = 5  # a loaded CI machine must not turn this into a failure
    _user("minji@example.kr", nationality="KR", language="ko", display_name="김민지")
    _user("haruto@example.jp", nationality="JP", language="ja", display_name="佐藤はると")
    _moderator()

    # 1. The Korean participant posts in Korean (the Korean UI; the form says Korean already).
    _log_in(page, "ko", "minji@example.kr")
    page.goto(_url(page, f"/ko/proposals/{SLUG}/"))
    form = page.locator("#comment-form")
    form.locator("textarea[name=body]").fill(KO)
    expect(form.locator("select[name=language]")).to_have_value("ko")
    page.shots("korean-writes")
    form.locator("button[type=submit]").click()
    expect(page.locator(".comment-body", has_text=KO)).to_be_visible()
    comment = Comment.objects.get(body=KO)
    # The task queue made the machine translations after the commit, through the real client.
    machine = Translation.objects.get(source_id=comment.pk, target_language="ja")
    assert machine.status == Status.PUBLISHED and machine.provider == "deepl"

    # 2. The Japanese participant reads it in Japanese, labelled, in a browser of their own.
    with _visitor(browser, page, "ja-JP") as reader:
        reader.goto(_url(page, "/ja/accounts/login/"))
        reader.locator("main form.auth-form input[name=login]").fill("haruto@example.jp")
        reader.locator("main form.auth-form input[name=password]").fill(PASSWORD)
        reader.locator("main form.auth-form button[type=submit]").click()
        expect(reader.locator('.site-nav a[href$="/accounts/profile/"]')).to_be_visible()
        reader.goto(_url(page, f"/ja/proposals/{SLUG}/#comment-{comment.pk}"))
        block = reader.locator(f"#comment-{comment.pk}")
        body = block.locator(":scope > .comment-body")
        expect(body).to_have_attribute("lang", "ja")
        expect(body).to_have_text(machine.text)
        label = block.locator(":scope > .translation-label")
        expect(label).to_contain_text(_t("ja", "Translated"))
        expect(label).to_contain_text(_t("ja", "Machine translation (%(provider)s)", provider="DeepL"))
        reader.shoot("japanese-reads-translation")

        # Toggle to the original (htmx swaps the comment) and back.
        label.locator("a.translation-toggle").click()
        expect(body).to_have_attribute("lang", "ko")
        expect(body).to_have_text(KO)
        expect(label).to_contain_text(_t("ja", "Original (%(language)s)", language="한국어"))
        reader.shoot("japanese-reads-original")
        label.locator("a.translation-toggle").click()
        expect(body).to_have_attribute("lang", "ja")

        # Correct the machine's translation: it waits for review, the machine's still shows.
        label.locator("a.translation-improve").click()
        expect(reader).to_have_url(re.compile(rf"/ja/translate/comment\.body/{comment.pk}/\?language=ja$"))
        text = reader.locator("textarea[name=text]")
        expect(text).to_have_value(machine.text)
        text.fill(CORRECTED)
        reader.shoot("japanese-corrects")
        reader.locator("form.translate-form button[type=submit]").click()
        expect(reader.locator(".messages, [role=status]").first).to_contain_text(
            _t("ja", "Thank you: your translation will be shown once a reviewer approves it.")
        )
        expect(reader.locator(f"#comment-{comment.pk} > .comment-body")).to_have_text(machine.text)

    proposed = Translation.objects.get(source_id=comment.pk, status=Status.PENDING)

    # 3. The moderator approves it in the Korean admin.
    page.context.clear_cookies()
    _log_in_to_admin(page, "/ko/admin/translations/translation/")
    row = page.locator(f'#result_list tbody tr:has(input[name="_selected_action"][value="{proposed.pk}"])')
    expect(row).to_contain_text("佐藤はると")
    page.shots("review-queue")
    row.locator("th a, td a").first.click()
    expect(page.locator("textarea[name=text]")).to_have_value(CORRECTED)
    page.locator('input[name=decision][value="approve"]').check()
    page.shots("review-approve")
    page.locator('input[type=submit][name="_save"]').click()
    expect(page.locator(".messagelist")).to_be_visible()
    proposed.refresh_from_db()
    assert proposed.status == Status.PUBLISHED

    # 4. The corrected text shows, with its credit.
    with _visitor(browser, page, "ja-JP") as reader:
        reader.goto(_url(page, f"/ja/proposals/{SLUG}/#comment-{comment.pk}"))
        block = reader.locator(f"#comment-{comment.pk}")
        expect(block.locator(":scope > .comment-body")).to_have_text(CORRECTED)
        expect(block.locator(":scope > .translation-label")).to_contain_text(
            _t("ja", "Translated by %(name)s", name="佐藤はると")
        )
        reader.shoot("corrected-with-credit")


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_side_by_side_columns_at_1280_and_stacked_at_390(
    browser, live_server, seeded, settings, width, height
):
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(locale="ja-JP", viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(live_server.url + f"/ja/proposals/{SLUG}/")
        page.locator("a.side-by-side-link").click()
        page.locator("#side-left").select_option("ko")
        page.locator("#side-right").select_option("ja")
        page.locator(".side-by-side-choice button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"side-by-side/\?left=ko&right=ja$"))
        left = page.locator('article.side-column[lang="ko"]')
        right = page.locator('article.side-column[lang="ja"]')
        expect(left).to_be_visible()
        expect(right).to_be_visible()
        a, b = left.bounding_box(), right.bounding_box()
        assert a is not None and b is not None
        if width >= 1280:
            assert abs(a["y"] - b["y"]) < 2 and b["x"] > a["x"] + a["width"] - 1  # side by side
        else:
            assert b["y"] >= a["y"] + a["height"] - 1 and abs(a["x"] - b["x"]) < 2  # stacked
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"side-by-side-{width}.png"), full_page=True)
        assert_accessible(page, label=f"side-by-side at {width} px")
    finally:
        context.close()
