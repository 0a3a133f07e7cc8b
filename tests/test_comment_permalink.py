"""A comment's permalink (``/<lang>/c/<id>/``) lands on the page the comment is on, under the
reader's sort, at its anchor; the queue, notifications, emails, the API and exports link to it."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from comments import services
from comments.selectors import PAGE_SIZE
from notifications.models import Notification
from tests.factories import AmendmentFactory, CommentFactory

pytestmark = pytest.mark.django_db


def roots(proposal, count, **fields):
    """``count`` root comments, one minute apart, oldest first."""
    start = timezone.now() - dt.timedelta(days=1)
    return [
        CommentFactory(proposal=proposal, created_at=start + dt.timedelta(minutes=n), **fields)
        for n in range(count)
    ]


def landing(client, url):
    """Follow the permalink's redirect and return (location, page HTML)."""
    response = client.get(url)
    assert response.status_code == 302, response.status_code
    page = client.get(response["Location"])
    assert page.status_code == 200
    return response["Location"], page.content.decode()


def test_a_comment_on_page_five_is_reached_from_its_permalink(client, proposal):
    threads = roots(proposal, PAGE_SIZE * 4 + 3)
    wanted = threads[PAGE_SIZE * 4 + 1]

    location, page = landing(client, f"/ko/c/{wanted.pk}/")

    assert location == f"/ko/proposals/{proposal.slug}/?sort=oldest&page=5#comment-{wanted.pk}"
    assert f'id="comment-{wanted.pk}"' in page


def test_a_reply_lands_on_its_threads_page_under_the_sort_asked_for(client, proposal):
    threads = roots(proposal, PAGE_SIZE * 2 + 1)
    reply = CommentFactory(parent=threads[0], body="a late reply")

    oldest, _page = landing(client, f"/ja/c/{reply.pk}/")
    newest, newest_page = landing(client, f"/ja/c/{reply.pk}/?sort=newest")

    assert oldest == f"/ja/proposals/{proposal.slug}/?sort=oldest#comment-{reply.pk}"
    assert newest == f"/ja/proposals/{proposal.slug}/?sort=newest&page=3#comment-{reply.pk}"
    assert f'id="comment-{reply.pk}"' in newest_page


def test_a_comment_on_an_amendment_lands_on_the_amendments_page(client, proposal):
    amendment = AmendmentFactory(proposal=proposal)
    comment = CommentFactory(proposal=proposal, amendment=amendment)

    location, page = landing(client, f"/en/c/{comment.pk}/")

    assert (
        location
        == f"/en/proposals/{proposal.slug}/amendments/{amendment.pk}/?sort=oldest#comment-{comment.pk}"
    )
    assert f'id="comment-{comment.pk}"' in page


def test_a_hidden_comment_keeps_its_place_with_the_placeholder(client, proposal):
    threads = roots(proposal, PAGE_SIZE + 1)
    hidden = threads[-1]
    hidden.hidden_at = timezone.now()
    hidden.hidden_reason = "Insults"
    hidden.save()

    location, page = landing(client, f"/en/c/{hidden.pk}/")

    assert location.endswith(f"?sort=oldest&page=2#comment-{hidden.pk}")
    assert f'id="comment-{hidden.pk}"' in page
    assert hidden.body not in page


def test_a_deleted_reply_lands_on_its_thread_with_a_word_why(client, proposal):
    threads = roots(proposal, PAGE_SIZE + 1)
    reply = CommentFactory(parent=threads[-1], deleted_at=timezone.now())

    location, page = landing(client, f"/en/c/{reply.pk}/")

    assert location.endswith(f"?sort=oldest&page=2#comment-{threads[-1].pk}")
    assert "This comment was deleted by its author." in page


def test_a_deleted_comment_still_holding_replies_keeps_its_anchor(client, proposal):
    root = CommentFactory(proposal=proposal, deleted_at=timezone.now())
    CommentFactory(parent=root)

    location, page = landing(client, f"/en/c/{root.pk}/")

    assert location.endswith(f"#comment-{root.pk}")
    assert f'id="comment-{root.pk}"' in page
    assert "This comment was deleted by its author." in page


def test_a_deleted_thread_with_nothing_left_lands_on_the_discussion(client, proposal):
    root = CommentFactory(proposal=proposal, deleted_at=timezone.now())

    location, page = landing(client, f"/en/c/{root.pk}/")

    assert location == f"/en/proposals/{proposal.slug}/?sort=oldest#comments"
    assert "This comment was deleted by its author." in page


def test_an_unknown_comment_is_not_found(client):
    assert client.get("/en/c/999999/").status_code == 404


def test_the_permalink_without_a_language_uses_the_readers_language(client, proposal):
    comment = CommentFactory(proposal=proposal)

    response = client.get(f"/c/{comment.pk}/", HTTP_ACCEPT_LANGUAGE="ja")

    assert response.status_code == 302
    assert response["Location"] == f"/ja/proposals/{proposal.slug}/?sort=oldest#comment-{comment.pk}"


def test_the_permalink_costs_the_same_few_queries_however_long_the_discussion(
    client, proposal, django_assert_max_num_queries
):
    threads = roots(proposal, PAGE_SIZE * 3)
    reply = CommentFactory(parent=threads[-1], deleted_at=timezone.now())

    # The comment, the deleted reply's replies, its root's replies, the count before the root;
    # the session and messages middleware may add their own.
    with django_assert_max_num_queries(6):
        client.get(f"/en/c/{reply.pk}/")


def test_the_reply_notification_and_email_link_to_the_permalink(client, proposal, make_actor):
    author = make_actor("member", preferred_language="ja")
    replier = make_actor("member")
    roots(proposal, PAGE_SIZE + 1)
    parent = CommentFactory(proposal=proposal, author=author)

    reply = services.comment_create(
        author=replier, proposal=proposal, body="답글", language="ko", parent=parent
    )

    notification = Notification.objects.get(recipient=author)
    assert notification.url == f"/ja/c/{reply.pk}/"
    location, _page = landing(client, notification.url)
    assert location.endswith(f"?sort=oldest&page=2#comment-{reply.pk}")
    for message in mail.outbox:
        assert f"/ja/c/{reply.pk}/" in message.body


def test_the_moderation_queue_links_the_comment_by_its_permalink(client, proposal, make_actor):
    from moderation.models import ReportReason
    from moderation.services import report_create

    comment = CommentFactory(proposal=proposal)
    report_create(reporter=make_actor("member"), reason=ReportReason.SPAM, comment=comment)
    client.force_login(make_actor("moderator"))

    page = client.get("/en/admin/moderation/reportedcomment/").content.decode()

    assert f'href="/en/c/{comment.pk}/"' in page


def test_the_api_and_the_export_give_each_comment_its_permalink(client, proposal):
    from tests.factories import InstitutionAPIKeyFactory

    comment = CommentFactory(proposal=proposal)
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {InstitutionAPIKeyFactory().key}"}

    listed = client.get(f"/api/v1/proposals/{proposal.slug}/comments/", **auth).json()
    exported = client.get(f"/api/v1/proposals/{proposal.slug}/export.csv", **auth).content.decode("utf-8-sig")

    assert listed["results"][0]["url"] == f"http://testserver/c/{comment.pk}/"
    assert f"http://testserver/c/{comment.pk}/" in exported
