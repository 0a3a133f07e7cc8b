from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from amendments.models import Amendment
from comments.models import Comment


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    HARASSMENT = "harassment", _("Harassment or hate, including hostility toward a nationality")
    OFF_TOPIC = "off_topic", _("Off-topic")
    MISINFORMATION = "misinformation", _("Misinformation")
    OTHER = "other", _("Other")


class ReportStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("report status", "Open")
    ACTIONED = "actioned", _("Actioned")
    DISMISSED = "dismissed", _("Dismissed")


# A report note is short context for the moderators, not a second comment.
NOTE_MAX_LENGTH = 1000
# A moderator's reason for hiding or suspending: shown to the author, kept in the audit log.
REASON_MAX_LENGTH = 1000


class Report(models.Model):
    """A participant's report of a comment or an amendment (exactly one of the two)."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports", verbose_name=_("reporter")
    )
    comment = models.ForeignKey(
        "comments.Comment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("comment"),
    )
    amendment = models.ForeignKey(
        "amendments.Amendment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("amendment"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=ReportReason.choices)
    note = models.TextField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    # The reporter's nationality when they reported: the one-nationality safeguard counts these.
    reporter_nationality = models.CharField(max_length=5, verbose_name=_("reporter nationality"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(comment__isnull=False) & models.Q(amendment__isnull=True))
                | (models.Q(comment__isnull=True) & models.Q(amendment__isnull=False)),
                name="moderation_report_one_target",
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=models.Q(comment__isnull=False),
                name="moderation_report_once_per_comment",
            ),
            models.UniqueConstraint(
                fields=["reporter", "amendment"],
                condition=models.Q(amendment__isnull=False),
                name="moderation_report_once_per_amendment",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        target = f"comment #{self.comment_id}" if self.comment_id else f"amendment #{self.amendment_id}"
        return f"{self.get_reason_display()}: {target}"


class ReportedComment(Comment):
    """The moderation queue's view of comments (admin only): rows come from
    ``moderation.selectors.comment_queue``."""

    class Meta:
        proxy = True
        verbose_name = _("reported comment")
        verbose_name_plural = _("reported comments")


class ReportedAmendment(Amendment):
    """The moderation queue's view of amendments (admin only): rows come from
    ``moderation.selectors.amendment_queue``."""

    class Meta:
        proxy = True
        verbose_name = _("reported amendment")
        verbose_name_plural = _("reported amendments")
