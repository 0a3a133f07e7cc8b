"""Writes to comments and reactions. Each function authorises, validates, then writes in one
transaction and raises ``DeliberationError`` / ``PermissionRefused`` when it refuses."""

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from functools import partial

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.permissions import Participation, ensure_can_participate, is_moderator
from audit.log import record
from core import compiled, once, pagestamp, sequences
from core.choices import Choice, set_choice
from core.consensus import current_thresholds
from core.errors import DeliberationError, PermissionRefused
from core.languages import LANGUAGE_CODES, per_language
from core.tasks import supports_defer
from core.text import clean_text
from notifications.models import Kind
from notifications.services import notify
from proposals import selectors as proposal_selectors
from translations import services as translation_services

from . import counters, ground, permissions
from .models import (
    MAX_LENGTH,
    Comment,
    CommentEdit,
    CommentReaction,
    Reaction,
    ReactionSource,
    Stance,
    group_counter,
)
from .translatable import KIND

logger = logging.getLogger(__name__)
EXCERPT_LENGTH = 200
COUNTER_FIELDS: dict[str, str] = {
    Reaction.AGREE: "agree_count",
    Reaction.DISAGREE: "disagree_count",
    Reaction.PASS: "pass_count",
}


def clean_body(body: str) -> str:
    """The text as stored: line endings normalised, surrounding whitespace removed. Refuses empty
    and over-long text (counted in characters, so Korean and Japanese get the same limit)."""
    text = clean_text(body)
    if not text:
        raise DeliberationError("empty", _("Write something before posting."), field="body")
    if len(text) > MAX_LENGTH:
        raise DeliberationError(
            "too_long",
            _("A comment can be at most %(limit)d characters long.") % {"limit": MAX_LENGTH},
            field="body",
        )
    return text


def discussion_url(proposal, amendment_id: int | None = None) -> str:
    """The page a discussion lives on: the proposal page, or the amendment's page."""
    if amendment_id is not None:
        return reverse("amendments:detail", kwargs={"slug": proposal.slug, "pk": amendment_id})
    return reverse("proposals:detail", kwargs={"slug": proposal.slug})


def comment_url(comment: Comment, *, language: str | None = None) -> str:
    """The comment's permalink (``/<language>/c/<id>/``), with the URL prefix of ``language``.

    It redirects to the page of the discussion the comment is on today, under the reader's sort,
    at its anchor: links in emails, notifications, the moderation queue and the API stay right
    however many threads are posted after it."""
    with translation.override(language or translation.get_language()):
        return reverse("comment_permalink", kwargs={"pk": comment.pk})


def comment_link(comment_id: int) -> str:
    """The permalink without a language prefix (for the API and exports): the site sends each
    reader on to their own language."""
    return reverse("comment_link", kwargs={"pk": comment_id})


def _refuse(problem: DeliberationError | None) -> None:
    if problem is not None:
        raise problem


# The counters a new comment moves with the stamp (comments.counters), one expression each for
# every comment: pagestamp keys its compiled UPDATE by them, and each hashes once.
_ONE_MORE = F("comment_count") + 1
_ONE_MORE_HERE = F("discussion_count") + 1


