"""Writes to proposals: their versions. A version is what participants read; it is made by
accepting an amendment (``amendments.services`` calls ``version_create``) and corrected, for a
slip such as a typo, by a moderator (``version_correct``, from the admin). Nothing else writes a
version: the admin shows them read-only.

Each function writes in one transaction and records an audit row in it."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_moderator
from audit.log import record
from core.errors import DeliberationError
from core.fields import max_length
from core.languages import LANGUAGE_CODES
from core.text import clean_text

from .models import Proposal, ProposalVersion

# The translated fields of a version: title, summary and body in every language.
TEXT_FIELDS = ("title", "summary", "body")
CHANGE_NOTE_LENGTH = max_length(ProposalVersion, "change_note")
TITLE_LENGTH = max_length(ProposalVersion, "title")


def translated_field_names() -> list[str]:
    """``title_ko``, ``title_ja``, ... ``body_en``: every column that holds a version's text."""
    return [f"{field}_{code}" for field in TEXT_FIELDS for code in LANGUAGE_CODES]


def version_text(version: ProposalVersion, field: str, language: str) -> str:
    return getattr(version, f"{field}_{language}") or ""


def version_create(
    *,
    proposal: Proposal,
    texts: dict[str, str],
    change_note: str,
    stale_translations: list[str],
    created_by: User | None,
    created_at: dt.datetime | None = None,
    **audit_data: Any,
) -> ProposalVersion:
    """Make a new current version of ``proposal`` with ``texts`` (every translated field, as
    ``translated_field_names``), numbered after the highest so far.

    The caller serialises concurrent writers (``amendment_accept`` locks the proposal row first)
    and calls this inside its own transaction. Records ``proposal.version_created`` with
    ``audit_data`` (e.g. the amendment that made it)."""
    missing = set(translated_field_names()) - set(texts)
    if missing:
        raise ValueError(f"version_create needs every translated field; missing {sorted(missing)}")
    with transaction.atomic():
        highest = proposal.versions.aggregate(highest=Max("number"))["highest"] or 0
        version = ProposalVersion.objects.create(
            proposal=proposal,
            number=highest + 1,
            change_note=Truncator(change_note).chars(CHANGE_NOTE_LENGTH),
            stale_translations=sorted(set(stale_translations)),
            created_at=created_at or timezone.now(),
            created_by=created_by,
            **{name: texts[name] for name in translated_field_names()},
        )
        Proposal.objects.filter(pk=proposal.pk).update(current_version=version)
        proposal.current_version = version
        record(
            action="proposal.version_created",
            actor=created_by,
            target=version,
            proposal=proposal.slug,
            number=version.number,
            **audit_data,
        )
    return version


def version_correct(
    *,
    moderator: User,
    version: ProposalVersion,
    texts: dict[str, str],
    stale_translations: list[str],
    reason: str,
) -> ProposalVersion:
    """Correct the current version of a proposal in place (a typo, a broken sentence): changes to
    the translated fields in ``texts`` and the list of translations that need updating.

    Only moderators, only the current version (a superseded version is history), and a reason is
    required. Open amendments compare their original text when they are accepted, so one written
    against the old wording is rebased or marked outdated then. Records ``proposal.version_corrected``
    with every changed field's old and new value. Returns the version as saved."""
    ensure_moderator(moderator)
    note = clean_text(reason)
    if not note:
        raise DeliberationError("reason_required", _("Say what the correction fixes."), field="reason")
    unknown = set(texts) - set(translated_field_names())
    if unknown:
        raise DeliberationError("invalid_field", _("Only the title, summary and body can be corrected."))
    stale = sorted(set(stale_translations))
    if set(stale) - set(translated_field_names()):
        raise DeliberationError(
            "invalid_field",
            _("Only the title, summary and body can be corrected."),
            field="stale_translations",
        )
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=version.proposal_id)
        version = ProposalVersion.objects.get(pk=version.pk)
        if proposal.current_version_id != version.pk:
            raise DeliberationError(
                "not_current", _("Only the current version can be corrected: earlier versions are history.")
            )
        changes: dict[str, dict[str, Any]] = {}
        for name, value in texts.items():
            new = clean_text(value)
            if not new:
                raise DeliberationError("empty_text", _("This text cannot be empty."), field=name)
            if name.startswith("title_") and (len(new) > TITLE_LENGTH or "\n" in new):
                raise DeliberationError(
                    "invalid_title",
                    _("A title is a single line of at most %(limit)d characters.") % {"limit": TITLE_LENGTH},
                    field=name,
                )
            old = getattr(version, name) or ""
            if new != old:
                changes[name] = {"old": old, "new": new}
                setattr(version, name, new)
        if stale != sorted(version.stale_translations or []):
            changes["stale_translations"] = {"old": list(version.stale_translations or []), "new": stale}
            version.stale_translations = stale
        if not changes:
            raise DeliberationError("no_change", _("Nothing was changed."))
        version.save(update_fields=list(changes))
        record(
            action="proposal.version_corrected",
            actor=moderator,
            target=version,
            reason=note,
            proposal=proposal.slug,
            number=version.number,
            changes=changes,
        )
    return version
