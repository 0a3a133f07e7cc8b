"""What the ratings app holds about a participant (core.personaldata): their ratings."""

from core.personaldata import register

from .models import Rating
from .services import ratings_erase


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
    ratings_erase(user=user)


# Early: the rater's rows and the aggregates are locked before any proposal's row (ratings.services).
register("ratings", export=export_ratings, erase=erase_ratings, early=True, with_the_account=True)
