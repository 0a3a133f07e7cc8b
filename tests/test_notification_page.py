"""The notifications page and the header's unread badge (issue #14 item 9)."""

import json

import pytest
from django.utils import translation

from notifications.models import Kind, Notification
from notifications.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TITLE = {"en": "Youth fund", "ko": "청년 기금", "ja": "若者基金"}


def _reply(recipient, *, name="佐藤はるか", excerpt="地方の大学と連携すべきです。", pk=1):
    return notify(
        recipient=recipient,
        kind=Kind.REPLY,
        data={"proposal": "youth-fund", "proposal_title": TITLE, "author_name": name, "excerpt": excerpt},
        url=f"/ja/proposals/youth-fund/#comment-{pk}",
    )


def _decided(recipient):
    return notify(
        recipient=recipient,
        kind=Kind.AMENDMENT_DECIDED,
        data={
            "proposal": "youth-fund",
            "proposal_title": TITLE,
            "state": "rejected",
            "reason": "중복입니다.",
        },
        url="/ko/proposals/youth-fund/amendments/3/",
    )


@pytest.fixture
def member(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return UserFactory(preferred_language="ko")


def test_every_page_has_a_notifications_link_that_loads_its_count_once(client, member):
    client.force_login(member)
    html = client.get("/ko/proposals/").content.decode()
    assert (
        '<a href="/ko/notifications/" id="notifications-link" class="notifications-link" '
        'hx-get="/ko/notifications/badge/" hx-trigger="load" hx-swap="outerHTML">알림</a>'
    ) in html
    assert "every" not in html.split('id="notifications-link"')[1].split(">")[0]  # no polling trigger


def test_the_badge_counts_unread_notifications_only(client, member, django_assert_num_queries):
    _reply(member)
    _decided(member)
    Notification.objects.create(recipient=member, kind=Kind.REPLY, data={}, read_at="2026-01-01T00:00Z")
    _reply(UserFactory())  # someone else's
    client.force_login(member)

    with django_assert_num_queries(BADGE_QUERIES):
        response = client.get("/ko/notifications/badge/", **HTMX)

    html = response.content.decode()
    assert '<span aria-hidden="true">2</span><span class="visually-hidden">읽지 않은 알림 2건</span>' in html
    assert "hx-get" not in html  # loaded once, not again


def test_no_badge_without_unread_notifications_and_none_for_visitors(client, member):
    client.force_login(member)
    assert "unread-badge" not in client.get("/ko/notifications/badge/").content.decode()
    client.logout()
    assert client.get("/ko/notifications/badge/").status_code == 204


def test_the_page_says_who_what_a_snippet_and_links_to_it(client, member):
    _reply(member)
    _decided(member)
    _reply(UserFactory(), name="Someone else", excerpt="Not for you")
    client.force_login(member)

    html = client.get("/ko/notifications/").content.decode()

    with translation.override("ko"):
        assert str(Kind.REPLY.label) in html and str(Kind.AMENDMENT_DECIDED.label) in html
    assert "佐藤はるか" in html and "地方の大学と連携すべきです。" in html  # who and what they wrote
    assert "청년 기금" in html  # the proposal, in the page's language
    assert "중복입니다." in html  # the moderators' reason
    assert "Someone else" not in html and "Not for you" not in html
    opened = Notification.objects.filter(recipient=member, kind=Kind.REPLY).get()
    assert f'href="/ko/notifications/{opened.pk}/"' in html


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, member):
    notification = _reply(member)
    client.force_login(member)

    response = client.get(f"/ko/notifications/{notification.pk}/")

    assert response.status_code == 302
    assert response["Location"] == "/ko/proposals/youth-fund/#comment-1"  # in the page's language
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_one_read_with_htmx_updates_the_list_and_the_badge(client, member):
    first, second = _reply(member), _decided(member)
    client.force_login(member)

    response = client.post(f"/ja/notifications/{first.pk}/read/", **HTMX)

    html = response.content.decode()
    assert (
        '<a href="/ja/notifications/" id="notifications-link" class="notifications-link" hx-swap-oob="true">'
        in html
    )
    assert '<span aria-hidden="true">1</span>' in html
    first.refresh_from_db(), second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    after = json.loads(response["HX-Trigger-After-Settle"])["dialogue:after-swap"]
    assert after["announce"] == "既読にしました。"


def test_mark_all_read_without_javascript(client, member):
    _reply(member), _decided(member)
    client.force_login(member)

    response = client.post("/en/notifications/read/")

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    assert "unread-badge" not in client.get("/en/notifications/badge/").content.decode()


def test_nobody_marks_or_opens_someone_elses_notification(client, member):
    theirs = _reply(UserFactory())
    client.force_login(member)

    assert client.post(f"/en/notifications/{theirs.pk}/read/").status_code == 404
    assert client.get(f"/en/notifications/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_page_needs_a_login_and_marking_needs_post(client, member):
    assert client.get("/en/notifications/").status_code == 302
    client.force_login(member)
    assert client.get("/en/notifications/read/").status_code == 405


@pytest.mark.parametrize("size", [1, 40])
def test_page_query_budget_does_not_grow(client, member, django_assert_num_queries, size):
    for i in range(size):
        _reply(member, pk=i)
        _decided(member)
    client.force_login(member)
    client.get("/en/notifications/")

    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get("/en/notifications/").status_code == 200


# Session and user, then the unread count.
BADGE_QUERIES = 3
# Session and user, the page's count and rows, the unread count.
PAGE_QUERIES = 5
