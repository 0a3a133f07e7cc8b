"""A participant's data rights: a copy of everything held about them (prepared by the task
queue, fetched through an emailed link that expires) and the erasure of their account.

The feature apps say what they hold through ``core.personaldata``; this module composes them
without importing them.
"""

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.log import record
from core import pagestamp, personaldata
from core.errors import PermissionRefused
from core.siteurl import site_url
from core.tasks import enqueue_on_commit

from .models import WITHDRAWN_EMAIL, Consent, DataExport, GuardianConsent, Membership, NationalityChange, User
from .permissions import is_moderator


def _profile(user: User) -> list[dict]:
    return [
        {
            "email": user.email,
            "email_addresses": list(
                EmailAddress.objects.filter(user=user).values("email", "verified", "primary")
            ),
            "display_name": user.display_name,
            "nationality": user.nationality,
            "preferred_language": user.preferred_language,
            "age_band": user.age_band,
            "affiliation": user.affiliation,
            "notification_frequency": user.notification_frequency,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "privacy_notice_version": user.policy_version,
            "research_consent": user.research_consent,
        }
    ]


def _consents(user: User) -> list[dict]:
    return [
        {
            "purpose": c.purpose,
            "granted": c.granted,
            "policy_version": c.policy_version,
            "method": c.method,
            "recorded_at": c.recorded_at.isoformat(),
        }
        for c in Consent.objects.filter(user=user).order_by("recorded_at", "pk")
    ]


def _guardian_consents(user: User) -> list[dict]:
    return [
        {
            "method": g.method,
            "status": g.status,
            "guardian_email": g.guardian_email,
            "scope": g.scope,
            "policy_version": g.policy_version,
            "requested_at": g.requested_at.isoformat(),
            "decided_at": g.decided_at.isoformat() if g.decided_at else None,
        }
        for g in GuardianConsent.objects.filter(user=user).order_by("pk")
    ]


def _memberships(user: User) -> list[dict]:
    return [
        {"programme": m.programme.slug, "joined_at": m.joined_at.isoformat(), "active": m.is_active}
        for m in Membership.objects.filter(user=user).select_related("programme").order_by("pk")
    ]


def _nationality_changes(user: User) -> list[dict]:
    return [
        {
            "from": n.from_nationality,
            "to": n.to_nationality,
            "reason": n.reason,
            "status": n.status,
            "requested_at": n.requested_at.isoformat(),
        }
        for n in NationalityChange.objects.filter(user=user).order_by("pk")
    ]


personaldata.register("profile", export=_profile)
personaldata.register("consents", export=_consents)
personaldata.register("guardian_consents", export=_guardian_consents)
personaldata.register("memberships", export=_memberships)
personaldata.register("nationality_changes", export=_nationality_changes)


def collect(user: User) -> dict:
    """Everything held about ``user``, by kind (their rows only)."""
    data = {kind.name: kind.export(user) for kind in personaldata.kinds()}
    return {
        "exported_at": timezone.now().isoformat(),
        "privacy_notice": settings.PRIVACY_POLICY_VERSION,
        "data": data,
    }


def data_export_request(*, user: User) -> DataExport:
    """Queue the preparation of ``user``'s data; the task emails them the link when it is ready."""
    if not user.is_authenticated:
        raise PermissionRefused("login_required", _("Log in to download your data."))
    from .tasks import prepare_data_export

    with transaction.atomic():
        export = DataExport.objects.create(
            user=user,
            token=secrets.token_urlsafe(32),
            expires_at=timezone.now() + timedelta(seconds=settings.DATA_EXPORT_MAX_AGE),
        )
        record(action="account.data_export_requested", actor=user, target=user)
        enqueue_on_commit(prepare_data_export, export.pk, site_url())
    return export


def withdrawn_participant() -> User:
    """The account that keeps contributions whose author deleted theirs: no email, no login."""
    user, created = User.objects.get_or_create(
        email=WITHDRAWN_EMAIL, defaults={"display_name": "", "is_active": False, "nationality": "OTHER"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def account_erase(
    *, user: User, actor: User | None, keep_contributions: bool, reason: str = "", requested_by: str = ""
) -> None:
    """Erase ``user``: every feature removes its rows about them (ratings and reactions leave
    their aggregates and counters exactly), comments and amendments pass to the withdrawn
    participant, kept or emptied as ``keep_contributions`` says (replies by others stay in their
    threads), then the account goes; the audit log keeps only its pseudonymous id.

    ``actor`` is the user themselves (after re-authenticating), a moderator processing an
    erasure request, or None for the retention job and for a guardian's request
    (``accounts.guardians.account_erase_by_guardian``, ``requested_by="guardian"``).
    """
    if actor is not None and actor.pk != user.pk and not is_moderator(actor):
        raise PermissionRefused("moderator_required", _("Only moderators can erase someone else's account."))
    if user.email == WITHDRAWN_EMAIL or (user.is_staff and (actor is None or actor.pk != user.pk)):
        raise PermissionRefused("not_erasable", _("This account cannot be erased here."))
    from .services import user_delete

    with transaction.atomic():
        stand_in = withdrawn_participant()
        for erase in personaldata.erasers():
            erase(user, keep_contributions=keep_contributions, stand_in=stand_in)
        record(
            action="account.erased",
            actor=actor,
            target=user,
            reason=reason,
            contributions="kept anonymised" if keep_contributions else "deleted",
            **({"requested_by": requested_by} if requested_by else {}),
        )
        # Their contributions now show the withdrawn participant (or nothing) on every page.
        pagestamp.touch_everything()
        # user_delete refuses non-superusers deleting others; the check above stands for it here.
        user_delete(
            user=user, actor=actor if actor is not None and actor.pk == user.pk else None, reason=reason
        )
