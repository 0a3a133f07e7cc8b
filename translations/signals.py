"""Signals of the translation store.

``translation_changed`` is sent after the commit of every write to a translation (by
``services._changed``), with ``source_kind``, ``source_id`` and ``target_language``: what a reader
of that text in that language sees may have changed (e.g. a cached page must be made again).
"""

from django.dispatch import Signal

translation_changed = Signal()
