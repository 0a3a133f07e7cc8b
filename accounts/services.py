"""Writes for accounts: profile changes, joining a programme, deleting an account."""

import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.log import record
from core import pagestamp
from core.errors import DeliberationError, PermissionRefused
from core.fields import max_length
from core.text import clean, clean_text, without_bidi_controls

from .models import (
    ContributionDisplay,
    Membership,
    Nationality,
    NationalityChange,
    NationalityChangeStatus,
    NotificationFrequency,
    Programme,
    User,
)
from .permissions import ensure_moderator

DISPLAY_NAME_MAX = max_length(User, "display_name")
AFFILIATION_MAX = max_length(User, "affiliation")


def profile_update(
    *,
    user: User,
    display_name: str,
    preferred_language: str,
    affiliation: str = "",
    notification_frequency: str,
    contributions: str | None = None,
    nationality: str | None = None,
) -> User:
    """Change the user's own profile. Records which fields changed (not their values) in the audit log.
    ``contributions`` (how others' text in another language is shown) stays as it is when None.

    The nationality is not changed here: it is set at sign-up and changes only through a request a
    moderator approves (``nationality_change_request``); a different ``nationality`` is refused.
    Raises DeliberationError (with ``field``) for empty or too long names and unknown choices.
    """
    display_name = without_bidi_controls(clean(display_name)).strip()
    affiliation = without_bidi_controls(clean(affiliation)).strip()
    if user.is_minor:
        # Never kept for participants under 18, so it can never be shown.
        affiliation = ""
    if not user.is_authenticated:
        raise PermissionRefused("login_required", _("Log in to edit your profile."))
    if not display_name:
        raise DeliberationError("display_name_required", _("Enter a display name."), field="display_name")
    if len(display_name) > DISPLAY_NAME_MAX:
        raise DeliberationError(
            "display_name_too_long", _("The display name is too long."), field="display_name"
        )
    if len(affiliation) > AFFILIATION_MAX:
        raise DeliberationError(
            "affiliation_too_long", _("The affiliation is too long."), field="affiliation"
        )
    if nationality is not None and nationality != user.nationality:
        raise DeliberationError(
            "nationality_needs_approval",
            _("Your nationality changes only when a moderator approves: ask for the change below."),
            field="nationality",
        )
    if preferred_language not in dict(settings.LANGUAGES):
        raise DeliberationError(
            "invalid_language", _("Choose a language from the list."), field="preferred_language"
        )
    if notification_frequency not in NotificationFrequency.values:
        raise DeliberationError(
            "invalid_frequency", _("Choose how often to be emailed."), field="notification_frequency"
        )
    if contributions is None:
        contributions = user.contributions
    if contributions not in ContributionDisplay.values:
        raise DeliberationError(
            "invalid_contributions", _("Choose how to show contributions."), field="contributions"
        )
    new = {
        "display_name": display_name,
        "contributions": contributions,
        "preferred_language": preferred_language,
        "affiliation": affiliation,
        "notification_frequency": notification_frequency,
    }
    changed = [name for name, value in new.items() if getattr(user, name) != value]
    if not changed:
        return user
    with transaction.atomic():
        for name in changed:
            setattr(user, name, new[name])
        user.save(update_fields=changed)
        if {"display_name", "affiliation"} & set(changed):
            # Their name is on every page they wrote on.
            pagestamp.touch_everything()
        record(action="account.profile_updated", actor=user, target=user, fields=changed)
    return user


def _account_refusal(user: User) -> PermissionRefused | None:
    if not user.is_authenticated:
        return PermissionRefused("login_required", _("Log in to join the programme."))
    if not user.is_active:
        return PermissionRefused("inactive", _("This account is inactive."))
    if user.is_suspended():
        return PermissionRefused("suspended", _("Your account is suspended, so you cannot join a programme."))
    return None


def join_refusal(user: User, programme: Programme) -> PermissionRefused | None:
    """Why ``user`` may not join ``programme`` (before any invite code), or None. One query at most.

    The first reason is the one the user can act on.
    """
    refusal = _account_refusal(user)
    if refusal is not None:
        return refusal
    if programme.ends_on is not None and programme.ends_on < timezone.localdate():
        return PermissionRefused(
            "programme_ended", _("This programme has ended; it no longer takes new members.")
        )
    if not EmailAddress.objects.filter(user=user, verified=True).exists():
        return PermissionRefused(
            "unverified",
            _(
                "Verify your email address before joining: follow the link in the email we sent you, "
                "or ask for a new one on the email page."
            ),
        )
    return None


