"""The activity stamps mirrored in Redis (core.stampmirror): a visitor's cached proposal page costs
no query, and is still never stale.

These tests run the real Redis code (TEST_REDIS_URL, db 11 by default, a key prefix of their own;
skipped without Redis, except in CI, which starts one) with real commits (``transactional_db``), so that the writers'
``on_commit`` hooks run as in production. The invalidation tests of tests/test_page_cache.py run
here a second time with the mirror on: view, write, view, anonymous and logged in, Korean and
Japanese.
"""

from unittest import mock

import pytest
from django.core.cache import caches
from django.db import transaction

from comments import services as comment_services
from core import pagestamp, stampmirror
from tests import test_page_cache as shared
from tests.factories import CommentFactory, ProposalFactory

# Collected here again, with the mirror on.
people = shared.people
viewer = shared.viewer
test_a_deletion_shows = shared.test_a_deletion_shows
test_a_new_comment_shows = shared.test_a_new_comment_shows
test_a_new_display_name_shows = shared.test_a_new_display_name_shows
test_a_published_translation_shows = shared.test_a_published_translation_shows
test_a_rating_shows = shared.test_a_rating_shows
test_a_reaction_shows = shared.test_a_reaction_shows
test_a_suspended_participants_controls_disappear_at_once = (
    shared.test_a_suspended_participants_controls_disappear_at_once
)
test_an_amendment_and_its_decision_show = shared.test_an_amendment_and_its_decision_show
test_an_edit_shows = shared.test_an_edit_shows
test_hidden_content_leaves_the_page_at_once_and_comes_back_on_restore = (
    shared.test_hidden_content_leaves_the_page_at_once_and_comes_back_on_restore
)
# The proposal itself comes from the cache as of its stamp (proposals.selectors.proposal_by_slug):
# a new text, an edited publication or source, a renamed programme show at once all the same.
test_a_new_version_of_the_text_shows = shared.test_a_new_version_of_the_text_shows
test_a_publication_edited_in_the_admin_shows = shared.test_a_publication_edited_in_the_admin_shows
test_a_further_source_shows = shared.test_a_further_source_shows
test_a_renamed_programme_shows_on_the_visitors_page = (
    shared.test_a_renamed_programme_shows_on_the_visitors_page
)


@pytest.fixture(autouse=True)
def mirrored(redis_cache, transactional_db):
    """Redis as the cache, so the stamps are mirrored (tests/conftest.py: redis_cache)."""
    assert stampmirror.enabled()


def url(proposal, language="ko"):
    return f"/{language}/proposals/{proposal.slug}/"


def mirrored_stamp(proposal) -> int | None:
    found = stampmirror.read(proposal.slug)
    return None if found is None else found[1]


def test_a_cached_page_costs_no_query(client, proposal, django_assert_num_queries):
    CommentFactory(proposal=proposal, body="Words from the cache")
    client.get(url(proposal))  # a miss: the stamp read from the database, the mirror filled
    assert mirrored_stamp(proposal) == pagestamp.stamp_of(proposal.pk)
    with django_assert_num_queries(0):
        response = client.get(url(proposal))
    assert response.status_code == 200
    assert "Words from the cache" in response.content.decode()


def test_without_redis_the_stamp_comes_from_the_database(
    client, proposal, settings, django_assert_num_queries
):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "m"}
    }
    assert not stampmirror.enabled()
    client.get(url(proposal))
    with django_assert_num_queries(1):  # the stamp: a per-process cache would not see other workers' writes
        client.get(url(proposal))


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_a_write_moves_the_mirror_before_its_response(client, proposal, people, language):
    client.get(url(proposal, language))
    client.get(url(proposal, language))
    before = mirrored_stamp(proposal)
    response = client.post(
        f"/{language}/proposals/{proposal.slug}/comments/",
        {"body": "Posted through the page", "language": language, "stance": "for"},
    )
    assert response.status_code == 403  # a visitor may not write
    client.force_login(people["author"])
    response = client.post(
        f"/{language}/proposals/{proposal.slug}/comments/",
        {"body": "Posted through the page", "language": language, "stance": "for"},
    )
    assert response.status_code in (200, 302)
    assert mirrored_stamp(proposal) == pagestamp.stamp_of(proposal.pk) > before
    client.logout()
    assert "Posted through the page" in client.get(url(proposal, language)).content.decode()


