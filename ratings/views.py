from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.permissions import participation_refusal
from core.errors import DeliberationError
from proposals.views import proposal_detail

from . import selectors, services
from .forms import RatingForm, RatingWithdrawForm
from .sections import proposal_section


@require_POST
def rating_set(request, slug: str):
    proposal = selectors.proposal_for_rating(slug=slug)
    form = RatingForm(request.POST)
    try:
        if not form.is_valid():
            raise form.refusal()
        services.rating_set(user=request.user, proposal=proposal, **form.cleaned_data)
    except DeliberationError as error:
        return _refused(request, proposal, error)
    return _done(request, proposal, _("Your rating is saved."))


@require_POST
def rating_withdraw(request, slug: str):
    proposal = selectors.proposal_for_rating(slug=slug)
    form = RatingWithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise form.refusal()
        services.rating_withdraw(user=request.user, proposal=proposal, **form.cleaned_data)
    except DeliberationError as error:
        return _refused(request, proposal, error)
    return _done(request, proposal, _("Your rating is withdrawn."))


def _done(request, proposal, notice):
    """htmx: the section re-rendered with the notice in it; otherwise back to the page with a message."""
    if request.htmx:
        return _section(request, proposal, notice=notice)
    messages.success(request, notice)
    return redirect(f"{proposal.get_absolute_url()}#ratings")


def _refused(request, proposal, error: DeliberationError):
    """The refusal with its status (400/403): in the section for htmx, else on the whole page."""
    if request.htmx:
        return _section(request, proposal, notice=error.message, notice_is_error=True, status=error.status)
    messages.error(request, error.message)
    response = proposal_detail(request, slug=proposal.slug)
    response.status_code = error.status
    return response


def _section(request, proposal, *, notice, notice_is_error=False, status=200):
    refusal = participation_refusal(request.user, proposal.programme)
    context = {"proposal": proposal, "refusal": refusal}
    context.update(
        proposal_section(request, proposal, refusal, notice=notice, notice_is_error=notice_is_error)
    )
    return render(request, "ratings/_proposal_section.html", context, status=status)
