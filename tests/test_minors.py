"""Young participants: an age band at sign-up; below the guardian-consent age (Korea 14, Japan 16
by default) participation waits for a guardian's consent, asked by email in the participant's
language, withdrawable; an organiser can attest it for a cohort. Minors' affiliation is never
kept and their names never leave the site through the API or exports."""

import datetime as dt
import re

import pytest
from django.core import mail, signing
from django.core.cache import cache

from accounts.guardians import SALT, token_for
from accounts.models import AgeBand, Consent, GuardianConsent, Membership, Nationality, User
from audit.models import AuditEntry
from comments.models import Comment
from tests.factories import CommentFactory, MembershipFactory, UserFactory
from tests.test_accounts import signup_data
from tests.test_api_support import (  # noqa: F401 - fixtures
    API,
    api_fixture,
    local_cache_fixture,
    read_key_fixture,
    reader_fixture,
)

LINK = re.compile(r"https?://\S+")
PASSWORD = "a-long-unusual-passphrase-77"


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


def html(response) -> str:
    return response.content.decode()


def refusal_code(response) -> str:
    match = re.search(r'data-code="([a-z_]+)"', html(response))
    return match.group(1) if match else ""


def post_comment(client, proposal, body, lang="ko"):
    return client.post(f"/{lang}/proposals/{proposal.slug}/comments/", {"body": body, "language": lang})


def guardian_link() -> str:
    return next(url for message in mail.outbox for url in LINK.findall(message.body) if "/guardian/" in url)


# --- who needs a guardian ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nationality", "band", "needs"),
    [
        (Nationality.KOREA, AgeBand.UNDER_14, True),
        (Nationality.KOREA, AgeBand.FROM_14, False),
        (Nationality.JAPAN, AgeBand.FROM_14, True),
        (Nationality.JAPAN, AgeBand.FROM_16, False),
        (Nationality.OTHER, AgeBand.FROM_14, True),
        (Nationality.JAPAN, AgeBand.ADULT, False),
        (Nationality.KOREA, "", False),
    ],
)
def test_guardian_consent_age_follows_the_settings_per_nationality(nationality, band, needs):
    assert User(nationality=nationality, age_band=band).needs_guardian_consent is needs


def test_japans_age_is_configurable(settings):
    settings.GUARDIAN_CONSENT_AGE = {**settings.GUARDIAN_CONSENT_AGE, "JP": 18}
    assert User(nationality=Nationality.JAPAN, age_band=AgeBand.FROM_16).needs_guardian_consent


# --- the whole path: sign-up, email, guardian's page, comment, withdrawal ------------------------


