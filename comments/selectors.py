"""Reads of comment threads, in a fixed number of queries however long the discussion grows.

A page of root threads costs: one aggregate (counts), one query for the page's roots, one for all
their replies (``root_id__in``), and, for a logged-in viewer, one for the viewer's reactions.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from core.text import parse_id
from proposals.models import Proposal
from translations import selectors as translation_selectors

from .models import Comment, CommentReaction
from .translatable import KIND

PAGE_SIZE = 20
SORTS = {
    "oldest": ("created_at", "pk"),
    "newest": ("-created_at", "-pk"),
    "agreed": ("-agree_count", "created_at", "pk"),
}
DEFAULT_SORT = "oldest"

# A deleted root with no replies has nothing left worth a placeholder.
VISIBLE_ROOT = Q(deleted_at__isnull=True) | Q(reply_count__gt=0)


@dataclass
class ThreadPage:
    """One page of root threads; each root carries ``children`` (and they theirs)."""

    threads: list[Comment]
    sort: str
    number: int
    num_pages: int
    root_count: int
    comment_count: int
    comments: list[Comment] = field(default_factory=list)
    # Set by comments.fragments when the page came through the fragment cache: where to store
    # the threads drawn now for everyone (None: a page drawn without that cache).
    fragment_keys: dict[int, str] | None = None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def page_range(self) -> range:
        return range(1, self.num_pages + 1)


def comment_for_proposal(*, slug: str, pk: int) -> Comment:
    """A comment of the proposal ``slug``, or 404 (also when it belongs to another proposal)."""
    return get_object_or_404(
        Comment.objects.select_related(
            "author", "amendment", "proposal__programme", "proposal__current_version"
        ),
        pk=pk,
        proposal__slug=slug,
    )


def discussion(*, proposal: Proposal, amendment=None) -> QuerySet[Comment]:
    """All comments of one discussion: the proposal's own, or one amendment's."""
    return Comment.objects.filter(proposal=proposal, amendment=amendment)


def normalise_sort(value: str | None) -> str:
    return value if value in SORTS else DEFAULT_SORT


def normalise_page(value) -> int:
    return parse_id(value) or 1


def thread_page(*, proposal: Proposal, amendment=None, sort: str, page: int, viewer) -> ThreadPage:
    """Page ``page`` (clamped to the last page) of root threads sorted by ``sort``, with replies and
    the viewer's reactions attached."""
    sort = normalise_sort(sort)
    comments = discussion(proposal=proposal, amendment=amendment)
    counts = comments.aggregate(
        roots=Count("pk", filter=Q(depth=0) & VISIBLE_ROOT),
        total=Count("pk", filter=Q(deleted_at__isnull=True)),
    )
    num_pages = max((counts["roots"] + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    number = min(normalise_page(page), num_pages)
    offset = (number - 1) * PAGE_SIZE
    roots = list(
        comments.filter(VISIBLE_ROOT, depth=0)
        .select_related("author")
        .order_by(*SORTS[sort])[offset : offset + PAGE_SIZE]
    )
    threads, everything = _assemble(roots, viewer)
    return ThreadPage(
        threads=threads,
        sort=sort,
        number=number,
        num_pages=num_pages,
        root_count=counts["roots"],
        comment_count=counts["total"],
        comments=everything,
    )


def comment_count(*, proposal: Proposal, amendment=None) -> int:
    """The discussion's comments not deleted, as the heading counts them (one query): the
    proposal's counter (``Proposal.discussion_count``, kept by the services) for its own
    discussion, a count for an amendment's."""
    if amendment is None:
        return Proposal.objects.filter(pk=proposal.pk).values_list("discussion_count", flat=True).get()
    return discussion(proposal=proposal, amendment=amendment).filter(deleted_at__isnull=True).count()


def single_thread(*, root: Comment, viewer) -> Comment:
    """One root thread with its replies and the viewer's reactions (two queries; ``root`` is
    expected with its author loaded). Pruned of deleted leaves like a page, though the root stays."""
    threads, _all = _assemble([root], viewer, keep_roots=True)
    return threads[0]


def new_thread(*, root: Comment) -> Comment:
    """A root comment just posted (``root.just_posted``), as ``single_thread`` would read it back:
    no replies and no reactions yet, so no query."""
    assert root.just_posted and root.depth == 0, "only a root comment just inserted"
    root.children = []
    root.viewer_reaction = ""
    return root


def root_page_number(*, root: Comment, sort: str) -> int:
    """The page on which ``root`` appears under ``sort`` (one count query)."""
    sort = normalise_sort(sort)
    if sort == "newest":
        before = Q(created_at__gt=root.created_at) | Q(created_at=root.created_at, pk__gt=root.pk)
    else:
        before = Q(created_at__lt=root.created_at) | Q(created_at=root.created_at, pk__lt=root.pk)
        if sort == "agreed":
            before = Q(agree_count__gt=root.agree_count) | (Q(agree_count=root.agree_count) & before)
    count = (
        Comment.objects.filter(Q(amendment_id=root.amendment_id), proposal_id=root.proposal_id, depth=0)
        .filter(VISIBLE_ROOT)
        .filter(before)
        .count()
    )
    return count // PAGE_SIZE + 1


def for_permalink(*, pk: int) -> Comment:
    """A comment with its proposal and thread root (one query), or 404."""
    return get_object_or_404(Comment.objects.select_related("proposal", "root"), pk=pk)


def is_shown(comment: Comment) -> bool:
    """Whether a page shows ``comment`` (or its placeholder): a deleted comment stays only while
    a reply below it is left (threads are at most three levels deep)."""
    if not comment.is_deleted:
        return True
    return Comment.objects.filter(
        Q(parent=comment) | Q(parent__parent=comment), deleted_at__isnull=True
    ).exists()


def viewer_reaction(*, comment: Comment, viewer) -> str:
    if not viewer.is_authenticated:
        return ""
    return (
        CommentReaction.objects.filter(comment=comment, user=viewer).values_list("kind", flat=True).first()
        or ""
    )


def flatten(root: Comment) -> list[Comment]:
    """``root`` and everything below it, in reading order."""
    found = []
    stack = [root]
    while stack:
        comment = stack.pop()
        found.append(comment)
        stack.extend(reversed(comment.children))
    return found


def _assemble(roots: list[Comment], viewer, *, keep_roots: bool = False) -> tuple[list[Comment], list]:
    """Fetch the replies of ``roots`` in one query and hang them under their parents in Python.

    Deleted comments that have no replies left to show are dropped: the placeholder exists only to
    keep a thread readable.
    """
    replies = []
    if roots:
        replies = list(
            Comment.objects.filter(root_id__in=[root.pk for root in roots], depth__gt=0)
            .select_related("author")
            .order_by("created_at", "pk")
        )
    nodes = {comment.pk: comment for comment in [*roots, *replies]}
    for comment in nodes.values():
        comment.children = []
    for reply in replies:
        parent = nodes.get(reply.parent_id) if reply.parent_id is not None else None
        if parent is not None:
            parent.children.append(reply)

    def prune(comment: Comment) -> bool:
        comment.children = [child for child in comment.children if prune(child)]
        return not comment.is_deleted or bool(comment.children)

    threads = [root for root in roots if prune(root) or keep_roots]
    everything = [comment for thread in threads for comment in flatten(thread)]

    reactions = {}
    if viewer.is_authenticated and everything:
        reactions = dict(
            CommentReaction.objects.filter(
                user=viewer, comment_id__in=[comment.pk for comment in everything]
            ).values_list("comment_id", "kind")
        )
    for comment in everything:
        comment.viewer_reaction = reactions.get(comment.pk, "")
    return threads, everything


assemble = _assemble


# --- Search ---------------------------------------------------------------------------------------

SEARCH_RESULTS = 20
PUBLIC = Q(hidden_at__isnull=True, deleted_at__isnull=True) & (
    Q(amendment__isnull=True) | Q(amendment__hidden_at__isnull=True)
)


def search_condition(q: str) -> Q:
    """Comments containing ``q`` (a substring: works without spaces, in Japanese) in their text or
    in one of its published translations: a Korean query finds a Japanese comment through its
    Korean translation. On PostgreSQL both sides have trigram indexes (comments 0003-style on the
    body is not needed at this size; translations 0002 on the translation text)."""
    return Q(body__icontains=q) | Q(pk__in=translation_selectors.matching_sources(kind=KIND, q=q))


def search(*, q: str, limit: int = SEARCH_RESULTS) -> list[Comment]:
    """The newest public comments matching ``q`` across proposals, with what a result shows
    (author, proposal and its current version, the amendment): one query."""
    return list(
        Comment.objects.filter(PUBLIC)
        .filter(search_condition(q))
        .select_related("author", "proposal__current_version", "amendment")
        .order_by("-created_at", "-pk")[:limit]
    )
