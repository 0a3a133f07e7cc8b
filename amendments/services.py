"""Writes to amendments: propose, vote, withdraw, accept, reject, and the automatic rebase of open
amendments after a new version. Each public function authorises, validates, then writes in one
transaction and raises ``DeliberationError`` / ``PermissionRefused`` when it refuses."""

import uuid
from collections.abc import Callable
from functools import partial

from django.db import transaction
from django.db.models import F, Q
from django.db.models.expressions import Combinable
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import Nationality
from accounts.permissions import Participation, ensure_can_participate, ensure_moderator
from audit.log import record
from core import diff, once, pagestamp
from core.choices import Choice, set_choice
from core.errors import DeliberationError
from core.fields import max_length
from core.languages import LANGUAGE_CODES, per_language
from core.text import clean_text
from notifications.models import Kind
from notifications.services import notify
from proposals.models import Proposal, ProposalVersion
from proposals.services import translated_field_names, version_create, version_text
from translations import proposal_text
from translations import services as translation_services

from . import permissions, translatable
from .models import (
    MAX_RATIONALE_LENGTH,
    MAX_TEXT_LENGTH,
    Amendment,
    AmendmentState,
    AmendmentVote,
    TargetField,
    Vote,
)

# The title column is shorter than the others.
MAX_LENGTHS: dict[str, int] = {TargetField.TITLE: max_length(ProposalVersion, "title")}
MAX_REASON_LENGTH = MAX_RATIONALE_LENGTH


# --- Propose ------------------------------------------------------------------------------------


def amendment_create(
    *,
    author,
    proposal: Proposal,
    field: str,
    language: str,
    new_text: str,
    rationale: str,
    base_version_id: int | None,
    client_token: uuid.UUID | None = None,
    admit: Callable[[], None] | None = None,
    decided: Participation | None = None,
) -> Amendment:
    """Propose replacing one field in one language of the proposal's current version.

    ``base_version_id`` is the version the participant's form was built from: if the proposal
    has moved on since, the proposal is refused (their text is not lost: the view shows it again
    against the current version). A second call with the same ``client_token`` returns the first
    amendment unchanged. Records ``amendment.created``. ``decided`` is the view's participation
    decision for this request (checked here without it).
    """
    with transaction.atomic():
        ensure_can_participate(author, proposal.programme, decided=decided)

        def earlier() -> Amendment | None:
            return Amendment.objects.filter(author=author, client_token=client_token).first()

        existing = once.find(client_token, earlier)
        if existing is not None:
            return existing
        if admit is not None:
            admit()
        if field not in TargetField.values:
            raise DeliberationError("invalid_field", _("Choose the title, summary or body."), field="field")
        if language not in LANGUAGE_CODES:
            raise DeliberationError("invalid_language", _("Choose a language."), field="language")
        base = (
            ProposalVersion.objects.filter(pk=proposal.current_version_id).first()
            if proposal.current_version_id is not None
            else None
        )
        if base is None or base_version_id != base.pk:
            raise DeliberationError(
                "stale_base",
                _(
                    "The proposal has changed since you opened this form. Your text is kept below: "
                    "check it against the current version and submit again."
                ),
            )
        text = _validate_new_text(field, new_text, original=version_text(base, field, language))
        _refuse_duplicate(author, proposal=proposal, field=field, language=language, text=text)
        reason = clean_text(rationale)
        if not reason:
            raise DeliberationError(
                "empty_rationale", _("Explain why the text should change."), field="rationale"
            )
        if len(reason) > MAX_RATIONALE_LENGTH:
            raise DeliberationError(
                "rationale_too_long",
                _("The rationale can be at most %(limit)d characters long.")
                % {"limit": MAX_RATIONALE_LENGTH},
                field="rationale",
            )
        amendment = Amendment(
            proposal=proposal,
            base_version=base,
            field=field,
            language=language,
            original_text=version_text(base, field, language),
            new_text=text,
            rationale=reason,
            author=author,
            client_token=client_token,
        )
        amendment, created = once.save_once(
            lambda: _saved(amendment), client_token=client_token, lookup=earlier
        )
        if not created:
            # The same form was submitted twice at the same moment: the other request won.
            return amendment
        record(
            action="amendment.created",
            actor=author,
            target=amendment,
            proposal=proposal.slug,
            field=amendment.field_name,
        )
        pagestamp.touch(proposal.pk)
        # The machine translates the rationale and the proposed text for readers of the other
        # languages (when a provider is configured).
        amendment.proposal = proposal
        translation_services.machine_request(kind=translatable.RATIONALE, obj=amendment)
        translation_services.machine_request(kind=translatable.NEW_TEXT, obj=amendment)
    return amendment


