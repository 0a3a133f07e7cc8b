"""HTTP for comments. Every write is a POST that works without JavaScript (redirect back to the
comment's anchor with a message) and with htmx (the re-rendered fragment is returned instead).

Refusals come back as the form with the message (400/403), never a 500.
"""

from functools import partial
from urllib.parse import parse_qs, urlencode, urlsplit

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import participation, participation_refusal
from amendments.models import Amendment
from core import throttles
from core.errors import DeliberationError
from core.htmx import SUBMITTER, after_swap
from core.text import parse_id
from proposals.selectors import proposal_for_action, proposal_for_write

from . import ground, selectors, services
from .forms import ReactionForm
from .models import Comment, ReactionSource
from .sections import (
    Section,
    build_section,
    decorate,
    edit_form,
    fresh_root_form,
    read,
    reply_form,
    root_form,
    swap_for,
)
from .services import discussion_url

FRAGMENTS = {
    "section": "comments/_section.html",
    "list": "comments/_list.html",
    "thread": "comments/_thread.html",
    "form": "comments/_form.html",
    "reactions": "comments/_reactions.html",
}


@require_http_methods(["GET", "POST"])
def comment_list(request, slug: str):
    """GET: the list of threads (htmx paging and sorting). POST: a new root comment."""
    proposal = (proposal_for_write if request.method == "POST" else proposal_for_action)(slug=slug)
    amendment = _amendment(request, proposal)
    decided = participation(request.user, proposal.programme)
    refusal = decided.refusal
    if request.method == "POST":
        section = Section(
            proposal=proposal, amendment=amendment, refusal=refusal, sort=_sort(request), decided=decided
        )
        form = root_form(section, request.user, data=request.POST)
        return _create(request, section, form, parent=None)
    if not request.htmx:
        return redirect(
            f"{services.discussion_url(proposal, amendment.pk if amendment else None)}?{_keep_query(request)}"
        )
    section = build_section(request, proposal=proposal, amendment=amendment, refusal=refusal)
    return render(request, FRAGMENTS["list"], {"section": section})


@require_http_methods(["GET", "POST"])
def comment_reply(request, slug: str, pk: int):
    """GET: the reply form (a page, or the fragment for htmx). POST: the reply."""
    parent = selectors.comment_for_proposal(slug=slug, pk=pk)
    section = _section_for(request, parent)
    if request.method == "GET":
        try:
            services.ensure_can_reply(request.user, parent, decided=section.decided)
        except DeliberationError as error:
            return _refused(request, section, parent, error)
        return _form_response(request, section, reply_form(section, parent, request.user), comment=parent)
    form = reply_form(section, parent, request.user, data=request.POST)
    return _create(request, section, form, parent=parent)


@require_http_methods(["GET", "POST"])
def comment_edit(request, slug: str, pk: int):
    """GET: the edit form (a page, or the fragment for htmx). POST: the new text."""
    comment = selectors.comment_for_proposal(slug=slug, pk=pk)
    section = _section_for(request, comment)
    form = edit_form(section, comment, data=request.POST if request.method == "POST" else None)
    if request.method == "GET":
        try:
            services.ensure_can_edit(request.user, comment, decided=section.decided)
        except DeliberationError as error:
            return _refused(request, section, comment, error)
        return _form_response(request, section, form, comment=comment)
    if form.is_valid():
        try:
            services.comment_edit(
                user=request.user, comment=comment, body=form.cleaned_data["body"], decided=section.decided
            )
        except DeliberationError as error:
            return _form_response(request, section, form, comment=comment, error=error)
        return _done(request, section, comment, _("Your comment was updated."))
    return _form_response(request, section, form, comment=comment, status=400)


@require_POST
def comment_delete(request, slug: str, pk: int):
    comment = selectors.comment_for_proposal(slug=slug, pk=pk)
    section = _section_for(request, comment)
    try:
        services.comment_delete(user=request.user, comment=comment, decided=section.decided)
    except DeliberationError as error:
        return _refused(request, section, comment, error)
    return _done(request, section, comment, _("Your comment was deleted."))


@require_GET
def common_ground(request, slug: str):
    """One tab (and page) of the common-ground view: the panel for htmx, else the proposal page."""
    proposal = proposal_for_action(slug=slug)
    tab, page = request.GET.get("ground"), request.GET.get("ground_page")
    if not request.htmx:
        query = urlencode({"ground": ground.normalise_tab(tab), **({"ground_page": page} if page else {})})
        return redirect(f"{discussion_url(proposal)}?{query}#common-ground")
    found = ground.ground_page(proposal=proposal, tab=tab, page=page)
    read(request, [item.comment for item in found.items])
    return render(request, "comments/_ground_panel.html", {"ground": found})


