"""Who may do what. Predicates are cheap and typed; services call ``ensure_*`` and views use
``participation_refusal`` to say why a page is read-only."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import PermissionRefused

from .models import Programme, User
from .standing import standing as standing_of

MODERATOR_GROUP = "Moderator"


def is_moderator(user) -> bool:
    """Staff in the Moderator group (or superusers), active and not suspended."""
    if not (user.is_authenticated and user.is_active and user.is_staff) or user.is_suspended():
        return False
    if user.is_superuser:
        return True
    # Cached on the user object for the request: views ask more than once.
    if not hasattr(user, "_is_moderator"):
        user._is_moderator = user.groups.filter(name=MODERATOR_GROUP).exists()
    return user._is_moderator


def participation_refusal(user, programme: Programme) -> PermissionRefused | None:
    """Why ``user`` may not comment, rate or amend in ``programme`` right now, or None if they may.

    Order matters: the first reason is the one the user can act on.
    """
    if not user.is_authenticated:
        return PermissionRefused("login_required", _("Log in to take part in the deliberation."))
    if not user.is_active:
        return PermissionRefused("inactive", _("This account is inactive."))
    if user.is_suspended():
        return PermissionRefused(
            "suspended", _("Your account is suspended, so you cannot write. You can still read everything.")
        )
    if not user.has_current_consent:
        return PermissionRefused(
            "consent_required",
            _("Read the privacy notice and give your consent to take part: see Your consents."),
        )
    if not programme.is_in_session(timezone.localdate()):
        return PermissionRefused("window_closed", _("The deliberation window for this programme is closed."))
    # Both facts in one query, or none: this runs on every proposal page a participant opens.
    standing = standing_of(user, programme)
    if not standing["verified"]:
        return PermissionRefused("unverified", _("Verify your email address to take part."))
    if not standing["member"]:
        return PermissionRefused("not_member", _("Join the programme to take part in its deliberation."))
    # After joining, which a young participant may do while their guardian has not yet answered.
    if user.needs_guardian_consent and user.guardian_consent_at is None:
        return PermissionRefused(
            "guardian_consent_required",
            _("You can take part once your guardian consents: we have emailed them a link."),
        )
    return None


@dataclass(frozen=True)
class Participation:
    """The participation decision made once for a request (``participation``): the view shows
    it (the form or the refusal) and hands it to the service, which then need not ask again."""

    user_pk: int | None
    programme_pk: int
    refusal: PermissionRefused | None


def participation(user, programme: Programme) -> Participation:
    return Participation(user.pk, programme.pk, participation_refusal(user, programme))


def ensure_can_participate(user: User, programme: Programme, *, decided: Participation | None = None) -> None:
    """Raise the refusal if ``user`` may not take part in ``programme``. ``decided`` is the
    decision already made in this request; it is trusted only for this very user and programme,
    else (or without one) the check runs here."""
    if decided is not None and (decided.user_pk, decided.programme_pk) == (user.pk, programme.pk):
        refusal = decided.refusal
    else:
        refusal = participation_refusal(user, programme)
    if refusal is not None:
        raise refusal


def ensure_moderator(user: User) -> None:
    if not is_moderator(user):
        raise PermissionRefused("moderator_required", _("Only moderators can do this."))
