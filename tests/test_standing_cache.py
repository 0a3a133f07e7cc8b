"""A participant's standing (verified email, active membership) kept in the cache under the user's
standing stamp (accounts.standing): with Redis, a participant's page and writes do not ask the
database for it, and every change of it shows at once, on the page and in what a write may do."""

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership, User
from comments.models import Comment

pytestmark = pytest.mark.usefixtures("redis_cache")

LANGUAGES = ["ko", "ja"]
JOIN = {
    "ko": "숙의에 함께하려면 먼저 프로그램에 참여하십시오.",
    "ja": "熟議に参加するには、プログラムに参加してください。",
}


def standing_reads(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return sum('"accounts_membership"' in query["sql"] for query in captured.captured_queries)


def post_comment(client, proposal, language, body):
    return client.post(
        f"/{language}/proposals/{proposal.slug}/comments/",
        {"body": body, "language": language, "stance": "for"},
    )


@pytest.fixture
def member(make_actor):
    return make_actor("member")


def page(proposal, language):
    return f"/{language}/proposals/{proposal.slug}/"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_standing_is_read_once_then_kept(client, proposal, member, language):
    client.force_login(member)
    assert standing_reads(client, page(proposal, language)) == 1
    assert standing_reads(client, page(proposal, language)) == 0
    assert post_comment(client, proposal, language, "Written with a kept standing").status_code == 302


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_membership_ended_in_the_admin_refuses_at_once(client, admin_client, proposal, member, language):
    client.force_login(member)
    client.get(page(proposal, language))
    client.get(page(proposal, language))  # kept
    membership = Membership.objects.get(user=member, programme=proposal.programme)
    response = admin_client.post(
        f"/en/admin/accounts/membership/{membership.pk}/change/",
        {
            "programme": proposal.programme.pk,
            "user": member.pk,
            "joined_at_0": membership.joined_at.strftime("%Y-%m-%d"),
            "joined_at_1": membership.joined_at.strftime("%H:%M:%S"),
        },  # is_active unticked
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not Membership.objects.get(pk=membership.pk).is_active
    assert JOIN[language] in client.get(page(proposal, language)).content.decode()
    assert post_comment(client, proposal, language, "Written after leaving").status_code == 403
    assert not Comment.objects.filter(body="Written after leaving").exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_joining_through_the_page_lets_them_write_at_once(client, proposal, make_actor, language):
    outsider = make_actor("non_member")
    client.force_login(outsider)
    assert JOIN[language] in client.get(page(proposal, language)).content.decode()  # kept: not a member
    assert post_comment(client, proposal, language, "Before joining").status_code == 403
    proposal.programme.members.add(outsider)
    assert JOIN[language] not in client.get(page(proposal, language)).content.decode()
    assert post_comment(client, proposal, language, "After joining").status_code == 302


def test_an_email_address_unverified_or_removed_refuses_at_once(client, proposal, member):
    client.force_login(member)
    assert post_comment(client, proposal, "ko", "While verified").status_code == 302
    for address in EmailAddress.objects.filter(user=member):
        address.verified = False
        address.save()
    assert post_comment(client, proposal, "ko", "After unverifying").status_code == 403
    EmailAddress.objects.filter(user=member).delete()
    assert post_comment(client, proposal, "ko", "After removing").status_code == 403
    assert not Comment.objects.filter(body__startswith="After").exists()


def test_a_full_save_of_an_old_copy_never_moves_the_stamp_back(member, proposal):
    old_copy = User.objects.get(pk=member.pk)
    proposal.programme.members.remove(member)
    moved = User.objects.get(pk=member.pk).standing_stamp
    assert moved > old_copy.standing_stamp
    old_copy.display_name = "Saved from an old copy"
    old_copy.save()
    assert User.objects.get(pk=member.pk).standing_stamp == moved
