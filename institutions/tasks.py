"""Tasks of this app for the queue (core.tasks)."""

from django_tasks import task

from core.tasks import supports_defer

from . import webhooks


@task()
def deliver_webhooks(delivery_ids: list[int]) -> dict[str, int]:
    """Send these deliveries if they are due. Each failed attempt that will be retried queues this
    task again for the time of the retry (where the queue can hold a task until then; otherwise
    ``manage.py deliver_webhooks`` picks it up)."""
    run = webhooks.deliver_due(ids=delivery_ids, limit=len(delivery_ids))
    if supports_defer():
        for delivery_id, due_at in run.retries:
            deliver_webhooks.using(run_after=due_at).enqueue([delivery_id])
    return {"delivered": run.delivered, "failed": run.failed, "given_up": run.given_up}
