"""Receivers for what happens elsewhere that an institution may subscribe to."""

from . import webhooks


def on_stage_changed(
    sender=None, *, proposal, jurisdiction: str | None, from_stage: str | None, to_stage: str | None, **kwargs
) -> None:
    """A proposal's stage moved (``jurisdiction`` None: its overall stage); connected to
    ``progress.signals.stage_changed``, sent inside the transaction that moved it, so webhook
    deliveries are queued only once it commits."""
    webhooks.enqueue_stage_changed(
        proposal=proposal, jurisdiction=jurisdiction, from_stage=from_stage, to_stage=to_stage
    )
