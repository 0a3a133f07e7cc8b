"""Guardian consent for participants under the guardian-consent age (PIPA Art. 22-2 in Korea;
configurable for Japan, 16 by default): asked by email with a signed link, given or refused by
the guardian, withdrawable by them (which pauses participation), or attested for a cohort by the
programme organiser. Every step is a row (``GuardianConsent``, ``Consent`` with the method) and an
audit entry; the account's ``guardian_consent_at`` says whether one is in force (no query). The
guardian who consented can also have the participant's account erased from the same link."""

from functools import partial

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.log import record
from core.errors import DeliberationError, PermissionRefused
from core.siteurl import site_url
from core.tasks import enqueue_on_commit

from .adapter import language_for
from .datarights import account_erase
from .models import (
    Consent,
    ConsentMethod,
    ConsentPurpose,
    GuardianConsent,
    GuardianConsentStatus,
    User,
)
from .permissions import ensure_moderator

SALT = "accounts.guardian-consent"


def token_for(consent: GuardianConsent) -> str:
    return signing.dumps(consent.pk, salt=SALT)


def consent_from_token(token: str, *, for_decision: bool) -> GuardianConsent:
    """The request a guardian's link names. A link to decide expires after
    ``GUARDIAN_LINK_MAX_AGE`` seconds; the same link withdraws a consent given, at any time."""
    try:
        pk = signing.loads(token, salt=SALT, max_age=settings.GUARDIAN_LINK_MAX_AGE if for_decision else None)
    except signing.SignatureExpired as exc:
        raise DeliberationError(
            "link_expired", _("This link has expired. Ask the participant to send a new request.")
        ) from exc
    except signing.BadSignature as exc:
        raise PermissionRefused("link_invalid", _("This link is not valid.")) from exc
    consent = GuardianConsent.objects.select_related("user").filter(pk=pk).first()
    if consent is None:
        raise PermissionRefused("link_invalid", _("This link is no longer valid."))
    return consent


def guardian_consent_request(*, user: User, guardian_email: str) -> GuardianConsent:
    """Ask ``guardian_email`` for consent to ``user``'s participation: a pending request (an
    earlier pending one is replaced) and, after the commit, an email through the task queue in
    the participant's language with the signed link."""
    guardian_email = guardian_email.strip()
    if not guardian_email:
        raise DeliberationError(
            "guardian_email_required", _("Enter a guardian's email address."), field="guardian_email"
        )
    if guardian_email.lower() == user.email.lower():
        raise DeliberationError(
            "guardian_email_own",
            _("Enter your guardian's email address, not your own."),
            field="guardian_email",
        )
    from .tasks import send_guardian_request

    with transaction.atomic():
        GuardianConsent.objects.filter(user=user, status=GuardianConsentStatus.PENDING).delete()
        consent = GuardianConsent.objects.create(
            user=user,
            guardian_email=guardian_email,
            method=ConsentMethod.GUARDIAN,
            policy_version=settings.PRIVACY_POLICY_VERSION,
        )
        record(action="account.guardian_consent_requested", actor=user, target=user)
        enqueue_on_commit(send_guardian_request, consent.pk, site_url())
    return consent


def _grant(user: User, *, method: str, research: bool, now) -> list[str]:
    scope = [ConsentPurpose.PARTICIPATION.value, ConsentPurpose.CROSS_BORDER.value]
    if research:
        scope.append(ConsentPurpose.RESEARCH.value)
    Consent.objects.bulk_create(
        Consent(
            user=user,
            purpose=purpose,
            granted=True,
            policy_version=settings.PRIVACY_POLICY_VERSION,
            method=method,
            recorded_at=now,
        )
        for purpose in scope
    )
    user.guardian_consent_at = now
    user.save(update_fields=["guardian_consent_at"])
    return scope


def guardian_consent_decide(
    *, consent: GuardianConsent, grant: bool, research: bool = False
) -> GuardianConsent:
    """The guardian's answer from the emailed link: consent (participation and the transfer
    between Korea and Japan; research use only if ticked) or refusal. Only a pending request."""
    with transaction.atomic():
        consent = GuardianConsent.objects.select_for_update().select_related("user").get(pk=consent.pk)
        if consent.status != GuardianConsentStatus.PENDING:
            raise DeliberationError("already_decided", _("This request has already been answered."))
        now = timezone.now()
        consent.decided_at = now
        consent.policy_version = settings.PRIVACY_POLICY_VERSION
        if grant:
            consent.status = GuardianConsentStatus.GRANTED
            consent.scope = _grant(consent.user, method=ConsentMethod.GUARDIAN, research=research, now=now)
        else:
            consent.status = GuardianConsentStatus.REFUSED
        consent.save()
        record(
            action="account.guardian_consent_given" if grant else "account.guardian_consent_refused",
            target=consent.user,
            method=ConsentMethod.GUARDIAN.value,
            version=consent.policy_version,
            scope=consent.scope,
        )
    return consent


