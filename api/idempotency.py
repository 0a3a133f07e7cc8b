"""Safe retries of writes: an ``Idempotency-Key`` header (or the body's ``client_token``).

The first successful answer to a key is stored with a fingerprint of the request (method, path and
the body as canonical JSON). The same key again, within ``RETENTION``:

* with the same request: the stored answer (same status and body), marked ``Idempotent-Replayed: true``,
  and nothing is written again;
* with a different request: 409 ``idempotency_key_reused``, and nothing is written.

Keys belong to the institution (any of its keys may replay them). An answer that is an error is not
stored: fix the request and send it again with the same key. Two requests racing with one key:
the database's unique constraint lets one write; the other is rolled back and answered as a reuse.
"""

import contextlib
import datetime as dt
import functools
import hashlib
import json
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Visible ASCII, no spaces (a UUID is the usual choice).
KEY_PATTERN = r"^[!-~]{1,255}$"
RETENTION = dt.timedelta(hours=24)


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_reused"
    default_detail = _(
        "This idempotency key was already used for a different request: send a new key for a new request."
    )


class _Lost(Exception):
    """A concurrent request with the same key stored its answer first."""


def fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def valid_key(value: str) -> bool:
    return 0 < len(value) <= MAX_KEY_LENGTH and all("!" <= char <= "~" for char in value)


def keys(request) -> list[str]:
    """The request's idempotency keys: the header's, and the body's ``client_token`` if it is one.
    A header that is not a usable key is a 400."""
    found = []
    header = request.headers.get(HEADER)
    if header is not None:
        if not valid_key(header):
            raise serializers.ValidationError(
                {HEADER: [_("Use 1 to 255 visible ASCII characters without spaces, e.g. a UUID.")]}
            )
        found.append(f"key:{header}")
    token = request.data.get("client_token") if isinstance(request.data, dict) else None
    if isinstance(token, str):
        # Not a token: the serializer names the field.
        with contextlib.suppress(ValueError):
            found.append(f"client_token:{uuid.UUID(token)}")
    return found


def _replay(record: IdempotencyRecord) -> Response:
    return Response(record.body, status=record.status, headers={REPLAYED_HEADER: "true"})


def _earlier(institution_id: int, names: list[str], print_: str) -> Response | None:
    """The stored answer for one of ``names``, or None; KeyReused if stored for another request."""
    cutoff = timezone.now() - RETENTION
    records = IdempotencyRecord.objects.filter(
        institution_id=institution_id, key__in=names, created_at__gte=cutoff
    )
    for record in records:
        if record.fingerprint != print_:
            raise KeyReused
    first = next(iter(records), None)
    return _replay(first) if first is not None else None


def respond(request, handler) -> Response:
    """Answer ``request`` with ``handler()`` once per idempotency key (see the module's docstring).
    Without a key, just ``handler()``."""
    names = keys(request)
    if not names:
        return handler()
    institution_id = request.auth.institution_id
    print_ = fingerprint(request)
    earlier = _earlier(institution_id, names, print_)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            response = handler()
            if status.is_success(response.status_code):
                _store(institution_id, names, print_, response)
            return response
    except _Lost:
        earlier = _earlier(institution_id, names, print_)
        if earlier is None:
            raise KeyReused from None
        return earlier


def purge_expired() -> int:
    """Delete every institution's records older than ``RETENTION`` (they may hold a webhook
    secret once shown); returns how many."""
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - RETENTION).delete()
    return deleted


def _store(institution_id: int, names: list[str], print_: str, response: Response) -> None:
    """Remember ``response`` under each of ``names`` (and forget the institution's expired keys);
    raises _Lost, rolling the write back, when a concurrent request stored one of them first."""
    now = timezone.now()
    IdempotencyRecord.objects.filter(institution_id=institution_id, created_at__lt=now - RETENTION).delete()
    body = json.loads(JSONRenderer().render(response.data))
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.bulk_create(
                IdempotencyRecord(
                    institution_id=institution_id,
                    key=name,
                    fingerprint=print_,
                    status=response.status_code,
                    body=body,
                    created_at=now,
                )
                for name in names
            )
    except IntegrityError as error:
        raise _Lost from error


def idempotent(handler):
    """Decorate a view's ``post``: it honours idempotency keys, and the schema documents the
    header, the replay marker and the 409 (``api.schema``)."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        return respond(request, lambda: handler(view, request, *args, **kwargs))

    wrapper.idempotent = True
    return wrapper


def is_idempotent(view) -> bool:
    return getattr(getattr(view, "post", None), "idempotent", False)


class IdempotentCreate:
    """For a generic create view (``ListCreateAPIView``): its POST honours idempotency keys."""

    @idempotent
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
