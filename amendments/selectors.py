"""Reads for amendment pages, the proposal page section and the version history. Each returns its
data in a fixed number of queries, whatever the number of amendments, votes or versions."""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, Value, When, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404

from core import diff
from core.languages import LANGUAGE_CODES
from proposals.models import Proposal, ProposalVersion

from .models import Amendment, AmendmentState, AmendmentVote, TargetField

LANGUAGE_NAMES = dict(settings.LANGUAGES)


def amendment_detail(*, proposal: Proposal, pk: int) -> Amendment:
    """One amendment of ``proposal`` with everything its page shows (one query); 404 if it belongs
    to another proposal."""
    amendment = get_object_or_404(
        Amendment.objects.select_related("author", "base_version", "result_version", "decided_by"),
        pk=pk,
        proposal=proposal,
    )
    amendment.proposal = proposal
    return amendment


def user_vote(*, amendment: Amendment, user) -> str | None:
    """The value of ``user``'s vote on ``amendment`` (one query when logged in, none otherwise)."""
    if not user.is_authenticated:
        return None
    return (
        AmendmentVote.objects.filter(amendment=amendment, user=user).values_list("value", flat=True).first()
    )


# How many open and how many decided amendments the proposal page lists; the rest are on the
# amendment list page. The page's cost must not grow with the number of amendments.
SECTION_LIMIT = 10


@dataclass
class AmendmentGroups:
    open: list[Amendment]
    decided: list[Amendment]
    open_total: int
    decided_total: int


def proposal_amendments(*, proposal: Proposal, limit: int = SECTION_LIMIT) -> AmendmentGroups:
    """The newest ``limit`` open and ``limit`` decided amendments of ``proposal`` with their
    authors, and how many there are of each (one query, whatever their number)."""
    is_open = Case(
        When(state=AmendmentState.OPEN, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    rows = list(
        Amendment.objects.filter(proposal=proposal)
        .select_related("author")
        .defer("original_text", "new_text", "rationale", "decision_reason")
        .annotate(
            open_group=is_open,
            rank=Window(
                RowNumber(), partition_by=[is_open], order_by=[F("created_at").desc(), F("pk").desc()]
            ),
            group_size=Window(Count("pk"), partition_by=[is_open]),
        )
        .filter(rank__lte=limit)
        .order_by("-open_group", "rank")
    )
    for amendment in rows:
        amendment.proposal = proposal
    open_: list[Amendment] = [a for a in rows if a.open_group]
    decided: list[Amendment] = [a for a in rows if not a.open_group]
    return AmendmentGroups(
        open=open_,
        decided=decided,
        open_total=open_[0].group_size if open_ else 0,
        decided_total=decided[0].group_size if decided else 0,
    )


def amendment_page(*, proposal: Proposal, page: int, per_page: int = 50):
    """One page of all the proposal's amendments, open ones first, newest first (two queries)."""
    queryset = (
        Amendment.objects.filter(proposal=proposal)
        .select_related("author")
        .defer("original_text", "new_text", "rationale", "decision_reason")
        .annotate(
            open_group=Case(
                When(state=AmendmentState.OPEN, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .order_by("-open_group", "-created_at", "-pk")
    )
    page_obj = Paginator(queryset, per_page).get_page(page)
    for amendment in page_obj.object_list:
        amendment.proposal = proposal
    return page_obj


# --- Translations to update -----------------------------------------------------------------------


@dataclass
class StaleTranslation:
    field: str
    language: str
    # Languages of the same field that are up to date: where the change came from.
    sources: list[str]

    @property
    def field_label(self):
        return TargetField(self.field).label


def stale_translations(version: ProposalVersion) -> list[StaleTranslation]:
    """The translated fields of ``version`` flagged as predating a change in another language."""
    flagged = set(version.stale_translations or [])
    result = []
    for target in TargetField.values:
        for lang in LANGUAGE_CODES:
            if f"{target}_{lang}" in flagged:
                sources = [other for other in LANGUAGE_CODES if f"{target}_{other}" not in flagged]
                result.append(StaleTranslation(field=target, language=lang, sources=sources))
    return result


# --- Version history ------------------------------------------------------------------------------


@dataclass
class FieldChange:
    field: str
    language: str
    segments: list[diff.Segment]

    @property
    def field_label(self):
        return TargetField(self.field).label

    @property
    def language_name(self):
        return LANGUAGE_NAMES[self.language]


@dataclass
class VersionEntry:
    version: ProposalVersion
    amendment: Amendment | None
    changes: list[FieldChange] = field(default_factory=list)


def version_history(*, proposal: Proposal) -> list[VersionEntry]:
    """Every version of ``proposal``, newest first, each with the amendment that produced it (if
    any) and a diff of every field that changed from the previous version (one query)."""
    versions = list(
        ProposalVersion.objects.filter(proposal=proposal)
        .select_related("source_amendment__author")
        .order_by("number")
    )
    entries = []
    previous = None
    for version in versions:
        try:
            amendment = version.source_amendment
        except Amendment.DoesNotExist:
            amendment = None
        if amendment is not None:
            amendment.proposal = proposal
        entry = VersionEntry(version=version, amendment=amendment)
        if previous is not None:
            for target in TargetField.values:
                for lang in LANGUAGE_CODES:
                    old = getattr(previous, f"{target}_{lang}") or ""
                    new = getattr(version, f"{target}_{lang}") or ""
                    if old != new:
                        entry.changes.append(
                            FieldChange(field=target, language=lang, segments=diff.inline_diff(old, new))
                        )
        entries.append(entry)
        previous = version
    entries.reverse()
    return entries