@require_GET
def vote_queue(request, slug: str):
    """Comments the viewer's own nationality group has voted on least, for them to judge."""
    proposal = proposal_for_action(slug=slug)
    refusal = participation_refusal(request.user, proposal.programme)
    comments = [] if refusal else ground.queue_for(proposal=proposal, viewer=request.user)
    read(request, comments)
    context = {
        "proposal": proposal,
        "version": proposal.current_version,
        "refusal": refusal,
        "comments": comments,
    }
    return render(request, "comments/queue.html", context)


@require_POST
def comment_react(request, slug: str, pk: int):
    comment = selectors.comment_for_proposal(slug=slug, pk=pk)
    section = _section_for(request, comment)
    form = ReactionForm(request.POST)
    kind = (form.cleaned_data["kind"] or None) if form.is_valid() else request.POST.get("kind")
    try:
        throttles.check(request, "reaction")
        via = request.POST.get("via") or ReactionSource.THREAD
        services.comment_react(
            user=request.user, comment=comment, kind=kind, via=via, decided=section.decided
        )
    except DeliberationError as error:
        return _refused(request, section, comment, error)
    if not request.htmx:
        messages.success(request, _("Your reaction was recorded."))
        if via == ReactionSource.QUEUE:
            return redirect("comments:queue", slug=comment.proposal.slug)
        return redirect(_anchor_url(section, comment))
    comment.refresh_from_db(fields=["agree_count", "disagree_count", "pass_count"])
    comment.viewer_reaction = selectors.viewer_reaction(comment=comment, viewer=request.user)
    decorate(section, [comment], request.user)
    response = render(request, FRAGMENTS["reactions"], {"section": section, "comment": comment})
    # Focus stays on the control just pressed (now pressed, or released).
    return after_swap(
        response,
        focus=[SUBMITTER, f"#reactions-{comment.pk} button"],
        announce=_("Your reaction was recorded."),
    )


@require_GET
def comment_permalink(request, pk: int):
    """``/<lang>/c/<id>/``: redirect to the page the comment is on under ``?sort=`` (the default
    sort otherwise), at its anchor. A hidden comment keeps its place (readers see the placeholder);
    one deleted with nothing left below it lands on its thread, or the discussion, with a word why."""
    comment = selectors.for_permalink(pk=pk)
    sort = selectors.normalise_sort(request.GET.get("sort"))
    root: Comment = comment.root if comment.root is not None else comment
    target: Comment | None = comment
    if not selectors.is_shown(comment):
        messages.info(request, _("This comment was deleted by its author."))
        target = root if root.pk != comment.pk and selectors.is_shown(root) else None
    page = selectors.root_page_number(root=root, sort=sort)
    query = f"sort={sort}" + (f"&page={page}" if page > 1 else "")
    anchor = f"comment-{target.pk}" if target is not None else "comments"
    page_url = services.discussion_url(comment.proposal, comment.amendment_id)
    return redirect(f"{page_url}?{query}#{anchor}")


# --- helpers --------------------------------------------------------------------------------


def _sort(request) -> str:
    return selectors.normalise_sort(request.POST.get("sort") or request.GET.get("sort"))


def _keep_query(request) -> str:
    query = request.GET.copy()
    query.pop("amendment", None)
    return f"{query.urlencode()}#comments"


def _amendment(request, proposal) -> Amendment | None:
    raw = request.POST.get("amendment") or request.GET.get("amendment")
    if not raw:
        return None
    pk = parse_id(raw)
    if pk is None:
        raise Http404
    return get_object_or_404(Amendment, pk=pk, proposal=proposal)


def _section_for(request, comment) -> Section:
    decided = participation(request.user, comment.proposal.programme)
    return Section(
        proposal=comment.proposal,
        amendment=comment.amendment,
        refusal=decided.refusal,
        sort=_sort(request),
        decided=decided,
    )


def _create(request, section: Section, form, *, parent):
    if not form.is_valid():
        return _form_response(request, section, form, comment=parent, status=400)
    try:
        comment = services.comment_create(
            author=request.user,
            proposal=section.proposal,
            amendment=section.amendment,
            parent=parent,
            # Counted once the comment is known to be new: a resubmitted form is not counted again.
            admit=partial(throttles.check, request, "comment" if parent is None else "reply"),
            # The check this request already made (for the section): not asked again.
            decided=section.decided,
            **form.comment_data(),
        )
    except DeliberationError as error:
        return _form_response(request, section, form, comment=parent, error=error)
    if parent is not None:
        return _done(request, section, comment, _("Your reply was posted."))
    return _done(request, section, comment, _("Your comment was posted."), new_thread=True)


