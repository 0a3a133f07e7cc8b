from django.shortcuts import render

from . import selectors
from .search import MAX_QUERY_LENGTH, normalise_query


def proposal_list(request):
    q = normalise_query(request.GET.get("q"))[:MAX_QUERY_LENGTH]
    areas = selectors.proposals_by_area(q)
    count = sum(len(proposals) for _area, proposals in areas)
    return render(request, "proposals/list.html", {"areas": areas, "proposal_count": count, "q": q})
