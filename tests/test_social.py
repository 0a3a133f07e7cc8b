"""Kakao, Naver, LINE and Google sign-in through allauth's own provider code, against a local fake
OAuth2/OpenID Connect server (pytest-httpserver) that speaks each provider's endpoints and payload
shapes (Google: an RS256-signed id_token from its token endpoint): a new account completes the
profile and consents first; an existing email account connects; an unconfigured provider is not
shown."""

import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.google.views import GoogleOAuth2Adapter
from allauth.socialaccount.providers.kakao.views import KakaoOAuth2Adapter
from allauth.socialaccount.providers.line.views import LineOAuth2Adapter
from allauth.socialaccount.providers.naver.views import NaverOAuth2Adapter
from django.core.cache import cache

from accounts.models import Consent, User
from tests.factories import UserFactory

CLIENT_ID = "fake-client-id"

PROFILES = {
    # GET https://kapi.kakao.com/v2/user/me
    "kakao": {
        "id": 4021356789,
        "connected_at": "2026-11-30T01:02:03Z",
        "properties": {"nickname": "민지"},
        "kakao_account": {
            "profile": {"nickname": "민지"},
            "email": "minji.kakao@example.kr",
            "has_email": True,
            "is_email_valid": True,
            "is_email_verified": True,
        },
    },
    # GET https://openapi.naver.com/v1/nid/me
    "naver": {
        "resultcode": "00",
        "message": "success",
        "response": {"id": "nv-32f1a0", "nickname": "서연", "email": "seoyeon@example.kr", "name": "김서연"},
    },
    # POST https://api.line.me/oauth2/v2.1/verify (the id_token's claims)
    "line": {
        "iss": "https://access.line.me",
        "sub": "U4af4980629a1b2c3d4e5f60718293a4b",
        "aud": CLIENT_ID,
        "exp": 2000000000,
        "iat": 1764500000,
        "name": "はると",
        "email": "haruto.line@example.jp",
    },
    # The claims of the id_token Google's token endpoint returns (OpenID Connect).
    "google": {
        "iss": "https://accounts.google.com",
        "azp": CLIENT_ID,
        "aud": CLIENT_ID,
        "sub": "110169484474386276334",
        "email": "sakura.google@example.jp",
        "email_verified": True,
        "name": "さくら",
        "given_name": "さくら",
        "locale": "ja",
    },
}
ADAPTERS = {
    "kakao": KakaoOAuth2Adapter,
    "naver": NaverOAuth2Adapter,
    "line": LineOAuth2Adapter,
    "google": GoogleOAuth2Adapter,
}
PATHS = {
    "kakao": {"access_token_url": "/oauth/token", "profile_url": "/v2/user/me"},
    "naver": {"access_token_url": "/oauth2.0/token", "profile_url": "/v1/nid/me"},
    "line": {"access_token_url": "/oauth2/v2.1/token", "id_token_url": "/oauth2/v2.1/verify"},
    "google": {"access_token_url": "/token", "authorize_url": "/o/oauth2/v2/auth"},
}


def google_id_token() -> str:
    """An id_token as Google signs it (RS256, a key id), valid for an hour from now."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {**PROFILES["google"], "iat": now, "exp": now + 3600}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "fake-google-key"})


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()


@pytest.fixture
def provider_server(request, httpserver, settings, monkeypatch):
    """The provider named by the test's ``name`` parameter, configured as the environment would,
    with its adapter's endpoints pointing at the local fake server."""
    name = request.param
    settings.SOCIALACCOUNT_PROVIDERS = {
        name: {
            "APPS": [{"client_id": CLIENT_ID, "secret": "fake-secret"}],
            "SCOPE": settings.SOCIAL_PROVIDER_SCOPES[name],
        }
    }
    for attribute, path in PATHS[name].items():
        monkeypatch.setattr(ADAPTERS[name], attribute, httpserver.url_for(path))
    token = {"access_token": "fake-access-token", "token_type": "bearer", "expires_in": 3600}
    if name == "line":
        token["id_token"] = "fake.id.token"
    if name == "google":
        token.update(id_token=google_id_token(), scope="openid email profile", token_type="Bearer")
    httpserver.expect_request(PATHS[name]["access_token_url"], method="POST").respond_with_json(token)
    if name == "line":
        httpserver.expect_request(PATHS[name]["id_token_url"], method="POST").respond_with_json(
            PROFILES[name]
        )
    elif name != "google":  # Google's claims come in the id_token itself
        httpserver.expect_request(
            PATHS[name]["profile_url"], headers={"Authorization": "Bearer fake-access-token"}
        ).respond_with_json(PROFILES[name])
    return name


def sign_in_at_provider(client, name, lang="ko", process="login"):
    """Our login view redirects to the provider; the provider sends the browser back with a code."""
    start = client.post(f"/{lang}/accounts/{name}/login/", {"process": process})
    assert start.status_code == 302, start.content[:300]
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    return client.get(f"/{lang}/accounts/{name}/login/callback/", {"code": "fake-code", "state": state})


PARAMS = pytest.mark.parametrize("provider_server", ["kakao", "naver", "line", "google"], indirect=True)


