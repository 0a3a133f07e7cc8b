"""Writes to the translation store. Every change to a translation goes through a function here
(keyword-only arguments, one transaction, permission checked here, audit row for people's actions),
and each ends in ``_changed``, the one place that announces it (``signals.translation_changed``
after the commit): whatever must follow a change of what readers see hooks in there.

For another app (see ``translations.registry``):

- register the field once: ``registry.register(Source(kind="comment.body", ...))`` in its
  ``AppConfig.ready``;
- after creating the text, in the same transaction: ``machine_request(kind=..., obj=...)``;
- after editing it: ``source_changed(kind=..., obj=...)`` (people's translations become outdated,
  the machine's are re-made);
- an author's own translation written with the text: ``translation_submit(user=author, ...)``.

Reading is ``translations.selectors`` (for pages: ``translations.reading``).
"""

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import ensure_can_participate, is_moderator
from audit.log import record
from core import pagestamp
from core.errors import DeliberationError, PermissionRefused
from core.languages import LANGUAGE_CODES
from core.tasks import enqueue_on_commit, supports_defer
from core.text import clean_text

from . import machine, registry, signals
from .glossary import load as load_glossary
from .models import MAX_LENGTH, CachedTranslation, Origin, ProviderUsage, Status, Translation

logger = logging.getLogger(__name__)

TRANSLATOR_GROUP = "Translator"
# While a worker translates a row, nobody else takes it for this long (a crashed worker's row
# comes back after it).
LEASE = dt.timedelta(minutes=10)
# Hidden text is looked at again after this long (it may have been restored).
HOLD = dt.timedelta(hours=12)
# Waits after the 1st, 2nd, ... failed attempt when the provider named no time.
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
HUMAN = (Origin.AUTHOR, Origin.COMMUNITY)


# --- Who may do what ------------------------------------------------------------------------------


def can_review(user) -> bool:
    """Moderators, and staff in the Translator group, approve or reject translations."""
    if is_moderator(user):
        return True
    if not (user.is_authenticated and user.is_active and user.is_staff) or user.is_suspended():
        return False
    if not hasattr(user, "_is_translator"):
        user._is_translator = user.groups.filter(name=TRANSLATOR_GROUP).exists()
    return user._is_translator


def ensure_can_review(user) -> None:
    if not can_review(user):
        raise PermissionRefused(
            "reviewer_required", _("Only moderators and translators can review translations.")
        )


def translate_problem(user, source: registry.Source, obj, *, participation=None) -> DeliberationError | None:
    """Why ``user`` may not translate ``obj`` (None if they may). ``participation`` is the
    participation refusal when the caller computed it already."""
    if not user.is_authenticated:
        return PermissionRefused("login_required", _("Log in to translate."))
    if not source.is_public(obj):
        return DeliberationError("unavailable", _("This text is not available for translation."))
    is_author = source.author_id(obj) == user.pk
    if not (source.community or is_author):
        return PermissionRefused("not_translatable", _("Only its author can translate this text."))
    return participation


# --- Machine translation: queueing ----------------------------------------------------------------


def machine_targets(language: str) -> list[str]:
    return [code for code in settings.TRANSLATION_TARGETS if code in LANGUAGE_CODES and code != language]


