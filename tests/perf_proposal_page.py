"""Time of the proposal page through the test client, with the caches on and off (not part of the
suite: the name is not test_*). Data: the benchmark's generator at the query-budget tests' small
volume, page size 20.

Run: .venv/bin/pytest -q -s -p no:xdist tests/perf_proposal_page.py
"""

import time

import pytest
from django.core.cache import cache

from accounts.models import User
from bench import seed
from tests.test_query_budgets import SMALL

ROUNDS = 20


def timed(client, path) -> float:
    client.get(path)
    start = time.perf_counter()
    for _ in range(ROUNDS):
        response = client.get(path)
    assert response.status_code == 200
    return (time.perf_counter() - start) * 1000 / ROUNDS


@pytest.mark.parametrize("cached", [False, True])
def test_proposal_page_times(client, seeded, settings, cached):
    world = seed.seed(SMALL)
    settings.PROPOSAL_PAGE_CACHE = cached
    cache.clear()
    path = f"/ko/proposals/{seed.HOT_PROPOSAL}/"
    visitor = timed(client, path)
    client.force_login(User.objects.get(email=world["reader"]))
    member = timed(client, path)
    print(
        f"\ncache {'on' if cached else 'off'}: visitor {visitor:.1f} ms, participant {member:.1f} ms a page"
    )
