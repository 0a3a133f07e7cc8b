"""Signals the progress services send, for apps above this one (webhooks) to act on."""

from django.dispatch import Signal

# Sent inside the transaction that moved a proposal's stage, once per jurisdiction that moved, with
# keyword arguments proposal, jurisdiction, from_stage, to_stage and overall: (from, to) of the
# proposal's overall stage when that move also moved it, else None. An overall move on its own
# (no jurisdiction moved) is sent with jurisdiction None and overall set.
stage_changed = Signal()
