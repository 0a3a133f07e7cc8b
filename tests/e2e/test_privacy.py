"""The privacy notice, the sign-up consents and the consent page in the browser (ko and ja):
readable, accessible (axe), and a changed notice is consented to again after logging in."""

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from accounts.models import Consent, User
from tests.e2e.axe import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Sunrise-over-Busan-2025"


@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_notice_signup_consents_and_renewal_are_accessible(page, lang, settings):
    page.goto(page.base_url + f"/{lang}/privacy/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert_accessible(page)
    page.shots("notice")

    page.goto(page.base_url + f"/{lang}/accounts/signup/")
    for name in ("consent_participation", "consent_cross_border", "consent_research"):
        expect(page.locator(f"input[type=checkbox][name={name}]")).to_be_visible()
    assert_accessible(page)

    user = User.objects.create_user(
        email=f"reader-{lang}@example.org",
        password=PASSWORD,
        display_name="読者" if lang == "ja" else "독자",
        nationality="JP" if lang == "ja" else "KR",
        preferred_language=lang,
        policy_version="2000-01-01",
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    page.goto(page.base_url + f"/{lang}/accounts/login/?next=/{lang}/proposals/")
    page.locator("main form.auth-form input[name=login]").fill(user.email)
    page.locator("main form.auth-form input[name=password]").fill(PASSWORD)
    page.locator("main form.auth-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/{lang}/accounts/consent/\?next="))
    assert_accessible(page)
    page.shots("consent-again")
    page.locator("input[name=consent_participation]").check()
    page.locator("input[name=consent_cross_border]").check()
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/{lang}/proposals/$"))
    user.refresh_from_db()
    assert user.policy_version == settings.PRIVACY_POLICY_VERSION
    assert Consent.objects.filter(user=user, granted=True).count() == 2
