"""Reads shared by pages, the API and the admin. Each returns its data in a fixed number of queries."""

import functools
import logging
import time
from itertools import groupby
from typing import Any

from django.core.cache import cache
from django.db import connections, router, transaction
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404

from core import pagecache, stampmirror
from core.languages import LANGUAGE_CODES

from .models import Citation, PolicyArea, Proposal, Publication
from .search import search_proposals

log = logging.getLogger(__name__)

LANGUAGE_SUFFIXES = ["", *(f"_{code}" for code in LANGUAGE_CODES)]


def proposal_list() -> QuerySet[Proposal]:
    """Proposals with what they currently say and their source, in reading order (one query)."""
    return Proposal.objects.select_related("current_version", "publication").order_by(
        "policy_area", "position", "slug"
    )


def proposals_by_area(q: str = "") -> list[tuple[PolicyArea, list[Proposal]]]:
    """Proposals grouped by policy area, areas in their declared order, empty areas left out;
    only those matching ``q`` (any language, substring: works for Japanese) when given."""
    order = {area: index for index, area in enumerate(PolicyArea.values)}
    # The list shows titles and summaries only: leave the long texts in the database.
    long_texts = [f"current_version__body{suffix}" for suffix in LANGUAGE_SUFFIXES] + [
        f"quote{suffix}" for suffix in LANGUAGE_SUFFIXES
    ]
    proposals = sorted(
        search_proposals(proposal_list().defer(*long_texts), q),
        key=lambda p: (order[p.policy_area], p.position, p.slug),
    )
    return [
        (PolicyArea(area), list(items)) for area, items in groupby(proposals, key=lambda p: p.policy_area)
    ]


def list_stamp() -> str:
    """A key for what the proposal list shows (one query): it changes whenever a proposal comes or
    goes or any proposal's activity stamp moves, which every write changing a title, a summary or a
    stage does (core.pagestamp; stamps only go up)."""
    using = router.db_for_read(Proposal)
    with connections[using].cursor() as cursor:
        cursor.execute(_list_stamp_sql(using))
        count, total, last = cursor.fetchone()
    return f"{count}.{int(total or 0)}.{last or 0}"


@functools.cache
def _list_stamp_sql(using: str) -> str:
    """``list_stamp``'s query, ``Proposal.objects.aggregate(Count("pk"), Sum("activity_stamp"),
    Max("pk"))`` written once: it runs on every proposal list, dashboard and API list, where
    building the aggregate through the ORM took a quarter of the workers' time (make bench's API
    list, py-spy --gil), for a query of a few hundred rows."""
    quote = connections[using].ops.quote_name
    meta = Proposal._meta
    pk, stamp = quote(meta.pk.column), quote(meta.get_field("activity_stamp").column)
    return f"SELECT COUNT({pk}), SUM({stamp}), MAX({pk}) FROM {quote(meta.db_table)}"  # noqa: S608 - names from the model


def page_stamp(*, slug: str) -> tuple[int, int]:
    """``(pk, activity_stamp)`` of the proposal the page ``slug`` shows, or 404: from the mirror
    in Redis when it has it (no query, ``core.stampmirror``), else one query (and the mirror filled)."""
    mirrored = stampmirror.read(slug)
    if mirrored is not None:
        return mirrored
    return _stamp_from_the_database(slug)


def page_stamp_then_get(*, slug: str, key: tuple[str, str]) -> tuple[int, int, Any]:
    """``page_stamp``, with what the cache holds under the key made of ``key``'s start and end
    around ``"<pk>:<stamp>"``: in the same round trip when the stamp is mirrored (``NOT_READ``
    when it came from the database: the caller reads the cache itself)."""
    mirrored = stampmirror.read_then_get(slug, key)
    if mirrored is not None:
        return mirrored
    return (*_stamp_from_the_database(slug), NOT_READ)


NOT_READ = object()


def _stamp_from_the_database(slug: str) -> tuple[int, int]:
    read_at = time.monotonic()
    found = (
        Proposal.objects.filter(slug=slug, current_version__isnull=False)
        .values_list("pk", "activity_stamp")
        .first()
    )
    if found is None:
        raise Http404
    stampmirror.fill(slug, found[0], found[1], read_at)
    return found


