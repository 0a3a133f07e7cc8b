"""Site-wide views that belong to no single app: health check, home, and the error pages.

The error pages (400, 403, CSRF failure, 404, 429, 500) are
pages of the site: its layout, the visitor's language, and a way back. Paths under /api/ answer
in the API's JSON error shape instead.
"""

import logging

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 when it does not. For load balancers and uptime checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        response["Retry-After"] = "30"
        return response
    return JsonResponse({"status": "ok", "database": "ok"})


def too_many_requests(request, exception=None):
    """allauth's 429 (failed logins, invite codes): our page, with ``Retry-After``."""
    response = _error_page(request, 429, "429.html")
    response["Retry-After"] = str(settings.RATE_LIMIT_RETRY_AFTER)
    return response


def home(request):
    return redirect("proposals:list")


# --- Error pages ---------------------------------------------------------------------------------

API_ERROR_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 500: "server_error"}


def _back_url(request) -> str | None:
    """Where the visitor came from, if it was a page of this site other than this one."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer:
        return None
    try:
        if referer == request.build_absolute_uri():
            return None
        allowed = url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    except DisallowedHost:  # the 400 page may be about the host itself
        return None
    return referer if allowed else None


def _api_error(status: int, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": API_ERROR_CODES[status], "message": message, "fields": {}}}, status=status
    )


def _error_page(request, status: int, template: str, context: dict | None = None) -> HttpResponse:
    content = render_to_string(template, {"back_url": _back_url(request), **(context or {})}, request)
    return HttpResponse(content, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    if request.path.startswith("/api/"):
        return _api_error(400, _("The request could not be understood."))
    return _error_page(request, 400, "400.html")


@requires_csrf_token
def permission_denied(request, exception=None):
    if request.path.startswith("/api/"):
        return _api_error(403, _("You do not have permission to do this."))
    return _error_page(request, 403, "403.html")


@requires_csrf_token
def csrf_failure(request, reason=""):
    """A form sent without a valid CSRF token (expired session, blocked cookies, another site)."""
    return _error_page(request, 403, "403_csrf.html")


@requires_csrf_token
def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return _api_error(404, _("There is nothing at this address."))
    return _error_page(request, 404, "404.html")


@requires_csrf_token
def server_error(request):
    """The 500 page. It must not fail in turn: the template reads nothing from the database
    (no user, no messages), and if rendering fails anyway a plain text answer goes out."""
    if request.path.startswith("/api/"):
        return _api_error(500, _("Something went wrong on our side. Please try again later."))
    try:
        return _error_page(request, 500, "500.html")
    except Exception:
        logger.exception("the 500 page could not be rendered")
        return HttpResponse(
            _("Something went wrong on our side. Please try again later."),
            status=500,
            content_type="text/plain; charset=utf-8",
        )
