"""A page of comment threads rendered in one pass, in Python.

The thread used to be a recursive ``{% include %}`` of ``_comment.html`` with its own includes
(reactions, report control, translation label), URL reversals and CSRF tags per comment: about
1 ms a comment, most of it the template engine resolving variables. Here everything that is the
same for the whole page is prepared once (``PageParts``: translated words, URL prefixes reversed
once, the CSRF input, language names), and each comment is a handful of string joins over
escaped values. The templates ``_thread.html``, ``_comment.html`` and ``_reactions.html`` call
this module, so there is one way to draw a comment.

What depends on the viewer (pressed reactions, own-comment controls, the report form, the
participation refusal) comes from ``sections.decorate`` flags on each comment, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import formats, timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_info, gettext

from core import sections as core_sections
from core.pagecache import CSRF_PLACEHOLDER, request_token, with_token
from translations import reading
from translations.labels import label_html

from . import fragments
from .models import Reaction, Stance
from .templatetags.comment_tags import comment_text
from .translatable import KIND

SENTINEL = 2147483647


def url_maker(name: str, **kwargs) -> Callable[[int], str]:
    """``name`` reversed once with a stand-in pk; the result fills in any pk by concatenation."""
    head, tail = reverse(name, kwargs={**kwargs, "pk": SENTINEL}).split(str(SENTINEL), 1)
    return lambda pk: f"{head}{pk}{tail}"


class _Shared:
    """What ``PageParts`` takes from the proposal's slug and the active language only: the action
    URLs (five ``reverse`` calls), the words, the date format. Made once per process for each
    (language, script prefix, slug) and shared, read only, by every page and answer drawing that
    proposal's comments (about 0.6 ms a request on a comment write, py-spy --gil)."""

    def __init__(self, slug: str) -> None:
        self.reply_url = url_maker("comments:reply", slug=slug)
        self.edit_url = url_maker("comments:edit", slug=slug)
        self.delete_url = url_maker("comments:delete", slug=slug)
        self.react_url = url_maker("comments:react", slug=slug)
        self.translate_url = url_maker("translations:translate", kind=KIND)
        self.datetime_format = formats.get_format("DATETIME_FORMAT")
        self.language = get_language()
        # No seconds or zone in the format (ours): one minute reads the same for every comment.
        self.by_minute = not (FINER_THAN_MINUTES & set(self.datetime_format))
        words = {
            "deleted": gettext("This comment was deleted by its author."),
            "korea": gettext("Korea"),
            "japan": gettext("Japan"),
            "hidden_auto": gettext("Hidden while moderators review reports about it."),
            "reply": gettext("Reply"),
            "edit": gettext("Edit"),
            "delete": gettext("Delete"),
            "delete_question": gettext("Delete this comment? Replies to it stay."),
            "delete_comment": gettext("Delete comment"),
            "translate_into": gettext("Translate into:"),
        }
        self.words = {key: escape(value) for key, value in words.items()}
        # blocktranslate does not escape its own text, only the values put in it.
        self.edited = gettext("edited %(time)s")
        self.stances = {value: escape(str(label)) for value, label in Stance.choices}
        self.reactions = [(kind, escape(str(label))) for kind, label in Reaction.choices]
        self.languages = [
            (code, escape(get_language_info(code)["name_local"])) for code, _name in settings.LANGUAGES
        ]
        self.language_names = dict(self.languages)


# What they show changes only with the code, the catalogues and the settings: a deploy starts new
# processes, and a changed setting (tests) empties it.
_SHARED: dict[tuple[str, str, str], _Shared] = {}
_SHARED_MAX = 512


def _shared(slug: str) -> _Shared:
    key = (get_language() or "", get_script_prefix(), slug)
    found = _SHARED.get(key)
    if found is None:
        found = _Shared(slug)
        if len(_SHARED) >= _SHARED_MAX:
            _SHARED.clear()
        _SHARED[key] = found
    return found