def machine_request(*, kind: str, obj: Any, targets: list[str] | None = None) -> list[Translation]:
    """Queue machine translations of ``obj``'s text into the other site languages (or ``targets``).

    Call it in the transaction that wrote the text: the rows are written there (nothing is lost if
    the worker is down: ``manage.py translate_pending`` sweeps them up) and the work is queued after
    the commit. Nothing happens (and nothing is queried) when machine translation is off. A language
    that already has a current translation by a person, or by the machine, is left alone. Hidden
    text is queued but never sent while hidden.
    """
    source = registry.get(kind)
    provider = machine.provider_name()
    if not provider or not source.machine:
        return []
    text = source.text(obj)
    language = source.language(obj)
    wanted = [code for code in (targets or machine_targets(language)) if code != language]
    if not text.strip() or not wanted:
        return []
    digest = registry.text_hash(text)
    now = timezone.now()
    rows = list(Translation.objects.filter(source_kind=kind, source_id=obj.pk, target_language__in=wanted))
    queued = []
    for target in wanted:
        mine = [row for row in rows if row.target_language == target]
        if any(
            row.origin in HUMAN and row.status == Status.PUBLISHED and row.source_hash == digest
            for row in mine
        ):
            continue
        row = next((row for row in mine if row.origin == Origin.MACHINE), None)
        if (
            row is not None
            and row.source_hash == digest
            and row.status in (Status.PUBLISHED, Status.PENDING, Status.QUEUED)
        ):
            continue
        if row is None:
            row = Translation.objects.create(
                source_kind=kind,
                source_id=obj.pk,
                source_language=language,
                source_hash=digest,
                target_language=target,
                origin=Origin.MACHINE,
                provider=provider,
                status=Status.QUEUED,
                next_attempt_at=now,
            )
        else:
            row.source_language = language
            row.source_hash = digest
            row.provider = provider
            row.status = Status.QUEUED
            row.text = ""
            row.attempts = 0
            row.last_error = ""
            row.next_attempt_at = now
            row.updated_at = now
            row.published_at = None
            row.reviewed_by = None
            row.save()
        queued.append(row)
        _changed(row)
    for row in queued:
        _enqueue(row.pk)
    return queued


def _enqueue(translation_id: int, *, at: dt.datetime | None = None) -> None:
    from . import tasks

    if at is not None:
        if supports_defer():
            transaction.on_commit(lambda: _enqueue_later(tasks.translate_machine, translation_id, at))
        return
    enqueue_on_commit(tasks.translate_machine, translation_id)


def _enqueue_later(task, translation_id: int, at: dt.datetime) -> None:
    try:
        task.using(run_after=at).enqueue(translation_id)
    except Exception:
        logger.exception("could not queue the machine translation %s for later", translation_id)


def source_changed(*, kind: str, obj: Any) -> None:
    """``obj``'s text was edited (call it in the editing transaction): translations people made of
    the old text become outdated, the machine's are re-made from the new text. A stale translation
    is never shown as current (readers compare hashes too)."""
    source = registry.get(kind)
    digest = registry.text_hash(source.text(obj))
    now = timezone.now()
    stale = Translation.objects.filter(source_kind=kind, source_id=obj.pk).exclude(source_hash=digest)
    people = list(stale.filter(origin__in=HUMAN, status__in=[Status.PUBLISHED, Status.PENDING]))
    for row in people:
        row.status = Status.OUTDATED
        row.updated_at = now
        row.save(update_fields=["status", "updated_at"])
        _changed(row)
    if not machine.provider_name():
        # Nobody will re-make the machine's translations: they must not be shown any more.
        for row in stale.filter(origin=Origin.MACHINE).exclude(status=Status.OUTDATED):
            row.status = Status.OUTDATED
            row.updated_at = now
            row.save(update_fields=["status", "updated_at"])
            _changed(row)
        return
    machine_request(kind=kind, obj=obj)


def source_visible_again(*, kind: str, obj: Any) -> None:
    """``obj`` was hidden and is shown again (call it in the restoring transaction): the machine
    translations held back while it was hidden are made now."""
    if not machine.provider_name():
        return
    held = list(
        Translation.objects.filter(
            source_kind=kind,
            source_id=obj.pk,
            origin=Origin.MACHINE,
            status__in=[Status.QUEUED, Status.UNAVAILABLE],
        ).values_list("pk", flat=True)
    )
    Translation.objects.filter(pk__in=held).update(next_attempt_at=timezone.now())
    for pk in held:
        _enqueue(pk)
    machine_request(kind=kind, obj=obj)


