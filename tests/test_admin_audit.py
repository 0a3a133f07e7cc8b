"""Admin access and the admin's audit trail (issue #17, item 1): a suspended moderator is refused,
and every admin save writes an audit row with the old and new values, through one mechanism (the
admin site mixes it into every ModelAdmin)."""

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from audit.adminaudit import AuditedAdminMixin
from audit.models import AuditEntry
from tests.factories import MembershipFactory, ProposalFactory, UserFactory
from tests.test_progress import add_milestone_form, change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(make_actor):
    return make_actor("moderator")


def suspend(user):
    user.suspended_at = timezone.now()
    user.suspended_until = timezone.now() + dt.timedelta(days=3)
    user.save()


@pytest.mark.parametrize(
    "path", ["/en/admin/", "/en/admin/comments/comment/", "/en/admin/proposals/proposal/"]
)
def test_a_suspended_moderator_cannot_enter_the_admin(client, moderator, path):
    client.force_login(moderator)
    assert client.get(path).status_code == 200
    suspend(moderator)

    response = client.get(path)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_suspended_moderator_cannot_post_changes(client, moderator):
    proposal = ProposalFactory(position=3)
    client.force_login(moderator)
    url = f"/en/admin/proposals/proposal/{proposal.pk}/change/"
    data = change_form_data(client.get(url))
    suspend(moderator)
    data["position"] = "9"

    response = client.post(url, data)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    proposal.refresh_from_db()
    assert proposal.position == 3


def test_every_registered_admin_is_audited():
    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdminMixin)
    ]
    assert not unaudited


def test_an_admin_edit_of_a_proposal_records_old_and_new_values(client, moderator):
    proposal = ProposalFactory(position=3)
    client.force_login(moderator)
    url = f"/en/admin/proposals/proposal/{proposal.pk}/change/"
    data = change_form_data(client.get(url))
    data["position"] = "7"

    response = client.post(url, data)

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin.changed", target_id=str(proposal.pk))
    assert entry.actor == moderator
    assert entry.data == {"model": "proposals.proposal", "changes": {"position": [3, 7]}}


def test_an_unchanged_save_records_nothing(client, moderator):
    proposal = ProposalFactory()
    client.force_login(moderator)
    url = f"/en/admin/proposals/proposal/{proposal.pk}/change/"

    assert client.post(url, change_form_data(client.get(url))).status_code == 302
    assert not AuditEntry.objects.filter(action__startswith="admin.").exists()


def test_an_inline_milestone_added_in_the_admin_is_recorded_with_its_values(client, moderator):
    proposal = ProposalFactory()
    client.force_login(moderator)
    url = f"/en/admin/proposals/proposal/{proposal.pk}/change/"

    response = client.post(url, add_milestone_form(change_form_data(client.get(url))))

    assert response.status_code == 302
    added = AuditEntry.objects.get(action="admin.added")
    assert added.data["model"] == "progress.milestone"
    assert added.data["values"]["title_ja"] == "試行事業の開始"


def test_group_and_password_changes_are_recorded_without_the_hash(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory()
    group = Group.objects.get(name="Moderator")
    client.force_login(superuser)
    url = f"/en/admin/accounts/user/{user.pk}/change/"
    data = change_form_data(client.get(url))
    data["groups"] = [str(group.pk)]
    data["is_staff"] = "on"

    response = client.post(url, data)

    assert response.status_code == 302
    changes = AuditEntry.objects.get(action="admin.changed").data["changes"]
    assert changes["groups"] == [[], [group.pk]]
    assert changes["is_staff"] == [False, True]
    assert "password" not in changes


def test_an_admin_edit_of_a_participants_name_and_email_records_that_they_changed_not_their_values(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory(email="old-address@example.kr", display_name="OldDisplayName")
    client.force_login(superuser)
    url = f"/en/admin/accounts/user/{user.pk}/change/"
    data = change_form_data(client.get(url))
    data["email"] = "new-address@example.kr"
    data["display_name"] = "NewDisplayName"
    data["is_staff"] = "on"

    response = client.post(url, data)

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin.changed")
    assert entry.data["changes"]["email"] == ["(personal data)", "(personal data)"]
    assert entry.data["changes"]["display_name"] == ["(personal data)", "(personal data)"]
    assert entry.data["changes"]["is_staff"] == [False, True]
    # The append-only row outlives the account: nothing in it names the person.
    text = f"{entry.target_repr} {entry.reason} {entry.data}"
    for value in ("old-address", "new-address", "OldDisplayName", "NewDisplayName"):
        assert value not in text


def test_an_admin_deletion_of_a_participants_row_keeps_its_values_but_not_their_text(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    membership = MembershipFactory(user__display_name="MemberDisplayName")
    client.force_login(superuser)
    client.post(f"/en/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})
    entry = AuditEntry.objects.get(action="admin.deleted")
    assert entry.target_repr == f"membership #{membership.pk}"
    assert "MemberDisplayName" not in f"{entry.target_repr} {entry.data}"


def test_admin_deletion_is_recorded_with_the_values(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    membership = MembershipFactory()
    client.force_login(superuser)

    response = client.post(f"/en/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin.deleted")
    assert entry.data["values"]["programme"] == membership.programme_id
    assert entry.actor == superuser


def test_a_moderator_cannot_edit_a_proposal_version_in_the_admin(client, moderator):
    proposal = ProposalFactory()
    client.force_login(moderator)
    version = proposal.current_version
    url = f"/en/admin/proposals/proposalversion/{version.pk}/change/"
    response = client.post(url, {"title_en": "Rewritten"})
    version.refresh_from_db()
    assert response.status_code in {302, 403}
    assert version.title_en != "Rewritten"
    assert not User.objects.filter(pk=0).exists()


def test_a_password_set_in_the_admin_is_recorded_without_the_password(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory()
    client.force_login(superuser)
    url = f"/en/admin/accounts/user/{user.pk}/password/"

    response = client.post(url, {"password1": "A-new-secret-2026!", "password2": "A-new-secret-2026!"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("A-new-secret-2026!")
    entry = AuditEntry.objects.get(action="account.password_set_by_admin")
    assert entry.actor_id == superuser.pk
    assert entry.target_id == str(user.pk)
    assert "A-new-secret-2026!" not in str(entry.data)


def test_a_refused_password_form_records_nothing(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory()
    client.force_login(superuser)

    response = client.post(
        f"/en/admin/accounts/user/{user.pk}/password/", {"password1": "a", "password2": "b"}
    )

    assert response.status_code == 200
    assert not AuditEntry.objects.filter(action="account.password_set_by_admin").exists()
