"""Safe retries of POST /reports/: an Idempotency-Key header (or the body's client_token) replays
the first answer for the same request and refuses the key for a different one (409). Every
response here is validated against the schema (ValidatingClient)."""

import datetime as dt
import json
import uuid

import pytest

from api.models import IdempotencyRecord
from institutions.models import ProgressReport
from progress.models import Milestone
from tests.factories import InstitutionAPIKeyFactory
from tests.test_api_support import (  # noqa: F401 - fixtures
    API,
    api_fixture,
    assert_error_body,
    local_cache_fixture,
    report_body,
    report_key_fixture,
    schema_dict,
)


def post(api, body: dict, key: str | None = None, raw: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(
        f"{API}reports/",
        data=raw if raw is not None else json.dumps(body),
        content_type="application/json",
        **headers,
    )


@pytest.fixture
def reporter(api, report_key):
    api.key = report_key.key
    return api


def test_the_same_key_and_request_replay_the_first_answer(reporter, proposal):
    key = str(uuid.uuid4())
    first = post(reporter, report_body(proposal), key)
    # The same JSON written differently (key order, spacing) is the same request.
    again = post(reporter, None, key, raw=json.dumps(dict(reversed(report_body(proposal).items())), indent=2))

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Milestone.objects.count() == ProgressReport.objects.count() == 1


def test_the_same_key_with_another_request_is_a_409_and_writes_nothing(reporter, proposal):
    key = "order-2025-06-01"
    assert post(reporter, report_body(proposal), key).status_code == 201

    response = post(reporter, report_body(proposal, title="別の題名"), key)

    assert response.status_code == 409
    assert assert_error_body(response)["code"] == "idempotency_key_reused"
    assert Milestone.objects.count() == 1


def test_keys_belong_to_the_institution(api, report_key, proposal):
    key = str(uuid.uuid4())
    api.key = report_key.key
    first = post(api, report_body(proposal), key)
    # Another key of the same institution replays it...
    api.key = InstitutionAPIKeyFactory(institution=report_key.institution, scopes=["report"]).key
    assert post(api, report_body(proposal), key).json() == first.json()
    # ...another institution's key is a key of its own.
    api.key = InstitutionAPIKeyFactory(scopes=["report"]).key
    assert post(api, report_body(proposal), key).status_code == 201
    assert Milestone.objects.count() == 2


def test_an_error_is_not_stored_so_the_corrected_request_may_reuse_the_key(reporter, proposal):
    key = str(uuid.uuid4())
    assert post(reporter, report_body(proposal, stage="finished"), key).status_code == 400

    assert post(reporter, report_body(proposal), key).status_code == 201
    assert Milestone.objects.count() == 1


def test_a_key_is_forgotten_after_the_retention_period(reporter, proposal):
    from api.idempotency import RETENTION

    key = str(uuid.uuid4())
    assert post(reporter, report_body(proposal), key).status_code == 201
    IdempotencyRecord.objects.update(created_at=dt.datetime.now(dt.UTC) - RETENTION - dt.timedelta(minutes=1))

    response = post(reporter, report_body(proposal, title="次の報告"), key)

    assert response.status_code == 201
    assert Milestone.objects.count() == 2
    # The expired record made way for the new one.
    assert IdempotencyRecord.objects.get().body["id"] == response.json()["id"]


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "키"])
def test_an_unusable_key_is_a_400_naming_the_header(reporter, proposal, key):
    response = post(reporter, report_body(proposal), key)
    assert response.status_code == 400
    assert "Idempotency-Key" in assert_error_body(response)["fields"]
    assert not Milestone.objects.exists()


def test_the_same_client_token_and_request_replay_the_first_answer(reporter, proposal):
    token = str(uuid.uuid4())
    first = post(reporter, report_body(proposal, client_token=token))
    again = post(reporter, report_body(proposal, client_token=token))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Milestone.objects.count() == 1


def test_a_client_token_reused_for_another_request_is_a_409(reporter, proposal):
    token = str(uuid.uuid4())
    assert post(reporter, report_body(proposal, client_token=token)).status_code == 201

    response = post(reporter, report_body(proposal, client_token=token, title="別の題名"))

    assert response.status_code == 409
    assert assert_error_body(response)["code"] == "idempotency_key_reused"
    assert Milestone.objects.count() == 1


