"""Common ground of comments: the per-nationality counters of a comment turned into the scores of
``core.consensus``. Kept apart from the services so pages, the API and the refresh command
compute them the same way."""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from core.consensus import (
    METRIC_VERSION,
    CommentScore,
    Label,
    Side,
    SideScore,
    Thresholds,
    comment_score,
    current_thresholds,
)
from core.text import parse_id
from proposals.models import Proposal

from .models import GROUP_SUFFIXES, OTHER_SUFFIX, Comment, CommentReaction, Reaction

# The tabs of the common-ground view and the labels each shows. "Both sides reject" is common
# ground too: both societies agree on it.
TABS: dict[str, tuple[Label, ...]] = {
    "common": (Label.COMMON_GROUND, Label.SHARED_REJECTION),
    "differences": (Label.DIVIDES,),
    "unsure": (Label.UNSURE,),
    "needs_votes": (Label.NEEDS_VOTES,),
}
DEFAULT_TAB = "common"
KINDS = tuple(Reaction.values)  # agree, disagree, pass
COUNTER_FIELDS = ("agree_kr", "disagree_kr", "pass_kr", "agree_jp", "disagree_jp", "pass_jp")


def sides(comment: Comment) -> tuple[Side, Side]:
    """The Korean and the Japanese side's votes, as counted on the row."""
    return Side(comment.agree_kr, comment.disagree_kr, comment.pass_kr), Side(
        comment.agree_jp, comment.disagree_jp, comment.pass_jp
    )


def score_of(comment: Comment, thresholds: Thresholds | None = None) -> CommentScore:
    kr, jp = sides(comment)
    return comment_score(kr, jp, thresholds or current_thresholds())


def stored_fields(comment: Comment, thresholds: Thresholds | None = None) -> dict[str, object]:
    """The values of the stored label fields for ``comment``'s counters."""
    score = score_of(comment, thresholds)
    return {
        "ground_label": score.label.value,
        "bridging_score": score.bridging,
        "ground_version": METRIC_VERSION,
    }


