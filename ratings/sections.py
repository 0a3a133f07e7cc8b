"""What the ratings app contributes to the proposal page: the aggregates (one query) and the
viewer's own scores (one more query for a logged-in viewer)."""

from core import consensus

from . import selectors


def proposal_section(
    request, proposal, refusal, *, notice=None, notice_is_error: bool = False, rating=None
) -> dict:
    """Context for ``ratings/_proposal_section.html``.

    ``notice`` is the outcome of a rating just posted with htmx, shown inside the section.
    ``rating`` is the one ``ratings.services.rating_set`` just returned: the aggregates and the
    viewer's scores come from it, as the write left them (no query), instead of being read.
    """
    if rating is not None and rating.aggregates_after is not None and rating.scores_after is not None:
        mine, rows = rating.scores_after, rating.aggregates_after
    else:
        mine = selectors.scores_of(user=request.user, proposal=proposal)
        rows = selectors.aggregate_rows(proposal=proposal)
    thresholds = consensus.current_thresholds()
    comparisons = selectors.compare(rows, thresholds)
    criteria = [
        {"summary": summary, "mine": mine.get(summary.criterion.value), "comparison": comparison}
        for summary, comparison in zip(
            selectors.rating_summary(proposal=proposal, rows=rows), comparisons, strict=True
        )
    ]
    return {
        "ratings": {
            "criteria": criteria,
            "scores": selectors.SCORES,
            "can_rate": refusal is None,
            "login_required": not request.user.is_authenticated,
            "notice": notice,
            "notice_is_error": notice_is_error,
            "both_sides": selectors.both_sides_support(comparisons),
            "min_raters": thresholds.min_raters,
        }
    }
