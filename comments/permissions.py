"""Who may do what to a comment, and why not. The services refuse with these; the comment
templates use the same predicates (``sections.decorate``) to decide which buttons to show.

``participation`` is ``accounts.permissions.participation_refusal`` for the viewer and the
proposal's programme (None when they may take part), computed once per request by the caller."""

from django.utils.translation import gettext_lazy as _

from core.errors import DeliberationError, PermissionRefused

from .models import MAX_DEPTH, Comment


def reply_problem(parent: Comment) -> DeliberationError | None:
    """Why no one may reply to ``parent`` now, or None."""
    if parent.is_deleted:
        return DeliberationError("parent_deleted", _("You cannot reply to a deleted comment."))
    if parent.is_hidden:
        return DeliberationError("parent_hidden", _("You cannot reply to a hidden comment."))
    if parent.depth >= MAX_DEPTH:
        return DeliberationError(
            "too_deep", _("This thread is as deep as it can go: reply to an earlier comment instead.")
        )
    return None


def edit_problem(user, comment: Comment) -> DeliberationError | None:
    """Why ``user`` may not change the text of ``comment`` now, or None."""
    if comment.author_id != user.pk:
        return PermissionRefused("not_author", _("You can only edit your own comments."))
    if comment.is_deleted:
        return DeliberationError("deleted", _("This comment was deleted."))
    if comment.is_hidden:
        return DeliberationError("hidden", _("A hidden comment cannot be edited."))
    return None


def delete_problem(user, comment: Comment) -> DeliberationError | None:
    """Why ``user`` may not delete ``comment``, or None (deleting twice is harmless)."""
    if comment.author_id != user.pk:
        return PermissionRefused("not_author", _("You can only delete your own comments."))
    return None


def react_problem(user, comment: Comment) -> DeliberationError | None:
    """Why ``user`` may not react to ``comment`` now, or None."""
    if comment.author_id == user.pk:
        return PermissionRefused("own_comment", _("You cannot react to your own comment."))
    if comment.is_deleted or comment.is_hidden:
        return DeliberationError("unavailable", _("You cannot react to this comment."))
    return None


def can_reply(comment: Comment, *, participation) -> bool:
    return participation is None and reply_problem(comment) is None


def can_edit(user, comment: Comment, *, participation) -> bool:
    return participation is None and edit_problem(user, comment) is None


def can_delete(user, comment: Comment, *, participation) -> bool:
    return participation is None and not comment.is_deleted and delete_problem(user, comment) is None


def can_react(user, comment: Comment, *, participation) -> bool:
    return participation is None and react_problem(user, comment) is None
