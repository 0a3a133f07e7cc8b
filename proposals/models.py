from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from core import pagestamp


class PolicyArea(models.TextChoices):
    SECURITY = "security", _("Security")
    ECONOMY = "economy", _("Economy & trade")
    TECHNOLOGY = "technology", _("Technology")
    ENERGY = "energy", _("Energy & climate")
    SOCIETY = "society", _("Society")
    YOUTH = "youth", _("Youth & exchange")
    INSTITUTIONS = "institutions", _("Institutions")


class Stage(models.TextChoices):
    """Steps toward institutionalisation (adoption by governments and institutions)."""

    PROPOSED = "proposed", pgettext_lazy("stage", "Proposed")
    DELIBERATING = "deliberating", pgettext_lazy("stage", "Deliberating")
    RECOMMENDED = "recommended", pgettext_lazy("stage", "Recommended")
    SUBMITTED = "submitted", pgettext_lazy("stage", "Submitted")
    UNDER_REVIEW = "under_review", pgettext_lazy("stage", "Under review")
    PILOTED = "piloted", pgettext_lazy("stage", "Piloted")
    INSTITUTIONALISED = "institutionalised", pgettext_lazy("stage", "Institutionalised")
    STALLED = "stalled", pgettext_lazy("stage", "Stalled")
    DECLINED = "declined", pgettext_lazy("stage", "Declined")


