"""Consent to the privacy notice: given at sign-up, asked again when the notice changes.

Every answer is a ``Consent`` row (purpose, granted, notice version, method, time); the account
carries the current state (``policy_version``, ``research_consent``) so pages check it for free.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.log import record
from core.errors import DeliberationError, PermissionRefused

from .models import Consent, ConsentMethod, ConsentPurpose, User


def current_policy_version() -> str:
    return settings.PRIVACY_POLICY_VERSION


def consents_give(
    *,
    user: User,
    participation: bool,
    cross_border: bool,
    research: bool,
    method: str = ConsentMethod.SELF,
) -> list[Consent]:
    """Record ``user``'s answers to the three questions of the privacy notice in force.

    Participation and the cross-border transfer are required: without both nothing is written and
    DeliberationError (``consent_required``, with the field) is raised. Research use is optional.
    Records ``account.consented`` with the version and the answers, in the same transaction.
    """
    if not user.is_authenticated:
        raise PermissionRefused("login_required", _("Log in to give your consent."))
    if not participation:
        raise DeliberationError(
            "consent_required",
            _("Taking part needs your consent to the use of your data described in the privacy notice."),
            field="consent_participation",
        )
    if not cross_border:
        raise DeliberationError(
            "consent_required",
            _(
                "Taking part needs your consent to the transfer of your data between Korea and Japan: "
                "the dialogue is held in both countries."
            ),
            field="consent_cross_border",
        )
    version = current_policy_version()
    now = timezone.now()
    answers = {
        ConsentPurpose.PARTICIPATION: participation,
        ConsentPurpose.CROSS_BORDER: cross_border,
        ConsentPurpose.RESEARCH: research,
    }
    with transaction.atomic():
        rows = Consent.objects.bulk_create(
            Consent(
                user=user,
                purpose=purpose,
                granted=granted,
                policy_version=version,
                method=method,
                recorded_at=now,
            )
            for purpose, granted in answers.items()
        )
        user.policy_version = version
        user.research_consent = research
        user.save(update_fields=["policy_version", "research_consent"])
        record(
            action="account.consented",
            actor=user,
            target=user,
            version=version,
            method=str(method),
            research=research,
        )
    return rows


def research_consent_change(*, user: User, granted: bool) -> None:
    """Give or withdraw the optional consent to research use (from the profile); recorded as a
    ``Consent`` row under the notice in force and in the audit log. Nothing happens if unchanged."""
    if not user.is_authenticated:
        raise PermissionRefused("login_required", _("Log in to change your consent."))
    if user.research_consent == granted:
        return
    with transaction.atomic():
        Consent.objects.create(
            user=user,
            purpose=ConsentPurpose.RESEARCH,
            granted=granted,
            policy_version=current_policy_version(),
        )
        user.research_consent = granted
        user.save(update_fields=["research_consent"])
        record(action="account.research_consent_changed", actor=user, target=user, research=granted)