# --- Machine translation: doing it ----------------------------------------------------------------


def machine_run(*, translation_id: int) -> str:
    """Carry out one queued machine translation (called by the task, and by the sweeper).

    Returns what happened: ``published`` (or ``drafted`` for text a reviewer must approve),
    ``cached`` when the same text was translated before, ``held`` (hidden text: not sent),
    ``budget`` (today's character budget is spent), ``failed`` (the provider failed: tried again
    later), ``not_due``, ``not_needed``, ``gone``, ``off``. Never raises for a provider's failure:
    the row records it and readers see the original with "translation unavailable".
    """
    now = timezone.now()
    claimed = (
        Translation.objects.filter(
            pk=translation_id, origin=Origin.MACHINE, status__in=[Status.QUEUED, Status.UNAVAILABLE]
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + LEASE)
    )
    if not claimed:
        return "not_due"
    row = Translation.objects.get(pk=translation_id)
    source = registry.get(row.source_kind)
    obj = source.load(row.source_id)
    if obj is None:
        row.delete()
        return "gone"
    if not source.is_public(obj):
        Translation.objects.filter(pk=row.pk).update(next_attempt_at=now + HOLD)
        return "held"
    provider = machine.provider_name()
    if not provider:
        Translation.objects.filter(pk=row.pk).update(next_attempt_at=None)
        return "off"
    text = source.text(obj)
    language = source.language(obj)
    digest = registry.text_hash(text)
    if Translation.objects.filter(
        source_kind=row.source_kind,
        source_id=row.source_id,
        target_language=row.target_language,
        origin__in=HUMAN,
        status=Status.PUBLISHED,
        source_hash=digest,
    ).exists():
        with transaction.atomic():
            Translation.objects.filter(pk=row.pk).update(
                status=Status.SUPERSEDED, next_attempt_at=None, updated_at=now
            )
            _changed(row)
        return "not_needed"
    glossary = load_glossary()
    cached = CachedTranslation.objects.filter(
        provider=provider,
        source_language=language,
        target_language=row.target_language,
        source_hash=digest,
        glossary=glossary.digest,
    ).first()
    if cached is not None:
        return _finish(
            row,
            source,
            text=cached.text,
            digest=digest,
            language=language,
            provider=provider,
            outcome="cached",
        )
    characters = len(text)
    if not usage_reserve(provider=provider, characters=characters):
        tomorrow = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(
            days=1
        )
        _failed(row, error=str(_("Today's machine translation budget is spent.")), at=tomorrow, count=False)
        return "budget"
    try:
        result = machine.translate([text], language, row.target_language)[0]
    except machine.MachineError as error:
        usage_refund(provider=provider, characters=characters)
        _failed(row, error=str(error)[:300], at=_retry_at(row, error, now))
        return "failed"
    except Exception as error:  # a bug or an unexpected answer must not lose the row either
        logger.exception("machine translation %s failed", row.pk)
        usage_refund(provider=provider, characters=characters)
        _failed(row, error=f"unexpected: {error}"[:300], at=_retry_at(row, None, now))
        return "failed"
    try:
        with transaction.atomic():
            CachedTranslation.objects.create(
                provider=provider,
                source_language=language,
                target_language=row.target_language,
                source_hash=digest,
                glossary=glossary.digest,
                text=result,
                characters=characters,
            )
    except IntegrityError:
        pass  # another worker cached the same text meanwhile
    return _finish(
        row, source, text=result, digest=digest, language=language, provider=provider, outcome="published"
    )


def _retry_at(row: Translation, error, now: dt.datetime) -> dt.datetime:
    if error is not None and error.retry_after:
        return now + dt.timedelta(seconds=max(float(error.retry_after), 1.0))
    if error is not None and error.kind == "quota":
        return now + dt.timedelta(hours=24)
    if error is not None and error.kind == "refused":
        return now + BACKOFF[-1]
    return now + BACKOFF[min(row.attempts, len(BACKOFF) - 1)]


