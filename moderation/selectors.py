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


# The queue's views: what awaits a decision (open reports), what is hidden (to restore it), and
# what was reported but dismissed (to reconsider it).
REVIEW, HIDDEN, DISMISSED = "review", "hidden", "dismissed"
VIEWS = (REVIEW, HIDDEN, DISMISSED)
# Every item a moderator may open from one of the views (its change page, an action on it).
ANY = "any"


def open_reports(target: str, **filters) -> QuerySet[Report]:
    """Open reports on the outer query's item (``target`` is "comment" or "amendment")."""
    return Report.objects.filter(**{target: OuterRef("pk")}, status=ReportStatus.OPEN, **filters)


def view_reports(target: str, view: str, **filters) -> QuerySet[Report]:
    """The reports on the outer query's item that ``view`` counts: open ones while they await
    review, dismissed ones in the dismissed view, all of them otherwise."""
    reports = Report.objects.filter(**{target: OuterRef("pk")}, **filters)
    if view == REVIEW:
        return reports.filter(status=ReportStatus.OPEN)
    if view == DISMISSED:
        return reports.filter(status=ReportStatus.DISMISSED)
    return reports


def _count(
    target: str, view: str, *conditions: Q, field: str = "pk", distinct: bool = False, **filters
) -> Coalesce:
    counted = (
        view_reports(target, view, **filters)
        .filter(*conditions)
        .order_by()
        .values(target)
        .annotate(n=Count(field, distinct=distinct))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def in_view(queryset: QuerySet, target: str, view: str) -> QuerySet:
    """The items of ``view``: with open reports (review); hidden, reported or not (hidden);
    reported, all reports dismissed and shown (dismissed); any of these (``ANY``)."""
    if view == REVIEW:
        return queryset.filter(Exists(open_reports(target)))
    if view == HIDDEN:
        return queryset.filter(hidden_at__isnull=False)
    dismissed = Q(Exists(view_reports(target, DISMISSED))) & ~Q(Exists(open_reports(target)))
    if view == DISMISSED:
        return queryset.filter(dismissed, hidden_at__isnull=True)
    return queryset.filter(Q(Exists(view_reports(target, ANY))) | Q(hidden_at__isnull=False))


def annotate_reports(queryset: QuerySet, target: str, view: str = REVIEW) -> QuerySet:
    """Items of ``queryset`` in ``view`` (open reports by default), annotated with figures on the
    reports that view counts:

    ``report_count`` (= distinct reporters: one report per participant and item), ``reports_kr``,
    ``reports_jp``, ``reports_other``, ``nationality_groups``, ``reason_<code>`` per reason,
    ``first_reported_at`` and ``one_nationality`` (past the threshold, all from one group).
    """
    threshold = settings.MODERATION_REPORT_THRESHOLD
    first = view_reports(target, view).order_by("created_at").values("created_at")[:1]
    return (
        in_view(queryset, target, view)
        .annotate(
            report_count=_count(target, view),
            reports_kr=_count(target, view, reporter_nationality=Nationality.KOREA),
            reports_jp=_count(target, view, reporter_nationality=Nationality.JAPAN),
            reports_other=_count(
                target, view, ~Q(reporter_nationality__in=[Nationality.KOREA, Nationality.JAPAN])
            ),
            nationality_groups=_count(target, view, field="reporter_nationality", distinct=True),
            first_reported_at=Subquery(first),
            **{f"reason_{reason}": _count(target, view, reason=reason) for reason in ReportReason.values},
        )
        .annotate(
            one_nationality=Case(
                When(Q(report_count__gte=threshold, nationality_groups=1), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )


def comment_queue(view: str = REVIEW) -> QuerySet[ReportedComment]:
    """Reported comments of ``view`` with their report figures, author, proposal and parent (one
    query)."""
    return annotate_reports(
        ReportedComment.objects.select_related("author", "proposal__current_version", "parent"), COMMENT, view
    ).order_by(*QUEUE_ORDERING, "pk")


def amendment_queue(view: str = REVIEW) -> QuerySet[ReportedAmendment]:
    """Reported amendments of ``view`` with their report figures, author and proposal (one query)."""
    return annotate_reports(
        ReportedAmendment.objects.select_related("author", "proposal__current_version"), AMENDMENT, view
    ).order_by(*QUEUE_ORDERING, "pk")


def queue_proposals(target: str, view: str = REVIEW) -> list[tuple[int, str]]:
    """(pk, current title) of the proposals that have items of ``target`` in ``view`` (one query)."""
    model = ReportedComment if target == COMMENT else ReportedAmendment
    items = in_view(model.objects.order_by(), target, view).values("proposal_id")
    proposals = Proposal.objects.filter(pk__in=items).select_related("current_version")
    # str(): the current version's title in the active language (modeltranslation's fallbacks).
    return [(proposal.pk, str(proposal)) for proposal in proposals.order_by("position", "slug")]


def reports_for(*, comment=None, amendment=None) -> QuerySet[Report]:
    """All reports on one item, newest first, with their reporters and resolvers (one query)."""
    target = {"comment": comment} if comment is not None else {"amendment": amendment}
    return Report.objects.filter(**target).select_related("reporter", "resolved_by").order_by("-created_at")
