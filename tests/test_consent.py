"""Consent to the privacy notice: asked separately at sign-up (participation, the transfer
between Korea and Japan, optional research use), recorded with the notice's version, asked again
when the notice changes, visible to moderators in the admin."""

import re

import pytest
from django.core import mail

from accounts.models import Consent, ConsentMethod, ConsentPurpose, User
from audit.models import AuditEntry
from comments.services import comment_create
from core.errors import PermissionRefused
from tests.factories import MembershipFactory, UserFactory
from tests.test_accounts import signup_data

VERSION = "2026-12-01"


@pytest.fixture(autouse=True)
def _notice_version(settings):
    settings.PRIVACY_POLICY_VERSION = VERSION


def html(response) -> str:
    return response.content.decode()


# --- the notice ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "ko",
            ["개인정보 처리방침", "대한민국과 일본 사이의 국외 이전", "개인정보보호위원회", "만 14세 미만"],
        ),
        ("ja", ["プライバシーポリシー", "越境移転", "個人情報保護委員会", "16歳未満"]),
        (
            "en",
            ["Privacy notice", "Transfer between the Republic of Korea and Japan", "Protections", "under 14"],
        ),
    ],
)
def test_privacy_notice_exists_in_each_language_with_its_version(
    client, lang, words, django_assert_max_num_queries
):
    with django_assert_max_num_queries(0):
        response = client.get(f"/{lang}/privacy/")
    assert response.status_code == 200
    for word in words:
        assert word in html(response)
    assert VERSION in html(response)


@pytest.mark.django_db
def test_every_page_links_to_the_notice(client):
    assert 'href="/ja/privacy/"' in html(client.get("/ja/proposals/"))


# --- sign-up ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["consent_participation", "consent_cross_border"])
def test_signup_without_a_required_consent_is_refused_and_creates_nothing(client, missing):
    data = signup_data()
    del data[missing]
    response = client.post("/ko/accounts/signup/", data)

    assert response.status_code == 200
    assert 'class="errorlist' in html(response)
    assert not User.objects.exists()
    assert not Consent.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_signup_form_names_the_countries_recipients_and_protections_in_korean_and_japanese(client):
    ko = html(client.get("/ko/accounts/signup/"))
    assert "대한민국과 일본" in ko and "개인정보 보호법" in ko and "주최 측" in ko
    assert 'href="/ko/privacy/"' in ko
    ja = html(client.get("/ja/accounts/signup/"))
    assert "大韓民国と日本" in ja and "個人情報保護法" in ja and "主催者" in ja
    for name in ("consent_participation", "consent_cross_border", "consent_research"):
        assert f'name="{name}"' in ja


@pytest.mark.django_db
@pytest.mark.parametrize("research", [True, False])
def test_signup_records_each_consent_with_the_notice_version_method_and_time(client, research):
    data = signup_data(**({"consent_research": "on"} if research else {}))
    assert client.post("/ja/accounts/signup/", data).status_code == 302

    user = User.objects.get(email="sora@example.org")
    assert user.policy_version == VERSION and user.research_consent is research
    answers = {c.purpose: c for c in Consent.objects.filter(user=user)}
    assert {p: c.granted for p, c in answers.items()} == {
        ConsentPurpose.PARTICIPATION: True,
        ConsentPurpose.CROSS_BORDER: True,
        ConsentPurpose.RESEARCH: research,
    }
    for consent in answers.values():
        assert consent.policy_version == VERSION
        assert consent.method == ConsentMethod.SELF
        assert consent.recorded_at is not None
    entry = AuditEntry.objects.get(action="account.consented")
    assert entry.data["version"] == VERSION and entry.data["research"] is research


# --- a new version of the notice ----------------------------------------------------------------


NEW = "2027-03-01"


@pytest.fixture
def new_notice(settings, tmp_path):
    """A second version of the notice (its texts in a template directory of the test's own)."""
    import shutil
    from pathlib import Path

    source = Path(settings.BASE_DIR) / "templates" / "accounts" / "privacy" / VERSION
    shutil.copytree(source, tmp_path / "accounts" / "privacy" / NEW)
    templates = [dict(settings.TEMPLATES[0])]
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    settings.PRIVACY_POLICY_VERSION = NEW
    return NEW


