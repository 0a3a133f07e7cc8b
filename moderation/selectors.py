"""Reads for moderation: the queue of reported comments and amendments.

Every figure is a correlated subquery on the item's OPEN reports, so one query returns a page of
the queue with its counts however many reports there are, and further filters (the admin's) cannot
multiply the counts the way a join would.
"""

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import Nationality
from proposals.models import Proposal

from .models import Report, ReportedAmendment, ReportedComment, ReportReason, ReportStatus

COMMENT, AMENDMENT = "comment", "amendment"
# The queue's default order: one-nationality items past the threshold first (they are not hidden
# automatically, so a moderator must look), then the most reported, then the longest waiting.
QUEUE_ORDERING = ["-one_nationality", "-report_count", "first_reported_at"]


def open_reports(target: str, **filters) -> QuerySet[Report]:
    """Open reports on the outer query's item (``target`` is "comment" or "amendment")."""
    return Report.objects.filter(**{target: OuterRef("pk")}, status=ReportStatus.OPEN, **filters)


def _count(target: str, *conditions: Q, field: str = "pk", distinct: bool = False, **filters) -> Coalesce:
    counted = (
        open_reports(target, **filters)
        .filter(*conditions)
        .order_by()
        .values(target)
        .annotate(n=Count(field, distinct=distinct))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def annotate_reports(queryset: QuerySet, target: str) -> QuerySet:
    """Items of ``queryset`` with at least one open report, annotated with:

    ``report_count`` (= distinct reporters: one report per participant and item), ``reports_kr``,
    ``reports_jp``, ``reports_other``, ``nationality_groups``, ``reason_<code>`` per reason,
    ``first_reported_at`` and ``one_nationality`` (past the threshold, all from one group).
    """
    threshold = settings.MODERATION_REPORT_THRESHOLD
    first = open_reports(target).order_by("created_at").values("created_at")[:1]
    return (
        queryset.filter(Exists(open_reports(target)))
        .annotate(
            report_count=_count(target),
            reports_kr=_count(target, reporter_nationality=Nationality.KOREA),
            reports_jp=_count(target, reporter_nationality=Nationality.JAPAN),
            reports_other=_count(target, ~Q(reporter_nationality__in=[Nationality.KOREA, Nationality.JAPAN])),
            nationality_groups=_count(target, field="reporter_nationality", distinct=True),
            first_reported_at=Subquery(first),
            **{f"reason_{reason}": _count(target, reason=reason) for reason in ReportReason.values},
        )
        .annotate(
            one_nationality=Case(
                When(Q(report_count__gte=threshold, nationality_groups=1), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )


def comment_queue() -> QuerySet[ReportedComment]:
    """Reported comments with their report figures, author, proposal and parent (one query)."""
    return annotate_reports(
        ReportedComment.objects.select_related("author", "proposal__current_version", "parent"), COMMENT
    ).order_by(*QUEUE_ORDERING, "pk")


def amendment_queue() -> QuerySet[ReportedAmendment]:
    """Reported amendments with their report figures, author and proposal (one query)."""
    return annotate_reports(
        ReportedAmendment.objects.select_related("author", "proposal__current_version"), AMENDMENT
    ).order_by(*QUEUE_ORDERING, "pk")


def queue_proposals(target: str) -> list[tuple[int, str]]:
    """(pk, current title) of the proposals that have items of ``target`` in the queue (one query)."""
    reported = Report.objects.filter(status=ReportStatus.OPEN, **{f"{target}__proposal": OuterRef("pk")})
    proposals = Proposal.objects.filter(Exists(reported)).select_related("current_version")
    # str(): the current version's title in the active language (modeltranslation's fallbacks).
    return [(proposal.pk, str(proposal)) for proposal in proposals.order_by("position", "slug")]


def reports_for(*, comment=None, amendment=None) -> QuerySet[Report]:
    """All reports on one item, newest first, with their reporters and resolvers (one query)."""
    target = {"comment": comment} if comment is not None else {"amendment": amendment}
    return Report.objects.filter(**target).select_related("reporter", "resolved_by").order_by("-created_at")
