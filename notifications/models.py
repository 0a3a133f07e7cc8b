from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    REPLY = "reply", _("Reply to your comment")
    AMENDMENT_DECIDED = "amendment_decided", _("Decision on your amendment")
    STAGE_CHANGED = "stage_changed", _("Progress of a proposal")
    CONTENT_HIDDEN = "content_hidden", _("Your comment or amendment was hidden")
    ACCOUNT_SUSPENDED = "account_suspended", _("Your account was suspended")


class Notification(models.Model):
    """Something a participant should hear about. Emailed at once, in a daily digest, or not at all,
    per the recipient's setting; ``emailed_at`` makes sending idempotent."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    # What the email needs to be rendered in the recipient's language later (ids, slugs, titles per language).
    data = models.JSONField(default=dict, verbose_name=_("details"))
    url = models.CharField(max_length=300, blank=True, verbose_name=_("link"))
    # What the notification is about, e.g. "proposal:12": the storm guard allows one immediate email
    # per recipient, kind and topic in a time window.
    topic = models.CharField(max_length=100, blank=True, verbose_name=_("topic"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    emailed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("emailed at"))
    # Seen on the notifications page (the header's badge counts those without it).
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "emailed_at"]),
            models.Index(fields=["recipient", "kind", "topic", "emailed_at"]),
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"
