"""OpenAPI schema pieces: the API key security scheme, and the error responses every operation
documents (so that clients, and the tests validating responses, know the error body)."""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers

from . import conditional, deprecation, idempotency
from .permissions import required_scopes

# An OpenAPI extension on each operation that takes a key: the scopes it needs (all of them).
SCOPES_EXTENSION = "x-required-scopes"


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `not_found`, `invalid`.")
    message = serializers.CharField(help_text="For people, in the request's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Input field or query parameter → its messages (empty when no field is at fault).",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERROR_RESPONSES = {
    "400": "Invalid input (fields says which).",
    "401": "Missing, wrong, revoked or expired API key.",
    "403": "The key lacks the scope this endpoint needs.",
    "404": "Not found.",
    "409": "The `Idempotency-Key` (or `client_token`) was already used for a different request "
    "(code `idempotency_key_reused`).",
    "415": "The request body is not JSON (send Content-Type: application/json).",
    "429": "Too many requests for this key (or its institution): wait `Retry-After` seconds.",
    "default": "Any other error (e.g. 405, or 500 on our side), with the same error body.",
}


def scopes_sentence(scopes: list[str]) -> str:
    if not scopes:
        return "**Scope:** any valid API key."
    names = " and ".join(f"`{scope}`" for scope in scopes)
    return f"**Scope:** an API key with the {names} scope{'s' if len(scopes) > 1 else ''}."


IDEMPOTENCY_HOURS = int(idempotency.RETENTION.total_seconds() // 3600)


def _document_idempotency(operation: dict) -> None:
    operation.setdefault("parameters", []).append(
        {
            "in": "header",
            "name": idempotency.HEADER,
            "required": False,
            "schema": {
                "type": "string",
                "minLength": 1,
                "maxLength": idempotency.MAX_KEY_LENGTH,
                "pattern": idempotency.KEY_PATTERN,
            },
            "description": (
                "A key of your choosing (e.g. a UUID) that makes the request safe to retry. The same key "
                f"with the same request within {IDEMPOTENCY_HOURS} hours answers the first response "
                f"(same status and body, marked `{idempotency.REPLAYED_HEADER}: true`) and writes "
                "nothing; with a different request, 409 `idempotency_key_reused`. Keys belong to your "
                "institution. Errors are not stored: retry a corrected request with the same key. "
                "A `client_token` in the body works the same way."
            ),
        }
    )
    for code, response in operation.get("responses", {}).items():
        if code.startswith("2"):
            response.setdefault("headers", {})[idempotency.REPLAYED_HEADER] = {
                "schema": {"type": "string", "enum": ["true"]},
                "description": "Present on a replay: this is the stored first response to the idempotency key.",
            }


def _document_etag(operation: dict) -> None:
    operation.setdefault("parameters", []).append(
        {
            "in": "header",
            "name": "If-None-Match",
            "required": False,
            "schema": {"type": "string"},
            "description": "The `ETag` of a page you have: 304 with no body if the page is still the same.",
        }
    )
    responses = operation.setdefault("responses", {})
    responses["200"].setdefault("headers", {})["ETag"] = {
        "schema": {"type": "string"},
        "description": "A weak tag of this page (its items and links): send it back in `If-None-Match`.",
    }
    responses["304"] = {
        "description": "Not modified: the page is the one whose ETag you sent in `If-None-Match`.",
        "headers": {"ETag": {"schema": {"type": "string"}, "description": "The page's weak tag."}},
    }


def _document_deprecation(operation: dict, retiring: deprecation.Deprecation) -> None:
    operation["deprecated"] = True
    operation["description"] = f"{retiring.sentence()}\n\n{operation.get('description', '')}".strip()
    for response in operation.get("responses", {}).values():
        headers = response.setdefault("headers", {})
        for name, text in (
            ("Deprecation", "When this operation was deprecated (RFC 9745): `@` and a Unix time."),
            ("Sunset", "After this HTTP date it may stop working (RFC 8594)."),
            ("Link", 'The changelog, with `rel="deprecation"`.'),
        ):
            headers[name] = {"schema": {"type": "string"}, "description": text}


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        scopes = required_scopes(self.view)
        if operation is not None and scopes is not None:
            operation[SCOPES_EXTENSION] = scopes
        if operation is not None and self._idempotent():
            _document_idempotency(operation)
        if operation is not None and self._conditional():
            _document_etag(operation)
        retiring = deprecation.deprecation_of(self.view, self.method)
        if operation is not None and retiring is not None:
            _document_deprecation(operation, retiring)
        return operation

    def _conditional(self) -> bool:
        return self.method == "GET" and isinstance(self.view, conditional.ConditionalList)

    def _idempotent(self) -> bool:
        return self.method == "POST" and idempotency.is_idempotent(self.view)

    def get_description(self):
        description = super().get_description()
        scopes = required_scopes(self.view)
        if scopes is None:
            return description
        return f"{description}\n\n{scopes_sentence(scopes)}" if description else scopes_sentence(scopes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        public = not self.view.get_authenticators()
        for code, description in ERROR_RESPONSES.items():
            if code in responses or (public and code in ("401", "403")):
                continue
            if code == "415" and self.method not in ("POST", "PUT", "PATCH"):
                continue
            if code == "409" and not self._idempotent():
                continue
            responses[code] = {
                **self._get_response_for_code(ErrorSerializer, code),
                "description": description,
            }
        return responses


class APIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.APIKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_requirement(self, auto_schema):
        # OpenAPI 3.1 lets a requirement of any scheme list the roles it needs; 3.0 only OAuth's
        # (so there the scopes are in x-required-scopes and the description alone).
        scopes = required_scopes(auto_schema.view) or []
        return {self.name: scopes if spectacular_settings.OAS_VERSION.startswith("3.1") else []}

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "Your institution's key, as `Api-Key <key>` (the word Api-Key, a space, the key). "
                "A key has scopes (`read`, `report`); each operation states the ones it needs in "
                f"`{SCOPES_EXTENSION}` and in its description, and answers 403 `scope_required` "
                "to a key without them."
            ),
        }


def report_request_shapes(result, generator, request, public):
    """``POST /reports/`` takes either ``language`` with ``title`` (and maybe ``description``), or
    ``translations`` alone: say so in the schema, so that no body it allows is refused."""
    component = result.get("components", {}).get("schemas", {}).get("ReportCreateRequest")
    if component is not None:
        single = [{"required": ["language"]}, {"required": ["title"]}, {"required": ["description"]}]
        component["oneOf"] = [
            {"required": ["language", "title"], "not": {"required": ["translations"]}},
            {"required": ["translations"], "not": {"anyOf": single}},
        ]
    return result


def nullable_as_type_list(result, generator, request, public):
    """OpenAPI 3.1 (JSON Schema) has no ``nullable``: DRF's paginators still write
    ``{"type": "string", "nullable": true}`` for ``next``/``previous``, which a 3.1 validator reads
    as "never null". Say ``"type": ["string", "null"]`` instead."""

    def walk(node):
        if isinstance(node, dict):
            if node.get("nullable") is True and isinstance(node.get("type"), str):
                del node["nullable"]
                node["type"] = [node["type"], "null"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result


RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": "Requests allowed in the current window: per key, or for the whole institution "
    "when it has a budget of its own (IETF draft-ietf-httpapi-ratelimit-headers).",
    "RateLimit-Remaining": "Requests left in the current window.",
    "RateLimit-Reset": "Seconds until the window closes and the allowance is whole again.",
}
RETRY_AFTER = "Seconds to wait before the next request."


def rate_limit_headers(result, generator, request, public):
    """Every operation that needs a key documents the ``RateLimit-*`` headers on the responses the
    rate limit counts (all but 401 and 403, answered before counting), and ``Retry-After`` on 429."""
    components = result.setdefault("components", {}).setdefault("headers", {})
    for name, description in {**RATE_LIMIT_HEADERS, "Retry-After": RETRY_AFTER}.items():
        components[name] = {"description": description, "schema": {"type": "integer", "minimum": 0}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or not any(
                "ApiKeyAuth" in requirement for requirement in operation.get("security", [])
            ):
                continue
            for code, response in operation.get("responses", {}).items():
                if code in ("401", "403"):
                    continue
                headers = response.setdefault("headers", {})
                for name in RATE_LIMIT_HEADERS:
                    headers[name] = {"$ref": f"#/components/headers/{name}"}
                if code == "429":
                    headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
    return result
