"""Reads for amendment pages, the proposal page section and the version history. Each returns its
data in a fixed number of queries, whatever the number of amendments, votes or versions."""

from dataclasses import dataclass, field

from django.conf import settings
from django.shortcuts import get_object_or_404

from proposals.models import Proposal, ProposalVersion

from . import diff
from .models import Amendment, AmendmentState, AmendmentVote, TargetField

LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)
LANGUAGE_NAMES = dict(settings.LANGUAGES)


def proposal_for_amendments(*, slug: str) -> Proposal:
    """The proposal with its current version and programme (one query), or 404."""
    return get_object_or_404(
        Proposal.objects.select_related("current_version", "programme"),
        slug=slug,
        current_version__isnull=False,
    )


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


def proposal_amendments(*, proposal: Proposal) -> list[Amendment]:
    """All amendments of ``proposal`` with their authors, open ones first, newest first (one query)."""
    amendments = list(Amendment.objects.select_related("author", "result_version").filter(proposal=proposal))
    for amendment in amendments:
        amendment.proposal = proposal
    return amendments


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


def open_first(amendments: list[Amendment]) -> tuple[list[Amendment], list[Amendment]]:
    """Split into (open, decided), keeping each in the given order."""
    open_ = [a for a in amendments if a.state == AmendmentState.OPEN]
    decided = [a for a in amendments if a.state != AmendmentState.OPEN]
    return open_, decided
