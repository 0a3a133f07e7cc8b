import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Membership, Nationality, NotificationFrequency, User
from accounts.services import programme_join
from audit.models import AuditEntry
from core.errors import DeliberationError, PermissionRefused
from notifications.services import notify
from tests.conftest import ROLES
from tests.factories import MembershipFactory, ProgrammeFactory, UserFactory

PASSWORD = "correct horse battery staple"
LINK = re.compile(r"https?://\S+")


@pytest.fixture(autouse=True)
def _clear_cache(db):
    # Rate limits live in the shared cache: no test may inherit another's attempts.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Logins here hash many passwords; the production hasher would make this module slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def signup_data(**overrides) -> dict:
    data = {
        "email": "sora@example.org",
        "display_name": "Sora",
        "nationality": Nationality.JAPAN,
        "preferred_language": "ja",
        "age_band": "18+",
        "affiliation": "Waseda",
        "password1": "a-long-unusual-passphrase-77",
        "password2": "a-long-unusual-passphrase-77",
        "consent_participation": "on",
        "consent_cross_border": "on",
    }
    data.update(overrides)
    return data


# --- Sign up, verification, log in -------------------------------------------------------------


@pytest.mark.django_db
def test_signup_sends_verification_in_chosen_language_then_confirm_and_login_work(client):
    response = client.post("/en/accounts/signup/", signup_data())

    assert response.status_code == 302
    user = User.objects.get(email="sora@example.org")
    assert (user.display_name, user.nationality, user.preferred_language, user.affiliation) == (
        "Sora",
        "JP",
        "ja",
        "Waseda",
    )
    assert not EmailAddress.objects.get(user=user).verified
    assert client.post(
        "/en/accounts/login/", {"login": user.email, "password": "a-long-unusual-passphrase-77"}
    )["Location"].endswith("/accounts/confirm-email/")  # mandatory verification: no login yet

    first = mail.outbox[0]
    assert first.to == ["sora@example.org"]
    assert "メールアドレスを確認してください" in first.subject  # allauth's Japanese, not the page's English
    link = next(url for url in LINK.findall(first.body) if "confirm-email" in url)
    assert "/ja/accounts/confirm-email/" in link
    assert link.endswith("/")  # the link stands alone: no particle glued to it

    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    response = client.post(
        "/ja/accounts/login/", {"login": "SORA@example.org", "password": "a-long-unusual-passphrase-77"}
    )
    assert response.status_code == 302
    assert client.get("/ja/accounts/profile/").status_code == 200
    assert AuditEntry.objects.filter(action="account.signed_up", actor=user).exists()
    assert AuditEntry.objects.filter(action="account.logged_in", actor=user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ko", "ja", "en"])
def test_signup_form_defaults_preferred_language_to_the_page_language(client, lang):
    html = client.get(f"/{lang}/accounts/signup/").content.decode()

    assert f'<option value="{lang}" selected>' in html
    for name in ("display_name", "nationality", "preferred_language", "affiliation", "password1"):
        assert f'name="{name}"' in html
    assert "site-header" in html  # allauth pages sit inside the site's layout


@pytest.mark.django_db
def test_signup_explains_how_nationality_is_shown(client):
    html = client.get("/en/accounts/signup/").content.decode()
    assert "Shown publicly only as a small badge and in aggregates" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("display_name", ""),
        ("display_name", "   "),
        ("display_name", "x" * 61),
        ("nationality", "US"),
        ("preferred_language", "fr"),
        ("affiliation", "x" * 201),
    ],
)
def test_signup_with_bad_profile_fields_is_refused_and_creates_nothing(client, field, value):
    response = client.post("/en/accounts/signup/", signup_data(**{field: value}))

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not User.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "word"), [("ko", "로그인"), ("ja", "ログイン")])
def test_login_page_is_translated_and_in_the_site_layout(client, lang, word):
    html = client.get(f"/{lang}/accounts/login/").content.decode()

    assert f'<html lang="{lang}">' in html
    assert word in html.split("<h1>")[1].split("</h1>")[0]
    assert 'class="auth-form' in html
    assert "site-header" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/ko/accounts/password/reset/", "/ja/accounts/signup/", "/en/accounts/login/"]
)
def test_account_pages_need_no_inline_styles_or_scripts(client, path):
    html = client.get(path).content.decode()
    assert "style=" not in html
    assert "<script>" not in html