@pytest.mark.django_db
def test_a_13_year_old_korean_comments_only_after_the_guardian_consents_and_withdrawal_pauses(
    client, proposal, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    data = signup_data(
        email="jiwoo@example.kr",
        display_name="지우",
        nationality=Nationality.KOREA,
        preferred_language="ko",
        age_band=AgeBand.UNDER_14,
        affiliation="서울중학교",
    )
    refused = client.post("/ko/accounts/signup/", data)
    assert refused.status_code == 200 and "법정대리인" in html(refused)
    assert not User.objects.exists()

    data["guardian_email"] = "parent@example.kr"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/ko/accounts/signup/", data).status_code == 302
    user = User.objects.get(email="jiwoo@example.kr")
    assert user.age_band == AgeBand.UNDER_14 and user.affiliation == ""  # never kept for a minor

    # Two emails: the participant's verification, the guardian's request (in Korean, via the queue).
    to_guardian = [m for m in mail.outbox if m.to == ["parent@example.kr"]]
    assert len(to_guardian) == 1
    assert "지우" in to_guardian[0].subject and "동의" in to_guardian[0].body
    link = guardian_link()
    assert "/ko/guardian/" in link

    verify = next(u for u in LINK.findall(mail.outbox[0].body) if "confirm-email" in u)
    client.post(verify)
    client.force_login(user)
    Membership.objects.create(user=user, programme=proposal.programme)

    response = post_comment(client, proposal, "안녕하세요")
    assert response.status_code == 403 and refusal_code(response) == "guardian_consent_required"
    assert not Comment.objects.exists()

    # The guardian, not logged in, reads what is collected and why, and consents.
    guardian = client.__class__()
    with django_assert_max_num_queries(4):
        page = guardian.get(link)
    assert page.status_code == 200
    assert "수집하는 정보와 목적" in html(page) and "대한민국과 일본" in html(page)
    assert guardian.post(link, {"decision": "consent"}).status_code == 302

    record = GuardianConsent.objects.get(user=user)
    assert (record.status, record.method, record.guardian_email) == (
        "granted",
        "guardian",
        "parent@example.kr",
    )
    assert record.policy_version == "2026-12-01" and record.decided_at is not None
    assert record.scope == ["participation", "cross_border"]
    assert Consent.objects.filter(user=user, method="guardian", granted=True).count() == 2

    assert post_comment(client, proposal, "안녕하세요").status_code in (200, 302)
    assert Comment.objects.filter(author=user).count() == 1

    withdraw = guardian.post(link, {"decision": "withdraw"})
    assert withdraw.status_code == 302
    record.refresh_from_db()
    assert record.status == "withdrawn" and record.withdrawn_at is not None
    response = post_comment(client, proposal, "다시 안녕하세요")
    assert response.status_code == 403 and refusal_code(response) == "guardian_consent_required"
    assert Comment.objects.filter(author=user).count() == 1
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"account.guardian_consent_requested", "account.guardian_consent_given"} <= actions
    assert "account.guardian_consent_withdrawn" in actions


