"""Webhooks: a signed POST to each institution's endpoint when a proposal's stage changes. The
deliveries are written in the transaction of the change (an outbox), sent by a queued task after
the commit, retried with back-off; ``deliver_webhooks`` sweeps up what is due. A real HTTP receiver
runs on 127.0.0.1 in a thread."""

import base64
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from institutions import webhooks
from institutions.models import DeliveryState, WebhookDelivery
from institutions.signals import on_stage_changed
from tests.factories import InstitutionFactory, WebhookEndpointFactory

SECRET = "whsec_" + base64.b64encode(b"a secret for the tests, 32 bytes").decode()


class Receiver:
    """An HTTP server on a free local port recording every request; answers with ``statuses`` in
    turn (the last one repeating)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses = [200]
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                receiver.requests.append(
                    {
                        "path": self.path,
                        # HTTP header names are case-insensitive; urllib sends "Webhook-id".
                        "headers": {name.lower(): value for name, value in self.headers.items()},
                        "body": self.rfile.read(length),
                    }
                )
                status = receiver.statuses[min(len(receiver.requests), len(receiver.statuses)) - 1]
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/dialogue"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def endpoint(db, receiver):
    return WebhookEndpointFactory(url=receiver.url, secret=SECRET)


def stage_changed(proposal, django_capture_on_commit_callbacks, **change):
    """A stage change committed, with the queued task NOT run: what it left is due deliveries, for
    the tests below to send with ``deliver_due`` (the sweeper's path)."""
    change = {"jurisdiction": "KR", "from_stage": None, "to_stage": "submitted", **change}
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        on_stage_changed(proposal=proposal, **change)


def test_deliveries_are_written_in_the_transaction_of_the_change_and_sent_after_it_commits(
    proposal, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            on_stage_changed(proposal=proposal, jurisdiction="KR", from_stage=None, to_stage="submitted")
            delivery = WebhookDelivery.objects.get()
            assert delivery.endpoint == endpoint and delivery.attempts == 0
            # Nothing leaves before the commit.
            assert callbacks == [] or receiver.requests == []
        assert receiver.requests == []
    # On commit the task was queued, and (immediate backend) ran.
    assert len(callbacks) == 1
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert delivery.event == "proposal.stage_changed"
    data = delivery.payload["data"]
    assert data["proposal"]["slug"] == proposal.slug
    assert data["proposal"]["title"]["ja"] == proposal.current_version.title_ja
    assert data["proposal"]["url"].endswith(f"/api/v1/proposals/{proposal.slug}/")
    assert (data["jurisdiction"], data["from_stage"], data["to_stage"]) == ("KR", None, "submitted")


def test_a_rolled_back_change_leaves_no_delivery_and_queues_nothing(
    proposal, endpoint, receiver, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        on_stage_changed(proposal=proposal, jurisdiction="KR", from_stage=None, to_stage="submitted")
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("rolled back")
    assert not WebhookDelivery.objects.exists()
    assert callbacks == []
    assert receiver.requests == []


def test_a_failed_first_attempt_by_the_task_is_left_for_its_retry(
    proposal, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [503, 200]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        on_stage_changed(proposal=proposal, jurisdiction="KR", from_stage=None, to_stage="submitted")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status) == (1, 503)
    assert delivery.next_attempt_at is not None
    # The sweeper (or the task queued for that time) sends it once it is due.
    assert webhooks.deliver_due(now=delivery.next_attempt_at).delivered == 1
    assert len(receiver.requests) == 2


def test_only_active_endpoints_of_active_institutions_get_deliveries(
    proposal, endpoint, django_capture_on_commit_callbacks
):
    WebhookEndpointFactory(active=False)
    WebhookEndpointFactory(institution=InstitutionFactory(active=False))
    stage_changed(proposal, django_capture_on_commit_callbacks)
    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [endpoint.pk]


def test_a_delivery_is_signed_per_standard_webhooks_and_verifies_with_its_library(
    proposal, endpoint, receiver, django_capture_on_commit_callbacks
):
    stage_changed(proposal, django_capture_on_commit_callbacks, jurisdiction=None, to_stage="recommended")
    run = webhooks.deliver_due()
    assert (run.delivered, run.failed, run.given_up) == (1, 0, 0)
    [request] = receiver.requests
    body, headers = request["body"], request["headers"]
    # The receiver's side: the standardwebhooks library, the raw body and the three headers.
    payload = Webhook(SECRET).verify(body, headers)
    assert headers["webhook-id"] == payload["id"]
    assert abs(int(headers["webhook-timestamp"]) - timezone.now().timestamp()) < 60
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + base64.b64encode(b"another secret, also 32 bytes!!!").decode()).verify(
            body, headers
        )
    # Re-serialised JSON is another body: the signature covers the bytes as sent.
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(json.dumps(json.loads(body)), headers)
    assert headers["x-dialogue-event"] == payload["type"] == payload["event"] == "proposal.stage_changed"
    assert headers["content-type"].startswith("application/json")
    assert payload["data"]["jurisdiction"] is None and payload["data"]["to_stage"] == "recommended"
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.DELIVERED
    assert (delivery.attempts, delivery.last_status, delivery.last_error) == (1, 200, "")
    assert webhooks.deliver_due().attempted == 0


def test_failures_are_retried_with_back_off_then_given_up(
    proposal, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    stage_changed(proposal, django_capture_on_commit_callbacks)
    now = timezone.now()
    waits = []
    for attempt in range(1, webhooks.MAX_ATTEMPTS + 1):
        run = webhooks.deliver_due(now=now)
        assert run.attempted == 1
        delivery = WebhookDelivery.objects.get()
        assert delivery.attempts == attempt
        assert delivery.last_status == 500 and "500" in delivery.last_error
        if delivery.next_attempt_at is None:
            break
        waits.append(delivery.next_attempt_at - now)
        # Not due a second before its time.
        assert webhooks.deliver_due(now=delivery.next_attempt_at - dt.timedelta(seconds=1)).attempted == 0
        now = delivery.next_attempt_at
    assert waits == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=30),
        dt.timedelta(hours=2),
        dt.timedelta(hours=12),
    ]
    assert delivery.state == DeliveryState.FAILED
    assert len(receiver.requests) == 6
    assert webhooks.deliver_due(now=now + dt.timedelta(days=30)).attempted == 0
    # Every attempt carries the same id and its own signed timestamp (these attempts ran at
    # simulated times, so the signature is checked without the clock).
    assert len({request["headers"]["webhook-id"] for request in receiver.requests}) == 1
    for request in receiver.requests:
        headers = request["headers"]
        moment = dt.datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=dt.UTC)
        expected = Webhook(SECRET).sign(headers["webhook-id"], moment, request["body"].decode())
        assert headers["webhook-signature"] == expected


