"""The moderators' note on a hidden comment or amendment goes through the translation store like
participants' text (issue #15 item 8, second half): a hide with a note queues machine translations
into the other languages through the task queue; a reader of another language sees the
translation, marked as a machine translation, with the original one link away; while the machine
works, when it fails or when it is off, the original marked with its language. The page's
translations, notes included, still come in one query, and a stored translation of a note is on
the cached page at once. Korean and Japanese readers, through the client, against the fake
provider (tests/fake_providers.py)."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.models import ContributionDisplay
from core import pagestamp
from moderation import services
from tests import fake_providers
from tests.factories import AmendmentFactory, CommentFactory
from translations import services as translation_services
from translations.models import Status, Translation

pytestmark = pytest.mark.django_db

NOTES = {
    "ko": "상업 광고 링크를 반복해서 올렸습니다",  # a Korean moderator's note
    "ja": "宣伝リンクを繰り返し投稿しました",  # a Japanese moderator's note
}
OTHER = {"ko": "ja", "ja": "ko"}
# What the reader's language calls the note's (other) language, and the catalogue's words.
LANGUAGE_NAME = {"ja": "韓国語", "ko": "일본어"}
MACHINE_LABEL = {"ja": "機械翻訳", "ko": "기계 번역"}
IN_LANGUAGE = {"ja": "韓国語の原文", "ko": "일본어 원문"}
SHOW_ORIGINAL = {"ja": "原文（한국어）を表示", "ko": "원문(日本語) 보기"}
SHOW_TRANSLATION = {"ja": "翻訳（日本語）を表示", "ko": "번역(한국어) 보기"}
PENDING = {"ja": "日本語への翻訳を準備中です", "ko": "한국어 번역을 준비하고 있습니다"}
UNAVAILABLE = {"ja": "日本語への翻訳は現在ご利用いただけません", "ko": "지금은 한국어 번역을 볼 수 없습니다"}


@pytest.fixture
def moderator(make_actor):
    return make_actor("moderator")


@pytest.fixture
def hide(proposal, make_actor, moderator, django_capture_on_commit_callbacks):
    """Hide a new comment with a note in the reader's *other* language; ``run`` runs the queued
    machine work (the immediate task backend) or leaves it queued."""

    def hide(reader_language: str, *, run: bool = True, comment=None):
        comment = comment or CommentFactory(
            proposal=proposal, author=make_actor("member"), body="Buy now at spam.example"
        )
        written = OTHER[reader_language]
        with django_capture_on_commit_callbacks(execute=run):
            services.item_hide(
                moderator=moderator,
                comment=comment,
                category="spam",
                note=NOTES[written],
                note_language=written,
            )
        return comment

    return hide


TOKENS = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+|("X-CSRFToken": ")[^"]+')


def page(client, proposal, language: str, **params) -> str:
    response = client.get(f"/{language}/proposals/{proposal.slug}/", params)
    assert response.status_code == 200
    return TOKENS.sub(r"\1\2TOKEN", response.content.decode())


def placeholder(html: str, comment) -> str:
    start = html.index(f'id="comment-{comment.pk}"')
    start = html.index('class="comment-placeholder"', start)
    return html[start : html.index("</p>", start)]


def toggle_href(shown: str) -> str:
    match = re.search(r'class="translation-toggle" href="([^"]+)"', shown)
    assert match, shown
    return match.group(1).replace("&amp;", "&")


def machine(note: str, target: str) -> str:
    return escape(fake_providers.machine_text(note, target))


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_a_reader_of_another_language_reads_the_note_machine_translated_with_the_original_a_link_away(
    client, proposal, hide, provider, lang
):
    comment = hide(lang)
    written = OTHER[lang]
    assert set(
        Translation.objects.filter(source_kind="comment.hide_note", source_id=comment.pk).values_list(
            "target_language", "status"
        )
    ) >= {(lang, Status.PUBLISHED)}

    shown = placeholder(page(client, proposal, lang), comment)

    assert f'<q lang="{lang}">{machine(NOTES[written], lang)}</q>' in shown
    assert MACHINE_LABEL[lang] in shown and LANGUAGE_NAME[lang] in shown
    assert f'id="tr-comment-hide_note-{comment.pk}"' in shown
    # The original, one link away (no JavaScript needed): marked with its language as before.
    original = placeholder(client.get(toggle_href(shown)).content.decode(), comment)
    assert f'<q lang="{written}">{NOTES[written]}</q>' in original
    assert IN_LANGUAGE[lang] in original and MACHINE_LABEL[lang] not in original
    assert "translation-toggle" in original


def test_a_reader_of_the_notes_own_language_sees_it_as_written(client, proposal, hide, deepl):
    comment = hide("ja")  # a Korean note

    shown = placeholder(page(client, proposal, "ko"), comment)

    assert f'<q lang="ko">{NOTES["ko"]}</q>' in shown
    assert "translation-toggle" not in shown and "원문" not in shown


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_a_reader_who_reads_contributions_as_written_gets_the_original_and_a_link_to_the_translation(
    client, proposal, hide, make_actor, deepl, lang
):
    comment = hide(lang)
    client.force_login(
        make_actor("member", preferred_language=lang, contributions=ContributionDisplay.ORIGINAL)
    )

    shown = placeholder(page(client, proposal, lang), comment)

    assert f'<q lang="{OTHER[lang]}">{NOTES[OTHER[lang]]}</q>' in shown
    assert SHOW_TRANSLATION[lang] in shown
    translated = placeholder(client.get(toggle_href(shown)).content.decode(), comment)
    assert machine(NOTES[OTHER[lang]], lang) in translated


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_while_the_machine_works_and_when_it_fails_the_marked_original_is_shown(
    client, proposal, hide, deepl, lang
):
    pending = hide(lang, run=False)
    deepl.fail = [fake_providers.Failure(503, "down")] * 3
    failed = hide(lang)

    html = page(client, proposal, lang)

    for comment, state in [(pending, PENDING[lang]), (failed, UNAVAILABLE[lang])]:
        shown = placeholder(html, comment)
        assert f'<q lang="{OTHER[lang]}">{NOTES[OTHER[lang]]}</q>' in shown
        assert IN_LANGUAGE[lang] in shown and state in shown
        assert MACHINE_LABEL[lang] not in shown


def test_without_a_provider_nothing_is_queued_and_the_note_is_shown_marked(client, proposal, hide):
    comment = hide("ja")

    shown = placeholder(page(client, proposal, "ja"), comment)

    assert not Translation.objects.filter(source_kind="comment.hide_note").exists()
    assert f'<q lang="ko">{NOTES["ko"]}</q>' in shown and IN_LANGUAGE["ja"] in shown


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_a_hidden_amendments_note_is_translated_on_its_page_and_on_the_proposal_page(
    client, proposal, moderator, deepl, django_capture_on_commit_callbacks, lang
):
    amendment = AmendmentFactory(proposal=proposal, new_text="Rewritten off-topic text")
    written = OTHER[lang]
    with django_capture_on_commit_callbacks(execute=True):
        services.item_hide(
            moderator=moderator,
            amendment=amendment,
            category="off_topic",
            note=NOTES[written],
            note_language=written,
        )
    expected = f'<q lang="{lang}">{machine(NOTES[written], lang)}</q>'

    detail = client.get(f"/{lang}/proposals/{proposal.slug}/amendments/{amendment.pk}/").content.decode()
    listing = client.get(f"/{lang}/proposals/{proposal.slug}/amendments/").content.decode()
    proposal_page = page(client, proposal, lang)

    for html in (detail, listing, proposal_page):
        assert expected in html and MACHINE_LABEL[lang] in html
        assert "Rewritten off-topic text" not in html
    assert f'id="tr-amendment-hide_note-{amendment.pk}"' in detail


def test_participants_cannot_translate_a_moderators_note(client, proposal, hide, make_actor, deepl):
    comment = hide("ja")
    client.force_login(make_actor("member"))
    with translation.override("ja"):
        url = reverse("translations:translate", kwargs={"kind": "comment.hide_note", "pk": comment.pk})

    assert client.get(url).status_code == 404
    assert client.post(url, {"target_language": "ja", "text": "勝手な訳"}).status_code == 404
    assert not Translation.objects.filter(source_kind="comment.hide_note", origin="community").exists()


def test_restoring_and_an_automatic_hide_show_no_note_translation(
    client, proposal, hide, moderator, deepl, django_capture_on_commit_callbacks
):
    comment = hide("ja")
    services.item_restore(moderator=moderator, comment=comment)
    comment.refresh_from_db()

    html = page(client, proposal, "ja")

    assert "hide-note" not in placeholder_free(html, comment)
    assert machine(NOTES["ko"], "ja") not in html


def placeholder_free(html: str, comment) -> str:
    start = html.index(f'id="comment-{comment.pk}"')
    return html[start : html.index("</article>", start)]


# --- One query for the page's translations, notes included --------------------------------------------


def _queries(client, path: str) -> tuple[int, int]:
    client.get(path)  # warm per-process caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    translations = [q for q in captured.captured_queries if '"translations_translation"' in q["sql"]]
    return len(captured.captured_queries), len(translations)


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_the_notes_translations_come_in_the_pages_one_translation_query(
    client, proposal, make_actor, moderator, hide, deepl, settings, django_capture_on_commit_callbacks, lang
):
    settings.PROPOSAL_PAGE_CACHE = False  # the rendering is measured
    written = OTHER[lang]
    with django_capture_on_commit_callbacks(execute=True):
        from comments import services as comment_services

        comment_services.comment_create(
            author=make_actor("member"), proposal=proposal, body="A visible comment", language=written
        )
    path = f"/{lang}/proposals/{proposal.slug}/"
    before = _queries(client, path)

    hidden = [hide(lang) for _ in range(3)]
    amendment = AmendmentFactory(proposal=proposal)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_hide(
            moderator=moderator,
            amendment=amendment,
            category="spam",
            note=NOTES[written],
            note_language=written,
        )
    after = _queries(client, path)

    assert after == before and after[1] == 1
    html = client.get(path).content.decode()
    assert all(machine(NOTES[written], lang) in placeholder(html, comment) for comment in hidden)


# --- The cached page shows a stored translation at once ------------------------------------------------


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_a_stored_translation_of_a_note_is_on_the_cached_page_at_once(client, proposal, hide, deepl, lang):
    comment = hide(lang, run=False)
    cache.clear()
    first = page(client, proposal, lang)
    assert PENDING[lang] in placeholder(first, comment)
    assert page(client, proposal, lang) == first  # served from the cache
    stamp = pagestamp.stamp_of(proposal.pk)
    (row,) = Translation.objects.filter(
        source_kind="comment.hide_note", source_id=comment.pk, target_language=lang
    )

    assert translation_services.machine_run(translation_id=row.pk) == "published"

    assert pagestamp.stamp_of(proposal.pk) > stamp
    shown = placeholder(page(client, proposal, lang), comment)
    assert machine(NOTES[OTHER[lang]], lang) in shown and PENDING[lang] not in shown
