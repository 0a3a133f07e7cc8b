"""Accounts end to end, in Korean and in Japanese: a young participant signs up, their guardian
consents from the emailed link, then they comment; a participant downloads their data and
deletes their account (after entering the password again)."""

import json
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible
from tests.e2e.test_participation import PASSWORD, PROGRAMME, SLUG, _log_in, _member, _submit_auth_form, _url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

YOUNG = {
    "ko": {
        "email": "jiwoo@example.kr",
        "name": "지우",
        "nationality": "KR",
        "band": "under14",
        "guardian": "jiwoo.parent@example.kr",
        "comment": "학생 교류가 더 많아지면 좋겠어요.",
    },
    "ja": {
        "email": "yui@example.jp",
        "name": "ゆい",
        "nationality": "JP",
        "band": "14-15",
        "guardian": "yui.parent@example.jp",
        "comment": "学生の交流がもっと増えてほしいです。",
    },
}
LINK = re.compile(r"https?://\S+")


def _link_to(address: str, part: str) -> str:
    for message in mail.outbox:
        if message.to == [address]:
            for url in LINK.findall(message.body):
                if part in url:
                    return url
    raise AssertionError(f"no email to {address} with {part}")


@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_a_minor_signs_up_the_guardian_consents_from_the_email_and_the_minor_comments(
    page, browser, seeded, lang
):
    person = YOUNG[lang]
    page.goto(_url(page, f"/{lang}/accounts/signup/"))
    form = page.locator("main form.auth-form")
    form.locator("input[name=email]").fill(person["email"])
    form.locator("input[name=password1]").fill(PASSWORD)
    form.locator("input[name=password2]").fill(PASSWORD)
    form.locator("input[name=display_name]").fill(person["name"])
    form.locator("select[name=nationality]").select_option(person["nationality"])
    form.locator("select[name=preferred_language]").select_option(lang)
    form.locator("select[name=age_band]").select_option(person["band"])
    form.locator("input[name=guardian_email]").fill(person["guardian"])
    form.locator("input[name=consent_participation]").check()
    form.locator("input[name=consent_cross_border]").check()
    _submit_auth_form(page)
    expect(page).to_have_url(re.compile(rf"/{lang}/accounts/confirm-email/$"))

    page.goto(_link_to(person["email"], "/confirm-email/"))
    _submit_auth_form(page)
    expect(page.locator('.site-nav a[href$="/accounts/profile/"]')).to_be_visible()

    page.goto(_url(page, f"/{lang}/proposals/{SLUG}/"))
    page.locator(f"#join-{PROGRAMME} form.join-form button[type=submit]").click()
    expect(page.locator(".comments-refusal")).to_be_visible()
    expect(page.locator("#comment-form")).to_have_count(0)

    # The guardian, in another browser, opens the link from their email (in the participant's language).
    guardian_context = browser.new_context(locale="en-US")
    guardian = guardian_context.new_page()
    guardian.goto(_link_to(person["guardian"], "/guardian/"))
    expect(guardian.locator("html")).to_have_attribute("lang", lang)
    expect(guardian.locator(".guardian-consent")).to_have_attribute("data-status", "pending")
    assert_accessible(guardian)
    guardian.locator("button[name=decision][value=consent]").click()
    expect(guardian.locator(".guardian-consent")).to_have_attribute("data-status", "granted")
    guardian_context.close()

    page.reload()
    comment_form = page.locator("#comment-form")
    expect(comment_form).to_be_visible()
    comment_form.locator("textarea[name=body]").fill(person["comment"])
    comment_form.locator("button[type=submit]").click()
    expect(
        page.locator("#comments article.comment .comment-body", has_text=person["comment"])
    ).to_be_visible()
    page.shots("minor-commented")


@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_a_participant_downloads_their_data_and_deletes_their_account(page, seeded, lang):
    from accounts.models import User

    email = f"leaving-{lang}@example.org"
    _member(lang, email)
    _log_in(page, lang, email)

    page.goto(_url(page, f"/{lang}/accounts/data/"))
    assert_accessible(page)
    page.locator('form[action$="/accounts/data/export/"] button[type=submit]').click()
    expect(page.locator(".messages .message.success")).to_be_visible()
    link = _link_to(email, "/accounts/data/")
    assert f"/{lang}/accounts/data/" in link
    download = page.request.get(link)
    assert download.ok
    assert json.loads(download.body())["data"]["profile"][0]["email"] == email
    page.goto(link + "?format=html")
    expect(page.locator('section.data-kind[data-kind="profile"]')).to_contain_text(email)
    page.shots("data-summary")

    page.goto(_url(page, f"/{lang}/accounts/data/"))
    delete = page.locator("#delete form")
    delete.locator('input[name=contributions][value="delete"]').check()
    delete.locator("input[name=confirm]").check()
    delete.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/{lang}/accounts/reauthenticate/"))
    page.locator("main form.auth-form input[name=password]").fill(PASSWORD)
    # The password is the last step: the deletion asked for before it goes through, no second submit.
    _submit_auth_form(page)
    expect(page).to_have_url(re.compile(rf"/{lang}/proposals/$"))
    expect(page.locator('.site-nav a[href*="/accounts/login/"]')).to_be_visible()
    assert not User.objects.filter(email=email).exists()
