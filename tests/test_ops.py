import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_healthz_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_healthz_503_when_database_is_unreachable(client):
    with mock.patch("deliberation.views.connection.cursor", side_effect=OperationalError("gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert response["Retry-After"]


@pytest.mark.django_db
def test_lost_database_on_a_page_is_503_not_500(client):
    with mock.patch("proposals.selectors.proposals_by_area", side_effect=OperationalError("gone")):
        response = client.get("/en/proposals/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the e2e harness for its own process; check --deploy warns on it.
    dropped = {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(  # noqa: S603 - fixed argv, our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_profile_passes_check_deploy_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY="x7!kq2-production-like-secret-" + "a9Vb3Lm0Zp" * 4,
        ALLOWED_HOSTS="dialogue.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_profile_refuses_to_start_without_secret_key():
    result = _manage("check", DJANGO_ENV="production", ALLOWED_HOSTS="dialogue.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_lost_database_under_the_api_is_a_json_503(rf):
    from deliberation.middleware import DatabaseUnavailableMiddleware

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    response = middleware.process_exception(rf.get("/api/v1/proposals/"), OperationalError("gone"))

    assert response.status_code == 503
    assert json.loads(response.content)["error"]["code"] == "unavailable"
    assert response["Retry-After"] == "30"