def comment_create(
    *,
    author,
    proposal,
    body: str,
    language: str,
    stance: str = "",
    parent: Comment | None = None,
    amendment=None,
    client_token: uuid.UUID | None = None,
    translations: dict[str, str] | None = None,
    admit: Callable[[], None] | None = None,
    decided: Participation | None = None,
) -> Comment:
    """Post a comment on ``proposal`` (or on its ``amendment``), or a reply to ``parent``.

    ``translations`` are the author's own translations of it (``{"ja": "..."}``), published with
    it; the machine translates it into the other languages (when a provider is configured).
    A second call with the same ``client_token`` by the same author returns the first comment
    unchanged (double submits): the insert finds it (the unique constraint on author and token),
    and so does a refusal (the thread changed since). Replying notifies the parent's author unless
    they reply to themselves. Records ``comment.created``. ``admit`` (the view's throttle) is
    called once the comment is known to be new, just after it is inserted (a refusal rolls the
    insert back): a resubmission is not counted again. ``decided`` is the view's participation
    decision for this request (checked here without it).
    """
    with transaction.atomic():
        ensure_can_participate(author, proposal.programme, decided=decided)

        def earlier() -> Comment | None:
            return Comment.objects.filter(author=author, client_token=client_token).first()

        try:
            comment = _new_comment(
                author=author,
                proposal=proposal,
                amendment=amendment,
                parent=parent,
                body=body,
                language=language,
                stance=stance,
                client_token=client_token,
            )
        except DeliberationError:
            existing = once.find(client_token, earlier)
            if existing is not None:
                return existing
            raise
        parent = comment.parent
        # No look-up first: a new comment (nearly every write) is inserted at once; a resubmitted
        # form's insert meets the unique constraint (ON CONFLICT DO NOTHING, which waits for a
        # first request still committing) and gets the first comment back.
        comment, created = once.insert_once(
            lambda: _saved(comment), client_token=client_token, lookup=earlier
        )
        if not created:
            return comment
        if admit is not None:
            admit()
        comment.just_posted = True
        if parent is None:
            if comment.root_id != comment.pk:  # its key came with the INSERT (_saved)
                comment.root_id = comment.pk
                Comment.objects.filter(pk=comment.pk).update(root_id=comment.pk)
        else:
            Comment.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
            if parent.author_id != author.pk:
                _notify_reply(parent=parent, reply=comment, proposal=proposal)
        record(action="comment.created", actor=author, target=comment, proposal=proposal.slug)
        # The dashboard's count of visible comments moves in the same UPDATE (comments.counters),
        # and the heading's count of the proposal's own discussion, which the UPDATE returns.
        if amendment is None:
            stamps, comment.heading_count = pagestamp.touch_counting(
                proposal.pk, "discussion_count", comment_count=_ONE_MORE, discussion_count=_ONE_MORE_HERE
            )
        else:
            stamps = pagestamp.touch(proposal.pk, comment_count=_ONE_MORE)
        proposal_selectors.keep_moved(proposal, stamps)
        _translate(comment, author=author, proposal=proposal, amendment=amendment, own=translations or {})
    return comment


def _new_comment(
    *,
    author,
    proposal,
    amendment,
    parent: Comment | None,
    body: str,
    language: str,
    stance: str,
    client_token,
) -> Comment:
    """The comment to insert, once its text, language, stance and place are checked (the parent
    locked, so a concurrent delete or hide cannot slip in between check and write)."""
    text = clean_body(body)
    if language not in LANGUAGE_CODES:
        raise DeliberationError("invalid_language", _("Choose a language."), field="language")
    if stance not in ("", *Stance.values):
        raise DeliberationError("invalid_stance", _("Choose a valid stance."), field="stance")
    if amendment is not None and amendment.proposal_id != proposal.pk:
        raise DeliberationError("wrong_proposal", _("This amendment belongs to another proposal."))
    if amendment is not None and amendment.hidden_at is not None:
        raise DeliberationError("unavailable", _("This amendment is hidden: it cannot be discussed."))
    depth = 0
    if parent is not None:
        parent = Comment.objects.select_for_update(of=("self",)).select_related("author").get(pk=parent.pk)
        _check_can_reply(parent, proposal, amendment)
        depth = parent.depth + 1
    return Comment(
        proposal=proposal,
        amendment=amendment,
        parent=parent,
        root_id=parent.root_id if parent is not None else None,
        depth=depth,
        author=author,
        body=text,
        language=language,
        stance=stance,
        client_token=client_token,
    )


def _translate(comment: Comment, *, author, proposal, amendment, own: dict[str, str]) -> None:
    """The author's own translations, then the machine's into the remaining languages."""
    comment.proposal = proposal
    comment.amendment = amendment
    for language, text in own.items():
        if text and text.strip():
            translation_services.translation_submit(
                user=author, kind=KIND, obj=comment, target_language=language, text=text
            )
    translation_services.machine_request(kind=KIND, obj=comment)


def _saved(comment: Comment) -> Comment | None:
    """Insert ``comment``; a root comment, its own thread, with its key taken first where the
    database allows (``core.sequences``), so that it is inserted pointing at itself. None when
    the author's comment with its client token is there already (``once.insert_once``)."""
    if comment.parent_id is None and comment.pk is None:
        comment.pk = comment.root_id = sequences.reserve_pk(Comment)
    return compiled.insert(comment, if_new=True)


