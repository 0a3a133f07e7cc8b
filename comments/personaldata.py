"""What the comments app holds about a participant (core.personaldata): their comments and reactions."""

from django.utils import timezone

from core.personaldata import register
from notifications.models import Notification
from translations.models import Translation

from . import counters
from .models import Comment, CommentEdit, CommentReaction
from .services import _move_counters
from .translatable import KIND


def export_comments(user) -> list[dict]:
    return [
        {
            "id": c.pk,
            "proposal": c.proposal.slug,
            "amendment": c.amendment_id,
            "parent": c.parent_id,
            "language": c.language,
            "stance": c.stance,
            "body": c.body,
            "created_at": c.created_at.isoformat(),
            "deleted": c.deleted_at is not None,
        }
        for c in Comment.objects.filter(author=user).select_related("proposal").order_by("pk")
    ]


def export_comment_edits(user) -> list[dict]:
    """The earlier versions of the participant's comments (the text before each edit)."""
    return [
        {"comment": e.comment_id, "body": e.body, "edited_at": e.edited_at.isoformat()}
        for e in CommentEdit.objects.filter(comment__author=user).order_by("comment", "edited_at", "pk")
    ]


def export_reactions(user) -> list[dict]:
    return [
        {"comment": r.comment_id, "kind": r.kind, "created_at": r.created_at.isoformat()}
        for r in CommentReaction.objects.filter(user=user).order_by("pk")
    ]


def erase_comments(user, *, keep_contributions: bool, stand_in) -> None:
    """Kept: the text (and its earlier versions) stays under the withdrawn participant. Deleted:
    the text, its earlier versions and its translations go, the comment shows as deleted; replies
    by others stay in the thread, under the placeholder."""
    mine = Comment.objects.filter(author=user)
    ids = list(mine.values_list("pk", flat=True))
    # Replies to others told them the author's name (and an excerpt): not any more.
    for notification in Notification.objects.filter(data__comment__in=ids):
        notification.data["author_name"] = ""
        if not keep_contributions:
            notification.data["excerpt"] = ""
        notification.save(update_fields=["data"])
    if keep_contributions:
        mine.update(author=stand_in)
    else:
        mine.filter(deleted_at__isnull=True).update(deleted_at=timezone.now())
        counters.recount(*mine.order_by().values_list("proposal_id", flat=True).distinct())
        mine.update(author=stand_in, body="")
        # So do the earlier versions of it.
        CommentEdit.objects.filter(comment__in=ids).delete()
        # Translations of the deleted text go with it.
        Translation.objects.filter(source_kind=KIND, source_id__in=ids).delete()


def erase_reactions(user, *, keep_contributions: bool, stand_in) -> None:
    for reaction in CommentReaction.objects.filter(user=user).select_related("comment"):
        _move_counters(reaction.comment, remove=(reaction.kind, reaction.nationality))
        reaction.delete()


register("comments", export=export_comments, erase=erase_comments)
register("comment_edits", export=export_comment_edits)
register("reactions", export=export_reactions, erase=erase_reactions, with_the_account=True)
