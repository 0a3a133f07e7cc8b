"""Each proposal's count of visible comments (``Proposal.comment_count``, read by the dashboard
instead of counting every comment) and of its own discussion's comments not deleted
(``Proposal.discussion_count``, the discussion heading's count). A new comment adds one to each
in ``comment_create``; every other change of a comment's visibility (deleted, hidden, restored,
erased) recounts the proposal here, inside the writer's transaction."""

from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from proposals.models import Proposal

from .models import Comment


def visible_comments():
    """What the dashboard counts: neither deleted nor hidden (on the proposal or an amendment)."""
    return Comment.objects.filter(deleted_at__isnull=True, hidden_at__isnull=True)


def in_discussion():
    """What the discussion heading counts (comments.selectors.comment_count): the proposal's own
    discussion's comments not deleted; hidden ones keep their place (a placeholder) and count."""
    return Comment.objects.filter(amendment__isnull=True, deleted_at__isnull=True)


def _per_proposal(comments):
    counted = comments.filter(proposal=OuterRef("pk")).order_by().values("proposal").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")), Value(0))


def recount(*proposal_ids: int | None) -> None:
    """Set the proposals' ``comment_count`` and ``discussion_count`` from their comments. The
    proposals' rows are locked first: under READ COMMITTED the count then sees every change committed before, and a writer
    changing a comment meanwhile waits (every such write moves the proposal's stamp, which takes
    the same lock) and recounts after. Two queries."""
    ids = sorted({pk for pk in proposal_ids if pk is not None})
    if not ids:
        return
    list(Proposal.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    Proposal.objects.filter(pk__in=ids).update(
        comment_count=_per_proposal(visible_comments()),
        discussion_count=_per_proposal(in_discussion()),
    )
