"""The partners' webhook documentation: reachable from the schema, true to the code (every event,
the headers, the tolerance, the retry schedule), with Korean and Japanese quickstarts."""

import json

import pytest

from institutions import webhooks
from institutions.models import WebhookDelivery
from tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


def test_the_schema_links_the_webhook_reference_and_the_quickstarts(client):
    description = client.get("/api/v1/schema/").json()["info"]["description"]

    for link in ("/api/v1/docs/webhooks/", "/api/v1/docs/quickstart/ko/", "/api/v1/docs/quickstart/ja/"):
        assert link in description
        assert client.get(link).status_code == 200


def test_the_reference_documents_every_event_header_and_rule(client):
    page = client.get("/api/v1/docs/webhooks/").content.decode()

    for event in webhooks.EVENTS:
        assert f'id="event-{event}"' in page
    for header in (webhooks.ID_HEADER, webhooks.TIMESTAMP_HEADER, webhooks.SIGNATURE_HEADER):
        assert f"<code>{header}</code>" in page
    assert "5 minutes" in page and "raw body bytes" in page
    assert "1 min, 5 min, 30 min, 2 h, 12 h" in page
    assert 'id="python"' in page and 'id="javascript"' in page
    # One stage change, one delivery per endpoint: the overall stage rides along in the same event.
    assert "one delivery per endpoint" in page and "overall" in page


def test_the_documented_example_has_the_shape_of_a_real_body():
    endpoint = WebhookEndpointFactory()
    delivery = webhooks.write_ping(endpoint=endpoint)
    sent = json.loads(webhooks.body_for(WebhookDelivery.objects.get(pk=delivery.pk)))

    documented = webhooks.example_body(webhooks.PING)

    assert set(sent) == set(documented)
    assert set(sent["data"]) == set(documented["data"])


@pytest.mark.parametrize(("lang", "words"), [("ko", "빠른 시작"), ("ja", "クイックスタート")])
def test_the_quickstarts_are_in_korean_and_japanese(client, lang, words):
    response = client.get(f"/api/v1/docs/quickstart/{lang}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in page and words in page
    assert "webhook-signature" in page and "standardwebhooks" in page


def test_an_unknown_quickstart_language_is_not_found(client):
    assert client.get("/api/v1/docs/quickstart/fr/").status_code == 404


# --- The schema's webhooks section ---------------------------------------------------------------


def _validator(component: str):
    from jsonschema import Draft202012Validator, FormatChecker

    from tests.test_api_support import schema_dict

    root = {"$ref": f"#/components/schemas/{component}", "components": schema_dict()["components"]}
    return Draft202012Validator(root, format_checker=FormatChecker())


def test_the_schema_is_openapi_3_1_with_every_event_in_its_webhooks_section(client):
    schema = client.get("/api/v1/schema/").json()

    assert schema["openapi"].startswith("3.1")
    assert set(schema["webhooks"]) == set(webhooks.EVENTS)
    for event in webhooks.EVENTS:
        operation = schema["webhooks"][event]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert body.startswith("#/components/schemas/")
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert {webhooks.ID_HEADER, webhooks.TIMESTAMP_HEADER, webhooks.SIGNATURE_HEADER} <= headers
        assert "2XX" in operation["responses"]


def _component(event: str) -> str:
    from tests.test_api_support import schema_dict

    ref = schema_dict()["webhooks"][event]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return ref["$ref"].rsplit("/", 1)[1]


@pytest.mark.parametrize(
    "change",
    [
        {
            "jurisdiction": "KR",
            "from_stage": None,
            "to_stage": "submitted",
            "overall": ("proposed", "submitted"),
        },
        {"jurisdiction": "JP", "from_stage": "submitted", "to_stage": None, "overall": None},
        {"jurisdiction": None, "from_stage": "piloted", "to_stage": "submitted"},
    ],
)
def test_a_real_stage_changed_body_validates_against_its_schema(proposal, change):
    WebhookEndpointFactory()
    (delivery,) = webhooks.write_stage_changed(proposal=proposal, **change)
    body = json.loads(webhooks.body_for(WebhookDelivery.objects.get(pk=delivery.pk)))

    errors = list(_validator(_component(webhooks.STAGE_CHANGED)).iter_errors(body))

    assert errors == []
    assert body["data"]["overall"] is not None or change.get("overall", "") is None


def test_a_real_ping_body_validates_against_its_schema():
    delivery = webhooks.write_ping(endpoint=WebhookEndpointFactory(url="https://partner.example/hook"))
    body = json.loads(webhooks.body_for(WebhookDelivery.objects.get(pk=delivery.pk)))

    assert list(_validator(_component(webhooks.PING)).iter_errors(body)) == []


@pytest.mark.parametrize("event", webhooks.EVENTS)
def test_every_documented_example_validates_against_its_schema(event):
    assert list(_validator(_component(event)).iter_errors(webhooks.example_body(event))) == []


def test_a_body_of_the_wrong_shape_does_not_validate():
    body = webhooks.example_body(webhooks.STAGE_CHANGED)
    body["data"]["overall"] = "submitted"  # must be an object or null

    assert list(_validator(_component(webhooks.STAGE_CHANGED)).iter_errors(body)) != []


def test_the_reference_lists_each_events_data_fields_and_links_the_schema(client):
    page = client.get("/api/v1/docs/webhooks/").content.decode()

    assert 'href="/api/v1/schema/"' in page and "<code>webhooks</code>" in page
    for field in ("proposal", "jurisdiction", "from_stage", "to_stage", "overall", "occurred_at", "endpoint"):
        assert f"<td><code>{field}</code></td>" in page
