from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import get_language

from . import selectors
from .search import MAX_QUERY_LENGTH, normalise_query


def proposal_list(request):
    q = normalise_query(request.GET.get("q"))[:MAX_QUERY_LENGTH]
    areas = selectors.proposals_by_area(q)
    count = sum(len(proposals) for _area, proposals in areas)
    return render(request, "proposals/list.html", {"areas": areas, "proposal_count": count, "q": q})


def side_by_side(request, slug: str):
    """The current version in two chosen languages, in parallel columns (stacked on a phone).
    ``?left=ko&right=ja``; by default the reader's language and the other dialogue language.
    One query."""
    proposal = selectors.proposal_for_action(slug=slug)
    version = proposal.current_version
    assert version is not None  # proposal_for_action answers 404 for a proposal without one
    names = dict(settings.LANGUAGES)
    reader = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    left = request.GET.get("left") if request.GET.get("left") in names else reader
    if left not in names:
        left = "ko"
    default_right = "ja" if left != "ja" else "ko"
    right = request.GET.get("right") if request.GET.get("right") in names else default_right
    stale = set(version.stale_translations or [])
    columns = []
    for code in (left, right):
        with translation.override(code):
            name = translation.get_language_info(code)["name_local"]
        columns.append(
            {
                "code": code,
                "name": name,
                "title": getattr(version, f"title_{code}") or "",
                "summary": getattr(version, f"summary_{code}") or "",
                "body": getattr(version, f"body_{code}") or "",
                "stale": any(f"{field}_{code}" in stale for field in ("title", "summary", "body")),
            }
        )
    choices = []
    for code in names:
        with translation.override(code):
            choices.append((code, translation.get_language_info(code)["name_local"]))
    context = {
        "proposal": proposal,
        "version": version,
        "columns": columns,
        "left": columns[0],
        "right": columns[1],
        "choices": choices,
    }
    return render(request, "proposals/side_by_side.html", context)
