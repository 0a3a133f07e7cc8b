"""Institutions, their API keys and webhooks in the admin, and the key command."""

import base64
import datetime as dt
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from institutions.models import InstitutionAPIKey, WebhookDelivery
from tests.factories import (
    InstitutionAPIKeyFactory,
    InstitutionFactory,
    UserFactory,
    WebhookEndpointFactory,
)
from tests.test_api_support import api_fixture, local_cache_fixture  # noqa: F401 - fixtures

KEY_PATTERN = re.compile(r"[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}")


@pytest.fixture
def admin_client(client, db):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_a_key_created_in_the_admin_is_shown_once_and_stored_hashed(admin_client):
    institution = InstitutionFactory()
    response = admin_client.post(
        reverse("admin:institutions_institutionapikey_add"),
        {
            "institution": institution.pk,
            "name": "Reporting system",
            "scopes": ["read", "report"],
            "expiry_date": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(m.message) for m in response.context["messages"]]
    shown = [KEY_PATTERN.search(m) for m in messages if KEY_PATTERN.search(m)]
    assert len(shown) == 1
    key = shown[0].group(0)
    stored = InstitutionAPIKey.objects.get()
    assert stored.scopes == ["read", "report"]
    assert key.startswith(stored.prefix + ".")
    assert key not in stored.hashed_key and key.split(".")[1] not in stored.pk
    assert InstitutionAPIKey.objects.is_valid(key)
    # Never again: the change page and the list show only the prefix.
    change = admin_client.get(reverse("admin:institutions_institutionapikey_change", args=[stored.pk]))
    listing = admin_client.get(reverse("admin:institutions_institutionapikey_changelist"))
    for page in (change, listing):
        assert page.status_code == 200
        assert key.split(".")[1] not in page.content.decode()
        assert stored.prefix in page.content.decode()
    assert AuditEntry.objects.filter(action="api_key.created").count() == 1


def test_revoking_keys_in_the_admin(admin_client, api):
    key = InstitutionAPIKeyFactory()
    response = admin_client.post(
        reverse("admin:institutions_institutionapikey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
        follow=True,
    )
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.revoked
    assert AuditEntry.objects.filter(action="api_key.revoked").count() == 1
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Api-Key {key.key}").status_code == 401


def test_admin_pages_of_institutions_render(admin_client):
    endpoint = WebhookEndpointFactory()
    InstitutionAPIKeyFactory(
        institution=endpoint.institution, expiry_date=timezone.now() + dt.timedelta(days=30)
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="proposal.stage_changed",
        payload={"data": {}},
        attempts=6,
        last_error="HTTP 500",
    )
    for name in ("institution", "institutionapikey", "webhookendpoint", "webhookdelivery", "progressreport"):
        response = admin_client.get(reverse(f"admin:institutions_{name}_changelist"))
        assert response.status_code == 200, name
    failed = admin_client.get(reverse("admin:institutions_webhookdelivery_changelist") + "?state=failed")
    assert "HTTP 500" in failed.content.decode()
    assert admin_client.get(reverse("admin:institutions_institution_add")).status_code == 200
    assert admin_client.get(reverse("admin:institutions_institutionapikey_add")).status_code == 200
    # The library's own, institution-less key model is not offered.
    assert "rest_framework_api_key" not in admin_client.get(reverse("admin:index")).content.decode()


def test_retrying_deliveries_in_the_admin(admin_client):
    endpoint = WebhookEndpointFactory()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="proposal.stage_changed", payload={"data": {}}, attempts=6
    )
    admin_client.post(
        reverse("admin:institutions_webhookdelivery_changelist"),
        {"action": "retry", "_selected_action": [delivery.pk]},
    )
    delivery.refresh_from_db()
    assert delivery.next_attempt_at is not None and delivery.attempts == 0


def test_a_new_webhook_endpoint_gets_a_random_secret(db):
    from institutions.models import WebhookEndpoint

    first = WebhookEndpoint.objects.create(institution=InstitutionFactory(), url="https://example.org/a")
    second = WebhookEndpoint.objects.create(institution=first.institution, url="https://example.org/b")
    # A Standard Webhooks secret: whsec_ and 32 random bytes in base64.
    assert first.secret.startswith("whsec_") and first.secret != second.secret
    assert len(base64.b64decode(first.secret.removeprefix("whsec_"))) == 32


def test_create_api_key_command_prints_a_working_key(api):
    out = StringIO()
    call_command(
        "create_api_key", "Ministry of Testing", "--scopes", "read,report", "--country", "JP", stdout=out
    )
    key = out.getvalue().strip()
    assert KEY_PATTERN.fullmatch(key)
    response = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 200
    assert json.loads(response.content)["key"]["scopes"] == ["read", "report"]


def test_create_api_key_command_refuses_unknown_scopes(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_key", "Ministry", "--scopes", "admin", stdout=StringIO())
