"""Reads of institutionalisation progress for the public pages, the admin and the services.

Each returns its data in a fixed number of queries, whatever the number of proposals, milestones,
comments or ratings: the dashboard reads the counters the services keep on each proposal and the
rating totals from ``RatingAggregate`` rows, never scanning comments or ratings.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext

from amendments.models import Amendment
from comments.models import Comment
from core.consensus import current_thresholds
from proposals.models import Proposal, Stage
from ratings.models import Criterion, Rating
from ratings.selectors import CriterionComparison, both_sides_support, comparisons_by_proposal

from .models import Jurisdiction, JurisdictionStage, Milestone, MilestoneStatus

NOT_RECORDED = "none"  # chart bucket: no published milestone in that jurisdiction yet


# --- Participants (for notifications) ------------------------------------------------------------


def participant_ids(*, proposal_id: int) -> set[int]:
    """Users who rated, commented on or amended the proposal: three set-based queries."""
    ids = set(Rating.objects.filter(proposal_id=proposal_id).values_list("user_id", flat=True).distinct())
    ids |= set(Comment.objects.filter(proposal_id=proposal_id).values_list("author_id", flat=True).distinct())
    ids |= set(
        Amendment.objects.filter(proposal_id=proposal_id).values_list("author_id", flat=True).distinct()
    )
    return ids


# --- Review dates ---------------------------------------------------------------------------------


def review_overdue_q(prefix: str = "", *, today: dt.date | None = None) -> Q:
    """Published milestones whose next review date has passed (``prefix`` e.g. ``"milestone__"``)."""
    today = today or timezone.localdate()
    return Q(**{f"{prefix}status": MilestoneStatus.PUBLISHED, f"{prefix}next_review_on__lt": today})


def milestones_with_currency(queryset: QuerySet[Milestone]) -> QuerySet[Milestone]:
    """Annotate ``is_current``: the milestone is the one its jurisdiction's stage follows now."""
    return queryset.annotate(is_current=Exists(JurisdictionStage.objects.filter(milestone_id=OuterRef("pk"))))


def overdue_milestones_q() -> Q:
    """On a queryset from ``milestones_with_currency``: current milestones whose review is overdue."""
    return Q(is_current=True) & review_overdue_q()