@receiver(setting_changed)
def _forget_shared(**kwargs) -> None:
    _SHARED.clear()


class PageParts:
    """What every comment of one page shares, computed once for the page (in the language
    active when it is built)."""

    def __init__(self, section, request, csrf_token: str | None = None) -> None:
        slug = section.proposal.slug
        self.section = section
        self.request = request
        self.user = getattr(request, "user", None)
        self.reader = reading.reader(request) if request is not None else None
        self.sort = escape(section.sort)
        self.page_url = section.page_url
        self.refusal = section.refusal
        token = _token(request, csrf_token)
        # Threads kept for everyone hold the placeholder; the page's own token goes in on output.
        self.final_token = token
        self.fragments = getattr(section.page, "fragment_keys", None) is not None
        if self.fragments:
            token = CSRF_PLACEHOLDER
        self.csrf_input = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
        # The URLs, words and formats every viewer's page of this proposal shares in this language.
        shared = _shared(slug)
        self.reply_url = shared.reply_url
        self.edit_url = shared.edit_url
        self.delete_url = shared.delete_url
        self.react_url = shared.react_url
        self.translate_url = shared.translate_url
        self.datetime_format = shared.datetime_format
        self.language = shared.language
        self.by_minute = shared.by_minute
        self.words = shared.words
        self.edited = shared.edited
        self.stances = shared.stances
        self.reactions = shared.reactions
        self.languages = shared.languages
        self.language_names = shared.language_names

        # Controls other features draw on each comment (moderation: "Report").
        self.controls = core_sections.controls(
            "comment", user=self.user, refusal=self.refusal, csrf_input=self.csrf_input, slug=slug
        )

    # --- one comment --------------------------------------------------------------------------------

    def time(self, value) -> tuple[str, str]:
        local = timezone.localtime(value) if settings.USE_TZ and timezone.is_aware(value) else value
        # The date filter's "c" is the ISO 8601 form.
        if self.by_minute:
            minute = local.replace(tzinfo=None, second=0, microsecond=0)
            return local.isoformat(), _shown_minute(minute, self.datetime_format, self.language)
        return local.isoformat(), escape(date_format(local, self.datetime_format))

    def threads(self, threads) -> SafeString:
        """The page's threads as the items of ``<ol class="threads">``, from the cache where the
        section has them (``comments.fragments``), the others drawn now (and kept)."""
        out: list[str] = []
        drawn: dict[int, str] = {}
        for root in threads:
            if isinstance(root, fragments.CachedThread):
                out.append(root.html)
                continue
            one = [f'<li><div class="thread" id="thread-{root.pk}">']
            self.comment(root, one)
            one.append("</div></li>\n")
            html = "".join(one)
            drawn[root.pk] = html
            out.append(html)
        html = "".join(out)
        if self.fragments:
            fragments.store(self.section.page, drawn)
            html = with_token(html, self.final_token)
        return mark_safe(html)  # noqa: S308 - every value below is escaped

    def thread(self, root) -> SafeString:
        out: list[str] = []
        self.comment(root, out)
        return mark_safe("".join(out))  # noqa: S308 - every value below is escaped

    def comment(self, comment, out: list[str]) -> None:
        pk = comment.pk
        out.append(
            f'<article class="comment depth-{comment.depth}{" own" if comment.is_own else ""}" id="comment-{pk}">\n'
        )
        words = self.words
        if comment.is_deleted:
            out.append(f'<p class="comment-placeholder">{words["deleted"]}</p>\n')
        else:
            self.meta(comment, out)
            if comment.is_hidden:
                if comment.hidden_automatically:
                    why = words["hidden_auto"]
                else:
                    # The category in the reader's language, the moderator's note in it too when
                    # translated (else as written, marked): rare on a page, so the template is used
                    # as is, with the request's reader for the translation.
                    why = render_to_string(
                        "moderation/_hidden_reason.html",
                        {"item": comment, "request": self.request, "note_base": self.page_url},
                    )
                out.append(f'<p class="comment-placeholder">{why}</p>\n')
            if comment.show_text:
                if self.reader is None:  # the template tag passes the context's request
                    raise ImproperlyConfigured("a comment's text is drawn for a request (its reader)")
                block = self.reader.block(KIND, comment, base=self.page_url, element=f"comment-{pk}")
                moderator_only = " moderator-only" if comment.is_hidden else ""
                out.append(
                    f'<div class="comment-body{moderator_only}" lang="{escape(block.language)}">'
                    f"{comment_text(block.text)}</div>\n{label_html(block, can_translate=comment.can_translate)}\n"
                )
            out.append(self.reactions_html(comment))
            out.append("\n")
            for control in self.controls:
                out.append(control(comment))
                out.append("\n")
            self.actions(comment, out)
        if comment.children:
            out.append('<ol class="replies">\n')
            for child in comment.children:
                out.append("<li>")
                self.comment(child, out)
                out.append("</li>\n")
            out.append("</ol>\n")
        out.append("</article>")

    def meta(self, comment, out: list[str]) -> None:
        author = comment.author
        nationality = ""
        if author.nationality == "KR":
            nationality = (
                f' <abbr class="badge nationality nationality-kr" title="{self.words["korea"]}">KR</abbr>'
            )
        elif author.nationality == "JP":
            nationality = (
                f' <abbr class="badge nationality nationality-jp" title="{self.words["japan"]}">JP</abbr>'
            )
        iso, shown = self.time(comment.created_at)
        edited = ""
        if comment.edited_at:
            edited = f'\n<span class="comment-edited">{self.edited % {"time": self.time(comment.edited_at)[1]}}</span>'
        stance = ""
        if comment.stance:
            stance = (
                f'\n<span class="badge stance stance-{escape(comment.stance)}">'
                f"{self.stances.get(comment.stance, escape(comment.stance))}</span>"
            )
        language = escape(comment.language)
        out.append(
            f'<header class="comment-meta">\n<span class="comment-author">{escape(author.public_name)}</span>'
            f'{nationality}\n<a class="comment-time" href="#comment-{comment.pk}"><time datetime="{iso}">'
            f"{shown}</time></a>{edited}{stance}\n"
            f'<span class="comment-language" lang="{language}">{self.language_names.get(comment.language, language)}'
            "</span>\n</header>\n"
        )

    def reactions_html(self, comment, error=None) -> str:
        pk = comment.pk
        parts = [f'<div class="reactions" id="reactions-{pk}">']
        viewer = getattr(comment, "viewer_reaction", "")
        counts = {kind: getattr(comment, f"{kind}_count") for kind, _label in self.reactions}
        if comment.can_react:
            url = self.react_url(pk)
            parts.append(
                f'\n<form method="post" action="{url}" hx-post="{url}" hx-target="#reactions-{pk}" '
                f'hx-swap="outerHTML" hx-disabled-elt="find button">{self.csrf_input}'
                f'<input type="hidden" name="sort" value="{self.sort}">\n'
            )
            for kind, label_ in self.reactions:
                pressed = viewer == kind
                parts.append(
                    f'<button id="reaction-{pk}-{kind}" type="submit" name="kind" value="{"" if pressed else kind}" '
                    f'class="reaction reaction-{kind}" aria-pressed="{"true" if pressed else "false"}">{label_} '
                    f'<span class="reaction-count">{counts[kind]}</span></button>\n'
                )
            parts.append("</form>")
        elif not comment.is_deleted:
            parts.append("\n")
            for kind, label_ in self.reactions:
                pressed = " pressed" if viewer == kind else ""
                parts.append(
                    f'<span class="reaction reaction-{kind}{pressed}">{label_} '
                    f'<span class="reaction-count">{counts[kind]}</span></span>\n'
                )
        if error is not None:
            parts.append(
                f'\n<p class="form-errors" role="alert" data-code="{escape(error.code)}">{escape(error.message)}</p>'
            )
        parts.append("\n</div>")
        return "".join(parts)

    def actions(self, comment, out: list[str]) -> None:
        if not (comment.can_reply or comment.can_edit or comment.can_delete or comment.can_translate):
            return
        pk, sort, words = comment.pk, self.sort, self.words
        out.append('<div class="comment-actions">')
        if comment.can_reply:
            url = f"{self.reply_url(pk)}?sort={sort}"
            out.append(f'\n<a href="{url}" hx-get="{url}" hx-target="#slot-{pk}">{words["reply"]}</a>')
        if comment.can_edit:
            url = f"{self.edit_url(pk)}?sort={sort}"
            out.append(f'\n<a href="{url}" hx-get="{url}" hx-target="#slot-{pk}">{words["edit"]}</a>')
        if comment.can_delete:
            url = self.delete_url(pk)
            out.append(
                f'\n<details class="comment-action"><summary>{words["delete"]}</summary>\n'
                f'<form method="post" action="{url}" class="comment-delete" hx-post="{url}" '
                f'hx-target="#thread-{comment.root_id}" hx-swap="outerHTML" hx-disabled-elt="find button">'
                f'{self.csrf_input}<input type="hidden" name="sort" value="{sort}">\n'
                f'<p>{words["delete_question"]}</p><button type="submit" class="danger">'
                f"{words['delete_comment']}</button></form></details>"
            )
        if comment.can_translate:
            base = self.translate_url(pk)
            links = "".join(
                f' <a href="{base}?language={code}" lang="{code}">{name}</a>'
                for code, name in self.languages
                if code != comment.language
            )
            out.append(f'\n<span class="comment-translate">{words["translate_into"]}{links}</span>')
        out.append(f'\n</div>\n<div class="comment-slot" id="slot-{pk}"></div>\n')


