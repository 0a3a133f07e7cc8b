"""Shared pieces of the API tests (no tests here): a test client that validates every API response
against the generated OpenAPI schema (openapi-core), keys, and a deliberation builder."""

import datetime as dt
import functools
import json

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

from tests.factories import (
    AmendmentFactory,
    CommentFactory,
    InstitutionAPIKeyFactory,
    MilestoneFactory,
    ProposalVersionFactory,
    RatingFactory,
    UserFactory,
)

API = "/api/v1/"
UNVALIDATED = (f"{API}schema/", f"{API}docs/")


@functools.cache
def schema_dict() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


@functools.cache
def openapi() -> OpenAPI:
    # CSV bodies are checked as text (the schema says string); JSON ones against their schemas.
    config = Config(extra_media_type_deserializers={"text/csv": lambda data, **_params: data.decode("utf-8")})
    return OpenAPI.from_dict(schema_dict(), config=config)


def report_body(target, /, **overrides) -> dict:
    """A valid progress report for POST /reports/ on ``target``; an override of None leaves the
    field out."""
    body = {
        "proposal": target.slug,
        "stage": "submitted",
        "jurisdiction": "JP",
        "date": "2025-06-01",
        "language": "ja",
        "title": "国会に提出された",
        "evidence_url": "https://example.org/diet/123",
        **overrides,
    }
    return {key: value for key, value in body.items() if value is not None}


def assert_error_body(response) -> dict:
    """Every error is JSON: {"error": {"code", "message", "fields"}}."""
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert body["error"]["code"] and body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]


class ValidatingClient(Client):
    """Django's test client; each response under /api/v1/ must match the schema (status, content
    type and body), and each error must have the error shape."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.key: str | None = None
        self.validated = 0

    def request(self, **request):
        if self.key is not None and "HTTP_AUTHORIZATION" not in request:
            request["HTTP_AUTHORIZATION"] = f"Api-Key {self.key}"
        response = super().request(**request)
        path = request.get("PATH_INFO", "")
        if path.startswith("/api/") and not path.startswith(UNVALIDATED):
            self._validate(response)
        return response

    def _validate(self, response) -> None:
        assert b"Traceback" not in response.content
        if response.status_code >= 400:
            assert_error_body(response)
        try:
            openapi().validate_response(
                DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
            )
        except RequestDataTooBig:
            # The body was refused unread (checked above as an error); nothing to match it against.
            assert response.status_code == 400
            return
        except (PathNotFound, OperationNotFound):
            # Paths and methods the API does not have: a JSON 404 or 405, checked above.
            assert response.status_code in (404, 405), response.status_code
            return
        self.validated += 1

    def get_json(self, path: str, status: int = 200, **extra):
        response = self.get(path, **extra)
        assert response.status_code == status, (response.status_code, response.content[:500])
        return json.loads(response.content) if response.content else None


# Fixtures are named apart from their functions so that modules can import them (pytest finds
# them by their ``name``) without shadowing: ``from tests.test_api_support import FIXTURES``.


@pytest.fixture(name="api")
def api_fixture(db):
    return ValidatingClient()


@pytest.fixture(name="read_key")
def read_key_fixture(db):
    return InstitutionAPIKeyFactory(scopes=["read"])


@pytest.fixture(name="report_key")
def report_key_fixture(db):
    return InstitutionAPIKeyFactory(scopes=["report"])


@pytest.fixture(name="reader")
def reader_fixture(api, read_key):
    """A client sending a read-scope key, already used once (``last_used_at`` is fresh, so no
    request in a query budget writes it)."""
    api.key = read_key.key
    api.get(f"{API}me/")
    return api


@pytest.fixture(name="_local_cache", autouse=True)
def local_cache_fixture(settings):
    # Throttle counters in a per-test memory cache: no leftovers between tests, and the query
    # budgets count the API's own queries (the shared database cache would add its own).
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api-tests"}
    }
    from django.core.cache import cache

    cache.clear()


# --- Data --------------------------------------------------------------------------------------------

PRIVATE_MARKERS = ("HIDDEN-COMMENT-TEXT", "DELETED-COMMENT-TEXT", "HIDDEN-AMENDMENT-TEXT", "@private.example")


def build_deliberation(proposal, *, scale: int = 1) -> dict:
    """``scale`` × (versions, comments incl. hidden/deleted ones, amendments, raters, milestones),
    with private data that must never show: emails, hidden and deleted text."""
    users = [
        UserFactory(
            email=f"person{proposal.pk}-{scale}-{i}@private.example", nationality=("KR", "JP", "OTHER")[i % 3]
        )
        for i in range(3 * scale)
    ]
    last = proposal.current_version
    for i in range(scale):
        last = ProposalVersionFactory(
            proposal=proposal,
            number=last.number + 1,
            title_ja=f"水素協力 第{i + 2}版",
            body_ko=f"본문 {i} 개정",
            change_note=f"Change {i}",
        )
    proposal.current_version = last
    proposal.save(update_fields=["current_version"])
    now = timezone.now()
    comments = []
    for i in range(3 * scale):
        root = CommentFactory(proposal=proposal, author=users[i], body=f"Public comment {i}")
        comments.append(root)
        comments.append(CommentFactory(parent=root, author=users[(i + 1) % len(users)], body=f"Reply {i}"))
    for i in range(scale):
        CommentFactory(proposal=proposal, author=users[i], body="HIDDEN-COMMENT-TEXT", hidden_at=now)
        CommentFactory(proposal=proposal, author=users[i], body="DELETED-COMMENT-TEXT", deleted_at=now)
    amendments = [AmendmentFactory(proposal=proposal, author=users[i]) for i in range(2 * scale)]
    AmendmentFactory(proposal=proposal, author=users[0], new_text="HIDDEN-AMENDMENT-TEXT", hidden_at=now)
    for i, user in enumerate(users):
        RatingFactory(user=user, proposal=proposal, criterion="importance", score=1 + i % 5)
        RatingFactory(user=user, proposal=proposal, criterion="feasibility", score=1 + (i * 2) % 5)
    milestones = [
        MilestoneFactory(proposal=proposal, date=dt.date(2025, 1, 1) + dt.timedelta(days=i))
        for i in range(scale)
    ]
    MilestoneFactory(proposal=proposal, status="pending", title_en="PENDING-MILESTONE")
    from progress.services import stages_recompute

    stages_recompute(proposal=proposal, actor=None)
    return {"users": users, "comments": comments, "amendments": amendments, "milestones": milestones}
