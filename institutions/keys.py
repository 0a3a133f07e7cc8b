"""Creating and revoking institutions' API keys (the admin and ``manage.py create_api_key``)."""

import datetime as dt

from django.db import transaction

from audit.log import record

from .models import Institution, InstitutionAPIKey, Scope


def clean_scopes(scopes) -> list[str]:
    """Known scopes only, each once, in declaration order."""
    return [scope for scope in Scope.values if scope in set(scopes or [])]


def api_key_create(
    *,
    institution: Institution,
    name: str,
    scopes,
    expiry_date: dt.datetime | None = None,
    actor=None,
) -> tuple[InstitutionAPIKey, str]:
    """A new key for ``institution``; returns it with the full key text, which is never stored
    (only its hash and its visible prefix are). Records ``api_key.created``."""
    api_key = InstitutionAPIKey(institution=institution, name=name, scopes=scopes, expiry_date=expiry_date)
    return api_key, api_key_save_new(api_key=api_key, actor=actor)


def api_key_save_new(*, api_key: InstitutionAPIKey, actor=None) -> str:
    """Give the unsaved ``api_key`` its secret, save it and return the full key text (shown once,
    never stored). Records ``api_key.created``."""
    with transaction.atomic():
        api_key.scopes = clean_scopes(api_key.scopes)
        key = InstitutionAPIKey.objects.assign_key(api_key)
        api_key.save()
        # The key's primary key embeds its hash: the audit row names the institution and the prefix.
        record(
            action="api_key.created",
            actor=actor,
            target=api_key.institution,
            prefix=api_key.prefix,
            name=api_key.name,
        )
        return key


def api_keys_revoke(*, api_keys, actor=None) -> int:
    """Revoke keys (for good: a revoked key cannot be restored). Records ``api_key.revoked``."""
    with transaction.atomic():
        count = 0
        for api_key in api_keys:
            if api_key.revoked:
                continue
            api_key.revoked = True
            api_key.save(update_fields=["revoked"])
            record(action="api_key.revoked", actor=actor, target=api_key.institution, prefix=api_key.prefix)
            count += 1
        return count
