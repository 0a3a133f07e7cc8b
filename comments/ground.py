"""Common ground of comments: the per-nationality counters of a comment turned into the scores of
``core.consensus``. Kept apart from the services so pages, the API and the refresh command
compute them the same way."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
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

from .models import Comment

# The tabs of the common-ground view and the labels each shows. "Both sides reject" is common
# ground too: both societies agree on it.
TABS: dict[str, tuple[Label, ...]] = {
    "common": (Label.COMMON_GROUND, Label.SHARED_REJECTION),
    "differences": (Label.DIVIDES,),
    "unsure": (Label.UNSURE,),
    "needs_votes": (Label.NEEDS_VOTES,),
}
DEFAULT_TAB = "common"
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


def refresh(comments: Iterable[Comment], thresholds: Thresholds | None = None) -> int:
    """Recompute and store the label of each comment; returns how many changed."""
    thresholds = thresholds or current_thresholds()
    changed = []
    for comment in comments:
        values = stored_fields(comment, thresholds)
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