def comment(proposal, people, body):
    return comment_services.comment_create(
        author=people["author"], proposal=proposal, body=body, language="ko"
    )


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_hooks_arriving_out_of_order_never_move_the_mirror_back(client, proposal, people, language):
    client.get(url(proposal, language))
    hooks = []
    with mock.patch.object(transaction, "on_commit", side_effect=lambda hook, *a, **k: hooks.append(hook)):
        comment(proposal, people, "The first writer")
        comment(proposal, people, "The second writer")
    newest = pagestamp.stamp_of(proposal.pk)
    # The mirror's hooks, one per writer (a writer registers others too: proposals.selectors.keep_moved).
    hooks = [hook for hook in hooks if hook.__qualname__.startswith("hold.")]
    assert len(hooks) == 2
    # Both committed, neither hook has run: writers in flight, the page is read from the database.
    assert stampmirror.read(proposal.slug) is None
    page = client.get(url(proposal, language)).content.decode()
    assert "The first writer" in page and "The second writer" in page
    hooks[1]()  # the second writer's hook first
    assert stampmirror.read(proposal.slug) is None  # the first is still in flight
    hooks[0]()
    assert mirrored_stamp(proposal) == newest
    page = client.get(url(proposal, language)).content.decode()
    assert "The first writer" in page and "The second writer" in page


def test_a_reader_filling_from_an_old_read_never_moves_the_mirror_back(client, proposal, people):
    import time

    old = pagestamp.stamp_of(proposal.pk)
    read_at = time.monotonic()  # a reader reads the old stamp, then stalls
    comment(proposal, people, "Written while a reader stalled")
    newest = pagestamp.stamp_of(proposal.pk)
    assert mirrored_stamp(proposal) is None  # no reader filled it yet: the slug is unknown
    client.get(url(proposal))  # a reader fills it from the database
    assert mirrored_stamp(proposal) == newest
    stampmirror.fill(proposal.slug, proposal.pk, old, read_at)  # the stalled reader arrives
    assert mirrored_stamp(proposal) == newest
    assert "Written while a reader stalled" in client.get(url(proposal)).content.decode()


def test_a_reader_stalled_too_long_does_not_fill(proposal):
    with mock.patch("core.stampmirror.time.monotonic", side_effect=[1000.0 + stampmirror.FILL_WITHIN + 1]):
        stampmirror.fill(proposal.slug, proposal.pk, 0, 1000.0)
    assert stampmirror.read(proposal.slug) is None


def failing_pipeline():
    import redis

    return mock.patch("redis.client.Pipeline.execute", side_effect=redis.ConnectionError("Redis is down"))


def expire_tokens(proposal) -> None:
    """As if the deadline of every writer in flight on ``proposal`` had passed."""
    client, prefix = stampmirror._client_and_keys(caches["default"])
    key = f"{prefix}{proposal.pk}:w"
    for token in client.zrange(key, 0, -1):
        client.zadd(key, {token: 0})


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_when_the_hook_after_the_commit_fails_the_page_is_read_from_the_database(
    client, proposal, people, language
):
    client.get(url(proposal, language))
    client.get(url(proposal, language))
    hooks = []
    with mock.patch.object(transaction, "on_commit", side_effect=lambda hook, *a, **k: hooks.append(hook)):
        comment(proposal, people, "Committed, hook failed")
    with failing_pipeline():
        hooks[0]()  # logged, not raised: the write has committed
    # The writer's token stays: readers go to the database, never to the old stamp.
    assert stampmirror.read(proposal.slug) is None
    assert "Committed, hook failed" in client.get(url(proposal, language)).content.decode()
    # Once the token's deadline passes, the mirror forgets the stamp and is filled again from a
    # database read made after that.
    expire_tokens(proposal)
    assert "Committed, hook failed" in client.get(url(proposal, language)).content.decode()
    assert mirrored_stamp(proposal) == pagestamp.stamp_of(proposal.pk)
    assert "Committed, hook failed" in client.get(url(proposal, language)).content.decode()