def ensure_can_reply(user, parent: Comment, *, decided: Participation | None = None) -> None:
    """Refuse unless ``user`` may reply to ``parent`` now (also guards showing the reply form).
    ``decided``: the request's participation decision, when the view has made it."""
    ensure_can_participate(user, parent.proposal.programme, decided=decided)
    _check_can_reply(parent, parent.proposal, parent.amendment)


def _check_can_reply(parent: Comment, proposal, amendment) -> None:
    if parent.proposal_id != proposal.pk or parent.amendment_id != (amendment.pk if amendment else None):
        raise DeliberationError("wrong_proposal", _("That comment belongs to another discussion."))
    _refuse(permissions.reply_problem(parent))


def _notify_reply(*, parent: Comment, reply: Comment, proposal) -> None:
    version = proposal.current_version
    notify(
        recipient=parent.author,
        kind=Kind.REPLY,
        # Keys as notifications.services.notify documents them for the reply email.
        data={
            "proposal_id": proposal.pk,
            "proposal": proposal.slug,
            "proposal_title": per_language(version, "title"),
            "amendment": reply.amendment_id,
            "author_name": str(reply.author.public_name),
            "excerpt": reply.body[:EXCERPT_LENGTH],
            "comment": reply.pk,
            "parent": parent.pk,
        },
        url=comment_url(reply, language=parent.author.preferred_language),
    )


def ensure_can_edit(user, comment: Comment, *, decided: Participation | None = None) -> None:
    """Refuse unless ``user`` may change ``comment`` now (also guards showing the edit form).
    ``decided``: the request's participation decision, when the view has made it."""
    ensure_can_participate(user, comment.proposal.programme, decided=decided)
    _refuse(permissions.edit_problem(user, comment))


def comment_edit(*, user, comment: Comment, body: str, decided: Participation | None = None) -> Comment:
    """Change the text of one's own comment; marks it edited unless the text is unchanged.

    Deleted and hidden comments cannot be edited. The old text is kept as a ``CommentEdit`` (for
    moderators; erasure reaches it); ``comment.edited`` records which one, not the text.
    ``decided`` is the view's participation decision for this request (checked here without it).
    """
    with transaction.atomic():
        ensure_can_edit(user, comment, decided=decided)
        text = clean_body(body)
        if text == comment.body:
            return comment
        earlier = CommentEdit.objects.create(comment=comment, body=comment.body)
        comment.body = text
        comment.edited_at = earlier.edited_at
        comment.save(update_fields=["body", "edited_at"])
        record(action="comment.edited", actor=user, target=comment, earlier_version=earlier.pk)
        pagestamp.touch(comment.proposal_id)
        translation_services.source_changed(kind=KIND, obj=comment)
    return comment


def comment_delete(*, user, comment: Comment, decided: Participation | None = None) -> Comment:
    """Soft-delete one's own comment: the row and its replies stay, the page shows a placeholder.

    Deleting twice is harmless. Records ``comment.deleted``. ``decided`` is the view's
    participation decision for this request (checked here without it).
    """
    with transaction.atomic():
        ensure_can_participate(user, comment.proposal.programme, decided=decided)
        _refuse(permissions.delete_problem(user, comment))
        if comment.is_deleted:
            return comment
        comment.deleted_at = timezone.now()
        comment.save(update_fields=["deleted_at"])
        record(action="comment.deleted", actor=user, target=comment)
        pagestamp.touch(comment.proposal_id)
        counters.recount(comment.proposal_id)
    return comment


