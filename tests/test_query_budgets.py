"""Query budgets of every route the benchmark loads (bench/runner.py), at two data sizes.

The data is the benchmark's own generator (``bench.seed``) at a small volume and at ten times it,
on top of the seeded proposals: threads with replies two levels deep, hidden and deleted
comments, amendments in every state with the versions they made, ratings with their aggregates,
reports, milestones. Each route must cost the same number of queries at both sizes: the count is
asserted exactly, so a change that adds a query per row fails here first. Timings are for
``make bench``, not for tests.

Thread pages are made small (two threads a page) so that page 50 exists at both sizes.
"""

import uuid

import pytest
from django.apps import apps
from django.conf import settings

from accounts.models import User
from bench import seed
from ratings.models import Rating
from tests.factories import InstitutionAPIKeyFactory

SMALL = seed.Volume(
    participants=30, comments=400, ratings=200, amendments=12, reports=6, milestones=14, thread_comments=300
)
SIZES = {"small": 1, "10x": 10}
HOT = seed.HOT_PROPOSAL
HTMX = {"HTTP_HX_REQUEST": "true"}

needs_api = pytest.mark.skipif(
    not apps.is_installed("api"), reason="the api app (institutions' REST API) is not installed yet"
)


def volume(size: str) -> seed.Volume:
    factor = SIZES[size]
    return seed.Volume(**{name: value * factor for name, value in SMALL.__dict__.items()})


@pytest.fixture
def world(seeded, monkeypatch, request):
    """The generated data at the size of the test's ``size`` parameter; returns the marker data."""
    monkeypatch.setattr("comments.selectors.PAGE_SIZE", 2)
    return seed.seed(volume(request.node.callspec.params["size"]))


def login(client, email: str):
    client.force_login(User.objects.get(email=email))
    return client


@pytest.fixture
def assert_queries(django_assert_num_queries):
    """``assert_queries(n, client, method, path, data=None, **extra)``: the second of two identical
    requests (the first warms per-process caches) answers 200 with exactly ``n`` queries."""

    def check(expected: int, client, method: str, path: str, data=None, **extra) -> None:
        def call():
            if method == "GET":
                return client.get(path, data, **extra)
            return client.post(path, data() if callable(data) else data, **extra)

        call()
        with django_assert_num_queries(expected):
            response = call()
        assert response.status_code == 200, (method, path, response.status_code)

    return check


# The visitor's cached page: the proposal's activity stamp (a query; with Redis, from its mirror
# there: core.stampmirror, none), then the page from the cache (with the database cache a query;
# nothing in the database with Redis). Threads and sections kept in the cache (comments.fragments)
# cost a read each the same way.
PAGE_STAMP = 0 if settings.CACHES["default"]["BACKEND"].endswith("RedisCache") else 1
PAGE_CACHE_GET = 1 if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache") else 0

# The counts, per route and viewer. "member" is a logged-in participant (member, verified email):
# session, user, and the participation check (one query) come on top of what anonymous costs.
BUDGETS = {
    # the list's stamp (proposals.selectors.list_stamp; the list itself is a fragment cached under
    # it, a read of the cache: a query with the database cache, none with Redis); member: + session,
    # user. Rendering the fragment (a miss) adds the proposals with current version and publication.
    ("list", "anonymous"): 1,
    ("list", "member"): 3,
    # proposal, further sources, authors of the cited publications, rating aggregates, amendments,
    # counts, roots, replies, the translations of the page's texts into the reader's language (one
    # query for all of them: translations.reading), the common-ground view (count per tab, one page
    # of the tab); member: + session, user, standing, own scores, own reactions
    ("page", "anonymous"): 11,
    ("page", "member"): 16,
    # the page's parts from the cache (comments.fragments, pages.views, ratings.sections): session,
    # user, proposal, standing, then own scores and the threads where the viewer wrote or reacted
    # in one query (pages.frames.own_state: was 6); two reads of the cache: the page's frame
    # (pages.frames), the rating figures and the page's list of threads in one
    # (pagecache.prefetched), then its threads (the new-comment form is kept in the process:
    # comments.sections.fresh_root_form)
    ("page", "member", "cached"): 5 + 2 * PAGE_CACHE_GET,
    # the common-ground panel for htmx: proposal, count per tab, one page of the tab, the page's
    # translations into the reader's language (one query: translations.reading)
    ("ground", "anonymous"): 4,
    # amendment page: + the translations of its rationale and comments, in one query
    ("amendment", "anonymous"): 6,
    ("amendment", "member"): 11,
    # threads from the cache: reads of the list of threads and of the threads in place of counts,
    # roots, replies, own reactions and their translations; member: + the threads where they
    # wrote or reacted
    ("amendment", "anonymous", "cached"): 3 + 2 * PAGE_CACHE_GET,
    ("amendment", "member", "cached"): 8 + 2 * PAGE_CACHE_GET,
    # the proposals' stamps: the body is a fragment cached under them (a read of the cache: a
    # query with the database cache, none with Redis). Rendering it (a miss) adds proposals (with
    # the comment and accepted-amendment counters the services keep on them), stages, aggregates.
    ("progress", "anonymous"): 1,
}


