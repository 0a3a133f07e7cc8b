"""Site-wide views that belong to no single app."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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
    response = render(request, "429.html", status=429)
    response["Retry-After"] = str(settings.RATE_LIMIT_RETRY_AFTER)
    return response


def home(request):
    return redirect("proposals:list")
