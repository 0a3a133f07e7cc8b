import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import NotificationFrequency
from notifications.models import Kind, Notification
from notifications.sending import STORM_WINDOW, send_digests
from notifications.services import notify
from tests.factories import UserFactory

IMMEDIATELY, DAILY, OFF = (
    NotificationFrequency.IMMEDIATELY,
    NotificationFrequency.DAILY,
    NotificationFrequency.OFF,
)


@pytest.fixture(autouse=True)
def _clear_cache(db, settings):
    cache.clear()
    settings.SITE_URL = "https://dialogue.example"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield
    cache.clear()


def titles(n: int = 1) -> dict:
    return {"en": f"Youth fund {n}", "ko": f"청년 기금 {n}", "ja": f"若者基金 {n}"}


def reply(recipient, *, proposal_id: int = 1, **data):
    payload = {
        "proposal_id": proposal_id,
        "proposal_title": titles(proposal_id),
        "author_name": "Haruto",
        "excerpt": "I agree & would add <more>.",
        **data,
    }
    return notify(recipient=recipient, kind=Kind.REPLY, data=payload, url=f"/ja/proposals/p{proposal_id}/#c1")


def notify_committed(django_capture_on_commit_callbacks, make):
    """Create notifications inside one transaction, as a service would, and run the on-commit hooks."""
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        return make()


# --- Immediately --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_korean_recipient_gets_the_email_in_korean_after_commit(django_capture_on_commit_callbacks):
    recipient = UserFactory(preferred_language="ko", notification_frequency=IMMEDIATELY)

    notification = notify_committed(django_capture_on_commit_callbacks, lambda: reply(recipient))

    (message,) = mail.outbox
    assert message.to == [recipient.email]
    assert "청년 기금 1" in message.subject and "Youth fund" not in message.subject
    with translation.override("ko"):
        expected = gettext("New reply to your comment on “%(title)s”") % {"title": "청년 기금 1"}
    assert message.subject.endswith(expected)
    assert "https://dialogue.example/ko/proposals/p1/#c1" in message.body
    assert "I agree & would add <more>." in message.body  # plain text: not HTML-escaped
    assert "https://dialogue.example/ko/accounts/profile/" in message.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


@pytest.mark.django_db
def test_japanese_recipient_gets_japanese_titles_and_links(django_capture_on_commit_callbacks):
    recipient = UserFactory(preferred_language="ja", notification_frequency=IMMEDIATELY)

    notify_committed(
        django_capture_on_commit_callbacks,
        lambda: notify(
            recipient=recipient,
            kind=Kind.AMENDMENT_DECIDED,
            data={"proposal_id": 3, "proposal_title": titles(3), "decision": "rejected", "reason": "重複"},
            url="/en/proposals/p3/",
        ),
    )

    (message,) = mail.outbox
    assert "若者基金 3" in message.subject
    assert "重複" in message.body
    assert "https://dialogue.example/ja/proposals/p3/" in message.body


@pytest.mark.django_db
def test_stage_changed_kind_is_supported(django_capture_on_commit_callbacks):
    recipient = UserFactory(preferred_language="en", notification_frequency=IMMEDIATELY)

    notify_committed(
        django_capture_on_commit_callbacks,
        lambda: notify(
            recipient=recipient,
            kind=Kind.STAGE_CHANGED,
            data={
                "proposal_id": 4,
                "proposal_title": titles(4),
                "stage_label": {"en": "Piloted", "ko": "시범"},
            },
            url="/ko/proposals/p4/",
        ),
    )

    (message,) = mail.outbox
    assert "“Youth fund 4” has moved to a new stage: Piloted" in message.subject


