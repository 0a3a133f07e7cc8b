"""The proposal's text as a translation source: machine drafts for the languages an accepted
amendment left behind ("needs update").

When an amendment changes one language of a field, the other languages of that field are flagged
as needing an update (``ProposalVersion.stale_translations``). ``drafts_request`` queues a machine
translation of the amended text into each flagged language as a *draft*: it is never published as
it is. A moderator edits and approves it in the admin (the translation review queue); approving
writes it into the version's language column through ``proposals.services.version_correct`` (audited)
and clears the flag.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.languages import LANGUAGE_CODES
from proposals.models import ProposalVersion
from proposals.services import TEXT_FIELDS, version_correct

from . import registry, services

FIELD_LABELS = {
    "title": pgettext_lazy("proposal field", "Title"),
    "summary": pgettext_lazy("proposal field", "Summary"),
    "body": pgettext_lazy("proposal field", "Body"),
}


def kind_for(field: str, language: str) -> str:
    return f"version.{field}_{language}"


def _is_current(version: ProposalVersion) -> bool:
    return version.proposal.current_version_id == version.pk


def _apply(field: str):
    def apply(translation, version: ProposalVersion, reviewer) -> None:
        name = f"{field}_{translation.target_language}"
        version_correct(
            moderator=reviewer,
            version=version,
            texts={name: translation.text},
            stale_translations=[flag for flag in (version.stale_translations or []) if flag != name],
            reason=str(_("Translation updated from a reviewed machine draft.")),
        )

    return apply


def _text(name: str):
    def text(version: ProposalVersion) -> str:
        return getattr(version, name) or ""

    return text


def _language(language: str):
    def get(version: ProposalVersion) -> str:
        return language

    return get


def register() -> None:
    for field in TEXT_FIELDS:
        for language in LANGUAGE_CODES:
            name = f"{field}_{language}"
            registry.register(
                registry.Source(
                    kind=kind_for(field, language),
                    model="proposals.ProposalVersion",
                    label=FIELD_LABELS[field],
                    text=_text(name),
                    language=_language(language),
                    is_public=_is_current,
                    programme=lambda version: None,
                    author_id=lambda version: None,
                    url=lambda version: reverse("proposals:detail", kwargs={"slug": version.proposal.slug}),
                    related=("proposal",),
                    community=False,
                    review_machine=True,
                    on_published=_apply(field),
                )
            )


def drafts_request(*, version: ProposalVersion, field: str, source_language: str) -> list:
    """Queue machine drafts of ``field`` in ``source_language`` into every language of that field
    flagged as needing an update (call it in the transaction that made the version). Nothing
    happens when machine translation is off."""
    flagged = set(version.stale_translations or [])
    targets = [code for code in LANGUAGE_CODES if f"{field}_{code}" in flagged and code != source_language]
    if not targets:
        return []
    return services.machine_request(kind=kind_for(field, source_language), obj=version, targets=targets)
