"""Rate limits, kept in the shared cache (Redis in production) so every worker counts together.

The keys' limit is a fixed window counted with one cache round trip per request (Redis: ``SET NX
EX`` and ``INCR`` in one pipeline; other caches: ``incr``, with ``add`` when the window opens), and
tells the client where it stands with the IETF draft's ``RateLimit-Limit``, ``RateLimit-Remaining``
and ``RateLimit-Reset`` headers (added to the response by ``RateLimitHeadersMiddleware``).
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, SimpleRateThrottle

from institutions.models import InstitutionAPIKey

# Where the view's state is left for the response headers (on Django's request).
REQUEST_ATTRIBUTE = "api_rate_limit"


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    reset: int  # seconds until the window closes

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


def budget(api_key: InstitutionAPIKey) -> tuple[str, int, int]:
    """``(who is counted, requests, seconds)``: the institution's own budget per minute, shared by
    all its keys, when it has one; otherwise ``API_THROTTLE_RATE`` per key."""
    per_minute = api_key.institution.api_rate_limit
    if per_minute:
        return f"institution:{api_key.institution_id}", per_minute, 60
    requests, seconds = SimpleRateThrottle.parse_rate(None, settings.API_THROTTLE_RATE)  # type: ignore[arg-type]
    if requests is None or seconds is None:
        raise ImproperlyConfigured("API_THROTTLE_RATE must be like 120/min.")
    return f"key:{api_key.prefix}", requests, seconds


def count_hit(key: str, seconds: int) -> int:
    """Count one request in ``key``'s window; the count so far. One round trip to the cache."""
    full_key = cache.make_and_validate_key(key)
    client = _redis_client(full_key)
    if client is not None:
        pipe = client.pipeline(transaction=False)
        pipe.set(full_key, 0, ex=seconds + 1, nx=True)
        pipe.incr(full_key)
        return int(pipe.execute()[1])
    try:
        return cache.incr(key)
    except ValueError:
        if cache.add(key, 1, seconds + 1):
            return 1
        return cache.incr(key)


def _redis_client(key: str):
    """The redis-py client behind Django's RedisCache (whose incr costs two round trips), or None."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(key, write=True)  # type: ignore[attr-defined]


class APIKeyRateThrottle(BaseThrottle):
    """``API_THROTTLE_RATE`` requests per key (or the institution's ``api_rate_limit`` a minute
    for all its keys together) in fixed windows. Over the limit: 429 with ``Retry-After``."""

    def __init__(self):
        self.seconds_left = 0

    def allow_request(self, request, view) -> bool:
        api_key = request.auth
        if not isinstance(api_key, InstitutionAPIKey):
            return True
        who, limit, seconds = budget(api_key)
        now = time.time()
        window = int(now // seconds)
        count = count_hit(f"ratelimit:{who}:{seconds}:{window}", seconds)
        self.seconds_left = max(1, math.ceil((window + 1) * seconds - now))
        state = RateLimit(limit=limit, remaining=max(0, limit - count), reset=self.seconds_left)
        setattr(request._request, REQUEST_ATTRIBUTE, state)
        return count <= limit

    def wait(self) -> float:
        return self.seconds_left


class RateLimitHeadersMiddleware:
    """Adds the ``RateLimit-*`` headers to API responses that were counted (429 included)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        state = getattr(request, REQUEST_ATTRIBUTE, None)
        if state is not None:
            for name, value in state.headers().items():
                response[name] = value
        return response


class AddressRateThrottle(AnonRateThrottle):
    """For what needs no key (schema, docs): ``API_ANONYMOUS_THROTTLE_RATE`` per client address."""

    scope = "api_anonymous"

    def get_rate(self) -> str:
        return settings.API_ANONYMOUS_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
