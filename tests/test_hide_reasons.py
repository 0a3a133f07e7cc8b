"""Why a comment or amendment is hidden (issue #15 item 8): a category every reader sees in their own
language (Korean, Japanese, English), plus the moderator's optional note shown as written and marked
with its language; the author is told both in theirs; the admin form offers translated categories;
free-text reasons written before categories are mapped by the migration."""

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from comments.models import Comment
from moderation import services
from tests.factories import AmendmentFactory, CommentFactory, ReportFactory, UserFactory

pytestmark = pytest.mark.django_db

NOTE = "상업 광고 링크를 반복해서 올렸습니다"  # a Korean moderator's note
# The category as each reader must see it (the catalogues' wording, not just any translation).
SPAM = {"en": "Spam or advertising", "ko": "스팸 또는 광고", "ja": "スパムまたは広告"}
# How the note's language is named to a reader of another language.
KOREAN = {"en": "Korean", "ja": "韓国語"}


@pytest.fixture
def moderator(make_actor):
    return make_actor("moderator")


@pytest.fixture
def hidden(proposal, make_actor, moderator):
    comment = CommentFactory(proposal=proposal, author=make_actor("member"), body="Buy now at spam.example")
    services.item_hide(moderator=moderator, comment=comment, category="spam", note=NOTE, note_language="ko")
    return comment


def placeholder(page: str) -> str:
    start = page.index('class="comment-placeholder"')
    return page[start : page.index("</p>", start)]


@pytest.mark.parametrize("lang", ["ko", "ja", "en"])
def test_every_reader_sees_the_category_in_their_language_and_the_note_marked(client, proposal, hidden, lang):
    page = client.get(f"/{lang}/proposals/{proposal.slug}/").content.decode()

    shown = placeholder(page)
    assert SPAM[lang] in shown
    assert all(SPAM[other] not in shown for other in SPAM if other != lang)
    assert f'<q lang="ko">{NOTE}</q>' in shown
    if lang == "ko":
        assert "원문" not in shown  # written in the reader's language: no marker
    else:
        assert KOREAN[lang] in shown
    assert "Buy now" not in page


@pytest.mark.parametrize(("lang", "label"), [("ko", "주제와 무관"), ("ja", "話題と無関係")])
def test_a_hidden_amendment_shows_its_category_in_the_readers_language(
    client, proposal, moderator, lang, label
):
    amendment = AmendmentFactory(proposal=proposal, new_text="Rewritten off-topic text")
    services.item_hide(moderator=moderator, amendment=amendment, category="off_topic")

    page = client.get(f"/{lang}/proposals/{proposal.slug}/amendments/{amendment.pk}/").content.decode()

    assert label in page and "Off-topic" not in page
    assert "Rewritten off-topic text" not in page


@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_the_author_is_told_the_category_in_their_language_and_the_note(
    proposal, make_actor, moderator, mailoutbox, django_capture_on_commit_callbacks, lang
):
    author = make_actor("member", preferred_language=lang)
    comment = CommentFactory(proposal=proposal, author=author)

    with django_capture_on_commit_callbacks(execute=True):
        services.item_hide(
            moderator=moderator, comment=comment, category="spam", note=NOTE, note_language="ko"
        )

    (email,) = mailoutbox
    assert SPAM[lang] in email.body and NOTE in email.body


def test_other_needs_a_note_and_an_unknown_category_is_refused(proposal, moderator):
    from core.errors import DeliberationError

    comment = CommentFactory(proposal=proposal)
    for category, note, code in [
        ("other", "  ", "reason_required"),
        ("rude", "x", "invalid_category"),
        ("reported", "", "invalid_category"),
    ]:
        with pytest.raises(DeliberationError) as refused:
            services.item_hide(moderator=moderator, comment=comment, category=category, note=note)
        assert refused.value.code == code
    comment.refresh_from_db()
    assert comment.hidden_at is None


# --- The queue's form, in the Korean and Japanese admin ---------------------------------------------


def _reported(proposal, make_actor):
    comment = CommentFactory(proposal=proposal, author=make_actor("member"), body="Reported text")
    ReportFactory(comment=comment, reporter=UserFactory(nationality="KR"), reason="spam")
    return comment


@pytest.mark.parametrize(
    ("lang", "other_needs_a_note"), [("ko", "메모에 사유를 적어"), ("ja", "理由をメモに書いて")]
)
def test_the_queue_hides_with_a_translated_category(
    client, proposal, make_actor, moderator, lang, other_needs_a_note
):
    client.force_login(moderator)
    comment = _reported(proposal, make_actor)
    queue = f"/{lang}/admin/moderation/reportedcomment/"
    selected = {"action": "hide_selected", "_selected_action": [comment.pk]}

    form = client.post(queue, selected).content.decode()
    refused = client.post(queue, {**selected, "confirm": "1", "category": "other", "note": ""})
    done = client.post(
        queue, {**selected, "confirm": "1", "category": "spam", "note": NOTE, "note_language": "ko"}
    )

    assert 'name="category"' in form and SPAM[lang] in form and SPAM["en"] not in form
    assert refused.status_code == 400 and other_needs_a_note in refused.content.decode()
    assert done.status_code == 302
    comment.refresh_from_db()
    assert (comment.hidden_category, comment.hidden_reason, comment.hidden_note_language) == (
        "spam",
        NOTE,
        "ko",
    )


# --- Reasons written before categories ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "category", "language"),
    [
        ("Spam link posted five times", "spam", "en"),
        ("개인정보(전화번호) 노출", "personal_data", "ko"),
        ("他の参加者への侮辱です", "harassment", "ja"),
        ("Off-topic", "off_topic", "en"),
        ("Reasons of our own", "other", "en"),
    ],
)
def test_the_migration_keeps_an_old_reason_as_the_note_with_the_best_matching_category(
    proposal, reason, category, language
):
    migration = importlib.import_module("comments.migrations.0009_hide_categories")
    old = CommentFactory(proposal=proposal, hidden_at=timezone.now(), hidden_reason=reason)
    automatic = CommentFactory(
        proposal=proposal,
        hidden_at=timezone.now(),
        hidden_reason="Reported by several participants: Spam",
        hidden_automatically=True,
    )
    shown = CommentFactory(proposal=proposal)

    migration.categorise(apps, None)

    old, automatic, shown = (Comment.objects.get(pk=c.pk) for c in (old, automatic, shown))
    assert (old.hidden_category, old.hidden_reason, old.hidden_note_language) == (category, reason, language)
    assert automatic.hidden_category == "reported"
    assert (shown.hidden_category, shown.hidden_note_language) == ("", "")
