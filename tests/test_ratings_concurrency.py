"""Aggregates stay exact when many raters write at the same moment (PostgreSQL only).

SQLite serialises every writer on one file lock, so it cannot show a lost update; PostgreSQL runs
the transactions really concurrently, with row locks.
"""

import random
import threading

import pytest
from django.db import connection, transaction

from accounts.datarights import account_erase
from accounts.models import Nationality
from audit.models import AuditEntry
from ratings import services
from ratings.models import Criterion, Rating
from tests.factories import CommentFactory, MembershipFactory, ProposalFactory, RatingFactory, UserFactory
from tests.test_ratings import assert_aggregates_exact

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises all writers, so there is no concurrency to test",
    ),
]

THREADS = 8
ROUNDS = 12
CRITERIA = Criterion.values


def run_in_threads(targets) -> list[BaseException]:
    """Start every target at the same moment; return what they raised."""
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target):
        try:
            barrier.wait(timeout=30)
            target()
        except BaseException as error:  # reported by the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a rater is stuck (deadlock?)"
    return errors


def test_concurrent_raters_keep_aggregates_exact():
    proposal = ProposalFactory()
    nationalities = [Nationality.KOREA, Nationality.JAPAN, Nationality.OTHER]
    users = [UserFactory(nationality=nationalities[i % 3]) for i in range(THREADS)]
    for user in users:
        MembershipFactory(user=user, programme=proposal.programme)
    # Half of them have rated already, so their first moves are changes and withdrawals.
    for user in users[::2]:
        RatingFactory(user=user, proposal=proposal, criterion=Criterion.IMPORTANCE, score=3)

    def rater(user, seed):
        def act():
            rng = random.Random(seed)
            for _ in range(ROUNDS):
                criterion = rng.choice(CRITERIA)
                if rng.random() < 0.25:
                    services.rating_withdraw(user=user, proposal=proposal, criterion=criterion)
                else:
                    services.rating_set(
                        user=user, proposal=proposal, criterion=criterion, score=rng.randint(1, 5)
                    )

        return act

    errors = run_in_threads([rater(user, seed) for seed, user in enumerate(users)])

    assert errors == []
    assert_aggregates_exact(proposal)
    assert Rating.objects.filter(proposal=proposal).count() <= 2 * THREADS


def test_concurrent_first_ratings_by_one_user_leave_one_rating():
    """Double submits racing each other: the unique constraint refuses all inserts but one, and the
    others become changes of that rating."""
    proposal = ProposalFactory()
    user = UserFactory()
    MembershipFactory(user=user, programme=proposal.programme)

    def rate(score):
        return lambda: services.rating_set(
            user=user, proposal=proposal, criterion=Criterion.IMPORTANCE, score=score
        )

    errors = run_in_threads([rate(score) for score in (1, 2, 3, 4, 5, 1, 2, 3)])

    assert errors == []
    assert Rating.objects.filter(proposal=proposal).count() == 1
    assert_aggregates_exact(proposal)


def test_one_users_concurrent_changes_and_withdrawals_keep_aggregates_exact():
    """Double submits of changes and withdrawals of one rating racing each other: a withdrawal reads
    the rating before it takes the proposal's lock, and withdraws what is there once it has it."""
    proposal = ProposalFactory()
    user = UserFactory()
    MembershipFactory(user=user, programme=proposal.programme)
    RatingFactory(user=user, proposal=proposal, criterion=Criterion.IMPORTANCE, score=3)

    def act(seed):
        def run():
            rng = random.Random(seed)
            for _ in range(ROUNDS):
                if rng.random() < 0.5:
                    services.rating_withdraw(user=user, proposal=proposal, criterion=Criterion.IMPORTANCE)
                else:
                    services.rating_set(
                        user=user, proposal=proposal, criterion=Criterion.IMPORTANCE, score=rng.randint(1, 5)
                    )

        return run

    errors = run_in_threads([act(seed) for seed in range(THREADS)])

    assert errors == []
    assert Rating.objects.filter(proposal=proposal).count() <= 1
    assert_aggregates_exact(proposal)


def test_a_withdrawal_waits_for_a_change_in_flight_and_takes_back_the_score_it_made():
    """The withdrawal locks the rater's row first: a change of the same rating that has not yet
    committed makes it wait, and it then takes back the changed score from the group the change
    filed it under."""
    proposal = ProposalFactory()
    user = UserFactory(nationality=Nationality.KOREA)
    MembershipFactory(user=user, programme=proposal.programme)
    services.rating_set(user=user, proposal=proposal, criterion=Criterion.IMPORTANCE, score=3)
    changed, go_on = threading.Event(), threading.Event()

    def change():
        with transaction.atomic():
            user.nationality = Nationality.JAPAN
            user.save(update_fields=["nationality"])
            services.rating_set(user=user, proposal=proposal, criterion=Criterion.IMPORTANCE, score=5)
            changed.set()
            assert go_on.wait(timeout=30)

    def withdraw():
        assert changed.wait(timeout=30)
        services.rating_withdraw(user=user, proposal=proposal, criterion=Criterion.IMPORTANCE)

    errors: list[BaseException] = []

    def thread(target):
        def run():
            try:
                target()
            except BaseException as error:  # reported by the test below
                errors.append(error)
            finally:
                connection.close()

        return threading.Thread(target=run)

    changing, withdrawal = thread(change), thread(withdraw)
    changing.start()
    withdrawal.start()
    assert changed.wait(timeout=30)
    withdrawal.join(timeout=0.5)
    assert withdrawal.is_alive(), "the withdrawal did not wait for the change in flight"
    go_on.set()
    changing.join(timeout=60)
    withdrawal.join(timeout=60)

    assert errors == []
    assert not Rating.objects.filter(proposal=proposal).exists()
    assert_aggregates_exact(proposal)
    withdrawn = AuditEntry.objects.get(action="rating.withdrawn")
    assert withdrawn.data == {"criterion": Criterion.IMPORTANCE, "previous": 5}


def test_erasing_raters_while_others_rate_keeps_aggregates_exact_without_deadlock():
    """An erasure recounts the comments of the proposals its person wrote on (locking their rows)
    and takes their ratings out of the aggregates, while others rate the same proposal: the
    erasure's locks come in the raters' order, so neither waits for the other for ever."""
    proposal = ProposalFactory()
    nationalities = [Nationality.KOREA, Nationality.JAPAN]
    raters = [UserFactory(nationality=nationalities[i % 2]) for i in range(THREADS - 2)]
    erased = [UserFactory(nationality=nationalities[i % 2]) for i in range(2 * ROUNDS)]
    for user in raters + erased:
        MembershipFactory(user=user, programme=proposal.programme)
    for user in erased:
        CommentFactory(proposal=proposal, author=user)
        for criterion in CRITERIA:
            RatingFactory(user=user, proposal=proposal, criterion=criterion, score=2)
    moderator = UserFactory(is_staff=True, is_superuser=True)

    def rater(user, seed):
        def act():
            rng = random.Random(seed)
            for _ in range(2 * ROUNDS):
                services.rating_set(
                    user=user, proposal=proposal, criterion=rng.choice(CRITERIA), score=rng.randint(1, 5)
                )

        return act

    def eraser(users):
        def act():
            for user in users:
                account_erase(user=user, actor=moderator, keep_contributions=False)

        return act

    errors = run_in_threads(
        [rater(user, seed) for seed, user in enumerate(raters)] + [eraser(erased[::2]), eraser(erased[1::2])]
    )

    assert errors == []
    assert not Rating.objects.filter(user__in=[user.pk for user in erased]).exists()
    assert_aggregates_exact(proposal)
