"""The site's URLs plus views that fail on purpose, for tests of the error pages."""

from allauth.core.ratelimit import respond_429
from django.conf.urls.i18n import i18n_patterns
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from deliberation.urls import (  # noqa: F401
    handler400,
    handler403,
    handler404,
    handler429,
    handler500,
    urlpatterns,
)


def boom(request):
    raise RuntimeError("a bug")


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("odd")


def rate_limited(request):
    return respond_429(request)


urlpatterns = [
    path("api/v1/boom/", boom),
    *i18n_patterns(
        path("test-errors/boom/", boom),
        path("test-errors/forbidden/", forbidden),
        path("test-errors/suspicious/", suspicious),
        path("test-errors/rate-limited/", rate_limited),
    ),
    *urlpatterns,
]
