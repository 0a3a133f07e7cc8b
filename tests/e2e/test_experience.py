"""What a participant meets between the big journeys (issue #14): emails that lead back to the
site they were using, counts that follow htmx updates, focus that follows the action."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.test_participation import SLUG, _log_in, _member

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
