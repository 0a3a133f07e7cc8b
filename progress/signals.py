"""Signals the progress services send, for apps above this one (webhooks) to act on."""

from django.dispatch import Signal

# Sent inside the transaction that moved a proposal's stage, once per change, with keyword
# arguments proposal, jurisdiction (None for the overall stage), from_stage, to_stage.
stage_changed = Signal()