@pytest.mark.parametrize("size", SIZES)
def test_proposal_list_query_budget(client, world, assert_queries, size):
    assert_queries(BUDGETS["list", "anonymous"] + PAGE_CACHE_GET, client, "GET", "/en/proposals/")
    login(client, world["reader"])
    assert_queries(BUDGETS["list", "member"] + PAGE_CACHE_GET, client, "GET", "/ko/proposals/")


@pytest.mark.parametrize("page", [None, 50])
@pytest.mark.parametrize("size", SIZES)
def test_proposal_page_query_budget(client, world, assert_queries, size, page, settings):
    """What rendering the page costs (the visitor's cached page: the next test)."""
    settings.PROPOSAL_PAGE_CACHE = False
    params = {"page": page} if page else None
    assert_queries(BUDGETS["page", "anonymous"], client, "GET", f"/en/proposals/{HOT}/", params)
    login(client, world["reader"])
    assert_queries(BUDGETS["page", "member"], client, "GET", f"/ko/proposals/{HOT}/", params)


def translate_everything(language: str) -> int:
    """Every comment and rationale gets a published translation into ``language`` (and a queued
    machine row beside it, as while a provider works): what a page with translations on reads."""
    from comments.models import Comment
    from translations import registry
    from translations.models import Origin, Status, Translation

    rows = []
    translated = Translation.objects.filter(source_kind="comment.body", target_language=language)
    comments = Comment.objects.exclude(language=language).exclude(pk__in=translated.values("source_id"))
    for comment in comments.only("pk", "body", "language"):
        digest = registry.text_hash(comment.body)
        common = {
            "source_kind": "comment.body",
            "source_id": comment.pk,
            "source_language": comment.language,
            "source_hash": digest,
            "target_language": language,
        }
        rows.append(
            Translation(
                text=f"[{language}] {comment.body}", origin=Origin.AUTHOR, status=Status.PUBLISHED, **common
            )
        )
        rows.append(Translation(origin=Origin.MACHINE, provider="deepl", status=Status.QUEUED, **common))
    Translation.objects.bulk_create(rows, batch_size=500)
    return len(rows)


@pytest.mark.parametrize("page", [None, 50])
@pytest.mark.parametrize("size", SIZES)
def test_cached_proposal_page_query_budget(client, world, assert_queries, size, page):
    """A visitor's page from the shared cache: the proposal's stamp, then the cache."""
    params = {"page": page} if page else None
    assert_queries(PAGE_STAMP + PAGE_CACHE_GET, client, "GET", f"/en/proposals/{HOT}/", params)
    assert_queries(PAGE_STAMP + PAGE_CACHE_GET, client, "GET", f"/ja/proposals/{HOT}/", params)


@pytest.mark.parametrize("page", [None, 50])
@pytest.mark.parametrize("size", SIZES)
def test_cached_proposal_page_costs_no_query_with_redis(
    client, world, redis_cache, assert_queries, size, page
):
    """With Redis (production, make bench), the stamp comes from its mirror there (core.stampmirror)
    and the page from the cache: a visitor's page costs no query at all."""
    params = {"page": page} if page else None
    assert_queries(0, client, "GET", f"/en/proposals/{HOT}/", params)
    assert_queries(0, client, "GET", f"/ja/proposals/{HOT}/", params)


@pytest.mark.parametrize("page", [None, 50])
@pytest.mark.parametrize("size", SIZES)
def test_cached_threads_member_page_query_budget(client, world, assert_queries, size, page):
    """A participant's page with the threads from the shared cache (comments.fragments)."""
    params = {"page": page} if page else None
    login(client, world["reader"])
    assert_queries(BUDGETS["page", "member", "cached"], client, "GET", f"/ko/proposals/{HOT}/", params)
    assert_queries(BUDGETS["page", "member", "cached"], client, "GET", f"/ja/proposals/{HOT}/", params)


@pytest.mark.parametrize("page", [None, 50])
@pytest.mark.parametrize("size", SIZES)
def test_cached_member_page_query_budget_with_redis(client, world, redis_cache, assert_queries, size, page):
    """With Redis (production, make bench) the session, the proposal as of its stamp, the
    participant's standing as of theirs and the cached parts cost no query: a participant's page
    is user, then own scores and the threads where they wrote or reacted in one (was 3)."""
    params = {"page": page} if page else None
    login(client, world["reader"])
    assert_queries(2, client, "GET", f"/ko/proposals/{HOT}/", params)
    assert_queries(2, client, "GET", f"/ja/proposals/{HOT}/", params)


