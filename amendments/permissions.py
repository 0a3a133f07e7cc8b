"""Who may do what to an amendment, and why not. The services refuse with these; the amendment
page uses the same predicates to decide which buttons to show.

``participation`` is ``accounts.permissions.participation_refusal`` for the viewer and the
proposal's programme (None when they may take part), computed once per request by the caller."""

from django.utils.translation import gettext_lazy as _

from accounts.permissions import is_moderator
from core.errors import DeliberationError, PermissionRefused

from .models import Amendment, AmendmentState


def not_open() -> DeliberationError:
    return DeliberationError("not_open", _("This amendment is no longer open."))


def vote_problem(user, amendment: Amendment) -> DeliberationError | None:
    """Why ``user`` may not support or oppose ``amendment`` now, or None. Its author may not: the
    support is what shows the moderators how far others agree (per nationality as well)."""
    if amendment.author_id == user.pk:
        return PermissionRefused("own_amendment", _("You cannot support or oppose your own amendment."))
    if amendment.state != AmendmentState.OPEN:
        return not_open()
    if amendment.hidden_at is not None:
        return DeliberationError("hidden", _("This amendment is hidden by the moderators."))
    return None


def withdraw_problem(user, amendment: Amendment) -> DeliberationError | None:
    """Why ``user`` may not withdraw ``amendment`` now, or None."""
    if amendment.author_id != user.pk:
        return PermissionRefused("not_author", _("Only the author can withdraw an amendment."))
    if amendment.state != AmendmentState.OPEN:
        return not_open()
    return None


def can_vote(user, amendment: Amendment, *, participation) -> bool:
    return participation is None and vote_problem(user, amendment) is None


def can_withdraw(user, amendment: Amendment, *, participation) -> bool:
    return participation is None and withdraw_problem(user, amendment) is None


def can_decide(user, amendment: Amendment) -> bool:
    """Accept or reject: moderators, while the amendment is open."""
    return amendment.state == AmendmentState.OPEN and is_moderator(user)
