"""The proposals' activity stamps mirrored in Redis, so that a visitor's cached page costs no query.

Only when the shared cache is Redis (``RedisCache``): with a per-process cache a mirror written by
one worker would be unseen, hence stale, in the others; then the stamp is read from the database.

The database stays the truth (``core.pagestamp``): a writer moves the stamp inside its transaction,
under the row's lock. The mirror must never show a stamp older than one committed *and answered*
(the writer's response comes after its ``on_commit`` hooks). Per proposal, Redis holds

- ``pagestamp:<pk>``: a hash ``s`` (the stamp) and ``slug`` (a renamed proposal, an admin's full
  save, moves the stamp, and the hash takes the new slug);
- ``pagestamp:<pk>:w``: the writers in flight, a sorted set of tokens scored by a deadline;
- ``pagestamp:slug:<slug>``: the proposal's pk (checked against the hash's ``slug``).

A write: (1) moves the stamp in the database (``UPDATE ... RETURNING``), (2) still inside its
transaction, adds its token to ``:w`` (``hold``: if Redis cannot be reached the write fails and
rolls back, so no commit ever goes unannounced), (3) after the commit (``transaction.on_commit``),
sets ``s`` if greater and removes its token (``release``). While any token is there, readers read
the database and do not fill the mirror. If (3) fails (Redis down at that moment), the token stays,
so readers keep reading the database; when its deadline passes (``HOLD_SECONDS``), the first reader
drops ``s`` with it, and the mirror is filled again from a database read made after that. A write
rolled back leaves its token the same way: a minute of database reads, never a wrong stamp.

A reader that found nothing usable reads the database and then fills the mirror, only upwards
(set if greater), only when no writer is in flight, and only if its database read began less than
``FILL_WITHIN`` seconds ago (so a reader stalled across a token's expiry cannot bring back an old
stamp). Every update of ``s`` is "if greater": two writers' hooks arriving out of order, or a reader
filling from an old read, can never move it down.

What is assumed, and where it would break: a writer commits within ``HOLD_SECONDS -
FILL_WITHIN`` of moving the stamp (a longer transaction whose hook also failed could leave an old
stamp after its token expired), and Redis does not evict a token it was just given (the tokens
carry no TTL of their own beyond the deadline in their score; use ``noeviction`` or ``volatile-*``
eviction for the cache, as the keys here have no TTL). A proposal with a version is never
deleted (``ProposalVersion.proposal`` protects it), so a mirrored stamp never outlives its row.

Deploying: every process that writes must keep the mirror. Code from before it moves stamps
without telling Redis, so when it is first deployed (or if such code ever writes the same database
again, as a benchmark run of an older tree can), clear the cache once the old workers are gone:
``python manage.py shell -c "from django.core.cache import cache; cache.clear()"``. ``make bench``
clears its cache at the start of every run.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import NoScriptError

log = logging.getLogger(__name__)

HOLD_SECONDS = 60
FILL_WITHIN = 2.0

# Drop writers whose deadline passed; such a writer's outcome is unknown, so forget the stamp.
_PRUNE = """
local function prune(h, w)
  if redis.call('EXISTS', w) == 0 then return 0 end
  local now = redis.call('TIME')
  local expired = redis.call('ZREMRANGEBYSCORE', w, '-inf', tonumber(now[1]) + tonumber(now[2]) / 1e6)
  if expired > 0 then redis.call('HDEL', h, 's') end
  return redis.call('ZCARD', w)
end
"""

# KEYS: slug key; ARGV: hash key prefix, slug, for a writer's read (``read(recent=...)``) the age
# in seconds under which a writer in flight does not count ('' for none), HOLD_SECONDS, then what
# to read with the stamp (``read_then_get``): a key's start and end around "<pk>:<stamp>"
# ('' for nothing). -> {pk, stamp[, value or nil]} or nil. A token's score is its deadline,
# HOLD_SECONDS after it was added.
_READ = (
    _PRUNE
    + """
local pk = redis.call('GET', KEYS[1])
if not pk then return false end
local h = ARGV[1] .. pk
if prune(h, h .. ':w') > 0 then
  if ARGV[3] == '' then return false end
  local now = redis.call('TIME')
  local older = tonumber(now[1]) + tonumber(now[2]) / 1e6 + tonumber(ARGV[4]) - tonumber(ARGV[3])
  if redis.call('ZCOUNT', h .. ':w', '-inf', older) > 0 then return false end
end
local v = redis.call('HMGET', h, 's', 'slug')
if (not v[1]) or v[2] ~= ARGV[2] then return false end
if ARGV[5] == '' then return {pk, v[1]} end
return {pk, v[1], redis.call('GET', ARGV[5] .. pk .. ':' .. v[1] .. ARGV[6])}
"""
)

# KEYS: slug key, hash, writers; ARGV: pk, stamp, slug. -> 1 if filled
_FILL = (
    _PRUNE
    + """
