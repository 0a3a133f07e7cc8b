"""Rate limits, kept in the shared cache (Redis in production) so every worker counts together."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from institutions.models import InstitutionAPIKey


class APIKeyRateThrottle(SimpleRateThrottle):
    """``API_THROTTLE_RATE`` requests per key, counted by the key's visible prefix. Over the limit:
    429 with ``Retry-After``."""

    scope = "api_key"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, InstitutionAPIKey):
            return f"throttle_api_key_{request.auth.prefix}"
        return None


class AddressRateThrottle(AnonRateThrottle):
    """For what needs no key (schema, docs): ``API_ANONYMOUS_THROTTLE_RATE`` per client address."""

    scope = "api_anonymous"

    def get_rate(self) -> str:
        return settings.API_ANONYMOUS_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