class Publication(models.Model):
    """A source paper that proposals are drawn from."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=300)
    series = models.CharField(_("series"), max_length=200, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    url = models.URLField(_("URL"), blank=True)
    note = models.TextField(
        _("editorial note"), blank=True, help_text=_("Anything a reader should know about this citation.")
    )

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.title

    @property
    def title_alongside(self) -> str:
        """The English title, shown beside a translated one (empty when the title is shown as it is).

        Titles of the papers themselves stay in English; only the descriptive titles we supply for
        untitled copies are translated (``title_ko``, ``title_ja``)."""
        original = getattr(self, build_localized_fieldname("title", "en")) or ""
        return original if self.title != original else ""


class PublicationAuthor(models.Model):
    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="authors", verbose_name=_("publication")
    )
    name = models.CharField(_("name"), max_length=120)
    affiliation = models.CharField(_("affiliation"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = pgettext_lazy("publication author", "author")
        verbose_name_plural = pgettext_lazy("publication author", "authors")
        ordering = ["publication", "position", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def name_language(self) -> str:
        """The language the name is shown in: the active one if it has a translation, else English
        (modeltranslation falls back to it), so the page can mark it with ``lang``."""
        language = get_language() or "en"
        return language if getattr(self, f"name_{language}", "") else "en"


class Citation(models.Model):
    """A further source a proposal's text draws on, beside its main publication: where in that
    paper, and a short passage from it."""

    proposal = models.ForeignKey(
        "Proposal", on_delete=models.CASCADE, related_name="citations", verbose_name=_("proposal")
    )
    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="citations", verbose_name=_("publication")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    section = models.CharField(_("section"), max_length=200, help_text=_("Where in the paper it comes from."))
    quote = models.TextField(_("quote"), help_text=_("A short passage from the paper."))

    class Meta:
        verbose_name = _("further source")
        verbose_name_plural = _("further sources")
        ordering = ["proposal", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "position"], name="proposals_citation_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publication} — {self.section}"


class Proposal(models.Model):
    """A policy proposal drawn from a publication. What participants read is its current version."""

    programme = models.ForeignKey(
        "accounts.Programme", on_delete=models.PROTECT, related_name="proposals", verbose_name=_("programme")
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    policy_area = models.CharField(_("policy area"), max_length=20, choices=PolicyArea.choices)
    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("publication")
    )
    section = models.CharField(_("section"), max_length=200, help_text=_("Where in the paper it comes from."))
    quote = models.TextField(_("quote"), help_text=_("A short passage from the paper."))
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.PROPOSED)
    # Denormalised pointer so that reading a proposal and what it currently says is one join.
    current_version = models.OneToOneField(
        "ProposalVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Moves on every write that changes what the proposal page shows (core.pagestamp), inside the
    # writing transaction: the page caches are keyed by it, so a write makes them unreachable.
    activity_stamp = models.PositiveBigIntegerField(_("activity stamp"), default=0, editable=False)
    # Counters for the dashboard (progress.selectors.dashboard), kept by the services that change
    # them, in their transactions: visible comments (comments.counters.recount; +1 on a new one)
    # and accepted amendments (+1 on acceptance, which is final). Exact: tests recount them.
    comment_count = models.PositiveIntegerField(_("comments"), default=0, editable=False)
    accepted_amendment_count = models.PositiveIntegerField(
        _("accepted amendments"), default=0, editable=False
    )
    # The discussion heading's count (comments.selectors.comment_count): the proposal's own
    # discussion (not its amendments'), comments not deleted, hidden ones included. Kept like
    # comment_count (+1 in comment_create, recounted by comments.counters.recount).
    discussion_count = models.PositiveIntegerField(_("comments in the discussion"), default=0, editable=False)

    KEPT_BY_SERVICES = ("activity_stamp", "comment_count", "accepted_amendment_count", "discussion_count")

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["position", "slug"]
        indexes = [models.Index(fields=["policy_area", "position"])]

    def __str__(self) -> str:
        if self.current_version is not None:
            return self.current_version.title
        return self.slug

    def save(self, *args, **kwargs):
        """A full save of a row loaded earlier must not write back an older ``activity_stamp``: a
        stamp that went back would reach pages cached before the write (core.pagestamp). The stamp
        moves only by ``core.pagestamp.touch``; a full save moves it too (an admin edit). Nor older
        counters: those move only in the services that keep them."""
        if self.pk is not None and kwargs.get("update_fields") is None and not self._state.adding:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.KEPT_BY_SERVICES
            ]
            super().save(*args, **kwargs)
            pagestamp.touch(self.pk)
            return
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("proposals:detail", kwargs={"slug": self.slug})


class ProposalVersion(models.Model):
    """One text of a proposal (title, summary, body in every language). Versions are never edited
    once superseded; a change makes a new version."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="versions", verbose_name=_("proposal")
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    body = models.TextField(_("body"))
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    # Translated fields (e.g. "body_ja") whose text predates a change accepted in another language.
    stale_translations = models.JSONField(_("translations needing update"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("proposal version")
        verbose_name_plural = _("proposal versions")
        ordering = ["proposal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="proposals_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"


class VersionField(models.TextChoices):
    """The texts of a version that participants read (and amend)."""

    TITLE = "title", pgettext_lazy("proposal field", "Title")
    SUMMARY = "summary", pgettext_lazy("proposal field", "Summary")
    BODY = "body", pgettext_lazy("proposal field", "Body")


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("correction status", "Awaiting a moderator")
    APPLIED = "applied", pgettext_lazy("correction status", "Applied")
    DISMISSED = "dismissed", pgettext_lazy("correction status", "Dismissed")


class EditorialCorrection(models.Model):
    """A fix to the seeded text of a proposal that has moved past its first version.

    Re-seeding never rewrites what participants have amended: it records the fix here, for one
    field in one language, and a moderator decides (applies it in a new version, or dismisses it).
    """

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="editorial_corrections", verbose_name=_("proposal")
    )
    field = models.CharField(_("field"), max_length=10, choices=VersionField.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    seeded_text = models.TextField(_("first version's text"))
    corrected_text = models.TextField(_("corrected text"))
    status = models.CharField(
        _("status"), max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
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
        verbose_name = _("editorial correction")
        verbose_name_plural = _("editorial corrections")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "field", "language"],
                condition=models.Q(status="pending"),
                name="proposals_correction_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.proposal.slug}: {self.field}_{self.language}"
