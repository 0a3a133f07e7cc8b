"""Notifications: created by the services of other apps, emailed per the recipient's setting
(``notifications.sending``, run by the worker and the digest command).

- ``immediately``: one email soon after the action's transaction commits (the task
  ``notifications.tasks.send_notification_email``), in the recipient's language. The storm guard
  holds back repeats for the next digest (``sending.STORM_WINDOW``).
- ``daily``: nothing at once; ``send_notification_digests`` (run it once a day) sends ONE email per
  recipient with everything not yet emailed.
- ``off``: never emailed; still listed on the profile page.
"""

from django.utils import timezone

from accounts.models import NotificationFrequency, User
from core import siteurl
from core.tasks import enqueue_on_commit

from . import tasks
from .models import Kind, Notification


def notify(*, recipient: User, kind: Kind | str, data: dict, url: str = "", topic: str = "") -> Notification:
    """Record a notification for ``recipient``. Call inside the transaction of the action.

    ``data`` must be JSON-serialisable and carry what the email needs in any language, because the
    email is rendered later in the recipient's language. Values that differ per language are dicts
    ``{"en": ..., "ko": ..., "ja": ...}``. Keys the templates read:

    - all kinds: ``proposal_id`` (or ``proposal``, the slug), ``proposal_title`` (per language)
    - reply: ``author_name`` (the replier's public name), ``excerpt`` (start of the reply)
    - amendment_decided: ``decision`` or ``state`` ("accepted" / "rejected"), ``reason`` (optional)
    - stage_changed: ``stage_label`` (per language)

    ``url`` is a path on this site (a language prefix is swapped for the recipient's language). In
    the email it starts with the scheme and host of the request that caused it (``core.siteurl``),
    or ``SITE_URL`` when there is none.
    ``topic`` groups notifications for the storm guard; by default the proposal (id, else slug).
    Don't notify people of their own actions: that is the caller's decision.
    """
    if not topic:
        if data.get("proposal_id") is not None:
            topic = f"proposal:{data['proposal_id']}"
        elif data.get("proposal"):
            topic = f"proposal:{data['proposal']}"
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, data=data, url=url, topic=topic[:100]
    )
    if recipient.notification_frequency == NotificationFrequency.IMMEDIATELY:
        # Sent by the worker after the commit: a slow or failing mail server never holds up or
        # breaks the participant's action. Not sent (or not queued) stays for the next digest.
        # The worker has no request: the links' scheme and host go with the task.
        enqueue_on_commit(tasks.send_notification_email, notification.pk, base_url=siteurl.in_request())
    return notification


def mark_read(*, user: User, ids: list[int]) -> int:
    """Mark ``user``'s notifications ``ids`` read (others' are left alone); returns how many changed."""
    return Notification.objects.filter(recipient=user, pk__in=ids, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; returns how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
