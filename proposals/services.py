"""Writes to proposals: their versions. A version is what participants read; it is made by
accepting an amendment (``amendments.services`` calls ``version_create``) and corrected, for a
slip such as a typo, by a moderator (``version_correct``, from the admin). Nothing else writes a
version: the admin shows them read-only.

Editorial corrections: when the seeded text of a proposal past its first version changes, the
seeding records the fix (``corrections_record``) instead of rewriting it; a moderator resolves it
(``correction_apply`` carries it into the current version; ``correction_resolve`` marks one
carried by hand, or dismisses it).

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
from core import diff, pagestamp
from core.errors import DeliberationError
from core.fields import max_length
from core.languages import LANGUAGE_CODES
from core.text import clean_text

from .models import CorrectionStatus, EditorialCorrection, Proposal, ProposalVersion, VersionField

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
        pagestamp.touch(proposal.pk)
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
        pagestamp.touch(proposal.pk)
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


LANGUAGE_FIELDS = [(field, code) for field in VersionField.values for code in LANGUAGE_CODES]


# --- Editorial corrections -----------------------------------------------------------------------


@transaction.atomic
def corrections_record(
    *, proposal: Proposal, first_version: ProposalVersion, seeded: dict[str, str]
) -> list[EditorialCorrection]:
    """Record, for a proposal past its first version, each seeded text (``{"body_ko": …}``) that
    differs from what its first version says. Called by the seeding, never by a person.

    Idempotent: a fix already recorded (pending or resolved) is not recorded again; a pending one
    whose text changed again is updated. Returns the corrections created or updated, each logged as
    ``proposal.correction_recorded``.
    """
    existing = {
        (c.field, c.language, c.status, c.corrected_text): c
        for c in EditorialCorrection.objects.filter(proposal=proposal)
    }
    pending = {(c.field, c.language): c for c in existing.values() if c.status == CorrectionStatus.PENDING}
    known = {(field, language, text) for field, language, _status, text in existing}
    touched = []
    current = proposal.current_version
    for field, language in LANGUAGE_FIELDS:
        was = getattr(first_version, f"{field}_{language}") or ""
        now = seeded[f"{field}_{language}"]
        if now == was or (field, language, now) in known:
            continue
        correction = pending.get((field, language))
        if correction is None:
            correction = EditorialCorrection(
                proposal=proposal, field=field, language=language, seeded_text=was
            )
        correction.corrected_text = now
        correction.save()
        record(
            action="proposal.correction_recorded",
            target=proposal,
            correction_id=correction.pk,
            field=f"{field}_{language}",
            version=current.number if current is not None else None,
        )
        touched.append(correction)
    return touched


def correction_resolve(*, correction: EditorialCorrection, actor: User, status: str) -> EditorialCorrection:
    """A moderator marks a pending correction applied (they carried it into a new version) or
    dismissed. Records ``proposal.correction_applied`` / ``proposal.correction_dismissed``."""
    if status not in (CorrectionStatus.APPLIED, CorrectionStatus.DISMISSED):
        raise DeliberationError("unknown_status", _("Choose a status from the list."), field="status")
    with transaction.atomic():
        ensure_moderator(actor)
        changed = EditorialCorrection.objects.filter(
            pk=correction.pk, status=CorrectionStatus.PENDING
        ).update(status=status, resolved_at=timezone.now(), resolved_by=actor)
        if not changed:
            raise DeliberationError("already_resolved", _("This correction has already been dealt with."))
        correction.refresh_from_db()
        record(
            action=f"proposal.correction_{status}",
            actor=actor,
            target=correction.proposal,
            correction_id=correction.pk,
            field=f"{correction.field}_{correction.language}",
        )
        return correction


def correction_apply(*, correction: EditorialCorrection, moderator: User) -> ProposalVersion:
    """Carry a pending correction into the proposal's current version and mark it applied.

    The change from the first version's text to the corrected one is applied by character to what
    the current version says now (``core.diff.rebase``: strict, so a passage participants have
    changed since is never overwritten; then DeliberationError ``correction_conflicts`` and the
    moderator carries it by hand with "Correct this version"). Goes through ``version_correct``
    (audited with the old and new text) and records ``proposal.correction_applied``, all in one
    transaction. Returns the current version.
    """
    ensure_moderator(moderator)
    with transaction.atomic():
        correction = EditorialCorrection.objects.select_related("proposal__current_version").get(
            pk=correction.pk
        )
        if correction.status != CorrectionStatus.PENDING:
            raise DeliberationError("already_resolved", _("This correction has already been dealt with."))
        version = correction.proposal.current_version
        if version is None:
            raise DeliberationError("no_current_version", _("This proposal has no version to correct."))
        name = f"{correction.field}_{correction.language}"
        current = getattr(version, name) or ""
        corrected = diff.rebase(correction.seeded_text, correction.corrected_text, current)
        if corrected is None:
            raise DeliberationError(
                "correction_conflicts",
                _(
                    "The current version has changed the passage this correction fixes: carry it over by "
                    "hand with “Correct this version”, then mark it applied."
                ),
            )
        if clean_text(corrected) != current:
            version = version_correct(
                moderator=moderator,
                version=version,
                texts={name: corrected},
                stale_translations=version.stale_translations,
                reason=str(_("Editorial correction %(id)s from the seeded text") % {"id": correction.pk}),
            )
        correction_resolve(correction=correction, actor=moderator, status=CorrectionStatus.APPLIED)
        return version
