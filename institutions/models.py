"""Partner institutions (ministries, foundations, universities) and how they reach the site: API keys
with scopes, the progress reports they submit, and webhook endpoints with their deliveries."""

import base64
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rest_framework_api_key.models import AbstractAPIKey

from progress.models import MilestoneStatus


class Country(models.TextChoices):
    KOREA = "KR", _("Korea")
    JAPAN = "JP", _("Japan")
    OTHER = "OTHER", pgettext_lazy("country", "Other / international")


class Scope(models.TextChoices):
    """What an API key may do: read everything public, submit progress reports, register and
    manage its institution's webhook endpoints."""

    READ = "read", pgettext_lazy("API scope", "Read")
    REPORT = "report", pgettext_lazy("API scope", "Report progress")
    WEBHOOKS = "webhooks", pgettext_lazy("API scope", "Manage webhook endpoints")


class Institution(models.Model):
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=5, choices=Country.choices)
    contact_email = models.EmailField(_("contact email"))
    active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive institution's keys and webhooks stop working.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    api_rate_limit = models.PositiveIntegerField(
        _("API requests per minute"),
        null=True,
        blank=True,
        help_text=_("Shared by all the institution's keys. Empty: each key has the site's default limit."),
    )

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class InstitutionAPIKey(AbstractAPIKey):
    """A key an institution sends as ``Authorization: Api-Key <prefix>.<secret>``.

    Only a hash is stored; the whole key is shown once, when it is created in the admin. A key is
    usable while not revoked, not expired and its institution is active.
    """

    # The library's fields again, with labels and help in our catalogues (it ships no ko or ja).
    prefix = models.CharField(_("prefix"), max_length=8, unique=True, editable=False)
    created = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    name = models.CharField(
        _("name"),
        max_length=50,
        blank=False,
        default=None,
        help_text=_(
            "What the key is for, e.g. the institution's system that uses it (50 characters at most)."
        ),
    )
    revoked = models.BooleanField(
        _("revoked"),
        blank=True,
        default=False,
        help_text=_("A revoked key stops working at once. This cannot be undone."),
    )
    expiry_date = models.DateTimeField(
        _("expires"),
        blank=True,
        null=True,
        help_text=_("After this moment the key stops working. Empty: it does not expire."),
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("institution")
    )
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    # Updated at most once a minute per key (see api.authentication), so reads stay read-only.
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class ProgressReport(models.Model):
    """A progress report an institution submitted through the API: the milestone it became (pending
    until a moderator publishes or declines it) and who sent it."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="reports", verbose_name=_("institution")
    )
    milestone = models.OneToOneField(
        "progress.Milestone",
        on_delete=models.CASCADE,
        related_name="institution_report",
        verbose_name=_("milestone"),
    )
    api_key = models.ForeignKey(
        InstitutionAPIKey,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("API key"),
    )
    # The language the institution wrote in, or "" when it sent all three.
    language = models.CharField(_("language"), max_length=8, blank=True)
    # Sent by the client; the same token again returns the first report instead of a duplicate.
    client_token = models.UUIDField(null=True, blank=True, editable=False, verbose_name=_("client token"))
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "client_token"], name="institutions_report_client_token_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution}: {self.milestone}"

    @property
    def status(self) -> str:
        return self.milestone.status if self.milestone.status != MilestoneStatus.DRAFT else "pending"


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


class WebhookEndpoint(models.Model):
    """Where an institution wants to hear about events (a proposal's stage changing)."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("institution")
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=128,
        default=new_webhook_secret,
        help_text=_(
            "Deliveries are signed with it per the Standard Webhooks specification (whsec_ and base64). "
            "To change it without losing deliveries, use the action “Rotate the signing secret”."
        ),
    )
    previous_secret = models.CharField(
        _("previous signing secret"),
        max_length=128,
        blank=True,
        editable=False,
        help_text=_("After a rotation, deliveries are signed with both secrets until the time below."),
    )
    previous_secret_expires_at = models.DateTimeField(
        _("previous secret honoured until"), null=True, blank=True, editable=False
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["institution", "pk"]

    def __str__(self) -> str:
        return self.url

    def signing_secrets(self, now) -> list[str]:
        """The secrets a delivery at ``now`` is signed with: the current one, and the previous one
        while a rotation's overlap lasts."""
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            return [self.secret, self.previous_secret]
        return [self.secret]


class DeliveryState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("webhook delivery", "Pending")
    DELIVERED = "delivered", pgettext_lazy("webhook delivery", "Delivered")
    FAILED = "failed", pgettext_lazy("webhook delivery", "Failed (gave up)")


class WebhookDelivery(models.Model):
    """One event for one endpoint, tried until the receiver answers 2xx or the back-off runs out."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event = models.CharField(_("event"), max_length=60)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When to try next; empty once delivered or given up.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["next_attempt_at"], name="institutions_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} #{self.pk}"

    @property
    def state(self) -> str:
        if self.delivered_at is not None:
            return DeliveryState.DELIVERED
        if self.next_attempt_at is None:
            return DeliveryState.FAILED
        return DeliveryState.PENDING