def _failed(row: Translation, *, error: str, at: dt.datetime, count: bool = True) -> None:
    with transaction.atomic():
        Translation.objects.filter(
            pk=row.pk, status__in=[Status.QUEUED, Status.UNAVAILABLE], source_hash=row.source_hash
        ).update(
            status=Status.UNAVAILABLE,
            attempts=F("attempts") + (1 if count else 0),
            last_error=error,
            next_attempt_at=at,
            updated_at=timezone.now(),
        )
        _changed(row)
        _enqueue(row.pk, at=at)


def _finish(
    row: Translation,
    source: registry.Source,
    *,
    text: str,
    digest: str,
    language: str,
    provider: str,
    outcome: str,
) -> str:
    now = timezone.now()
    with transaction.atomic():
        current = Translation.objects.select_for_update().filter(pk=row.pk).first()
        if current is None or current.status not in (Status.QUEUED, Status.UNAVAILABLE):
            return "not_needed"
        if current.source_hash != digest:
            # The text changed while the provider worked: an edit queued it again, unless the text
            # we sent is (again) the current one.
            fresh = source.load(row.source_id)
            if fresh is None or registry.text_hash(source.text(fresh)) != digest:
                return "not_needed"
        current.source_hash = digest
        current.source_language = language
        current.text = text
        current.provider = provider
        current.last_error = ""
        current.next_attempt_at = None
        current.updated_at = now
        if source.review_machine:
            current.status = Status.PENDING
            outcome = "drafted"
        else:
            taken = Translation.objects.filter(
                source_kind=row.source_kind,
                source_id=row.source_id,
                target_language=row.target_language,
                status=Status.PUBLISHED,
            ).exclude(pk=row.pk)
            if taken.filter(origin__in=HUMAN, source_hash=digest).exists():
                current.status = Status.SUPERSEDED
                outcome = "not_needed"
            else:
                # A stale translation by a person gives way to a current one by the machine.
                taken.update(status=Status.OUTDATED, updated_at=now)
                current.status = Status.PUBLISHED
                current.published_at = now
        current.save()
        _changed(current)
    return outcome


# --- The daily character budget -------------------------------------------------------------------


def daily_budget(provider: str) -> int:
    return int(settings.TRANSLATION_DAILY_CHARACTERS.get(provider, 0))


def usage_reserve(*, provider: str, characters: int) -> bool:
    """Count ``characters`` against today's budget of ``provider``; False (and nothing counted
    but the refusal) when they do not fit."""
    day = timezone.localdate()
    try:
        with transaction.atomic():
            ProviderUsage.objects.get_or_create(provider=provider, day=day)
    except IntegrityError:
        pass  # created concurrently
    budget = daily_budget(provider)
    fits = ProviderUsage.objects.filter(
        provider=provider, day=day, characters__lte=budget - characters
    ).update(characters=F("characters") + characters, requests=F("requests") + 1)
    if not fits:
        ProviderUsage.objects.filter(provider=provider, day=day).update(refused=F("refused") + 1)
    return bool(fits)


def usage_refund(*, provider: str, characters: int) -> None:
    """A request counted by ``usage_reserve`` failed: the provider bills nothing for it."""
    ProviderUsage.objects.filter(
        provider=provider, day=timezone.localdate(), characters__gte=characters
    ).update(characters=F("characters") - characters, failures=F("failures") + 1)


# --- People's translations ------------------------------------------------------------------------


def clean_translation(text: str) -> str:
    cleaned = clean_text(text)
    if not cleaned:
        raise DeliberationError("empty", _("Write the translation before sending it."), field="text")
    if len(cleaned) > MAX_LENGTH:
        raise DeliberationError(
            "too_long",
            _("A translation can be at most %(limit)d characters long.") % {"limit": MAX_LENGTH},
            field="text",
        )
    return cleaned