def test_a_hook_arriving_after_its_token_expired_changes_nothing(client, proposal, people):
    client.get(url(proposal))
    hooks = []
    with mock.patch.object(transaction, "on_commit", side_effect=lambda hook, *a, **k: hooks.append(hook)):
        comment(proposal, people, "Its hook came late")
    expire_tokens(proposal)
    assert "Its hook came late" in client.get(url(proposal)).content.decode()
    assert mirrored_stamp(proposal) == pagestamp.stamp_of(proposal.pk)
    pagestamp.touch(proposal.pk)  # a later write, announced and released normally
    newest = pagestamp.stamp_of(proposal.pk)
    hooks[0]()  # the late hook (an older stamp) is ignored: its token is gone
    assert mirrored_stamp(proposal) == newest


def test_when_redis_is_down_at_the_write_the_write_fails_and_nothing_changes(client, proposal, people):
    import redis

    client.get(url(proposal))
    stamp = pagestamp.stamp_of(proposal.pk)
    with failing_pipeline(), pytest.raises(redis.ConnectionError):
        comment(proposal, people, "Never committed")
    assert pagestamp.stamp_of(proposal.pk) == stamp
    assert "Never committed" not in client.get(url(proposal)).content.decode()


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_touch_everything_moves_every_mirrored_stamp(client, proposal, people, language):
    other = ProposalFactory(programme=proposal.programme)
    CommentFactory(proposal=proposal, author=people["author"], body="Signed here")
    CommentFactory(proposal=other, author=people["author"], body="Signed there")
    for each in (proposal, other):
        client.get(url(each, language))
        client.get(url(each, language))
    pagestamp.touch_everything()
    for each in (proposal, other):
        assert mirrored_stamp(each) == pagestamp.stamp_of(each.pk)
    from accounts import services as account_services

    author = people["author"]
    account_services.profile_update(
        user=author,
        display_name="Renamed Everywhere",
        preferred_language=author.preferred_language,
        notification_frequency=author.notification_frequency,
    )
    for each in (proposal, other):
        assert mirrored_stamp(each) == pagestamp.stamp_of(each.pk)
        page = client.get(url(each, language)).content.decode()
        assert "Renamed Everywhere" in page and "Author Ahn" not in page


def test_a_renamed_proposal_is_not_served_from_the_mirror_under_its_old_address(client, programme):
    proposal = ProposalFactory(programme=programme)
    old_slug = proposal.slug
    client.get(url(proposal))
    client.get(url(proposal))
    proposal.slug = f"{old_slug}-renamed"
    proposal.save()  # an admin edit: a full save, which moves the stamp
    assert client.get(f"/ko/proposals/{old_slug}/").status_code == 404
    assert client.get(url(proposal)).status_code == 200
    assert mirrored_stamp(proposal) == pagestamp.stamp_of(proposal.pk)
    assert client.get(url(proposal)).status_code == 200


