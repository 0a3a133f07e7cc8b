"""Emailing notifications (created by ``services.notify``), per the recipient's setting.

- ``immediately``: one email soon after the action's transaction commits (the task
  ``notifications.tasks.send_notification_email``, run by the worker), in the recipient's language.
  Storm guard: at most one immediate email per recipient, kind and topic (the proposal) in
  ``STORM_WINDOW``. Later notifications in the window are not dropped: they stay un-emailed and go
  out, folded together, in the next run of ``send_notification_digests``.
- ``daily``: nothing at once; ``send_notification_digests`` (run it once a day) sends ONE email per
  recipient with everything not yet emailed from the last ``DIGEST_MAX_AGE``.
- ``off``: never emailed; still listed on the profile page.

``emailed_at`` is claimed (set) before an email is sent and cleared again if sending fails, so no
notification is emailed twice and a failed one is retried by the next digest.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import NotificationFrequency, User
from core import siteurl
from core.languages import LANGUAGE_CODES

from .models import Notification

logger = logging.getLogger(__name__)

STORM_WINDOW = dt.timedelta(minutes=10)
DIGEST_MAX_AGE = dt.timedelta(days=7)
DIGEST_MAX_ITEMS = 50


def send_immediately(notification_id: int, *, base_url: str | None = None) -> bool:
    """Email one notification now unless the storm guard holds it back. Returns whether it was sent.

    Links start with ``base_url`` (the scheme and host of the request that caused it) or, without
    one, ``core.siteurl.site_url()``."""
    now = timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_related("recipient")
            .filter(pk=notification_id, emailed_at=None)
            .first()
        )
        if notification is None:
            return False
        recipient = notification.recipient
        if recipient.notification_frequency != NotificationFrequency.IMMEDIATELY or not recipient.is_active:
            return False
        # Serialise the check-then-claim per recipient: a row lock on PostgreSQL; SQLite transactions
        # here are IMMEDIATE, which serialises writers anyway.
        list(User.objects.select_for_update().filter(pk=recipient.pk).values_list("pk"))
        recently_emailed = (
            Notification.objects.filter(
                recipient=recipient,
                kind=notification.kind,
                topic=notification.topic,
                emailed_at__gte=now - STORM_WINDOW,
            )
            .exclude(pk=notification.pk)
            .exists()
        )
        if recently_emailed:
            return False  # held for the next digest
        Notification.objects.filter(pk=notification.pk).update(emailed_at=now)
    render = partial(_render_single, base=(base_url or siteurl.site_url()).rstrip("/"))
    return _send_or_release(recipient, [notification], now, render)


def send_digests(*, now: dt.datetime | None = None) -> int:
    """Send one email per recipient with all their un-emailed notifications. Returns emails sent.

    Idempotent: what was emailed is marked, so a second run sends nothing. Recipients who chose
    ``off`` are skipped; ``immediately`` recipients get what the storm guard held back.
    """
    now = now or timezone.now()
    recipient_ids = (
        Notification.objects.filter(
            emailed_at=None, created_at__gte=now - DIGEST_MAX_AGE, recipient__is_active=True
        )
        .exclude(recipient__notification_frequency=NotificationFrequency.OFF)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    for recipient_id in sorted(set(recipient_ids)):
        with transaction.atomic():
            recipient = User.objects.select_for_update().get(pk=recipient_id)
            items = list(
                Notification.objects.filter(
                    recipient=recipient, emailed_at=None, created_at__gte=now - DIGEST_MAX_AGE
                ).order_by("created_at", "pk")
            )
            if not items:
                continue
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
        if _send_or_release(recipient, items, now, partial(_render_digest, base=siteurl.site_url())):
            sent += 1
    return sent


# --- Rendering ----------------------------------------------------------------------------------


def localise(value, language: str):
    """Pick ``language`` from a per-language dict (falling back to English, then any); other values
    are returned as they are."""
    if isinstance(value, dict) and any(code in value for code in LANGUAGE_CODES):
        return value.get(language) or value.get(settings.LANGUAGE_CODE) or next(iter(value.values()), "")
    return value


def localised_path(url: str, language: str) -> str:
    """Swap a leading language prefix (``/ja/...``) for ``language``."""
    for code in LANGUAGE_CODES:
        prefix = f"/{code}/"
        if url.startswith(prefix):
            return f"/{language}/{url[len(prefix) :]}"
    return url


def absolute_url(url: str, language: str, *, base: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return base + localised_path(url, language)


def _item_context(notification: Notification, language: str, base: str) -> dict:
    data = {key: localise(value, language) for key, value in notification.data.items()}
    data.setdefault("decision", data.get("state"))  # amendments send their state under that name
    return {
        "notification": notification,
        "kind": notification.kind,
        "data": data,
        "url": absolute_url(notification.url, language, base=base),
        "subject_template": f"notifications/email/{notification.kind}_subject.txt",
    }


def _render_single(recipient: User, notifications: list[Notification], *, base: str) -> tuple[str, str]:
    notification = notifications[0]
    language = translation.get_language()
    context = {
        "recipient": recipient,
        "profile_url": absolute_url(reverse("accounts:profile"), language, base=base),
        **_item_context(notification, language, base),
    }
    prefix = f"notifications/email/{notification.kind}"
    return (
        render_to_string(context["subject_template"], context),
        render_to_string(f"{prefix}_body.txt", context),
    )


def _render_digest(recipient: User, notifications: list[Notification], *, base: str) -> tuple[str, str]:
    language = translation.get_language()
    shown = notifications[:DIGEST_MAX_ITEMS]
    context = {
        "recipient": recipient,
        "items": [_item_context(n, language, base) for n in shown],
        "count": len(notifications),
        "more": len(notifications) - len(shown),
        "profile_url": absolute_url(reverse("accounts:profile"), language, base=base),
    }
    return (
        render_to_string("notifications/email/digest_subject.txt", context),
        render_to_string("notifications/email/digest_body.txt", context),
    )


def _send_or_release(
    recipient: User, notifications: Iterable[Notification], now: dt.datetime, render
) -> bool:
    """Render in the recipient's language and send; on failure un-claim so a later digest retries."""
    notifications = list(notifications)
    language = recipient.preferred_language if recipient.preferred_language in LANGUAGE_CODES else "en"
    try:
        with translation.override(language):
            subject, body = render(recipient, notifications)
            subject = " ".join(subject.split("\n")).strip()
            site = gettext("Korea–Japan Future Dialogue")
            EmailMessage(f"[{site}] {subject}", body.strip() + "\n", to=[recipient.email]).send()
    except Exception:
        logger.exception("notification email to user %s failed", recipient.pk)
        Notification.objects.filter(pk__in=[n.pk for n in notifications], emailed_at=now).update(
            emailed_at=None
        )
        return False
    return True
