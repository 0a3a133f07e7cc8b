"""What the comments app contributes to the proposal page and to an amendment's page.

``proposal_section`` / ``amendment_section`` return the context for
``templates/comments/_proposal_section.html`` / ``_amendment_section.html``. The views of this app
reuse the same builders to re-render fragments for htmx.
"""

import uuid
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from accounts.permissions import Participation, is_moderator
from amendments.models import Amendment
from core.errors import PermissionRefused
from core.pagecache import CSRF_PLACEHOLDER, request_token, with_token
from proposals.models import Proposal
from translations import reading

from . import fragments, ground, permissions, selectors
from .forms import CommentForm, EditForm
from .models import Comment, Reaction
from .services import discussion_url
from .translatable import HIDE_NOTE, KIND

SORT_LABELS = {
    "oldest": pgettext_lazy("comment sort", "Oldest"),
    "newest": pgettext_lazy("comment sort", "Newest"),
    "agreed": pgettext_lazy("comment sort", "Most agreed"),
}


def elided_page_numbers(current: int, last: int, *, around: int = 2, ends: int = 1) -> list[int | None]:
    """Page numbers to show: the first and last ``ends``, ``around`` either side of ``current``,
    and None where numbers are left out."""
    shown = sorted(
        set(range(1, ends + 1))
        | {n for n in range(current - around, current + around + 1) if 1 <= n <= last}
        | set(range(last - ends + 1, last + 1))
    )
    numbers: list[int | None] = []
    previous = None
    for n in shown:
        if previous is not None and n - previous > 1:
            numbers.append(None)
        numbers.append(n)
        previous = n
    return numbers


@dataclass
class Link:
    label: str | StrPromise
    href: str
    hx_get: str
    push_url: str
    current: bool = False


@dataclass
class ReactionChoice:
    kind: str
    label: str | StrPromise
    count: int
    pressed: bool

    @property
    def submit_value(self) -> str:
        """Pressing one's current reaction again withdraws it (an empty kind)."""
        return "" if self.pressed else self.kind


@dataclass
class Section:
    """Everything the comment templates need; ``page`` is None in single-thread fragments."""

    proposal: Proposal
    amendment: Amendment | None
    refusal: PermissionRefused | None
    sort: str
    page: selectors.ThreadPage | None = None
    form: CommentForm | None = None
    # The decision ``refusal`` came from, handed to the write services (asked once per request).
    decided: Participation | None = None
    # ``form`` drawn, when it came from the kept copies (``fresh_root_form``).
    form_html: str = ""
    # The threads drawn already (or a frame's slot for them: ``pages.frames``); else the list draws them.
    threads_html: str = ""

    @property
    def can_participate(self) -> bool:
        return self.refusal is None

    # Both are asked for by every link of the frame (sorts, pages): reversed once per section.
    @cached_property
    def page_url(self) -> str:
        return discussion_url(self.proposal, self.amendment.pk if self.amendment else None)

    @cached_property
    def list_url(self) -> str:
        return reverse("comments:list", kwargs={"slug": self.proposal.slug})

    def _query(self, **params: object) -> dict[str, object]:
        if self.amendment is not None:
            params["amendment"] = self.amendment.pk
        return params

    def _link(self, label, *, sort: str, page: int = 1, current: bool = False) -> Link:
        params: dict[str, object] = {"sort": sort} if page == 1 else {"sort": sort, "page": page}
        return Link(
            label=label,
            href=f"{self.page_url}?{urlencode(params)}#comments",
            hx_get=f"{self.list_url}?{urlencode(self._query(**params))}",
            push_url=f"{self.page_url}?{urlencode(params)}",
            current=current,
        )

    @property
    def sort_links(self) -> list[Link]:
        return [self._link(label, sort=key, current=key == self.sort) for key, label in SORT_LABELS.items()]

    @cached_property
    def page_links(self) -> list[Link | None]:
        """Links to nearby pages and both ends; None marks a gap ("…"). A 5,000-comment thread
        has hundreds of pages: linking every one would cost more than the comments themselves."""
        if self.page is None or self.page.num_pages < 2:
            return []
        return [
            None
            if number is None
            else self._link(str(number), sort=self.sort, page=number, current=number == self.page.number)
            for number in elided_page_numbers(self.page.number, self.page.num_pages)
        ]

    @property
    def previous_link(self) -> Link | None:
        if self.page is None or not self.page.has_previous:
            return None
        return self._link(_("Previous"), sort=self.sort, page=self.page.previous_page_number)

    @property
    def next_link(self) -> Link | None:
        if self.page is None or not self.page.has_next:
            return None
        return self._link(_("Next"), sort=self.sort, page=self.page.next_page_number)


