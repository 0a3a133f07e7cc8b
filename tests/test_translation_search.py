"""Search through translations: a Korean query finds a Japanese comment through its Korean
translation, on the site (the proposal search lists the matching comments, in the reader's
language) and in the API (``?q=`` on a proposal's comments). Hidden comments are never found."""

import pytest

from comments import services as comment_services
from moderation import services as moderation_services
from tests.factories import MembershipFactory, UserFactory
from tests.test_api_support import API, api_fixture, local_cache_fixture, read_key_fixture, reader_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

JA = "地域の大学と一緒に青年交流基金を運営しましょう。"
KO_BY_AUTHOR = "지역 대학과 함께 청년교류기금을 운영합시다."
OTHER_JA = "奨学金の拡充が必要です。"


@pytest.fixture
def author(programme):
    user = UserFactory(nationality="JP", display_name="はると")
    MembershipFactory(user=user, programme=programme)
    return user


@pytest.fixture
def comments(proposal, author):
    found = comment_services.comment_create(
        author=author, proposal=proposal, body=JA, language="ja", translations={"ko": KO_BY_AUTHOR}
    )
    other = comment_services.comment_create(author=author, proposal=proposal, body=OTHER_JA, language="ja")
    return found, other


def test_a_korean_query_finds_a_japanese_comment_through_its_korean_translation(client, comments):
    found, other = comments
    html = client.get("/ko/proposals/", {"q": "청년교류기금"}).content.decode()
    assert f'id="tr-comment-body-{found.pk}"' in html
    assert f'id="tr-comment-body-{other.pk}"' not in html
    # Shown in the reader's language, labelled, the original one link away.
    assert f'lang="ko">{KO_BY_AUTHOR}' in html and "원문(日本語) 보기" in html


def test_the_original_text_is_found_too(client, comments):
    found, _other = comments
    html = client.get("/ko/proposals/", {"q": "青年交流"}).content.decode()
    assert f'id="tr-comment-body-{found.pk}"' in html


def test_hidden_comments_are_not_found(client, comments, make_actor):
    found, _other = comments
    moderation_services.item_hide(
        moderator=make_actor("moderator"), comment=found, category="other", note="Spam"
    )
    html = client.get("/ko/proposals/", {"q": "청년교류기금"}).content.decode()
    assert f'tr-comment-body-{found.pk}"' not in html


@pytest.mark.parametrize("extra", [0, 30])
def test_the_search_costs_the_same_queries_at_any_size(
    client, proposal, author, comments, extra, django_assert_num_queries
):
    for index in range(extra):
        comment_services.comment_create(
            author=author,
            proposal=proposal,
            body=f"{JA} {index}",
            language="ja",
            translations={"ko": f"{KO_BY_AUTHOR} {index}"},
        )
    client.get("/ko/proposals/", {"q": "청년교류기금"})
    # proposals, matching comments (with their translations' ids in a subquery), their translations
    with django_assert_num_queries(3):
        response = client.get("/ko/proposals/", {"q": "청년교류기금"})
    assert response.status_code == 200


def test_the_api_finds_comments_through_translations(reader, proposal, comments):
    found, _other = comments
    results = reader.get_json(f"{API}proposals/{proposal.slug}/comments/?q=청년교류기금&lang=ko")["results"]
    assert [item["id"] for item in results] == [found.pk]
    assert results[0]["translations"][0]["text"] == KO_BY_AUTHOR


def test_the_api_refuses_an_overlong_query_with_a_json_error(reader, proposal):
    response = reader.get(f"{API}proposals/{proposal.slug}/comments/?q={'가' * 101}")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["q"]