def _anchor_url(section: Section, comment) -> str:
    root = comment if comment.root_id in (None, comment.pk) else comment.root
    page = selectors.root_page_number(root=root, sort=section.sort)
    query = f"sort={section.sort}" + (f"&page={page}" if page > 1 else "")
    return f"{section.page_url}?{query}#comment-{comment.pk}"


def _done(request, section: Section, comment, message, *, new_thread: bool = False):
    """After a successful write: the fragment for htmx, else a redirect to the comment's anchor."""
    if not request.htmx:
        messages.success(request, message)
        return redirect(_anchor_url(section, comment))
    if new_thread:
        return _new_thread(request, section, comment, message)
    response = _thread_response(request, section, comment.root_id, count=comment.heading_count)
    # The comment itself (new, edited, or its placeholder), else its thread when it is gone.
    return after_swap(
        response, focus=[f"#comment-{comment.pk}", f"#thread-{comment.root_id}"], announce=message
    )


def _new_thread(request, section: Section, comment, message):
    """The new root thread alone, put into the list the user sees: first under newest-first, last
    otherwise (on any page: the user sees what they posted at once; a reload shows it where its
    sort puts it). Out of band: the count, a fresh form, and the empty-list message gone."""
    sort = _shown_sort(request, section.sort)
    # Drawn from the comment just written (a resubmitted form's comment is read back: it may have
    # replies and reactions by now).
    thread = selectors.new_thread(root=comment) if comment.just_posted else None
    response = _thread_response(
        request,
        section,
        comment.root_id,
        template="comments/_thread_new.html",
        fresh=True,
        thread=thread,
        count=comment.heading_count,
    )
    response["HX-Retarget"] = "#threads"
    response["HX-Reswap"] = swap_for(sort)
    return after_swap(response, focus=f"#comment-{comment.pk}", announce=message)


def _shown_sort(request, posted: str) -> str:
    """The sort of the list on the user's screen: the sort and page links push their URL, so the
    browser's address (htmx sends it) is newer than the form's hidden field."""
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    shown = parse_qs(current.query).get("sort")
    return selectors.normalise_sort(shown[0]) if shown else posted


def _thread_response(
    request,
    section: Section,
    root_id: int,
    *,
    template="comments/_thread_update.html",
    fresh=False,
    thread: Comment | None = None,
    count: int | None = None,
):
    """The thread re-rendered (read back unless ``thread`` is given), with the discussion's comment
    count out of band (a reply or a deletion changes it; the heading is outside the thread): read
    unless ``count`` is given (the write that just inserted a comment returned it)."""
    if thread is None:
        root = get_object_or_404(Comment.objects.select_related("author"), pk=root_id)
        thread = selectors.single_thread(root=root, viewer=request.user)
    comments = selectors.flatten(thread)
    decorate(section, comments, request.user)
    read(request, comments)
    if count is None:
        count = selectors.comment_count(proposal=section.proposal, amendment=section.amendment)
    context = {"section": section, "thread": thread, "comment_count": count}
    if fresh:
        context["fresh_form"] = fresh_root_form(request, section)
        context["first"] = count == 1
    return render(request, template, context)


def _form_response(request, section: Section, form, *, comment=None, error=None, status=200):
    """The form again, with ``error`` added (as a field error when it names one)."""
    if error is not None:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        form.error_code = error.code
        status = error.status
    context = {"section": section, "form": form, "comment": comment}
    if request.htmx:
        response = render(request, FRAGMENTS["form"], context, status=status)
        if request.method == "POST":
            response["HX-Retarget"] = f"#{form.form_id}"
            response["HX-Reswap"] = "outerHTML"
        # Into the text box: the form just opened (reply, edit), or what to fix after a refusal.
        problems = [str(message) for messages_ in form.errors.values() for message in messages_]
        after_swap(response, focus=f"#{form.form_id} textarea[name=body]", announce=" ".join(problems))
    else:
        response = render(request, "comments/form_page.html", context, status=status)
    if error is not None:
        error.add_headers(response)
    return response


def _refused(request, section: Section, comment, error: DeliberationError) -> HttpResponse:
    """A refused delete or reaction: the reactions bar with the message for htmx, else a page."""
    context = {"section": section, "comment": comment, "error": error}
    if request.htmx:
        comment.viewer_reaction = selectors.viewer_reaction(comment=comment, viewer=request.user)
        decorate(section, [comment], request.user)
        response = render(request, FRAGMENTS["reactions"], context, status=error.status)
        response["HX-Retarget"] = f"#reactions-{comment.pk}"
        response["HX-Reswap"] = "outerHTML"
    else:
        response = render(request, "comments/form_page.html", context, status=error.status)
    error.add_headers(response)
    return response
