"""Tasks of this app for the queue (core.tasks)."""

from django_tasks import task

from . import services


@task()
def refresh_common_ground(comment_id: int) -> None:
    """Recompute a comment's common-ground label when held reactions start to count."""
    services.common_ground_refresh(comment_id=comment_id)
