"""What the ratings app holds about a participant (core.personaldata): their ratings."""

from core.personaldata import register

from .models import Group, Rating
from .services import _add


def export_ratings(user) -> list[dict]:
    return [
        {
            "proposal": r.proposal.slug,
            "criterion": r.criterion,
            "score": r.score,
            "updated_at": r.updated_at.isoformat(),
        }
        for r in Rating.objects.filter(user=user).select_related("proposal").order_by("pk")
    ]


def erase_ratings(user, *, keep_contributions: bool, stand_in) -> None:
    """Each rating leaves the aggregates it counts in (overall and its group) before it goes."""
    for rating in (
        Rating.objects.select_for_update().filter(user=user).select_related("proposal").order_by("pk")
    ):
        _add(rating.proposal, rating.criterion, [Group.ALL, rating.group], rating.score, -1)
        rating.delete()


register("ratings", export=export_ratings, erase=erase_ratings)