class DuplicateAmendment(DeliberationError):
    """The same change to the same text is already open; ``existing`` is that amendment."""

    def __init__(self, code: str, message, *, existing: Amendment):
        super().__init__(code, message, field="new_text")
        self.existing = existing


def _refuse_duplicate(author, *, proposal: Proposal, field: str, language: str, text: str) -> None:
    """One open amendment per change: a second identical one would split the support."""
    existing = (
        Amendment.objects.filter(
            proposal=proposal, field=field, language=language, state=AmendmentState.OPEN, new_text=text
        )
        # One hidden by the moderators is no one else's business (nor a place to send them).
        .filter(Q(hidden_at__isnull=True) | Q(author=author))
        .order_by("created_at", "pk")
        .first()
    )
    if existing is None:
        return
    existing.proposal = proposal
    if existing.author_id == author.pk:
        raise DuplicateAmendment(
            "duplicate_own",
            _("You have already proposed exactly this change, and it is still open (amendment #%(number)d).")
            % {"number": existing.pk},
            existing=existing,
        )
    raise DuplicateAmendment(
        "duplicate",
        _(
            "Another participant has already proposed exactly this change (amendment #%(number)d). "
            "Support it there instead."
        )
        % {"number": existing.pk},
        existing=existing,
    )


def _saved(amendment: Amendment) -> Amendment:
    amendment.save()
    return amendment


def _validate_new_text(field: str, new_text: str, *, original: str) -> str:
    text = clean_text(new_text)
    if not text:
        raise DeliberationError("empty_text", _("The new text cannot be empty."), field="new_text")
    limit = MAX_LENGTHS.get(field, MAX_TEXT_LENGTH)
    if len(text) > limit:
        raise DeliberationError(
            "text_too_long",
            _("This text can be at most %(limit)d characters long.") % {"limit": limit},
            field="new_text",
        )
    if field == TargetField.TITLE and "\n" in text:
        raise DeliberationError("multiline_title", _("A title is a single line."), field="new_text")
    if text == clean_text(original):
        raise DeliberationError(
            "no_change",
            _("The new text is the same as the current text: change something."),
            field="new_text",
        )
    return text


# --- Support / oppose -----------------------------------------------------------------------------

NATIONAL_COUNTERS: dict[str, str] = {Nationality.KOREA: "kr", Nationality.JAPAN: "jp"}


def amendment_vote(
    *, user, amendment: Amendment, value: str | None, decided: Participation | None = None
) -> AmendmentVote | None:
    """Set ``user``'s support or opposition to ``value``, or withdraw it when ``value`` is None.

    Idempotent: voting what one already voted changes nothing, so a double click cannot undo
    itself (the page sends "withdraw" explicitly when one clicks an active button). The counters,
    overall and per nationality, move with F() in the same transaction, and only the request
    that actually changed the row moves them, so they stay exact under concurrent writes.
    ``decided`` is the view's participation decision for this request (checked here without it).
    """
    with transaction.atomic():
        ensure_can_participate(user, amendment.proposal.programme, decided=decided)
        if value is not None and value not in Vote.values:
            raise DeliberationError("invalid_vote", _("Choose support or oppose."))
        problem = permissions.vote_problem(user, amendment)
        if problem is not None and not (value is None and problem.code == "own_amendment"):
            # An author may still take back a vote cast on their own amendment before this rule.
            raise problem

        return set_choice(
            AmendmentVote,
            key={"amendment": amendment, "user": user},
            field="value",
            value=value,
            nationality=user.nationality,
            move_counters=partial(_move_counters, amendment),
        )


def _counter_names(value: str, nationality: str) -> list[str]:
    names = [f"{value}_count"]
    if nationality in NATIONAL_COUNTERS:
        names.append(f"{value}_{NATIONAL_COUNTERS[nationality]}")
    return names


def _move_counters(amendment: Amendment, *, add: Choice | None = None, remove: Choice | None = None) -> None:
    changes: dict[str, Combinable] = {}
    for name in _counter_names(*add) if add else []:
        changes[name] = F(name) + 1
    for name in _counter_names(*remove) if remove else []:
        # Changing support to oppose within one nationality touches distinct columns; the same
        # column only appears twice if nothing changed, which callers never ask for.
        changes[name] = F(name) - 1
    Amendment.objects.filter(pk=amendment.pk).update(**changes)
    pagestamp.touch(amendment.proposal_id)


# --- Withdraw -------------------------------------------------------------------------------------


