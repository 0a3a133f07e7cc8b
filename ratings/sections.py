"""What the ratings app contributes to the proposal page: the figures (the aggregates: one query,
or none when they come from the shared cache) and the viewer's own scores (one more query for a
logged-in viewer).

``proposal_section`` is the one function that draws the section, for the page and for the answer
to a rating write alike. The figures are the same for every reader of a language: on a GET they
are kept in the shared cache under the proposal's activity stamp (every rating write moves it
inside its transaction, ``core.pagestamp``), so a hit reads no aggregates. Under that, each
criterion's figures are kept under a digest of the numbers they are drawn from
(``_criterion_key``), shared by the page and the write's answer: a write redraws only the criteria
whose numbers it changed. The viewer's own part (their score, the forms, whether they may rate)
is drawn for them around the figures on every request."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from core import consensus, pagecache
from core.pagecache import CSRF_PLACEHOLDER, request_token, with_token

from . import selectors
from .models import Criterion, Group


def _thresholds_hash() -> str:
    # The thresholds (settings) decide what is withheld and compared: a new setting, a new key.
    return hashlib.sha256(repr(consensus.current_thresholds()).encode()).hexdigest()[:12]


def _criterion_key(criterion: str, rows, thresholds: str) -> str:
    """The key of one criterion's figures, from exactly what they are drawn from: the criterion,
    the language, the thresholds and that criterion's aggregate rows of every group (``rating_summary``
    reads their counts, means and distributions, and ``withheld_groups`` the counts of all groups,
    ``compare`` the Korean and Japanese distributions; a missing row draws as a row of zeros).
    The same numbers draw the same figures, so the key needs no invalidation: a write redraws only
    the criteria whose numbers it changed, and the page and the write share what is drawn."""
    values = []
    for group in Group.values:
        row = rows.get((criterion, group))
        values.append((group, *((row.count, row.total, *row.distribution) if row else (0, 0, 0, 0, 0, 0, 0))))
    digest = hashlib.sha256(repr(values).encode()).hexdigest()[:20]
    return f"part:ratings:figures:{criterion}:{get_language()}:{thresholds}:{digest}"


# Each criterion's figures as last seen under their keys (``_criterion_key``), in front of the
# shared cache: a key names exactly what is drawn, so a copy kept in the process is never stale, and
# a write whose numbers were seen before (or a criterion it did not change) reads nothing.
_FIGURES: dict[str, str] = {}
_FIGURES_MAX = 512


def forget_kept_figures() -> None:
    """Empty the process's copies of the figures (tests: they count what is drawn and read)."""
    _FIGURES.clear()


def _figures(proposal, rows=None) -> list[str]:
    """Each criterion's figures (both nationalities' distributions and their comparison), drawn
    from ``rows`` (``selectors.aggregate_rows``; read when not given). With the page caches on,
    each criterion's figures are kept under the key of its numbers (``_criterion_key``), in the
    process and in the shared cache: only those kept in neither are drawn."""
    if rows is None:
        rows = selectors.aggregate_rows(proposal=proposal)
    if not settings.PROPOSAL_PAGE_CACHE:
        return _draw(proposal, rows, [criterion.value for criterion in Criterion])
    thresholds = _thresholds_hash()
    keys = {criterion.value: _criterion_key(criterion.value, rows, thresholds) for criterion in Criterion}
    found = {key: _FIGURES[key] for key in keys.values() if key in _FIGURES}
    if len(found) < len(keys):
        shared = cache.get_many([key for key in keys.values() if key not in found])
        found.update(shared)
        missing = [criterion for criterion, key in keys.items() if key not in found]
        if missing:
            drawn = {
                keys[criterion]: html
                for criterion, html in zip(missing, _draw(proposal, rows, missing), strict=True)
            }
            cache.set_many(drawn, pagecache.TIMEOUT)
            found.update(drawn)
        if len(_FIGURES) + len(keys) > _FIGURES_MAX:
            _FIGURES.clear()
        _FIGURES.update({key: found[key] for key in keys.values()})
    return [found[keys[criterion.value]] for criterion in Criterion]