@PARAMS
def test_first_social_sign_in_completes_the_profile_and_consents_before_taking_part(
    client, provider_server, httpserver
):
    name = provider_server
    response = sign_in_at_provider(client, name)
    assert response.status_code == 302 and response["Location"].endswith("/accounts/3rdparty/signup/")
    assert not User.objects.exists()

    form = client.get(response["Location"]).content.decode()
    for field in ("display_name", "nationality", "age_band", "consent_cross_border"):
        assert f'name="{field}"' in form
    nickname = {"kakao": "민지", "naver": "서연", "line": "はると", "google": "さくら"}[name]
    assert nickname in form  # suggested from the provider's profile

    refused = client.post(response["Location"], {"email": PROFILES_EMAIL[name], "display_name": nickname})
    assert refused.status_code == 200 and not User.objects.exists()

    done = client.post(
        response["Location"],
        {
            "email": PROFILES_EMAIL[name],
            "display_name": nickname,
            "nationality": "JP" if name in ("line", "google") else "KR",
            "preferred_language": "ja" if name in ("line", "google") else "ko",
            "age_band": "18+",
            "consent_participation": "on",
            "consent_cross_border": "on",
        },
    )
    assert done.status_code == 302
    user = User.objects.get(email=PROFILES_EMAIL[name])
    assert user.display_name == nickname and user.age_band == "18+"
    assert user.has_current_consent
    assert Consent.objects.filter(user=user, purpose="cross_border", granted=True).exists()
    assert SocialAccount.objects.get(user=user).provider == name
    token_request = next(req for req, _ in httpserver.log if req.path == PATHS[name]["access_token_url"])
    assert "fake-code" in token_request.get_data(as_text=True)


PROFILES_EMAIL = {
    "kakao": "minji.kakao@example.kr",
    "naver": "seoyeon@example.kr",
    "line": "haruto.line@example.jp",
    "google": "sakura.google@example.jp",
}


@PARAMS
def test_an_existing_email_account_connects_the_provider(client, provider_server):
    name = provider_server
    user = UserFactory(email="someone@example.org")
    client.force_login(user)
    response = sign_in_at_provider(client, name, process="connect")
    assert response.status_code == 302
    account = SocialAccount.objects.get(provider=name)
    assert account.user == user
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_an_unconfigured_provider_is_not_shown(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    page = client.get("/ko/accounts/login/").content.decode()
    assert "/accounts/kakao/login/" not in page and "/accounts/line/login/" not in page
    settings.SOCIALACCOUNT_PROVIDERS = {"kakao": {"APPS": [{"client_id": CLIENT_ID, "secret": "s"}]}}
    page = client.get("/ko/accounts/login/").content.decode()
    assert "/ko/accounts/kakao/login/" in page and "/accounts/naver/login/" not in page
    assert "/accounts/google/login/" not in page
    settings.SOCIALACCOUNT_PROVIDERS = {"google": {"APPS": [{"client_id": CLIENT_ID, "secret": "s"}]}}
    assert "/ko/accounts/google/login/" in client.get("/ko/accounts/login/").content.decode()
    assert json


@pytest.mark.parametrize("provider_server", ["google"], indirect=True)
def test_a_google_id_token_issued_to_another_client_signs_nobody_in(
    client, provider_server, httpserver, monkeypatch
):
    # allauth checks the id_token's audience, issuer and expiry even when it came straight from
    # the token endpoint: one minted for another site's client id is refused.
    httpserver.clear_all_handlers()
    monkeypatch.setitem(PROFILES["google"], "aud", "another-sites-client-id")
    httpserver.expect_request("/token", method="POST").respond_with_json(
        {"access_token": "fake-access-token", "token_type": "Bearer", "id_token": google_id_token()}
    )
    response = sign_in_at_provider(client, "google")
    assert response.status_code == 401  # allauth's authentication error page
    assert not SocialAccount.objects.exists() and not User.objects.exists()


@pytest.mark.parametrize("provider_server", ["kakao"], indirect=True)
def test_an_account_without_a_password_deletes_itself_only_right_after_signing_in_with_its_provider(
    client, provider_server
):
    # allauth has no password to ask for here: a fresh sign-in with the provider stands for it.
    user = UserFactory(email=PROFILES_EMAIL["kakao"])
    user.set_unusable_password()
    user.save()
    SocialAccount.objects.create(user=user, provider="kakao", uid=str(PROFILES["kakao"]["id"]))
    choice = {"contributions": "keep", "confirm": "on"}

    client.force_login(user)  # a session whose sign-in is not known to be recent
    stale = client.post("/ko/accounts/delete/", choice)
    assert stale.status_code == 302 and stale["Location"].startswith("/ko/accounts/login/")
    assert User.objects.filter(pk=user.pk).exists() and "_auth_user_id" not in client.session

    signed_in = sign_in_at_provider(client, "kakao")
    assert signed_in.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    done = client.post("/ko/accounts/delete/", choice)
    assert done.status_code == 302 and done["Location"] == "/ko/proposals/"
    assert not User.objects.filter(pk=user.pk).exists()
