"""Institutions authenticate with ``Authorization: Api-Key <prefix>.<secret>``.

A key that is missing, malformed, unknown, wrong, revoked or expired, or whose institution is
inactive, is refused with 401 (one message for all, so a caller learns nothing about which keys
exist). Which endpoints a valid key may use is a matter of scopes (``api.permissions``: 403).
"""

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework_api_key.permissions import KeyParser

from institutions import keys
from institutions.models import InstitutionAPIKey

KEYWORD = "Api-Key"
# ``last_used_at`` is written at most this often per key, so reading stays (nearly) write-free.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class APIKeyAuthentication(authentication.BaseAuthentication):
    """Sets ``request.auth`` to the ``InstitutionAPIKey`` (with its institution loaded) and
    ``request.user`` to an anonymous user: an institution is not a site account. A key verified
    in the last minute is taken from the cache (no query); otherwise one query, and one update of
    ``last_used_at``."""

    key_parser = KeyParser()

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        key = self.key_parser.get_from_authorization(request)
        if key is None:
            # Some other scheme (Basic, Bearer...): not ours, and no other is accepted.
            raise exceptions.AuthenticationFailed(_("Send the key as “Authorization: Api-Key <key>”."))
        api_key = self.usable_key(key.strip())
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("This API key is not valid, or no longer valid."))
        touch(api_key)
        return AnonymousUser(), api_key

    def authenticate_header(self, request) -> str:
        return KEYWORD

    @staticmethod
    def usable_key(key: str) -> InstitutionAPIKey | None:
        """The usable key, remembered in the cache for a minute once verified (no query then);
        revoking or changing it is seen by the very next request (institutions.keys)."""
        prefix, dot, _secret = key.partition(".")
        if not dot or not prefix or len(key) > 200:
            return None
        digest = keys.key_digest(key)
        api_key = keys.remembered(prefix, digest)
        if api_key is not None:
            return api_key
        api_key = (
            InstitutionAPIKey.objects.select_related("institution")
            .filter(prefix=prefix, revoked=False, institution__active=True)
            .first()
        )
        if api_key is None or api_key.has_expired:
            return None
        if not InstitutionAPIKey.objects.key_generator.verify(key, api_key.hashed_key):
            return None
        # Read from the database at most once a minute: record the use then, so the remembered
        # copy's last use stays within LAST_USED_RESOLUTION while it is remembered.
        touch(api_key, force=True)
        keys.remember(api_key, digest)
        return api_key


def touch(api_key: InstitutionAPIKey, *, force: bool = False) -> None:
    """Record that the key was used, at most once per ``LAST_USED_RESOLUTION`` (or now, ``force``)."""
    now = timezone.now()
    if not force and api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USED_RESOLUTION:
        return
    # Conditional, so concurrent requests of the same moment write once.
    InstitutionAPIKey.objects.filter(
        Q(last_used_at__isnull=True)
        | Q(last_used_at__lt=now - (dt.timedelta(0) if force else LAST_USED_RESOLUTION)),
        pk=api_key.pk,
    ).update(last_used_at=now)
    api_key.last_used_at = now