@pytest.mark.parametrize("size", SIZES)
def test_proposal_page_with_translations_query_budget(client, world, assert_queries, size, settings):
    settings.PROPOSAL_PAGE_CACHE = False
    """Translations on (the seed's machine translations of the hot thread, published ones for
    every other comment, machine work queued): the same budget at both sizes, and the page shows
    them."""
    from translations.models import Translation

    assert Translation.objects.filter(source_kind="comment.body", target_language="ja").exists()
    assert translate_everything("ja")
    assert_queries(BUDGETS["page", "anonymous"], client, "GET", f"/ja/proposals/{HOT}/")
    assert "translation-label" in client.get(f"/ja/proposals/{HOT}/").content.decode()
    login(client, world["reader"])
    assert_queries(BUDGETS["page", "member"], client, "GET", f"/ja/proposals/{HOT}/", {"page": 50})
    path = f"/ja/proposals/{HOT}/amendments/{world['bench_amendment']}/"
    assert_queries(BUDGETS["amendment", "member"], client, "GET", path)


@pytest.mark.parametrize("tab", ["common", "differences", "needs_votes"])
@pytest.mark.parametrize("size", SIZES)
def test_common_ground_panel_query_budget(client, world, assert_queries, size, tab):
    path = f"/en/proposals/{HOT}/comments/common-ground/"
    assert_queries(BUDGETS["ground", "anonymous"], client, "GET", path, {"ground": tab}, **HTMX)
    ground = client.get(path, {"ground": tab}, **HTMX).context["ground"]
    # The bench data puts comments under every tab: the count stays the same with more of them.
    assert ground.counts[tab] > 0
    assert len(ground.items) == min(ground.counts[tab], 20)


@pytest.mark.parametrize("size", SIZES)
def test_page_50_exists_at_both_sizes(client, world, assert_queries, size):
    response = client.get(f"/en/proposals/{HOT}/", {"page": 50})
    assert response.context["comment_section"].page.number == 50


@pytest.mark.parametrize("size", SIZES)
def test_amendment_page_query_budget(client, world, assert_queries, size, settings):
    path = f"/en/proposals/{HOT}/amendments/{world['bench_amendment']}/"
    assert_queries(BUDGETS["amendment", "anonymous", "cached"], client, "GET", path)
    settings.PROPOSAL_PAGE_CACHE = False
    assert_queries(BUDGETS["amendment", "anonymous"], client, "GET", path)
    login(client, world["reader"])
    assert_queries(BUDGETS["amendment", "member"], client, "GET", path)
    settings.PROPOSAL_PAGE_CACHE = True
    assert_queries(BUDGETS["amendment", "member", "cached"], client, "GET", path)


@pytest.mark.parametrize("size", SIZES)
def test_progress_dashboard_query_budget(client, world, assert_queries, size):
    assert_queries(BUDGETS["progress", "anonymous"] + PAGE_CACHE_GET, client, "GET", "/en/progress/")


# API: the key, remembered in the cache once verified (institutions.keys: one read of the cache),
# then its rate limit, one counter in the cache (with the database cache, incr is a read, then a
# count, a lookup and an update in a savepoint); nothing in the database with Redis. Then the data.
DATABASE_CACHE = settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
API_KEY = 1 if DATABASE_CACHE else 0
API_RATE_LIMIT = 6 if DATABASE_CACHE else 0
# A participant's write first counts against its two throttle windows (core.throttles, allauth's
# limiter): with the database cache, per window a lock (count, select, insert), the history
# (count, select, update, delete of the lock) in savepoints: 12 queries; none with Redis.
PARTICIPANT_THROTTLE = 2 * 12 if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache") else 0
# proposals: count, page (with version and publication), stages per jurisdiction
API_PROPOSAL_LIST = 3
# comments: the proposal, a page of 50 (with authors), their published translations (one query)
API_COMMENT_PAGE = 3
# With Redis (production, make bench) both pages come from the cache (api.responsecache) under a
# stamp: the proposals' list stamp (one query; a miss then counts and reads the page as before: 4);
# the proposal's activity stamp from its mirror in Redis (none).
REDIS = settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
if REDIS:
    API_PROPOSAL_LIST, API_COMMENT_PAGE = 1, 0
