"""What a participant meets between the big journeys (issue #14): emails that lead back to the
site they were using, counts that follow htmx updates, focus that follows the action."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible
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
    form.locator("select[name=age_band]").select_option("18+")
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
    counter = page.locator("#comment-form #id_body-count")
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
    expect(page.locator("#comment-form #id_body-count")).to_be_visible()  # the swapped form has it too
    assert not Comment.objects.exists()

    box.fill("가" * MAX_LENGTH)
    expect(page.locator("#comment-form #id_body-count")).not_to_have_class(re.compile(r"\bover\b"))


def _active(page) -> str:
    """The focused element, as ``tag#id`` (or its outerHTML's start when it has no id)."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.id ? `${e.tagName.toLowerCase()}#${e.id}` : e.outerHTML.slice(0, 80); }"
    )


def test_after_each_htmx_action_the_count_follows_and_focus_stays_on_what_changed(page, seeded):
    author = _member("ja", "haruka@example.jp")
    _member("ko", "minji@example.kr")
    parent = _comment(author, "地方の大学と連携すべきです。")
    _log_in(page, "ko", "minji@example.kr")
    page.goto(f"{page.base_url}/ko/proposals/{SLUG}/")
    count = page.locator("#comments-heading .comments-count")
    expect(count).to_have_text("댓글 1개")

    # Opening the reply form puts the cursor in its text box.
    page.locator(f'#comment-{parent.pk} > .comment-actions a[href*="/reply/"]').click()
    expect(page.locator(f"#reply-form-{parent.pk} textarea[name=body]")).to_be_focused()

    # Replying: the new reply has the focus, the heading counts it, and it is announced.
    page.keyboard.type("동의합니다.")
    page.locator(f"#reply-form-{parent.pk} button[type=submit]").click()
    reply = page.locator(f"#comment-{parent.pk} .replies article.comment")
    expect(reply).to_be_focused()
    expect(count).to_have_text("댓글 2개")  # without a reload
    expect(page.locator("#live-announcer")).to_have_text("답글을 게시했습니다.")
    page.shots("replied")

    # Reacting keeps the focus on the pressed button (not <body>).
    agree = page.locator(f"#reaction-{parent.pk}-agree")
    agree.click()
    expect(agree).to_have_attribute("aria-pressed", "true")
    expect(agree).to_be_focused()
    agree.click()
    expect(agree).to_have_attribute("aria-pressed", "false")
    expect(agree).to_be_focused()
    assert _active(page) == f"button#reaction-{parent.pk}-agree"

    # Rating: focus on the score chosen.
    page.locator(
        '#ratings form.rating-form:has(input[value="importance"]) input[name=score][value="4"]'
    ).check()
    page.locator('#ratings form.rating-form:has(input[value="importance"]) button[type=submit]').click()
    expect(page.locator("#rating-importance-score-4")).to_be_focused()
    expect(page.locator("#rating-importance-score-4")).to_be_checked()

    # Deleting one's reply: the count goes down again.
    page.locator(f"#comment-{parent.pk} .replies summary").first.click()
    page.locator(f"#comment-{parent.pk} .replies form.comment-delete button").click()
    expect(count).to_have_text("댓글 1개")
    assert_accessible(page, include="#comments")


def test_supporting_an_amendment_keeps_the_focus_on_the_button(page, seeded):
    from amendments.services import amendment_create
    from proposals.models import Proposal

    proposal = Proposal.objects.get(slug=SLUG)
    author = _member("ja", "haruka@example.jp")
    amendment = amendment_create(
        author=author,
        proposal=proposal,
        field="title",
        language="ja",
        new_text=proposal.current_version.title_ja + "（改訂）",
        rationale="明確にするため。",
        base_version_id=proposal.current_version_id,
    )
    _member("ko", "minji@example.kr")
    _log_in(page, "ko", "minji@example.kr")
    page.goto(f"{page.base_url}/ko/proposals/{SLUG}/amendments/{amendment.pk}/")

    page.locator("#vote-support").click()
    expect(page.locator("#vote-support")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#vote-support")).to_be_focused()
    expect(page.locator("#live-announcer")).not_to_be_empty()


def test_a_reply_shows_as_an_unread_badge_until_it_is_read(page, seeded):
    from comments.services import comment_create

    haruka = _member("ja", "haruka@example.jp")
    minji = _member("ko", "minji@example.kr")
    parent = _comment(haruka, "地方の大学と連携すべきです。")
    comment_create(author=minji, proposal=parent.proposal, body="동의합니다.", language="ko", parent=parent)

    _log_in(page, "ja", "haruka@example.jp")
    badge = page.locator("#notifications-link .unread-badge")
    expect(badge).to_contain_text("1")  # loaded once with the page, no reload needed
    page.locator("#notifications-link").click()
    expect(page).to_have_url(re.compile(r"/ja/notifications/$"))
    item = page.locator(".notification.unread")
    expect(item).to_contain_text("김민지")  # who
    expect(item.locator(".notification-snippet")).to_have_text("동의합니다.")  # what they wrote
    assert_accessible(page)
    page.shots("notifications")

    page.locator("#notification-list form button[type=submit]").first.click()  # mark all as read
    expect(page.locator(".notification.unread")).to_have_count(0)
    expect(badge).to_have_count(0)  # the header follows without a reload
    expect(page.locator("#notifications-heading")).to_be_focused()
