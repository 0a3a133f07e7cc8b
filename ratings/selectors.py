"""Reads of ratings. Aggregates are kept up to date by the services, so no read scans ratings:
a proposal's summary is one query, the viewer's own scores another."""

from dataclasses import dataclass

from django.db.models import QuerySet

from core import consensus
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
    withheld: bool = False  # too few raters to show (see ``withheld_groups``): count only


@dataclass(frozen=True)
class CriterionSummary:
    criterion: Criterion
    groups: list[GroupSummary]

    @property
    def overall(self) -> GroupSummary:
        return self.groups[0]


def aggregates_for(*, proposal: Proposal) -> QuerySet[RatingAggregate]:
    return RatingAggregate.objects.filter(proposal=proposal)


def aggregate_rows(*, proposal: Proposal) -> dict[tuple[str, str], RatingAggregate]:
    """The proposal's aggregates by (criterion, group): one query."""
    return {(row.criterion, row.group): row for row in aggregates_for(proposal=proposal)}


def withheld_groups(
    rows: dict[tuple[str, str], RatingAggregate], criterion: str, *, min_raters: int
) -> set[str]:
    """The groups of ``criterion`` whose mean and distribution are not shown, to protect small groups.

    A nationality group with raters, but fewer than ``min_raters``, is withheld. So is everyone
    together when what is withheld adds up to fewer than ``min_raters`` raters: otherwise everyone
    minus the groups shown would give the withheld group away (20 Korean raters shown, 2 Japanese
    withheld, and all 22 shown, is the two Japanese ratings). Counts are always shown.
    """
    counts = {group: (row.count if (row := rows.get((criterion, group))) else 0) for group in Group.values}
    withheld = {group for group, count in counts.items() if group != Group.ALL and 0 < count < min_raters}
    if 0 < sum(counts[group] for group in withheld) < min_raters:
        withheld.add(Group.ALL.value)
    return withheld


def rating_summary(
    *, proposal: Proposal, groups=SHOWN_GROUPS, rows: dict[tuple[str, str], RatingAggregate] | None = None
) -> list[CriterionSummary]:
    """Count, mean and distribution per criterion and group (one query, whatever the number of
    raters; none when ``rows`` from ``aggregate_rows`` are given)."""
    if rows is None:
        rows = aggregate_rows(proposal=proposal)
    min_raters = consensus.current_thresholds().min_raters
    summaries = []
    for criterion in Criterion:
        withheld = withheld_groups(rows, criterion.value, min_raters=min_raters)
        group_summaries = []
        for group in groups:
            row = rows.get((criterion.value, group.value)) or RatingAggregate(
                criterion=criterion, group=group
            )
            if group.value in withheld:
                group_summaries.append(
                    GroupSummary(group=group, count=row.count, mean=None, bars=[], withheld=True)
                )
                continue
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
    return dict(scores_query(user=user, proposal=proposal))


def scores_query(*, user, proposal: Proposal | int) -> QuerySet:
    """``scores_of``'s rows (criterion value, score), as a query that can be read with others'."""
    return Rating.objects.filter(user=user, proposal=proposal).order_by().values_list("criterion", "score")


# --- Korean and Japanese participants compared (core.consensus) ----------------------------------


@dataclass(frozen=True)
class SideFigure:
    """One side's posterior mean and 95 % interval, placed on the figure's 1–5 scale (0–200)."""

    posterior: consensus.Posterior

    @property
    def mean(self) -> float:
        return self.posterior.mean

    @property
    def low(self) -> float:
        return self.posterior.interval.low

    @property
    def high(self) -> float:
        return self.posterior.interval.high

    @property
    def x(self) -> int:
        return _scale(self.mean)

    @property
    def x_low(self) -> int:
        return _scale(self.low)

    @property
    def width(self) -> int:
        return _scale(self.high) - _scale(self.low)


def _scale(score: float) -> int:
    return round(50 * (score - 1))


@dataclass(frozen=True)
class CriterionComparison:
    criterion: Criterion
    comparison: consensus.RatingComparison
    raters_kr: int
    raters_jp: int

    @property
    def kr(self) -> SideFigure | None:
        return SideFigure(self.comparison.kr) if self.comparison.kr else None

    @property
    def jp(self) -> SideFigure | None:
        return SideFigure(self.comparison.jp) if self.comparison.jp else None

    @property
    def supported(self) -> bool:
        return self.comparison.supported_on_both_sides


def compare(
    rows: dict[tuple[str, str], RatingAggregate], thresholds: consensus.Thresholds
) -> list[CriterionComparison]:
    """Each criterion's Korean and Japanese posteriors from the aggregate rows (no query)."""
    found = []
    for criterion in Criterion:
        kr = rows.get((criterion.value, Group.KOREA.value)) or RatingAggregate()
        jp = rows.get((criterion.value, Group.JAPAN.value)) or RatingAggregate()
        found.append(
            CriterionComparison(
                criterion=criterion,
                comparison=consensus.compare_ratings(kr.distribution, jp.distribution, thresholds),
                raters_kr=kr.count,
                raters_jp=jp.count,
            )
        )
    return found


def comparisons_by_proposal(proposal_ids=None) -> dict[int, list[CriterionComparison]]:
    """The comparison of every proposal (or those of ``proposal_ids``) in one query."""
    rows: dict[int, dict[tuple[str, str], RatingAggregate]] = {}
    aggregates = RatingAggregate.objects.filter(group__in=[Group.KOREA, Group.JAPAN])
    if proposal_ids is not None:
        aggregates = aggregates.filter(proposal_id__in=proposal_ids)
    for row in aggregates:
        rows.setdefault(row.proposal_id, {})[(row.criterion, row.group)] = row
    thresholds = consensus.current_thresholds()
    return {proposal_id: compare(found, thresholds) for proposal_id, found in rows.items()}


def both_sides_support(comparisons: list[CriterionComparison]) -> bool:
    """Important and feasible in both countries: the both-sides rule holds on every criterion."""
    return bool(comparisons) and all(item.supported for item in comparisons)
