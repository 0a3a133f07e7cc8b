"""Minors' personal data is kept only for their programme: ``MINOR_DATA_RETENTION_DAYS`` after
the last programme they belong to ends, their account is erased (contributions kept under the
withdrawn participant, as the notice says), and ``MINOR_DATA_NOTICE_DAYS`` before that they (and
a guardian who consented by email) are told. ``manage.py purge_minor_data`` does both, daily."""

import datetime as dt

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from audit.log import record
from audit.models import AuditEntry
from core.tasks import enqueue_on_commit

from .datarights import account_erase
from .models import MINOR_BANDS, GuardianConsent, GuardianConsentStatus, User

NOTICE_ACTION = "account.retention_notice_sent"


def erase_on(last_end: dt.date | None, *, open_ended: bool) -> dt.date | None:
    """The day a minor's data goes: the end of their last programme plus the retention; None
    while a programme of theirs has no end date."""
    if open_ended or last_end is None:
        return None
    return last_end + dt.timedelta(days=settings.MINOR_DATA_RETENTION_DAYS)


def _minors():
    """Minors with a membership, each with the end of their last programme and whether one of
    their programmes has no end (two aggregates, one query)."""
    return User.objects.filter(age_band__in=MINOR_BANDS, memberships__isnull=False).annotate(
        last_end=Max("memberships__programme__ends_on"),
        open_ended=Count("memberships", filter=Q(memberships__programme__ends_on__isnull=True)),
    )


def purge_minor_data(*, today: dt.date | None = None) -> tuple[int, int]:
    """Send the notices that are due and erase the accounts whose day has come.
    Returns (notices queued, accounts erased)."""
    from .tasks import send_retention_notice

    today = today or timezone.localdate()
    notified = set(AuditEntry.objects.filter(action=NOTICE_ACTION).values_list("target_id", flat=True))
    notices = erased = 0
    for user in _minors():
        day = erase_on(user.last_end, open_ended=user.open_ended > 0)
        if day is None:
            continue
        if day <= today:
            account_erase(
                user=user, actor=None, keep_contributions=True, reason="retention after the programme"
            )
            erased += 1
        elif (
            day - dt.timedelta(days=settings.MINOR_DATA_NOTICE_DAYS) <= today and str(user.pk) not in notified
        ):
            record(action=NOTICE_ACTION, target=user, erase_on=day.isoformat())
            enqueue_on_commit(send_retention_notice, user.pk, day.isoformat())
            notices += 1
    return notices, erased


def guardian_email_of(user: User) -> str:
    consent = (
        GuardianConsent.objects.filter(user=user, status=GuardianConsentStatus.GRANTED)
        .exclude(guardian_email="")
        .order_by("-decided_at")
        .first()
    )
    return consent.guardian_email if consent else ""
