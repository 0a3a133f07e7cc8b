"""Time of the two benchmarked writes through the test client, and their queries (not part of the
suite: the name is not test_*). Data: the benchmark's generator at the query-budget tests' small
volume; the requests are the bench's own (bench.runner: write_comment, write_rating, htmx).

Run: .venv/bin/pytest -q -s -p no:xdist tests/perf_writes.py  (add -k comment or -k rating;
PERF_SQL=1 prints the SQL of one request, PERF_PROFILE=1 a cProfile of the timed writes)
"""

import cProfile
import os
import pstats
import time
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from bench import seed
from tests.test_query_budgets import SMALL

ROUNDS = 50
HTMX = {"HTTP_HX_REQUEST": "true"}


def comment_body(sequence: int) -> dict:
    return {
        "body": "ベンチマークのコメントです。賛成します。",
        "language": "ja",
        "stance": "for",
        "client_token": str(uuid.uuid4()),
    }


def rating_body(sequence: int) -> dict:
    return {"criterion": "importance", "score": sequence % 5 + 1}


@pytest.mark.parametrize("kind", ["comment", "rating"])
def test_write_times(client, seeded, settings, kind):
    # As in the bench profile (deliberation.settings, ENVIRONMENT=bench): the participant throttles
    # off. Run with REDIS_URL set to count what the bench counts (no cache queries).
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        **dict.fromkeys(settings.PARTICIPANT_THROTTLES, ""),
    }
    world = seed.seed(SMALL)
    client.force_login(User.objects.get(email=world["writers"][0]))
    path = f"/ja/proposals/{seed.HOT_PROPOSAL}/{kind}s/"
    body = comment_body if kind == "comment" else rating_body
    client.post(path, body(0), **HTMX)
    with CaptureQueriesContext(connection) as one:
        response = client.post(path, body(1), **HTMX)
    assert response.status_code == 200, response.content[:500]
    count = len(one)
    if os.environ.get("PERF_SQL"):
        for query in one.captured_queries:
            print(" ", query["sql"][:220])
    profiler = cProfile.Profile() if os.environ.get("PERF_PROFILE") else None
    if profiler:
        profiler.enable()
    start = time.perf_counter()
    for sequence in range(2, ROUNDS + 2):
        response = client.post(path, body(sequence), **HTMX)
        assert response.status_code == 200
    elapsed = (time.perf_counter() - start) * 1000 / ROUNDS
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("PERF_SORT", "cumulative")).print_stats(
            int(os.environ.get("PERF_LINES", "45"))
        )
    print(f"\n{kind}: {elapsed:.2f} ms a write, {count} queries")
