"""Self-service webhook endpoints over the API (scope ``webhooks``): an institution registers,
lists, changes and deletes its own endpoints, rotates a secret (two signing during the overlap)
and asks for a ping; never another institution's. Every response is validated against the schema
by the ``api`` client; every write is audited."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEntry
from institutions import webhooks
from institutions.models import WebhookDelivery, WebhookEndpoint
from tests.factories import InstitutionAPIKeyFactory, WebhookEndpointFactory
from tests.test_api_support import (  # noqa: F401 - fixtures
    API,
    api_fixture,
    assert_error_body,
    local_cache_fixture,
)

URL = "https://partner.example/hooks/dialogue"


@pytest.fixture
def hooks_key(db):
    return InstitutionAPIKeyFactory(scopes=["read", "webhooks"])


@pytest.fixture
def client_(api, hooks_key):
    api.key = hooks_key.key
    api.get(f"{API}me/")  # last_used_at is fresh: later requests do not write it
    return api


def post(api, path, body=None, **extra):
    return api.post(
        path, json.dumps(body if body is not None else {}), content_type="application/json", **extra
    )


def patch(api, path, body):
    return api.patch(path, json.dumps(body), content_type="application/json")


def test_a_key_with_the_webhooks_scope_registers_an_endpoint_and_sees_the_secret_once(client_, hooks_key):
    response = post(client_, f"{API}webhooks/", {"url": URL})

    assert response.status_code == 201
    created = response.json()
    assert created["url"] == URL and created["active"] is True
    assert created["secret"].startswith("whsec_")
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert endpoint.institution == hooks_key.institution and endpoint.secret == created["secret"]
    listed = client_.get_json(f"{API}webhooks/")["results"]
    assert [item["id"] for item in listed] == [endpoint.pk]
    assert "secret" not in listed[0]
    assert "secret" not in client_.get_json(f"{API}webhooks/{endpoint.pk}/")
    entry = AuditEntry.objects.get(action="webhook.created")
    assert entry.data["api_key"] == hooks_key.prefix and entry.data["url"] == URL
    assert created["secret"] not in json.dumps(entry.data)


def test_another_institutions_endpoint_is_not_there(client_):
    theirs = WebhookEndpointFactory(url="https://them.example/hook")
    mine = WebhookEndpointFactory(institution=client_and_institution(client_))
    secret = theirs.secret

    assert [item["id"] for item in client_.get_json(f"{API}webhooks/")["results"]] == [mine.pk]
    for response in (
        client_.get(f"{API}webhooks/{theirs.pk}/"),
        patch(client_, f"{API}webhooks/{theirs.pk}/", {"active": False}),
        client_.delete(f"{API}webhooks/{theirs.pk}/"),
        post(client_, f"{API}webhooks/{theirs.pk}/rotate-secret/"),
        post(client_, f"{API}webhooks/{theirs.pk}/ping/"),
    ):
        assert response.status_code == 404
        assert assert_error_body(response)["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.active and theirs.secret == secret
    assert not WebhookDelivery.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="webhook.").exists()


def client_and_institution(api):
    from institutions.models import InstitutionAPIKey

    return InstitutionAPIKey.objects.get_from_key(api.key).institution


def test_a_key_without_the_webhooks_scope_is_refused(api):
    key = InstitutionAPIKeyFactory(scopes=["read", "report"])
    endpoint = WebhookEndpointFactory(institution=key.institution)
    api.key = key.key

    for response in (
        api.get(f"{API}webhooks/"),
        post(api, f"{API}webhooks/", {"url": URL}),
        api.get(f"{API}webhooks/{endpoint.pk}/"),
        patch(api, f"{API}webhooks/{endpoint.pk}/", {"active": False}),
        api.delete(f"{API}webhooks/{endpoint.pk}/"),
        post(api, f"{API}webhooks/{endpoint.pk}/rotate-secret/"),
        post(api, f"{API}webhooks/{endpoint.pk}/ping/"),
    ):
        assert response.status_code == 403
        assert assert_error_body(response)["code"] == "scope_required"
    assert WebhookEndpoint.objects.count() == 1


def test_unknown_fields_are_refused_by_name(client_):
    endpoint = WebhookEndpointFactory(institution=client_and_institution(client_))

    created = post(client_, f"{API}webhooks/", {"url": URL, "secret": "whsec_mine", "events": ["ping"]})
    changed = patch(client_, f"{API}webhooks/{endpoint.pk}/", {"ulr": URL})
    rotated = post(client_, f"{API}webhooks/{endpoint.pk}/rotate-secret/", {"overlap_hours": 1})

    assert created.status_code == changed.status_code == rotated.status_code == 400
    assert set(assert_error_body(created)["fields"]) == {"secret", "events"}
    assert set(assert_error_body(changed)["fields"]) == {"ulr"}
    assert set(assert_error_body(rotated)["fields"]) == {"overlap_hours"}
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://partner.example/hook",
        "https://localhost/hook",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://db.internal/hook",
        "https://printer.local/hook",
    ],
)
def test_only_a_public_https_address_can_be_registered(client_, url):
    response = post(client_, f"{API}webhooks/", {"url": url})

    assert response.status_code == 400
    error = assert_error_body(response)
    assert error["code"] == "url_not_allowed" and "url" in error["fields"]
    assert not WebhookEndpoint.objects.exists()


def test_a_malformed_url_is_a_400_on_the_field(client_):
    response = post(client_, f"{API}webhooks/", {"url": "not a url"})

    assert response.status_code == 400
    assert "url" in assert_error_body(response)["fields"]


def test_an_institution_has_at_most_ten_endpoints(client_):
    WebhookEndpointFactory.create_batch(10, institution=client_and_institution(client_))

    response = post(client_, f"{API}webhooks/", {"url": URL})

    assert response.status_code == 400
    assert assert_error_body(response)["code"] == "too_many_endpoints"


def test_an_endpoint_is_changed_and_switched_off_then_deleted(client_):
    endpoint = WebhookEndpointFactory(institution=client_and_institution(client_), url=URL)

    response = patch(client_, f"{API}webhooks/{endpoint.pk}/", {"url": URL + "/v2", "active": False})

    assert response.status_code == 200
    assert response.json()["url"] == URL + "/v2" and response.json()["active"] is False
    endpoint.refresh_from_db()
    assert endpoint.url == URL + "/v2" and not endpoint.active
    changed = AuditEntry.objects.get(action="webhook.changed")
    assert changed.data["url"] == URL + "/v2" and changed.data["active"] is False
    refused = patch(client_, f"{API}webhooks/{endpoint.pk}/", {"url": "https://127.0.0.1/"})
    assert assert_error_body(refused)["code"] == "url_not_allowed"

    assert client_.delete(f"{API}webhooks/{endpoint.pk}/").status_code == 204

    assert not WebhookEndpoint.objects.exists()
    assert AuditEntry.objects.get(action="webhook.deleted").data["endpoint"] == endpoint.pk
    assert client_.get(f"{API}webhooks/{endpoint.pk}/").status_code == 404


def test_a_rotated_secret_is_shown_once_and_both_sign_during_the_overlap(client_, hooks_key):
    endpoint = WebhookEndpointFactory(institution=client_and_institution(client_))
    old = endpoint.secret

    response = post(client_, f"{API}webhooks/{endpoint.pk}/rotate-secret/")

    assert response.status_code == 200
    new = response.json()["secret"]
    assert new.startswith("whsec_") and new != old
    endpoint.refresh_from_db()
    now = timezone.now()
    assert endpoint.signing_secrets(now) == [new, old]
    assert endpoint.signing_secrets(now + dt.timedelta(hours=25)) == [new]
    body = b'{"type":"ping"}'
    signature = webhooks.sign(
        body, msg_id="msg_1", timestamp=int(now.timestamp()), secrets=endpoint.signing_secrets(now)
    )
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    assert webhooks.verify(body, headers, old) == webhooks.verify(body, headers, new)
    assert "secret" not in client_.get_json(f"{API}webhooks/{endpoint.pk}/")
    assert AuditEntry.objects.get(action="webhook.secret_rotated").data["api_key"] == hooks_key.prefix


def test_a_ping_is_queued_for_the_endpoint(client_, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpointFactory(institution=client_and_institution(client_))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(client_, f"{API}webhooks/{endpoint.pk}/ping/")

    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.event) == (endpoint, webhooks.PING)
    assert response.json() == {"id": delivery.payload["id"], "delivery": delivery.pk}
    assert len(callbacks) == 1  # the delivery task, queued once the request commits
    assert AuditEntry.objects.filter(action="webhook.pinged").count() == 1


def test_a_switched_off_endpoint_cannot_be_pinged(client_):
    endpoint = WebhookEndpointFactory(institution=client_and_institution(client_), active=False)

    response = post(client_, f"{API}webhooks/{endpoint.pk}/ping/")

    assert response.status_code == 400
    assert assert_error_body(response)["code"] == "endpoint_inactive"
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("count", [1, 8])
def test_the_list_has_a_fixed_query_budget(client_, count):
    WebhookEndpointFactory.create_batch(count, institution=client_and_institution(client_))

    with CaptureQueriesContext(connection) as queries:
        assert client_.get(f"{API}webhooks/").status_code == 200

    # The count for the page, the page (the verified key comes from the cache).
    assert len(queries) == 2


def test_the_schema_documents_the_operations_and_their_scope(client):
    schema = client.get(f"{API}schema/").json()

    for path, methods in (
        ("/api/v1/webhooks/", {"get", "post"}),
        ("/api/v1/webhooks/{id}/", {"get", "patch", "delete"}),
        ("/api/v1/webhooks/{id}/rotate-secret/", {"post"}),
        ("/api/v1/webhooks/{id}/ping/", {"post"}),
    ):
        assert set(schema["paths"][path]) == methods
    assert "secret" in schema["components"]["schemas"]["WebhookEndpointCreated"]["properties"]
    assert "secret" not in schema["components"]["schemas"]["WebhookEndpoint"]["properties"]


@pytest.mark.parametrize(
    "path", ["/api/v1/docs/webhooks/", "/api/v1/docs/quickstart/ko/", "/api/v1/docs/quickstart/ja/"]
)
def test_the_docs_show_how_to_register_an_endpoint_over_the_api(client, path):
    page = client.get(path).content.decode()

    assert "/api/v1/webhooks/" in page and "rotate-secret/" in page and "ping/" in page
    assert "https://" in page
