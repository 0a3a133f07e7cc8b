from django.shortcuts import render

from . import selectors


def proposal_list(request):
    areas = selectors.proposals_by_area()
    count = sum(len(proposals) for _area, proposals in areas)
    return render(request, "proposals/list.html", {"areas": areas, "proposal_count": count})


def proposal_detail(request, slug: str):
    proposal = selectors.proposal_detail(slug=slug)
    return render(
        request,
        "proposals/detail.html",
        {"proposal": proposal, "version": proposal.current_version, "publication": proposal.publication},
    )
