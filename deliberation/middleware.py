"""Site-wide middleware: an honest 503 when the database is gone, a refusal of input no database
column can hold, and the request's own address for absolute links (core.siteurl)."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from core import siteurl
from core.text import has_nul

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


class RefuseNulMiddleware:
    """Answer 400 to a request with a NUL character in any query or form parameter (name or value).

    PostgreSQL cannot store NUL in text, so without this a NUL in a search, a report note or a
    moderator's reason reached the database and became a 500. Forms refuse it too (Django's
    ``CharField``); this covers every parameter read without a form, the admin's filters included.
    JSON bodies are the API's business (DRF's fields refuse NUL).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __call__(self, request):
        # The API reads its own (JSON) bodies; parsing them here would consume the stream.
        form = (
            request.method == "POST"
            and not request.path.startswith("/api/")
            and request.content_type in self.FORM_TYPES
        )
        if self._has_nul(request.GET) or (form and self._has_nul(request.POST)):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _has_nul(params) -> bool:
        return any(has_nul(key) or any(has_nul(value) for value in values) for key, values in params.lists())

    @staticmethod
    def _refuse(request):
        message = _("The request contained a character that cannot be stored (NUL). Remove it and try again.")
        if request.path.startswith("/api/"):
            body = {"error": {"code": "invalid_character", "message": message, "fields": {}}}
            return JsonResponse(body, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


class SiteURLMiddleware:
    """Bind the request for ``core.siteurl.site_url()``: emails built (or queued) while answering
    it link to the scheme and host the participant is using, not to ``SITE_URL``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with siteurl.bound_to(request):
            return self.get_response(request)