def guardian_consent_withdraw(*, consent: GuardianConsent) -> GuardianConsent:
    """The guardian withdraws a consent given: participation pauses at once (the participant can
    still read); what they wrote stays until the account is deleted."""
    with transaction.atomic():
        consent = GuardianConsent.objects.select_for_update().select_related("user").get(pk=consent.pk)
        if consent.status != GuardianConsentStatus.GRANTED:
            raise DeliberationError("not_granted", _("There is no consent in force to withdraw."))
        now = timezone.now()
        consent.status = GuardianConsentStatus.WITHDRAWN
        consent.withdrawn_at = now
        consent.save(update_fields=["status", "withdrawn_at"])
        user = consent.user
        Consent.objects.bulk_create(
            Consent(
                user=user,
                purpose=purpose,
                granted=False,
                policy_version=consent.policy_version,
                method=ConsentMethod.GUARDIAN,
                recorded_at=now,
            )
            for purpose in consent.scope
        )
        user.guardian_consent_at = None
        user.save(update_fields=["guardian_consent_at"])
        record(action="account.guardian_consent_withdrawn", target=user, method=ConsentMethod.GUARDIAN.value)
    return consent


def guardian_consent_attest(*, moderator: User, users, note: str) -> int:
    """A moderator records that the programme organiser (a partner school) holds guardians'
    consent for a cohort: each participant who needs it and has none in force gets a consent of
    method ``organiser`` naming the moderator and the cohort. Returns how many were recorded."""
    ensure_moderator(moderator)
    note = note.strip()[:200]
    if not note:
        raise DeliberationError(
            "note_required", _("Name the cohort the organiser attested for."), field="note"
        )
    done = 0
    with transaction.atomic():
        for user in users:
            if not user.needs_guardian_consent or user.guardian_consent_at is not None:
                continue
            now = timezone.now()
            scope = _grant(user, method=ConsentMethod.ORGANISER, research=False, now=now)
            GuardianConsent.objects.create(
                user=user,
                method=ConsentMethod.ORGANISER,
                status=GuardianConsentStatus.GRANTED,
                policy_version=settings.PRIVACY_POLICY_VERSION,
                scope=scope,
                note=note,
                attested_by=moderator,
                decided_at=now,
            )
            record(
                action="account.guardian_consent_attested",
                actor=moderator,
                target=user,
                reason=note,
                method=ConsentMethod.ORGANISER.value,
            )
            done += 1
    return done


# Who may have the participant's account erased from the link: the guardian who consented (even if
# they withdrew since). A pending or refused request's link may have reached someone who is not
# the guardian (the participant typed the address), so it cannot erase anything.
ERASABLE_BY_GUARDIAN = {GuardianConsentStatus.GRANTED, GuardianConsentStatus.WITHDRAWN}


def guardian_can_erase(consent: GuardianConsent) -> bool:
    return consent.method == ConsentMethod.GUARDIAN and consent.status in ERASABLE_BY_GUARDIAN


def account_erase_by_guardian(*, consent: GuardianConsent, keep_contributions: bool, language: str) -> None:
    """The guardian's request, from the emailed link, to erase the participant's account: carried
    out at once, exactly as the participant's own request (``accounts.datarights.account_erase``;
    what they wrote kept without their name or emptied, as the guardian chooses), recorded as
    ``account.erased`` requested by the guardian. After the commit the guardian is told in
    ``language`` (the page's) and the participant in theirs.

    The emails are sent directly, not through the task queue, whose rows would keep the
    addresses of an account that no longer exists."""
    with transaction.atomic():
        consent = GuardianConsent.objects.select_for_update().select_related("user").get(pk=consent.pk)
        if not guardian_can_erase(consent):
            raise PermissionRefused(
                "guardian_erasure_not_allowed",
                _("Only the guardian who consented can ask from this link for the account to be deleted."),
            )
        user = consent.user
        notice = partial(
            _send_erasure_notices,
            name=str(user.public_name),
            participant=(user.email, language_for(user) or settings.LANGUAGE_CODE),
            guardian=(consent.guardian_email, language),
            kept=keep_contributions,
        )
        account_erase(user=user, actor=None, keep_contributions=keep_contributions, requested_by="guardian")
        transaction.on_commit(notice)


def _send_erasure_notices(*, name: str, participant: tuple[str, str], guardian: tuple[str, str], kept: bool):
    for (address, language), template in (
        (guardian, "accounts/email/erased_for_guardian"),
        (participant, "accounts/email/erased_by_guardian"),
    ):
        with translation.override(language):
            context = {"name": name, "kept": kept, "contact_email": settings.PRIVACY_CONTACT_EMAIL}
            subject = render_to_string(f"{template}_subject.txt", context).strip()
            body = render_to_string(f"{template}_body.txt", context)
            site = gettext("Korea–Japan Future Dialogue")
        EmailMessage(f"[{site}] {subject}", body.strip() + "\n", to=[address]).send()
