"""List pages of the API kept in the shared cache, serialised, with their ETag.

A page is keyed by what it depends on: a stamp that every write changing its content moves (the
proposal's activity stamp for its comments, ``core.pagestamp``; the proposals' ``list_stamp`` for
the proposal list), the path and the full query string (filters, page, cursor, page size,
``?lang=``), the language negotiated from ``Accept-Language``, the scheme and host (the links in
the page are absolute) and, for comments, the common-ground thresholds. Nothing in these pages
depends on the key that asks (its institution or scopes: both answer the same), so keys share them;
the body is always plain JSON (``api.negotiation``: no other renderer, no ``indent``). Edits no
service makes (a programme or a publication changed in the admin) move the stamps too
(``proposals.signals``).

The stamp is read before anything the page shows, so what is stored is at least as new as its
key says, and a write makes every page stored before it unreachable at its commit: no page is
ever served stale and none needs deleting (the entries expire unread). Only 200 answers are stored;
errors (a bad cursor, a bad ``updated_since``) are computed every time, from the same query string.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language
from rest_framework.response import Response

from core import stampmirror


def enabled() -> bool:
    """Only with Redis as the shared cache (production, ``make bench``): there the stamps and the
    pages come without a query (``core.stampmirror``). With the database cache a hit would cost as
    many queries as the page saves; with a per-process cache each worker would keep its own copy."""
    return settings.API_RESPONSE_CACHE and stampmirror.enabled()


# Nothing stored outlives this (the stamp, not time, keeps pages fresh: see above).
TIMEOUT = 300


def response_key(request, what: str, stamp: object, *extra: object) -> str:
    parts = [
        str(stamp),
        request.path,
        request.META.get("QUERY_STRING", ""),
        get_language() or "",
        request.build_absolute_uri("/"),
        *map(repr, extra),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"api:{what}:{digest}"


class StoredPage(Response):
    """A page from the cache: its JSON as stored (no serialising, no rendering) and its ETag."""

    def __init__(self, body: bytes, etag: str):
        super().__init__(data=None)
        self.body, self.etag = body, etag

    @property
    def rendered_content(self):
        renderer = self.accepted_renderer  # as DRF's Response sets it
        charset = renderer.charset
        self["Content-Type"] = f"{renderer.media_type}; charset={charset}" if charset else renderer.media_type
        return self.body


class CachedList:
    """For a list view with ``api.conditional.ConditionalList`` after it: ``cache_stamp(request,
    **kwargs)`` gives the stamp (read first); the page is served from the cache when stored."""

    cache_name = ""
    stamp: object = None

    def cache_stamp(self, request, **kwargs) -> object:
        raise NotImplementedError

    def cache_extra(self) -> tuple:
        return ()

    def get(self, request, *args, **kwargs):
        self.store_as = None
        if not enabled():
            return super().get(request, *args, **kwargs)
        self.stamp = self.cache_stamp(request, **kwargs)
        key = response_key(request, self.cache_name, self.stamp, *self.cache_extra())
        stored = cache.get(key)
        if stored is not None:
            return StoredPage(*stored)
        self.store_as = key
        return super().get(request, *args, **kwargs)

    def store(self, request, response, etag: str) -> Response:
        """After the miss: the page rendered once, stored with its ETag, and answered as stored."""
        body = request.accepted_renderer.render(
            response.data,
            request.accepted_media_type,
            self.get_renderer_context(),  # type: ignore[attr-defined]
        )
        cache.set(self.store_as, (body, etag), TIMEOUT)
        page = StoredPage(body, etag)
        for name, value in response.items():
            page[name] = value
        return page