@pytest.mark.django_db
def test_a_notice_version_without_its_texts_fails_the_system_check(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.PRIVACY_POLICY_VERSION = "1999-01-01"
    with pytest.raises(SystemCheckError, match=r"accounts\.E001"):
        call_command("check")


@pytest.fixture
def member(proposal):
    user = UserFactory(research_consent=True, policy_version=VERSION)
    MembershipFactory(user=user, programme=proposal.programme)
    return user


@pytest.mark.django_db
def test_a_new_notice_version_asks_again_at_the_next_login_and_returns_to_next(
    client, new_notice, member, proposal
):
    response = client.post(
        "/ko/accounts/login/",
        {
            "login": member.email,
            "password": "correct horse battery staple",
            "next": f"/ko/proposals/{proposal.slug}/",
        },
        follow=True,
    )
    assert (
        response.redirect_chain[-1][0] == f"/ko/accounts/consent/?next=%2Fko%2Fproposals%2F{proposal.slug}%2F"
    )
    page = html(response)
    assert "개인정보 처리방침이 바뀌었습니다" in page
    # The research answer given before is offered again; the required ones are asked afresh.
    assert re.search(r'<input[^>]*name="consent_research"[^>]*checked', page)
    assert not re.search(r'<input[^>]*name="consent_cross_border"[^>]*checked', page)

    response = client.post(
        "/ko/accounts/consent/",
        {
            "consent_participation": "on",
            "consent_cross_border": "on",
            "next": f"/ko/proposals/{proposal.slug}/",
        },
    )
    assert response["Location"] == f"/ko/proposals/{proposal.slug}/"
    member.refresh_from_db()
    assert member.policy_version == "2027-03-01" and member.research_consent is False
    latest = Consent.objects.filter(user=member, policy_version="2027-03-01")
    assert sorted(latest.values_list("purpose", "granted")) == [
        ("cross_border", True),
        ("participation", True),
        ("research", False),
    ]
    assert Consent.objects.filter(user=member).count() == 3  # the factory gave none as rows
    assert client.get(f"/ko/proposals/{proposal.slug}/").status_code == 200


@pytest.mark.django_db
def test_stale_consent_sends_every_page_to_the_consent_page_but_not_the_account_pages(
    client, new_notice, member
):
    client.force_login(member)
    assert client.get("/ja/proposals/")["Location"] == "/ja/accounts/consent/?next=%2Fja%2Fproposals%2F"
    assert client.get("/ja/accounts/profile/")["Location"].startswith("/ja/accounts/consent/")
    for path in (
        "/ja/privacy/",
        "/ja/accounts/consent/",
        "/ja/accounts/email/",
        "/ja/accounts/password/change/",
    ):
        assert client.get(path).status_code == 200, path
    htmx = client.post("/ja/proposals/", HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == "/ja/accounts/consent/"


@pytest.mark.django_db
def test_refusing_the_cross_border_transfer_keeps_the_old_state_and_says_why(client, new_notice, member):
    client.force_login(member)
    response = client.post("/ja/accounts/consent/", {"consent_participation": "on"})

    assert response.status_code == 400
    assert "日韓" in html(response) or "韓国" in html(response)
    member.refresh_from_db()
    assert member.policy_version == VERSION
    assert not Consent.objects.exists()


@pytest.mark.django_db
def test_writes_are_refused_on_the_server_until_consent_is_given_again(new_notice, member, proposal):
    with pytest.raises(PermissionRefused) as refused:
        comment_create(author=member, proposal=proposal, body="こんにちは", language="ja")
    assert refused.value.code == "consent_required"


@pytest.mark.django_db
def test_consent_page_lets_a_participant_withdraw_research_use(client, member, django_assert_max_num_queries):
    client.force_login(member)
    with django_assert_max_num_queries(6):
        page = html(client.get("/en/accounts/consent/"))
    assert "You have consented to the privacy notice, version 2026-12-01" in page
    client.post("/en/accounts/consent/", {"consent_participation": "on", "consent_cross_border": "on"})
    member.refresh_from_db()
    assert member.research_consent is False
    assert Consent.objects.get(user=member, purpose="research").granted is False


# --- the admin -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_shows_consent_state_per_account_and_filters_by_it(admin_client, settings, member, tmp_path):
    never = UserFactory(policy_version="", email="never@example.org")
    Consent.objects.create(user=member, purpose="cross_border", granted=True, policy_version=VERSION)
    page = html(admin_client.get("/en/admin/accounts/user/"))
    assert "current, research use" in page
    assert "none" in page

    filtered = html(admin_client.get("/en/admin/accounts/user/?consent=none"))
    assert never.email in filtered and member.email not in filtered

    settings.PRIVACY_POLICY_VERSION = NEW
    outdated = html(admin_client.get("/en/admin/accounts/user/?consent=outdated"))
    assert member.email in outdated and "outdated (2026-12-01)" in outdated

    change = html(admin_client.get(f"/en/admin/accounts/user/{member.pk}/change/"))
    assert "Transfer of personal data between Korea and Japan" in change
