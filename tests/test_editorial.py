"""Editorial accuracy (issue 13): one word for "deliberation" and for "youth" in Japanese, the two
meanings of "author" kept apart, and what the interface says about where proposals come from."""

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from proposals.seeding import read_proposal_files
from tests.factories import CommentFactory, ReportFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


def catalogue(locale: str):
    with open(ROOT / "locale" / locale / "LC_MESSAGES" / "django.po", "rb") as handle:
        return read_po(handle)


def strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def translation(locale: str, msgid: str, context: str | None = None) -> str:
    message = catalogue(locale).get(msgid, context=context)
    assert message is not None, f"{msgid!r} ({context}) is not in locale/{locale}"
    return strings(message)[0]


# --- 1. 熟議 and 若者 ---------------------------------------------------------------------------------


def test_no_japanese_catalogue_entry_says_shingi():
    offending = [m.id for m in catalogue("ja") if m.id and any("審議" in s for s in strings(m))]
    assert not offending


@pytest.mark.parametrize(
    ("msgid", "context"),
    [
        ("deliberation opens on", None),
        ("deliberation closes on", None),
        ("Deliberating", "stage"),
        ("Deliberation from %(start)s to %(end)s", None),
        ("Log in to take part in the deliberation.", None),
        ("Export the whole deliberation (JSON)", None),
    ],
)
def test_japanese_interface_says_jukugi_for_deliberation(msgid, context):
    assert "熟議" in translation("ja", msgid, context)


def test_japanese_proposals_say_jukugi_too():
    for item in read_proposal_files():
        assert "審議" not in json.dumps(item, ensure_ascii=False), item["slug"]
        assert "熟議" in item["body"]["ja"], item["slug"]


def test_japanese_interface_has_one_word_for_youth():
    # 若者 is what the proposals say; 青年 and ユース are not used beside it.
    offending = [
        m.id for m in catalogue("ja") if m.id and any("青年" in s or "ユース" in s for s in strings(m))
    ]
    assert not offending
    assert translation("ja", "Youth & exchange") == "若者・交流"


# --- 5. A publication's author is not a comment's author ---------------------------------------------


@pytest.mark.parametrize(
    ("locale", "content", "publication"), [("ko", "작성자", "저자"), ("ja", "投稿者", "著者")]
)
def test_author_has_separate_contexts(locale, content, publication):
    assert translation(locale, "author", "content author") == content
    assert translation(locale, "author", "publication author") == publication
    assert translation(locale, "authors", "publication author") == publication


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "content", "publication"), [("ko", "작성자", "저자"), ("ja", "投稿者", "著者")]
)
def test_moderation_queue_names_a_comments_author_as_content_author(
    client, make_actor, proposal, lang, content, publication
):
    comment = CommentFactory(proposal=proposal)
    ReportFactory(comment=comment, reporter=UserFactory())
    client.force_login(make_actor("moderator"))

    queue = client.get(f"/{lang}/admin/moderation/reportedcomment/").content.decode()
    detail = client.get(f"/{lang}/admin/moderation/reportedcomment/{comment.pk}/change/").content.decode()
    comments = client.get(f"/{lang}/admin/comments/comment/").content.decode()

    for page in (queue, detail, comments):
        assert content in page
        assert publication not in page


# --- 6. Proposals are written on the basis of the papers, not excerpted ----------------------------


@pytest.mark.parametrize(
    ("locale", "said", "never"),
    [("ko", "바탕으로 작성했습니다", "발췌했습니다"), ("ja", "に基づいて作成", "抜粋しました")],
)
def test_interface_says_proposals_were_written_on_the_basis_of_the_papers(locale, said, never):
    for msgid in (
        "Proposals are drawn from working papers of the Korea–Japan Future Dialogue. "
        "Participants' comments are their own.",
        "%(counter)s proposal for Korea–Japan cooperation, drawn from the dialogue's working papers. "
        "Read, comment, rate and suggest amendments.",
    ):
        text = translation(locale, msgid)
        assert said in text and never not in text
    assert "발췌" not in translation("ko", "First version, drawn from the source paper.")
    assert "抜粋" not in translation("ja", "First version, drawn from the source paper.")


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "said"), [("ko", "바탕으로 작성했습니다"), ("ja", "に基づいて作成")])
def test_page_footer_says_written_on_the_basis_of(client, seeded, lang, said):
    html = client.get(f"/{lang}/proposals/").content.decode()
    assert said in html
    assert not re.search("발췌했습니다|抜粋しました", html)
