"""Sessions with Redis (``deliberation.settings``: ``cached_db`` when ``REDIS_URL`` is set): read
from Redis, so a signed-in request costs no query for its session, and written through to the
database, so that logging out, or the cache being emptied, behaves as before."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture
def user(db):
    return UserFactory(email="sora@example.org")


def log_in(client, user):
    response = client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def signed_in(client) -> bool:
    return 'action="/en/accounts/logout/"' in client.get("/en/privacy/").content.decode()


def test_a_signed_in_request_reads_its_session_from_redis(
    client, user, redis_cache, django_assert_num_queries
):
    log_in(client, user)
    assert Session.objects.count() == 1  # written through
    client.get("/en/")
    with django_assert_num_queries(1):  # the user; no session row
        client.get("/en/privacy/")


def test_the_session_outlives_an_emptied_cache(client, user, redis_cache):
    log_in(client, user)
    cache.clear()
    assert signed_in(client)


def test_logging_out_ends_the_session_everywhere(client, user, redis_cache):
    log_in(client, user)
    assert signed_in(client)
    key = client.cookies["sessionid"].value
    client.post("/en/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies["sessionid"] = key  # the old cookie, replayed
    assert not signed_in(client)


@pytest.mark.parametrize(
    ("redis_url", "engine"),
    [("redis://127.0.0.1:6379/0", "cached_db"), ("", "db")],
)
def test_the_settings_pick_the_session_store_by_the_cache(redis_url, engine):
    """What the redis_cache fixture sets is what the settings choose (tests run without REDIS_URL)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "REDIS_URL": redis_url, "DJANGO_SETTINGS_MODULE": "deliberation.settings"}
    if not redis_url:
        env.pop("REDIS_URL")
    printed = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SESSION_ENGINE)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert printed == f"django.contrib.sessions.backends.{engine}"
