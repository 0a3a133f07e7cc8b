"""The discussion heading's count (``Proposal.discussion_count``, comments.counters) is kept by the
services, so the answer to a new comment reads it instead of counting a thread of thousands. It
must equal a recount after every write that changes it: posted, replied, edited, deleted, hidden
and restored (moderators' admin actions), erased; amendment discussions keep their own count."""

import importlib
import re
import uuid

import pytest
from django.apps import apps as django_apps

from accounts.datarights import account_erase
from comments.models import Comment
from proposals.models import Proposal
from tests.factories import AmendmentFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
COMMENTS_ADMIN = "/en/admin/comments/comment/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def recounted(proposal) -> int:
    """What the heading counts, from the rows: the proposal's own discussion, not deleted."""
    return Comment.objects.filter(proposal=proposal, amendment=None, deleted_at__isnull=True).count()


def kept(proposal) -> int:
    return Proposal.objects.get(pk=proposal.pk).discussion_count


def heading(response) -> int:
    """The count the answer (out of band) or the page shows in the heading."""
    found = re.search(r'id="comments-count"[^>]*>(\d+) comments?<', response.content.decode())
    assert found, response.content.decode()[:500]
    return int(found.group(1))


def post(client, proposal, body, **data):
    data = {"body": body, "language": "en", "client_token": str(uuid.uuid4()), **data}
    response = client.post(f"/en/proposals/{proposal.slug}/comments/", data, **HTMX)
    assert response.status_code == 200, response.content[:500]
    return response


def act(client, comment, action, **data):
    url = f"/en/proposals/{comment.proposal.slug}/comments/{comment.pk}/{action}/"
    response = client.post(url, data, **HTMX)
    assert response.status_code == 200, response.content[:500]
    return response


def admin_action(client, name, comment, **data):
    """Both steps of a moderator's admin action on ``comment``: the reason form, then the confirm."""
    selected = {"action": name, "_selected_action": [comment.pk]}
    assert client.post(COMMENTS_ADMIN, selected).status_code == 200
    assert client.post(COMMENTS_ADMIN, {**selected, "confirm": "1", **data}).status_code == 302


def assert_exact(client, proposal, expected: int, answer=None) -> None:
    assert kept(proposal) == recounted(proposal) == expected
    if answer is not None:
        assert heading(answer) == expected
    assert heading(client.get(f"/en/proposals/{proposal.slug}/")) == expected


@pytest.fixture(params=["database", "redis"])
def shared_cache(request):
    """Both ways the stamp's UPDATE returns the count: plainly, and with the stamps mirrored in
    Redis (core.stampmirror), where the same UPDATE also returns the stamps."""
    if request.param == "redis":
        request.getfixturevalue("redis_cache")


@pytest.mark.usefixtures("shared_cache")
def test_the_heading_count_stays_exact_through_every_write(client, proposal, make_actor):
    minji, sora, moderator = make_actor("member"), make_actor("member"), make_actor("moderator")
    amendment = AmendmentFactory(proposal=proposal)
    assert_exact(client, proposal, 0)

    client.force_login(minji)
    assert_exact(client, proposal, 1, post(client, proposal, "First"))
    first = Comment.objects.get(body="First")
    assert_exact(client, proposal, 2, post(client, proposal, "Second"))
    client.force_login(sora)
    assert_exact(client, proposal, 3, act(client, first, "reply", body="A reply", language="en"))
    reply = Comment.objects.get(body="A reply")
    # A resubmitted form (same client token) posts nothing and answers the same count.
    token = str(uuid.uuid4())
    assert_exact(client, proposal, 4, post(client, proposal, "Once", client_token=token))
    assert_exact(client, proposal, 4, post(client, proposal, "Once", client_token=token))

    # An amendment's discussion has its own heading: the proposal's count does not move.
    on_amendment = post(client, proposal, "On the amendment", amendment=str(amendment.pk))
    assert heading(on_amendment) == 1
    assert_exact(client, proposal, 4)

    assert_exact(client, proposal, 4, act(client, reply, "edit", body="A reply, edited"))
    assert_exact(client, proposal, 3, act(client, reply, "delete"))
    assert_exact(client, proposal, 3, act(client, reply, "delete"))  # twice: counted once

    # Hidden comments keep their place (a placeholder) and their count; deleted ones do not.
    client.force_login(moderator)
    admin_action(client, "hide_selected", first, category="other", note="Off topic.")
    assert Comment.objects.get(pk=first.pk).hidden_at is not None
    assert_exact(client, proposal, 3)
    admin_action(client, "restore_selected", first, reason="Fine after all.")
    assert Comment.objects.get(pk=first.pk).hidden_at is None
    assert_exact(client, proposal, 3)

    account_erase(user=sora, actor=sora, keep_contributions=True)
    assert_exact(client, proposal, 3)
    account_erase(user=minji, actor=minji, keep_contributions=False)
    assert_exact(client, proposal, 1)  # sora's, kept under the withdrawn participant


def test_the_migration_fills_the_heading_count_from_the_rows(client, proposal, make_actor):
    client.force_login(make_actor("member"))
    post(client, proposal, "One")
    post(client, proposal, "Two")
    act(client, Comment.objects.get(body="Two"), "delete")
    post(client, proposal, "On the amendment", amendment=str(AmendmentFactory(proposal=proposal).pk))
    Proposal.objects.update(discussion_count=0)
    importlib.import_module("proposals.migrations.0010_discussion_count").backfill(django_apps, None)
    assert kept(proposal) == recounted(proposal) == 1