def test_the_proposal_comes_from_the_cache_as_of_its_stamp(
    client, proposal, people, django_assert_num_queries
):
    """A participant's page and write read the proposal from the cache (no query for it) once it
    was read at its stamp; a write moves the stamp, and the next read is the row again."""
    from proposals.selectors import proposal_by_slug

    client.force_login(people["reader"])
    client.get(url(proposal))
    with django_assert_num_queries(0):
        kept = proposal_by_slug(slug=proposal.slug)
    assert kept.pk == proposal.pk and kept.activity_stamp == pagestamp.stamp_of(proposal.pk)
    assert kept.current_version.title == proposal.current_version.title
    comment(proposal, people, "A write moves the stamp")
    with django_assert_num_queries(1):
        fresh = proposal_by_slug(slug=proposal.slug)
    assert fresh.activity_stamp == pagestamp.stamp_of(proposal.pk) > kept.activity_stamp


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_a_closed_programme_refuses_a_write_at_once(client, proposal, people, language):
    """The programme comes with the cached proposal: closing its window in the admin (a save,
    which moves every stamp) refuses the next write, in the writer's language, and keeps nothing."""
    import datetime as dt

    from comments.models import Comment

    client.force_login(people["author"])
    path = f"/{language}/proposals/{proposal.slug}/comments/"
    body = {"body": "Posted while open", "language": language, "stance": "for"}
    assert client.post(path, body).status_code in (200, 302)
    client.get(url(proposal, language))  # the proposal, with its programme, kept at this stamp
    programme = proposal.programme
    programme.starts_on = programme.starts_on - dt.timedelta(days=30)
    programme.ends_on = programme.starts_on + dt.timedelta(days=1)
    programme.save()
    response = client.post(path, {**body, "body": "Posted after closing"})
    assert response.status_code == 403
    closed = {
        "ko": "이 프로그램의 숙의 기간이 종료되었습니다.",
        "ja": "このプログラムの熟議期間は終了しました。",
    }
    assert closed[language] in response.content.decode()
    assert not Comment.objects.filter(body="Posted after closing").exists()


def test_a_comment_or_rating_keeps_the_proposal_under_its_new_stamp(
    client, proposal, people, django_assert_num_queries
):
    """A write that moves only the stamp (and a counter) keeps the copy in hand under the new stamp:
    the next page or write reads no row for the proposal, and the copy is the row."""
    from proposals.selectors import proposal_by_slug
    from ratings import services as rating_services

    in_hand = proposal_by_slug(slug=proposal.slug)
    comment(in_hand, people, "Moves the stamp by one")
    with django_assert_num_queries(0):
        kept = proposal_by_slug(slug=proposal.slug)
    assert kept.activity_stamp == pagestamp.stamp_of(proposal.pk) == in_hand.activity_stamp + 1
    rating_services.rating_set(user=people["author"], proposal=kept, criterion="importance", score=4)
    with django_assert_num_queries(0):
        again = proposal_by_slug(slug=proposal.slug)
    assert again.activity_stamp == pagestamp.stamp_of(proposal.pk) == kept.activity_stamp + 1
    assert again.current_version.title == proposal.current_version.title
    assert again.comment_count == 1  # a counter is never kept: read from the row


def test_a_copy_read_before_another_write_is_never_kept(client, proposal, people, django_assert_num_queries):
    """Another write between the copy's read and this write's (a new text): the stamp went up by
    two, the copy is not kept, and the next read is the row with the new text."""
    from proposals import services as proposal_services
    from proposals.selectors import proposal_by_slug

    in_hand = proposal_by_slug(slug=proposal.slug)
    texts = {
        name: getattr(proposal.current_version, name) for name in proposal_services.translated_field_names()
    }
    texts["title_ko"] = "새 제목"
    proposal_services.version_create(
        proposal=proposal, texts=texts, change_note="Retitled", stale_translations=[], created_by=None
    )
    comment(in_hand, people, "Written with an old copy in hand")
    with django_assert_num_queries(1):
        fresh = proposal_by_slug(slug=proposal.slug)
    assert fresh.current_version.title_ko == "새 제목"
    assert fresh.activity_stamp == pagestamp.stamp_of(proposal.pk) == in_hand.activity_stamp + 2
    client.force_login(people["reader"])
    assert "새 제목" in client.get(url(proposal, "ko")).content.decode()


def test_a_proposal_not_from_the_cache_is_never_kept(proposal, people, django_assert_num_queries):
    """Only a copy proposal_by_slug gave out is kept: not a proposal made or loaded elsewhere."""
    from proposals.selectors import proposal_by_slug

    proposal.refresh_from_db()
    comment(proposal, people, "Written with the factory's proposal")
    with django_assert_num_queries(1):
        proposal_by_slug(slug=proposal.slug)


