"""Threads from the shared cache, for visitors and participants alike.

Keys carry the proposal's activity stamp (``core.pagestamp``), which every write that changes the
page moves inside its transaction: a cached thread is never stale, and never outlives a hide.

- The page's skeleton (which root threads, the counts) per (discussion, sort, page, stamp).
- Each thread's HTML per (thread, stamp, language, sort, variant). The variant is what the
  thread looks like to a kind of viewer: a visitor, or a participant with a given participation
  refusal and translation preference. Moderators (who see hidden text) and pages with a
  translation toggle in the query are never served from it.
- The viewer's own state (their comments' controls, their pressed reactions) is applied on top:
  one small query finds the threads of the page where the viewer wrote or reacted, and those
  threads are drawn for them; every other thread looks the same to every viewer of its variant.

Cached HTML holds the CSRF placeholder (``core.pagecache``); the page gets its token on output.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import CharField, Q, Value
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from accounts.permissions import is_moderator
from core import pagecache
from translations import reading

from . import selectors
from .models import Comment

TIMEOUT = 300
MAX_QUERY = 200


@dataclass
class CachedThread:
    """A thread whose HTML came from the cache (it is not loaded from the database)."""

    pk: int
    html: str


def variant(request, refusal) -> str | None:
    """How this viewer's threads look to everyone like them, or None: no cache for them."""
    if not settings.PROPOSAL_PAGE_CACHE or request.method != "GET":
        # After a write the proposal in hand has the stamp from before it: draw afresh.
        return None
    user = request.user
    if is_moderator(user):
        return None
    reader = reading.reader(request)
    if reader.query.get(reading.SHOW_ORIGINAL) or reader.query.get(reading.SHOW_TRANSLATED):
        return None
    # The translation toggles link to the page with its query kept: the HTML depends on it.
    query = request.META.get("QUERY_STRING", "")
    if len(query) > MAX_QUERY:
        return None
    if not user.is_authenticated:
        return f"visitor:{query}"
    return f"member:{refusal.code if refusal is not None else ''}:{int(reader.translated_by_default)}:{query}"


def skeleton_key(proposal, amendment, sort: str, page: int) -> str:
    return f"threads:{proposal.pk}:{amendment.pk if amendment else 0}:{proposal.activity_stamp}:{sort}:{page}"


def _thread_key(pk: int, stamp: int, sort: str, variant_: str) -> str:
    return f"thread:{pk}:{stamp}:{get_language()}:{sort}:{variant_}"


def section_key(proposal, variant_: str, name: str) -> str:
    return f"section:{name}:{proposal.pk}:{proposal.activity_stamp}:{get_language()}:{variant_}"


def section_html(request, proposal, variant_: str, name: str, draw) -> str:
    """A whole section of the page (the same for every viewer of ``variant_``) from the cache,
    or ``draw()`` kept for the next viewer."""
    key = section_key(proposal, variant_, name)
    html = pagecache.get(key)
    if html is None:
        html = draw()
        cache.set(key, str(html), TIMEOUT)
    return mark_safe(html)  # noqa: S308 - drawn by a template, escaped there


def _viewer_state(threads, viewer) -> set[int]:
    """Roots of the loaded ``threads`` where ``viewer`` wrote or reacted (no query)."""
    if not viewer.is_authenticated:
        return set()
    return {
        thread.pk
        for thread in threads
        for comment in selectors.flatten(thread)
        if comment.author_id == viewer.pk or getattr(comment, "viewer_reaction", "")
    }


def page_roots(proposal, amendment, sort: str, page) -> list[int] | None:
    """The roots of the page's threads from its skeleton in the cache (read ahead with
    ``pagecache.prefetched``, and left there for ``thread_page``), or None when it is not kept."""
    skeleton = pagecache.peek(skeleton_key(proposal, amendment, sort, selectors.normalise_page(page)))
    return None if skeleton is None else skeleton["roots"]


def own_roots_query(roots: list[int], viewer, reactor=None):
    """The rows (``""``, root) of the threads among ``roots`` where ``viewer`` wrote or reacted,
    as a query that can be read with others' (the empty first column lines it up with them).
    ``reactor`` is the viewer again (by default): given apart for ``core.compiled.CompiledRows``,
    which needs each argument once."""
    return (
        Comment.objects.filter(root_id__in=roots)
        .filter(Q(author=viewer) | Q(reactions__user=viewer if reactor is None else reactor))
        .order_by()
        .annotate(none=Value("", output_field=CharField()))
        .values_list("none", "root_id")
        .distinct()
    )


def thread_page(
    *, proposal, amendment, sort: str, page, viewer, variant_: str, own: set[int] | None = None
) -> selectors.ThreadPage:
    """``selectors.thread_page`` with threads from the cache where they can be: the page's
    ``threads`` mixes ``CachedThread`` and loaded roots; ``comments`` holds the loaded ones only.
    ``page.fragment_keys`` names where to store the threads drawn now for everyone. ``own``: the
    roots of the page where the viewer wrote or reacted, when the caller read them already."""
    number = selectors.normalise_page(page)
    key = skeleton_key(proposal, amendment, sort, number)
    skeleton = pagecache.get(key)
    stamp = proposal.activity_stamp
    if skeleton is None:
        found = selectors.thread_page(
            proposal=proposal, amendment=amendment, sort=sort, page=number, viewer=viewer
        )
        cache.set(
            key,
            {
                "roots": [thread.pk for thread in found.threads],
                "number": found.number,
                "num_pages": found.num_pages,
                "root_count": found.root_count,
                "comment_count": found.comment_count,
            },
            TIMEOUT,
        )
        mine = _viewer_state(found.threads, viewer)
        found.fragment_keys = {
            thread.pk: _thread_key(thread.pk, stamp, sort, variant_)
            for thread in found.threads
            if thread.pk not in mine
        }
        return found

    roots = skeleton["roots"]
    if own is None:
        own = set()
        if viewer.is_authenticated and roots:
            own = {root for _none, root in own_roots_query(roots, viewer)}
    keys = {pk: _thread_key(pk, stamp, sort, variant_) for pk in roots if pk not in own}
    cached = cache.get_many(list(keys.values())) if keys else {}
    draw = [pk for pk in roots if pk in own or keys[pk] not in cached]
    loaded: dict[int, Comment] = {}
    everything: list[Comment] = []
    if draw:
        root_rows = list(Comment.objects.filter(pk__in=draw).select_related("author"))
        threads, everything = selectors.assemble(root_rows, viewer, keep_roots=True)
        loaded = {thread.pk: thread for thread in threads}
    threads_: list = []
    for pk in roots:
        if pk in loaded:
            threads_.append(loaded[pk])
        elif pk in keys and keys[pk] in cached:
            threads_.append(CachedThread(pk=pk, html=cached[keys[pk]]))
    result = selectors.ThreadPage(
        threads=threads_,
        sort=sort,
        number=skeleton["number"],
        num_pages=skeleton["num_pages"],
        root_count=skeleton["root_count"],
        comment_count=skeleton["comment_count"],
        comments=everything,
    )
    result.fragment_keys = {pk: key for pk, key in keys.items() if pk in loaded}
    return result


def store(page: selectors.ThreadPage, drawn: dict[int, str]) -> None:
    """Keep the threads just drawn (with the CSRF placeholder) that look the same to everyone."""
    keys = getattr(page, "fragment_keys", None) or {}
    found = {keys[pk]: html for pk, html in drawn.items() if pk in keys}
    if found:
        cache.set_many(found, TIMEOUT)