def test_an_old_client_token_still_returns_the_first_report(reporter, proposal):
    token = str(uuid.uuid4())
    first = post(reporter, report_body(proposal, client_token=token))
    IdempotencyRecord.objects.all().delete()  # past the retention period

    again = post(reporter, report_body(proposal, client_token=token))

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert Milestone.objects.count() == 1


def test_every_post_documents_the_key_the_replay_and_the_409():
    posts = [(path, item["post"]) for path, item in schema_dict()["paths"].items() if "post" in item]
    assert posts
    for path, operation in posts:
        names = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
        assert ("header", "Idempotency-Key") in names, path
        assert "409" in operation["responses"], path
        for code, response in operation["responses"].items():
            if code.startswith("2"):
                assert "Idempotent-Replayed" in response["headers"], (path, code)


def test_registering_a_webhook_endpoint_and_rotating_its_secret_are_safe_to_retry(api, proposal):
    from institutions.models import WebhookEndpoint

    api.key = InstitutionAPIKeyFactory(scopes=["webhooks"]).key
    body = json.dumps({"url": "https://partner.example/hooks/dialogue"})
    key = str(uuid.uuid4())

    def register(**headers):
        return api.post(f"{API}webhooks/", data=body, content_type="application/json", **headers)

    first, again = register(HTTP_IDEMPOTENCY_KEY=key), register(HTTP_IDEMPOTENCY_KEY=key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert WebhookEndpoint.objects.count() == 1
    endpoint = WebhookEndpoint.objects.get()

    rotate_key = str(uuid.uuid4())
    rotated = [
        api.post(
            f"{API}webhooks/{endpoint.pk}/rotate-secret/",
            data="{}",
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=rotate_key,
        )
        for _ in range(2)
    ]
    assert [r.status_code for r in rotated] == [200, 200], rotated[0].content
    assert rotated[0].json()["secret"] == rotated[1].json()["secret"]
    endpoint.refresh_from_db()
    # Rotated once: the secret registered first is the one still signing beside the new one.
    assert endpoint.secret == rotated[0].json()["secret"]
    assert endpoint.previous_secret == first.json()["secret"]


@pytest.mark.parametrize("earlier", [0, 10])
def test_the_key_costs_a_fixed_number_of_queries(reporter, proposal, earlier):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(earlier):
        post(reporter, report_body(proposal, title=f"Earlier {i}"), f"earlier-{i}")
    # The key's first use is remembered (authentication): measure from the second.
    post(reporter, report_body(proposal, title="Warm-up"))

    def queries(body, key=None) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert post(reporter, body, key).status_code == 201
        return len(captured)

    plain = queries(report_body(proposal, title="Plain"))
    keyed = queries(report_body(proposal, title="Keyed"), "budget-key")
    with CaptureQueriesContext(connection) as replay:
        assert (
            post(reporter, report_body(proposal, title="Keyed"), "budget-key")["Idempotent-Replayed"]
            == "true"
        )

    # The key adds: the lookup, forgetting the institution's expired keys, the insert, and the
    # savepoint around the write and the one around the insert (released or rolled back).
    assert keyed - plain == 7, (plain, keyed)
    # A replay is the key's lookup (and the key check of the authentication, once a minute).
    assert len(replay) <= 2, [q["sql"][:100] for q in replay.captured_queries]


def test_the_daily_purge_forgets_every_institutions_expired_keys(reporter, proposal):
    from django.core.management import call_command

    from api.idempotency import RETENTION

    assert post(reporter, report_body(proposal), "old-key").status_code == 201
    assert post(reporter, report_body(proposal, title="新しい"), "fresh-key").status_code == 201
    IdempotencyRecord.objects.filter(key="key:old-key").update(
        created_at=dt.datetime.now(dt.UTC) - RETENTION - dt.timedelta(seconds=1)
    )

    call_command("purge_idempotency_records", verbosity=0)

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["key:fresh-key"]
