"""What a participant meets between the big journeys (issue #14): emails that lead back to the
site they were using, counts that follow htmx updates, focus that follows the action."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.test_participation import PASSWORD, SLUG, _log_in, _member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _comment(author, body: str, **fields):
    from comments.services import comment_create
    from proposals.models import Proposal

    return comment_create(
        author=author,
        proposal=Proposal.objects.get(slug=SLUG),
        body=body,
        language=author.preferred_language,
        **fields,
    )


def test_reply_email_links_to_the_server_the_reply_was_posted_on(page, seeded, settings):
    settings.SITE_URL = "https://dialogue.example"
    author = _member("ja", "haruka@example.jp")
    _member("ko", "minji@example.kr")
    parent = _comment(author, "地方の大学と連携すべきです。")

    _log_in(page, "ko", "minji@example.kr")
    page.goto(f"{page.base_url}/ko/proposals/{SLUG}/")
    page.locator(f'#comment-{parent.pk} > .comment-actions a[href*="/reply/"]').click()
    form = page.locator(f"#reply-form-{parent.pk}")
    form.locator("textarea[name=body]").fill("동의합니다.")
    form.locator("button[type=submit]").click()
    expect(page.locator(f"#comment-{parent.pk} .replies .comment-body")).to_have_text("동의합니다.")

    (message,) = [m for m in mail.outbox if m.to == ["haruka@example.jp"]]
    link = re.search(r"https?://\S+/c/\d+/", message.body).group(0)
    # The live server's own address and port, in the recipient's language; not SITE_URL.
    assert link.startswith(f"{page.base_url}/ja/c/"), link
    assert "dialogue.example" not in message.body
    page.goto(link)
    expect(page.locator(f"#comment-{parent.pk} .replies .comment-body")).to_have_text("동의합니다.")


def test_japanese_signup_from_a_proposal_needs_a_nationality_and_ends_on_the_proposal_logged_in(page, seeded):
    from accounts.models import User

    page.goto(f"{page.base_url}/ja/proposals/{SLUG}/")
    page.locator('.site-nav a[href^="/ja/accounts/signup/"]').click()
    form = page.locator("main form.auth-form")
    nationality = form.locator("select[name=nationality]")
    expect(nationality).to_have_value("")  # nothing preselected
    expect(form.locator("select[name=preferred_language]")).to_have_value("ja")
    form.locator("input[name=email]").fill("aoi@example.jp")
    form.locator("input[name=password1]").fill(PASSWORD)
    form.locator("input[name=password2]").fill(PASSWORD)
    form.locator("input[name=display_name]").fill("佐藤はるか")
    form.locator("input[name=consent_participation]").check()
    form.locator("input[name=consent_cross_border]").check()

    # Skipping the nationality is refused: nobody is counted as Korean by default.
    form.locator("button[type=submit]").click()
    assert nationality.evaluate("el => el.validity.valueMissing")
    expect(page).to_have_url(re.compile(r"/ja/accounts/signup/\?next="))
    assert not User.objects.exists()
    page.shots("nationality-missing")

    nationality.select_option("JP")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/ja/accounts/confirm-email/$"))
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", message.body).group(0)
    page.goto(link)
    page.locator("main form.auth-form button[type=submit]").click()

    # Back on the proposal they came from, logged in.
    expect(page).to_have_url(re.compile(rf"/ja/proposals/{SLUG}/$"))
    expect(page.locator('.site-nav a[href$="/accounts/profile/"]')).to_be_visible()
    assert User.objects.get(email="aoi@example.jp").nationality == "JP"
    page.shots("back-on-the-proposal")


def test_a_long_paste_is_counted_not_cut_and_the_server_says_what_to_do(page, seeded):
    from comments.models import MAX_LENGTH, Comment

    _member("ko", "minji@example.kr")
    _log_in(page, "ko", "minji@example.kr")
    page.goto(f"{page.base_url}/ko/proposals/{SLUG}/")
    box = page.locator("#comment-form textarea[name=body]")
    counter = page.locator("#comment-form .char-count")
    expect(counter).to_have_text(f"0 / {MAX_LENGTH:,}자")

    box.fill("가" * 10_000)  # a paste far over the limit

    assert box.evaluate("el => el.value.length") == 10_000  # nothing cut
    expect(counter).to_contain_text(f"10,000 / {MAX_LENGTH:,}자 {10_000 - MAX_LENGTH:,}자 초과")
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#live-announcer")).to_contain_text("초과")
    page.shots("over-the-limit")

    page.locator("#comment-form button[type=submit]").click()
    expect(page.locator("#comment-form .form-errors")).to_contain_text(
        f"글이 10000자로 한도({MAX_LENGTH}자)를 넘습니다."
    )
    box = page.locator("#comment-form textarea[name=body]")
    assert box.evaluate("el => el.value.length") == 10_000  # still all there after the refusal
    expect(page.locator("#comment-form .char-count")).to_be_visible()  # the swapped form has it too
    assert not Comment.objects.exists()

    box.fill("가" * MAX_LENGTH)
    expect(page.locator("#comment-form .char-count")).not_to_have_class(re.compile(r"\bover\b"))
