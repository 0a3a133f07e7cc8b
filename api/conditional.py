"""Cheap polling of the lists: a weak ETag over each page (``If-None-Match`` → 304) and
``updated_since``, only the items changed at or after a time.

The ETag is a hash of the page as it would be sent (items, counts, next/previous links), so it
costs no query and changes whenever anything on the page does, whatever the cause. It is weak:
equal pages, not equal bytes.
"""

import datetime as dt
import hashlib
import json

from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.http import parse_etags
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status
from rest_framework.response import Response

from .responsecache import StoredPage

UPDATED_SINCE = "updated_since"


def weak_etag(data) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode())
    return f'W/"{digest.hexdigest()[:40]}"'


def matches(request, etag: str) -> bool:
    """If-None-Match compares weakly (RFC 9110 13.1.2): W/ aside, the same tag."""
    wanted = parse_etags(request.headers.get("If-None-Match", ""))
    bare = etag.removeprefix("W/")
    return "*" in wanted or bare in [tag.removeprefix("W/") for tag in wanted]


class ConditionalList:
    """For a list view: a weak ETag on every page, and 304 (no body) when ``If-None-Match`` names it."""

    def finalize_response(self, request, response, *args, **kwargs):
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == status.HTTP_200_OK
            and isinstance(response, Response)
            and (response.data is not None or isinstance(response, StoredPage))
        ):
            if isinstance(response, StoredPage):
                etag = response.etag
            else:
                etag = weak_etag(response.data)
                if getattr(self, "store_as", None):  # api.responsecache.CachedList, on a miss
                    response = self.store(request, response, etag)
            if matches(request, etag):
                response = Response(status=status.HTTP_304_NOT_MODIFIED)
            response["ETag"] = etag
            response["Cache-Control"] = "private, no-cache"
        response = super().finalize_response(request, response, *args, **kwargs)
        # The page depends on the key (reports) and on the language asked for.
        patch_vary_headers(response, ("Authorization", "Accept-Language"))
        return response


def updated_since(request) -> dt.datetime | None:
    """``?updated_since=`` as an aware date and time (ISO 8601; without an offset: UTC; a date
    alone: its midnight UTC), None without it; 400 on a value that is not one."""
    raw = request.query_params.get(UPDATED_SINCE)
    if raw is None:
        return None
    invalid = serializers.ValidationError(
        {UPDATED_SINCE: [_("Use an ISO 8601 date and time, e.g. 2025-06-01T09:00:00+09:00.")]}
    )
    try:
        value = parse_datetime(raw.strip())
    except ValueError:
        raise invalid from None
    if value is None:
        raise invalid
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        # Far dates with an offset can fall outside what a datetime holds once in UTC.
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise invalid from None


def updated_since_parameter(what_counts: str) -> OpenApiParameter:
    return OpenApiParameter(
        UPDATED_SINCE,
        OpenApiTypes.DATETIME,
        description=(
            "Only items changed at or after this time (ISO 8601, e.g. `2025-06-01T09:00:00+09:00`; "
            f"without an offset, UTC). A change here is: {what_counts} Items hidden or withdrawn "
            "meanwhile are simply no longer listed: resynchronise in full now and then. Keep the "
            "same value while following the pages' `next` links."
        ),
    )
