"""Per-nationality reaction counters stay exact when many participants react at the same moment
(PostgreSQL only: SQLite serialises every writer, so it cannot show a lost update)."""

import random

import pytest
from django.db import connection

from accounts.models import Nationality
from comments import services
from comments.models import Reaction
from tests.factories import CommentFactory, MembershipFactory, ProposalFactory, UserFactory
from tests.test_common_ground import assert_counters_exact
from tests.test_ratings_concurrency import run_in_threads

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises all writers, so there is no concurrency to test",
    ),
]

THREADS = 9
ROUNDS = 15


def test_parallel_reactions_keep_group_counters_exact():
    proposal = ProposalFactory()
    comments = [CommentFactory(proposal=proposal) for _ in range(2)]
    nationalities = [Nationality.KOREA, Nationality.JAPAN, Nationality.OTHER]
    users = [UserFactory(nationality=nationalities[i % 3]) for i in range(THREADS)]
    for user in users:
        MembershipFactory(user=user, programme=proposal.programme)

    def reactor(user, seed):
        def act():
            rng = random.Random(seed)
            for _ in range(ROUNDS):
                kind = rng.choice([*Reaction.values, None])
                services.comment_react(user=user, comment=rng.choice(comments), kind=kind)

        return act

    # Twice per user: the same participant racing themselves (double clicks) as well as the others.
    targets = [reactor(user, seed) for seed, user in enumerate(users)]
    targets += [reactor(user, seed + 100) for seed, user in enumerate(users[:3])]
    errors = run_in_threads(targets)

    assert errors == []
    for comment in comments:
        assert_counters_exact(comment)
