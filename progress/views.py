from django.shortcuts import render

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
    return render(request, "progress/dashboard.html", {"dashboard": selectors.dashboard()})
