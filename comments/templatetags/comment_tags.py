"""Rendering of comment text: plain text, escaped, with safe links and line breaks kept."""

import re

from django import template
from django.utils.html import escape, urlize
from django.utils.safestring import SafeString, mark_safe

from core.text import without_direction_overrides

register = template.Library()

# Django's urlize finds links between whitespace only, but Japanese and Korean text often runs
# straight into a URL ("詳細はhttps://example.jp/を参照"). URLs are ASCII, so an ASCII run starting
# at the scheme is cut out first and handed to urlize on its own.
URL_RUN = re.compile(r"https?://[!-~]+", re.ASCII)
TRIM_URL = 60
# A superset of what urlize links (django.utils.html.Urlizer: simple_url_re, simple_url_2_re and
# is_email_simple, all case-insensitive).
MAY_LINK = re.compile(r"://|www\.|@|\.(?:com|edu|gov|int|mil|net|org)", re.IGNORECASE)


@register.filter(is_safe=True)
def comment_text(value: str) -> SafeString:
    """Escape ``value``, link its URLs (rel="nofollow", long ones shortened) and keep its line
    breaks. Everything the user typed passes through ``urlize`` with autoescape on. Direction
    overrides (U+202E…) are dropped so that they cannot make the text read otherwise than typed."""
    value = without_direction_overrides(value)
    pieces = []
    position = 0
    for match in URL_RUN.finditer(value):
        url, trail = _split_trail(match.group(0))
        pieces += [_linked(value[position : match.start()]), _linked(url), escape(trail)]
        position = match.end()
    pieces.append(_linked(value[position:]))
    # Each piece is already escaped by urlize; join them and turn newlines into <br>.
    return mark_safe("".join(pieces).replace("\n", "<br>"))  # noqa: S308


def _split_trail(url: str) -> tuple[str, str]:
    """Punctuation that ends a sentence rather than the URL. Done here because Django's urlize
    drops a character of "(https://a.example/x)." when it trims both."""
    trail = ""
    while url:
        last = url[-1]
        unbalanced = {")": "(", "]": "["}.get(last)
        if last in ".,:;!?'\"*" or (unbalanced and url.count(unbalanced) < url.count(last)):
            url, trail = url[:-1], last + trail
        else:
            break
    return url, trail


def _linked(text: str) -> str:
    if not text:
        return ""
    if not MAY_LINK.search(text):
        # urlize links only words with a scheme, "www.", an address or one of its top-level
        # domains, and escapes every other word: most comments have none, and skip its pass.
        return escape(text)
    return urlize(text, trim_url_limit=TRIM_URL, nofollow=True, autoescape=True)


# --- The thread, drawn in one pass (comments.rendering) ------------------------------------------


def _parts(context, section):
    from ..rendering import parts_for

    token = context.get("csrf_token")
    return parts_for(section, context.get("request"), None if token is None else str(token))


@register.simple_tag(takes_context=True)
def render_threads(context, section) -> SafeString:
    """The page's threads, each ``<li><div class="thread">…</div></li>``."""
    from ..rendering import page_threads

    token = context.get("csrf_token")
    return page_threads(section, context.get("request"), None if token is None else str(token))


@register.simple_tag(takes_context=True)
def render_thread(context, section, thread) -> SafeString:
    return _parts(context, section).thread(thread)


@register.simple_tag(takes_context=True)
def render_reactions(context, section, comment, error=None) -> SafeString:
    return mark_safe(_parts(context, section).reactions_html(comment, error or None))  # noqa: S308
