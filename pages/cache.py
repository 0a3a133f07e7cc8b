"""The proposal page for visitors, from the shared cache.

A visitor's page depends on the proposal's state, the language and the page's query (sort, page of
threads) only; its key carries the proposal's activity stamp (``core.pagestamp``), which every write
that changes the page moves inside its own transaction. A write therefore makes the cached page
unreachable at its commit: no page is ever served stale, and none needs deleting.

The page carries a CSRF token (htmx's header on ``<body>``, the language switch, the forms): it is
rendered with a placeholder that cannot come from user text (it contains ``<``, which user text
only ever shows escaped) and each response gets its own token in its place.
"""

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

from core.pagecache import CSRF_PLACEHOLDER, RENDERED_PLACEHOLDER, request_token
from proposals.selectors import NOT_READ

# Query parameters the cached page may have; any other (a translation toggle, a common-ground tab)
# is rendered afresh.
CACHED_PARAMS = {"sort", "page"}
MAX_QUERY = 40
# Nothing cached outlives this, so that time-dependent text (a participation window that opens)
# is at most this late; writes never wait for it (the stamp).
TIMEOUT = 300


def cacheable(request: HttpRequest) -> bool:
    """A visitor's plain GET, with no message waiting to be shown and no other parameters."""
    if not settings.PROPOSAL_PAGE_CACHE:
        return False
    if request.method != "GET" or request.user.is_authenticated or getattr(request, "htmx", False):
        return False
    query = request.META.get("QUERY_STRING", "")
    if len(query) > MAX_QUERY or any(
        name not in CACHED_PARAMS or len(values) != 1 for name, values in request.GET.lists()
    ):
        return False
    return not len(messages.get_messages(request))


def page_key_around(request: HttpRequest) -> tuple[str, str]:
    """The page's key as its start and end around ``"<pk>:<stamp>"``: what the stamp mirror
    reads with the stamp, in one round trip (``proposals.selectors.page_stamp_then_get``)."""
    language = get_language() or settings.LANGUAGE_CODE
    return "page:proposal:", f":{language}:{request.META.get('QUERY_STRING', '')}"


def page_key(request: HttpRequest, pk: int, stamp: int) -> str:
    start, end = page_key_around(request)
    return f"{start}{pk}:{stamp}{end}"


def with_token(request: HttpRequest, content: bytes) -> HttpResponse:
    """The cached content with this request's CSRF token (which also sets the CSRF cookie)."""
    token = request_token(request).encode("ascii")
    response = HttpResponse(content.replace(RENDERED_PLACEHOLDER.encode("ascii"), token))
    return response


def cached_page(
    request: HttpRequest, pk: int, stamp: int, render, content: object = NOT_READ
) -> HttpResponse:
    """The visitor's page from the cache (``content``, when already read with the stamp), or
    ``render(extra_context)`` stored for the next one. ``render`` is called with the placeholder
    token in the context. ``stamp`` must be read before anything the page shows: what is
    rendered is then at least as new as the stamp says."""
    key = page_key(request, pk, stamp)
    if content is NOT_READ:
        content = cache.get(key)
    if not isinstance(content, bytes):
        response = render({"csrf_token": CSRF_PLACEHOLDER})
        if response.status_code != 200:
            return response
        cache.set(key, response.content, TIMEOUT)
        return with_token(request, response.content)
    return with_token(request, content)
