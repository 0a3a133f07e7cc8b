"""accounts.backends: signing in and the signed-in user on later requests, through the login form."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import BACKEND_SESSION_KEY

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def signed_in(client, language="ko"):
    user = UserFactory(email="haneul@example.org")
    assert EmailAddress.objects.filter(user=user, verified=True).exists()  # the factory's
    response = client.post(
        f"/{language}/accounts/login/", {"login": user.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    return user


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_a_participant_signed_in_is_loaded_on_each_request_by_our_backend(client, language):
    user = signed_in(client, language)
    assert client.session[BACKEND_SESSION_KEY].startswith("accounts.backends.")
    for _ in range(2):  # compiled on the first request, sent as it is on the second
        response = client.get(f"/{language}/accounts/profile/")
        assert response.status_code == 200
        assert response.wsgi_request.user.pk == user.pk
        assert response.wsgi_request.user.email == user.email


def test_a_deactivated_account_is_signed_out_at_its_next_request(client):
    user = signed_in(client)
    assert client.get("/ko/accounts/profile/").wsgi_request.user.is_authenticated
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get("/ko/accounts/profile/")
    assert not response.wsgi_request.user.is_authenticated
    assert response.status_code == 302  # to the login page


def test_a_wrong_password_is_refused_in_the_readers_language(client):
    UserFactory(email="sora@example.org")
    response = client.post("/ja/accounts/login/", {"login": "sora@example.org", "password": "not it"})
    assert response.status_code == 200
    assert "入力されたメールアドレスもしくはパスワードが正しくありません。" in response.content.decode()
