"""Deprecations, as the policy on /api/v1/docs/changes/ promises them: an operation that will go
away says so on every response (``Deprecation``, RFC 9745; ``Sunset``, RFC 8594; a ``Link`` to the
changelog) and in the schema (``deprecated: true`` and the dates). Nothing is deprecated in v1 yet;
this is how something will be::

    @deprecated(Deprecation(since=..., sunset=..., instead="GET /api/v1/other/"))
    def get(self, request): ...

A sunset sooner than the notice period after the deprecation is refused at import time.
"""

import datetime as dt
import functools
from dataclasses import dataclass

from django.urls import reverse
from django.utils.http import http_date

NOTICE = dt.timedelta(days=183)  # six months
NOTICE_MONTHS = 6
VERSION_OVERLAP_MONTHS = 12


@dataclass(frozen=True)
class Deprecation:
    since: dt.datetime
    sunset: dt.datetime
    instead: str

    def __post_init__(self):
        if self.sunset - self.since < NOTICE:
            raise ValueError(f"A sunset needs at least {NOTICE_MONTHS} months' notice after the deprecation.")

    def headers(self) -> dict[str, str]:
        return {
            "Deprecation": f"@{int(self.since.timestamp())}",
            "Sunset": http_date(self.sunset.timestamp()),
            "Link": f'<{reverse("api:changes")}>; rel="deprecation"',
        }

    def sentence(self) -> str:
        return (
            f"**Deprecated** since {self.since:%Y-%m-%d}; may stop working after {self.sunset:%Y-%m-%d}. "
            f"Use {self.instead} instead."
        )


def deprecated(deprecation: Deprecation):
    """Mark a view's handler (``get``, ``post``…) deprecated: headers on its responses, the mark in
    the schema (``api.schema``)."""

    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(view, request, *args, **kwargs):
            response = handler(view, request, *args, **kwargs)
            for name, value in deprecation.headers().items():
                response[name] = value
            return response

        wrapper.deprecation = deprecation
        return wrapper

    return decorate


def deprecation_of(view, method: str) -> Deprecation | None:
    return getattr(getattr(view, method.lower(), None), "deprecation", None)