# The new thread alone for htmx (was the page it landed on, 19): proposal; session, user, standing;
# in one transaction the insert (its unique client token finds a resubmitted form's comment,
# without a look-up before: was 13; ON CONFLICT DO NOTHING says so without a savepoint around it,
# core.compiled.insert(if_new=True): was 12), root, audit entry, the proposal's activity stamp
# (core.pagestamp: one UPDATE, which also moves and returns the heading's count,
# Proposal.discussion_count: was 14 with a COUNT over the discussion after it). The standing is
# checked once, in the view, and handed to the service (was 18). The thread is drawn from the comment
# just written, which has no replies and no reactions yet (was 17: root, replies, own reactions read
# back).
POST_COMMENT = 10
# session, user, proposal, standing (asked once, in the view, and handed to the service); in one
# transaction the rater's scores (locked), the proposal's aggregates (locked; they exist, so none is
# created), one UPDATE for the two aggregates moved alike (everyone, the rater's group), the
# proposal's activity stamp (core.pagestamp), the rating, audit entry (and, in tests, the transaction's
# savepoint and its release). The section is drawn from
# what the transaction read and wrote (was 16: standing again, aggregate rows ensured, two aggregate
# updates, then own scores and aggregates read again).
CHANGE_RATING = 12
# A first rating: as a change, but the rating is inserted (its unique key says whether a
# concurrent request of the rater's inserted it first: ON CONFLICT DO NOTHING, no savepoint around
# it; was 2 more) and nothing is read back.
FIRST_RATING = 12
# The section's figures are kept per criterion under their numbers (ratings.sections): the answer
# reads them from the cache (one get_many) and keeps the one criterion the write changed (with the
# database cache: a read, then the set: count, select, insert in a savepoint and its release);
# nothing in the database with Redis.
RATING_FIGURES_CACHE = 1 + 5 if DATABASE_CACHE else 0


@needs_api
@pytest.mark.parametrize("size", SIZES)
def test_api_proposal_list_query_budget(client, world, assert_queries, size):
    key = InstitutionAPIKeyFactory()
    assert_queries(
        API_KEY + API_RATE_LIMIT + API_PROPOSAL_LIST,
        client,
        "GET",
        "/api/v1/proposals/",
        HTTP_AUTHORIZATION=f"Api-Key {key.key}",
    )


@needs_api
@pytest.mark.parametrize("size", SIZES)
def test_api_comment_cursor_page_query_budget(client, world, assert_queries, size):
    key = InstitutionAPIKeyFactory()
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {key.key}"}
    first = client.get(f"/api/v1/proposals/{HOT}/comments/", {"page_size": 50}, **auth).json()
    assert first["next"]
    assert_queries(API_KEY + API_RATE_LIMIT + API_COMMENT_PAGE, client, "GET", first["next"], **auth)


@needs_api
@pytest.mark.parametrize("size", SIZES)
def test_api_pages_from_redis_query_budget(client, world, redis_cache, assert_queries, size):
    """With Redis the key, its rate limit, the proposal's stamp and the page cost no query; the
    proposal list's stamp one."""
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {InstitutionAPIKeyFactory().key}"}
    assert_queries(1, client, "GET", "/api/v1/proposals/", **auth)
    first = client.get(f"/api/v1/proposals/{HOT}/comments/", {"page_size": 50}, **auth).json()
    assert_queries(0, client, "GET", first["next"], **auth)


@pytest.mark.parametrize("size", SIZES)
def test_posting_a_comment_query_budget(client, world, assert_queries, size):
    login(client, world["writers"][0])

    def body():
        return {"body": "ベンチマーク", "language": "ja", "stance": "for", "client_token": str(uuid.uuid4())}

    assert_queries(
        POST_COMMENT + PARTICIPANT_THROTTLE, client, "POST", f"/ja/proposals/{HOT}/comments/", body, **HTMX
    )


@pytest.mark.parametrize("size", SIZES)
def test_changing_a_rating_query_budget(client, world, assert_queries, size):
    login(client, world["writers"][0])
    scores = iter([4, 5])

    def body():
        return {"criterion": "importance", "score": next(scores)}

    assert_queries(
        CHANGE_RATING + RATING_FIGURES_CACHE + PARTICIPANT_THROTTLE,
        client,
        "POST",
        f"/ja/proposals/{HOT}/ratings/",
        body,
        **HTMX,
    )


@pytest.mark.parametrize("size", SIZES)
def test_a_first_rating_query_budget(client, world, django_assert_num_queries, size):
    login(client, world["writers"][0])
    path = f"/ja/proposals/{HOT}/ratings/"
    client.post(path, {"criterion": "feasibility", "score": 3}, **HTMX)  # warms the process's caches
    client.post(f"{path}withdraw/", {"criterion": "feasibility"}, **HTMX)
    with django_assert_num_queries(FIRST_RATING + RATING_FIGURES_CACHE + PARTICIPANT_THROTTLE):
        response = client.post(path, {"criterion": "feasibility", "score": 4}, **HTMX)
    assert response.status_code == 200
    assert Rating.objects.filter(
        user__email=world["writers"][0], proposal__slug=HOT, criterion="feasibility", score=4
    ).exists()
