"""What awaits moderators, counted in a fixed number of queries for the admin index."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from amendments.models import Amendment, AmendmentState
from moderation.models import Report, ReportStatus
from progress.models import Milestone, MilestoneStatus
from proposals.models import Proposal


@dataclass(frozen=True)
class Pending:
    label: str | StrPromise
    count: int
    url: str


def summary() -> list[Pending]:
    return [
        Pending(
            _("Open reports"),
            Report.objects.filter(status=ReportStatus.OPEN).count(),
            reverse("admin:moderation_report_changelist") + "?status__exact=open",
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
            _("Proposals with translations to update"),
            Proposal.objects.exclude(current_version__stale_translations=[]).count(),
            reverse("admin:proposals_proposal_changelist"),
        ),
    ]
