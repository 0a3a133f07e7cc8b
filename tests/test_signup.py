"""Sign-up (issue #14): no preselected nationality or language, and the participant's place kept
through sign-up → email verification → logged in, back on the page they came from."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from accounts.models import User

PASSWORD = "a-long-unusual-passphrase-77"
LINK = re.compile(r"https?://\S+")


@pytest.fixture(autouse=True)
def _clear_cache(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


def signup_data(**overrides) -> dict:
    data = {
        "email": "haruka@example.jp",
        "display_name": "はるか",
        "nationality": "JP",
        "preferred_language": "ja",
        "affiliation": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "age_band": "18+",
        "consent_participation": "on",
        "consent_cross_border": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _select(html: str, name: str) -> str:
    return re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)


@pytest.mark.parametrize("lang", ["ko", "ja", "en"])
def test_signup_form_preselects_no_nationality_and_the_pages_language(client, lang):
    html = client.get(f"/{lang}/accounts/signup/").content.decode()

    nationality = _select(html, "nationality")
    assert re.findall(r"<option[^>]*selected[^>]*>", nationality) == ['<option value="" selected>']
    assert "required" in nationality.split(">")[0]
    language = _select(html, "preferred_language")
    assert re.findall(r'<option value="(\w*)" selected>', language) == [lang]


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("nationality", "国籍を選択してください。"),
        ("preferred_language", "サイトとメールの言語を選択してください。"),
    ],
)
def test_japanese_signup_without_a_choice_is_refused_with_a_message_in_japanese(client, field, message):
    response = client.post("/ja/accounts/signup/", signup_data(**{field: None}))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert mail.outbox == []


def test_signup_from_a_proposal_ends_on_that_proposal_logged_in(client, proposal):
    page = f"/ko/proposals/{proposal.slug}/"
    # The header's sign-up link carries the page.
    assert f'href="/ko/accounts/signup/?next={page}"' in client.get(page).content.decode()

    response = client.post(f"/ko/accounts/signup/?next={page}", {**signup_data(), "next": page})
    assert response.status_code == 302

    (message,) = mail.outbox
    link = next(url for url in LINK.findall(message.body) if "confirm-email" in url)
    assert "/ja/accounts/confirm-email/" in link  # the participant's language
    # …and the page they came from, in that language too.
    assert parse_qs(urlsplit(link).query) == {"next": [f"/ja/proposals/{proposal.slug}/"]}

    assert client.get(link).status_code == 200
    response = client.post(link)
    # Logged in on confirmation, back on the proposal, in the language they chose.
    assert response.status_code == 302
    assert response["Location"] == f"/ja/proposals/{proposal.slug}/"
    assert client.get("/ja/accounts/profile/").status_code == 200


def test_verification_opened_elsewhere_goes_to_login_then_back_to_the_page(client, proposal):
    page = f"/ko/proposals/{proposal.slug}/"
    client.post("/ko/accounts/signup/", {**signup_data(), "next": page})
    link = next(url for url in LINK.findall(mail.outbox[0].body) if "confirm-email" in url)

    other_device = Client()
    response = other_device.post(link)

    assert response.status_code == 302
    login = response["Location"]
    assert urlsplit(login).path == "/ja/accounts/login/"
    assert parse_qs(urlsplit(login).query) == {"next": [f"/ja/proposals/{proposal.slug}/"]}
    assert other_device.get("/ja/accounts/profile/").status_code == 302  # not logged in
    response = other_device.post(login, {"login": "haruka@example.jp", "password": PASSWORD})
    assert response["Location"] == f"/ja/proposals/{proposal.slug}/"


def test_an_offsite_next_is_not_carried_into_the_email(client):
    client.post("/ko/accounts/signup/", {**signup_data(), "next": "https://evil.example/"})

    link = next(url for url in LINK.findall(mail.outbox[0].body) if "confirm-email" in url)
    assert "evil" not in link and "?" not in link
