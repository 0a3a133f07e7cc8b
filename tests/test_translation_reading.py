"""Reading across the language line: a comment (and an amendment's rationale) shows its current
published translation into the reader's language, labelled with its origin, with the original one
link away (no JavaScript needed); "pending" while the machine works, "unavailable" when the
provider failed; the reader's profile choice "as written" shows originals first.
"""

import re

import pytest
from django.utils.html import escape

from accounts.models import ContributionDisplay
from comments import services as comment_services
from moderation import services as moderation_services
from tests import fake_providers
from tests.factories import AmendmentFactory, MembershipFactory, UserFactory
from translations import services as translation_services
from translations.models import Status, Translation

pytestmark = pytest.mark.django_db

KO = "청년 교류 기금은 지역 대학과 함께 운영되어야 합니다."
KO_EDITED = "청년 교류 기금은 지역 대학 및 지자체와 함께 운영되어야 합니다."
JA_BY_AUTHOR = "青年交流基金は地域の大学と共に運営されるべきです。"
JA_BY_PEER = "青少年交流基金は地元の大学と一緒に運営すべきです。"


@pytest.fixture
def writer(programme):
    user = UserFactory(nationality="KR", preferred_language="ko", display_name="민지")
    MembershipFactory(user=user, programme=programme)
    return user


@pytest.fixture
def reader(programme):
    user = UserFactory(nationality="JP", preferred_language="ja", display_name="はると")
    MembershipFactory(user=user, programme=programme)
    return user


@pytest.fixture
def post(proposal, writer, django_capture_on_commit_callbacks):
    def post(body=KO, language="ko", *, run=True, **kwargs):
        with django_capture_on_commit_callbacks(execute=run):
            return comment_services.comment_create(
                author=writer, proposal=proposal, body=body, language=language, **kwargs
            )

    return post


def page(client, proposal, language="ja", **params):
    response = client.get(f"/{language}/proposals/{proposal.slug}/", params)
    assert response.status_code == 200
    return response.content.decode()


def block(html: str, comment) -> str:
    """The comment's text block (text and label)."""
    match = re.search(
        rf'<article class="comment[^"]*" id="comment-{comment.pk}">(.*?)<div class="reactions"',
        html,
        re.S,
    )
    assert match, f"no text block for comment {comment.pk}"
    return match.group(1)


def toggle_href(html: str) -> str:
    match = re.search(r'class="translation-toggle" href="([^"]+)"', html)
    assert match
    return match.group(1).replace("&amp;", "&")


def test_a_japanese_reader_reads_a_korean_comment_in_japanese(client, proposal, reader, post, deepl):
    comment = post()
    client.force_login(reader)
    shown = block(page(client, proposal), comment)
    assert '<div class="comment-body" lang="ja">〔ja〕' + escape(KO) in shown
    assert "翻訳" in shown and "機械翻訳（DeepL）" in shown
    assert "原文（한국어）を表示" in shown
    assert toggle_href(shown).endswith(f"?original=comment.body-{comment.pk}#comment-{comment.pk}")


def test_the_toggle_shows_the_original_without_javascript(client, proposal, reader, post, deepl):
    comment = post()
    client.force_login(reader)
    href = toggle_href(block(page(client, proposal, sort="newest"), comment))
    assert "sort=newest" in href
    response = client.get(href.split("#")[0])
    shown = block(response.content.decode(), comment)
    assert f'<div class="comment-body" lang="ko">{escape(KO)}</div>' in shown
    assert "原文（한국어）" in shown and "翻訳（日本語）を表示" in shown
    # ... and back.
    assert "original=" not in toggle_href(shown)


