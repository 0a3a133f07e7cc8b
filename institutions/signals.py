"""Receivers for what happens elsewhere that an institution may subscribe to."""

from core.tasks import enqueue_on_commit

from . import tasks, webhooks


def on_stage_changed(
    sender=None,
    *,
    proposal,
    jurisdiction: str | None,
    from_stage: str | None,
    to_stage: str | None,
    overall: tuple[str | None, str | None] | None = None,
    **kwargs,
) -> None:
    """A proposal's stage moved in a jurisdiction (and with it, when ``overall`` is given, its
    overall stage; ``jurisdiction`` None: only its overall stage moved); connected to
    ``progress.signals.stage_changed``, sent inside the transaction that moved it. The webhook
    deliveries are written in that transaction (the outbox) and sent by the worker once it commits."""
    deliveries = webhooks.write_stage_changed(
        proposal=proposal,
        jurisdiction=jurisdiction,
        from_stage=from_stage,
        to_stage=to_stage,
        overall=overall,
    )
    if deliveries:
        enqueue_on_commit(tasks.deliver_webhooks, [delivery.pk for delivery in deliveries])
