from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.hiding import HideCategory

MAX_LENGTH = 4000
# Root comments are depth 0; a thread goes at most three levels deep (0, 1, 2).
MAX_DEPTH = 2


class Stance(models.TextChoices):
    FOR = "for", pgettext_lazy("stance", "In favour")
    NEUTRAL = "neutral", pgettext_lazy("stance", "Neutral")
    AGAINST = "against", pgettext_lazy("stance", "Against")


class Reaction(models.TextChoices):
    AGREE = "agree", pgettext_lazy("reaction", "Agree")
    DISAGREE = "disagree", pgettext_lazy("reaction", "Disagree")
    PASS = "pass", pgettext_lazy("reaction", "Pass")


# In declaration order; read once (``Reaction.values`` builds the list on every access).
REACTION_KINDS = tuple(Reaction.values)


# Reaction counters per nationality group: ``KR`` and ``JP`` each have their own, everyone else
# (``OTHER``, or a nationality added later) shares ``other``.
GROUP_SUFFIXES: dict[str, str] = {"KR": "kr", "JP": "jp"}
OTHER_SUFFIX = "other"


def group_counter(kind: str, nationality: str) -> str:
    """The per-group counter field of a reaction ``kind`` made with ``nationality``."""
    return f"{kind}_{GROUP_SUFFIXES.get(nationality, OTHER_SUFFIX)}"


