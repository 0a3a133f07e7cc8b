"""core.compiled: a queryset compiled once answers what the queryset answers, on either database."""

import pytest
from django.db import connection, transaction

from core.compiled import Compiled
from ratings.models import Rating
from tests.factories import ProposalFactory, RatingFactory, UserFactory

pytestmark = pytest.mark.django_db

MINE = Compiled(
    lambda user_id, proposal_id: Rating.objects.filter(user_id=user_id, proposal_id=proposal_id).order_by(
        "criterion"
    )
)


def test_the_same_rows_as_the_queryset_with_every_value_converted_each_time():
    user, proposal = UserFactory(), ProposalFactory()
    for criterion, score in (("importance", 4), ("feasibility", 2)):
        RatingFactory(user=user, proposal=proposal, criterion=criterion, score=score)
    RatingFactory(proposal=proposal, criterion="importance", score=1)  # someone else's
    expected = list(Rating.objects.filter(user=user, proposal=proposal).order_by("criterion"))
    for _ in range(2):  # compiled by the first call, sent as it is by the second
        found = MINE(user.pk, proposal.pk)
        assert [(r.pk, r.criterion, r.score, r.updated_at) for r in found] == [
            (r.pk, r.criterion, r.score, r.updated_at) for r in expected
        ]
        assert all(r.updated_at.tzinfo is not None for r in found)  # SQLite's text converted
        assert all(not r._state.adding and r._state.db == "default" for r in found)
    other = UserFactory()
    assert MINE(other.pk, proposal.pk) == []


def test_a_locking_query_locks_inside_a_transaction():
    user, proposal = UserFactory(), ProposalFactory()
    RatingFactory(user=user, proposal=proposal, criterion="importance", score=3)
    locked = Compiled(lambda u, p: Rating.objects.select_for_update().filter(user_id=u, proposal_id=p))
    with transaction.atomic():
        [rating] = locked(user.pk, proposal.pk)
    assert rating.score == 3
    if connection.features.has_select_for_update:
        sql = locked._shapes[2].sql
        assert sql.rstrip().endswith("FOR UPDATE")


def test_a_queryset_selecting_anything_but_its_own_fields_is_refused():
    joined = Compiled(lambda pk: Rating.objects.select_related("proposal").filter(pk=pk))
    with pytest.raises(ValueError, match="own fields"):
        joined(1)
    partial = Compiled(lambda pk: Rating.objects.only("score").filter(pk=pk))
    with pytest.raises(ValueError, match="own fields"):
        partial(1)
