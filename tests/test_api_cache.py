"""The API's proposal list and comment pages from the shared cache (api.responsecache), with Redis
as production and ``make bench`` run it: the next GET after any write the page shows shows it, a
hidden comment never comes from the cache, and pages that differ by language, query or host are
kept apart. Real Redis (tests/conftest.py: redis_cache; skipped without it) and real commits, so
that the writers' hooks (core.stampmirror) run as in production."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import responsecache
from comments import services as comment_services
from progress.models import Jurisdiction, Stage
from progress.services import stages_recompute
from proposals.services import translated_field_names, version_create
from tests.factories import (
    CommentFactory,
    InstitutionAPIKeyFactory,
    MembershipFactory,
    MilestoneFactory,
    ProposalFactory,
    UserFactory,
)

API = "/api/v1/"


@pytest.fixture(autouse=True)
def shared_cache(redis_cache, transactional_db, settings):
    settings.API_THROTTLE_RATE = "100000/min"
    assert responsecache.enabled()


@pytest.fixture
def key():
    return InstitutionAPIKeyFactory(scopes=["read"]).key


@pytest.fixture
def get(client, key):
    def call(path, status=200, **extra):
        response = client.get(path, HTTP_AUTHORIZATION=f"Api-Key {key}", **extra)
        assert response.status_code == status, (response.status_code, response.content[:300])
        return response

    return call


def comments_path(proposal, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{API}proposals/{proposal.slug}/comments/" + (f"?{query}" if query else "")


def bodies(response) -> list[str]:
    return [item["body"] for item in json.loads(response.content)["results"]]


def served_from_cache(get, path, **extra) -> bool:
    """Whether the page came from the cache: no serialising means no query for its data."""
    with CaptureQueriesContext(connection) as queries:
        get(path, **extra)
    return not any("comments_comment" in q["sql"] or "proposals_proposalversion" in q["sql"] for q in queries)


@pytest.fixture
def author(programme):
    user = UserFactory(display_name="Author Ahn")
    MembershipFactory(user=user, programme=programme)
    return user


def test_a_comment_page_is_served_from_the_cache_without_a_query(get, proposal, author):
    CommentFactory(proposal=proposal, author=author, body="Cached comment")
    path = comments_path(proposal, page_size=50)
    first = get(path)
    with CaptureQueriesContext(connection) as queries:
        again = get(path)
    assert len(queries) == 0  # key, rate limit, stamp (its mirror) and page all in Redis
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert again["Content-Type"] == first["Content-Type"] == "application/json"
    assert again["RateLimit-Remaining"] != first["RateLimit-Remaining"]  # counted each time
    assert again["Vary"] == first["Vary"]
    # The tag from the cache answers If-None-Match as before.
    conditional = get(path, HTTP_IF_NONE_MATCH=first["ETag"], status=304)
    assert conditional.content == b"" and conditional["ETag"] == first["ETag"]


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_a_new_comment_an_edit_and_a_reaction_show_at_once(get, proposal, author, language):
    path = comments_path(proposal, lang=language)
    comment = comment_services.comment_create(
        author=author, proposal=proposal, body="First words", language="ko"
    )
    get(path)
    assert served_from_cache(get, path)
    etag = get(path)["ETag"]

    comment_services.comment_create(author=author, proposal=proposal, body="Second words", language="ja")
    response = get(path, HTTP_IF_NONE_MATCH=etag)
    assert bodies(response) == ["First words", "Second words"]

    comment_services.comment_edit(user=author, comment=comment, body="First words, edited")
    assert bodies(get(path))[0] == "First words, edited"

    voter = UserFactory(nationality="JP")
    MembershipFactory(user=voter, programme=proposal.programme)
    comment_services.comment_react(user=voter, comment=comment, kind="agree")
    item = json.loads(get(path).content)["results"][0]
    assert item["agree_count"] == 1 and item["reactions"]["JP"]["agree"] == 1


def test_a_hidden_comment_never_comes_from_the_cache(get, proposal, author, make_actor):
    from moderation import services as moderation_services

    comment = CommentFactory(proposal=proposal, author=author, body="Questionable remark")
    path = comments_path(proposal)
    get(path)
    assert "Questionable remark" in bodies(get(path))
    moderation_services.item_hide(
        moderator=make_actor("moderator"), comment=comment, category="other", note="x"
    )
    assert "Questionable remark" not in bodies(get(path))
    assert "Questionable remark" not in get(comments_path(proposal, q="Questionable")).content.decode()


def test_a_published_translation_and_a_new_name_show_at_once(get, proposal, author):
    from accounts import services as account_services
    from translations import services as translation_services

    comment = CommentFactory(proposal=proposal, author=author, body="원래 말", language="ko")
    path = comments_path(proposal, lang="ja")
    get(path)
    translation_services.translation_submit(
        user=author, kind="comment.body", obj=comment, target_language="ja", text="自分の翻訳"
    )
    assert "自分の翻訳" in get(path).content.decode()
    account_services.profile_update(
        user=author,
        display_name="Renamed Author",
        preferred_language=author.preferred_language,
        notification_frequency=author.notification_frequency,
    )
    page = get(path).content.decode()
    assert "Renamed Author" in page and "Author Ahn" not in page


def test_pages_differing_by_language_query_or_host_are_kept_apart(get, proposal, author):
    for number in range(3):
        CommentFactory(proposal=proposal, author=author, body=f"Comment {number}")
    path = comments_path(proposal)
    korean = get(path, HTTP_ACCEPT_LANGUAGE="ko")
    japanese = get(path, HTTP_ACCEPT_LANGUAGE="ja")
    assert korean["Content-Language"] == "ko" and japanese["Content-Language"] == "ja"
    first_two = json.loads(get(comments_path(proposal, page_size=2)).content)
    assert len(first_two["results"]) == 2 and first_two["next"]
    rest = json.loads(get(first_two["next"]).content)
    assert [c["body"] for c in rest["results"]] == ["Comment 2"]
    plain = json.loads(get(path).content)["results"][0]["url"]
    secure = json.loads(get(path, secure=True).content)["results"][0]["url"]
    assert plain.startswith("http://testserver/") and secure.startswith("https://testserver/")
    other = json.loads(get(path, HTTP_HOST="localhost").content)["results"][0]["url"]
    assert other.startswith("http://localhost/")


def test_errors_are_never_cached(get, proposal):
    bad = comments_path(proposal, cursor="not-a-cursor")
    assert get(bad, status=400).content == get(bad, status=400).content
    get(comments_path(proposal, updated_since="yesterday"), status=400)
    get(f"{API}proposals/no-such-proposal/comments/", status=404)
    get(f"{API}proposals/?updated_since=yesterday", status=400)


# --- The proposal list ---------------------------------------------------------------------------


def _texts(version, **changes) -> dict:
    return {**{name: getattr(version, name) for name in translated_field_names()}, **changes}


def titles(response, language) -> list[str]:
    return [item["text"][language]["title"] for item in json.loads(response.content)["results"]]


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_a_new_version_shows_in_the_list_at_once(get, proposal, make_actor, language):
    path = f"{API}proposals/?lang={language}"
    get(path)
    assert served_from_cache(get, path)
    version_create(
        proposal=proposal,
        texts=_texts(proposal.current_version, **{f"title_{language}": "새 제목 新しい題"}),
        change_note="Retitled.",
        stale_translations=[],
        created_by=make_actor("moderator"),
    )
    assert titles(get(path), language) == ["새 제목 新しい題"]


def test_a_stage_and_a_new_proposal_show_in_the_list_at_once(get, proposal, programme):
    path = f"{API}proposals/"
    get(path)
    MilestoneFactory(
        proposal=proposal, jurisdiction=Jurisdiction.KOREA, stage=Stage.PILOTED, date=dt.date(2025, 1, 1)
    )
    stages_recompute(proposal=proposal, actor=None)
    listed = json.loads(get(path).content)
    assert listed["results"][0]["stages"]["KR"] == Stage.PILOTED
    ProposalFactory(programme=programme)
    assert json.loads(get(path).content)["count"] == 2


def test_the_list_keeps_its_filters_pages_and_count(get, programme):
    for _ in range(3):
        ProposalFactory(programme=programme)
    page = json.loads(get(f"{API}proposals/?page_size=2").content)
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert json.loads(get(page["next"]).content)["previous"]
    assert json.loads(get(f"{API}proposals/?programme=no-such").content)["count"] == 0
    assert json.loads(get(f"{API}proposals/?page_size=2").content) == page
