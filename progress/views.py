from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from proposals import selectors as proposal_selectors

from . import selectors


def proposal_progress(request, slug: str):
    """A proposal's public progress: its stage in each jurisdiction and its published milestones."""
    progress = selectors.proposal_progress(slug=slug)
    return render(
        request,
        "progress/proposal.html",
        {"progress": progress, "proposal": progress.proposal, "version": progress.proposal.current_version},
    )


def dashboard(request):
    """All proposals by stage and jurisdiction (a server-drawn chart and its table) with
    participation figures."""
    # The page's body is a fragment cached per language under the proposals' stamps, which every
    # write it shows moves (stages, milestones, comments, ratings, amendments: core.pagestamp);
    # the figures are computed only when it is rendered.
    context = {"dashboard": SimpleLazyObject(selectors.dashboard), "stamp": proposal_selectors.list_stamp()}
    return render(request, "progress/dashboard.html", context)