@pytest.mark.django_db
def test_nothing_is_sent_if_the_action_rolls_back(django_capture_on_commit_callbacks):
    recipient = UserFactory(notification_frequency=IMMEDIATELY)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        reply(recipient)
        raise RuntimeError

    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_failing_mail_server_does_not_break_the_action_and_the_digest_retries(
    django_capture_on_commit_callbacks, monkeypatch
):
    recipient = UserFactory(notification_frequency=IMMEDIATELY)

    def broken(self, fail_silently=False):
        raise ConnectionRefusedError

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMessage.send", broken)
        notification = notify_committed(django_capture_on_commit_callbacks, lambda: reply(recipient))

    notification.refresh_from_db()
    assert notification.emailed_at is None
    assert send_digests() == 1
    assert len(mail.outbox) == 1


# --- Storm guard --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_storm_guard_sends_one_email_per_kind_and_proposal_in_ten_minutes(django_capture_on_commit_callbacks):
    recipient = UserFactory(preferred_language="en", notification_frequency=IMMEDIATELY)

    def burst():
        for _i in range(5):
            reply(recipient, proposal_id=1)
        reply(recipient, proposal_id=2)  # another proposal: its own email
        notify(
            recipient=recipient,
            kind=Kind.AMENDMENT_DECIDED,
            data={"proposal_id": 1, "proposal_title": titles(1), "decision": "accepted"},
        )  # another kind: its own email

    notify_committed(django_capture_on_commit_callbacks, burst)

    assert len(mail.outbox) == 3
    held = Notification.objects.filter(emailed_at=None)
    assert held.count() == 4
    assert {n.topic for n in held} == {"proposal:1"}


@pytest.mark.django_db
def test_held_back_notifications_are_folded_into_the_next_digest(django_capture_on_commit_callbacks):
    recipient = UserFactory(preferred_language="en", notification_frequency=IMMEDIATELY)
    notify_committed(django_capture_on_commit_callbacks, lambda: [reply(recipient) for _i in range(3)])
    mail.outbox.clear()

    call_command("send_notification_digests", verbosity=0)

    (digest,) = mail.outbox
    assert "2 updates" in digest.subject
    assert digest.body.count("Youth fund 1") == 2
    assert not Notification.objects.filter(emailed_at=None).exists()


@pytest.mark.django_db
def test_after_the_window_the_next_one_is_emailed_again(django_capture_on_commit_callbacks):
    recipient = UserFactory(notification_frequency=IMMEDIATELY)
    first = notify_committed(django_capture_on_commit_callbacks, lambda: reply(recipient))
    Notification.objects.filter(pk=first.pk).update(
        emailed_at=timezone.now() - STORM_WINDOW - dt.timedelta(seconds=1)
    )

    notify_committed(django_capture_on_commit_callbacks, lambda: reply(recipient))

    assert len(mail.outbox) == 2


# --- Daily digest and off -----------------------------------------------------------------------


@pytest.mark.django_db
def test_daily_recipients_get_one_digest_with_everything_and_only_once(django_capture_on_commit_callbacks):
    ko = UserFactory(preferred_language="ko", notification_frequency=DAILY)
    en = UserFactory(preferred_language="en", notification_frequency=DAILY)

    def make():
        for proposal_id in (1, 2, 3):
            reply(ko, proposal_id=proposal_id)
        reply(en, proposal_id=1)

    notify_committed(django_capture_on_commit_callbacks, make)
    assert mail.outbox == []  # nothing immediately

    call_command("send_notification_digests", verbosity=0)

    assert len(mail.outbox) == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    korean = by_recipient[ko.email]
    for proposal_id in (1, 2, 3):
        assert f"청년 기금 {proposal_id}" in korean.body
        assert f"https://dialogue.example/ko/proposals/p{proposal_id}/#c1" in korean.body
    assert "Youth fund" not in korean.body
    assert "Youth fund 1" in by_recipient[en.email].body
    assert not Notification.objects.filter(emailed_at=None).exists()

    call_command("send_notification_digests", verbosity=0)
    assert len(mail.outbox) == 2  # idempotent


@pytest.mark.django_db
def test_digest_leaves_out_what_is_older_than_a_week():
    recipient = UserFactory(notification_frequency=DAILY)
    old = reply(recipient, proposal_id=1)
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    reply(recipient, proposal_id=2)

    assert send_digests() == 1
    assert "청년 기금 2" in mail.outbox[0].body and "청년 기금 1" not in mail.outbox[0].body


