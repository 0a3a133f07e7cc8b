"""Answer honestly when the database is gone instead of rendering a 500 page."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """Turn a lost database connection into 503 with ``Retry-After``.

    With ``CONN_HEALTH_CHECKS`` on, Django reconnects on the next request; this covers the request
    that was in flight when the database went away.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable: %s", exception)
        message = _("The service is temporarily unavailable. Please try again shortly.")
        if request.path.startswith("/api/"):
            # API clients always get the API's error shape, never text or HTML.
            response = JsonResponse(
                {"error": {"code": "unavailable", "message": message, "fields": {}}}, status=503
            )
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
