"""Time of the proposal page through the test client, with the caches on and off (not part of the
suite: the name is not test_*). Data: the benchmark's generator at the query-budget tests' small
volume, page size 20.

Run: .venv/bin/pytest -q -s -p no:xdist tests/perf_proposal_page.py
(PERF_PROFILE=1 also prints where a logged-in participant's cached page spends its time.)
"""

import os
import time

import pytest
from django.core.cache import cache

from accounts.models import User
from bench import seed
from tests.test_query_budgets import SMALL

ROUNDS = 40


def timed(client, path) -> float:
    """CPU time of this process per request (ms): steadier than the wall clock on a shared machine
    (the test database is SQLite in this process, so its work is counted too)."""
    client.get(path)
    start = time.process_time()
    for _ in range(ROUNDS):
        response = client.get(path)
    assert response.status_code == 200
    return (time.process_time() - start) * 1000 / ROUNDS


@pytest.mark.parametrize("cached", [False, True])
def test_proposal_page_times(client, seeded, settings, cached):
    world = seed.seed(SMALL)
    settings.PROPOSAL_PAGE_CACHE = cached
    cache.clear()
    path = f"/ko/proposals/{seed.HOT_PROPOSAL}/"
    visitor = timed(client, path)
    client.force_login(User.objects.get(email=world["reader"]))
    member = timed(client, path)
    member_50 = timed(client, f"{path}?page=50")
    print(
        f"\ncache {'on' if cached else 'off'}: visitor {visitor:.1f} ms, participant {member:.1f} ms, "
        f"participant page 50 {member_50:.1f} ms a page"
    )
    if cached and os.environ.get("PERF_PROFILE"):
        from bench.load import Route
        from bench.report import profile_route

        route = Route(key="page1_member", label="", path=path, viewer="reader")
        print(profile_route(route, world, requests=ROUNDS))
