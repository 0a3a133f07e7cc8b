"""Translations of participant-written text, whatever model it lives in.

A translation names its source *by reference*: a registered kind (``comment.body``, see
``translations.registry``) and the source row's id, never a foreign key, so any app can make a
text field translatable without this app knowing its model. ``source_hash`` is the hash of the
source text the translation was made from: when the source is edited the hash no longer matches
and the translation is stale (re-made by the machine, or marked outdated if a person wrote it);
a stale translation is never shown as current.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MAX_LENGTH = 20000


class Origin(models.TextChoices):
    AUTHOR = "author", pgettext_lazy("translation origin", "Author")
    COMMUNITY = "community", pgettext_lazy("translation origin", "Participant")
    MACHINE = "machine", pgettext_lazy("translation origin", "Machine")


class Status(models.TextChoices):
    # Machine translations: waiting for the provider, or the provider failed (retried later).
    QUEUED = "queued", pgettext_lazy("translation status", "Waiting for the machine")
    UNAVAILABLE = "unavailable", pgettext_lazy("translation status", "Unavailable for now")
    # People's translations (and machine drafts of proposal text) wait for a reviewer.
    PENDING = "pending", pgettext_lazy("translation status", "Pending review")
    PUBLISHED = "published", pgettext_lazy("translation status", "Published")
    REJECTED = "rejected", pgettext_lazy("translation status", "Rejected")
    # A person's translation whose source was edited afterwards.
    OUTDATED = "outdated", pgettext_lazy("translation status", "Outdated")
    # A newer translation into the same language was published in its place.
    SUPERSEDED = "superseded", pgettext_lazy("translation status", "Replaced")


class Translation(models.Model):
    source_kind = models.CharField(_("kind of text"), max_length=40)
    source_id = models.PositiveBigIntegerField(_("source id"))
    source_language = models.CharField(_("original language"), max_length=8, choices=settings.LANGUAGES)
    source_hash = models.CharField(_("hash of the original"), max_length=64)
    target_language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    text = models.TextField(_("translation"), max_length=MAX_LENGTH, blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    provider = models.CharField(_("machine provider"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    translator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="translations",
        verbose_name=_("translated by"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    review_note = models.TextField(_("reviewer's note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Machine work: how often it was tried, when next (also a lease while a worker holds it), why
    # the last try failed (for moderators; participants see "translation unavailable").
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # What readers see: at most one published translation of a text into a language.
            models.UniqueConstraint(
                fields=["source_kind", "source_id", "target_language"],
                condition=models.Q(status="published"),
                name="translations_one_published",
            ),
            # The machine's translation of a text into a language is one row, re-made in place.
            models.UniqueConstraint(
                fields=["source_kind", "source_id", "target_language"],
                condition=models.Q(origin="machine"),
                name="translations_one_machine",
            ),
            # A participant has at most one proposal awaiting review per text and language.
            models.UniqueConstraint(
                fields=["source_kind", "source_id", "target_language", "translator"],
                condition=models.Q(status="pending", translator__isnull=False),
                name="translations_one_pending_per_translator",
            ),
            models.CheckConstraint(
                condition=~models.Q(source_language=models.F("target_language")),
                name="translations_into_another_language",
            ),
        ]
        indexes = [
            models.Index(
                fields=["source_kind", "source_id", "target_language"], name="translations_source_idx"
            ),
            models.Index(fields=["status", "next_attempt_at"], name="translations_due_idx"),
            models.Index(fields=["status", "created_at"], name="translations_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source_kind} #{self.source_id} → {self.target_language} ({self.origin})"

    @property
    def is_human(self) -> bool:
        return self.origin != Origin.MACHINE


class CachedTranslation(models.Model):
    """What a provider returned for a text: the same text (by hash) is sent once per language pair
    and glossary, however many comments repeat it or however often a stale row is re-made."""

    provider = models.CharField(_("machine provider"), max_length=20)
    source_language = models.CharField(_("original language"), max_length=8)
    target_language = models.CharField(_("language"), max_length=8)
    source_hash = models.CharField(_("hash of the original"), max_length=64)
    glossary = models.CharField(_("glossary version"), max_length=16)
    text = models.TextField(_("translation"))
    characters = models.PositiveIntegerField(_("characters sent"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("cached machine translation")
        verbose_name_plural = _("cached machine translations")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "source_language", "target_language", "source_hash", "glossary"],
                name="translations_cache_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.source_language}→{self.target_language} {self.source_hash[:12]}"


class ProviderUsage(models.Model):
    """Characters sent to a provider on one day (the site's time zone), against the daily budget."""

    provider = models.CharField(_("machine provider"), max_length=20)
    day = models.DateField(_("day"))
    characters = models.PositiveBigIntegerField(_("characters sent"), default=0)
    requests = models.PositiveIntegerField(_("requests"), default=0)
    failures = models.PositiveIntegerField(_("failed requests"), default=0)
    refused = models.PositiveIntegerField(_("held back by the budget"), default=0)

    class Meta:
        verbose_name = _("machine translation usage")
        verbose_name_plural = _("machine translation usage")
        ordering = ["-day", "provider"]
        constraints = [models.UniqueConstraint(fields=["provider", "day"], name="translations_usage_per_day")]

    def __str__(self) -> str:
        return f"{self.provider} {self.day}: {self.characters}"
