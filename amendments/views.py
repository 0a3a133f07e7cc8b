from functools import partial

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.permissions import ensure_moderator, is_moderator, participation
from core import throttles
from core.errors import DeliberationError
from core.htmx import SUBMITTER, after_swap
from proposals.selectors import proposal_for_action

from . import sections, selectors, services
from .forms import AmendmentForm

WITHDRAW_VOTE = "withdraw"


def amendment_list(request, slug: str):
    """Every amendment of the proposal, open ones first, 50 a page."""
    proposal = proposal_for_action(slug=slug)
    page = selectors.amendment_page(proposal=proposal, page=request.GET.get("page"))
    amendments = list(page.object_list)
    sections.decorate(amendments, request.user, moderator=is_moderator(request.user))
    sections.read_notes(request, amendments)
    return render(request, "amendments/list.html", {"proposal": proposal, "page": page})


def amendment_new(request, slug: str):
    """GET: the form for one field and language, prefilled with its current text. POST: propose."""
    proposal = proposal_for_action(slug=slug)
    if request.method != "POST":
        return _editor(request, proposal, sections.editor_form(request, proposal))
    form = AmendmentForm(request.POST)
    # Asked once: the service trusts this decision, and a refusal's editor shows it.
    decided = participation(request.user, proposal.programme)
    try:
        if not form.is_valid():
            raise DeliberationError("invalid", _("The form was incomplete: load the text again and retry."))
        data = form.cleaned_data
        amendment = services.amendment_create(
            author=request.user,
            proposal=proposal,
            field=data["field"],
            language=data["language"],
            new_text=data["new_text"],
            rationale=data["rationale"],
            base_version_id=data["base_version"],
            client_token=data["client_token"],
            # Counted once the amendment is known to be new: a resubmitted form is not counted again.
            admit=partial(throttles.check, request, "amendment"),
            decided=decided,
        )
    except DeliberationError as error:
        form = sections.refused_form(request, proposal, form, error)
        duplicate_of = error.existing if isinstance(error, services.DuplicateAmendment) else None
        response = _editor(
            request, proposal, form, status=error.status, duplicate_of=duplicate_of, decided=decided
        )
        error.add_headers(response)
        return response
    messages.success(request, _("Your amendment is published. Other participants can now support it."))
    if request.htmx:
        return HttpResponseClientRedirect(amendment.get_absolute_url())
    return redirect(amendment)


def amendment_detail(request, slug: str, pk: int):
    amendment = _amendment(slug, pk)
    return render(request, "amendments/detail.html", sections.detail_context(request, amendment))


@require_POST
def amendment_vote(request, slug: str, pk: int):
    amendment = _amendment(slug, pk)
    value = request.POST.get("value", "")
    decided = participation(request.user, amendment.proposal.programme)

    def vote():
        throttles.check(request, "vote")
        services.amendment_vote(
            user=request.user,
            amendment=amendment,
            value=None if value == WITHDRAW_VOTE else value,
            decided=decided,
        )

    return _act(request, amendment, vote, done=_("Your vote is saved."), decided=decided)


@require_POST
def amendment_withdraw(request, slug: str, pk: int):
    amendment = _amendment(slug, pk)
    decided = participation(request.user, amendment.proposal.programme)

    def withdraw():
        services.amendment_withdraw(user=request.user, amendment=amendment, decided=decided)

    return _act(request, amendment, withdraw, done=_("Your amendment is withdrawn."), decided=decided)


@require_POST
def amendment_decide(request, slug: str, pk: int):
    amendment = _amendment(slug, pk)
    decision, reason = request.POST.get("decision"), request.POST.get("reason", "")

    def decide():
        if decision == "accept":
            services.amendment_accept(moderator=request.user, amendment=amendment, reason=reason)
        elif decision == "reject":
            services.amendment_reject(moderator=request.user, amendment=amendment, reason=reason)
        else:
            ensure_moderator(request.user)
            raise DeliberationError("invalid_decision", _("Choose accept or reject."))

    return _act(request, amendment, decide, done=_("The decision is recorded."))


def versions(request, slug: str):
    proposal = proposal_for_action(slug=slug)
    entries = selectors.version_history(proposal=proposal)
    return render(request, "amendments/versions.html", {"proposal": proposal, "entries": entries})


def _amendment(slug: str, pk: int):
    return selectors.amendment_detail(proposal=proposal_for_action(slug=slug), pk=pk)


def _editor(request, proposal, form, *, status: int = 200, duplicate_of=None, decided=None):
    context = {
        **sections.editor_context(request, proposal, form, decided=decided),
        "duplicate_of": duplicate_of,
    }
    template = "amendments/_editor.html" if request.htmx else "amendments/new.html"
    return render(request, template, context, status=status)


def _act(request, amendment, action, *, done, decided=None):
    """Run one write from the amendment page. htmx gets the actions panel re-rendered with the
    notice or refusal in it; plain posts go back to the page with a message, or get the page with
    the refusal and its status (400/403). ``decided``: the request's participation decision, when
    the view has made it (the panel does not ask again)."""
    try:
        action()
    except DeliberationError as error:
        amendment = _amendment(amendment.proposal.slug, amendment.pk)
        if request.htmx:
            context = sections.actions_context(
                request, amendment, notice=error.message, is_error=True, decided=decided
            )
            response = render(request, "amendments/_actions.html", context, status=error.status)
            after_swap(response, focus="#amendment-actions .message", announce=error.message)
        else:
            messages.error(request, error.message)
            response = render(
                request,
                "amendments/detail.html",
                sections.detail_context(request, amendment, decided=decided),
                status=error.status,
            )
        error.add_headers(response)
        return response
    if request.htmx:
        amendment = _amendment(amendment.proposal.slug, amendment.pk)
        response = render(
            request,
            "amendments/_actions.html",
            sections.actions_context(request, amendment, notice=done, decided=decided),
        )
        # The button just pressed (support/oppose, now in its new state), else the notice.
        return after_swap(response, focus=[SUBMITTER, "#amendment-actions .message"], announce=done)
    messages.success(request, done)
    return redirect(amendment)
