"""The smaller findings of the audit (issue #17, item 6), each shown fixed."""

import csv
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.factories import CommentFactory, InstitutionAPIKeyFactory, ProposalFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x7!kq2-production-like-secret-" + "a9Vb3Lm0Zp" * 4,
    "ALLOWED_HOSTS": "dialogue.example.org",
}


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    # A database of its own (an SQLite file in a scratch directory), whatever the suite runs on.
    dropped = {
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "DJANGO_ENV",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "DATABASE_URL",
    }
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    script = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'deliberation.settings'); django.setup()\n"
    return subprocess.run(  # noqa: S603 - fixed argv, our own code
        [sys.executable, "-c", script + code],
        cwd=ROOT,
        env={**base, "DJANGO_VAR_DIR": tempfile.mkdtemp(prefix="hardening-"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_cookies_are_secure_same_site_and_host_prefixed():
    result = run_python(
        "from django.conf import settings as s\n"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.LANGUAGE_COOKIE_NAME)\n"
        "print(s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE, s.LANGUAGE_COOKIE_HTTPONLY)",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    names, flags = result.stdout.splitlines()
    assert names.split() == ["__Host-sessionid", "__Host-csrftoken", "__Host-django_language"]
    assert flags.split() == ["True", "Lax", "True"]


@pytest.mark.django_db
def test_language_cookie_is_same_site_and_http_only(client):
    response = client.post("/en/i18n/setlang/", {"language": "ko", "next": "/ko/proposals/"})
    cookie = response.cookies["django_language"]
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"]


def test_healthz_answers_200_over_plain_http_in_production():
    result = run_python(
        "from django.test import Client\n"
        "c = Client()\n"
        "print(c.get('/healthz', HTTP_HOST='dialogue.example.org').status_code)\n"
        "print(c.get('/en/proposals/', HTTP_HOST='dialogue.example.org').status_code)",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "301"]


def test_missing_django_env_refuses_debug_for_a_host_that_is_not_local():
    result = run_python("print('started')", ALLOWED_HOSTS="dialogue.example.org")
    assert result.returncode != 0
    assert "DJANGO_ENV is not set" in result.stderr


def test_missing_django_env_is_fine_for_local_hosts_and_an_explicit_development_anywhere():
    assert run_python("print('started')").stdout.strip() == "started"
    explicit = run_python("print('started')", DJANGO_ENV="development", ALLOWED_HOSTS="dev.example.org")
    assert explicit.stdout.strip() == "started", explicit.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["page_size=null", "page_size=-3", "page_size=0", "lang="])
def test_api_refuses_query_values_the_schema_forbids(client, query):
    key = InstitutionAPIKeyFactory()
    response = client.get(f"/api/v1/proposals/?{query}", HTTP_AUTHORIZATION=f"Api-Key {key.key}")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


@pytest.mark.django_db
def test_api_caps_a_huge_page_size_the_schema_allows(client):
    key = InstitutionAPIKeyFactory()
    response = client.get(
        "/api/v1/proposals/?page_size=99999999999999", HTTP_AUTHORIZATION=f"Api-Key {key.key}"
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_report_schema_says_language_and_title_or_translations(client):
    schema = client.get("/api/v1/schema/").json()
    shapes = schema["components"]["schemas"]["ReportCreateRequest"]["oneOf"]
    assert [shape["required"] for shape in shapes] == [["language", "title"], ["translations"]]
    translations = schema["components"]["schemas"]["ReportTranslationsRequest"]
    assert set(translations["required"]) == {"en", "ko", "ja"}


@pytest.mark.django_db
@pytest.mark.parametrize("body", ['＝HYPERLINK("http://x")', "＋1", "－1", "＠SUM(A1)"])
def test_full_width_formula_starts_are_neutralised_in_csv_exports(client, body):
    comment = CommentFactory(body=body, proposal=ProposalFactory())
    key = InstitutionAPIKeyFactory()
    response = client.get(
        f"/api/v1/proposals/{comment.proposal.slug}/export.csv", HTTP_AUTHORIZATION=f"Api-Key {key.key}"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row if body in cell]
    assert cells and all(cell.startswith("'") for cell in cells)


@pytest.mark.django_db
def test_bidi_overrides_do_not_reach_the_page(client):
    author = UserFactory(display_name="Admin\u202eelgoog")
    comment = CommentFactory(author=author, body="Price: \u202e001$ \u2066x\u2069")
    response = client.get(f"/en/proposals/{comment.proposal.slug}/")
    html = response.content.decode()
    assert "Adminelgoog" in html
    assert "Price: 001$ x" in html
    for control in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
        assert control not in html


@pytest.mark.django_db
def test_bidi_controls_are_removed_from_a_display_name_when_saved(client, make_actor):
    user = make_actor("member")
    client.force_login(user)
    data = {
        "display_name": "\u202eevil",
        "preferred_language": "en",
        "affiliation": "",
        "notification_frequency": "off",
        "nationality": user.nationality,
    }
    client.post("/en/accounts/profile/", data)
    user.refresh_from_db()
    assert user.display_name == "evil"
