"""What the page caches share: the CSRF token placeholder.

Cached HTML never holds a real CSRF token: it is rendered with ``CSRF_PLACEHOLDER``, which
templates print escaped (``RENDERED_PLACEHOLDER``), and each response gets its own token in its
place. User text can never produce ``RENDERED_PLACEHOLDER``: it contains ``&lt;``, and user text
is escaped, so a ``<`` typed by a user shows as ``&lt;`` and an ``&`` as ``&amp;``.
"""

from django.utils.html import escape

CSRF_PLACEHOLDER = "<csrf-token>"
RENDERED_PLACEHOLDER = escape(CSRF_PLACEHOLDER)


def with_token(html: str, token: str) -> str:
    return html.replace(RENDERED_PLACEHOLDER, escape(token))