def default_language(user) -> str:
    return user.preferred_language if user.is_authenticated else get_language()


def swap_for(sort: str) -> str:
    """Where a new root thread goes in the page's list under ``sort``: on top of newest-first,
    at the end of oldest-first and most-agreed (a new comment has no agreement yet)."""
    return "afterbegin" if sort == "newest" else "beforeend"


def root_form(section: Section, user, data=None) -> CommentForm:
    form = CommentForm(data, language=default_language(user))
    form.form_id = "comment-form"
    form.action = section.list_url
    # A new thread is put into the list the user sees (``comments.views._new_thread``), where the
    # sort puts it: first under newest-first, last otherwise (the server sets HX-Reswap).
    form.target = "#threads"
    form.swap = swap_for(section.sort)
    form.submit_label = _("Post comment")
    form.heading = _("New comment")
    form.with_meta = True
    return form


# The empty root form (on the page, and out of band after a post), drawn once per process for each key of
# ``fresh_root_form``. What it shows depends on no data, only on the key (the code, templates and
# catalogues change with a deploy, which starts new processes), so it needs no invalidation. A
# fixed client token stands in for each answer's own (a random UUID is never all zeros), the CSRF
# placeholder for the request's token (core.pagecache).
_FRESH_FORMS: dict[tuple, str] = {}
_FRESH_FORMS_MAX = 512
_TOKEN_SLOT = str(uuid.UUID(int=0))


def fresh_root_form(request, section: Section, *, oob: bool = True) -> SafeString:
    """``comments/_form.html`` for a new root form, out of band (``oob``) after a post or in the
    page: the HTML an include of it with ``root_form(section, request.user)`` draws, with a new
    client token and this request's CSRF token, without drawing the form's seven widgets again on
    every post or page."""
    key = (
        get_language(),
        default_language(request.user),
        section.sort,
        section.proposal.slug,
        section.amendment.pk if section.amendment is not None else None,
        oob,
    )
    html = None if settings.DEBUG else _FRESH_FORMS.get(key)
    if html is None:
        form = root_form(section, request.user)
        form.initial["client_token"] = _TOKEN_SLOT
        context = {"section": section, "form": form, "oob": oob, "csrf_token": CSRF_PLACEHOLDER}
        html = render_to_string("comments/_form.html", context, request=request)
        if len(_FRESH_FORMS) >= _FRESH_FORMS_MAX:
            _FRESH_FORMS.clear()
        _FRESH_FORMS[key] = html
    html = with_token(html.replace(_TOKEN_SLOT, str(uuid.uuid4())), request_token(request))
    return mark_safe(html)  # noqa: S308 - drawn by the template, escaped there; two tokens put in


def reply_form(section: Section, comment: Comment, user, data=None) -> CommentForm:
    form = CommentForm(data, language=default_language(user), auto_id=f"reply-{comment.pk}-%s")
    form.form_id = f"reply-form-{comment.pk}"
    form.action = reverse("comments:reply", kwargs={"slug": section.proposal.slug, "pk": comment.pk})
    form.target = f"#thread-{comment.root_id}"
    form.cancel_url = f"{section.page_url}#comment-{comment.pk}"
    form.submit_label = _("Post reply")
    form.heading = _("Reply")
    form.with_meta = True
    return form


def edit_form(section: Section, comment: Comment, data=None) -> EditForm:
    form = EditForm(data, initial={"body": comment.body}, auto_id=f"edit-{comment.pk}-%s")
    form.form_id = f"edit-form-{comment.pk}"
    form.action = reverse("comments:edit", kwargs={"slug": section.proposal.slug, "pk": comment.pk})
    form.target = f"#thread-{comment.root_id}"
    form.cancel_url = f"{section.page_url}#comment-{comment.pk}"
    form.submit_label = _("Save changes")
    form.heading = _("Edit your comment")
    form.with_meta = False
    return form