def proposal_detail(*, slug: str, sources: bool = True) -> Proposal:
    """One proposal with its current version, programme, publication, further sources and every
    cited publication's authors (three queries, ``proposal_by_slug``'s first among them; one without
    ``sources``: ``prefetch_sources`` loads them later, when the page draws them)."""
    found = proposal_by_slug(slug=slug)
    if sources:
        prefetch_sources(found)
    return found


# Kept by the services in their own transactions and read by the dashboard and the discussion
# heading (comments.selectors.comment_count), not from here: left out of the copy kept in the
# cache (reading one would load it from the database).
COUNTERS = ("comment_count", "accepted_amendment_count", "discussion_count")
# The stamp a copy from proposal_by_slug was read at: only such a copy is ever kept by keep_moved
# (not a proposal made or loaded elsewhere, by a factory, a form or the admin).
READ_AT_STAMP = "_read_at_stamp"


def proposal_by_slug(*, slug: str, recent_writers: float | None = None) -> Proposal:
    """The published proposal ``slug`` with its current version, publication and programme, or 404.

    One query; none when the stamps are mirrored in Redis (``core.stampmirror``) and the proposal
    as of its current stamp is in the cache. The stamp moves with every write that changes the
    proposal, its versions, its publication or its programme (``core.pagestamp``,
    ``proposals.signals``), so a copy kept under ``(pk, stamp)`` is the row as it was at that
    stamp: a write makes it unreachable at once. The key comes from the row read itself, so a
    copy can never be kept under a stamp it does not belong to. (``recent_writers``: see
    ``proposal_for_write``.)"""
    # The stamp and the copy kept under it, in one round trip.
    mirrored = stampmirror.read_then_get(slug, KEPT, recent=recent_writers) if stampmirror.enabled() else None
    if mirrored is not None:
        _pk, stamp, kept = mirrored
        if isinstance(kept, Proposal):
            # Kept under this stamp as the row at an earlier one (keep_moved): the key's stamp.
            kept.activity_stamp = kept.__dict__[READ_AT_STAMP] = stamp
            return kept
    read_at = time.monotonic()
    found: Proposal = get_object_or_404(
        Proposal.objects.select_related("current_version", "publication", "programme").defer(*COUNTERS),
        slug=slug,
        current_version__isnull=False,
    )
    if stampmirror.enabled():
        stampmirror.fill(slug, found.pk, found.activity_stamp, read_at)
        cache.set(_kept_key(found.pk, found.activity_stamp), found, pagecache.TIMEOUT)
    found.__dict__[READ_AT_STAMP] = found.activity_stamp
    return found


# How many stamps another writer's may have taken between a copy's read and this write's, at
# most, for the copy still to be kept (each must be marked as having moved nothing kept).
MOST_BETWEEN = 16


def keep_moved(proposal: Proposal, stamps: dict[int, int]) -> None:
    """After a write that changed nothing of ``proposal`` that ``proposal_by_slug`` keeps but its
    stamp (a new comment or rating: only the stamp and a counter move, and the counters are not
    kept), keep the copy under its new stamp once the write commits, so that the next page or
    write does not read the row again.

    Once committed, the write marks its stamp as one that moved nothing kept. The copy is the
    row at the stamp it was read at; other writes may have moved the stamp between that read and
    this write's (``stamps``: what ``pagestamp.touch`` returned, read under the row's lock, which
    this transaction holds until it commits, so every stamp in between is committed by then). The
    copy is kept only if each of those is marked too: the row it holds is then the row at the new
    stamp. A write that changes what is kept (a new text, an admin's edit) marks nothing, so a
    copy read before it is never kept after it. Marks are set after the commit only, so a stamp
    a rolled-back write took (and a later write takes again) is never marked for it.

    What is kept under the new stamp is what the cache holds under the copy's (the same row; its
    stamp is the key's, set when it is read back): copied inside Redis with the check and the mark,
    in one round trip, without pickling the proposal again (``_KEEP``)."""
    stamp = stamps.get(proposal.pk)
    read_at = proposal.__dict__.get(READ_AT_STAMP)
    if stamp is None:
        return
    keys = [_moved_nothing_key(proposal.pk, stamp)]
    if read_at == proposal.activity_stamp and read_at is not None and 0 < stamp - read_at <= MOST_BETWEEN:
        keys += [_kept_key(proposal.pk, read_at), _kept_key(proposal.pk, stamp)]
        keys += [_moved_nothing_key(proposal.pk, other) for other in range(read_at + 1, stamp)]

    def after_commit() -> None:
        try:
            stampmirror.run_script(_KEEP, keys, [pagecache.TIMEOUT])
        except Exception:  # the next read takes the row from the database: nothing is wrong
            log.warning("proposal %s not kept under its new stamp", proposal.pk, exc_info=True)

    # In the round trip of the stamp's release when there is one (there is, after a touch).
    what = f"keeping proposal {proposal.pk} under its new stamp"
    if not stampmirror.after_release(_KEEP, keys, [pagecache.TIMEOUT], what=what):
        transaction.on_commit(after_commit)


