from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Criterion(models.TextChoices):
    IMPORTANCE = "importance", _("Importance")
    FEASIBILITY = "feasibility", _("Feasibility")


class Group(models.TextChoices):
    """Aggregate buckets: everyone, and each nationality group."""

    ALL = "ALL", _("All participants")
    KOREA = "KR", _("Korean participants")
    JAPAN = "JP", _("Japanese participants")
    OTHER = "OTHER", _("Other participants")


class Rating(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ratings",
        verbose_name=_("participant"),
    )
    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.CASCADE, related_name="ratings", verbose_name=_("proposal")
    )
    criterion = models.CharField(_("criterion"), max_length=12, choices=Criterion.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    # The rater's nationality when they rated, so withdrawing takes it out of the right bucket.
    group = models.CharField(max_length=5, choices=Group.choices, verbose_name=_("group"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["user", "proposal", "criterion"], name="ratings_rating_unique"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="ratings_score_1_5"),
        ]

    # Not stored: what ``ratings.services.rating_set`` read in its transaction, as its writes left
    # it, on the rating it returns: the proposal's aggregates by (criterion, group) and the rater's
    # scores by criterion. The view draws the section from them instead of reading them again.
    aggregates_after: "dict[tuple[str, str], RatingAggregate] | None" = None
    scores_after: dict[str, int] | None = None

    def __str__(self) -> str:
        return f"{self.user_id} {self.criterion}={self.score} on {self.proposal_id}"


class RatingAggregate(models.Model):
    """Running totals per (proposal, criterion, group), kept exact by the write that changes a rating
    (atomic F() updates in the same transaction), so reading them never scans ratings."""

    proposal = models.ForeignKey(
        "proposals.Proposal",
        on_delete=models.CASCADE,
        related_name="rating_aggregates",
        verbose_name=_("proposal"),
    )
    criterion = models.CharField(max_length=12, choices=Criterion.choices, verbose_name=_("criterion"))
    group = models.CharField(max_length=5, choices=Group.choices, verbose_name=_("group"))
    count = models.PositiveIntegerField(default=0, verbose_name=_("count"))
    total = models.PositiveIntegerField(default=0, verbose_name=_("sum of scores"))
    n1 = models.PositiveIntegerField(default=0, verbose_name=_("score 1"))
    n2 = models.PositiveIntegerField(default=0, verbose_name=_("score 2"))
    n3 = models.PositiveIntegerField(default=0, verbose_name=_("score 3"))
    n4 = models.PositiveIntegerField(default=0, verbose_name=_("score 4"))
    n5 = models.PositiveIntegerField(default=0, verbose_name=_("score 5"))

    class Meta:
        verbose_name = _("rating aggregate")
        verbose_name_plural = _("rating aggregates")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "criterion", "group"], name="ratings_aggregate_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.criterion} {self.group}: {self.count}"

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    @property
    def distribution(self) -> list[int]:
        return [self.n1, self.n2, self.n3, self.n4, self.n5]