@pytest.mark.django_db
def test_guardian_email_is_in_the_participants_language(client, django_capture_on_commit_callbacks):
    data = signup_data(
        email="yui@example.jp",
        nationality=Nationality.JAPAN,
        preferred_language="ja",
        age_band=AgeBand.FROM_14,
        guardian_email="haha@example.jp",
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/accounts/signup/", data)
    message = next(m for m in mail.outbox if m.to == ["haha@example.jp"])
    assert "同意" in message.body and "/ja/guardian/" in message.body
    page = html(client.get(guardian_link()))
    assert "取得する情報と目的" in page


@pytest.mark.django_db
def test_a_refusing_guardian_keeps_the_participant_out(client, proposal):
    minor = UserFactory(nationality=Nationality.KOREA, age_band=AgeBand.UNDER_14)
    consent = GuardianConsent.objects.create(
        user=minor, guardian_email="p@example.kr", method="guardian", policy_version="2026-12-01"
    )
    link = f"/ko/guardian/{token_for(consent)}/"
    client.post(link, {"decision": "refuse"})
    consent.refresh_from_db()
    assert consent.status == "refused"
    again = client.post(link, {"decision": "consent"})
    assert again.status_code == 400 and refusal_code(again) == "already_decided"
    minor.refresh_from_db()
    assert minor.guardian_consent_at is None


@pytest.mark.django_db
def test_an_expired_or_forged_link_is_refused_with_a_message(client, settings):
    minor = UserFactory(nationality=Nationality.KOREA, age_band=AgeBand.UNDER_14)
    consent = GuardianConsent.objects.create(
        user=minor, guardian_email="p@example.kr", method="guardian", policy_version="2026-12-01"
    )
    settings.GUARDIAN_LINK_MAX_AGE = -1
    expired = client.get(f"/ja/guardian/{token_for(consent)}/")
    assert expired.status_code == 400 and refusal_code(expired) == "link_expired"
    forged = client.get(f"/ja/guardian/{signing.dumps(consent.pk, salt='other')}/")
    assert forged.status_code == 403 and refusal_code(forged) == "link_invalid"
    assert SALT


@pytest.mark.django_db
def test_a_guardian_is_not_asked_when_the_age_does_not_need_one(client):
    data = signup_data(nationality=Nationality.KOREA, age_band=AgeBand.FROM_14, guardian_email="x@example.kr")
    assert client.post("/ko/accounts/signup/", data).status_code == 302
    assert not GuardianConsent.objects.exists()
    assert all(m.to != ["x@example.kr"] for m in mail.outbox)
    assert User.objects.get().affiliation == ""  # 14–15 is still a minor


@pytest.mark.django_db
def test_age_band_is_required_without_a_preselected_value(client):
    page = html(client.get("/ja/accounts/signup/"))
    assert re.search(r'<select name="age_band"[^>]*>\s*<option value="" selected>', page)
    data = signup_data()
    data.pop("age_band", None)
    response = client.post("/ja/accounts/signup/", data)
    assert response.status_code == 200 and not User.objects.exists()


# --- the organiser's attestation ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_moderator_records_an_organisers_attestation_for_a_cohort(client, proposal, make_actor):
    moderator = make_actor("moderator")
    minors = [make_actor("member", age_band=AgeBand.UNDER_14) for _ in range(2)]
    adult = make_actor("member")
    client.force_login(moderator)
    ids = [str(u.pk) for u in [*minors, adult]]
    form = client.post(
        "/en/admin/accounts/user/", {"action": "attest_guardian_consent", "_selected_action": ids}
    )
    assert form.status_code == 200 and 'name="note"' in html(form)
    done = client.post(
        "/en/admin/accounts/user/",
        {
            "action": "attest_guardian_consent",
            "_selected_action": ids,
            "confirm": "1",
            "note": "Seoul MS 2-3",
        },
    )
    assert done.status_code == 302
    rows = GuardianConsent.objects.filter(method="organiser")
    assert rows.count() == 2
    assert {r.attested_by_id for r in rows} == {moderator.pk} and {r.note for r in rows} == {"Seoul MS 2-3"}
    assert AuditEntry.objects.filter(action="account.guardian_consent_attested", actor=moderator).count() == 2
    client.force_login(minors[0])
    assert post_comment(client, proposal, "반갑습니다").status_code in (200, 302)


# --- what leaves the site ------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_and_exports_never_carry_a_minors_name(reader, proposal):
    minor = UserFactory(display_name="MinorName지우", age_band=AgeBand.FROM_16)
    adult = UserFactory(display_name="AdultName", age_band=AgeBand.ADULT)
    MembershipFactory(user=minor, programme=proposal.programme)
    CommentFactory(proposal=proposal, author=minor, body="미성년 댓글")
    CommentFactory(proposal=proposal, author=adult, body="성인 댓글")
    for path in ("comments/", "export.json", "export.csv"):
        body = reader.get(f"{API}proposals/{proposal.slug}/{path}").content.decode()
        assert "MinorName" not in body, path
        assert "AdultName" in body, path
        assert "Young participant" in body, path
    assert minor.email not in body


@pytest.mark.django_db
def test_a_minor_cannot_set_an_affiliation_on_the_profile(client):
    minor = UserFactory(age_band=AgeBand.FROM_16, affiliation="")
    client.force_login(minor)
    client.post(
        "/en/accounts/profile/",
        {
            "display_name": "Mina",
            "preferred_language": "ko",
            "affiliation": "Busan High",
            "notification_frequency": "off",
        },
    )
    minor.refresh_from_db()
    assert minor.display_name == "Mina" and minor.affiliation == ""


def test_admin_lists_age_band_and_guardian_state(admin_client, db):
    UserFactory(nationality=Nationality.KOREA, age_band=AgeBand.UNDER_14, email="kid@example.kr")
    page = html(admin_client.get("/en/admin/accounts/user/?age_band__exact=under14"))
    assert "kid@example.kr" in page and "waiting" in page
    assert dt