@transaction.atomic
def programme_join(*, user: User, programme: Programme, invite_code: str = "") -> Membership:
    """Make ``user`` a member of ``programme`` and return the membership.

    Open programmes need nothing more; closed ones need their invite code (compared in constant time).
    Already a member (even of an ended programme, or before verifying): the existing membership is
    returned and nothing is written. Suspended accounts are refused first. A membership a
    moderator deactivated is not reactivated here. Refusals raise PermissionRefused (403) or
    DeliberationError (400, wrong invite code) and change nothing.
    """
    refusal = _account_refusal(user)
    if refusal is not None:
        raise refusal
    existing = Membership.objects.filter(user=user, programme=programme).first()
    if existing is not None:
        if not existing.is_active:
            raise PermissionRefused(
                "membership_inactive",
                _("Your membership of this programme was ended by a moderator. Contact the organisers."),
            )
        return existing
    refusal = join_refusal(user, programme)
    if refusal is not None:
        raise refusal
    if not programme.is_open:
        given = invite_code.strip().encode()
        expected = programme.invite_code.strip().encode()
        # An empty code on the programme means nobody can join with a code (invite only by moderators).
        if not expected or not secrets.compare_digest(given, expected):
            raise DeliberationError(
                "invite_code_invalid",
                _("That invite code is not correct for this programme."),
                field="invite_code",
            )
    try:
        # A savepoint, so that a concurrent double submit returns the row the other request made.
        with transaction.atomic():
            membership = Membership.objects.create(user=user, programme=programme)
    except IntegrityError:
        return Membership.objects.get(user=user, programme=programme)
    record(action="membership.joined", actor=user, target=membership, programme=programme.slug)
    return membership


def user_delete(*, user: User, actor: User | None = None, reason: str = "") -> None:
    """Delete ``user``'s account, recording ``account.deleted`` (by ``actor``, with ``reason``) in
    the same transaction.

    The audit log keeps what the account did under its pseudonymous id (``audit.log.pseudonym``):
    the database sets the rows' ``actor`` to NULL, the one change its append-only guard allows.
    ``actor`` may be the user themselves, a superuser, or None for the system (a retention job).
    Rows that protect their author (comments) make this raise ``ProtectedError``; anonymise or
    remove them first. Ratings, reactions and votes go with the account, each taken out of its
    counts first (``accounts.signals``).
    """
    if actor is not None and actor.pk != user.pk and not actor.is_superuser:
        raise PermissionRefused(
            "superuser_required", _("Only an administrator can delete someone else's account.")
        )
    with transaction.atomic():
        record(action="account.deleted", actor=actor, target=user, reason=reason)
        # The pre_delete safety net (accounts.signals) must not record it a second time.
        user._deletion_audited = True  # type: ignore[attr-defined]
        user.delete()
        pagestamp.touch_everything()


NATIONALITY_REASON_MAX = max_length(NationalityChange, "reason")


def nationality_change_request(*, user: User, nationality: str, reason: str = "") -> NationalityChange:
    """Ask the moderators to change ``user``'s nationality to ``nationality``; nothing changes
    until one approves. A new request replaces a pending one. Records
    ``account.nationality_change_requested`` with the old and new values."""
    reason = clean_text(reason)
    if not user.is_authenticated:
        raise PermissionRefused("login_required", _("Log in to edit your profile."))
    if nationality not in Nationality.values:
        raise DeliberationError(
            "invalid_nationality", _("Choose a nationality from the list."), field="nationality"
        )
    if nationality == user.nationality:
        raise DeliberationError(
            "same_nationality", _("That is already your nationality."), field="nationality"
        )
    if len(reason) > NATIONALITY_REASON_MAX:
        raise DeliberationError("reason_too_long", _("The reason is too long."), field="reason")
    with transaction.atomic():
        NationalityChange.objects.filter(user=user, status=NationalityChangeStatus.PENDING).delete()
        change = NationalityChange.objects.create(
            user=user, from_nationality=user.nationality, to_nationality=nationality, reason=reason
        )
        # The participant's reason stays on the request (which erasure deletes), not in the log.
        record(
            action="account.nationality_change_requested",
            actor=user,
            target=user,
            request=change.pk,
            nationality=[user.nationality, nationality],
        )
    return change


def nationality_change_decide(
    *, moderator: User, change: NationalityChange, approve: bool, reason: str = ""
) -> NationalityChange:
    """A moderator approves (the user's nationality becomes the requested one) or declines a
    pending request. Records ``account.nationality_changed`` / ``account.nationality_change_declined``
    with the old and new values. Reports, reactions and ratings made before keep the nationality
    they were made with."""
    ensure_moderator(moderator)
    with transaction.atomic():
        change = NationalityChange.objects.select_for_update().select_related("user").get(pk=change.pk)
        if change.status != NationalityChangeStatus.PENDING:
            raise DeliberationError("already_decided", _("This request has already been decided."))
        user = change.user
        values = [user.nationality, change.to_nationality]
        change.status = NationalityChangeStatus.APPROVED if approve else NationalityChangeStatus.DECLINED
        change.decided_at = timezone.now()
        change.decided_by = moderator
        change.save(update_fields=["status", "decided_at", "decided_by"])
        if approve:
            user.nationality = change.to_nationality
            user.save(update_fields=["nationality"])
            pagestamp.touch_everything()
        record(
            action="account.nationality_changed" if approve else "account.nationality_change_declined",
            actor=moderator,
            target=user,
            reason=clean_text(reason),
            nationality=values,
        )
    return change
