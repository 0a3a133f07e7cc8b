"""Tasks of this app for the queue (core.tasks)."""

from django_tasks import task

from . import sending


@task()
def send_notification_email(notification_id: int, base_url: str | None = None) -> bool:
    """Email one notification now (``sending.send_immediately``: storm guard, recipient's
    language); whatever is not sent is left for the next digest. ``base_url`` is the scheme and
    host of the request that queued it (None: ``SITE_URL``)."""
    return sending.send_immediately(notification_id, base_url=base_url)
