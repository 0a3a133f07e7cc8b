import os

import pytest
from django.conf import settings
from django.core.management import call_command

# Local fake translation providers (DeepL, Papago) and the settings pointing the real clients at them.
from tests.translation_fixtures import deepl, papago, provider, provider_server  # noqa: F401

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def pytest_configure(config):
    # WhiteNoise scans STATIC_ROOT at start-up; collectstatic creates it in production.
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    # Queued tasks run at once, in the process that queued them (after the commit, as the worker
    # would). tests/test_tasks.py runs the real worker (db_worker) on the database backend.
    from django.test.signals import setting_changed

    settings.TASKS = IMMEDIATE_TASKS
    # Django is set up already (the apps defined their tasks): let django-tasks drop its backends.
    setting_changed.send(sender=None, setting="TASKS", value=IMMEDIATE_TASKS, enter=True)


@pytest.fixture(autouse=True)
def _tasks_do_not_fail():
    """A task that raises is recorded as failed by the queue, not raised to the caller: make such
    a failure fail the test instead of passing unnoticed."""
    from django_tasks import TaskResultStatus
    from django_tasks.signals import task_finished

    failed = []

    def record(sender, task_result, **kwargs):
        if task_result.status == TaskResultStatus.FAILED:
            failed.append(task_result)

    task_finished.connect(record, weak=False)
    yield
    task_finished.disconnect(record)
    assert not failed, [(result.task.module_path, result.errors[0].traceback) for result in failed]


_DB_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Each test starts with an empty cache. The database cache's table is not a model's, so the
    flush after a transactional test (e2e, concurrency) leaves its entries behind; and SQLite gives
    the next test the same primary keys and activity stamps, so a page cached by an earlier test
    would be served to a later one. Tests that switch to a memory cache share its store with every
    earlier test of the process that named the same LOCATION, so those stores are emptied too.
    Redis is shared by the test workers, so it is left alone (CI runs the suite on the database
    cache)."""
    from django.core.cache import caches
    from django.core.cache.backends import locmem
    from django.core.cache.backends.redis import RedisCache

    for store in (locmem._caches, locmem._expire_info):
        for entries in store.values():
            entries.clear()
    # The rating figures the process keeps in front of the shared cache (ratings.sections): the
    # same numbers draw the same figures, but tests count what is drawn and read.
    from ratings import sections as rating_sections

    rating_sections.forget_kept_figures()

    if not (request.node.get_closest_marker("django_db") or _DB_FIXTURES & set(request.fixturenames)):
        yield
        return
    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock():
        for alias in settings.CACHES:
            if not isinstance(caches[alias], RedisCache):
                caches[alias].clear()
    yield


TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture
def redis_cache(settings, monkeypatch):
    """Redis as the shared cache, as in production and ``make bench`` (at ``TEST_REDIS_URL``;
    skipped without it, except in CI, which starts one and sets ``REQUIRE_REDIS``), under a key prefix of this test's own: the test workers share the
    database number, so clearing the cache deletes this test's keys only, and they go at the end."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"no Redis at {TEST_REDIS_URL} (REQUIRE_REDIS is set)")
        pytest.skip(f"no Redis at {TEST_REDIS_URL}")
    import uuid

    from django.core.cache.backends.redis import RedisCache

    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": TEST_REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    # As deliberation.settings with REDIS_URL: sessions read from Redis, written through.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

    def clear_prefix(self=None):
        for key in client.scan_iter(f"{prefix}:*", count=1000):
            client.delete(key)

    monkeypatch.setattr(RedisCache, "clear", clear_prefix)
    yield client
    clear_prefix()


@pytest.fixture
def seeded(db):
    """The real seeded programme, publications and proposals from fixtures/."""
    call_command("load_seed", verbosity=0)


@pytest.fixture(autouse=True)
def _english_default(settings):
    # Tests state the language they mean in the URL; nothing leaks from the environment.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 at production strength costs ~0.1 s a hash; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Actors for permission matrices -------------------------------------------------------------

ROLES = ["anonymous", "unverified", "non_member", "member", "suspended", "moderator"]


@pytest.fixture
def programme(db):
    from tests.factories import ProgrammeFactory

    return ProgrammeFactory()


@pytest.fixture
def proposal(programme):
    from tests.factories import ProposalFactory

    return ProposalFactory(programme=programme)


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Put back what migrations create (the Moderator group and its permissions) when a
    transactional test on the same worker has flushed it: pytest-xdist may run regular tests
    after browser tests, which empty every table when they finish. (No test uses
    ``serialized_rollback``: its flush skips post_migrate, leaving no content types or
    permissions for the tests that follow on that worker.)"""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    if marker is None and "db" not in names and "transactional_db" not in names:
        return
    transactional = "transactional_db" in names or (marker is not None and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    # Django caches content type ids per process. One created inside an earlier test's rolled-back
    # transaction, or emptied by a transactional test's flush, would leave an id that no longer
    # exists (an IntegrityError on the next audit row that points at it).
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    moderator_group()


def moderator_group():
    """The Moderator group with the permissions its migration grants (created if missing)."""
    import importlib

    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    from accounts.permissions import MODERATOR_GROUP

    group, created = Group.objects.get_or_create(name=MODERATOR_GROUP)
    if created:
        wanted = Q(pk__in=[])
        for migration in (
            "moderation.migrations.0003_moderator_permissions",
            "proposals.migrations.0006_moderator_permissions",
            "institutions.migrations.0003_partner_manager_group",
        ):
            granted = importlib.import_module(migration).MODERATOR_PERMISSIONS
            for label, codenames in granted.items():
                wanted |= Q(content_type__app_label=label, codename__in=codenames)
        group.permissions.set(Permission.objects.filter(wanted))
    return group


@pytest.fixture
def make_actor(programme):
    """``make_actor(role)`` returns a user in that role for ``programme`` (None for anonymous)."""
    import datetime as dt

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.permissions import MODERATOR_GROUP
    from tests.factories import MembershipFactory, UserFactory

    def make(role: str, **user_fields):
        if role == "anonymous":
            return None
        if role == "unverified":
            user = UserFactory(verified=False, **user_fields)
        else:
            user = UserFactory(**user_fields)
        if role != "non_member":
            MembershipFactory(user=user, programme=programme)
        if role == "suspended":
            user.suspended_at = timezone.now()
            user.suspended_until = timezone.now() + dt.timedelta(days=7)
            user.suspension_reason = "test"
            user.save()
        if role == "moderator":
            user.is_staff = True
            user.save()
            user.groups.add(Group.objects.get(name=MODERATOR_GROUP))
        return user

    return make


@pytest.fixture
def close_window(programme):
    """Call to close the programme's deliberation window (it ended yesterday)."""
    import datetime as dt

    from django.utils import timezone

    def close():
        programme.ends_on = timezone.localdate() - dt.timedelta(days=1)
        programme.save()

    return close
