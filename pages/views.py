"""Pages made of several features. Each feature contributes a *section*: a function
``proposal_section(request, proposal, refusal) -> dict`` in ``<app>/sections.py`` that returns
the context of its partial template (``<app>/_proposal_section.html``), included by the page's
template. The page loads what they share once (the proposal, the viewer's participation refusal)
and hands it to each of them."""

import functools
from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts import selectors as account_selectors
from accounts.forms import NationalityChangeForm, ProfileForm
from accounts.models import User
from accounts.permissions import participation_refusal
from accounts.services import profile_update
from accounts.signals import switch_language
from amendments import sections as amendment_sections
from comments import fragments
from comments import sections as comment_sections
from comments import selectors as comment_selectors
from comments.ground import LABEL_NAMES as GROUND_LABELS
from core import consensus, pagecache
from core.errors import DeliberationError
from notifications.selectors import latest_for
from proposals import selectors as proposal_selectors
from proposals.search import MAX_QUERY_LENGTH, normalise_query
from ratings import sections as rating_sections

from . import cache as page_cache
from . import frames


def part_key(name: str, proposal, *more: object) -> str:
    """The cache key of a part of the proposal page: the proposal's activity stamp (moved by every
    write that changes the page, core.pagestamp), the language, and ``more`` the part depends on."""
    return ":".join(
        ["part", name, str(proposal.pk), str(proposal.activity_stamp), get_language(), *map(str, more)]
    )


def article_html(proposal) -> str:
    """The proposal's text, stage and sources: the same for every reader of a language, kept in
    the shared cache (a proposal loaded without its sources gets them when they are drawn)."""

    def draw() -> str:
        proposal_selectors.prefetch_sources(proposal)
        context = {
            "proposal": proposal,
            "version": proposal.current_version,
            "publication": proposal.publication,
        }
        return render_to_string("proposals/_article.html", context)

    return pagecache.fragment(part_key("article", proposal), draw)


def amendment_section(request: HttpRequest, proposal, refusal) -> dict[str, Any]:
    """The amendments section: the same for every viewer of a kind (``comments.fragments.variant``:
    whether they may propose, how they read translations; moderators, who see hidden text, are
    never served from the cache), kept whole under the proposal's stamp."""
    variant = fragments.variant(request, refusal)
    if variant is None:
        return amendment_sections.proposal_section(request, proposal, refusal)

    def draw() -> str:
        context = amendment_sections.proposal_section(request, proposal, refusal)
        return render_to_string("amendments/_proposal_section.html", context, request=request)

    return {"amendments_html": fragments.section_html(request, proposal, variant, "amendments", draw)}


def page_part_keys(request: HttpRequest, proposal, refusal) -> list[str]:
    """The cache keys of the parts of the proposal page this request reads, known once the proposal
    (and its stamp) is loaded: read together in one round trip (``pagecache.prefetched``)."""
    keys = [part_key("article", proposal), rating_sections.figures_key(proposal)]
    variant = fragments.variant(request, refusal)
    if variant is not None:
        keys += [
            fragments.section_key(proposal, variant, "amendments"),
            fragments.section_key(proposal, variant, "ground"),
            fragments.skeleton_key(
                proposal,
                None,
                comment_selectors.normalise_sort(request.GET.get("sort")),
                comment_selectors.normalise_page(request.GET.get("page")),
            ),
        ]
    return keys


# The proposal page's sections, in the order the template shows them.
PROPOSAL_SECTIONS: list[Callable[..., dict[str, Any]]] = [
    rating_sections.proposal_section,
    amendment_section,
    comment_sections.ground_section,
    comment_sections.proposal_section,
]
PROFILE_NOTIFICATIONS = 20


def own_sections(request: HttpRequest, proposal, refusal) -> dict[str, Any]:
    """The context of the sections drawn for each viewer around a frame of the page (``pages.frames``),
    with the viewer's scores and the threads where they wrote or reacted read in one query."""
    mine, own = frames.own_state(request, proposal)
    return {
        "proposal": proposal,
        **rating_sections.proposal_section(request, proposal, refusal, mine=mine),
        **comment_sections.proposal_section(request, proposal, refusal, own=own),
    }


