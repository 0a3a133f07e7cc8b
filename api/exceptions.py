"""Every API error has the same JSON body: ``{"error": {"code", "message", "fields"}}``.

``code`` is stable for machines, ``message`` is for people (in the request's language), and
``fields`` maps an input field (or query parameter) to its messages. Unexpected exceptions become a
500 with the same shape, logged, never an HTML page or a traceback.
"""

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DeliberationError

logger = logging.getLogger("api")


def error_body(code: str, message, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def _fields(detail, prefix: str = "") -> dict[str, list[str]]:
    """``{"translations.ko.title": ["..."]}`` from DRF's nested validation details."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for name, value in detail.items():
            key = f"{prefix}.{name}" if prefix else str(name)
            if isinstance(value, dict):
                fields.update(_fields(value, key))
            else:
                fields[key] = _flatten(value)
    elif detail:
        fields[prefix or "non_field_errors"] = _flatten(detail)
    return fields


def exception_handler(exc, context):
    headers = {}
    if isinstance(exc, DeliberationError):
        fields = {exc.field: [str(exc.message)]} if exc.field else {}
        body, code = error_body(exc.code, exc.message, fields), exc.status
    elif isinstance(exc, Http404):
        body, code = error_body("not_found", _("Not found.")), status.HTTP_404_NOT_FOUND
    elif isinstance(exc, DjangoPermissionDenied):
        body, code = error_body("permission_denied", _("Not allowed.")), status.HTTP_403_FORBIDDEN
    elif isinstance(exc, SuspiciousOperation):
        # E.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE.
        body, code = error_body("bad_request", _("The request was refused as malformed or too large.")), 400
    elif isinstance(exc, OperationalError | InterfaceError):
        # The database went away mid-request: honest and retryable, like the site's middleware.
        logger.error("database unavailable: %s", exc)
        body = error_body(
            "service_unavailable", _("The service is temporarily unavailable. Please try again shortly.")
        )
        code, headers["Retry-After"] = status.HTTP_503_SERVICE_UNAVAILABLE, "30"
    elif isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        body = error_body("invalid", _("The request has invalid fields."), fields)
        code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        if isinstance(exc.detail, dict | list):
            message, code_name = " ".join(_flatten(exc.detail)), exc.default_code
        else:
            message, code_name = str(exc.detail), str(exc.get_codes())
        body, code = error_body(code_name, message), exc.status_code
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(math.ceil(exc.wait))
    else:
        logger.exception("unexpected error in %s", context.get("view").__class__.__name__, exc_info=exc)
        body = error_body("server_error", _("Something went wrong on our side. Please try again later."))
        code = status.HTTP_500_INTERNAL_SERVER_ERROR
    set_rollback()
    return Response(body, status=code, headers=headers)


def not_found(request, *args, **kwargs) -> JsonResponse:
    """Any path under /api/ that names nothing: a JSON 404, never the site's HTML page."""
    return JsonResponse(
        error_body("not_found", gettext("No API endpoint at this address. See /api/v1/docs/.")), status=404
    )