def test_korean_ui_labels_a_translation_of_japanese(
    client, proposal, writer, reader, django_capture_on_commit_callbacks, deepl
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_services.comment_create(
            author=reader, proposal=proposal, body="交流を広げましょう。", language="ja"
        )
    client.force_login(writer)
    shown = block(page(client, proposal, "ko"), comment)
    assert 'lang="ko">〔ko〕交流を広げましょう。' in shown
    assert "번역됨" in shown and "원문(日本語) 보기" in shown and "기계 번역(DeepL)" in shown


def test_the_reader_who_reads_as_written_sees_the_original_and_a_link(client, proposal, reader, post, deepl):
    comment = post()
    reader.contributions = ContributionDisplay.ORIGINAL
    reader.save()
    client.force_login(reader)
    shown = block(page(client, proposal), comment)
    assert f'lang="ko">{escape(KO)}' in shown
    href = toggle_href(shown)
    assert f"translated=comment.body-{comment.pk}" in href
    shown = block(client.get(href.split("#")[0]).content.decode(), comment)
    assert 'lang="ja">〔ja〕' in shown


def test_a_visitor_reads_in_the_language_of_the_page(client, proposal, post, deepl):
    comment = post()
    assert 'lang="en">〔en〕' in block(page(client, proposal, "en"), comment)
    # In the comment's own language nothing is said about translation.
    shown = block(page(client, proposal, "ko"), comment)
    assert "translation-label" not in shown and f'lang="ko">{escape(KO)}' in shown


def test_pending_while_the_machine_works(client, proposal, reader, post, deepl):
    comment = post(run=False)  # the task was not run
    client.force_login(reader)
    shown = block(page(client, proposal), comment)
    assert f'lang="ko">{escape(KO)}' in shown
    assert "日本語への翻訳を準備中です" in shown


def test_unavailable_when_the_provider_failed_and_nothing_is_lost(client, proposal, reader, post, deepl):
    deepl.fail = [fake_providers.Failure(503, "down")] * 3
    comment = post()
    assert Translation.objects.filter(source_id=comment.pk, status=Status.UNAVAILABLE).exists()
    client.force_login(reader)
    shown = block(page(client, proposal), comment)
    assert f'lang="ko">{escape(KO)}' in shown
    assert "日本語への翻訳は現在ご利用いただけません" in shown


def test_the_authors_own_translation_is_credited_to_the_author(client, proposal, reader, post):
    comment = post(translations={"ja": JA_BY_AUTHOR})
    client.force_login(reader)
    shown = block(page(client, proposal), comment)
    assert f'lang="ja">{JA_BY_AUTHOR}' in shown
    assert "投稿者本人による翻訳" in shown


def test_a_stale_translation_is_never_shown(
    client, proposal, reader, writer, post, django_capture_on_commit_callbacks
):
    comment = post(translations={"ja": JA_BY_AUTHOR})
    with django_capture_on_commit_callbacks(execute=True):
        comment_services.comment_edit(user=writer, comment=comment, body=KO_EDITED)
    client.force_login(reader)
    shown = block(page(client, proposal), comment)
    assert JA_BY_AUTHOR not in shown and f'lang="ko">{escape(KO_EDITED)}' in shown
    assert "translation-label" not in shown


def test_a_participants_translation_shows_with_credit_after_approval(
    client, proposal, reader, post, programme, make_actor
):
    comment = post()
    translator = UserFactory(display_name="ゆい")
    MembershipFactory(user=translator, programme=programme)
    row = translation_services.translation_submit(
        user=translator, kind="comment.body", obj=comment, target_language="ja", text=JA_BY_PEER
    )
    client.force_login(reader)
    assert JA_BY_PEER not in page(client, proposal)  # pending review: not shown
    translation_services.translation_approve(reviewer=make_actor("moderator"), translation=row)
    shown = block(page(client, proposal), comment)
    assert f'lang="ja">{JA_BY_PEER}' in shown and "ゆいさんが翻訳" in shown


def test_hidden_comments_show_no_translation_even_to_moderators(client, proposal, post, make_actor):
    comment = post(translations={"ja": JA_BY_AUTHOR})
    moderator = make_actor("moderator")
    moderation_services.item_hide(
        moderator=moderator, comment=comment, category="other", note="Personal data"
    )
    client.force_login(moderator)
    html = page(client, proposal)
    assert JA_BY_AUTHOR not in html
    assert escape(KO) in html  # moderators still see the original


def test_an_amendment_rationale_reads_in_the_readers_language(client, proposal, reader, writer):
    amendment = AmendmentFactory(proposal=proposal, author=writer, rationale=KO)
    translation_services.translation_submit(
        user=writer, kind="amendment.rationale", obj=amendment, target_language="ja", text=JA_BY_AUTHOR
    )
    client.force_login(reader)
    html = client.get(amendment.get_absolute_url().replace("/en/", "/ja/")).content.decode()
    assert f'<div class="rationale" lang="ja">{JA_BY_AUTHOR}</div>' in html
    assert "原文（한국어）を表示" in html


def test_the_profile_keeps_the_reading_choice(client, reader):
    client.force_login(reader)
    response = client.post(
        "/ja/accounts/profile/",
        {
            "display_name": reader.display_name,
            "preferred_language": "ja",
            "affiliation": "",
            "notification_frequency": "off",
            "contributions": "original",
        },
    )
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.contributions == ContributionDisplay.ORIGINAL
    assert "原文のまま" in client.get("/ja/accounts/profile/").content.decode()


def test_an_unknown_reading_choice_is_refused_with_a_message(client, reader):
    client.force_login(reader)
    response = client.post(
        "/ja/accounts/profile/",
        {
            "display_name": reader.display_name,
            "preferred_language": "ja",
            "notification_frequency": "off",
            "contributions": "sideways",
        },
    )
    assert response.status_code == 400
    reader.refresh_from_db()
    assert reader.contributions == ContributionDisplay.TRANSLATED
