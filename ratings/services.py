"""Writes of ratings. Each keeps the aggregates exact in the same transaction as the rating.

Concurrency: a user's own rating row is locked (``select_for_update``; a no-op on SQLite, whose
writers are serialised anyway) so that one user's concurrent changes apply one after another.
Aggregates change only through atomic ``UPDATE ... SET n = n + 1`` statements, never a read and
write back, so concurrent raters cannot lose each other's counts. Rows are always locked in the
same order (the user's rating, then aggregates by group name), which keeps PostgreSQL free of
deadlocks between raters.
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Nationality, User
from accounts.permissions import ensure_can_participate
from audit.log import record
from core import pagestamp
from core.errors import DeliberationError
from proposals.models import Proposal

from .forms import INVALID_SCORE, UNKNOWN_CRITERION
from .models import Criterion, Group, Rating, RatingAggregate

MIN_SCORE, MAX_SCORE = 1, 5

_GROUP_OF_NATIONALITY: dict[str, Group] = {
    Nationality.KOREA: Group.KOREA,
    Nationality.JAPAN: Group.JAPAN,
}


def rating_set(*, user: User, proposal: Proposal, criterion: str, score: int) -> Rating:
    """Give or change ``user``'s score for one criterion of ``proposal``.

    Setting the score the user already gave changes nothing (a double submit is harmless). The
    rating is filed under the user's nationality group as it is now; a change after the user's
    nationality changed moves it from the old group's aggregate to the new one.

    Raises PermissionRefused if the user may not take part, DeliberationError for a bad criterion
    or score.
    """
    with transaction.atomic():
        ensure_can_participate(user, proposal.programme)
        criterion = _clean_criterion(criterion)
        score = _clean_score(score)
        group = group_of(user)
        _ensure_aggregates(proposal, criterion, [Group.ALL, group])
        rating = _locked_rating(user, proposal, criterion)
        if rating is None:
            rating = _create(user=user, proposal=proposal, criterion=criterion, score=score, group=group)
            if rating is not None:
                _add(proposal, criterion, [Group.ALL, group], score, +1)
                record(action="rating.created", actor=user, target=rating, criterion=criterion, score=score)
                return rating
            # The same user's concurrent first rating won the race: change theirs instead.
            rating = _locked_rating(user, proposal, criterion)
            assert rating is not None
        if rating.score == score and rating.group == group:
            return rating
        previous = rating.score
        # The old group's row exists: the rating was counted in it.
        _move(proposal, criterion, old=(rating.group, previous), new=(group, score))
        rating.score, rating.group, rating.updated_at = score, group, timezone.now()
        rating.save(update_fields=["score", "group", "updated_at"])
        record(
            action="rating.changed",
            actor=user,
            target=rating,
            criterion=criterion,
            score=score,
            previous=previous,
        )
        return rating


def rating_withdraw(*, user: User, proposal: Proposal, criterion: str) -> None:
    """Take back ``user``'s score for one criterion of ``proposal``, from the group it was filed under.

    Withdrawing a score that is not there changes nothing (a double submit is harmless).
    """
    with transaction.atomic():
        ensure_can_participate(user, proposal.programme)
        criterion = _clean_criterion(criterion)
        rating = _locked_rating(user, proposal, criterion)
        if rating is None:
            return
        _add(proposal, criterion, [Group.ALL, rating.group], rating.score, -1)
        record(
            action="rating.withdrawn", actor=user, target=rating, criterion=criterion, previous=rating.score
        )
        rating.delete()


def group_of(user: User) -> Group:
    """The aggregate bucket of a rater: their nationality group."""
    return _GROUP_OF_NATIONALITY.get(user.nationality, Group.OTHER)


# --- helpers (call inside the service's transaction) ---------------------------------------------


def _clean_criterion(criterion: str) -> str:
    if criterion not in Criterion.values:
        raise DeliberationError("unknown_criterion", UNKNOWN_CRITERION, field="criterion")
    return criterion


def _clean_score(score: int) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or not MIN_SCORE <= score <= MAX_SCORE:
        raise DeliberationError("invalid_score", INVALID_SCORE, field="score")
    return score


def _locked_rating(user: User, proposal: Proposal, criterion: str) -> Rating | None:
    return (
        Rating.objects.select_for_update().filter(user=user, proposal=proposal, criterion=criterion).first()
    )


def _create(*, user: User, proposal: Proposal, criterion: str, score: int, group: Group) -> Rating | None:
    """Insert the user's first rating, or None if a concurrent request of theirs inserted it first."""
    try:
        with transaction.atomic():  # a savepoint: the unique constraint may refuse the row
            return Rating.objects.create(
                user=user, proposal=proposal, criterion=criterion, score=score, group=group
            )
    except IntegrityError:
        return None


def _ensure_aggregates(proposal: Proposal, criterion: str, groups: list[Group]) -> None:
    """Create missing aggregate rows (zeros). Works on SQLite and PostgreSQL; on PostgreSQL a
    concurrent insert of the same row waits for the first and then does nothing."""
    RatingAggregate.objects.bulk_create(
        [
            RatingAggregate(proposal=proposal, criterion=criterion, group=group)
            for group in sorted(set(groups))
        ],
        ignore_conflicts=True,
    )


def _aggregates(proposal: Proposal, criterion: str, group: str):
    return RatingAggregate.objects.filter(proposal=proposal, criterion=criterion, group=group)


def _add(proposal: Proposal, criterion: str, groups: list[str], score: int, sign: int) -> None:
    """Count one score in (sign +1) or out of (sign -1) each group's aggregate."""
    for group in sorted(set(groups)):
        _aggregates(proposal, criterion, group).update(
            count=F("count") + sign, total=F("total") + sign * score, **{f"n{score}": F(f"n{score}") + sign}
        )
    pagestamp.touch(proposal.pk)


def _move(proposal: Proposal, criterion: str, *, old: tuple[str, int], new: tuple[str, int]) -> None:
    """Replace one score (old group, old score) by another (new group, new score) in the aggregates."""
    (old_group, old_score), (new_group, new_score) = old, new
    deltas: dict[str, dict[str, int]] = {}
    for group, score, sign in ((Group.ALL, old_score, -1), (old_group, old_score, -1)):
        _bump(deltas.setdefault(group, {}), score, sign)
    for group, score, sign in ((Group.ALL, new_score, +1), (new_group, new_score, +1)):
        _bump(deltas.setdefault(group, {}), score, sign)
    for group in sorted(deltas):
        changes = {field: F(field) + delta for field, delta in deltas[group].items() if delta}
        if changes:
            _aggregates(proposal, criterion, group).update(**changes)
    pagestamp.touch(proposal.pk)


def _bump(delta: dict[str, int], score: int, sign: int) -> None:
    for field, amount in (("count", 1), ("total", score), (f"n{score}", 1)):
        delta[field] = delta.get(field, 0) + sign * amount
