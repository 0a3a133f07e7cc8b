"""The translation store: machine translations queued with the text and made by the task queue
through a real client against a local fake provider; stale on edit; hidden text never sent; one
request per text (cache by hash); the daily budget; provider failures keep the original.
"""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from comments import services as comment_services
from moderation import services as moderation_services
from tests import fake_providers
from tests.factories import MembershipFactory, UserFactory
from translations import machine, registry
from translations import services as translation_services
from translations.models import CachedTranslation, Origin, ProviderUsage, Status, Translation

pytestmark = pytest.mark.django_db

KO = "청년 교류 기금은 지역 대학과 함께 운영되어야 합니다."
KO_EDITED = "청년 교류 기금은 지역 대학 및 지자체와 함께 운영되어야 합니다."


@pytest.fixture
def writer(programme):
    user = UserFactory(nationality="KR", preferred_language="ko")
    MembershipFactory(user=user, programme=programme)
    return user


@pytest.fixture
def moderator(make_actor):
    return make_actor("moderator")


@pytest.fixture
def post(proposal, writer, django_capture_on_commit_callbacks):
    """Post a comment through the service, running what is queued after the commit."""

    def post(body=KO, language="ko", author=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return comment_services.comment_create(
                author=author or writer, proposal=proposal, body=body, language=language, **kwargs
            )

    return post


def rows(comment, **filters):
    return Translation.objects.filter(source_kind="comment.body", source_id=comment.pk, **filters)


def published(comment, language):
    return rows(comment, target_language=language, status=Status.PUBLISHED).get()


# --- Off by default -------------------------------------------------------------------------------


def test_with_no_provider_nothing_is_queued_and_nothing_sent(post, settings):
    assert settings.TRANSLATION_BACKEND == "none"
    comment = post()
    assert not rows(comment).exists()
    with pytest.raises(LookupError):
        machine.translate(["안녕하세요"], "ko", "ja")


# --- The interface -------------------------------------------------------------------------------


def test_translate_interface_returns_one_text_per_input(provider):
    assert machine.translate(["첫째", "둘째"], "ko", "ja") == ["〔ja〕첫째", "〔ja〕둘째"]
    assert provider.texts_sent == ["첫째", "둘째"]


# --- Queued with the text, made by the queue -----------------------------------------------------


def test_new_comment_is_machine_translated_into_the_other_languages(post, provider):
    comment = post()
    assert published(comment, "ja").text == f"〔ja〕{KO}"
    assert published(comment, "en").text == f"〔en〕{KO}"
    ja = published(comment, "ja")
    assert ja.origin == Origin.MACHINE
    assert ja.provider == provider.__class__.__name__.removeprefix("Fake").lower()
    assert ja.source_language == "ko"
    assert ja.source_hash == registry.text_hash(KO)
    assert not rows(comment, target_language="ko").exists()


def test_the_queue_rows_are_written_with_the_comment_and_swept_up_if_no_task_ran(
    proposal, writer, deepl, django_capture_on_commit_callbacks
):
    """The rows are the outbox: if the task is lost (worker down), the sweeper makes them."""
    with django_capture_on_commit_callbacks(execute=False):
        comment = comment_services.comment_create(author=writer, proposal=proposal, body=KO, language="ko")
    assert set(rows(comment).values_list("status", flat=True)) == {Status.QUEUED}
    assert deepl.texts_sent == []
    call_command("translate_pending", verbosity=0)
    assert published(comment, "ja").text == f"〔ja〕{KO}"


def test_same_text_is_sent_once_per_language(post, deepl, programme):
    other = UserFactory(nationality="KR")
    MembershipFactory(user=other, programme=programme)
    first = post()
    second = post(author=other)
    assert published(second, "ja").text == published(first, "ja").text
    assert deepl.texts_sent.count(KO) == 2  # ja and en, once each
    assert CachedTranslation.objects.count() == 2


# --- Stale on edit --------------------------------------------------------------------------------


def test_editing_remakes_the_machine_translation(post, writer, deepl, django_capture_on_commit_callbacks):
    comment = post()
    before = published(comment, "ja")
    with django_capture_on_commit_callbacks(execute=True):
        comment_services.comment_edit(user=writer, comment=comment, body=KO_EDITED)
    after = published(comment, "ja")
    assert after.pk == before.pk  # re-made in place
    assert after.text == f"〔ja〕{KO_EDITED}"
    assert after.source_hash == registry.text_hash(KO_EDITED)


def test_editing_marks_a_persons_translation_outdated(post, writer, django_capture_on_commit_callbacks):
    comment = post(translations={"ja": "青年交流基金は地方の大学と共に運営すべきです。"})
    own = published(comment, "ja")
    assert own.origin == Origin.AUTHOR
    with django_capture_on_commit_callbacks(execute=True):
        comment_services.comment_edit(user=writer, comment=comment, body=KO_EDITED)
    own.refresh_from_db()
    assert own.status == Status.OUTDATED
    assert not rows(comment, status=Status.PUBLISHED).exists()


def test_with_no_provider_an_edit_retires_the_old_machine_translation(
    post, writer, deepl, settings, django_capture_on_commit_callbacks
):
    comment = post()
    settings.TRANSLATION_BACKEND = "none"
    with django_capture_on_commit_callbacks(execute=True):
        comment_services.comment_edit(user=writer, comment=comment, body=KO_EDITED)
    assert not rows(comment, status=Status.PUBLISHED).exists()
    assert set(rows(comment).values_list("status", flat=True)) == {Status.OUTDATED}


# --- Hidden text is never sent --------------------------------------------------------------------


def test_text_hidden_before_the_worker_runs_is_never_sent(
    proposal, writer, moderator, deepl, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        comment = comment_services.comment_create(author=writer, proposal=proposal, body=KO, language="ko")
    moderation_services.item_hide(
        moderator=moderator, comment=comment, category="other", note="Personal data"
    )
    for callback in queued:
        callback()
    call_command("translate_pending", verbosity=0)
    # Only the moderators' note, which every reader sees, went to the provider; the text never did.
    assert deepl.texts_sent == ["Personal data", "Personal data"]
    assert not rows(comment, status=Status.PUBLISHED).exists()
    # Restored: the held translations are made then.
    with django_capture_on_commit_callbacks(execute=True):
        moderation_services.item_restore(moderator=moderator, comment=comment)
    assert published(comment, "ja").text == f"〔ja〕{KO}"


def test_deleted_text_is_never_sent(proposal, writer, deepl, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        comment = comment_services.comment_create(author=writer, proposal=proposal, body=KO, language="ko")
    comment_services.comment_delete(user=writer, comment=comment)
    for callback in queued:
        callback()
    assert deepl.texts_sent == []


# --- The daily budget ----------------------------------------------------------------------------


def test_the_daily_budget_stops_sending(post, deepl, settings):
    settings.TRANSLATION_DAILY_CHARACTERS = {"deepl": len(KO) + 5, "papago": 0}
    comment = post()
    # One language fitted the budget; the other waits for tomorrow and readers see the original.
    assert deepl.texts_sent == [KO]
    assert rows(comment, status=Status.PUBLISHED).count() == 1
    waiting = rows(comment, status=Status.UNAVAILABLE).get()
    assert waiting.next_attempt_at > timezone.now()
    assert timezone.localtime(waiting.next_attempt_at).hour == 0
    usage = ProviderUsage.objects.get(provider="deepl", day=timezone.localdate())
    assert (usage.characters, usage.requests, usage.refused) == (len(KO), 1, 1)


# --- Provider failures: the original stays, nothing is lost, retried later ------------------------

FAILURES = {
    "deepl": {
        "quota": fake_providers.DEEPL_QUOTA,
        "rate": fake_providers.DEEPL_RATE,
        "server": fake_providers.DEEPL_SERVER,
        "timeout": fake_providers.Failure(200, {"translations": []}, delay=1.5),
    },
    "papago": {
        "quota": fake_providers.PAPAGO_QUOTA,
        "rate": fake_providers.PAPAGO_RATE,
        "server": fake_providers.PAPAGO_SERVER,
        "timeout": fake_providers.Failure(200, {}, delay=1.2),
    },
}
# How long each failure waits before the next try (Papago passes Retry-After on; DeepL's client
# does not, so a 429 from DeepL waits the default minute).
WAITS = {
    ("deepl", "rate"): dt.timedelta(seconds=60),
    ("papago", "rate"): dt.timedelta(seconds=7),
    ("deepl", "quota"): dt.timedelta(hours=24),
    ("papago", "quota"): dt.timedelta(hours=24),
    ("deepl", "server"): dt.timedelta(minutes=1),
    ("papago", "server"): dt.timedelta(minutes=1),
    ("deepl", "timeout"): dt.timedelta(minutes=1),
    ("papago", "timeout"): dt.timedelta(minutes=1),
}


@pytest.mark.parametrize("failure", ["quota", "rate", "server", "timeout"])
def test_a_provider_failure_leaves_the_original_and_is_retried(post, provider, failure, settings):
    settings.TRANSLATION_TARGETS = ["ja"]
    name = provider.__class__.__name__.removeprefix("Fake").lower()
    provider.fail.append(FAILURES[name][failure])
    started = timezone.now()
    comment = post()
    comment.refresh_from_db()
    assert comment.body == KO  # nothing lost
    row = rows(comment, target_language="ja").get()
    assert row.status == Status.UNAVAILABLE
    assert row.attempts == 1
    assert row.last_error.startswith(failure)
    wait = row.next_attempt_at - started
    assert WAITS[name, failure] <= wait <= WAITS[name, failure] + dt.timedelta(seconds=30)
    # Not retried before its time...
    call_command("translate_pending", verbosity=0)
    assert rows(comment, status=Status.PUBLISHED).count() == 0
    # ...and made once it is due.
    Translation.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    call_command("translate_pending", verbosity=0)
    assert published(comment, "ja").text == f"〔ja〕{KO}"
    # The failed request was not counted against the budget.
    usage = ProviderUsage.objects.get(provider=name, day=timezone.localdate())
    assert (usage.characters, usage.failures) == (len(KO), 1)


def test_wrong_credentials_are_refused_and_not_retried_soon(post, deepl, settings):
    settings.DEEPL_AUTH_KEY = "wrong:fx"
    settings.TRANSLATION_TARGETS = ["ja"]
    comment = post()
    row = rows(comment).get()
    assert row.status == Status.UNAVAILABLE
    assert row.last_error.startswith("refused")
    assert row.next_attempt_at - timezone.now() > dt.timedelta(hours=11)


# --- The glossary ---------------------------------------------------------------------------------


def test_deepl_gets_the_glossary_as_a_native_glossary(post, deepl, settings):
    settings.TRANSLATION_TARGETS = ["ja"]
    comment = post(body="외교부와 외무성이 3+3 대화를 준비한다.")
    created = [request["body"] for request in deepl.requests if request["path"] == "glossaries"]
    assert len(created) == 1
    assert (created[0]["source_lang"], created[0]["target_lang"]) == ("KO", "JA")
    assert "외교부\t外交部" in created[0]["entries"].splitlines()
    text = published(comment, "ja").text
    assert "外交部" in text and "外務省" in text and "3+3" in text
    # Created once: the next text finds it again.
    post(body="외교부 발표")
    assert len([r for r in deepl.requests if r["path"] == "glossaries"]) == 1


def test_papago_gets_the_glossary_terms_in_the_text(post, papago, settings):
    settings.TRANSLATION_TARGETS = ["ja"]
    post(body="한국국제교류재단과 일본국제교류기금의 공동 사업")
    assert papago.texts_sent == ["韓国国際交流財団과 国際交流基金의 공동 사업"]


def test_papago_sends_long_texts_in_pieces_and_joins_them(papago):
    """Papago takes 5,000 characters a request; an amendment's proposed text may be 20,000."""
    paragraph = "가" * 3000
    sentence = "나" * 4000 + "。" + "다" * 2000
    assert machine.translate([f"{paragraph}\n{paragraph}\n{sentence}"], "ko", "ja") == [
        f"〔ja〕{paragraph}\n〔ja〕{paragraph}\n〔ja〕{'나' * 4000}。〔ja〕{'다' * 2000}"
    ]
    assert papago.texts_sent == [paragraph, paragraph, "나" * 4000 + "。", "다" * 2000]


def test_a_translation_service_rejects_unknown_kinds():
    with pytest.raises(LookupError):
        registry.get("nothing.here")


def test_services_api_queue_for_any_registered_text(
    post, deepl, settings, django_capture_on_commit_callbacks
):
    """Another app's text goes through the same calls (see translations-api.md)."""
    settings.TRANSLATION_TARGETS = ["en"]
    comment = post(body="短いコメント", language="ja")
    assert published(comment, "en").text == "〔en〕短いコメント"
    with django_capture_on_commit_callbacks(execute=True):
        queued = translation_services.machine_request(kind="comment.body", obj=comment)
    assert queued == []  # already current: nothing to do


def test_published_for_returns_current_translations_of_public_texts_in_one_query(
    post, writer, deepl, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from translations import selectors

    first = post()
    second = post(body="두 번째 의견")
    with django_capture_on_commit_callbacks(execute=False):
        comment_services.comment_edit(user=writer, comment=second, body="고친 두 번째 의견")
    second.refresh_from_db()
    with django_assert_num_queries(1):
        found = selectors.published_for(kind="comment.body", objects=[first, second], languages=["ja"])
    # The second one's translation was made from the text before the edit: not current.
    assert list(found) == [first.pk]
    assert found[first.pk]["ja"].text == f"〔ja〕{KO}"
