"""What the API itself remembers: the first answer to each idempotency key (``api.idempotency``)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution


class IdempotencyRecord(models.Model):
    """The first successful answer to a write sent with an ``Idempotency-Key`` header (or a
    ``client_token``), and a fingerprint of the request it answered. Kept ``idempotency.RETENTION``."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="+", verbose_name=_("institution")
    )
    # "key:<header value>" or "client_token:<uuid>": the two never collide.
    key = models.CharField(_("idempotency key"), max_length=300)
    # SHA-256 of the method, path and canonical JSON body.
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status = models.PositiveSmallIntegerField(_("response status"))
    body = models.JSONField(_("response body"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["institution", "key"], name="api_idempotency_key_unique"),
        ]
        indexes = [models.Index(fields=["institution", "created_at"], name="api_idempotency_age_idx")]

    def __str__(self) -> str:
        return self.key
