"""core.compiled: a queryset compiled once answers what the queryset answers, on either database."""

import pytest
from django.db import connection, transaction

from audit.models import AuditEntry
from comments.services import comment_react
from core.compiled import Compiled, CompiledRows
from pages.frames import _own_state_query
from ratings.models import Rating
from tests.factories import CommentFactory, ProposalFactory, RatingFactory, UserFactory

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


def sent(run) -> list[str]:
    """The statements ``run`` sends, each with its values (quoted or numbers) as ``?``."""
    import re

    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        run()
    return [
        re.sub(r"'[^']*'(::\w+)?|\b\d+(\.\d+)?\b|\bNULL\b", "?", query["sql"])
        for query in queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]


def test_compiled_rows_answer_what_the_union_answers_for_any_values():
    """The participant's own state on the proposal page (pages.frames.own_state): their scores
    and the threads among the page's where they wrote or reacted, one union compiled once per
    number of threads."""
    me, someone, proposal = UserFactory(), UserFactory(), ProposalFactory()
    RatingFactory(user=me, proposal=proposal, criterion="importance", score=4)
    RatingFactory(user=someone, proposal=proposal, criterion="feasibility", score=2)
    written, reacted, neither, elsewhere = (CommentFactory(proposal=proposal) for _ in range(4))
    CommentFactory(proposal=proposal, parent=written, author=me)
    comment_react(user=me, comment=reacted, kind="agree")
    comment_react(user=someone, comment=neither, kind="agree")
    builds = []

    def build(*values):
        builds.append(values)
        return _own_state_query(*values)

    own = CompiledRows(build)
    for viewer in (me, someone, me):
        for roots in ([written.pk, reacted.pk, neither.pk], [neither.pk, elsewhere.pk, written.pk], []):
            args = (viewer.pk, proposal.pk, *((viewer.pk, viewer.pk, *roots) if roots else ()))
            assert sorted(own(*args)) == sorted(_own_state_query(*args))
    assert len(builds) == 2  # once with threads, once without
    assert sorted(own(me.pk, proposal.pk, me.pk, me.pk, written.pk, reacted.pk, neither.pk)) == sorted(
        [("importance", 4), ("", written.pk), ("", reacted.pk)]
    )


def test_compiled_rows_refuse_what_they_cannot_answer_as_the_queryset_would():
    with pytest.raises(ValueError, match="values_list"):
        CompiledRows(lambda pk: Rating.objects.filter(pk=pk))(1)
    with pytest.raises(ValueError, match="converters"):
        CompiledRows(lambda pk: AuditEntry.objects.filter(pk=pk).values_list("pk", "data"))(1)
    with pytest.raises(ValueError, match="once"):
        CompiledRows(lambda pk: Rating.objects.filter(pk=pk, user_id=pk).values_list("pk"))(1)


def test_insert_sends_what_create_sends_and_sets_what_the_database_returns():
    from django.contrib.contenttypes.models import ContentType

    from audit.models import AuditEntry
    from core import compiled

    user = UserFactory()

    def entry(action):
        return AuditEntry(
            action=action,
            actor=user,
            actor_ref="u-1",
            target_type=ContentType.objects.get_for_model(Rating),
            target_id="7",
            target_repr="rating #7",
            data={"score": 3, "名前": "テスト", "nested": [1, None]},
        )

    by_django = entry("by.django")
    django_sql = sent(lambda: by_django.save(force_insert=True))
    for _ in range(2):  # compiled by the first call, sent as it is by the second
        ours = entry("by.compiled")
        assert sent(lambda ours=ours: compiled.insert(ours)) == django_sql
        assert ours.pk is not None and not ours._state.adding and ours._state.db == "default"
        stored = AuditEntry.objects.get(pk=ours.pk)
        assert (stored.action, stored.actor_id, stored.target_type_id, stored.data, stored.created_at) == (
            "by.compiled",
            user.pk,
            by_django.target_type_id,
            {"score": 3, "名前": "テスト", "nested": [1, None]},
            ours.created_at,
        )


def test_update_sends_what_save_with_update_fields_sends():
    from django.db import DatabaseError
    from django.utils import timezone

    from core import compiled

    rating = RatingFactory(score=2)
    rating.score, rating.updated_at = 4, timezone.now()
    django_sql = sent(lambda: rating.save(update_fields=["score", "updated_at"]))
    rating.score, rating.updated_at = 5, timezone.now()
    assert sent(lambda: compiled.update(rating, ["score", "updated_at"])) == django_sql
    stored = Rating.objects.get(pk=rating.pk)
    assert (stored.score, stored.updated_at) == (5, rating.updated_at)
    Rating.objects.filter(pk=rating.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        compiled.update(rating, ["score"])


def test_a_model_with_a_save_receiver_is_saved_by_save():
    from django.db.models.signals import post_save

    from core import compiled

    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append((instance.pk, created))

    post_save.connect(receiver, sender=Rating, dispatch_uid="test-compiled")
    try:
        rating = RatingFactory.build(user=UserFactory(), proposal=ProposalFactory(), group="KR")
        compiled.insert(rating)
        rating.score = 1
        compiled.update(rating, ["score"])
    finally:
        post_save.disconnect(dispatch_uid="test-compiled", sender=Rating)
    assert heard == [(rating.pk, True), (rating.pk, False)]
    assert Rating.objects.get(pk=rating.pk).score == 1


def test_insert_if_new_says_none_for_a_row_already_there_and_the_transaction_goes_on():
    """On PostgreSQL an IntegrityError aborts the transaction unless a savepoint was taken first;
    INSERT ... ON CONFLICT DO NOTHING fails nothing: the same transaction reads on."""
    import uuid

    from comments.models import Comment
    from core import compiled

    first = CommentFactory(client_token=uuid.uuid4())
    again = Comment(
        proposal=first.proposal,
        author=first.author,
        body="Again",
        language="en",
        client_token=first.client_token,
    )
    with transaction.atomic():
        assert compiled.insert(again, if_new=True) is None
        assert again.pk is None and again._state.adding
        assert Comment.objects.filter(author=first.author).count() == 1  # still usable
        other = Comment(proposal=first.proposal, author=first.author, body="New", language="en")
        assert compiled.insert(other, if_new=True) is other and other.pk is not None
    assert Comment.objects.filter(author=first.author).count() == 2