class Comment(models.Model):
    """A comment on a proposal, or on one of its amendments, threaded by ``parent``.

    ``root`` points at the thread's first comment (itself for a root), so a page of threads and all
    their replies is two queries however long the thread grows.
    """

    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.CASCADE, related_name="comments", verbose_name=_("proposal")
    )
    amendment = models.ForeignKey(
        "amendments.Amendment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("amendment"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    root = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("thread")
    )
    depth = models.PositiveSmallIntegerField(default=0, verbose_name=_("depth"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="comments",
        verbose_name=pgettext_lazy("content author", "author"),
    )
    body = models.TextField(_("comment"), max_length=MAX_LENGTH)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    stance = models.CharField(_("stance"), max_length=10, choices=Stance.choices, blank=True)
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    # Why it is hidden: a category (shown to every reader in their language) and the moderator's
    # optional note (``hidden_reason``, shown as written, marked with ``hidden_note_language``).
    hidden_category = models.CharField(
        _("reason for hiding"), max_length=20, choices=HideCategory.choices, blank=True
    )
    hidden_reason = models.TextField(_("moderators' note"), blank=True)
    hidden_note_language = models.CharField(
        _("language of the note"), max_length=8, choices=settings.LANGUAGES, blank=True
    )
    hidden_automatically = models.BooleanField(_("hidden automatically"), default=False)
    agree_count = models.PositiveIntegerField(default=0, verbose_name=_("agree count"))
    disagree_count = models.PositiveIntegerField(default=0, verbose_name=_("disagree count"))
    pass_count = models.PositiveIntegerField(default=0, verbose_name=_("pass count"))
    # The same reactions split by the nationality each was made with (``group_counter``), kept
    # exact with the totals above; the common-ground scores are read from these, never recounted.
    agree_kr = models.PositiveIntegerField(default=0, verbose_name=_("agree from Korea"))
    disagree_kr = models.PositiveIntegerField(default=0, verbose_name=_("disagree from Korea"))
    pass_kr = models.PositiveIntegerField(default=0, verbose_name=_("pass from Korea"))
    agree_jp = models.PositiveIntegerField(default=0, verbose_name=_("agree from Japan"))
    disagree_jp = models.PositiveIntegerField(default=0, verbose_name=_("disagree from Japan"))
    pass_jp = models.PositiveIntegerField(default=0, verbose_name=_("pass from Japan"))
    agree_other = models.PositiveIntegerField(default=0, verbose_name=_("agree from elsewhere"))
    disagree_other = models.PositiveIntegerField(default=0, verbose_name=_("disagree from elsewhere"))
    pass_other = models.PositiveIntegerField(default=0, verbose_name=_("pass from elsewhere"))
    # The common-ground label and bridging score (core.consensus) of the counters above, stored by
    # the reaction that changed them so lists filter and sort in SQL. ``ground_version`` is the
    # metric_version they were computed with (``manage.py common_ground_refresh`` recomputes).
    ground_label = models.CharField(max_length=20, default="needs_votes", verbose_name=_("common ground"))
    bridging_score = models.FloatField(default=0.0, verbose_name=_("bridging score"))
    ground_version = models.CharField(
        max_length=20, blank=True, verbose_name=_("common-ground metric version")
    )
    reply_count = models.PositiveIntegerField(default=0, verbose_name=_("reply count"))
    # Sent with the form; a second submission of the same form finds the first comment.
    client_token = models.UUIDField(null=True, blank=True, editable=False, verbose_name=_("client token"))

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_token"], name="comments_comment_client_token_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(depth__lte=MAX_DEPTH), name="comments_comment_max_depth"
            ),
        ]
        indexes = [
            models.Index(fields=["proposal", "amendment", "depth", "created_at"], name="comments_roots_idx"),
            models.Index(fields=["root", "created_at"], name="comments_thread_idx"),
            # The API's cursor pages walk a proposal's comments in (created_at, id) order.
            models.Index(fields=["proposal", "created_at", "id"], name="comments_proposal_time_idx"),
            # The common-ground tabs: one label of one proposal, best bridging score first.
            models.Index(fields=["proposal", "ground_label", "-bridging_score"], name="comments_ground_idx"),
        ]

    # Not stored: True on the instance ``comments.services.comment_create`` has just inserted (not
    # on one it found for a resubmitted client token). It has no replies and no reactions yet, so
    # the view draws it as it is instead of reading it back (``selectors.new_thread``).
    just_posted = False
    # Not stored: the discussion heading's count as the write that inserted this comment left it
    # (``comment_create`` sets it from ``Proposal.discussion_count`` for a proposal's discussion),
    # so the view's answer does not count the discussion again; None: not known.
    heading_count: int | None = None

    def __str__(self) -> str:
        return f"#{self.pk} {self.body[:60]}"

    def group_counts(self, nationality: str) -> tuple[int, int, int]:
        """(agree, disagree, pass) made with ``nationality`` (``"OTHER"`` for the shared bucket)."""
        return tuple(getattr(self, group_counter(kind, nationality)) for kind in REACTION_KINDS)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class CommentEdit(models.Model):
    """The text a comment had before one edit by its author: what moderators read to see how a
    comment changed. Kept here, not in the append-only audit log, so that erasing the author's
    account with their text deleted deletes these too."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="edits", verbose_name=_("comment")
    )
    body = models.TextField(_("text before the edit"))
    edited_at = models.DateTimeField(_("edited at"), default=timezone.now)

    class Meta:
        verbose_name = _("earlier version")
        verbose_name_plural = _("earlier versions")
        ordering = ["comment", "edited_at", "pk"]

    def __str__(self) -> str:
        return f"#{self.comment_id} {self.edited_at:%Y-%m-%d %H:%M}"


class ReactionSource(models.TextChoices):
    THREAD = "thread", _("reading the discussion")
    QUEUE = "queue", _("the voting queue")


class CommentReaction(models.Model):
    """One participant's agree / disagree / pass on a comment; changeable and withdrawable."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reactions", verbose_name=_("comment")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("participant")
    )
    kind = models.CharField(max_length=10, choices=Reaction.choices, verbose_name=_("reaction"))
    # The reacting user's nationality when they reacted: the common-ground view groups by it.
    nationality = models.CharField(max_length=5, verbose_name=_("nationality"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("reacted at"))
    # Where the participant reacted: in the discussion, or in "vote on comments your side hasn't seen".
    via = models.CharField(
        _("reacted from"), max_length=10, choices=ReactionSource.choices, default=ReactionSource.THREAD
    )
    # A reaction by a new account counts in the totals at once but toward the common-ground label
    # only from this time on, or once a moderator confirms it (null: it counts).
    held_until = models.DateTimeField(_("held until"), null=True, blank=True)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="comments_reaction_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} #{self.comment_id}"
