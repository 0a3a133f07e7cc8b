"""Reads for the API, each in a fixed number of queries whatever the amount of data. Only public
rows: comments neither hidden nor deleted, amendments not hidden, milestones published."""

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Programme
from amendments.models import Amendment, TargetField
from amendments.selectors import FieldChange
from comments.models import Comment
from comments.selectors import search_condition
from core import diff as amendment_diff
from institutions.models import Institution, ProgressReport
from progress.models import JurisdictionStage, Milestone, MilestoneStatus
from proposals.models import Proposal, ProposalVersion, Publication
from proposals.selectors import citations_prefetch, prefetch_authors, proposal_for_action, proposal_list
from ratings.models import RatingAggregate

# Only what an author shows publicly (and what decides how) is loaded from the accounts table.
# age_band: minors are exported as "Young participant"; email: the withdrawn participant (never output).
AUTHOR_FIELDS = ("author__display_name", "author__nationality", "author__age_band", "author__email")
# A comment's reactions per nationality group (comments.models.group_counter).
GROUP_COUNTERS = tuple(
    f"{kind}_{suffix}" for suffix in ("kr", "jp", "other") for kind in ("agree", "disagree", "pass")
)


def programmes() -> QuerySet[Programme]:
    return Programme.objects.order_by("starts_on", "slug", "pk")


def publications() -> QuerySet[Publication]:
    return Publication.objects.prefetch_related("authors").order_by("key", "pk")


def proposals() -> QuerySet[Proposal]:
    """Published proposals (those with a current version) in reading order, with programme,
    publication and stage per jurisdiction: two queries."""
    return (
        proposal_list()
        .select_related("programme")
        .prefetch_related("jurisdiction_stages")
        .filter(current_version__isnull=False)
        .order_by("position", "slug", "pk")
    )


def changed_proposals(queryset: QuerySet[Proposal], *, since: dt.datetime) -> QuerySet[Proposal]:
    """Those created, given a new current version, or moved in a stage (any jurisdiction) at or
    after ``since``: conditions of the same query."""
    moved = JurisdictionStage.objects.filter(proposal_id=OuterRef("pk"), updated_at__gte=since)
    return queryset.filter(
        Q(created_at__gte=since) | Q(current_version__created_at__gte=since) | Exists(moved)
    )


def proposal_detail(*, slug: str) -> Proposal:
    """One proposal with everything its detail shows: four queries (the proposal, its stages, its
    further sources, the authors of every publication it cites)."""
    proposal = get_object_or_404(proposals().prefetch_related(citations_prefetch()), slug=slug)
    prefetch_authors(proposal)
    return proposal


def proposal(*, slug: str) -> Proposal:
    """The proposal a nested endpoint lists things of (one query), or 404."""
    return proposal_for_action(slug=slug)


def versions(*, proposal: Proposal, since: dt.datetime | None = None) -> QuerySet[ProposalVersion]:
    """Versions are never edited: with ``since``, those made at or after it."""
    found = ProposalVersion.objects.filter(proposal=proposal)
    if since is not None:
        found = found.filter(created_at__gte=since)
    return found.annotate(producing_amendment_id=F("source_amendment__pk")).order_by("number", "pk")


def previous_version(*, proposal: Proposal, number: int) -> ProposalVersion | None:
    return ProposalVersion.objects.filter(proposal=proposal, number__lt=number).order_by("-number").first()


def field_changes(old: ProposalVersion | None, new: ProposalVersion, languages) -> list[tuple[str, str]]:
    """(field, language) pairs whose text differs between ``old`` and ``new`` (none for a first
    version)."""
    if old is None:
        return []
    return [
        (field, code)
        for field in TargetField.values
        for code in languages
        if (getattr(old, f"{field}_{code}") or "") != (getattr(new, f"{field}_{code}") or "")
    ]


def attach_changes(page: list[ProposalVersion], *, proposal: Proposal, languages) -> None:
    """Set ``changes`` on each version of a page, ordered by number (one query for the version
    before the page)."""
    if not page:
        return
    previous = previous_version(proposal=proposal, number=page[0].number)
    for version in page:
        version.changes = [
            {"field": field, "language": code} for field, code in field_changes(previous, version, languages)
        ]
        previous = version