if prune(KEYS[2], KEYS[3]) > 0 then return 0 end
local s = redis.call('HGET', KEYS[2], 's')
if (not s) or tonumber(s) < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[2], 's', ARGV[2], 'slug', ARGV[3])
elseif tonumber(s) > tonumber(ARGV[2]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""
)

# KEYS: hash, writers; ARGV: token, stamp, slug. Only a writer whose token is still there may set
# the stamp: one whose token expired was already given up on (its stamp was forgotten).
_RELEASE = """
if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then return 0 end
local s = redis.call('HGET', KEYS[1], 's')
if (not s) or tonumber(s) < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 's', ARGV[2], 'slug', ARGV[3])
end
return 1
"""


def _backend() -> RedisCache | None:
    backend = caches["default"]
    return backend if isinstance(backend, RedisCache) else None


def enabled() -> bool:
    """Whether stamps are mirrored: the shared cache is Redis."""
    return _backend() is not None


def _client_and_keys(backend: RedisCache):
    prefix = backend.make_and_validate_key("pagestamp:")
    client = backend._cache.get_client(prefix, write=True)  # type: ignore[attr-defined]
    return client, prefix


def _script(client, source: str):
    scripts = getattr(client, "_pagestamp_scripts", None)
    if scripts is None:
        scripts = {}
        client._pagestamp_scripts = scripts
    if source not in scripts:
        scripts[source] = client.register_script(source)
    return scripts[source]


def read(slug: str, *, recent: float | None = None) -> tuple[int, int] | None:
    """``(pk, stamp)`` from the mirror (one round trip), or None: not mirrored, a writer in
    flight, or Redis unreachable (then the caller reads the database).

    ``recent`` (seconds) is for a participant's write, which needs a copy of the proposal as of a
    committed stamp, not the newest page: writers in flight that announced themselves less than
    ``recent`` seconds ago do not count, so the stamp last released is answered while others write
    (see ``proposals.selectors.proposal_for_write``). An older token still answers None: it may be
    a write whose release failed, whose stamp the mirror never heard of."""
    found = _read(slug, recent, None)
    return None if found is None else (found[0], found[1])


def read_then_get(
    slug: str, key: tuple[str, str], *, recent: float | None = None
) -> tuple[int, int, object] | None:
    """``read``, and in the same round trip the cache's value under the key made of ``key``'s
    start and end around ``"<pk>:<stamp>"`` (as ``cache.get`` would answer it: None when
    missing): ``(pk, stamp, value)``, or None as ``read``."""
    return _read(slug, recent, key)


def _read(
    slug: str, recent: float | None, then_get: tuple[str, str] | None
) -> tuple[int, int, object] | None:
    backend = _backend()
    if backend is None:
        return None
    try:
        client, prefix = _client_and_keys(backend)
        args = [prefix, slug, "" if recent is None else recent, HOLD_SECONDS]
        if then_get is not None:
            args += [backend.make_and_validate_key(then_get[0]), then_get[1]]
        else:
            args += ["", ""]
        found = _script(client, _READ)(keys=[f"{prefix}slug:{slug}"], args=args)
        value = None
        if then_get is not None and found and found[2] is not None:
            value = backend._cache._serializer.loads(found[2])  # type: ignore[attr-defined]
    except Exception:  # the database is the fallback: a Redis error must not fail a page
        log.warning("stamp mirror unreadable; reading the database", exc_info=True)
        return None
    if not found:
        return None
    return int(found[0]), int(found[1]), value


def fill(slug: str, pk: int, stamp: int, read_at: float) -> None:
    """Mirror what a database read (begun at ``read_at``, ``time.monotonic()``) found, upwards only."""
    backend = _backend()
    if backend is None or time.monotonic() - read_at > FILL_WITHIN:
        return
    try:
        client, prefix = _client_and_keys(backend)
        _script(client, _FILL)(
            keys=[f"{prefix}slug:{slug}", f"{prefix}{pk}", f"{prefix}{pk}:w"], args=[pk, stamp, slug]
        )
    except Exception:
        log.warning("stamp mirror not filled", exc_info=True)


def announce(pks: Iterable[int]) -> str | None:
    """Inside the writer's transaction, before (or just after) its stamps move: its token in each
    proposal's ``:w`` (one round trip), returned for ``hold``; None when not mirrored. Raises if
    Redis cannot be reached, which rolls the write back: a commit the mirror would not hear of
    could be stale. Announced before the UPDATE, the round trip is not made while the proposal's
    row is locked; a write that then fails leaves its token, as a rolled-back write does."""
    pks = list(pks)
    backend = _backend()
    if backend is None or not pks:
        return None
    client, prefix = _client_and_keys(backend)
    token = uuid.uuid4().hex
    deadline = time.time() + HOLD_SECONDS
    pipe = client.pipeline(transaction=False)
    for pk in pks:
        pipe.zadd(f"{prefix}{pk}:w", {token: deadline})
    pipe.execute()
    return token