# KEYS: this write's mark, then (when the copy in hand may be kept) the copy's key at the stamp it
# was read at, its key at this write's stamp, and the marks of every stamp in between.
# ARGV: how long to keep (seconds). -> 1 when kept.
_KEEP = """
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
if #KEYS < 3 then return 0 end
for i = 4, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then return 0 end
end
if redis.call('COPY', KEYS[2], KEYS[3]) == 0 then return 0 end
redis.call('EXPIRE', KEYS[3], ARGV[1])
return 1
"""


def _moved_nothing_key(pk: int, stamp: int) -> str:
    return f"proposal:{pk}:{stamp}:moved-nothing"


# The key of the copy kept under a stamp: its start and end around "<pk>:<stamp>".
KEPT = ("proposal:", "")


def _kept_key(pk: int, stamp: int) -> str:
    return f"{KEPT[0]}{pk}:{stamp}{KEPT[1]}"


def prefetch_sources(proposal: Proposal) -> None:
    """The further sources of a proposal loaded without them, and every cited publication's
    authors (two queries)."""
    prefetch_related_objects([proposal], citations_prefetch())
    prefetch_authors(proposal)


def citations_prefetch() -> Prefetch:
    """A proposal's further sources with their publications (one query)."""
    return Prefetch(
        "citations", queryset=Citation.objects.select_related("publication").order_by("position", "pk")
    )


def cited_publications(proposal: Proposal) -> list[Publication]:
    """The main publication, then those of the further sources (prefetched with
    ``citations_prefetch``)."""
    return [proposal.publication, *(citation.publication for citation in proposal.citations.all())]


def prefetch_authors(*proposals: Proposal) -> None:
    """The authors of every publication the proposals cite, in one query."""
    prefetch_related_objects([p for proposal in proposals for p in cited_publications(proposal)], "authors")


def proposal_for_action(*, slug: str) -> Proposal:
    """The published proposal a feature acts on (comment, rate, amend, read its versions), with its
    current version and its programme for the permission check (``proposal_by_slug``: one query at most),
    or 404."""
    return proposal_by_slug(slug=slug)


# How long a write of the proposal may have been in flight and still not keep a participant's
# comment or rating from the copy kept under the stamp last released (seconds).
RECENT_WRITERS = 2.0


def proposal_for_write(*, slug: str) -> Proposal:
    """``proposal_for_action`` for a participant's new comment or rating, which changes nothing of
    the proposal but its stamp and counters (``keep_moved``): from the cache as of the stamp last
    released even while other writes of the proposal are in flight, as they nearly always are when
    many participants write at once (the page, ``proposal_by_slug``, reads the database then).

    What that risks: such a copy is as old as the writes committed but not yet released, which is
    the moment between a commit and its ``on_commit`` hook (the same moment as between a database
    read and this write's lock), or at most ``RECENT_WRITERS`` seconds when a release failed
    (``stampmirror.read(recent=...)``). The write checks its participation against the programme of
    that copy (its window is a range of dates), and nothing it writes comes from the copy but the
    proposal's key. The copy is kept under the write's stamp only if every stamp in between moved
    nothing kept (``keep_moved``), so an older copy never reaches a page."""
    return proposal_by_slug(slug=slug, recent_writers=RECENT_WRITERS)
