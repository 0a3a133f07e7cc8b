"""What the page does after an htmx swap: where focus goes and what is announced.

Every htmx write answers with the fragment it changed and, through ``after_swap``, an
``HX-Trigger-After-Settle`` event that static/js/site.js handles: focus moves to the first element
matching one of ``focus`` (the new comment, the reply box, the pressed control; made focusable with
``tabindex="-1"`` if it is not), and ``announce`` is read out by the page's polite live region.
Without JavaScript nothing of this is needed: the writes redirect back to the element's anchor.
"""

from collections.abc import Sequence

from django.http import HttpResponse
from django_htmx.http import trigger_client_event
from django_stubs_ext import StrPromise

EVENT = "dialogue:after-swap"
# In ``focus``: the element of the new content with the id of the button that sent the request
# (the reaction or vote just pressed, re-rendered with its new state).
SUBMITTER = "@submitter"


def after_swap(
    response: HttpResponse, *, focus: str | Sequence[str], announce: str | StrPromise | None = None
) -> HttpResponse:
    selectors = [focus] if isinstance(focus, str) else list(focus)
    params = {"focus": selectors, "announce": str(announce) if announce else ""}
    return trigger_client_event(response, EVENT, params, after="settle")
