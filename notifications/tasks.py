"""Tasks of this app for the queue (core.tasks)."""

from django_tasks import task

from . import sending


@task()
def send_notification_email(notification_id: int) -> bool:
    """Email one notification now (``sending.send_immediately``: storm guard, recipient's
    language); whatever is not sent is left for the next digest."""
    return sending.send_immediately(notification_id)