def comment_react(
    *,
    user,
    comment: Comment,
    kind: str | None,
    via: str = ReactionSource.THREAD,
    decided: Participation | None = None,
) -> CommentReaction | None:
    """Set ``user``'s reaction on ``comment`` to ``kind``, or withdraw it when ``kind`` is None.

    Idempotent: setting the reaction one already has changes nothing, so a double click cannot
    undo itself. The comment's counters move with F() in the same transaction and stay exact
    under concurrent writes. One cannot react to one's own, a deleted or a hidden comment.

    ``via`` records where the participant reacted (the discussion, or the voting queue). A
    reaction by an account younger than ``COMMON_GROUND["hold_hours"]`` is held: it counts in the
    totals, but toward the common-ground label only when the account reaches that age (a task
    recomputes the label then) or a moderator confirms it (``held_reactions_confirm``).
    ``decided`` is the view's participation decision for this request (checked here without it).
    """
    with transaction.atomic():
        ensure_can_participate(user, comment.proposal.programme, decided=decided)
        if kind is not None and kind not in Reaction.values:
            raise DeliberationError("invalid_reaction", _("Choose agree, disagree or pass."))
        _refuse(permissions.react_problem(user, comment))
        if via not in ReactionSource.values:
            via = ReactionSource.THREAD
        held_until = _held_until(user)

        reaction = set_choice(
            CommentReaction,
            key={"comment": comment, "user": user},
            field="kind",
            value=kind,
            nationality=user.nationality,
            move_counters=partial(_move_counters, comment),
            extra={"via": via, "held_until": held_until},
        )
        if held_until is not None and reaction is not None:
            _refresh_later(comment.pk, held_until)
        # Moved even when nothing changed: an idempotent repeat costs one cheap UPDATE.
        pagestamp.touch(comment.proposal_id)
        return reaction


def _held_until(user) -> dt.datetime | None:
    """When a reaction by ``user`` made now starts counting toward labels; None: at once."""
    hold = dt.timedelta(hours=current_thresholds().hold_hours)
    if not hold or user.date_joined is None:
        return None
    until = user.date_joined + hold
    return until if until > timezone.now() else None


def _refresh_later(comment_id: int, at: dt.datetime) -> None:
    """Recompute the comment's label when the hold ends (``manage.py common_ground_refresh``
    sweeps up a lost task)."""
    from . import tasks

    if supports_defer():
        transaction.on_commit(lambda: _enqueue_refresh(tasks.refresh_common_ground, comment_id, at))


def _enqueue_refresh(task, comment_id: int, at: dt.datetime) -> None:
    try:
        task.using(run_after=at).enqueue(comment_id)
    except Exception:
        logger.exception("could not queue the common-ground refresh of comment %s", comment_id)


def common_ground_refresh(*, comment_id: int) -> None:
    """Recompute one comment's stored label (a hold ended, a moderator confirmed reactions)."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
        if comment is None:
            return
        Comment.objects.filter(pk=comment_id).update(**ground.label_fields(comment))
        pagestamp.touch(comment.proposal_id)


def held_reactions_confirm(*, moderator, reactions) -> int:
    """A moderator confirms held reactions (a burst of new accounts judged genuine): they count
    toward labels at once. Returns how many were held. Records ``reaction.hold_confirmed``."""
    if not is_moderator(moderator):
        raise PermissionRefused("not_moderator", _("Only moderators can confirm held reactions."))
    with transaction.atomic():
        held = list(
            CommentReaction.objects.filter(pk__in=[r.pk for r in reactions], held_until__isnull=False)
            .select_for_update()
            .select_related("comment")
        )
        CommentReaction.objects.filter(pk__in=[r.pk for r in held]).update(held_until=None)
        for comment_id in sorted({r.comment_id for r in held}):
            common_ground_refresh(comment_id=comment_id)
        pagestamp.touch(*{r.comment.proposal_id for r in held})
        for reaction in held:
            record(
                action="reaction.hold_confirmed",
                actor=moderator,
                target=reaction.comment,
                reaction=reaction.pk,
            )
    return len(held)


def _move_counters(comment: Comment, *, add: Choice | None = None, remove: Choice | None = None) -> None:
    """Move the per-kind totals and the per-nationality counters in one UPDATE.

    A change keeps the nationality of each side: the removed reaction leaves the bucket of the
    nationality it was made with, the new one enters the reacting user's current one.
    """
    deltas: dict[str, int] = {}
    for choice, sign in ((add, +1), (remove, -1)):
        if choice is None:
            continue
        kind, nationality = choice
        for field in (COUNTER_FIELDS[kind], group_counter(kind, nationality)):
            deltas[field] = deltas.get(field, 0) + sign
    changes = {field: F(field) + delta for field, delta in deltas.items() if delta}
    if not changes:
        return
    rows = Comment.objects.filter(pk=comment.pk)
    rows.update(**changes)
    # The UPDATE holds the row's lock until commit, so these counters are the ones this
    # transaction leaves, and a concurrent reaction recomputes after it.
    counted = rows.only("proposal_id", *ground.COUNTER_FIELDS).get()
    rows.update(**ground.label_fields(counted))