def translation_submit(*, user, kind: str, obj: Any, target_language: str, text: str) -> Translation:
    """A participant's translation of ``obj``'s text into ``target_language``.

    The author's own translation is published at once (it replaces the machine's); anyone else's
    (a new one, or a correction of the machine's) waits for review, one per participant, text and
    language: sending again replaces one's earlier proposal. Records ``translation.published`` or
    ``translation.proposed``.
    """
    source = registry.get(kind)
    with transaction.atomic():
        problem = translate_problem(user, source, obj)
        if problem is not None:
            raise problem
        programme = source.programme(obj)
        if programme is not None:
            ensure_can_participate(user, programme)
        elif source.author_id(obj) != user.pk:
            raise PermissionRefused("not_translatable", _("Only its author can translate this text."))
        language = source.language(obj)
        if target_language not in LANGUAGE_CODES:
            raise DeliberationError("invalid_language", _("Choose a language."), field="target_language")
        if target_language == language:
            raise DeliberationError(
                "same_language", _("Choose a language other than the original's."), field="target_language"
            )
        cleaned = clean_translation(text)
        digest = registry.text_hash(source.text(obj))
        now = timezone.now()
        current = (
            Translation.objects.select_for_update()
            .filter(
                source_kind=kind, source_id=obj.pk, target_language=target_language, status=Status.PUBLISHED
            )
            .first()
        )
        if current is not None and current.source_hash == digest and current.text == cleaned:
            raise DeliberationError("no_change", _("This is the translation already shown."), field="text")
        if source.author_id(obj) == user.pk:
            if current is not None:
                current.status = Status.SUPERSEDED
                current.updated_at = now
                current.save(update_fields=["status", "updated_at"])
                _changed(current)
            row = Translation.objects.create(
                source_kind=kind,
                source_id=obj.pk,
                source_language=language,
                source_hash=digest,
                target_language=target_language,
                text=cleaned,
                origin=Origin.AUTHOR,
                status=Status.PUBLISHED,
                translator=user,
                published_at=now,
            )
            # The machine's queued work for this language is no longer wanted.
            Translation.objects.filter(
                source_kind=kind,
                source_id=obj.pk,
                target_language=target_language,
                origin=Origin.MACHINE,
                status__in=[Status.QUEUED, Status.UNAVAILABLE],
            ).update(status=Status.SUPERSEDED, next_attempt_at=None, updated_at=now)
            record(
                action="translation.published",
                actor=user,
                target=row,
                kind=kind,
                source=obj.pk,
                language=target_language,
            )
        else:
            earlier = (
                Translation.objects.select_for_update()
                .filter(
                    source_kind=kind,
                    source_id=obj.pk,
                    target_language=target_language,
                    translator=user,
                    status=Status.PENDING,
                )
                .first()
            )
            row = earlier or Translation(
                source_kind=kind,
                source_id=obj.pk,
                target_language=target_language,
                origin=Origin.COMMUNITY,
                status=Status.PENDING,
                translator=user,
            )
            row.source_language = language
            row.source_hash = digest
            row.text = cleaned
            row.updated_at = now
            row.save()
            record(
                action="translation.proposed",
                actor=user,
                target=row,
                kind=kind,
                source=obj.pk,
                language=target_language,
            )
        _changed(row)
    return row