def read(request, comments: list[Comment]) -> None:
    """Hand the comments' text to the request's reader: their translations into the reader's
    language come in one query when the first is shown (``translations.reading``), with those of
    the moderators' notes on hidden ones."""
    reader = reading.reader(request)
    reader.add(KIND, comments)
    reader.add(HIDE_NOTE, comments)


def decorate(section: Section, comments: list[Comment], user) -> None:
    """Decide, per comment, what this viewer sees and may do (no queries)."""
    moderator = is_moderator(user)
    participation = section.refusal
    for comment in comments:
        comment.proposal = section.proposal
        if section.amendment is not None and comment.amendment_id == section.amendment.pk:
            comment.amendment = section.amendment
        comment.is_own = user.is_authenticated and comment.author_id == user.pk
        comment.show_text = not comment.is_deleted and (not comment.is_hidden or moderator)
        comment.can_react = permissions.can_react(user, comment, participation=participation)
        comment.can_delete = permissions.can_delete(user, comment, participation=participation)
        comment.reaction_choices = [
            ReactionChoice(
                kind=kind,
                label=label,
                count=getattr(comment, f"{kind}_count"),
                pressed=getattr(comment, "viewer_reaction", "") == kind,
            )
            for kind, label in Reaction.choices
        ]
        # Reply and edit forms are fetched on demand (GET reply/ or edit/), which keeps a page of
        # hundreds of comments light.
        comment.can_reply = permissions.can_reply(comment, participation=participation)
        comment.can_edit = permissions.can_edit(user, comment, participation=participation)
        # Participants translate public text (translations.views checks again on the server).
        comment.can_translate = participation is None and not comment.is_deleted and not comment.is_hidden


def build_section(
    request, *, proposal, amendment=None, refusal=None, sort=None, page=None, form=None, own=None
) -> Section:
    """A page of threads for the viewer of ``request`` (sort and page from the query string
    unless given). ``own``: see ``fragments.thread_page``."""
    section = Section(
        proposal=proposal,
        amendment=amendment,
        refusal=refusal,
        sort=selectors.normalise_sort(sort or request.GET.get("sort")),
    )
    variant = fragments.variant(request, refusal)
    if variant is None:
        section.page = selectors.thread_page(
            proposal=proposal,
            amendment=amendment,
            sort=section.sort,
            page=page or request.GET.get("page"),
            viewer=request.user,
        )
    else:
        section.page = fragments.thread_page(
            proposal=proposal,
            amendment=amendment,
            sort=section.sort,
            page=page or request.GET.get("page"),
            viewer=request.user,
            variant_=variant,
            own=own,
        )
    decorate(section, section.page.comments, request.user)
    read(request, section.page.comments)
    if section.can_participate:
        if form is None and variant is not None:
            # The kept copy is drawn in its place (the template shows ``form_html`` first).
            section.form_html = fresh_root_form(request, section, oob=False)
        else:
            section.form = form or root_form(section, request.user)
    return section


def proposal_section(request, proposal, refusal, *, own=None) -> dict:
    return {"comment_section": build_section(request, proposal=proposal, refusal=refusal, own=own)}


def amendment_section(request, amendment, refusal) -> dict:
    """Comments on one amendment (``amendment.proposal`` should be loaded with the amendment)."""
    return {
        "amendment_comment_section": build_section(
            request, proposal=amendment.proposal, amendment=amendment, refusal=refusal
        )
    }


def ground_section(request, proposal, refusal) -> dict:
    """The common-ground view of the proposal's comments (tab and page from the query string),
    their text in the reader's language (with the page's other texts: no query of its own)."""

    def page():
        found = ground.ground_page(
            proposal=proposal, tab=request.GET.get("ground"), page=request.GET.get("ground_page")
        )
        read(request, [item.comment for item in found.items])
        return found

    variant = fragments.variant(request, refusal)
    if variant is None:
        return {"ground": page()}
    # The same for everyone who reads it alike (no form in it): kept whole, by the stamp.
    html = fragments.section_html(
        request,
        proposal,
        variant,
        "ground",
        lambda: render_to_string("comments/_ground_section.html", {"ground": page()}, request=request),
    )
    return {"ground_html": html}
