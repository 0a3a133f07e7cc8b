"""Notifications: created by the services of other apps, emailed per the recipient's setting."""

from .models import Kind, Notification


def notify(*, recipient, kind: Kind, data: dict, url: str = "") -> Notification:
    """Record a notification for ``recipient``. Call inside the transaction of the action.

    ``data`` must be JSON-serialisable and carry what the email needs in any language (e.g. the
    proposal's title in en/ko/ja), because the email is rendered later in the recipient's language.
    """
    return Notification.objects.create(recipient=recipient, kind=kind, data=data, url=url)