def amendment_withdraw(*, user, amendment: Amendment, decided: Participation | None = None) -> Amendment:
    """The author takes back their open amendment. Records ``amendment.withdrawn``. ``decided`` is
    the view's participation decision for this request (checked here without it)."""
    with transaction.atomic():
        ensure_can_participate(user, amendment.proposal.programme, decided=decided)
        problem = permissions.withdraw_problem(user, amendment)
        if problem is not None:
            raise problem
        now = timezone.now()
        if not Amendment.objects.filter(pk=amendment.pk, state=AmendmentState.OPEN).update(
            state=AmendmentState.WITHDRAWN, updated_at=now
        ):
            raise permissions.not_open()
        amendment.state = AmendmentState.WITHDRAWN
        amendment.updated_at = now
        record(action="amendment.withdrawn", actor=user, target=amendment)
        pagestamp.touch(amendment.proposal_id)
    return amendment


# --- Moderator decisions --------------------------------------------------------------------------


def _clean_reason(reason: str | None, *, required: bool) -> str:
    text = clean_text(reason)
    if required and not text:
        raise DeliberationError(
            "empty_reason", _("Give a reason for the decision: the author will read it."), field="reason"
        )
    if len(text) > MAX_REASON_LENGTH:
        raise DeliberationError(
            "reason_too_long",
            _("The reason can be at most %(limit)d characters long.") % {"limit": MAX_REASON_LENGTH},
            field="reason",
        )
    return text


def amendment_reject(*, moderator, amendment: Amendment, reason: str) -> Amendment:
    """A moderator declines an open amendment, with a reason the author is notified of.

    Moderators may decide whether or not the deliberation window is open. Records
    ``amendment.rejected``.
    """
    with transaction.atomic():
        ensure_moderator(moderator)
        text = _clean_reason(reason, required=True)
        now = timezone.now()
        if not Amendment.objects.filter(pk=amendment.pk, state=AmendmentState.OPEN).update(
            state=AmendmentState.REJECTED,
            decided_by=moderator,
            decided_at=now,
            decision_reason=text,
            updated_at=now,
        ):
            raise DeliberationError("already_decided", _("This amendment has already been decided."))
        amendment.refresh_from_db()
        proposal = Proposal.objects.select_related("current_version").get(pk=amendment.proposal_id)
        record(action="amendment.rejected", actor=moderator, target=amendment, reason=text)
        pagestamp.touch(amendment.proposal_id)
        _notify_author(amendment, proposal)
    return amendment


def amendment_accept(*, moderator, amendment: Amendment, reason: str = "") -> ProposalVersion:
    """A moderator accepts an open amendment: the proposal gets a new current version.

    The new version copies every field in every language from the current one and replaces only
    the amendment's field in its language. The other languages of that field are flagged as
    translations to update, unless the amendment itself updates a flagged translation (then only
    that flag is cleared). Flags on other fields carry over.

    Concurrent accepts are serialised: the proposal row is locked (PostgreSQL; SQLite serialises
    writers anyway) and the amendment moves out of ``open`` with a conditional UPDATE that only one
    request can win. If the amendment was written against an older version it is rebased first;
    when that fails it is marked outdated (kept) and the accept is refused.

    Afterwards every other open amendment of the proposal is rebased onto the new version or marked
    outdated. Records ``amendment.accepted`` and notifies the author.
    """
    ensure_moderator(moderator)
    text = _clean_reason(reason, required=False)
    outdated = False
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=amendment.proposal_id)
        # Read after taking the lock: a concurrent accept may have changed it meanwhile.
        amendment = Amendment.objects.select_related("author").get(pk=amendment.pk)
        if amendment.state != AmendmentState.OPEN:
            raise DeliberationError("already_decided", _("This amendment has already been decided."))
        if amendment.hidden_at is not None:
            raise DeliberationError(
                "hidden", _("A hidden amendment cannot be accepted. Restore it first if it should be.")
            )
        assert proposal.current_version_id is not None  # amendments are only made on published proposals
        current = ProposalVersion.objects.get(pk=proposal.current_version_id)
        # The base must be the current version, and still read as the amendment found it (a
        # moderator may have corrected the current version in the admin): otherwise rebase first.
        moved = amendment.base_version_id != current.pk or amendment.original_text != version_text(
            current, amendment.field, amendment.language
        )
        if moved and not _rebase_one(amendment, current, proposal=proposal):
            outdated = True
        else:
            version = _accept(
                moderator=moderator, amendment=amendment, proposal=proposal, current=current, reason=text
            )
    if outdated:
        raise DeliberationError(
            "outdated",
            _(
                "The text this amendment changes has been changed since it was written, so it no "
                "longer applies. It has been marked outdated."
            ),
        )
    return version


