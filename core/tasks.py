"""The one task queue: django-tasks (the backport of Django 6's ``django.tasks``) with the database
backend of django-tasks-db; ``manage.py db_worker`` runs what is queued (``make run`` starts it
beside the web server). Define a task with ``@task()`` from ``django_tasks`` in ``<app>/tasks.py``
(a module-level function, JSON-serialisable arguments: pass ids, not objects) and queue it from a
service with ``enqueue_on_commit``.

Work that must not be lost is first written as rows in the transaction of the action (a webhook
delivery, a notification not yet emailed); the task only carries it out, and a sweeper command
finds what a lost task left behind. That is why queueing happens after the commit and a failure
to queue is logged rather than raised.
"""

import logging
from typing import Any

from django.db import transaction
from django_tasks import default_task_backend
from django_tasks.base import Task

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task[Any, Any], /, *args: Any, **kwargs: Any) -> None:
    """Queue ``task(*args, **kwargs)`` once the current transaction commits (at once outside one);
    nothing is queued if it rolls back."""

    def enqueue() -> None:
        try:
            task.enqueue(*args, **kwargs)
        except Exception:
            logger.exception("could not queue task %s", task.module_path)

    transaction.on_commit(enqueue)


def supports_defer() -> bool:
    """Whether the queue can hold a task until a time (``task.using(run_after=...)``); the
    immediate backend used in tests cannot."""
    return bool(default_task_backend.supports_defer)
