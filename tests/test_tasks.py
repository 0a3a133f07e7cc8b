"""The task queue's real path: the database backend stores what a committed action queued, and
``manage.py db_worker`` (the process ``make run`` starts beside the web server) runs it.

Elsewhere the suite runs tasks with the immediate backend (tests/conftest.py); here the worker
itself runs them, after real commits (transactional tests)."""

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.models import NotificationFrequency
from institutions.models import DeliveryState, WebhookDelivery
from notifications.models import Kind, Notification
from notifications.services import notify
from progress.services import milestone_publish
from tests.conftest import DATABASE_TASKS
from tests.factories import MilestoneFactory, UserFactory, WebhookEndpointFactory
from tests.test_webhooks import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_queue(settings):
    settings.TASKS = DATABASE_TASKS


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", verbosity=0)


def test_the_worker_delivers_the_webhooks_of_a_committed_stage_change(database_queue, proposal, make_actor):
    with Receiver() as receiver:
        WebhookEndpointFactory(url=receiver.url)
        milestone = MilestoneFactory(
            proposal=proposal, status="pending", jurisdiction="JP", stage="submitted"
        )

        milestone_publish(milestone=milestone, actor=make_actor("moderator"))

        # Committed: the delivery row (one event: the JP stage moved, and with it the overall
        # stage) and its task are in the database; nothing was sent yet.
        deliveries = WebhookDelivery.objects.order_by("pk")
        assert [d.state for d in deliveries] == [DeliveryState.PENDING]
        queued = DBTaskResult.objects.filter(task_path="institutions.tasks.deliver_webhooks")
        assert [task.status for task in queued] == [TaskResultStatus.READY]
        assert receiver.requests == []

        run_worker()

        assert len(receiver.requests) == 1
    assert [d.state for d in deliveries.all()] == [DeliveryState.DELIVERED]
    assert [task.status for task in queued.all()] == [TaskResultStatus.SUCCESSFUL]


def test_the_worker_queues_a_failed_delivery_again_for_its_retry_time(database_queue, proposal, make_actor):
    with Receiver() as receiver:
        receiver.statuses = [500]
        WebhookEndpointFactory(url=receiver.url)
        milestone = MilestoneFactory(
            proposal=proposal, status="pending", jurisdiction="KR", stage="submitted"
        )
        milestone_publish(milestone=milestone, actor=make_actor("moderator"))

        run_worker()

    for delivery in WebhookDelivery.objects.all():
        assert (delivery.attempts, delivery.last_status) == (1, 500)
        retry = DBTaskResult.objects.get(
            task_path="institutions.tasks.deliver_webhooks",
            status=TaskResultStatus.READY,
            args_kwargs__args=[[delivery.pk]],
        )
        assert retry.run_after == delivery.next_attempt_at


def test_the_worker_sends_an_immediate_notification_email(database_queue):
    recipient = UserFactory(notification_frequency=NotificationFrequency.IMMEDIATELY, preferred_language="ja")

    notification = notify(
        recipient=recipient,
        kind=Kind.STAGE_CHANGED,
        data={"proposal": "p", "proposal_title": {"en": "T", "ko": "T", "ja": "題"}, "stage_label": "x"},
    )
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(task_path="notifications.tasks.send_notification_email").count() == 1

    run_worker()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [recipient.email]
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert not Notification.objects.filter(emailed_at=None).exists()


def test_the_worker_links_to_the_host_of_the_request_that_queued_the_email(
    database_queue, client, settings, make_actor, proposal
):
    """The worker runs with no request: the reply's scheme and host travel with the task."""
    from tests.factories import CommentFactory

    settings.SITE_URL = "https://dialogue.example"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    author = make_actor("member", preferred_language="ko")
    parent = CommentFactory(proposal=proposal, author=author)
    client.force_login(make_actor("member"))
    client.post(
        f"/ja/proposals/{proposal.slug}/comments/{parent.pk}/reply/",
        {"body": "賛成です", "language": "ja"},
        SERVER_NAME="127.0.0.1",
        SERVER_PORT="8611",
    )
    assert mail.outbox == []

    run_worker()

    (message,) = mail.outbox
    assert "http://127.0.0.1:8611/ko/c/" in message.body
    assert "dialogue.example" not in message.body
