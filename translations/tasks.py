"""Tasks of this app for the queue (core.tasks)."""

from django_tasks import task

from . import services


@task()
def translate_machine(translation_id: int) -> str:
    """Make one queued machine translation (``services.machine_run``): a provider's failure is
    recorded on the row and retried later, never raised."""
    return services.machine_run(translation_id=translation_id)