def most_active(proposal_id: int, share: float) -> list[int]:
    """The ``share`` (rounded down) of the proposal's reactors with the most reactions, most active
    first: two queries (how many reactors, then the top ones)."""
    if share <= 0:
        return []
    reactors = (
        CommentReaction.objects.filter(comment__proposal_id=proposal_id)
        .values("user_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    top = math.floor(reactors.count() * share)
    if not top:
        return []
    return list(reactors.order_by("-n", "user_id").values_list("user_id", flat=True)[:top])


def _without(kr: Side, jp: Side, reactions: Iterable[tuple[str, str]]) -> tuple[Side, Side]:
    """The two sides less ``reactions`` ((kind, nationality) pairs)."""
    counts = {
        "KR": [kr.agree, kr.disagree, kr.passed],
        "JP": [jp.agree, jp.disagree, jp.passed],
    }
    for kind, nationality in reactions:
        if nationality in counts:
            counts[nationality][KINDS.index(kind)] -= 1
    return Side(*counts["KR"]), Side(*counts["JP"])


def label_fields(
    comment: Comment, thresholds: Thresholds | None = None, *, top: list[int] | None = None
) -> dict[str, object]:
    """The stored label fields of ``comment`` with the manipulation rules applied:

    - reactions still held (new accounts, ``held_until`` in the future) are left out;
    - a label other than "needs votes" must survive leaving out the reactions of the proposal's
      most active reactors (``robust_share`` of them, ``top`` when the caller has them already),
      else the comment needs votes.

    A few queries (held reactions; for a label, the most active reactors and their reactions here).
    """
    t = thresholds or current_thresholds()
    now = timezone.now()
    mine = CommentReaction.objects.filter(comment_id=comment.pk, nationality__in=("KR", "JP"))
    kr, jp = _without(*sides(comment), mine.filter(held_until__gt=now).values_list("kind", "nationality"))
    score = comment_score(kr, jp, t)
    found, bridging = score.label, score.bridging
    if found != Label.NEEDS_VOTES and t.robust_share > 0:
        if top is None:
            top = most_active(comment.proposal_id, t.robust_share)
        theirs = (
            list(mine.filter(user_id__in=top).exclude(held_until__gt=now).values_list("kind", "nationality"))
            if top
            else []
        )
        if theirs:
            reduced = comment_score(*_without(kr, jp, theirs), t)
            if reduced.label != found:
                found, bridging = Label.NEEDS_VOTES, min(bridging, reduced.bridging)
    return {"ground_label": found.value, "bridging_score": bridging, "ground_version": METRIC_VERSION}


def refresh(comments: Iterable[Comment], thresholds: Thresholds | None = None) -> int:
    """Recompute and store the label of each comment (rules included); returns how many changed.
    For commands and tasks: a few queries a comment."""
    thresholds = thresholds or current_thresholds()
    changed = []
    tops: dict[int, list[int]] = {}
    for comment in comments:
        if comment.proposal_id not in tops:
            tops[comment.proposal_id] = most_active(comment.proposal_id, thresholds.robust_share)
        values = label_fields(comment, thresholds, top=tops[comment.proposal_id])
        if any(getattr(comment, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(comment, name, value)
            changed.append(comment)
    Comment.objects.bulk_update(changed, ["ground_label", "bridging_score", "ground_version"], batch_size=500)
    return len(changed)


# --- the common-ground view of a proposal's comments ----------------------------------------------

PAGE_SIZE = 20
VISIBLE = Q(deleted_at__isnull=True, hidden_at__isnull=True)


def normalise_tab(value: str | None) -> str:
    return value if value in TABS else DEFAULT_TAB


@dataclass(frozen=True)
class Bar:
    """One side's row of the two-bar figure, in percent (0–100) for the template."""

    votes: int
    support: int
    low: int
    high: int

    # Positions in the figure's 200-unit-wide drawing.
    @property
    def x(self) -> int:
        return 2 * self.support

    @property
    def x_low(self) -> int:
        return 2 * self.low

    @property
    def x_high(self) -> int:
        return 2 * self.high

    @property
    def width(self) -> int:
        return 2 * (self.high - self.low)


LABEL_NAMES = {
    Label.COMMON_GROUND: pgettext_lazy("common ground label", "Common ground"),
    Label.SHARED_REJECTION: pgettext_lazy("common ground label", "Both sides reject"),
    Label.DIVIDES: pgettext_lazy("common ground label", "Divides"),
    Label.UNSURE: pgettext_lazy("common ground label", "Unsure"),
    Label.NEEDS_VOTES: pgettext_lazy("common ground label", "Needs votes"),
}


@dataclass
class Item:
    comment: Comment
    score: CommentScore
    label: str

    @property
    def label_name(self):
        return LABEL_NAMES[Label(self.label)]

    @property
    def kr(self) -> Bar:
        return _bar(self.score.kr)

    @property
    def jp(self) -> Bar:
        return _bar(self.score.jp)


def _bar(side: SideScore) -> Bar:
    return Bar(
        votes=side.votes,
        support=round(100 * side.support),
        low=round(100 * side.interval.low),
        high=round(100 * side.interval.high),
    )


@dataclass
class GroundPage:
    proposal: Proposal
    tab: str
    counts: dict[str, int]
    items: list[Item]
    number: int
    num_pages: int
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def page_url(self) -> str:
        return reverse("proposals:detail", kwargs={"slug": self.proposal.slug})

    @property
    def fragment_url(self) -> str:
        return reverse("comments:ground", kwargs={"slug": self.proposal.slug})

    def _query(self, tab: str, page: int = 1) -> str:
        params: dict[str, object] = {"ground": tab}
        if page > 1:
            params["ground_page"] = page
        return urlencode(params)

    def link(self, tab: str, page: int = 1) -> dict[str, str]:
        query = self._query(tab, page)
        return {
            "href": f"{self.page_url}?{query}#common-ground",
            "hx_get": f"{self.fragment_url}?{query}",
            "push_url": f"{self.page_url}?{query}",
        }

    @property
    def tabs(self) -> list[dict[str, object]]:
        return [
            {
                "key": key,
                "label": TAB_LABELS[key],
                "count": self.counts[key],
                "current": key == self.tab,
                **self.link(key),
            }
            for key in TABS
        ]

    @property
    def previous_link(self) -> dict[str, str] | None:
        return self.link(self.tab, self.number - 1) if self.number > 1 else None

    @property
    def next_link(self) -> dict[str, str] | None:
        return self.link(self.tab, self.number + 1) if self.number < self.num_pages else None


TAB_LABELS = {
    "common": pgettext_lazy("common ground tab", "Common ground"),
    "differences": pgettext_lazy("common ground tab", "Differences"),
    "unsure": pgettext_lazy("common ground tab", "Unsure"),
    "needs_votes": pgettext_lazy("common ground tab", "Needs votes"),
}


QUEUE_SIZE = 5


def queue_for(*, proposal: Proposal, viewer, limit: int = QUEUE_SIZE) -> list[Comment]:
    """Visible comments of the proposal that ``viewer`` has not reacted to and did not write, the
    fewest votes from the viewer's own nationality group first (then the oldest), so that new
    comments collect enough votes on each side to be judged. One query."""
    suffix = GROUP_SUFFIXES.get(viewer.nationality, OTHER_SUFFIX)
    own_votes = F(f"agree_{suffix}") + F(f"disagree_{suffix}") + F(f"pass_{suffix}")
    reacted = CommentReaction.objects.filter(comment_id=OuterRef("pk"), user_id=viewer.pk)
    return list(
        Comment.objects.filter(VISIBLE, proposal=proposal, amendment__isnull=True)
        .exclude(author_id=viewer.pk)
        .exclude(Exists(reacted))
        .annotate(own_votes=own_votes)
        .select_related("author")
        .order_by("own_votes", "created_at", "pk")[:limit]
    )


def ground_page(*, proposal: Proposal, tab: str | None, page=None) -> GroundPage:
    """One page of a proposal's visible comments under one tab, best bridging score first.

    Two queries whatever the number of comments: the count per tab, and the page (with authors);
    the labels and scores are read from the rows."""
    tab = normalise_tab(tab)
    thresholds = current_thresholds()
    comments = Comment.objects.filter(VISIBLE, proposal=proposal, amendment__isnull=True)
    counts = comments.aggregate(
        **{
            key: Count("pk", filter=Q(ground_label__in=[label.value for label in labels]))
            for key, labels in TABS.items()
        }
    )
    num_pages = max((counts[tab] + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    number = min(parse_id(page) or 1, num_pages)
    offset = (number - 1) * PAGE_SIZE
    rows = list(
        comments.filter(ground_label__in=[label.value for label in TABS[tab]])
        .select_related("author")
        .order_by("-bridging_score", "-pk")[offset : offset + PAGE_SIZE]
    )
    items = [Item(comment=row, score=score_of(row, thresholds), label=row.ground_label) for row in rows]
    return GroundPage(
        proposal=proposal,
        tab=tab,
        counts=counts,
        items=items,
        number=number,
        num_pages=num_pages,
        thresholds=thresholds,
    )