@pytest.mark.django_db
def test_login_redirects_to_the_preferred_language_version_of_next_and_sets_the_cookie(client):
    user = UserFactory(preferred_language="ja")

    response = client.post(
        "/ko/accounts/login/?next=/ko/proposals/", {"login": user.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/ja/proposals/"
    assert response.cookies["django_language"].value == "ja"
    follow = client.get(response["Location"])
    assert '<html lang="ja">' in follow.content.decode()


@pytest.mark.django_db
def test_login_without_next_goes_to_the_proposals_in_the_preferred_language(client):
    user = UserFactory(preferred_language="ko")

    response = client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response["Location"] == "/ko/proposals/"
    assert client.get("/", headers={"accept-language": "en"})["Location"] == "/ko/"


@pytest.mark.django_db
def test_password_reset_email_is_in_the_users_language(client):
    user = UserFactory(preferred_language="ko")

    response = client.post("/ja/accounts/password/reset/", {"email": user.email})

    assert response.status_code == 302
    (message,) = mail.outbox
    assert "비밀번호 초기화" in message.subject
    link = next(url for url in LINK.findall(message.body) if "/password/reset/key/" in url)
    assert "/ko/accounts/password/reset/key/" in link


# --- Brute-force protection ---------------------------------------------------------------------


@pytest.mark.django_db
def test_repeated_failed_logins_are_answered_429_with_a_clear_message(client):
    user = UserFactory()
    for _attempt in range(5):
        response = client.post("/en/accounts/login/", {"login": user.email, "password": "wrong"})
        assert response.status_code == 200

    response = client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many attempts" in html
    assert "site-header" in html
    assert "_auth_user_id" not in client.session  # even the right password waits


@pytest.mark.django_db
def test_rate_limit_page_is_in_the_page_language(client):
    user = UserFactory()
    for _attempt in range(6):
        response = client.post("/ko/accounts/login/", {"login": user.email, "password": "wrong"})

    assert response.status_code == 429
    assert '<html lang="ko">' in response.content.decode()


@pytest.mark.django_db
def test_failed_logins_for_one_address_do_not_block_another(client):
    victim, other = UserFactory(), UserFactory()
    for _attempt in range(5):
        client.post("/en/accounts/login/", {"login": victim.email, "password": "wrong"})

    response = client.post("/en/accounts/login/", {"login": other.email, "password": PASSWORD})

    assert response.status_code == 302


# --- Profile ------------------------------------------------------------------------------------


def profile_data(**overrides) -> dict:
    data = {
        "display_name": "New name",
        "nationality": Nationality.KOREA,
        "preferred_language": "ko",
        "affiliation": "Seoul National University",
        "notification_frequency": NotificationFrequency.DAILY,
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_profile_requires_login(client):
    response = client.get("/en/accounts/profile/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_profile_edit_saves_every_field_and_is_audited(client):
    # The nationality is not a profile field any more (issue #17): see tests/test_nationality.py.
    user = UserFactory(preferred_language="ko")
    client.force_login(user)

    response = client.post("/ko/accounts/profile/", profile_data(nationality=Nationality.OTHER))

    assert response.status_code == 302
    assert response["Location"] == "/ko/accounts/profile/"
    user.refresh_from_db()
    assert user.display_name == "New name"
    assert user.nationality == Nationality.KOREA
    assert user.affiliation == "Seoul National University"
    assert user.notification_frequency == NotificationFrequency.DAILY
    entry = AuditEntry.objects.get(action="account.profile_updated")
    assert set(entry.data["fields"]) == {
        "display_name",
        "affiliation",
        "notification_frequency",
    }


@pytest.mark.django_db
def test_saving_a_new_preferred_language_switches_the_interface(client):
    user = UserFactory(preferred_language="ko")
    client.force_login(user)

    response = client.post("/ko/accounts/profile/", profile_data(preferred_language="ja"))

    assert response["Location"] == "/ja/accounts/profile/"
    assert response.cookies["django_language"].value == "ja"
    page = client.get(response["Location"])
    assert '<html lang="ja">' in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("display_name", ""),
        ("display_name", "x" * 61),
        ("preferred_language", "de"),
        ("notification_frequency", "hourly"),
        ("affiliation", "x" * 201),
    ],
)
def test_bad_profile_input_is_refused_with_a_message_and_nothing_changes(client, field, value):
    user = UserFactory(display_name="Old", preferred_language="en")
    client.force_login(user)

    response = client.post("/en/accounts/profile/", profile_data(**{field: value}))

    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == "Old"
    assert not AuditEntry.objects.filter(action="account.profile_updated").exists()


@pytest.mark.django_db
def test_profile_service_refuses_bad_values_itself(programme):
    from accounts.services import profile_update

    user = UserFactory()
    with pytest.raises(DeliberationError) as exc:
        profile_update(user=user, **profile_data(display_name="  "))
    assert exc.value.field == "display_name"


@pytest.mark.django_db
def test_profile_lists_programmes_and_latest_twenty_notifications(client, proposal):
    user = UserFactory(preferred_language="en", notification_frequency=NotificationFrequency.OFF)
    MembershipFactory(user=user, programme=proposal.programme)
    for number in range(25):
        notify(
            recipient=user,
            kind="reply",
            data={
                "proposal_id": proposal.pk,
                "proposal_title": {"en": f"Title {number}", "ko": "제목", "ja": "題"},
            },
            url=f"/ko/proposals/{proposal.slug}/",
        )
    client.force_login(user)

    html = client.get("/en/accounts/profile/").content.decode()

    assert html.count('<li class="notification') == 20
    assert "Title 24" in html and "Title 4<" not in html
    assert f'href="/en/proposals/{proposal.slug}/"' in html
    assert proposal.programme.name in html


@pytest.mark.django_db
def test_profile_page_query_count_does_not_grow_with_data(client, django_assert_num_queries, proposal):
    user = UserFactory(notification_frequency=NotificationFrequency.OFF)
    client.force_login(user)

    def add(n):
        for _i in range(n):
            MembershipFactory(user=user, programme=ProgrammeFactory())
            notify(recipient=user, kind="reply", data={"proposal_title": {"en": "T"}}, url="/en/proposals/x/")

    add(1)
    # session, user, memberships+programmes, notifications, a pending nationality change
    with django_assert_num_queries(5):
        assert client.get("/en/accounts/profile/").status_code == 200
    add(9)
    with django_assert_num_queries(5):
        assert client.get("/en/accounts/profile/").status_code == 200


# --- Programmes: page and joining ----------------------------------------------------------------


@pytest.mark.django_db
def test_programme_page_shows_description_counts_and_join_button_never_emails(client, programme):
    programme.description_en = "Young people from both countries deliberate."
    programme.save()
    for nationality in (Nationality.KOREA, Nationality.KOREA, Nationality.JAPAN):
        MembershipFactory(programme=programme, user=UserFactory(nationality=nationality))
    client.force_login(UserFactory())

    html = client.get(f"/en/accounts/programmes/{programme.slug}/").content.decode()

    assert "Young people from both countries deliberate." in html
    assert "3 participants" in html
    assert "Korea 2" in html and "Japan 1" in html
    assert f'action="/en/accounts/programmes/{programme.slug}/join/"' in html
    assert "@example.org" not in html  # no member's address, not even the viewer's


@pytest.mark.django_db
def test_programme_page_for_anonymous_offers_login(client, programme):
    html = client.get(f"/ko/accounts/programmes/{programme.slug}/").content.decode()
    assert "/ko/accounts/login/?next=" in html
    assert "/join/" not in html


@pytest.mark.django_db
def test_programme_page_query_count_does_not_grow_with_members(client, django_assert_num_queries, programme):
    client.force_login(UserFactory())
    MembershipFactory(programme=programme)
    url = f"/en/accounts/programmes/{programme.slug}/"
    with django_assert_num_queries(6):  # session, user, programme, counts, own membership, email verified
        client.get(url)
    for _i in range(10):
        MembershipFactory(programme=programme)
    with django_assert_num_queries(6):
        client.get(url)


@pytest.mark.django_db
def test_joining_an_open_programme_takes_one_click(client, programme, proposal):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        f"/en/accounts/programmes/{programme.slug}/join/", {"next": f"/en/proposals/{proposal.slug}/"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/en/proposals/{proposal.slug}/"
    assert Membership.objects.filter(user=user, programme=programme, is_active=True).exists()
    assert AuditEntry.objects.filter(action="membership.joined", actor=user).count() == 1
    assert "Welcome" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_join_ignores_an_offsite_next(client, programme):
    client.force_login(UserFactory())
    response = client.post(
        f"/en/accounts/programmes/{programme.slug}/join/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/en/accounts/programmes/{programme.slug}/"


@pytest.mark.django_db
def test_joining_twice_returns_the_existing_membership(programme):
    user = UserFactory()
    first = programme_join(user=user, programme=programme)
    second = programme_join(user=user, programme=programme)
    assert first.pk == second.pk
    assert Membership.objects.count() == 1
    assert AuditEntry.objects.filter(action="membership.joined").count() == 1


@pytest.mark.django_db
def test_closed_programme_needs_the_right_invite_code(client):
    programme = ProgrammeFactory(is_open=False, invite_code="KJ-2026-SEOUL")
    user = UserFactory()
    client.force_login(user)
    url = f"/en/accounts/programmes/{programme.slug}/join/"

    refused = client.post(url, {"invite_code": "KJ-2026-TOKYO"})

    assert refused.status_code == 400
    assert "That invite code is not correct for this programme." in refused.content.decode()
    assert not Membership.objects.exists()
    assert not AuditEntry.objects.filter(action="membership.joined").exists()

    assert client.post(url, {"invite_code": "  KJ-2026-SEOUL "}).status_code == 302
    assert Membership.objects.filter(user=user, programme=programme).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["", "x" * 41, "kj-2026-seoul"])
def test_closed_programme_refuses_empty_too_long_or_wrong_case_codes(client, code):
    programme = ProgrammeFactory(is_open=False, invite_code="KJ-2026-SEOUL")
    client.force_login(UserFactory())

    response = client.post(f"/en/accounts/programmes/{programme.slug}/join/", {"invite_code": code})

    assert response.status_code == 400
    assert not Membership.objects.exists()


@pytest.mark.django_db
def test_closed_programme_without_a_code_cannot_be_joined_with_an_empty_code(programme):
    programme.is_open = False
    programme.invite_code = ""
    programme.save()
    with pytest.raises(DeliberationError, match="invite_code_invalid"):
        programme_join(user=UserFactory(), programme=programme, invite_code="")


@pytest.mark.django_db
def test_unverified_user_is_told_to_verify_and_nothing_is_created(client, programme):
    client.force_login(UserFactory(verified=False))

    response = client.post(f"/en/accounts/programmes/{programme.slug}/join/")

    assert response.status_code == 403
    assert "Verify your email address before joining" in response.content.decode()
    assert not Membership.objects.exists()


@pytest.mark.django_db
def test_suspended_user_cannot_join(programme):
    user = UserFactory(suspended_at=timezone.now())
    with pytest.raises(PermissionRefused, match="suspended"):
        programme_join(user=user, programme=programme)
    assert not Membership.objects.exists()


@pytest.mark.django_db
def test_membership_ended_by_a_moderator_is_not_reactivated(programme):
    membership = MembershipFactory(programme=programme, is_active=False)
    with pytest.raises(PermissionRefused, match="membership_inactive"):
        programme_join(user=membership.user, programme=programme)
    membership.refresh_from_db()
    assert not membership.is_active


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("window", ["open", "closed"])
def test_join_permission_matrix(client, programme, make_actor, close_window, role, window):
    actor = make_actor(role)
    if window == "closed":
        close_window()
    if actor is not None:
        client.force_login(actor)
    before = Membership.objects.count()

    response = client.post(f"/en/accounts/programmes/{programme.slug}/join/")

    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif role in ("member", "moderator", "unverified"):
        # make_actor makes these members already: the existing membership, nothing written.
        assert response.status_code == 302
    elif role == "non_member" and window == "open":
        assert response.status_code == 302
        assert Membership.objects.count() == before + 1
        return
    else:
        assert response.status_code == 403  # suspended, or a non-member after the programme ended
    assert Membership.objects.count() == before


@pytest.mark.django_db
def test_join_with_htmx_returns_the_partial_and_refreshes(client, programme):
    client.force_login(UserFactory())

    response = client.post(f"/en/accounts/programmes/{programme.slug}/join/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="join-programme"')
    assert "You are a member of this programme" in html


@pytest.mark.django_db
def test_refused_join_with_htmx_returns_the_partial_with_the_message(client):
    programme = ProgrammeFactory(is_open=False, invite_code="right")
    client.force_login(UserFactory())

    response = client.post(
        f"/en/accounts/programmes/{programme.slug}/join/",
        {"invite_code": "wrong"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="join-programme"')
    assert 'role="alert"' in html and 'value="wrong"' in html


@pytest.mark.django_db
def test_guessing_invite_codes_is_rate_limited(client):
    programme = ProgrammeFactory(is_open=False, invite_code="right")
    client.force_login(UserFactory())
    url = f"/en/accounts/programmes/{programme.slug}/join/"
    for _attempt in range(10):
        assert client.post(url, {"invite_code": "guess"}).status_code == 400

    assert client.post(url, {"invite_code": "right"}).status_code == 429
    assert not Membership.objects.exists()


@pytest.mark.django_db
def test_join_partial_renders_with_only_the_programme_in_context(programme):
    request = RequestFactory().get("/en/proposals/p/")
    request.user = UserFactory()

    html = render_to_string("accounts/_join.html", {"programme": programme}, request=request)

    assert f'action="/en/accounts/programmes/{programme.slug}/join/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="next" value="/en/proposals/p/"' in html


@pytest.mark.django_db
def test_join_after_the_programme_ended_is_refused(programme):
    programme.ends_on = timezone.localdate() - dt.timedelta(days=1)
    programme.save()
    with pytest.raises(PermissionRefused, match="programme_ended"):
        programme_join(user=UserFactory(), programme=programme)


@pytest.mark.django_db
def test_korean_verification_link_stands_alone_on_its_line(client):
    client.post("/ko/accounts/signup/", signup_data(email="yuna@example.org", preferred_language="ko"))

    (message,) = mail.outbox
    assert "/ko/accounts/confirm-email/" in message.body
    link_lines = [line for line in message.body.splitlines() if "confirm-email" in line]
    assert len(link_lines) == 1 and LINK.fullmatch(link_lines[0].strip())
