"""Error pages are pages of the site: its layout, the visitor's language, a way back; the API
keeps its JSON error shape; /favicon.ico answers."""

import pytest
from django.utils import translation

from core import siteurl

LANGUAGES = ["ko", "ja", "en"]


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = "tests.urls_errors"
    settings.DEBUG = False


def heading(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def assert_site_page(response, language: str, title: str) -> str:
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert f'<html lang="{language}">' in html
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert f'<h1 id="error-heading">{heading(language, title)}</h1>' in html
    # A way back, in the page's language.
    assert f'href="/{language}/proposals/"' in html
    assert heading(language, "Back to the proposals") in html
    return html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_page_not_found_is_a_translated_page_of_the_site(client, language):
    response = client.get(f"/{language}/proposals/no-such-proposal/")

    assert response.status_code == 404
    html = assert_site_page(response, language, "Page not found")
    if language != "en":
        assert "Not Found" not in html


@pytest.mark.django_db
def test_page_not_found_offers_the_page_the_visitor_came_from(client):
    came_from = "http://testserver/ja/progress/"
    html = client.get("/ja/nothing-here/", HTTP_REFERER=came_from).content.decode()
    assert f'href="{came_from}"' in html
    assert heading("ja", "Back to the previous page") in html

    # Not another site's address.
    html = client.get("/ja/nothing-here/", HTTP_REFERER="https://elsewhere.example/").content.decode()
    assert "elsewhere.example" not in html


@pytest.mark.django_db
def test_server_error_is_a_translated_page_that_reads_nothing_from_the_database(
    client, failing_urls, django_assert_num_queries
):
    client.raise_request_exception = False
    with django_assert_num_queries(0):
        response = client.get("/ja/test-errors/boom/")

    assert response.status_code == 500
    html = assert_site_page(response, "ja", "Something went wrong")
    assert "Traceback" not in html and "a bug" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ko", "ja"])
def test_permission_denied_is_a_translated_page_with_a_login_link(client, failing_urls, language):
    response = client.get(f"/{language}/test-errors/forbidden/")

    assert response.status_code == 403
    html = assert_site_page(response, language, "Not allowed")
    assert f'href="/{language}/accounts/login/?next=/{language}/test-errors/forbidden/"' in html


@pytest.mark.django_db
def test_bad_request_is_a_translated_page(client, failing_urls):
    response = client.get("/ko/test-errors/suspicious/")

    assert response.status_code == 400
    assert_site_page(response, "ko", "Bad request")


@pytest.mark.django_db
def test_a_host_outside_allowed_hosts_gets_the_bad_request_page(client):
    response = client.get("/ja/proposals/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    html = assert_site_page(response, "ja", "Bad request")
    assert "evil.example" not in html


@pytest.mark.django_db
def test_a_form_sent_with_an_expired_token_gets_a_translated_page(settings):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/ja/i18n/setlang/", {"language": "ko", "next": "/ja/proposals/"})

    assert response.status_code == 403
    html = assert_site_page(response, "ja", "The form could not be sent")
    assert "CSRF verification failed" not in html and "CSRF cookie" not in html


@pytest.mark.django_db
def test_api_errors_keep_the_json_shape(client, failing_urls):
    client.raise_request_exception = False
    response = client.get("/api/v1/boom/")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert client.get("/api/v1/no-such-endpoint/").json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_favicon_is_served_at_the_root_and_linked_from_every_page(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    html = client.get("/en/proposals/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in html


# --- The scheme and host absolute links start with ------------------------------------------------


def test_site_url_outside_a_request_is_the_setting(settings):
    settings.SITE_URL = "https://dialogue.example/"
    assert siteurl.in_request() is None
    assert siteurl.site_url() == "https://dialogue.example"


def test_site_url_inside_a_request_is_the_requests_own(rf, settings):
    settings.SITE_URL = "https://dialogue.example"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    request = rf.get("/ko/proposals/", SERVER_NAME="127.0.0.1", SERVER_PORT="8611")

    with siteurl.bound_to(request):
        assert siteurl.site_url() == "http://127.0.0.1:8611"
    assert siteurl.site_url() == "https://dialogue.example"

    # A host the site does not serve is never used for links.
    with siteurl.bound_to(rf.get("/", HTTP_HOST="evil.example")):
        assert siteurl.site_url() == "https://dialogue.example"
