"""Common ground: per-nationality reaction counters on comments (exact, kept by the reaction's
own transaction), their backfill, and the pages and API that read them."""

import importlib
import random

import pytest
from django.apps import apps

from accounts.models import Nationality
from comments import services
from comments.models import Comment, CommentReaction, Reaction, group_counter
from tests.factories import CommentFactory

KR, JP, OTHER = Nationality.KOREA, Nationality.JAPAN, Nationality.OTHER
GROUP_FIELDS = [f"{kind}_{suffix}" for suffix in ("kr", "jp", "other") for kind in Reaction.values]


def stored_counts(comment: Comment) -> dict[str, int]:
    comment.refresh_from_db()
    return {field: getattr(comment, field) for field in GROUP_FIELDS}


def recounted(comment: Comment) -> dict[str, int]:
    """The per-group counters as a full scan of the reactions gives them."""
    counts = dict.fromkeys(GROUP_FIELDS, 0)
    for kind, nationality in CommentReaction.objects.filter(comment=comment).values_list(
        "kind", "nationality"
    ):
        counts[group_counter(kind, nationality)] += 1
    return counts


def assert_counters_exact(comment: Comment) -> None:
    stored = stored_counts(comment)
    assert stored == recounted(comment)
    # The per-kind totals are the sums of the groups.
    for kind in Reaction.values:
        total = sum(stored[f"{kind}_{suffix}"] for suffix in ("kr", "jp", "other"))
        assert getattr(comment, f"{kind}_count") == total


@pytest.mark.django_db
def test_reactions_are_counted_in_the_reacting_nationality(proposal, make_actor):
    comment = CommentFactory(proposal=proposal, author=make_actor("member"))
    korean, japanese, other = (make_actor("member", nationality=n) for n in (KR, JP, OTHER))

    services.comment_react(user=korean, comment=comment, kind="agree")
    services.comment_react(user=japanese, comment=comment, kind="disagree")
    services.comment_react(user=other, comment=comment, kind="pass")

    counts = stored_counts(comment)
    assert {field: n for field, n in counts.items() if n} == {
        "agree_kr": 1,
        "disagree_jp": 1,
        "pass_other": 1,
    }
    assert comment.group_counts(KR) == (1, 0, 0)
    assert comment.group_counts(JP) == (0, 1, 0)
    assert comment.group_counts(OTHER) == (0, 0, 1)


@pytest.mark.django_db
def test_changes_and_withdrawals_move_the_group_counters(proposal, make_actor):
    comment = CommentFactory(proposal=proposal, author=make_actor("member"))
    japanese = make_actor("member", nationality=JP)

    services.comment_react(user=japanese, comment=comment, kind="agree")
    services.comment_react(user=japanese, comment=comment, kind="agree")  # a double click: no change
    assert stored_counts(comment)["agree_jp"] == 1
    services.comment_react(user=japanese, comment=comment, kind="pass")
    assert stored_counts(comment)["agree_jp"] == 0
    assert stored_counts(comment)["pass_jp"] == 1
    services.comment_react(user=japanese, comment=comment, kind=None)

    assert not any(stored_counts(comment).values())
    assert_counters_exact(comment)


@pytest.mark.django_db
def test_a_reaction_keeps_the_nationality_it_was_made_with(proposal, make_actor):
    """A nationality changed later (a moderator approved it) does not move old reactions; the
    withdrawal takes the reaction out of the bucket it was counted in."""
    comment = CommentFactory(proposal=proposal, author=make_actor("member"))
    user = make_actor("member", nationality=KR)
    services.comment_react(user=user, comment=comment, kind="agree")

    user.nationality = JP
    user.save(update_fields=["nationality"])
    assert stored_counts(comment)["agree_kr"] == 1

    services.comment_react(user=user, comment=comment, kind="disagree")  # re-made now, as JP
    assert {f: n for f, n in stored_counts(comment).items() if n} == {"disagree_jp": 1}
    assert_counters_exact(comment)

    user.nationality = KR
    user.save(update_fields=["nationality"])
    services.comment_react(user=user, comment=comment, kind=None)
    assert not any(stored_counts(comment).values())


@pytest.mark.django_db
def test_counters_match_a_recount_after_a_random_sequence(proposal, make_actor):
    comment = CommentFactory(proposal=proposal, author=make_actor("member"))
    users = [make_actor("member", nationality=(KR, JP, OTHER)[i % 3]) for i in range(9)]
    rng = random.Random(10)

    for _ in range(120):
        user = rng.choice(users)
        if rng.random() < 0.1:
            user.nationality = rng.choice((KR, JP, OTHER))
            user.save(update_fields=["nationality"])
        services.comment_react(user=user, comment=comment, kind=rng.choice([*Reaction.values, None]))

    assert_counters_exact(comment)


@pytest.mark.django_db
def test_backfill_counts_existing_reactions_by_their_nationality(proposal, make_actor):
    """The migration's backfill fills the counters from reactions written before they existed."""
    migration = importlib.import_module("comments.migrations.0004_reaction_counts_per_nationality")
    counted, silent = (CommentFactory(proposal=proposal, author=make_actor("member")) for _ in range(2))
    rows = [("agree", KR), ("agree", KR), ("disagree", JP), ("pass", JP), ("agree", OTHER), ("pass", "XX")]
    CommentReaction.objects.bulk_create(
        CommentReaction(comment=counted, user=make_actor("member"), kind=kind, nationality=nationality)
        for kind, nationality in rows
    )
    Comment.objects.filter(pk=silent.pk).update(agree_kr=7)  # a wrong value is overwritten with 0

    migration.backfill(apps, None)

    assert {f: n for f, n in stored_counts(counted).items() if n} == {
        "agree_kr": 2,
        "disagree_jp": 1,
        "pass_jp": 1,
        "agree_other": 1,
        "pass_other": 1,
    }
    assert not any(stored_counts(silent).values())