def version_with_diff(*, proposal: Proposal, number: int, languages) -> ProposalVersion:
    """One version with ``changes`` and a character ``diff`` per changed field and language
    (two queries)."""
    version = get_object_or_404(versions(proposal=proposal), number=number)
    previous = previous_version(proposal=proposal, number=number)
    changes = field_changes(previous, version, languages)
    version.changes = [{"field": field, "language": code} for field, code in changes]
    version.diff = [
        FieldChange(
            field,
            code,
            amendment_diff.inline_diff(
                getattr(previous, f"{field}_{code}") or "", getattr(version, f"{field}_{code}") or ""
            ),
        )
        for field, code in changes
    ]
    return version


def comments(*, proposal: Proposal, q: str = "", since: dt.datetime | None = None) -> QuerySet[Comment]:
    """Every public comment of the proposal (on it or on a visible amendment), authors reduced to
    their public name and nationality: one query per page. With ``q``, those containing it in
    their text or in a published translation (``comments.selectors.search_condition``); with
    ``since``, those written or edited at or after it."""
    found = Comment.objects.filter(search_condition(q)) if q else Comment.objects.all()
    if since is not None:
        found = found.filter(Q(created_at__gte=since) | Q(edited_at__gte=since))
    return (
        found.filter(proposal=proposal, hidden_at__isnull=True, deleted_at__isnull=True)
        .filter(Q(amendment__isnull=True) | Q(amendment__hidden_at__isnull=True))
        .select_related("author")
        .only(
            "id",
            "parent_id",
            "root_id",
            "depth",
            "amendment_id",
            "language",
            "stance",
            "body",
            "created_at",
            "edited_at",
            "agree_count",
            "disagree_count",
            "pass_count",
            "reply_count",
            *GROUP_COUNTERS,
            "ground_label",
            "bridging_score",
            *AUTHOR_FIELDS,
        )
    )


def amendments(*, proposal: Proposal, since: dt.datetime | None = None) -> QuerySet[Amendment]:
    """The proposal's amendments that are not hidden, newest first (one query); with ``since``,
    those proposed, withdrawn, decided, rebased or outdated at or after it."""
    found = Amendment.objects.filter(proposal=proposal, hidden_at__isnull=True)
    if since is not None:
        found = found.filter(updated_at__gte=since)
    return (
        found.select_related("author")
        .annotate(
            base_version_number=F("base_version__number"), result_version_number=F("result_version__number")
        )
        .defer("author__password", "author__affiliation")
        .order_by("-created_at", "-pk")
    )


def amendment(*, proposal: Proposal, pk: int) -> Amendment:
    return get_object_or_404(amendments(proposal=proposal), pk=pk)


def rating_aggregates(*, proposal: Proposal) -> list[RatingAggregate]:
    return list(RatingAggregate.objects.filter(proposal=proposal))


def published_milestones(*, proposal: Proposal, since: dt.datetime | None = None) -> QuerySet[Milestone]:
    """With ``since``, those saved (published, or edited) at or after it."""
    found = Milestone.objects.filter(proposal=proposal, status=MilestoneStatus.PUBLISHED)
    if since is not None:
        found = found.filter(updated_at__gte=since)
    return found.order_by("date", "pk")


def reports(*, institution: Institution, since: dt.datetime | None = None) -> QuerySet[ProgressReport]:
    """With ``since``, those whose milestone was saved (submitted, published, declined, edited)
    at or after it."""
    found = ProgressReport.objects.filter(institution=institution)
    if since is not None:
        found = found.filter(milestone__updated_at__gte=since)
    return found.select_related("milestone__proposal").order_by("-created_at", "-pk")


def report(*, institution: Institution, pk: int) -> ProgressReport:
    return get_object_or_404(reports(institution=institution), pk=pk)


def attach_translations(*, comments=(), amendments=(), languages) -> None:
    """Give each comment and amendment ``translations``: ``{kind: [current published translation,
    ...]}`` into ``languages`` (their public text only; one query for all, none without items).
    The items must have ``body`` (comments) and ``rationale``, ``new_text`` (amendments) loaded."""
    from amendments.translatable import NEW_TEXT, RATIONALE
    from comments.translatable import KIND as COMMENT
    from translations.selectors import current_for

    texts: dict[str, dict[int, str]] = {
        COMMENT: {comment.pk: comment.body for comment in comments},
        RATIONALE: {amendment.pk: amendment.rationale for amendment in amendments},
        NEW_TEXT: {amendment.pk: amendment.new_text for amendment in amendments},
    }
    found = current_for(texts, languages=languages)
    for kind, items in ((COMMENT, comments), (RATIONALE, amendments), (NEW_TEXT, amendments)):
        for item in items:
            if not hasattr(item, "translations"):
                item.translations = {}
            item.translations[kind] = list(found.get((kind, item.pk), {}).values())
