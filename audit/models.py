from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One action, manual or automatic. Append-only: written by the service that acted, in the same
    transaction; never edited or deleted.

    The database enforces it (migration ``audit.0002``): an UPDATE or DELETE of a row fails, on
    PostgreSQL and on SQLite. The one change allowed is the one deleting a user makes: ``actor``
    becomes NULL. The actor stays recognisable by ``actor_ref``, a pseudonymous id
    (``audit.log.pseudonym``) written with the row, which names nobody once the account is gone.
    """

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        help_text=_("Empty for automatic actions."),
    )
    actor_ref = models.CharField(
        _("actor id"),
        max_length=40,
        blank=True,
        db_index=True,
        help_text=_("A pseudonymous id of the actor; it stays when the account is deleted."),
    )
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("target type")
    )
    # Wide enough for string keys (an API key's id is "prefix.hash").
    target_id = models.CharField(max_length=200, blank=True, verbose_name=_("target id"))
    target = GenericForeignKey("target_type", "target_id")
    target_repr = models.CharField(_("target"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"
