"""What awaits moderators, counted in a fixed number of queries for the admin index."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from amendments.models import Amendment, AmendmentState
from moderation.models import Report, ReportStatus
from progress.models import Milestone, MilestoneStatus
from proposals.models import CorrectionStatus, Proposal
from translations.models import Status as TranslationStatus
from translations.models import Translation


@dataclass(frozen=True)
class Pending:
    label: str | StrPromise
    count: int
    url: str


def summary() -> list[Pending]:
    # Both proposal counts in one query.
    proposals = Proposal.objects.aggregate(
        stale=Count("pk", filter=~Q(current_version__stale_translations=[]), distinct=True),
        corrections=Count(
            "editorial_corrections",
            filter=Q(editorial_corrections__status=CorrectionStatus.PENDING),
            distinct=True,
        ),
    )
    # Items, not reports: the queue lists each reported item once with all its reports.
    reported = Report.objects.filter(status=ReportStatus.OPEN).aggregate(
        comments=Count("comment", distinct=True), amendments=Count("amendment", distinct=True)
    )
    return [
        Pending(
            _("Reported comments to review"),
            reported["comments"],
            reverse("admin:moderation_reportedcomment_changelist"),
        ),
        Pending(
            _("Reported amendments to review"),
            reported["amendments"],
            reverse("admin:moderation_reportedamendment_changelist"),
        ),
        Pending(
            _("Amendments awaiting a decision"),
            Amendment.objects.filter(state=AmendmentState.OPEN).count(),
            reverse("admin:amendments_amendment_changelist") + "?state__exact=open",
        ),
        Pending(
            _("Progress reports awaiting review"),
            Milestone.objects.filter(status=MilestoneStatus.PENDING).count(),
            reverse("admin:progress_milestone_changelist") + "?status__exact=pending",
        ),
        Pending(
            _("Translations awaiting review"),
            Translation.objects.filter(status=TranslationStatus.PENDING).count(),
            reverse("admin:translations_translation_changelist") + "?status__exact=pending",
        ),
        Pending(
            _("Proposals with translations to update"),
            proposals["stale"],
            reverse("admin:proposals_proposal_changelist"),
        ),
        Pending(
            _("Editorial corrections to review"),
            proposals["corrections"],
            reverse("admin:proposals_editorialcorrection_changelist") + "?status__exact=pending",
        ),
    ]
