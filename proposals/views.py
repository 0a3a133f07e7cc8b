from django.shortcuts import render

from accounts.permissions import participation_refusal
from amendments.sections import proposal_section as amendments_section
from comments.sections import proposal_section as comments_section
from ratings.sections import proposal_section as ratings_section

from . import selectors
from .search import MAX_QUERY_LENGTH, normalise_query


def proposal_list(request):
    q = normalise_query(request.GET.get("q"))[:MAX_QUERY_LENGTH]
    areas = selectors.proposals_by_area(q)
    count = sum(len(proposals) for _area, proposals in areas)
    return render(request, "proposals/list.html", {"areas": areas, "proposal_count": count, "q": q})


def proposal_detail(request, slug: str):
    """The proposal page: its current text and source, then ratings, amendments and comments.

    Each feature app contributes its own section (context + partial template); the participation
    check runs once here and is handed to all of them.
    """
    proposal = selectors.proposal_detail(slug=slug)
    refusal = participation_refusal(request.user, proposal.programme)
    context = {
        "proposal": proposal,
        "version": proposal.current_version,
        "publication": proposal.publication,
        "refusal": refusal,
    }
    for section in (ratings_section, amendments_section, comments_section):
        context.update(section(request, proposal, refusal))
    return render(request, "proposals/detail.html", context)