def test_a_copy_read_before_other_comments_and_ratings_is_still_kept(
    proposal, people, django_assert_num_queries
):
    """Two writers read the proposal at the same stamp (as two workers do); the other's comment and
    rating commit first. They moved nothing kept (each marks its stamp so), so this writer's copy
    is the row at its own new stamp and is kept: the next read costs no query."""
    from proposals.selectors import proposal_by_slug
    from ratings import services as rating_services

    mine = proposal_by_slug(slug=proposal.slug)
    theirs = proposal_by_slug(slug=proposal.slug)
    comment(theirs, people, "The other writer first")
    rating_services.rating_set(user=people["reader"], proposal=theirs, criterion="importance", score=2)
    comment(mine, people, "Then this one")
    with django_assert_num_queries(0):
        kept = proposal_by_slug(slug=proposal.slug)
    assert kept.activity_stamp == pagestamp.stamp_of(proposal.pk) == mine.activity_stamp + 3
    assert kept.current_version.title == proposal.current_version.title


def age_tokens(proposal, seconds: float) -> None:
    """As if every writer in flight on ``proposal`` had announced itself ``seconds`` ago."""
    import time

    client, prefix = stampmirror._client_and_keys(caches["default"])
    key = f"{prefix}{proposal.pk}:w"
    for token in client.zrange(key, 0, -1):
        client.zadd(key, {token: time.time() + stampmirror.HOLD_SECONDS - seconds})