@pytest.mark.django_db
def test_off_means_never_emailed_but_still_listed(client, django_capture_on_commit_callbacks):
    recipient = UserFactory(preferred_language="en", notification_frequency=OFF)

    notify_committed(django_capture_on_commit_callbacks, lambda: reply(recipient))
    call_command("send_notification_digests", verbosity=0)

    assert mail.outbox == []
    client.force_login(recipient)
    html = client.get("/en/accounts/profile/").content.decode()
    assert "Youth fund 1" in html
    assert 'href="/en/proposals/p1/#c1"' in html


@pytest.mark.django_db
def test_inactive_accounts_are_not_emailed(django_capture_on_commit_callbacks):
    gone = UserFactory(is_active=False, notification_frequency=IMMEDIATELY)
    later = UserFactory(is_active=False, notification_frequency=DAILY)

    notify_committed(django_capture_on_commit_callbacks, lambda: (reply(gone), reply(later)))
    send_digests()

    assert mail.outbox == []


@pytest.mark.django_db
def test_digest_query_count_grows_per_recipient_not_per_notification(django_assert_max_num_queries):
    recipient = UserFactory(notification_frequency=DAILY)
    for proposal_id in range(30):
        reply(recipient, proposal_id=proposal_id)

    with django_assert_max_num_queries(8):
        assert send_digests() == 1


@pytest.mark.django_db
def test_amendment_payload_with_slug_and_state_is_understood(django_capture_on_commit_callbacks):
    recipient = UserFactory(preferred_language="en", notification_frequency=IMMEDIATELY)

    def decided():
        return [
            notify(
                recipient=recipient,
                kind=Kind.AMENDMENT_DECIDED,
                data={
                    "proposal": "youth-fund",
                    "proposal_title": titles(5),
                    "state": "accepted",
                    "reason": "",
                },
                url="/ko/proposals/youth-fund/amendments/1/",
            )
            for _i in range(2)
        ]

    first, second = notify_committed(django_capture_on_commit_callbacks, decided)

    assert first.topic == second.topic == "proposal:youth-fund"
    (message,) = mail.outbox  # the second is held by the storm guard
    assert message.subject.endswith("Your amendment to “Youth fund 5” was accepted")


@pytest.mark.django_db
def test_moderators_can_read_notifications_in_the_admin(client):
    reply(UserFactory(notification_frequency=OFF))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get("/en/admin/notifications/notification/")

    assert response.status_code == 200
    assert "proposal:1" in response.content.decode()


# --- Links: the request's scheme and host inside a request, SITE_URL outside one -----------------


@pytest.mark.django_db
def test_a_reply_email_links_to_the_host_the_reply_was_posted_on(
    client, settings, make_actor, proposal, django_capture_on_commit_callbacks
):
    from tests.factories import CommentFactory

    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    author = make_actor("member", preferred_language="ja", notification_frequency=IMMEDIATELY)
    replier = make_actor("member")
    parent = CommentFactory(proposal=proposal, author=author)
    client.force_login(replier)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/ko/proposals/{proposal.slug}/comments/{parent.pk}/reply/",
            {"body": "동의합니다", "language": "ko"},
            SERVER_NAME="127.0.0.1",
            SERVER_PORT="8611",
        )

    assert response.status_code == 302
    (message,) = mail.outbox
    assert "http://127.0.0.1:8611/ja/c/" in message.body
    assert "http://127.0.0.1:8611/ja/accounts/profile/" in message.body
    assert "dialogue.example" not in message.body


@pytest.mark.django_db
def test_digest_outside_a_request_links_to_site_url(django_capture_on_commit_callbacks):
    recipient = UserFactory(preferred_language="ko", notification_frequency=DAILY)
    notify_committed(django_capture_on_commit_callbacks, lambda: reply(recipient))

    assert send_digests() == 1

    assert "https://dialogue.example/ko/proposals/p1/#c1" in mail.outbox[0].body
