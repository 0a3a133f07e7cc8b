from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proposals.models import Stage


class Jurisdiction(models.TextChoices):
    """The two governments move separately; bilateral and other bodies are tracked on their own."""

    KOREA = "KR", _("Korea")
    JAPAN = "JP", _("Japan")
    BILATERAL = "BILATERAL", _("Bilateral / other bodies")


class MilestoneStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending review")
    PUBLISHED = "published", _("Published")
    DECLINED = "declined", _("Declined")


class Milestone(models.Model):
    """One dated step of a proposal toward institutionalisation in one jurisdiction.

    Published milestones form the public timeline; a proposal's stage in a jurisdiction follows its
    latest published milestone there.
    """

    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.CASCADE, related_name="milestones", verbose_name=_("proposal")
    )
    date = models.DateField(_("date"))
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=10, choices=Jurisdiction.choices)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    evidence_url = models.URLField(_("evidence URL"), blank=True)
    evidence_reference = models.CharField(_("document reference"), max_length=300, blank=True)
    evidence_quote = models.TextField(_("quote from the evidence"), blank=True)
    next_review_on = models.DateField(_("next review date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Any save, a change of status too (the API's updated_since: a milestone published today
    # that was reported last month is news today).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["proposal", "date", "pk"]
        indexes = [
            models.Index(fields=["proposal", "jurisdiction", "status", "date"]),
            models.Index(fields=["status", "next_review_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_jurisdiction_display()}: {self.title}"


class JurisdictionStage(models.Model):
    """A proposal's current stage in one jurisdiction (kept by the milestone services)."""

    proposal = models.ForeignKey(
        "proposals.Proposal",
        on_delete=models.CASCADE,
        related_name="jurisdiction_stages",
        verbose_name=_("proposal"),
    )
    jurisdiction = models.CharField(_("jurisdiction"), max_length=10, choices=Jurisdiction.choices)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("milestone"),
    )
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("stage per jurisdiction")
        verbose_name_plural = _("stages per jurisdiction")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "jurisdiction"], name="progress_stage_per_jurisdiction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.jurisdiction}: {self.stage}"