def proposal_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The proposal page: its current text and source, then ratings, amendments and comments.

    The participation check runs once here and is handed to every section. A visitor's page comes
    from the shared cache, keyed by the proposal's activity stamp (``pages.cache``); a
    participant's is drawn around a frame kept there (``pages.frames``)."""

    def page(extra: dict[str, Any] | None = None) -> HttpResponse:
        parts = pagecache.cacheable_request(request)
        proposal = proposal_selectors.proposal_detail(slug=slug, sources=not parts)
        refusal = participation_refusal(request.user, proposal.programme)
        frame_key = frames.key(request, proposal, refusal) if parts and extra is None else None
        if frame_key is not None:
            with pagecache.prefetched([frame_key, *frames.own_keys(request, proposal)]):
                pieces = pagecache.get(frame_key)
                if pieces is not None:
                    own = own_sections(request, proposal, refusal)
                    return frames.response(request, pieces, frames.own_parts(request, own))
        context = {
            "proposal": proposal,
            "version": proposal.current_version,
            "publication": proposal.publication,
            "refusal": refusal,
            **(extra or {}),
        }
        with pagecache.prefetched(page_part_keys(request, proposal, refusal) if parts else []):
            if parts:
                context["article_html"] = article_html(proposal)
            for section in PROPOSAL_SECTIONS:
                context.update(section(request, proposal, refusal))
        if frame_key is not None:
            return frames.drawn(request, frame_key, context)
        return render(request, "proposals/detail.html", context)

    if page_cache.cacheable(request):
        pk, stamp, content = proposal_selectors.page_stamp_then_get(
            slug=slug, key=page_cache.page_key_around(request)
        )
        return page_cache.cached_page(request, pk, stamp, page, content)
    return page()


def proposal_list(request: HttpRequest) -> HttpResponse:
    """The proposals (by policy area); with a search, also the comments that match it, in their
    text or in a published translation (a Korean query finds a Japanese comment through its
    Korean translation), each shown in the reader's language."""
    q = normalise_query(request.GET.get("q"))[:MAX_QUERY_LENGTH]
    # The list itself is a fragment cached under the proposals' stamps (list.html): loaded only
    # when the fragment is rendered (the template calls these).
    areas = functools.cache(partial(proposal_selectors.proposals_by_area, q))
    context: dict[str, Any] = {
        "areas": areas,
        "proposal_count": lambda: sum(len(proposals) for _area, proposals in areas()),
        "list_stamp": proposal_selectors.list_stamp(),
        "q": q,
        "comment_matches": comment_selectors.search(q=q) if q else [],
    }
    comment_sections.read(request, context["comment_matches"])
    return render(request, "proposals/list.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's own profile: edit it, see their programmes and latest notifications."""
    user, status = request.user, 200
    assert isinstance(user, User)  # login_required
    form = ProfileForm.for_user(user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        try:
            if form.is_valid():
                language_before = user.preferred_language
                profile_update(user=user, **form.cleaned_data)
                response = redirect("accounts:profile")
                if user.preferred_language != language_before:
                    switch_language(request, response, user.preferred_language)
                messages.success(request, _("Your profile has been saved."))
                return response
        except DeliberationError as exc:
            form.add_error(exc.field, exc.message)
        status = 400
    context = {
        "form": form,
        "memberships": account_selectors.memberships_of(user),
        "nationality_form": NationalityChangeForm(),
        "nationality_change": account_selectors.pending_nationality_change(user),
        "notifications": latest_for(user, limit=PROFILE_NOTIFICATIONS),
    }
    return render(request, "accounts/profile.html", context, status=status)


def common_ground_method(request: HttpRequest) -> HttpResponse:
    """How the common-ground labels and rating figures are calculated, with the thresholds in force
    and worked examples computed by the same functions the pages use."""
    thresholds = consensus.current_thresholds()
    examples = [
        (kr, jp, consensus.comment_score(kr, jp, thresholds))
        for kr, jp in (
            (consensus.Side(agree=9, disagree=1), consensus.Side(agree=8, disagree=2)),
            (consensus.Side(agree=500), consensus.Side(agree=2, disagree=8)),
        )
    ]
    context = {
        "thresholds": thresholds,
        "metric_version": consensus.METRIC_VERSION,
        "examples": examples,
        "ground_labels": GROUND_LABELS,
    }
    return render(request, "pages/common_ground_method.html", context)
