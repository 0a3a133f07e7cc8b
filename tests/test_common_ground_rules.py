"""Common ground: the voting queue and the manipulation rules (held reactions of new accounts, the
label that must survive without the most active reactors)."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Membership, Nationality
from comments import ground, services
from comments.models import Comment, CommentReaction
from tests.factories import CommentFactory, UserFactory

KR, JP = Nationality.KOREA, Nationality.JAPAN


def label_of(comment) -> str:
    comment.refresh_from_db()
    return comment.ground_label


def aged(user, hours: float = 48):
    """An account created ``hours`` ago (old enough by default)."""
    user.date_joined = timezone.now() - dt.timedelta(hours=hours)
    user.save(update_fields=["date_joined"])
    return user


@pytest.fixture
def member(make_actor):
    def make(nationality, *, hours: float = 48):
        return aged(make_actor("member", nationality=nationality), hours)

    return make


# --- the voting queue ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_shows_comments_with_fewest_votes_from_the_viewers_side_first(client, proposal, member):
    viewer = member(JP)
    author = member(KR)
    old, fresh, busy, mine, done = (CommentFactory(proposal=proposal, author=author) for _ in range(5))
    Comment.objects.filter(pk=mine.pk).update(author=viewer)
    Comment.objects.filter(pk=old.pk).update(agree_jp=2, agree_kr=30)  # many Korean votes do not matter
    Comment.objects.filter(pk=busy.pk).update(agree_jp=5)
    Comment.objects.filter(pk=fresh.pk).update(agree_kr=1)
    services.comment_react(user=viewer, comment=done, kind="pass")
    client.force_login(viewer)

    response = client.get(f"/ja/proposals/{proposal.slug}/comments/vote/")

    assert response.status_code == 200
    assert [c.pk for c in response.context["comments"]] == [fresh.pk, old.pk, busy.pk]


@pytest.mark.django_db
def test_a_reaction_from_the_queue_is_recorded_as_such(client, proposal, member):
    voter = member(KR)
    first, second = (CommentFactory(proposal=proposal, author=member(JP)) for _ in range(2))
    client.force_login(voter)

    response = client.post(
        f"/ko/proposals/{proposal.slug}/comments/{first.pk}/react/", {"kind": "agree", "via": "queue"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/ko/proposals/{proposal.slug}/comments/vote/"
    client.post(f"/ko/proposals/{proposal.slug}/comments/{second.pk}/react/", {"kind": "agree"})
    client.post(
        f"/ko/proposals/{proposal.slug}/comments/{second.pk}/react/", {"kind": "pass", "via": "nonsense"}
    )

    via = dict(CommentReaction.objects.values_list("comment_id", "via"))
    assert via == {first.pk: "queue", second.pk: "thread"}


@pytest.mark.django_db
def test_queue_asks_visitors_to_log_in(client, proposal):
    response = client.get(f"/en/proposals/{proposal.slug}/comments/vote/")
    assert response.status_code == 200
    assert response.context["comments"] == []
    assert "/accounts/login/" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("comments", [5, 50])
def test_queue_query_budget_does_not_grow(client, proposal, member, django_assert_num_queries, comments):
    viewer = member(KR)
    author = member(JP)
    Comment.objects.bulk_create(
        Comment(proposal=proposal, author=author, body=f"c{i}", language="ja") for i in range(comments)
    )
    client.force_login(viewer)
    client.get(f"/ko/proposals/{proposal.slug}/comments/vote/")
    # session, user, proposal, participation standing, the queue, its texts' translations into the
    # reader's language (one query: translations.reading)
    with django_assert_num_queries(6):
        assert client.get(f"/ko/proposals/{proposal.slug}/comments/vote/").status_code == 200


# --- held reactions of new accounts ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_burst_of_new_accounts_counts_toward_the_label_only_once_confirmed(proposal, member, make_actor):
    comment = CommentFactory(proposal=proposal, author=member(KR))
    for _ in range(5):
        services.comment_react(user=member(KR), comment=comment, kind="agree")
    newcomers = [member(JP, hours=1) for _ in range(5)]
    for user in newcomers:
        services.comment_react(user=user, comment=comment, kind="agree")

    comment.refresh_from_db()
    assert comment.agree_jp == 5  # counted in the totals at once
    assert comment.ground_label == "needs_votes"  # but not toward the label
    held = CommentReaction.objects.filter(comment=comment, held_until__isnull=False)
    assert held.count() == 5
    assert all(
        abs(r.held_until - (r.user.date_joined + dt.timedelta(hours=24))) < dt.timedelta(seconds=1)
        for r in held
    )

    moderator = make_actor("moderator")
    assert services.held_reactions_confirm(moderator=moderator, reactions=list(held)) == 5
    assert label_of(comment) == "common_ground"


@pytest.mark.django_db
def test_held_reactions_count_once_the_hold_has_passed(proposal, member):
    from django.core.management import call_command

    comment = CommentFactory(proposal=proposal, author=member(KR))
    for _ in range(5):
        services.comment_react(user=member(KR), comment=comment, kind="agree")
    for _ in range(5):
        services.comment_react(user=member(JP, hours=2), comment=comment, kind="agree")
    assert label_of(comment) == "needs_votes"

    CommentReaction.objects.update(held_until=timezone.now() - dt.timedelta(minutes=1))  # a day later
    call_command("common_ground_refresh")

    assert label_of(comment) == "common_ground"


@pytest.mark.django_db
def test_only_moderators_confirm_held_reactions(proposal, member):
    from core.errors import PermissionRefused

    comment = CommentFactory(proposal=proposal, author=member(KR))
    reaction = services.comment_react(user=member(JP, hours=1), comment=comment, kind="agree")

    with pytest.raises(PermissionRefused):
        services.held_reactions_confirm(moderator=member(KR), reactions=[reaction])
    reaction.refresh_from_db()
    assert reaction.held_until is not None


@pytest.mark.django_db
def test_moderators_confirm_a_burst_in_the_admin(client, proposal, member, make_actor):
    comment = CommentFactory(proposal=proposal, author=member(KR))
    reaction = services.comment_react(user=member(JP, hours=1), comment=comment, kind="agree")
    client.force_login(make_actor("moderator"))

    listing = client.get("/en/admin/comments/commentreaction/?held=yes")
    assert listing.status_code == 200
    assert f"/en/admin/comments/commentreaction/{reaction.pk}/change/" in listing.content.decode()
    client.post(
        "/en/admin/comments/commentreaction/",
        {"action": "confirm_held", "_selected_action": [reaction.pk]},
    )

    reaction.refresh_from_db()
    assert reaction.held_until is None


# --- a few very active accounts cannot create common ground -----------------------------------------


def _crowd(proposal, author, n: int, nationality: str, hours: float = 48) -> list:
    users = [UserFactory(nationality=nationality) for _ in range(n)]
    joined = timezone.now() - dt.timedelta(hours=hours)
    for user in users:
        user.date_joined = joined
    type(users[0]).objects.bulk_update(users, ["date_joined"])
    Membership.objects.bulk_create(Membership(user=user, programme=proposal.programme) for user in users)
    return users


@pytest.mark.django_db
def test_a_flood_by_a_few_accounts_cannot_create_common_ground(proposal, make_actor, settings):
    """200 reactors on the proposal, so the 1 % rule leaves out the 2 most active. Two Japanese
    accounts react to everything; on the target comment five Koreans and three other Japanese agree.
    With the two flooders the Japanese side has 5 agrees (common ground by the counts); without them
    it has 3, under the 5 votes a label needs: the comment stays "needs votes"."""
    author = make_actor("member")
    target = CommentFactory(proposal=proposal, author=author)
    others = Comment.objects.bulk_create(
        Comment(proposal=proposal, author=author, body=f"other {i}", language="ko") for i in range(40)
    )
    flooders = _crowd(proposal, author, 2, JP)
    background = _crowd(proposal, author, 190, KR)
    koreans, japanese = _crowd(proposal, author, 5, KR), _crowd(proposal, author, 3, JP)
    # Everyone else reacts once somewhere (bulk: counters are not the point for them).
    CommentReaction.objects.bulk_create(
        CommentReaction(comment=others[i % 40], user=user, kind="pass", nationality=KR)
        for i, user in enumerate(background)
    )
    CommentReaction.objects.bulk_create(
        CommentReaction(comment=comment, user=user, kind="agree", nationality=JP)
        for comment in others
        for user in flooders
    )
    for user in koreans + japanese + flooders:
        services.comment_react(user=user, comment=target, kind="agree")

    assert ground.most_active(proposal.pk, 0.01) == sorted(u.pk for u in flooders)  # 1 % of 200

    target.refresh_from_db()
    assert (target.agree_kr, target.agree_jp) == (5, 5)
    assert target.ground_label == "needs_votes"

    # The same votes from ordinary participants make common ground.
    settings.COMMON_GROUND = {**settings.COMMON_GROUND, "robust_share": 0}
    services.common_ground_refresh(comment_id=target.pk)
    assert label_of(target) == "common_ground"
