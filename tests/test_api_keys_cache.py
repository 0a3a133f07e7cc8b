"""API keys remembered in the cache for a minute once verified, forgotten the moment they are
revoked or changed (admin, partner manager, service, institution); the rate limit in one cache
round trip with the IETF RateLimit-* headers, per key or per institution."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api import throttling
from institutions import keys
from institutions.models import InstitutionAPIKey
from tests.factories import InstitutionAPIKeyFactory, UserFactory
from tests.test_api_support import (  # noqa: F401 - fixtures
    API,
    api_fixture,
    assert_error_body,
    local_cache_fixture,
    read_key_fixture,
    schema_dict,
)

ME = f"{API}me/"
ADMIN = "/en/admin/institutions/"


@pytest.fixture(name="remembered")
def remembered_fixture(api, read_key):
    """A client whose key has been verified once (and so is remembered)."""
    api.key = read_key.key
    assert api.get(ME).status_code == 200
    return api


def _queries(api, path=ME):
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path)
    assert response.status_code == 200, response.content
    return len(captured)


def test_a_verified_key_costs_no_query_and_no_hashing_for_a_minute(remembered):
    with mock.patch.object(InstitutionAPIKey.objects.key_generator, "verify") as verify:
        assert _queries(remembered) == 0
    verify.assert_not_called()


def test_the_key_is_read_again_after_a_minute(remembered, read_key):
    cache.delete(keys._cache_key(read_key.prefix))  # what the cache's 60 s expiry does
    assert _queries(remembered) == 2  # the key with its institution, and its last use


def test_a_wrong_secret_for_a_remembered_prefix_is_refused(remembered, read_key):
    response = remembered.get(ME, HTTP_AUTHORIZATION=f"Api-Key {read_key.prefix}.{'0' * 32}")
    assert response.status_code == 401
    assert remembered.get(ME).status_code == 200


def test_a_remembered_key_that_expires_is_refused_at_once(remembered, read_key):
    # Its expiry comes while it is remembered (time passes; nothing is saved).
    past = timezone.now() - dt.timedelta(seconds=1)
    InstitutionAPIKey.objects.filter(pk=read_key.pk).update(expiry_date=past)
    entry = cache.get(keys._cache_key(read_key.prefix))
    entry[1].expiry_date = past
    cache.set(keys._cache_key(read_key.prefix), entry, 60)
    assert remembered.get(ME).status_code == 401


def test_revoking_through_the_service_refuses_the_very_next_request(
    remembered, read_key, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        keys.api_keys_revoke(api_keys=[InstitutionAPIKey.objects.get(pk=read_key.pk)])
    response = remembered.get(ME)
    assert response.status_code == 401
    assert assert_error_body(response)["code"] == "authentication_failed"


@pytest.fixture(name="staff")
def staff_fixture(client, settings, request):
    """A superuser or a Partner manager in the admin (``request.param``)."""
    settings.ADMIN_REQUIRE_MFA = False
    if request.param == "superuser":
        user = UserFactory(is_staff=True, is_superuser=True)
    else:
        user = UserFactory(is_staff=True)
        user.groups.add(Group.objects.get(name="Partner manager"))
    client.force_login(user)
    return client


@pytest.mark.parametrize("staff", ["superuser", "partner manager"], indirect=True)
def test_revoking_with_the_admin_action_refuses_the_very_next_request(remembered, read_key, staff):
    response = staff.post(
        f"{ADMIN}institutionapikey/", {"action": "revoke", "_selected_action": [read_key.pk]}
    )
    assert response.status_code == 302
    assert InstitutionAPIKey.objects.get(pk=read_key.pk).revoked
    assert remembered.get(ME).status_code == 401


@pytest.mark.parametrize("staff", ["superuser", "partner manager"], indirect=True)
def test_revoking_in_the_key_form_refuses_the_very_next_request(remembered, read_key, staff):
    page = staff.get(f"{ADMIN}institutionapikey/{read_key.pk}/change/")
    assert page.status_code == 200
    response = staff.post(
        f"{ADMIN}institutionapikey/{read_key.pk}/change/",
        {
            "name": read_key.name,
            "scopes": ["read"],
            "revoked": "on",
            "expiry_date_0": "",
            "expiry_date_1": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert remembered.get(ME).status_code == 401


def test_taking_a_scope_away_applies_to_the_very_next_request(remembered, read_key):
    key = InstitutionAPIKey.objects.get(pk=read_key.pk)
    key.scopes = ["report"]
    key.save()
    response = remembered.get(f"{API}programmes/")
    assert response.status_code == 403


def test_deactivating_the_institution_refuses_its_keys_at_once(remembered, read_key):
    institution = read_key.institution
    institution.active = False
    institution.save()
    assert remembered.get(ME).status_code == 401


def test_deleting_the_key_refuses_it_at_once(remembered, read_key):
    InstitutionAPIKey.objects.get(pk=read_key.pk).delete()
    assert remembered.get(ME).status_code == 401


def test_a_request_that_read_the_key_before_its_revocation_cannot_remember_it(read_key):
    """The race: a request reads the row, the revocation commits (tombstone), then the request
    tries to remember what it read. The tombstone stays."""
    stale = InstitutionAPIKey.objects.select_related("institution").get(pk=read_key.pk)
    keys.forget([read_key.prefix])
    keys.remember(stale, keys.key_digest(read_key.key))
    assert keys.remembered(read_key.prefix, keys.key_digest(read_key.key)) is None


# --- Rate limit ------------------------------------------------------------------------------------


def _limits(response) -> tuple[int, int, int]:
    return tuple(
        int(response[name]) for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
    )


def test_responses_say_the_limit_and_what_is_left(remembered, settings):
    settings.API_THROTTLE_RATE = "5/min"
    cache.clear()
    first, second = remembered.get(ME), remembered.get(f"{API}programmes/")
    limit, remaining, reset = _limits(first)
    assert (limit, remaining) == (5, 4)
    assert 1 <= reset <= 60
    assert _limits(second)[:2] == (5, 3)


def test_over_the_limit_is_a_json_429_with_retry_after_and_the_headers(remembered, settings):
    settings.API_THROTTLE_RATE = "2/min"
    cache.clear()
    assert remembered.get(ME).status_code == 200
    assert remembered.get(ME).status_code == 200
    response = remembered.get(ME)
    assert response.status_code == 429
    assert assert_error_body(response)["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert _limits(response)[:2] == (2, 0)
    assert int(response["Retry-After"]) == _limits(response)[2]


def test_requests_without_a_usable_key_carry_no_rate_limit_headers(api):
    response = api.get(ME)
    assert response.status_code == 401
    assert "RateLimit-Limit" not in response


def test_an_institution_budget_is_shared_by_its_keys(remembered, read_key, settings):
    settings.API_THROTTLE_RATE = "100/min"
    institution = read_key.institution
    institution.api_rate_limit = 3
    institution.save()
    cache.clear()
    other = InstitutionAPIKeyFactory(institution=institution, scopes=["read"])
    assert _limits(remembered.get(ME))[:2] == (3, 2)
    remembered.key = other.key
    assert _limits(remembered.get(ME))[:2] == (3, 1)
    assert remembered.get(ME).status_code == 200
    assert remembered.get(ME).status_code == 429
    # Another institution's key is not touched by it.
    remembered.key = InstitutionAPIKeyFactory(scopes=["read"]).key
    assert _limits(remembered.get(ME))[:2] == (100, 99)


def test_the_limit_costs_one_round_trip_to_redis(read_key, redis_cache):
    """With Redis (as production and make bench run), counting a request is one pipeline."""
    client = throttling._redis_client("x")
    calls = []
    original = type(client.pipeline(transaction=False)).execute

    def counting(pipe, *args, **kwargs):
        calls.append([command[0][0] for command in pipe.command_stack])
        return original(pipe, *args, **kwargs)

    with mock.patch.object(type(client.pipeline(transaction=False)), "execute", counting):
        counts = [throttling.count_hit(f"k{read_key.prefix}", 60) for _ in range(3)]
    assert counts == [1, 2, 3]
    assert calls == [["SET", "INCRBY"]] * 3  # redis-py sends INCR as INCRBY 1


def test_the_schema_documents_the_rate_limit_headers():
    schema = schema_dict()
    operation = schema["paths"]["/api/v1/proposals/"]["get"]
    for code in ("200", "429"):
        assert set(throttling.RateLimit(1, 1, 1).headers()) <= set(operation["responses"][code]["headers"])
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    assert "headers" not in operation["responses"]["401"]
    assert re.search("draft-ietf-httpapi-ratelimit-headers", str(schema["components"]["headers"]))
