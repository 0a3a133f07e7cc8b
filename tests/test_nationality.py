"""Nationality is set at sign-up; a change afterwards goes through a moderator (issue #17, item 3)."""

import pytest

from accounts.models import Nationality, NationalityChange, NationalityChangeStatus
from accounts.services import nationality_change_decide, nationality_change_request, profile_update
from audit.models import AuditEntry
from comments.models import CommentReaction
from core.errors import DeliberationError, PermissionRefused
from moderation.models import Report
from moderation.services import report_create
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = {
    "display_name": "Minji",
    "preferred_language": "ko",
    "affiliation": "",
    "notification_frequency": "off",
}


def test_a_nationality_switch_from_the_profile_is_refused(client):
    user = UserFactory(nationality=Nationality.KOREA)
    client.force_login(user)

    response = client.post("/en/accounts/profile/", {**PROFILE, "nationality": Nationality.JAPAN})

    user.refresh_from_db()
    assert user.nationality == Nationality.KOREA
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="account.nationality_changed").exists()


def test_the_profile_service_refuses_a_different_nationality():
    user = UserFactory(nationality=Nationality.KOREA)
    with pytest.raises(DeliberationError) as error:
        profile_update(user=user, nationality=Nationality.JAPAN, **PROFILE)
    assert error.value.code == "nationality_needs_approval"
    user.refresh_from_db()
    assert user.nationality == Nationality.KOREA


def test_a_request_changes_nothing_until_a_moderator_approves(client, make_actor):
    user = UserFactory(nationality=Nationality.KOREA)
    client.force_login(user)

    response = client.post(
        "/en/accounts/profile/nationality/", {"nationality": "JP", "reason": "Dual citizen"}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.nationality == Nationality.KOREA
    change = NationalityChange.objects.get(user=user)
    assert (change.from_nationality, change.to_nationality, change.status) == ("KR", "JP", "pending")
    assert "waiting for a moderator" in client.get("/en/accounts/profile/").content.decode()

    moderator = make_actor("moderator")
    nationality_change_decide(moderator=moderator, change=change, approve=True)

    user.refresh_from_db()
    assert user.nationality == Nationality.JAPAN
    entry = AuditEntry.objects.get(action="account.nationality_changed")
    assert (entry.actor, entry.data["nationality"]) == (moderator, ["KR", "JP"])


def test_moderators_approve_in_the_admin_and_it_is_audited_with_old_and_new(client, make_actor):
    user = UserFactory(nationality=Nationality.JAPAN)
    change = nationality_change_request(user=user, nationality=Nationality.OTHER, reason="")
    moderator = make_actor("moderator")
    client.force_login(moderator)

    response = client.post(
        "/en/admin/accounts/nationalitychange/",
        {"action": "approve_selected", "_selected_action": [change.pk]},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.nationality == Nationality.OTHER
    assert AuditEntry.objects.get(action="account.nationality_changed").data["nationality"] == ["JP", "OTHER"]


def test_a_declined_request_changes_nothing():
    user = UserFactory(nationality=Nationality.JAPAN)
    change = nationality_change_request(user=user, nationality=Nationality.KOREA)
    moderator = UserFactory(is_staff=True, is_superuser=True)

    nationality_change_decide(moderator=moderator, change=change, approve=False)

    user.refresh_from_db()
    assert user.nationality == Nationality.JAPAN
    assert NationalityChange.objects.get().status == NationalityChangeStatus.DECLINED
    with pytest.raises(DeliberationError):
        nationality_change_decide(moderator=moderator, change=change, approve=True)


def test_participants_cannot_decide_requests():
    user = UserFactory()
    change = nationality_change_request(user=user, nationality=Nationality.OTHER)
    with pytest.raises(PermissionRefused):
        nationality_change_decide(moderator=UserFactory(), change=change, approve=True)


def test_reports_and_reactions_keep_the_nationality_they_were_made_with(make_actor, proposal):
    from comments.services import comment_react

    reporter = make_actor("member", nationality=Nationality.KOREA)
    comment = CommentFactory(proposal=proposal)
    report_create(reporter=reporter, comment=comment, reason="spam")
    comment_react(user=reporter, comment=CommentFactory(proposal=comment.proposal), kind="agree")

    change = nationality_change_request(user=reporter, nationality=Nationality.JAPAN)
    nationality_change_decide(
        moderator=UserFactory(is_staff=True, is_superuser=True), change=change, approve=True
    )

    assert Report.objects.get().reporter_nationality == Nationality.KOREA
    assert CommentReaction.objects.get().nationality == Nationality.KOREA
