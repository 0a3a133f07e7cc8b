"""What the page caches share: the CSRF token placeholder, and parts of a page kept whole.

Cached HTML never holds a real CSRF token: it is rendered with ``CSRF_PLACEHOLDER``, which
templates print escaped (``RENDERED_PLACEHOLDER``), and each response gets its own token in its
place. User text can never produce ``RENDERED_PLACEHOLDER``: it contains ``&lt;``, and user text
is escaped, so a ``<`` typed by a user shows as ``&lt;`` and an ``&`` as ``&amp;``.
"""

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CSRF_PLACEHOLDER = "<csrf-token>"
RENDERED_PLACEHOLDER = escape(CSRF_PLACEHOLDER)
T = TypeVar("T")


def with_token(html: str, token: str) -> str:
    """``html`` with ``token`` in place of the placeholder; as it is when ``token`` is the
    placeholder itself (a part left for its page to put the token in once, everywhere)."""
    if token == CSRF_PLACEHOLDER:
        return html
    return html.replace(RENDERED_PLACEHOLDER, escape(token))


def request_token(request) -> str:
    """This request's CSRF token for its forms: ``get_token(request)``, masked once per request
    and CSRF secret. Django masks the secret anew on every call (32 random characters each, about
    0.2 ms), and a participant's page or a write's answer asked four times. One masked token in
    every form of one response is what the ``{% csrf_token %}`` of one template render gives too;
    after the secret rotates (a login), the next call masks the new one."""
    secret = request.META.get("CSRF_COOKIE")
    kept = getattr(request, "_masked_csrf_token", None)
    if secret is not None and kept is not None and kept[0] == secret:
        return kept[1]
    token = get_token(request)
    request._masked_csrf_token = (request.META.get("CSRF_COOKIE"), token)
    return token


# A page kept whole for many viewers (a *frame*) marks where each response puts its viewer's own
# part with a slot. Like the CSRF placeholder a slot contains "<", which user text only ever shows
# escaped, so no text can pose as one; the template prints it unescaped (``slot`` is safe).
_SLOT = re.compile(r"<page-slot:([a-z]+)>")


def slot(name: str) -> SafeString:
    """The mark of the slot ``name`` (lowercase letters), to put in the context a frame is drawn with."""
    return mark_safe(f"<page-slot:{name}>")  # noqa: S308 - our own mark, no user text


def frame(html: str) -> list[str]:
    """``html`` drawn with slots, cut at them: text, slot name, text, ... (the form that is kept)."""
    return _SLOT.split(html)


def filled(pieces: list[str], parts: Mapping[str, str]) -> str:
    """The frame ``pieces`` with each slot replaced by its part from ``parts``."""
    out = list(pieces)
    out[1::2] = [parts[name] for name in pieces[1::2]]
    return "".join(out)


# Nothing kept here outlives this, so that time-dependent text (a participation window that opens)
# is at most this late; writes never wait for it (the keys carry the proposal's activity stamp).
TIMEOUT = 300


def cacheable_request(request) -> bool:
    """Whether parts of the page may come from the cache for this request: a GET with the page
    caches on. After a write (a POST answered with a part of the page) the proposal in hand has
    the stamp from before it: such parts are drawn afresh."""
    return bool(settings.PROPOSAL_PAGE_CACHE) and request.method == "GET"


# The values of the keys a page asked for at once (``prefetched``), each answered once.
_PREFETCHED: ContextVar[dict[str, Any] | None] = ContextVar("pagecache_prefetched", default=None)


@contextmanager
def prefetched(keys: Iterable[str]) -> Iterator[None]:
    """Read ``keys`` in one round trip to the cache: inside the block, the first ``get`` of each
    is answered from it (a miss as None) and later ones from the cache again, so that a value
    drawn and kept after a miss is what they see."""
    wanted = list(keys)
    found = cache.get_many(wanted) if wanted else {}
    token = _PREFETCHED.set({key: found.get(key) for key in wanted})
    try:
        yield
    finally:
        _PREFETCHED.reset(token)


def get(key: str) -> Any:
    """``cache.get(key)``, from what ``prefetched`` read when it read ``key`` and nobody asked yet."""
    known = _PREFETCHED.get()
    if known is not None and key in known:
        return known.pop(key)
    return cache.get(key)


def peek(key: str) -> Any:
    """What ``prefetched`` read for ``key``, left for the ``get`` that follows (None if not read)."""
    known = _PREFETCHED.get()
    return None if known is None else known.get(key)


def kept(key: str, draw: Callable[[], T]) -> T:
    """What is kept under ``key`` (which must carry the proposal's activity stamp and everything
    else the value depends on), or ``draw()`` kept for the next reader."""
    value = get(key)
    if value is None:
        value = draw()
        cache.set(key, value, TIMEOUT)
    return value


def fragment(key: str, draw: Callable[[], str]) -> SafeString:
    """HTML kept under ``key`` (see ``kept``), drawn by a template (which escaped what it shows)."""
    return mark_safe(kept(key, lambda: str(draw())))  # noqa: S308 - drawn by a template, escaped there
