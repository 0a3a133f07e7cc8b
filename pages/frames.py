"""A participant's proposal page kept whole in the shared cache, as a *frame* with slots.

A participant's page looks the same to everyone who sees it alike - the same variant
(``comments.fragments.variant``: their participation refusal, how they read translations, the
page's query), staff or not (the header's admin link), the language and the path - except for
three parts of their own:

- ``ratings``: the rating section (their scores, the forms to change or withdraw them);
- ``form``: the new-comment form (the language they write in preselected, its own client token);
- ``threads``: the page's threads (those where they wrote or reacted are drawn for them,
  ``comments.fragments``).

The frame is the page drawn once with a slot in place of each (``core.pagecache.slot``) and the
CSRF placeholder in place of the token, kept under the proposal's activity stamp, which every
write that changes the page moves inside its transaction (``core.pagestamp``): a frame is never
stale and needs no deleting. Each response fills the slots for its viewer and puts in its token,
so drawing the page's template (the header, the article, the amendments and common-ground
sections, the comment list's sort and page links) is left to the first viewer of each stamp.

A page with a message to show is drawn whole (the messages are the viewer's own), as are a
moderator's (who sees hidden text: no variant) and a visitor's (``pages.cache`` keeps theirs).
"""

import dataclasses
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language

from comments import fragments
from comments import rendering as comment_rendering
from comments import selectors as comment_selectors
from core import compiled, pagecache
from ratings import sections as rating_sections
from ratings import selectors as rating_selectors


def key(request: HttpRequest, proposal, refusal) -> str | None:
    """The key of the frame this participant's page is drawn from, or None: drawn whole."""
    user = request.user
    if not user.is_authenticated:
        return None
    variant = fragments.variant(request, refusal)
    if variant is None or len(messages.get_messages(request)):
        return None
    return ":".join(
        [
            "frame",
            "proposal",
            str(proposal.pk),
            str(proposal.activity_stamp),
            get_language(),
            str(int(user.is_staff)),
            request.path,
            variant,
        ]
    )


def own_keys(request: HttpRequest, proposal) -> list[str]:
    """The cached parts the viewer's own parts are drawn from (read with the frame, at once)."""
    return [
        rating_sections.figures_key(proposal),
        fragments.skeleton_key(
            proposal,
            None,
            comment_selectors.normalise_sort(request.GET.get("sort")),
            comment_selectors.normalise_page(request.GET.get("page")),
        ),
    ]


def _own_state_query(user: int, proposal: int, *threads: int) -> QuerySet:
    """The query of ``own_state``; ``threads``: the viewer's key twice (as the author, as the one
    reacting) then the page's roots, or nothing when the page has no threads."""
    rows = rating_selectors.scores_query(user=user, proposal=proposal)
    if not threads:
        return rows
    author, reactor, *roots = threads
    return rows.union(fragments.own_roots_query(roots, author, reactor))


# Read on every participant's proposal page: compiled once per number of threads on the page.
_OWN_STATE = compiled.CompiledRows(_own_state_query)


def own_state(request: HttpRequest, proposal) -> tuple[dict[str, int] | None, set[int] | None]:
    """The viewer's scores (``ratings.selectors.scores_of``) and the roots of the page's threads
    where they wrote or reacted (``comments.fragments.thread_page``), in one query; (None, None)
    when the page's list of threads is not in the cache (each section then reads its own)."""
    roots = fragments.page_roots(
        proposal,
        None,
        comment_selectors.normalise_sort(request.GET.get("sort")),
        request.GET.get("page"),
    )
    if roots is None:
        return None, None
    viewer = request.user.pk
    assert viewer is not None  # a participant's page (frames.key)
    rows = _OWN_STATE(viewer, proposal.pk, *((viewer, viewer, *roots) if roots else ()))
    mine: dict[str, int] = {}
    own: set[int] = set()
    for criterion, value in rows:
        # A criterion is never empty: the threads' rows have "" in its place.
        if criterion:
            mine[criterion] = value
        else:
            own.add(value)
    return mine, own


def own_parts(request: HttpRequest, context: dict[str, Any]) -> dict[str, str]:
    """What fills the slots for this viewer, from the page's ``context``: its ``proposal``, the
    ``ratings`` and ``comment_section`` of the sections."""
    section = context["comment_section"]
    ratings = {"proposal": context["proposal"], "ratings": context["ratings"]}
    return {
        "ratings": render_to_string("ratings/_proposal_section.html", ratings, request=request),
        "form": section.form_html,
        # The placeholder stays: the response puts the token in once, for the whole page.
        "threads": comment_rendering.page_threads(section, request, pagecache.CSRF_PLACEHOLDER),
    }


def response(request: HttpRequest, pieces: list[str], parts: dict[str, str]) -> HttpResponse:
    """The frame ``pieces`` filled with ``parts``, with this request's CSRF token."""
    return HttpResponse(
        pagecache.with_token(pagecache.filled(pieces, parts), pagecache.request_token(request))
    )


def drawn(request: HttpRequest, frame_key: str, context: dict[str, Any]) -> HttpResponse:
    """The page drawn from its ``context`` as a frame, kept under ``frame_key``, and filled for
    this viewer."""
    section = context["comment_section"]
    frame_section = dataclasses.replace(
        section,
        form_html=pagecache.slot("form") if section.form_html else "",
        threads_html=pagecache.slot("threads"),
    )
    frame_context = {
        **context,
        "ratings_html": pagecache.slot("ratings"),
        "comment_section": frame_section,
        "csrf_token": pagecache.CSRF_PLACEHOLDER,
    }
    pieces = pagecache.frame(render_to_string("proposals/detail.html", frame_context, request=request))
    cache.set(frame_key, pieces, pagecache.TIMEOUT)
    return response(request, pieces, own_parts(request, context))
