"""Creating and revoking institutions' API keys (the admin and ``manage.py create_api_key``), and
remembering verified keys in the shared cache.

A key the API has verified is remembered for ``REMEMBER_SECONDS`` (with its institution), so a
request with a known key costs no query and no hashing. Any change to a key or its institution
(revoked, expired, scopes, deactivated, deleted: through a service, the admin or anything else that
saves the model) replaces the remembered entry with a tombstone once the change commits
(``forget``, connected to the models' save and delete signals in ``apps.py``): the very next request
goes to the database. The entry is written with ``cache.add``, so a request that read the key just
before the change cannot put the old state back over the tombstone.
"""

import datetime as dt
import hashlib
import hmac

from django.core.cache import cache
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


# --- Remembering verified keys ----------------------------------------------------------------------

REMEMBER_SECONDS = 60
FORGOTTEN = "forgotten"


def _cache_key(prefix: str) -> str:
    return f"api_key:v1:{prefix}"


def key_digest(key: str) -> str:
    """What is remembered of the presented key: its SHA-256 (the key itself is never stored)."""
    return hashlib.sha256(key.encode()).hexdigest()


def remembered(prefix: str, digest: str) -> InstitutionAPIKey | None:
    """The key remembered for ``prefix`` if the presented key is the one verified (one cache
    round trip), else None (then the database decides)."""
    entry = cache.get(_cache_key(prefix))
    if not isinstance(entry, tuple):
        return None
    stored, api_key = entry
    if not hmac.compare_digest(stored, digest) or api_key.has_expired:
        return None
    return api_key


def remember(api_key: InstitutionAPIKey, digest: str) -> None:
    """Remember a key just verified against the database (never over a tombstone)."""
    cache.add(_cache_key(api_key.prefix), (digest, api_key), REMEMBER_SECONDS)


def forget(prefixes) -> None:
    """The keys with these prefixes are read from the database again on their next use."""
    keys = [_cache_key(prefix) for prefix in prefixes if prefix]
    if not keys:
        return

    def tombstones() -> None:
        cache.set_many(dict.fromkeys(keys, FORGOTTEN), REMEMBER_SECONDS)

    # Now, so that no request is answered from the old entry while the change commits, and again
    # on commit, over whatever a request that read the old row meanwhile may have remembered.
    tombstones()
    transaction.on_commit(tombstones)


def forget_key(sender, instance: InstitutionAPIKey, **kwargs) -> None:
    """Receiver of InstitutionAPIKey's post_save and post_delete (a new key has nothing to forget)."""
    if not kwargs.get("created"):
        forget([instance.prefix])


def forget_institution_keys(sender, instance: Institution, **kwargs) -> None:
    """Receiver of Institution's post_save and pre_delete (its keys go with it)."""
    forget(InstitutionAPIKey.objects.filter(institution_id=instance.pk).values_list("prefix", flat=True))
