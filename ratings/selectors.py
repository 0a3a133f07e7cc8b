"""Reads of ratings. Aggregates are kept up to date by the services, so no read scans ratings:
a proposal's summary is one query, the viewer's own scores another."""

from dataclasses import dataclass

from django.db.models import QuerySet

from proposals.models import Proposal

from .models import Criterion, Group, Rating, RatingAggregate

SCORES = (1, 2, 3, 4, 5)
# The groups shown on the page; OTHER is counted in ALL but not shown on its own.
SHOWN_GROUPS = (Group.ALL, Group.KOREA, Group.JAPAN)


@dataclass(frozen=True)
class Bar:
    score: int
    count: int
    percent: int  # share of the group's ratings, 0–100, for the bar's width


@dataclass(frozen=True)
class GroupSummary:
    group: Group
    count: int
    mean: float | None
    bars: list[Bar]


@dataclass(frozen=True)
class CriterionSummary:
    criterion: Criterion
    groups: list[GroupSummary]

    @property
    def overall(self) -> GroupSummary:
        return self.groups[0]


def aggregates_for(*, proposal: Proposal) -> QuerySet[RatingAggregate]:
    return RatingAggregate.objects.filter(proposal=proposal)


def rating_summary(*, proposal: Proposal, groups=SHOWN_GROUPS) -> list[CriterionSummary]:
    """Count, mean and distribution per criterion and group (one query, whatever the number of raters)."""
    rows = {(row.criterion, row.group): row for row in aggregates_for(proposal=proposal)}
    summaries = []
    for criterion in Criterion:
        group_summaries = []
        for group in groups:
            row = rows.get((criterion.value, group.value)) or RatingAggregate(
                criterion=criterion, group=group
            )
            bars = [
                Bar(score=score, count=n, percent=round(100 * n / row.count) if row.count else 0)
                for score, n in zip(SCORES, row.distribution, strict=True)
            ]
            group_summaries.append(GroupSummary(group=group, count=row.count, mean=row.mean, bars=bars))
        summaries.append(CriterionSummary(criterion=criterion, groups=group_summaries))
    return summaries


def scores_of(*, user, proposal: Proposal) -> dict[str, int]:
    """The user's current score per criterion value (one query; none for anonymous visitors)."""
    if not user.is_authenticated:
        return {}
    return dict(Rating.objects.filter(user=user, proposal=proposal).values_list("criterion", "score"))
