"""The versioning and deprecation policy and the changelog: reachable from the schema and the
README, and true to the API it describes."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.test_api_support import schema_dict

PAGE = "/api/v1/docs/changes/"

pytestmark = pytest.mark.django_db


def test_the_schema_and_the_readme_link_the_page(client):
    assert PAGE in client.get("/api/v1/schema/").json()["info"]["description"]
    assert PAGE in (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_the_page_states_the_policy(client):
    page = client.get(PAGE).content.decode()
    assert "<code>/api/v1/</code> is stable" in page
    for promise in (
        "Deprecation",
        "Sunset",
        'rel="deprecation"',
        "/api/v2/",
        "at least 6 months",
        "12 months",
    ):
        assert promise in page, promise


def test_the_changelog_names_the_current_release_and_its_changes(client):
    page = client.get(PAGE).content.decode()
    version = schema_dict()["info"]["version"]
    assert f'id="v{version}"' in page and f"<code>{version}</code>" in page
    for change in (
        "webhook-signature",
        "RateLimit-Remaining",
        "Idempotency-Key",
        "Idempotent-Replayed",
        "idempotency_key_reused",
        "If-None-Match",
        "updated_since",
        "x-required-scopes",
        "<code>webhooks</code> scope",
        "24 hours",
    ):
        assert change in page, change


def test_what_the_changelog_announces_is_in_the_schema():
    schema = schema_dict()
    assert schema["openapi"].startswith("3.1")
    assert schema.get("webhooks")
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post")
    ]
    for path, method, operation in operations:
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        assert "x-required-scopes" in operation, path
        if method == "post":
            assert "Idempotency-Key" in names, path
    lists = [
        "proposals/",
        "{slug}/versions/",
        "{slug}/comments/",
        "{slug}/amendments/",
        "{slug}/milestones/",
        "reports/",
    ]
    for suffix in lists:
        path = next(p for p in schema["paths"] if p.endswith(suffix))
        names = {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}
        assert {"updated_since", "If-None-Match"} <= names, path
