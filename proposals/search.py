"""Searching proposals in Korean, Japanese and English.

PostgreSQL's full-text search splits text into words at spaces and punctuation, so its default
configuration finds nothing inside Japanese (no spaces at all) and misses Korean words carrying a
particle ("청년들" for "청년"). We match substrings instead: ``icontains`` on the current version's
title and summary in every language. On PostgreSQL, migration ``proposals.0003`` adds GIN trigram indexes
(pg_trgm) on exactly the expressions Django's ``icontains`` compares, ``UPPER(column::text)``, so
the planner can answer from the index once there are enough rows for it to matter (patterns of
three characters or more); SQLite scans, which is fine at its scale.
"""

from django.db.models import Q, QuerySet

from core.languages import LANGUAGE_CODES

# The translated columns of ProposalVersion that a search looks in (indexed on PostgreSQL).
SEARCHED_FIELDS = tuple(f"{name}_{code}" for name in ("title", "summary") for code in LANGUAGE_CODES)
MAX_QUERY_LENGTH = 100


def normalise_query(q: str | None) -> str:
    """Trim and collapse the search text (``search_q`` matches each space-separated word; Japanese,
    written without spaces, stays one term)."""
    return " ".join((q or "").split())


def search_q(q: str, *, prefix: str = "current_version__") -> Q:
    """A ``Q`` matching rows whose version (reached through ``prefix``) contains every word of
    ``q`` (words as separated by spaces; Japanese written without them stays one term) in the
    title or summary of any language: "반도체 설계" finds a proposal on 반도체 공동 설계."""
    condition = Q()
    for word in q.split():
        anywhere = Q()
        for name in SEARCHED_FIELDS:
            anywhere |= Q(**{f"{prefix}{name}__icontains": word})
        condition &= anywhere
    return condition


def search_proposals(queryset: QuerySet, q: str | None) -> QuerySet:
    """Proposals of ``queryset`` whose current version contains ``q`` (title or summary, any
    language, case-insensitive). An empty ``q`` returns ``queryset`` unchanged; the order is the
    queryset's own. For the site's proposal list as much as for the API."""
    q = normalise_query(q)[:MAX_QUERY_LENGTH]
    if not q:
        return queryset
    return queryset.filter(search_q(q))