def _accept(*, moderator, amendment: Amendment, proposal: Proposal, current: ProposalVersion, reason: str):
    now = timezone.now()
    if not Amendment.objects.filter(
        pk=amendment.pk, state=AmendmentState.OPEN, base_version_id=current.pk
    ).update(
        state=AmendmentState.ACCEPTED,
        decided_by=moderator,
        decided_at=now,
        decision_reason=reason,
        updated_at=now,
    ):
        raise DeliberationError("already_decided", _("This amendment has already been decided."))

    field_name = amendment.field_name
    texts = {name: getattr(current, name) for name in translated_field_names()}
    texts[field_name] = amendment.new_text
    stale = set(current.stale_translations or [])
    if field_name in stale:
        # An updated translation: it is now in line with the other languages.
        stale.discard(field_name)
    else:
        stale.update(f"{amendment.field}_{lang}" for lang in LANGUAGE_CODES if lang != amendment.language)
    version = version_create(
        proposal=proposal,
        texts=texts,
        change_note=amendment.rationale,
        stale_translations=sorted(stale),
        created_by=moderator,
        created_at=now,
        amendment=amendment.pk,
    )
    Amendment.objects.filter(pk=amendment.pk).update(result_version=version)
    # Acceptance is final (the state changed from open under the proposal's lock): one more, in the
    # same UPDATE as the stamp (the dashboard's count).
    pagestamp.touch(proposal.pk, accepted_amendment_count=F("accepted_amendment_count") + 1)
    # Machine drafts for the languages this change left behind, for a moderator to review.
    proposal_text.drafts_request(version=version, field=amendment.field, source_language=amendment.language)
    amendment.refresh_from_db()
    record(
        action="amendment.accepted",
        actor=moderator,
        target=amendment,
        reason=reason,
        version=version.number,
        field=field_name,
    )
    _notify_author(amendment, proposal)
    rebase_open_amendments(proposal=proposal, version=version)
    return version


def _notify_author(amendment: Amendment, proposal: Proposal) -> None:
    version = proposal.current_version
    with translation.override(amendment.author.preferred_language):
        url = amendment.get_absolute_url()
    notify(
        recipient=amendment.author,
        kind=Kind.AMENDMENT_DECIDED,
        data={
            "proposal": proposal.slug,
            "proposal_title": per_language(version, "title"),
            "amendment": amendment.pk,
            "state": amendment.state,
            "reason": amendment.decision_reason,
            "field": amendment.field,
            "language": amendment.language,
        },
        url=url,
    )


# --- Rebase ----------------------------------------------------------------------------------------


def rebase_open_amendments(*, proposal: Proposal, version: ProposalVersion) -> None:
    """Bring every open amendment of ``proposal`` onto ``version`` (its new current version).

    An amendment whose field and language still read as it found them just moves its base. One
    whose text was changed gets its change re-applied onto the new text if every hunk still
    applies exactly; otherwise it is marked outdated (``amendment.outdated``, automatic) and its
    author notified. Call inside the transaction that made ``version`` current.
    """
    amendments = (
        Amendment.objects.select_related("author")
        .filter(proposal=proposal, state=AmendmentState.OPEN)
        .exclude(base_version=version)
    )
    for amendment in amendments:
        _rebase_one(amendment, version, proposal=proposal)


def _rebase_one(amendment: Amendment, version: ProposalVersion, *, proposal: Proposal | None = None) -> bool:
    """Move one open amendment onto ``version``; True if it still applies, False if now outdated."""
    current_text = version_text(version, amendment.field, amendment.language)
    rebased = diff.rebase(amendment.original_text, amendment.new_text, current_text)
    if rebased is not None and len(rebased) > MAX_LENGTHS.get(amendment.field, MAX_TEXT_LENGTH):
        rebased = None
    now = timezone.now()
    pagestamp.touch(amendment.proposal_id)
    if rebased is not None and rebased != current_text:
        Amendment.objects.filter(pk=amendment.pk, state=AmendmentState.OPEN).update(
            base_version=version, original_text=current_text, new_text=rebased, updated_at=now
        )
        amendment.base_version = version
        amendment.original_text = current_text
        amendment.new_text = rebased
        amendment.updated_at = now
        translation_services.source_changed(kind=translatable.NEW_TEXT, obj=amendment)
        return True
    # Either the change no longer applies, or the new text already says what it proposed.
    if Amendment.objects.filter(pk=amendment.pk, state=AmendmentState.OPEN).update(
        state=AmendmentState.OUTDATED, updated_at=now
    ):
        amendment.state = AmendmentState.OUTDATED
        amendment.updated_at = now
        record(action="amendment.outdated", target=amendment, version=version.number)
        if proposal is None:
            proposal = Proposal.objects.select_related("current_version").get(pk=amendment.proposal_id)
        _notify_author(amendment, proposal)
    return False