def test_a_retry_that_succeeds_is_delivered(proposal, endpoint, receiver, django_capture_on_commit_callbacks):
    receiver.statuses = [503, 204]
    stage_changed(proposal, django_capture_on_commit_callbacks)
    webhooks.deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.PENDING and delivery.last_status == 503
    webhooks.deliver_due(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED and delivery.attempts == 2


def test_a_redirect_or_an_unreachable_receiver_is_a_failure(
    proposal, receiver, django_capture_on_commit_callbacks
):
    redirected = WebhookEndpointFactory(url=receiver.url)
    unreachable = WebhookEndpointFactory(url="http://127.0.0.1:9/closed")
    receiver.statuses = [302]
    stage_changed(proposal, django_capture_on_commit_callbacks)
    run = webhooks.deliver_due()
    assert run.failed == 2
    by_endpoint = {d.endpoint_id: d for d in WebhookDelivery.objects.all()}
    assert by_endpoint[redirected.pk].last_status == 302
    assert by_endpoint[unreachable.pk].last_status is None
    assert (
        "URLError" in by_endpoint[unreachable.pk].last_error
        or "refused" in by_endpoint[unreachable.pk].last_error
    )


def test_a_claimed_delivery_is_not_sent_twice(
    proposal, endpoint, receiver, django_capture_on_commit_callbacks
):
    stage_changed(proposal, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    # Another worker claimed it between our read and our claim.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=5)
    )
    original = WebhookDelivery.objects.filter

    claims = []

    def racing_filter(*args, **kwargs):
        if "next_attempt_at" in kwargs and kwargs.get("pk") == delivery.pk and not claims:
            claims.append(1)
            WebhookDelivery.objects.update(next_attempt_at=timezone.now() + dt.timedelta(minutes=5))
        return original(*args, **kwargs)

    WebhookDelivery.objects.filter = racing_filter
    try:
        assert webhooks.deliver_due().attempted == 0
    finally:
        WebhookDelivery.objects.filter = original
    assert receiver.requests == []


def test_deliver_webhooks_command(proposal, endpoint, receiver, django_capture_on_commit_callbacks):
    stage_changed(proposal, django_capture_on_commit_callbacks)
    out = StringIO()
    call_command("deliver_webhooks", stdout=out)
    assert "1 delivered" in out.getvalue()
    assert len(receiver.requests) == 1


def test_retry_now_makes_a_given_up_delivery_due_again(
    proposal, endpoint, django_capture_on_commit_callbacks
):
    stage_changed(proposal, django_capture_on_commit_callbacks)
    WebhookDelivery.objects.update(attempts=6, next_attempt_at=None, last_error="HTTP 500")
    assert webhooks.retry_now(WebhookDelivery.objects.all()) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 0


def test_publishing_a_milestone_notifies_the_endpoints(
    proposal, endpoint, make_actor, django_capture_on_commit_callbacks
):
    from progress.services import milestone_publish
    from tests.factories import MilestoneFactory

    milestone = MilestoneFactory(proposal=proposal, status="pending", jurisdiction="JP", stage="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        milestone_publish(milestone=milestone, actor=make_actor("moderator"))
    changes = {
        (d.payload["data"]["jurisdiction"], d.payload["data"]["to_stage"])
        for d in WebhookDelivery.objects.all()
    }
    assert ("JP", "submitted") in changes


def test_one_stage_change_is_one_delivery_per_endpoint_with_the_overall_stage_in_it(
    proposal, endpoint, make_actor, django_capture_on_commit_callbacks
):
    """Publishing a milestone moves its jurisdiction's stage and, being the latest, the overall
    stage too: one event, not one per stage row."""
    from progress.services import milestone_publish
    from tests.factories import MilestoneFactory

    other = WebhookEndpointFactory()  # a second institution's endpoint
    WebhookEndpointFactory(institution=other.institution, active=False)
    assert proposal.stage == "proposed"
    milestone = MilestoneFactory(proposal=proposal, status="pending", jurisdiction="JP", stage="submitted")

    with django_capture_on_commit_callbacks(execute=False):
        milestone_publish(milestone=milestone, actor=make_actor("moderator"))

    deliveries = list(WebhookDelivery.objects.order_by("endpoint_id"))
    assert [d.endpoint_id for d in deliveries] == [endpoint.pk, other.pk]
    for delivery in deliveries:
        data = delivery.payload["data"]
        assert (data["jurisdiction"], data["from_stage"], data["to_stage"]) == ("JP", None, "submitted")
        assert data["overall"] == {"from_stage": "proposed", "to_stage": "submitted"}
    assert deliveries[0].payload["id"] == deliveries[1].payload["id"]  # the same event


def test_a_jurisdiction_move_that_leaves_the_overall_stage_has_overall_null(
    proposal, endpoint, make_actor, django_capture_on_commit_callbacks
):
    from progress.services import milestone_publish, stages_recompute
    from tests.factories import MilestoneFactory

    MilestoneFactory(proposal=proposal, jurisdiction="KR", stage="under_review", date=dt.date(2025, 6, 1))
    with django_capture_on_commit_callbacks(execute=False):
        stages_recompute(proposal=proposal, actor=None)
    WebhookDelivery.objects.all().delete()
    earlier = MilestoneFactory(
        proposal=proposal, status="pending", jurisdiction="JP", stage="submitted", date=dt.date(2025, 3, 1)
    )

    with django_capture_on_commit_callbacks(execute=False):
        milestone_publish(milestone=earlier, actor=make_actor("moderator"))

    data = WebhookDelivery.objects.get().payload["data"]
    assert (data["jurisdiction"], data["to_stage"], data["overall"]) == ("JP", "submitted", None)


def test_an_overall_move_alone_is_one_event_with_jurisdiction_null(
    proposal, endpoint, django_capture_on_commit_callbacks
):
    from progress.services import stages_recompute
    from tests.factories import MilestoneFactory

    MilestoneFactory(proposal=proposal, jurisdiction="KR", stage="submitted", date=dt.date(2025, 3, 1))
    japan = MilestoneFactory(proposal=proposal, jurisdiction="JP", stage="piloted", date=dt.date(2025, 6, 1))
    with django_capture_on_commit_callbacks(execute=False):
        stages_recompute(proposal=proposal, actor=None)
    WebhookDelivery.objects.all().delete()
    # The Japanese milestone's date was wrong: Korea's is now the latest. No jurisdiction moves.
    japan.date = dt.date(2025, 1, 1)
    japan.save()

    with django_capture_on_commit_callbacks(execute=False):
        stages_recompute(proposal=proposal, actor=None)

    data = WebhookDelivery.objects.get().payload["data"]
    assert (data["jurisdiction"], data["from_stage"], data["to_stage"]) == (None, "piloted", "submitted")
    assert data["overall"] == {"from_stage": "piloted", "to_stage": "submitted"}


def test_a_published_milestone_whose_transaction_rolls_back_leaves_no_delivery(
    proposal, endpoint, receiver, make_actor, django_capture_on_commit_callbacks
):
    from progress.services import milestone_publish
    from tests.factories import MilestoneFactory

    milestone = MilestoneFactory(proposal=proposal, status="pending", jurisdiction="JP", stage="submitted")
    moderator = make_actor("moderator")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        milestone_publish(milestone=milestone, actor=moderator)
        assert WebhookDelivery.objects.exists()  # written with the stage change
        raise RuntimeError("the request failed after the stage change")
    assert not WebhookDelivery.objects.exists()
    assert callbacks == []
    assert receiver.requests == []


def test_a_replayed_delivery_with_an_old_timestamp_fails_verification(
    proposal, endpoint, receiver, django_capture_on_commit_callbacks
):
    stage_changed(proposal, django_capture_on_commit_callbacks)
    webhooks.deliver_due()
    [request] = receiver.requests
    body, headers = request["body"], dict(request["headers"])
    Webhook(SECRET).verify(body, headers)  # fresh: accepted

    # An attacker replays the captured request later: the timestamp is signed, so it cannot be
    # refreshed, and past the tolerance the library refuses it.
    later = timezone.now() + webhooks.TOLERANCE + dt.timedelta(seconds=30)
    with pytest.MonkeyPatch.context() as patched:
        import standardwebhooks.webhooks as library

        class Clock(dt.datetime):
            @classmethod
            def now(cls, tz=None):
                return later

        patched.setattr(library, "datetime", Clock)
        with pytest.raises(WebhookVerificationError, match="too old"):
            Webhook(SECRET).verify(body, headers)
    # Nor can the replay claim a newer time: the signature no longer matches.
    headers["webhook-timestamp"] = str(int(headers["webhook-timestamp"]) + 60)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(SECRET).verify(body, headers)


def test_after_a_rotation_both_secrets_verify_until_the_overlap_ends(
    proposal, endpoint, receiver, django_capture_on_commit_callbacks
):
    from institutions import services

    new = services.webhook_secret_rotate(endpoint=endpoint)
    stage_changed(proposal, django_capture_on_commit_callbacks)
    webhooks.deliver_due()
    endpoint.refresh_from_db()
    stage_changed(proposal, django_capture_on_commit_callbacks, to_stage="under_review")
    webhooks.deliver_due(now=endpoint.previous_secret_expires_at + dt.timedelta(seconds=1))

    during, after = receiver.requests
    assert new.startswith("whsec_") and new != SECRET
    assert len(during["headers"]["webhook-signature"].split(" ")) == 2
    Webhook(SECRET).verify(during["body"], during["headers"])
    Webhook(new).verify(during["body"], during["headers"])
    assert len(after["headers"]["webhook-signature"].split(" ")) == 1
    moment = dt.datetime.fromtimestamp(int(after["headers"]["webhook-timestamp"]), tz=dt.UTC)
    signed = after["body"].decode()
    assert after["headers"]["webhook-signature"] == Webhook(new).sign(
        after["headers"]["webhook-id"], moment, signed
    )


def test_a_ping_reaches_the_endpoint_through_the_task_queue(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    from institutions import services

    with django_capture_on_commit_callbacks(execute=True):
        services.webhook_ping(endpoint=endpoint)

    [request] = receiver.requests
    payload = Webhook(SECRET).verify(request["body"], request["headers"])
    assert payload["type"] == "ping" and payload["data"]["url"] == endpoint.url
    assert WebhookDelivery.objects.get().state == DeliveryState.DELIVERED
