"""Local fake translation providers speaking DeepL's and Papago's wire formats, on
pytest-httpserver (werkzeug). The real clients (DeepL's official one, our Papago client) talk to
them over HTTP exactly as they would to the provider.

Each fake "translates" deterministically: a text found in ``phrases`` (``{(source, target, text):
translation}``) gets that translation; any other text comes back as ``〔ja〕text`` with the glossary
applied (DeepL: the glossary sent with the request; Papago: whatever our client substituted). Put
failures in ``fail`` to answer the next requests with them, one each, in order.
"""

import json
import time
import uuid
from dataclasses import dataclass, field

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

DEEPL_KEY = "fake-deepl-key:fx"
PAPAGO_ID = "fake-papago-id"
PAPAGO_SECRET = "fake-papago-secret"


@dataclass
class Failure:
    status: int
    body: dict | str = ""
    headers: dict = field(default_factory=dict)
    # Sleep this long before answering (a timeout when longer than the client waits).
    delay: float = 0.0


def _json(status: int, payload, headers=None) -> Response:
    return Response(
        json.dumps(payload, ensure_ascii=False),
        status=status,
        headers=headers or {},
        content_type="application/json",
    )


def machine_text(text: str, target: str) -> str:
    return f"〔{target}〕{text}"


class FakeProvider:
    def __init__(self, server: HTTPServer, phrases: dict | None = None):
        self.server = server
        self.phrases = dict(phrases or {})
        self.fail: list[Failure] = []
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def _failure(self) -> Response | None:
        if not self.fail:
            return None
        failure = self.fail.pop(0)
        if failure.delay:
            time.sleep(failure.delay)
        if isinstance(failure.body, dict):
            return _json(failure.status, failure.body, failure.headers)
        return Response(failure.body, status=failure.status, headers=failure.headers)

    def render(self, text: str, source: str, target: str, glossary: dict[str, str]) -> str:
        known = self.phrases.get((source, target, text))
        if known is not None:
            return known
        for term in sorted(glossary, key=len, reverse=True):
            text = text.replace(term, glossary[term])
        return machine_text(text, target)

    @property
    def texts_sent(self) -> list[str]:
        return [text for request in self.requests for text in request.get("texts", [])]


class FakeDeepL(FakeProvider):
    """``POST /v2/translate`` (JSON), ``GET``/``POST /v2/glossaries``; 403 for a wrong key, the
    failures queued in ``fail`` (456 quota, 429, 5xx, a slow answer)."""

    def __init__(self, server: HTTPServer, phrases: dict | None = None):
        super().__init__(server, phrases)
        self.glossaries: dict[str, dict] = {}
        server.expect_request("/v2/translate", method="POST").respond_with_handler(self.translate)
        server.expect_request("/v2/glossaries", method="POST").respond_with_handler(self.create_glossary)
        server.expect_request("/v2/glossaries", method="GET").respond_with_handler(self.list_glossaries)

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("Authorization") == f"DeepL-Auth-Key {DEEPL_KEY}"

    def translate(self, request: Request) -> Response:
        if not self._authorised(request):
            return _json(403, {"message": "Wrong endpoint"})
        data = request.get_json()
        self.requests.append({"path": "translate", "texts": data["text"], "body": data})
        failure = self._failure()
        if failure is not None:
            return failure
        source = data.get("source_lang", "").lower()
        target = data["target_lang"].split("-")[0].lower()
        glossary = {}
        if data.get("glossary_id"):
            found = self.glossaries.get(data["glossary_id"])
            if found is None:
                return _json(404, {"message": "Glossary not found"})
            glossary = found["entries"]
        translations = [
            {
                "detected_source_language": source.upper(),
                "text": self.render(text, source, target, glossary),
                "billed_characters": len(text),
            }
            for text in data["text"]
        ]
        return _json(200, {"translations": translations})

    def _info(self, glossary_id: str) -> dict:
        glossary = self.glossaries[glossary_id]
        return {
            "glossary_id": glossary_id,
            "name": glossary["name"],
            "ready": True,
            "source_lang": glossary["source_lang"].lower(),
            "target_lang": glossary["target_lang"].lower(),
            "creation_time": "2026-12-01T10:00:00.000000Z",
            "entry_count": len(glossary["entries"]),
        }

    def create_glossary(self, request: Request) -> Response:
        if not self._authorised(request):
            return _json(403, {"message": "Wrong endpoint"})
        data = request.get_json()
        self.requests.append({"path": "glossaries", "body": data})
        entries = dict(line.split("\t", 1) for line in data["entries"].splitlines() if line)
        glossary_id = str(uuid.uuid4())
        self.glossaries[glossary_id] = {**data, "entries": entries}
        return _json(201, self._info(glossary_id))

    def list_glossaries(self, request: Request) -> Response:
        if not self._authorised(request):
            return _json(403, {"message": "Wrong endpoint"})
        return _json(200, {"glossaries": [self._info(glossary_id) for glossary_id in self.glossaries]})


class FakePapago(FakeProvider):
    """``POST /nmt/v1/translation`` with NAVER Cloud's API gateway headers; 401 for wrong
    credentials, the failures queued in ``fail``."""

    PATH = "/nmt/v1/translation"

    def __init__(self, server: HTTPServer, phrases: dict | None = None):
        super().__init__(server, phrases)
        server.expect_request(self.PATH, method="POST").respond_with_handler(self.translate)

    @property
    def endpoint(self) -> str:
        return self.server.url_for(self.PATH)

    def translate(self, request: Request) -> Response:
        if (
            request.headers.get("X-NCP-APIGW-API-KEY-ID") != PAPAGO_ID
            or request.headers.get("X-NCP-APIGW-API-KEY") != PAPAGO_SECRET
        ):
            return _json(401, {"error": {"errorCode": "200", "message": "Authentication Failed"}})
        data = request.get_json()
        self.requests.append({"texts": [data["text"]], "body": data})
        failure = self._failure()
        if failure is not None:
            return failure
        if len(data["text"]) > 5000:
            return _json(400, {"errorMessage": "Text is too long (N2MT08)", "errorCode": "N2MT08"})
        result = {
            "srcLangType": data["source"],
            "tarLangType": data["target"],
            "translatedText": self.render(data["text"], data["source"], data["target"], {}),
            "engineType": "N2MT",
        }
        return _json(
            200,
            {
                "message": {
                    "@type": "response",
                    "@service": "naverservice.nmt.proxy",
                    "@version": "1.0.0",
                    "result": result,
                }
            },
        )


# Errors as each provider sends them.
DEEPL_QUOTA = Failure(456, {"message": "Quota Exceeded"})
DEEPL_RATE = Failure(429, {"message": "Too many requests"}, {"Retry-After": "7"})
DEEPL_SERVER = Failure(503, {"message": "Service unavailable"})
PAPAGO_QUOTA = Failure(429, {"error": {"errorCode": "400", "message": "Quota Exceeded"}})
PAPAGO_RATE = Failure(429, {"error": {"errorCode": "420", "message": "Rate Limited"}}, {"Retry-After": "7"})
PAPAGO_SERVER = Failure(503, {"error": {"errorCode": "500", "message": "Endpoint Error"}})