def _draw(proposal, rows, criteria: list[str]) -> list[str]:
    """The figures of ``criteria`` (values, in ``Criterion`` order), drawn from ``rows``."""
    thresholds = consensus.current_thresholds()
    comparisons = selectors.compare(rows, thresholds)
    return [
        render_to_string("ratings/_figures.html", {"summary": summary, "comparison": comparison})
        for summary, comparison in zip(
            selectors.rating_summary(proposal=proposal, rows=rows), comparisons, strict=True
        )
        if summary.criterion.value in criteria
    ]


def figures_key(proposal) -> str:
    return f"part:ratings:{proposal.pk}:{proposal.activity_stamp}:{get_language()}:{_thresholds_hash()}"


def figures(request, proposal) -> list[SafeString]:
    """The figures per criterion (in ``Criterion`` order), from the cache on a GET."""
    if pagecache.cacheable_request(request):
        found = pagecache.kept(figures_key(proposal), lambda: _figures(proposal))
    else:
        found = _figures(proposal)
    return [mark_safe(html) for html in found]  # noqa: S308 - drawn by a template, escaped there


# Each criterion's controls (the rating form with the viewer's score chosen, the withdraw form, or
# just the score), drawn once per process for each key of ``_controls``. What they show depends
# only on the key (the code, templates and catalogues change with a deploy, which starts new
# processes), so they need no invalidation; the viewer's score is part of the key, and the CSRF
# placeholder stands for the request's token (core.pagecache), put in for every answer.
_CONTROLS: dict[tuple, str] = {}
_CONTROLS_MAX = 512


def _controls(request, proposal, criterion: Criterion, mine: int | None, can_rate: bool) -> SafeString:
    """``ratings/_controls.html`` for ``criterion`` as this viewer sees it: their score ``mine``
    (None: not rated), with the forms when they may rate (``can_rate``)."""
    if not can_rate and mine is None:
        return mark_safe("")
    key = (get_language(), proposal.slug, criterion.value, mine, can_rate)
    html = None if settings.DEBUG else _CONTROLS.get(key)
    if html is None:
        context = {
            "proposal": proposal,
            "item": {"criterion": criterion, "mine": mine},
            "scores": selectors.SCORES,
            "can_rate": can_rate,
            "csrf_token": CSRF_PLACEHOLDER,
        }
        html = render_to_string("ratings/_controls.html", context)
        if len(_CONTROLS) >= _CONTROLS_MAX:
            _CONTROLS.clear()
        _CONTROLS[key] = html
    if can_rate:
        html = with_token(html, request_token(request))
    return mark_safe(html)  # noqa: S308 - drawn by the template, escaped there; the token put in


def proposal_section(
    request, proposal, refusal, *, notice=None, notice_is_error: bool = False, rating=None, mine=None
) -> dict:
    """Context for ``ratings/_proposal_section.html``.

    ``notice`` is the outcome of a rating just posted with htmx, shown inside the section.
    ``rating`` is the one ``ratings.services.rating_set`` just returned: the aggregates and the
    viewer's scores come from it, as the write left them (no query), instead of being read.
    ``mine``: the viewer's scores (``selectors.scores_of``) when the page read them already.
    """
    if rating is not None and rating.aggregates_after is not None and rating.scores_after is not None:
        mine = rating.scores_after
        drawn = [mark_safe(html) for html in _figures(proposal, rating.aggregates_after)]  # noqa: S308
    else:
        if mine is None:
            mine = selectors.scores_of(user=request.user, proposal=proposal)
        drawn = figures(request, proposal)
    can_rate = refusal is None
    criteria = [
        {
            "criterion": criterion,
            "figures": html,
            "mine": mine.get(criterion.value),
            "controls": _controls(request, proposal, criterion, mine.get(criterion.value), can_rate),
        }
        for criterion, html in zip(Criterion, drawn, strict=True)
    ]
    return {
        "ratings": {
            "criteria": criteria,
            "scores": selectors.SCORES,
            "can_rate": can_rate,
            "login_required": not request.user.is_authenticated,
            "notice": notice,
            "notice_is_error": notice_is_error,
        }
    }