def proposals_with_review_overdue(queryset: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Annotate ``review_overdue``: a current milestone of the proposal is past its review date."""
    overdue = JurisdictionStage.objects.filter(review_overdue_q("milestone__"), proposal_id=OuterRef("pk"))
    return queryset.annotate(review_overdue=Exists(overdue))


def milestone_is_overdue(milestone: Milestone, *, is_current: bool, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return bool(
        is_current
        and milestone.status == MilestoneStatus.PUBLISHED
        and milestone.next_review_on
        and milestone.next_review_on < today
    )


def milestones_for_export(queryset: QuerySet[Milestone] | None = None) -> QuerySet[Milestone]:
    queryset = Milestone.objects.all() if queryset is None else queryset
    return queryset.select_related("proposal").order_by("proposal__position", "proposal__slug", "date", "pk")


# --- Public pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class JurisdictionStatus:
    jurisdiction: Jurisdiction
    stage: Stage | None
    since: dt.date | None


@dataclass(frozen=True)
class ProposalProgress:
    proposal: Proposal
    timeline: list[Milestone]
    stages: list[JurisdictionStatus]


def proposal_progress(*, slug: str) -> ProposalProgress:
    """A proposal, its published milestones (oldest first) and its stage in each jurisdiction:
    three queries."""
    proposal: Proposal = get_object_or_404(
        Proposal.objects.select_related("current_version"), slug=slug, current_version__isnull=False
    )
    timeline = list(
        Milestone.objects.filter(proposal=proposal, status=MilestoneStatus.PUBLISHED).order_by("date", "pk")
    )
    rows = {
        row.jurisdiction: row
        for row in JurisdictionStage.objects.filter(proposal=proposal).select_related("milestone")
    }
    stages = []
    for jurisdiction in Jurisdiction:
        row = rows.get(jurisdiction.value)
        stages.append(
            JurisdictionStatus(
                jurisdiction=jurisdiction,
                stage=Stage(row.stage) if row else None,
                since=row.milestone.date if row and row.milestone else None,
            )
        )
    return ProposalProgress(proposal=proposal, timeline=timeline, stages=stages)


@dataclass
class ProposalFigures:
    proposal: Proposal
    stages: dict[str, Stage | None]
    comments: int = 0
    raters_kr: int = 0
    raters_jp: int = 0
    amendments_accepted: int = 0
    # Importance, then feasibility: Korean and Japanese posteriors (core.consensus).
    comparisons: list[CriterionComparison] = field(default_factory=list)

    @property
    def supported_on_both_sides(self) -> bool:
        return both_sides_support(self.comparisons)

    @property
    def stage_list(self) -> list[tuple[Jurisdiction, Stage | None]]:
        return [(jurisdiction, self.stages.get(jurisdiction.value)) for jurisdiction in Jurisdiction]


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    count: int
    x: str
    width: str
    label_x: str
    show_label: bool


@dataclass(frozen=True)
class Bar:
    jurisdiction: Jurisdiction
    y: str
    text_y: str
    segments: list[Segment]


@dataclass
class StageChart:
    """Stacked horizontal bars, one per jurisdiction, of proposals per stage. Geometry is computed
    here so that the template only writes attributes (no style attributes, no script)."""

    total: int
    buckets: list[tuple[str, str]]  # (key, label) in stage order, "none" last
    counts: dict[str, dict[str, int]]  # jurisdiction -> bucket -> count
    bars: list[Bar] = field(default_factory=list)
    width: int = 640
    height: int = 0
    bar_x: int = 170
    bar_width: int = 450

    @property
    def label_x(self) -> int:
        return self.bar_x - 10

    def table(self) -> list[tuple[Jurisdiction, list[int]]]:
        return [
            (jurisdiction, [self.counts[jurisdiction.value][key] for key, _label in self.buckets])
            for jurisdiction in Jurisdiction
        ]


BAR_HEIGHT, BAR_GAP, CHART_TOP = 32, 18, 10


def stage_chart(proposals: list[Proposal], stages: dict[int, dict[str, str]]) -> StageChart:
    """The chart of ``proposals`` by stage in each jurisdiction (no queries)."""
    buckets = [(stage.value, str(stage.label)) for stage in Stage] + [
        (NOT_RECORDED, gettext("No milestone yet"))
    ]
    counts = {j: dict.fromkeys([key for key, _label in buckets], 0) for j in Jurisdiction.values}
    for proposal in proposals:
        for jurisdiction in Jurisdiction.values:
            counts[jurisdiction][stages.get(proposal.pk, {}).get(jurisdiction, NOT_RECORDED)] += 1
    chart = StageChart(total=len(proposals), buckets=buckets, counts=counts)
    labels = dict(buckets)
    for index, jurisdiction in enumerate(Jurisdiction):
        y = CHART_TOP + index * (BAR_HEIGHT + BAR_GAP)
        x = float(chart.bar_x)
        segments = []
        for key, _label in buckets:
            count = counts[jurisdiction.value][key]
            if not count:
                continue
            width = chart.bar_width * count / chart.total
            segments.append(
                Segment(
                    key=key,
                    label=labels[key],
                    count=count,
                    x=_number(x),
                    width=_number(width),
                    label_x=_number(x + width / 2),
                    show_label=width >= 16,
                )
            )
            x += width
        chart.bars.append(
            Bar(jurisdiction=jurisdiction, y=str(y), text_y=_number(y + BAR_HEIGHT / 2), segments=segments)
        )
    chart.height = CHART_TOP * 2 + len(Jurisdiction) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    return chart


def _number(value: float) -> str:
    # Attributes need "12.5" in every language, never a localised "12,5".
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Dashboard:
    chart: StageChart
    rows: list[ProposalFigures]
    bar_height: int = BAR_HEIGHT

    @property
    def support_raters(self) -> int:
        return current_thresholds().support_raters

    @property
    def shortlist(self) -> list[ProposalFigures]:
        """Important and feasible in both countries: the both-sides rule on both criteria."""
        return [row for row in self.rows if row.supported_on_both_sides]

    @property
    def jurisdictions(self) -> list[Jurisdiction]:
        return list(Jurisdiction)


def dashboard() -> Dashboard:
    """All proposals with their stages per jurisdiction and participation figures: three queries.
    Comments and accepted amendments are the counters the services keep on each proposal
    (``Proposal.comment_count``, ``accepted_amendment_count``); raters by nationality come from
    the rating aggregates the rating services keep. Nothing here counts rows."""
    proposals = list(
        Proposal.objects.filter(current_version__isnull=False)
        .select_related("current_version")
        .order_by("position", "slug")
    )
    stages: dict[int, dict[str, str]] = {}
    for proposal_id, jurisdiction, stage in JurisdictionStage.objects.values_list(
        "proposal_id", "jurisdiction", "stage"
    ):
        stages.setdefault(proposal_id, {})[jurisdiction] = stage
    comparisons = comparisons_by_proposal()
    rows = [
        ProposalFigures(
            proposal=proposal,
            stages={j: Stage(s) for j, s in stages.get(proposal.pk, {}).items()},
            comments=proposal.comment_count,
            raters_kr=_importance(comparisons.get(proposal.pk)).raters_kr,
            raters_jp=_importance(comparisons.get(proposal.pk)).raters_jp,
            amendments_accepted=proposal.accepted_amendment_count,
            comparisons=comparisons.get(proposal.pk, []),
        )
        for proposal in proposals
    ]
    return Dashboard(chart=stage_chart(proposals, stages), rows=rows)


def _importance(comparisons: list[CriterionComparison] | None):
    """The importance criterion's comparison (raters are counted on it), or zeros."""
    for item in comparisons or []:
        if item.criterion == Criterion.IMPORTANCE:
            return item
    return _NO_RATERS


@dataclass(frozen=True)
class _NoRaters:
    raters_kr: int = 0
    raters_jp: int = 0


_NO_RATERS = _NoRaters()