# Format characters that read finer than the minute or the zone (then nothing is shared).
FINER_THAN_MINUTES = set("sSuvceOPTZIUr") - {"P"}


@lru_cache(maxsize=8192)
def _shown_minute(minute, datetime_format: str, language: str | None) -> str:
    """A wall-clock minute (naive) as the date filter shows it: formatted once per process and
    language (``language`` is in the key for the month and a.m./p.m. names)."""
    return escape(date_format(minute, datetime_format))


def _token(request, csrf_token: str | None) -> str:
    """The CSRF token to put in: ``csrf_token`` when given, else the request's (none without one)."""
    if csrf_token is not None:
        return csrf_token
    return request_token(request) if request is not None else ""


def threads_from_cache(section, request, csrf_token: str | None = None) -> SafeString | None:
    """The page's threads when every one of them came whole from the cache (``comments.fragments``),
    with the page's CSRF token put in: then nothing is drawn, and the page's shared parts
    (``PageParts``, with its URLs, words and controls) are not needed. None otherwise. With
    ``CSRF_PLACEHOLDER`` as the token the placeholder stays, for a page that puts the token in
    once, everywhere (``pages.frames.response``)."""
    page = section.page
    if getattr(page, "fragment_keys", None) is None or any(
        not isinstance(root, fragments.CachedThread) for root in page.threads
    ):
        return None
    threads = "".join(root.html for root in page.threads)
    return mark_safe(with_token(threads, _token(request, csrf_token)))  # noqa: S308 - drawn escaped


def page_threads(section, request, csrf_token: str | None = None) -> SafeString:
    """The page's threads, each ``<li><div class="thread">…</div></li>``: whole from the cache
    where the section has them, the others drawn now (and kept for everyone they look alike to)."""
    kept = threads_from_cache(section, request, csrf_token)
    if kept is not None:
        return kept
    return parts_for(section, request, csrf_token).threads(section.page.threads)


def parts_for(section, request, csrf_token: str | None = None) -> PageParts:
    """The page's shared parts, made once per section (the section carries them)."""
    parts = getattr(section, "_render_parts", None)
    if parts is None or parts.request is not request:
        parts = PageParts(section, request, csrf_token)
        section._render_parts = parts
    return parts
