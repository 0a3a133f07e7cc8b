"""In-process time of the routes the shared-cache work speeds up, with Redis as the cache (as in
``make bench``): the visitor's proposal page (stamp from its mirror in Redis, or from the database)
and the API lists. Not part of the suite (the name is not test_*). Data: the benchmark's generator
at the query-budget tests' small volume. Needs Redis at 127.0.0.1:6379 (db 11).

Run: .venv/bin/pytest -q -s -p no:xdist tests/perf_stamp_api.py
(with DATABASE_URL=postgres://... for PostgreSQL, as the bench runs)
"""

import time
from unittest import mock

from bench import seed
from tests.factories import InstitutionAPIKeyFactory
from tests.test_query_budgets import SMALL

ROUNDS = 300


def timed(client, path, **extra) -> float:
    for _ in range(5):
        client.get(path, **extra)
    start = time.perf_counter()
    for _ in range(ROUNDS):
        response = client.get(path, **extra)
    assert response.status_code == 200
    return (time.perf_counter() - start) * 1000 / ROUNDS


def test_shared_cache_route_times(client, seeded, redis_cache, settings):
    settings.API_THROTTLE_RATE = "100000000/min"  # as make bench does
    seed.seed(SMALL)
    page = f"/en/proposals/{seed.HOT_PROPOSAL}/"
    with (
        mock.patch("core.stampmirror.enabled", return_value=False),
        mock.patch("core.stampmirror._backend", return_value=None),
    ):
        from_database = timed(client, page)
    mirrored = timed(client, page)
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {InstitutionAPIKeyFactory().key}"}
    first = client.get(f"/api/v1/proposals/{seed.HOT_PROPOSAL}/comments/", {"page_size": 50}, **auth).json()
    api = {}
    for cached in (False, True):
        settings.API_RESPONSE_CACHE = cached
        api[cached] = (timed(client, "/api/v1/proposals/", **auth), timed(client, first["next"], **auth))
    print(
        f"\nper request (ms): visitor's page, stamp from the database "
        f"{from_database:.2f}, from the mirror {mirrored:.2f}; API proposal list {api[False][0]:.2f} "
        f"serialised, {api[True][0]:.2f} from the cache; API comment page of 50 {api[False][1]:.2f} "
        f"serialised, {api[True][1]:.2f} from the cache"
    )
