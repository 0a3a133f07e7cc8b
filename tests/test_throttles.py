"""Per-participant throttles on every write (issue #17, item 2): 429 with Retry-After and a
translated message in the page, for htmx and plain posts, with what was typed still there."""

import uuid

import pytest

from amendments.models import Amendment
from comments.models import Comment, CommentReaction
from moderation.models import Report
from ratings.models import Rating
from tests.factories import AmendmentFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def member(make_actor, client):
    user = make_actor("member")
    client.force_login(user)
    return user


def comment_data(body="A thought.", **extra):
    return {"body": body, "language": "en", "client_token": str(uuid.uuid4()), **extra}


def assert_throttled(response):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "too often" in response.content.decode()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_the_sixth_comment_in_a_minute_is_429_with_retry_after_and_the_text_kept(
    client, member, proposal, headers
):
    url = f"/en/proposals/{proposal.slug}/comments/"
    for n in range(5):
        assert client.post(url, comment_data(f"Comment {n}"), **headers).status_code in {200, 302}

    response = client.post(url, comment_data("The sixth, carefully typed"), **headers)

    assert_throttled(response)
    assert "The sixth, carefully typed" in response.content.decode()
    assert Comment.objects.filter(author=member).count() == 5


def test_the_limit_is_a_setting_and_counts_per_participant(client, member, proposal, make_actor, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "comment": "2/m/user"}
    url = f"/en/proposals/{proposal.slug}/comments/"
    for _n in range(2):
        client.post(url, comment_data())
    assert client.post(url, comment_data()).status_code == 429

    client.force_login(make_actor("member"))
    assert client.post(url, comment_data()).status_code == 302


def test_the_message_is_translated(client, member, proposal, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "comment": "1/m/user"}
    url = f"/ja/proposals/{proposal.slug}/comments/"
    client.post(url, comment_data())
    response = client.post(url, comment_data())
    assert response.status_code == 429
    assert "秒後にもう一度" in response.content.decode()


def test_replies_are_throttled(client, member, proposal, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reply": "1/m/user"}
    parent = CommentFactory(proposal=proposal)
    url = f"/en/proposals/{proposal.slug}/comments/{parent.pk}/reply/"
    assert client.post(url, comment_data()).status_code == 302
    response = client.post(url, comment_data("Reply kept"), **HTMX)
    assert_throttled(response)
    assert "Reply kept" in response.content.decode()


def test_reactions_are_throttled(client, member, proposal, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reaction": "2/m/user"}
    comments = CommentFactory.create_batch(3, proposal=proposal)
    for comment in comments[:2]:
        client.post(f"/en/proposals/{proposal.slug}/comments/{comment.pk}/react/", {"kind": "agree"})
    response = client.post(
        f"/en/proposals/{proposal.slug}/comments/{comments[2].pk}/react/", {"kind": "agree"}, **HTMX
    )
    assert_throttled(response)
    assert CommentReaction.objects.filter(user=member).count() == 2


def test_reports_are_throttled_and_keep_the_note(client, member, proposal, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "report": "1/m/user"}
    first, second = CommentFactory.create_batch(2, proposal=proposal)
    client.post(f"/en/proposals/{proposal.slug}/comments/{first.pk}/report/", {"reason": "spam"})
    response = client.post(
        f"/en/proposals/{proposal.slug}/comments/{second.pk}/report/",
        {"reason": "spam", "note": "Why I report"},
    )
    assert_throttled(response)
    assert "Why I report" in response.content.decode()
    assert Report.objects.filter(reporter=member).count() == 1


def test_ratings_are_throttled(client, member, proposal, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "rating": "2/m/user"}
    url = f"/en/proposals/{proposal.slug}/ratings/"
    client.post(url, {"criterion": "importance", "score": 3})
    client.post(url, {"criterion": "importance", "score": 4})
    response = client.post(url, {"criterion": "importance", "score": 5}, **HTMX)
    assert_throttled(response)
    assert Rating.objects.get(user=member).score == 4


def test_amendments_are_throttled_and_keep_the_text(client, member, proposal, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "amendment": "1/m/user"}
    url = f"/en/proposals/{proposal.slug}/amendments/new/"

    def data(text):
        return {
            "field": "body",
            "language": "en",
            "base_version": proposal.current_version_id,
            "client_token": str(uuid.uuid4()),
            "new_text": proposal.current_version.body_en + text,
            "rationale": "Because.",
        }

    assert client.post(url, data(" One.")).status_code == 302
    response = client.post(url, data(" Two, kept."))
    assert_throttled(response)
    assert "Two, kept." in response.content.decode()
    assert Amendment.objects.count() == 1


def test_amendment_votes_are_throttled(client, member, proposal, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "vote": "1/m/user"}
    first, second = AmendmentFactory.create_batch(2, proposal=proposal, language="en", new_text="Better.")
    client.post(f"/en/proposals/{proposal.slug}/amendments/{first.pk}/vote/", {"value": "support"})
    response = client.post(
        f"/en/proposals/{proposal.slug}/amendments/{second.pk}/vote/", {"value": "support"}, **HTMX
    )
    assert_throttled(response)


def test_failed_login_lockout_page_has_retry_after_and_the_reset_way_through(client):
    user = UserFactory()
    for _attempt in range(5):
        client.post("/en/accounts/login/", {"login": user.email, "password": "wrong"})
    response = client.post("/en/accounts/login/", {"login": user.email, "password": "wrong"})
    assert response.status_code == 429
    assert response["Retry-After"] == "300"
    assert "resetting your password by email unlocks logging in" in response.content.decode()
