"""Who gets into the admin, how they log in, and what its index says awaits them."""

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache

from amendments.models import Amendment
from moderation.models import Report
from progress.models import MilestoneStatus
from tests.factories import AmendmentFactory, CommentFactory, MilestoneFactory, ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def test_anonymous_admin_login_goes_through_the_site_login(client):
    response = client.get("/en/admin/login/?next=/en/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")


def test_participant_is_refused_by_the_admin(client, make_actor):
    client.force_login(make_actor("member"))
    assert client.get("/en/admin/login/").status_code == 403
    assert client.get("/en/admin/").status_code == 302  # to the admin login, which refuses them


def test_admin_login_shares_the_site_login_rate_limit(client, make_actor):
    moderator = make_actor("moderator")
    for _ in range(5):
        client.post("/en/accounts/login/", {"login": moderator.email, "password": "wrong"})
    response = client.post(
        "/en/accounts/login/", {"login": moderator.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_moderator_with_password_enters_when_no_second_factor_is_required(client, make_actor, settings):
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(make_actor("moderator"))
    response = client.get("/en/admin/")
    assert response.status_code == 200
    assert 'id="awaiting"' in response.content.decode()


def test_second_factor_required_sends_staff_to_set_up_an_authenticator(client, make_actor, settings):
    settings.ADMIN_REQUIRE_MFA = True
    moderator = make_actor("moderator")
    client.force_login(moderator)

    assert client.get("/en/admin/").status_code == 302
    response = client.get("/en/admin/login/")
    assert response.status_code == 302
    assert "/accounts/2fa/totp/activate/" in response["Location"]

    Authenticator.objects.create(
        user=moderator, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    assert client.get("/en/admin/").status_code == 200


def test_production_profile_requires_a_second_factor_by_default():
    import subprocess
    import sys
    from pathlib import Path

    code = "from django.conf import settings; print(settings.ADMIN_REQUIRE_MFA)"
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=Path(__file__).resolve().parent.parent,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "deliberation.settings",
            "DJANGO_ENV": "production",
            "SECRET_KEY": "k" * 60,
            "ALLOWED_HOSTS": "dialogue.example.org",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "True", result.stderr


def test_admin_index_shows_what_awaits(client, make_actor, settings, proposal):
    settings.ADMIN_REQUIRE_MFA = False
    comment = CommentFactory(proposal=proposal)
    Report.objects.create(reporter=UserFactory(), comment=comment, reason="spam", reporter_nationality="KR")
    AmendmentFactory(proposal=proposal)
    MilestoneFactory(proposal=proposal, status=MilestoneStatus.PENDING)
    stale = ProposalFactory()
    stale.current_version.stale_translations = ["body_ja"]
    stale.current_version.save()
    client.force_login(make_actor("moderator"))

    html = client.get("/en/admin/").content.decode()

    counts = html.split('id="awaiting"')[1].split("</table>")[0]
    assert counts.count('<td class="awaiting-count">1</td>') == 4
    assert Amendment.objects.count() == 1


# session, user, group check, 5 counts of what awaits (the fifth: translations awaiting review),
# user and group permissions for the app list, and the recent-actions box (admin log)
ADMIN_INDEX_QUERIES = 11


@pytest.mark.parametrize("size", [1, 10])
def test_admin_index_query_budget(client, make_actor, settings, django_assert_num_queries, size):
    settings.ADMIN_REQUIRE_MFA = False
    for _ in range(size):
        AmendmentFactory()
    client.force_login(make_actor("moderator"))
    with django_assert_num_queries(ADMIN_INDEX_QUERIES):
        assert client.get("/en/admin/").status_code == 200
