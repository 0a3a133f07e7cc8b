"""The Partner manager group: staff who look after partner institutions (institutions, API keys,
webhook endpoints) without superuser rights; moderators see institutions read-only."""

import re

import pytest
from django.contrib.auth.models import Group

from institutions.models import Institution, InstitutionAPIKey, WebhookEndpoint
from tests.factories import InstitutionAPIKeyFactory, InstitutionFactory, UserFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db

ADMIN = "/en/admin/institutions/"


@pytest.fixture
def partner_manager(client, settings):
    settings.ADMIN_REQUIRE_MFA = False
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Partner manager"))
    client.force_login(user)
    return user


def test_a_partner_manager_creates_an_institution_and_issues_a_key_shown_once(client, partner_manager):
    created = client.post(
        f"{ADMIN}institution/add/",
        {
            "name_en": "Ministry of Economy",
            "name_ko": "경제부",
            "name_ja": "経済省",
            "country": "KR",
            "contact_email": "it@economy.example",
            "active": "on",
            "webhooks-TOTAL_FORMS": "0",
            "webhooks-INITIAL_FORMS": "0",
        },
    )
    assert created.status_code == 302, created.context["adminform"].form.errors
    institution = Institution.objects.get(name_en="Ministry of Economy")

    issued = client.post(
        f"{ADMIN}institutionapikey/add/",
        {"institution": institution.pk, "name": "reporting system", "scopes": ["read", "report"]},
        follow=True,
    )

    assert partner_manager.is_superuser is False
    key = InstitutionAPIKey.objects.get(institution=institution)
    shown = re.search(rf"({re.escape(key.prefix)}\.[A-Za-z0-9]+)", issued.content.decode())
    assert shown is not None
    assert InstitutionAPIKey.objects.get_from_key(shown.group(1)) == key
    # Shown once: the key's own page never shows it again.
    again = client.get(f"{ADMIN}institutionapikey/{key.pk}/change/").content.decode()
    assert shown.group(1) not in again


def test_a_partner_manager_manages_webhook_endpoints_and_revokes_keys(client, partner_manager):
    institution = InstitutionFactory()
    key = InstitutionAPIKeyFactory(institution=institution)

    form = client.get(f"{ADMIN}webhookendpoint/add/").content.decode()
    secret = re.search(r'name="secret" value="([^"]+)"', form).group(1)  # a fresh one, filled in
    added = client.post(
        f"{ADMIN}webhookendpoint/add/",
        {
            "institution": institution.pk,
            "url": "https://partner.example/hooks",
            "active": "on",
            "secret": secret,
        },
    )
    revoked = client.post(f"{ADMIN}institutionapikey/", {"action": "revoke", "_selected_action": [key.pk]})

    assert added.status_code == 302, added.context["adminform"].form.errors
    endpoint = WebhookEndpoint.objects.get(institution=institution)
    assert endpoint.url == "https://partner.example/hooks" and len(endpoint.secret) >= 32
    assert revoked.status_code == 302
    key.refresh_from_db()
    assert key.revoked


def test_a_partner_manager_cannot_moderate_or_manage_accounts(client, partner_manager):
    assert client.get("/en/admin/moderation/reportedcomment/").status_code == 403
    assert client.get("/en/admin/accounts/user/").status_code == 403
    assert client.get("/en/admin/auth/group/").status_code == 403


def test_moderators_see_institutions_read_only(client, make_actor):
    client.force_login(make_actor("moderator"))
    institution = InstitutionFactory(name_en="Ministry of Unification")
    WebhookEndpointFactory(institution=institution)

    listing = client.get(f"{ADMIN}institution/")
    page = client.get(f"{ADMIN}institution/{institution.pk}/change/")
    change = client.post(f"{ADMIN}institution/{institution.pk}/change/", {"name_en": "Renamed"})

    assert listing.status_code == 200 and "Ministry of Unification" in listing.content.decode()
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert change.status_code == 403
    assert client.get(f"{ADMIN}institutionapikey/add/").status_code == 403
    assert client.get(f"{ADMIN}webhookendpoint/add/").status_code == 403
    # Never a webhook secret for a moderator.
    assert institution.webhooks.get().secret not in page.content.decode()


def test_a_partner_manager_rotates_a_secret_and_sends_a_ping_from_the_admin(
    client, partner_manager, django_capture_on_commit_callbacks
):
    endpoint = WebhookEndpointFactory(url="http://127.0.0.1:9/hook")
    old = endpoint.secret

    rotated = client.post(
        f"{ADMIN}webhookendpoint/",
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
        follow=True,
    )
    with django_capture_on_commit_callbacks(execute=False):
        pinged = client.post(
            f"{ADMIN}webhookendpoint/",
            {"action": "send_ping", "_selected_action": [endpoint.pk]},
            follow=True,
        )

    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert endpoint.secret in rotated.content.decode()  # shown to pass on to the institution
    assert endpoint.signing_secrets(endpoint.previous_secret_expires_at.replace(microsecond=0)) == [
        endpoint.secret,
        old,
    ]
    assert "1 ping queued." in pinged.content.decode()
    assert endpoint.deliveries.get().event == "ping"