def translation_approve(
    *, reviewer, translation: Translation, text: str | None = None, note: str = ""
) -> Translation:
    """Publish a translation awaiting review (a participant's, or a machine draft of proposal
    text), with the reviewer's edits in ``text`` if given. It replaces the translation shown so far.

    Refused when the original was edited after the translation was written (it becomes outdated),
    when the source is hidden or gone, and for one's own translation. Records ``translation.approved``.
    """
    ensure_can_review(reviewer)
    with transaction.atomic():
        row = Translation.objects.select_for_update().get(pk=translation.pk)
        if row.status != Status.PENDING:
            raise DeliberationError("not_pending", _("This translation is not awaiting review."))
        if row.translator_id is not None and row.translator_id == reviewer.pk:
            raise PermissionRefused("own_translation", _("Someone else has to review your own translation."))
        source = registry.get(row.source_kind)
        obj = source.load(row.source_id)
        if obj is None or not source.is_public(obj):
            raise DeliberationError(
                "unavailable", _("The original is hidden or deleted: its translation cannot be published.")
            )
        if registry.text_hash(source.text(obj)) != row.source_hash:
            row.status = Status.OUTDATED
            row.updated_at = timezone.now()
            row.save(update_fields=["status", "updated_at"])
            _changed(row)
            record(action="translation.outdated", actor=reviewer, target=row)
            # Raised below, after this transaction kept the outdated mark.
            outdated = True
        else:
            outdated = False
        if not outdated:
            now = timezone.now()
            previous_text = row.text
            if text is not None:
                row.text = clean_translation(text)
            Translation.objects.filter(
                source_kind=row.source_kind,
                source_id=row.source_id,
                target_language=row.target_language,
                status=Status.PUBLISHED,
            ).exclude(pk=row.pk).update(status=Status.SUPERSEDED, updated_at=now)
            row.status = Status.PUBLISHED
            row.reviewed_by = reviewer
            row.review_note = clean_text(note)
            row.published_at = now
            row.updated_at = now
            row.save()
            if source.on_published is not None:
                source.on_published(row, obj, reviewer)
            record(
                action="translation.approved",
                actor=reviewer,
                target=row,
                reason=row.review_note,
                edited=row.text != previous_text,
                origin=row.origin,
            )
            _changed(row)
    if outdated:
        raise DeliberationError(
            "outdated", _("The original was edited after this translation was written: it is now outdated.")
        )
    return row


def translation_reject(*, reviewer, translation: Translation, note: str = "") -> Translation:
    """Turn down a translation awaiting review. Records ``translation.rejected``."""
    ensure_can_review(reviewer)
    with transaction.atomic():
        row = Translation.objects.select_for_update().get(pk=translation.pk)
        if row.status != Status.PENDING:
            raise DeliberationError("not_pending", _("This translation is not awaiting review."))
        row.status = Status.REJECTED
        row.reviewed_by = reviewer
        row.review_note = clean_text(note)
        row.updated_at = timezone.now()
        row.save(update_fields=["status", "reviewed_by", "review_note", "updated_at"])
        record(action="translation.rejected", actor=reviewer, target=row, reason=row.review_note)
        _changed(row)
    return row


def machine_retry(*, moderator, translation: Translation) -> Translation:
    """Try an unavailable (or held) machine translation again now."""
    ensure_can_review(moderator)
    with transaction.atomic():
        updated = Translation.objects.filter(
            pk=translation.pk, origin=Origin.MACHINE, status__in=[Status.QUEUED, Status.UNAVAILABLE]
        ).update(next_attempt_at=timezone.now())
        if not updated:
            raise DeliberationError(
                "not_waiting", _("Only a machine translation still to be made can be retried.")
            )
        _enqueue(translation.pk)
    return translation


# --- The one announcement of every change ----------------------------------------------------------


def _changed(row: Translation) -> None:
    """Every write above ends here: after the commit, ``signals.translation_changed`` tells whoever
    listens (e.g. a cache of the page the text is read on) which text changed in which language."""
    kind, source_id, language = row.source_kind, row.source_id, row.target_language
    # Inside the writing transaction: the page showing the text is served afresh from the commit on.
    # (Every registered source belongs to a proposal: comments, amendments, the proposal text.)
    pagestamp.touch_row(registry.get(kind).model, source_id)
    transaction.on_commit(
        lambda: signals.translation_changed.send(
            sender=Translation, source_kind=kind, source_id=source_id, target_language=language
        )
    )
