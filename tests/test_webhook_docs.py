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