def test_a_participants_write_takes_the_kept_copy_while_other_writes_are_in_flight(
    client, proposal, people, django_assert_num_queries
):
    """Another write has committed and not yet released its stamp (its hook has not run): the page
    reads the database, a participant's comment or rating takes the copy as of the stamp last
    released, which is not kept under the new stamp (the write in between never marked its own);
    once that writer is older than RECENT_WRITERS it may be a failed release, and the write reads
    the database too."""
    from proposals.selectors import RECENT_WRITERS, proposal_by_slug, proposal_for_write

    client.get(url(proposal))
    released = pagestamp.stamp_of(proposal.pk)
    hooks = []
    with mock.patch.object(transaction, "on_commit", side_effect=lambda hook, *a, **k: hooks.append(hook)):
        comment(proposal, people, "Committed, not yet released")
    with django_assert_num_queries(1):
        assert proposal_by_slug(slug=proposal.slug).activity_stamp == released + 1
    with django_assert_num_queries(0):
        in_hand = proposal_for_write(slug=proposal.slug)
    assert in_hand.activity_stamp == released

    client.force_login(people["reader"])
    response = client.post(
        f"/ko/proposals/{proposal.slug}/ratings/",
        {"criterion": "importance", "score": 4},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    # The copy read at the released stamp is not kept under the rating's: the comment's stamp is
    # between them, unmarked.
    with django_assert_num_queries(1):
        assert proposal_for_write(slug=proposal.slug).activity_stamp == released + 2

    age_tokens(proposal, RECENT_WRITERS + 1)
    with django_assert_num_queries(1):
        assert proposal_for_write(slug=proposal.slug).activity_stamp == released + 2
    for hook in hooks:
        hook()
    page = client.get(url(proposal)).content.decode()
    assert "Committed, not yet released" in page


def test_when_redis_fails_after_the_commit_the_write_stands_and_the_next_read_takes_the_row(
    client, proposal, people, django_assert_num_queries
):
    """Keeping the copy under the new stamp is a Redis script after the commit: if Redis fails
    then, the comment is saved and answered all the same, and the next read takes the row."""
    from proposals.selectors import proposal_by_slug

    in_hand = proposal_by_slug(slug=proposal.slug)
    # Redis answers the script with an error (as it would a script it cannot run).
    with mock.patch("proposals.selectors._KEEP", "return redis.call('NO-SUCH-COMMAND')"):
        comment(in_hand, people, "Saved while Redis failed")
    with django_assert_num_queries(1):
        fresh = proposal_by_slug(slug=proposal.slug)
    assert fresh.activity_stamp == pagestamp.stamp_of(proposal.pk) == in_hand.activity_stamp + 1
    assert "Saved while Redis failed" in client.get(url(proposal)).content.decode()


class RoundTrips:
    """Counts what the Redis client sends (each ``send_packed_command`` is one round trip: a
    command, or a pipeline)."""

    def __enter__(self):
        import redis.connection

        self.count = 0
        original = redis.connection.AbstractConnection.send_packed_command

        def counted(connection, command, *args, **kwargs):
            self.count += 1
            return original(connection, command, *args, **kwargs)

        self._patch = mock.patch.object(redis.connection.AbstractConnection, "send_packed_command", counted)
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()


def test_a_comment_tells_the_mirror_in_two_round_trips(proposal, people):
    """One before its stamp moves (the announcement), one after the commit (the release and the
    copy kept under the new stamp); before, the release alone took two (SCRIPT EXISTS first) and
    the copy a third."""
    from proposals.selectors import proposal_by_slug

    in_hand = proposal_by_slug(slug=proposal.slug)
    comment(in_hand, people, "Warming the scripts")  # Redis learns the scripts once
    in_hand = proposal_by_slug(slug=proposal.slug)
    with RoundTrips() as trips:
        comment(in_hand, people, "Two round trips")
    assert trips.count == 2
    assert mirrored_stamp(proposal) == pagestamp.stamp_of(proposal.pk)
    # The copy was kept under the new stamp: the next read costs no query.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert proposal_by_slug(slug=proposal.slug).activity_stamp == pagestamp.stamp_of(proposal.pk)
    assert len(queries) == 1  # stamp_of's own


def test_a_visitors_cached_page_is_one_round_trip_to_redis(client, proposal, django_assert_num_queries):
    """The stamp and the page kept under it are read by one script; before, the stamp took one
    round trip and the page a second."""
    CommentFactory(proposal=proposal, body="One round trip")
    client.get(url(proposal, "ja"))  # a miss: drawn and kept, the mirror filled
    client.get(url(proposal, "ja"))
    with RoundTrips() as trips, django_assert_num_queries(0):
        response = client.get(url(proposal, "ja"))
    assert trips.count == 1
    assert "One round trip" in response.content.decode()
    # Another language is another page: not served the Japanese one.
    korean = client.get(url(proposal, "ko")).content.decode()
    assert '<html lang="ko"' in korean and "One round trip" in korean


def test_the_proposal_kept_under_its_stamp_is_one_round_trip_to_redis(proposal, people):
    from proposals.selectors import proposal_by_slug, proposal_for_write

    proposal_by_slug(slug=proposal.slug)  # read from the database, kept under its stamp
    for read in (proposal_by_slug, proposal_for_write):
        with RoundTrips() as trips:
            in_hand = read(slug=proposal.slug)
        assert trips.count == 1
        assert in_hand.activity_stamp == pagestamp.stamp_of(proposal.pk)


def test_a_write_is_announced_before_its_stamp_moves(proposal):
    """The announcement is not a round trip made under the proposal's row lock: with Redis down,
    the UPDATE is never sent."""
    import redis
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stamp = pagestamp.stamp_of(proposal.pk)
    with (
        CaptureQueriesContext(connection) as queries,
        failing_pipeline(),
        pytest.raises(redis.ConnectionError),
        transaction.atomic(),
    ):
        pagestamp.touch(proposal.pk)
    assert not [query for query in queries if query["sql"].startswith("UPDATE")]
    assert pagestamp.stamp_of(proposal.pk) == stamp


def test_a_script_never_waits_on_the_release_of_a_rolled_back_transaction(proposal):
    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        pagestamp.touch(proposal.pk)
        assert stampmirror.after_release("return 1", [], [], what="a test script")
        raise Refused
    with transaction.atomic():
        assert not stampmirror.after_release("return 1", [], [], what="a test script")
