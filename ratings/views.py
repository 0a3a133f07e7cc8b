from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.permissions import Participation, participation
from core import throttles
from core.errors import DeliberationError
from core.htmx import after_swap
from proposals.selectors import proposal_for_write

from . import services
from .forms import RatingForm, RatingWithdrawForm
from .sections import proposal_section


@require_POST
def rating_set(request, slug: str):
    proposal = proposal_for_write(slug=slug)
    # Asked once: the service trusts this decision, and the section shows it.
    decided = participation(request.user, proposal.programme)
    form = RatingForm(request.POST)
    try:
        if not form.is_valid():
            raise form.refusal()
        throttles.check(request, "rating")
        rating = services.rating_set(
            user=request.user, proposal=proposal, decided=decided, **form.cleaned_data
        )
    except DeliberationError as error:
        return _refused(request, proposal, decided, error)
    # Focus on the score just chosen.
    control = f"#rating-{form.cleaned_data['criterion']}-score-{form.cleaned_data['score']}"
    return _done(request, proposal, decided, _("Your rating is saved."), focus=control, rating=rating)


@require_POST
def rating_withdraw(request, slug: str):
    proposal = proposal_for_write(slug=slug)
    decided = participation(request.user, proposal.programme)
    form = RatingWithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise form.refusal()
        throttles.check(request, "rating")
        services.rating_withdraw(user=request.user, proposal=proposal, decided=decided, **form.cleaned_data)
    except DeliberationError as error:
        return _refused(request, proposal, decided, error)
    # Focus on the first score of that criterion, to rate again.
    control = f"#rating-{form.cleaned_data['criterion']}-score-1"
    return _done(request, proposal, decided, _("Your rating is withdrawn."), focus=control)


def _done(request, proposal, decided: Participation, notice, *, focus: str, rating=None):
    """htmx: the section re-rendered with the notice in it, focus on ``focus`` (drawn from
    ``rating``, the write's outcome, when given); otherwise back to the page with a message."""
    if request.htmx:
        response = _section(request, proposal, decided, notice=notice, rating=rating)
        return after_swap(response, focus=[focus, "#ratings"], announce=notice)
    messages.success(request, notice)
    return redirect(f"{proposal.get_absolute_url()}#ratings")


def _refused(request, proposal, decided: Participation, error: DeliberationError):
    """The refusal with its status (400/403, 429 with Retry-After), in the ratings section: the
    fragment for htmx, else a page of its own with a way back to the proposal. (The proposal page
    is composed on the top floor, pages.views; this app does not render it.)"""
    response = _section(
        request,
        proposal,
        decided,
        notice=error.message,
        notice_is_error=True,
        status=error.status,
        template=None if request.htmx else "ratings/page.html",
    )
    if request.htmx:
        after_swap(response, focus="#ratings .message", announce=error.message)
    return error.add_headers(response)


def _section(
    request,
    proposal,
    decided: Participation,
    *,
    notice,
    notice_is_error=False,
    status=200,
    template=None,
    rating=None,
):
    refusal = decided.refusal
    context = {"proposal": proposal, "refusal": refusal}
    context.update(
        proposal_section(
            request, proposal, refusal, notice=notice, notice_is_error=notice_is_error, rating=rating
        )
    )
    return render(request, template or "ratings/_proposal_section.html", context, status=status)
