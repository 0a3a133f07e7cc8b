from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.hiding import HideCategory

MAX_TEXT_LENGTH = 20000
MAX_RATIONALE_LENGTH = 4000


class TargetField(models.TextChoices):
    TITLE = "title", pgettext_lazy("proposal field", "Title")
    SUMMARY = "summary", pgettext_lazy("proposal field", "Summary")
    BODY = "body", pgettext_lazy("proposal field", "Body")


class AmendmentState(models.TextChoices):
    OPEN = "open", pgettext_lazy("amendment state", "Open")
    ACCEPTED = "accepted", pgettext_lazy("amendment state", "Accepted")
    REJECTED = "rejected", pgettext_lazy("amendment state", "Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("amendment state", "Withdrawn")
    OUTDATED = "outdated", pgettext_lazy("amendment state", "Outdated")


class Amendment(models.Model):
    """A proposed change to one language of one field of a specific version of a proposal."""

    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.CASCADE, related_name="amendments", verbose_name=_("proposal")
    )
    base_version = models.ForeignKey(
        "proposals.ProposalVersion",
        on_delete=models.PROTECT,
        related_name="amendments",
        verbose_name=_("base version"),
    )
    field = models.CharField(_("field"), max_length=10, choices=TargetField.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    original_text = models.TextField(_("original text"))
    new_text = models.TextField(_("proposed text"), max_length=MAX_TEXT_LENGTH)
    rationale = models.TextField(_("rationale"), max_length=MAX_RATIONALE_LENGTH)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="amendments",
        verbose_name=pgettext_lazy("content author", "author"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=AmendmentState.choices, default=AmendmentState.OPEN
    )
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    result_version = models.OneToOneField(
        "proposals.ProposalVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="source_amendment",
        verbose_name=_("resulting version"),
    )
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
    # Support / oppose counts, overall and per nationality group, kept by the vote service.
    support_count = models.PositiveIntegerField(default=0, verbose_name=_("support count"))
    oppose_count = models.PositiveIntegerField(default=0, verbose_name=_("oppose count"))
    support_kr = models.PositiveIntegerField(default=0, verbose_name=_("support from Korea"))
    oppose_kr = models.PositiveIntegerField(default=0, verbose_name=_("opposition from Korea"))
    support_jp = models.PositiveIntegerField(default=0, verbose_name=_("support from Japan"))
    oppose_jp = models.PositiveIntegerField(default=0, verbose_name=_("opposition from Japan"))
    client_token = models.UUIDField(null=True, blank=True, editable=False, verbose_name=_("client token"))

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_token"], name="amendments_amendment_client_token_unique"
            ),
        ]
        indexes = [models.Index(fields=["proposal", "state", "created_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_field_display()} ({self.language})"

    def get_absolute_url(self) -> str:
        return reverse("amendments:detail", kwargs={"slug": self.proposal.slug, "pk": self.pk})

    @property
    def field_name(self) -> str:
        """The translated model field this amendment changes, e.g. ``body_ja``."""
        return f"{self.field}_{self.language}"


class Vote(models.TextChoices):
    SUPPORT = "support", pgettext_lazy("amendment vote", "Support")
    OPPOSE = "oppose", pgettext_lazy("amendment vote", "Oppose")


class AmendmentVote(models.Model):
    amendment = models.ForeignKey(
        Amendment, on_delete=models.CASCADE, related_name="votes", verbose_name=_("amendment")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("participant")
    )
    value = models.CharField(max_length=10, choices=Vote.choices, verbose_name=_("vote"))
    nationality = models.CharField(max_length=5, verbose_name=_("nationality"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("voted at"))

    class Meta:
        verbose_name = _("amendment vote")
        verbose_name_plural = _("amendment votes")
        constraints = [models.UniqueConstraint(fields=["amendment", "user"], name="amendments_vote_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.value} #{self.amendment_id}"