class _AfterCommit:
    """What one writer sends to Redis after its commit, in one round trip: the release of its
    stamps, then the scripts others added in its transaction (``after_release``)."""

    def __init__(self, rows: list[tuple[int, int, str]], token: str):
        self.rows, self.token = rows, token
        self.extra: list[tuple[str, list[str], list, str]] = []
        self.sent = False
        self.hook: Callable[[], None] | None = None  # what hold gave transaction.on_commit

    def send(self) -> None:
        self.sent = True
        release(self.rows, self.token, self.extra)


_local = threading.local()


def hold(rows: Iterable[tuple[int, int, str]], *, token: str | None = None) -> None:
    """Inside the writer's transaction, after the stamps moved: announce the write (``announce``,
    unless it was with ``token``) and have ``release`` run after the commit."""
    from django.db import transaction

    rows = list(rows)
    if _backend() is None or not rows:
        return
    if token is None:
        token = announce(pk for pk, _stamp, _slug in rows)
        assert token is not None
    pending = _AfterCommit(rows, token)

    def release_after_commit() -> None:
        pending.send()

    pending.hook = release_after_commit
    _local.pending = pending
    transaction.on_commit(release_after_commit)


def after_release(source: str, keys: list[str], args: list, *, what: str) -> bool:
    """Run a Lua script (as ``run_script``) after the commit of the current transaction, in the
    round trip of the release that its last ``hold`` registered; a failure is logged (``what``
    failed) and otherwise ignored. False when no such release is waiting for this transaction's
    commit: the caller then runs the script itself."""
    from django.db import DEFAULT_DB_ALIAS, connections

    pending = getattr(_local, "pending", None)
    backend = _backend()
    if pending is None or pending.sent or backend is None:
        return False
    # Only the release this transaction will run (one of a transaction rolled back never runs).
    waiting = connections[DEFAULT_DB_ALIAS].run_on_commit
    if not any(entry[1] is pending.hook for entry in waiting):
        return False
    pending.extra.append((source, [backend.make_and_validate_key(key) for key in keys], args, what))
    return True


def release(
    rows: list[tuple[int, int, str]], token: str, extra: Iterable[tuple[str, list[str], list, str]] = ()
) -> None:
    """After the commit: each stamp set if greater, the token removed, then the ``extra`` scripts
    (``after_release``), in one round trip. A failure is logged and otherwise harmless: the token
    stays, readers read the database until it expires."""
    backend = _backend()
    if backend is None:
        return
    extra = list(extra)
    try:
        client, prefix = _client_and_keys(backend)
        calls = [
            (_RELEASE, [f"{prefix}{pk}", f"{prefix}{pk}:w"], [token, stamp, slug]) for pk, stamp, slug in rows
        ]
        results = _run_all(client, calls + [(source, keys, args) for source, keys, args, _what in extra])
        failed = next((result for result in results[: len(rows)] if isinstance(result, Exception)), None)
        if failed is not None:
            raise failed
    except Exception:
        log.error(
            "stamp mirror not updated after a commit (proposals %s): their pages are read from the "
            "database until the write's token expires (%d s)",
            [pk for pk, _stamp, _slug in rows],
            HOLD_SECONDS,
            exc_info=True,
        )
        return
    for (_source, _keys, _args, what), result in zip(extra, results[len(rows) :], strict=True):
        if isinstance(result, Exception):
            log.warning("%s failed after a commit", what, exc_info=result)


def _run_all(client, calls: list[tuple[str, list[str], list]]) -> list:
    """Run scripts in one round trip (a pipeline of EVALSHA, without the SCRIPT EXISTS check a
    pipeline of ``Script`` objects makes first); a script Redis does not know yet is loaded and
    run again by itself. Each result, or the error Redis answered for it."""
    scripts = [_script(client, source) for source, _keys, _args in calls]
    pipe = client.pipeline(transaction=False)
    for script, (_source, keys, args) in zip(scripts, calls, strict=True):
        pipe.evalsha(script.sha, len(keys), *keys, *args)
    results = pipe.execute(raise_on_error=False)
    for index, result in enumerate(results):
        if isinstance(result, NoScriptError):
            _source, keys, args = calls[index]
            try:
                results[index] = scripts[index](keys=keys, args=args, client=client)
            except Exception as error:  # answered as the pipeline answers errors
                results[index] = error
    return results


def run_script(source: str, keys: list[str], args: list) -> object:
    """Run a Lua script on the shared cache's Redis with cache keys (``keys``, made into the
    cache's own, as ``cache.get`` would) in one round trip; registered once per client. Raises
    when Redis cannot be reached; only when the stamps are mirrored (``enabled()``)."""
    backend = _backend()
    assert backend is not None, "run_script needs the Redis cache"
    client, _prefix = _client_and_keys(backend)
    return _script(client, source)(keys=[backend.make_and_validate_key(key) for key in keys], args=args)
