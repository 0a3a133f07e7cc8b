"""Participation end to end, in Korean and in Japanese: sign up, verify, log in, join, rate,
comment and reply; propose an amendment and have a moderator accept it; comment without JavaScript.

Assertions use structure (URLs, ids, classes, field names, button values) and the content people
typed, not translated interface labels: the catalogues are filled separately. Where a label is
needed it is read from the catalogue with ``translation.override`` so it stays right.
"""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["ko", "ja"]
SLUG = "youth-innovation-fund"
PROGRAMME = "korea-japan-future-dialogue-youth"
PASSWORD = "Sunrise-over-Busan-2025"

# One participant per flow, writing in the flow's language.
PEOPLE = {
    "ko": {
        "email": "minji@example.kr",
        "display_name": "김민지",
        "nationality": "KR",
        "affiliation": "서울대학교",
        "comment": "청년 기금은 지역 대학과 함께 운영되어야 합니다.",
        "reply": "동의합니다. 지원 자격도 명확해야 합니다.",
        # A two-character change of the body, in the UI language.
        "old": "장기적인 교류를",
        "new": "지속적인 교류를",
        "removed": "장기",
        "added": "지속",
        "rationale": "장기보다 지속이 의도에 더 가깝습니다.",
        "decision": "취지에 맞는 수정입니다.",
    },
    "ja": {
        "email": "haruka@example.jp",
        "display_name": "佐藤はるか",
        "nationality": "JP",
        "affiliation": "京都大学",
        "comment": "若者基金は地方の大学と連携して運営すべきです。",
        "reply": "賛成です。応募資格も明確にすべきです。",
        "old": "長期的な関与を",
        "new": "持続的な関与を",
        "removed": "長期",
        "added": "持続",
        "rationale": "「長期」より「持続」の方が趣旨に合います。",
        "decision": "趣旨に沿った修正です。",
    },
}


def _url(page, path: str) -> str:
    return page.base_url + path


def _submit_auth_form(page) -> None:
    """allauth's forms (signup, login, confirm) render as ``main form.auth-form``."""
    page.locator("main form.auth-form button[type=submit]").click()


def _log_in(page, lang: str, email: str, *, next_path: str = "") -> None:
    query = f"?next={next_path}" if next_path else ""
    page.goto(_url(page, f"/{lang}/accounts/login/{query}"))
    page.locator("main form.auth-form input[name=login]").fill(email)
    page.locator("main form.auth-form input[name=password]").fill(PASSWORD)
    _submit_auth_form(page)
    expect(page.locator('.site-nav a[href$="/accounts/profile/"]')).to_be_visible()


def _log_out(page) -> None:
    page.locator(".site-nav form.inline-form button[type=submit]").click()
    expect(page.locator('.site-nav a[href*="/accounts/login/"]')).to_be_visible()


def _member(lang: str, email: str, **fields):
    """A verified participant who already joined the seeded programme (no UI for the set-up)."""
    from allauth.account.models import EmailAddress

    from accounts.models import Membership, Programme, User

    person = PEOPLE[lang]
    user = User.objects.create_user(
        email=email,
        password=PASSWORD,
        display_name=fields.pop("display_name", person["display_name"]),
        nationality=person["nationality"],
        preferred_language=lang,
        policy_version=settings.PRIVACY_POLICY_VERSION,
        **fields,
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    Membership.objects.create(user=user, programme=Programme.objects.get(slug=PROGRAMME))
    return user


def _moderator(lang: str):
    from django.contrib.auth.models import Group

    from accounts.permissions import MODERATOR_GROUP

    user = _member(lang, f"moderator-{lang}@example.org", display_name="Moderator", is_staff=True)
    # Transactional tests flush the database between tests, data migrations included.
    group, _ = Group.objects.get_or_create(name=MODERATOR_GROUP)
    user.groups.add(group)
    return user


def _ratings_form(page, criterion: str):
    return page.locator(f'#ratings form.rating-form:has(input[name="criterion"][value="{criterion}"])')


def _rate(page, criterion: str, score: int) -> None:
    form = _ratings_form(page, criterion)
    form.locator(f'input[name="score"][value="{score}"]').check()
    form.locator("button[type=submit]").click()
    # htmx swaps #ratings: the withdraw form appears and the chosen score stays checked.
    expect(
        page.locator(f'#ratings form.rating-withdraw:has(input[name="criterion"][value="{criterion}"])')
    ).to_be_visible()
    expect(_ratings_form(page, criterion).locator(f'input[name="score"][value="{score}"]')).to_be_checked()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_participant_signs_up_joins_rates_comments_and_replies(page, seeded, lang):
    person = PEOPLE[lang]

    # 1. Sign up in the flow's language.
    page.goto(_url(page, f"/{lang}/accounts/signup/"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    form = page.locator("main form.auth-form")
    form.locator("input[name=email]").fill(person["email"])
    form.locator("input[name=password1]").fill(PASSWORD)
    form.locator("input[name=password2]").fill(PASSWORD)
    form.locator("input[name=display_name]").fill(person["display_name"])
    form.locator("select[name=nationality]").select_option(person["nationality"])
    expect(form.locator("select[name=preferred_language]")).to_have_value(lang)
    form.locator("select[name=age_band]").select_option("18+")
    form.locator("input[name=affiliation]").fill(person["affiliation"])
    form.locator("select[name=age_band]").select_option("18+")
    form.locator("input[name=consent_participation]").check()
    form.locator("input[name=consent_cross_border]").check()
    page.shots("signup-form")
    _submit_auth_form(page)
    expect(page).to_have_url(re.compile(rf"/{lang}/accounts/confirm-email/$"))
    page.shots("verification-sent")

    # 2. The verification link from the email, in the participant's language.
    assert mail.outbox, "no verification email was sent"
    message = mail.outbox[-1]
    assert message.to == [person["email"]]
    confirm_url = re.search(r"https?://\S+/accounts/confirm-email/\S+", message.body).group(0)
    assert f"/{lang}/accounts/confirm-email/" in confirm_url
    page.goto(confirm_url)
    expect(page.locator("main form.auth-form")).to_have_attribute("method", "post")
    page.shots("confirm-email")
    _submit_auth_form(page)
    expect(page).not_to_have_url(re.compile(r"/confirm-email/"))

    # 3. Confirming in the browser that signed up logs in (no next here: the proposal list).
    expect(page).to_have_url(re.compile(rf"/{lang}/proposals/$"))
    expect(page.locator('.site-nav a[href$="/accounts/profile/"]')).to_be_visible()
    page.shots("logged-in")

    # 4. A link shared in Korean; the Japanese participant switches the UI with the switcher.
    page.goto(_url(page, "/ko/proposals/"))
    if lang == "ja":
        page.locator('.language-switcher button[value="ja"]').click()
        expect(page).to_have_url(re.compile(r"/ja/proposals/$"))
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        page.shots("switched-to-japanese")
    page.locator(f'.proposal-card a[href="/{lang}/proposals/{SLUG}/"]').first.click()
    expect(page).to_have_url(re.compile(rf"/{lang}/proposals/{SLUG}/$"))
    page.shots("proposal")

    # 5. Join the programme (htmx; the page refreshes so the participation forms appear).
    expect(_ratings_form(page, "importance")).to_have_count(0)
    page.locator(f"#join-{PROGRAMME} form.join-form button[type=submit]").click()
    expect(_ratings_form(page, "importance")).to_be_visible()
    expect(page.locator("#comment-form")).to_be_visible()
    page.shots("joined")

    # 6. Rate importance and feasibility.
    _rate(page, "importance", 4)
    _rate(page, "feasibility", 2)
    group = person["nationality"].lower()
    importance = page.locator(
        f"#ratings .rating-criterion:has(#rating-importance-heading) .rating-group-{group}"
    )
    feasibility = page.locator(
        f"#ratings .rating-criterion:has(#rating-feasibility-heading) .rating-group-{group}"
    )
    # The only rater of their group: its figures are withheld (small groups), the count has it.
    for criterion in (importance, feasibility):
        expect(criterion.locator(".rating-withheld")).to_be_visible()
        expect(criterion.locator(".rating-count")).to_contain_text("1")
    page.shots("rated")

    # 7. Comment (in the participant's language by default), then reply to it.
    comment_form = page.locator("#comment-form")
    expect(comment_form.locator("select[name=language]")).to_have_value(lang)
    comment_form.locator("textarea[name=body]").fill(person["comment"])
    comment_form.locator("button[type=submit]").click()
    comment = page.locator("#comments article.comment", has_text=person["comment"]).first
    expect(comment.locator(".comment-body")).to_have_text(person["comment"])
    expect(page.locator("#comment-form textarea[name=body]")).to_have_value("")
    comment_id = comment.get_attribute("id")
    assert comment_id and re.fullmatch(r"comment-\d+", comment_id)
    pk = comment_id.removeprefix("comment-")
    page.shots("commented")

    page.locator(f'#{comment_id} > .comment-actions a[href*="/comments/{pk}/reply/"]').click()
    reply_form = page.locator(f"#slot-{pk} #reply-form-{pk}")
    expect(reply_form).to_be_visible()
    reply_form.locator("textarea[name=body]").fill(person["reply"])
    page.shots("reply-form")
    reply_form.locator("button[type=submit]").click()
    expect(page.locator(f"#{comment_id} .replies .comment-body")).to_have_text(person["reply"])
    page.shots("replied")

    # 8. Everything is still there after a reload: ratings, the comment and its nested reply.
    page.reload()
    expect(page).to_have_url(re.compile(rf"/{lang}/proposals/{SLUG}/"))
    expect(_ratings_form(page, "importance").locator('input[name="score"][value="4"]')).to_be_checked()
    expect(_ratings_form(page, "feasibility").locator('input[name="score"][value="2"]')).to_be_checked()
    thread = page.locator(f"#{comment_id}")
    expect(thread.locator(":scope > .comment-body")).to_have_text(person["comment"])
    expect(thread.locator(".replies article.comment .comment-body")).to_have_text(person["reply"])
    expect(thread.locator(":scope > .comment-meta .comment-author")).to_have_text(person["display_name"])
    expect(thread.locator(f":scope > .comment-meta .nationality-{group}")).to_be_visible()
    expect(page.locator("#comments .comment")).to_have_count(2)
    # Participants are shown by name and badge, never by email address.
    assert person["email"] not in page.content()
    page.shots("after-reload")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_amendment_is_proposed_then_accepted_by_a_moderator(page, seeded, lang):
    from amendments.sections import stale_notices
    from proposals.models import Proposal

    person = PEOPLE[lang]
    _member(lang, person["email"])
    _moderator(lang)

    # 1. The participant opens the amendment editor from the proposal page.
    _log_in(page, lang, person["email"])
    page.goto(_url(page, f"/{lang}/proposals/{SLUG}/"))
    page.shots("proposal")
    page.locator('#amendments a.button[href*="/amendments/new/"]').click()
    expect(page).to_have_url(re.compile(rf"/{lang}/proposals/{SLUG}/amendments/new/$"))
    expect(page.locator("#target-field")).to_have_value("body")
    expect(page.locator("#target-language")).to_have_value(lang)
    page.shots("amendment-editor")

    # 2. Change a few characters of the body in the UI language.
    editor = page.locator("form.amendment-form")
    new_text = editor.locator("textarea[name=new_text]")
    body = new_text.input_value()
    assert body.count(person["old"]) == 1
    new_text.fill(body.replace(person["old"], person["new"]))
    editor.locator("textarea[name=rationale]").fill(person["rationale"])
    page.shots("amendment-filled")
    editor.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/{lang}/proposals/{SLUG}/amendments/\d+/$"))
    amendment_path = re.search(r"/[a-z]{2}/proposals/.+/amendments/\d+/$", page.url).group(0)

    # 3. The diff shows the few characters changed, not the whole text.
    diff = page.locator("article.amendment .diff")
    expect(diff).to_have_attribute("lang", lang)
    expect(diff.locator("del")).to_have_count(1)
    expect(diff.locator("ins")).to_have_count(1)
    expect(diff.locator("del")).to_have_text(person["removed"])
    expect(diff.locator("ins")).to_have_text(person["added"])
    expect(page.locator("#amendment-actions .amendment-state.state-open")).to_be_visible()
    expect(page.locator("#amendment-actions form.amendment-decide")).to_have_count(0)
    page.shots("amendment-diff")

    # 4. A moderator accepts it on the amendment page, with a reason.
    _log_out(page)
    _log_in(page, lang, f"moderator-{lang}@example.org", next_path=amendment_path)
    expect(page).to_have_url(re.compile(re.escape(amendment_path) + "$"))
    decide = page.locator("#amendment-actions form.amendment-decide")
    decide.locator("#decision-reason").fill(person["decision"])
    page.shots("moderator-decision")
    decide.locator('button[name="decision"][value="accept"]').click()
    actions = page.locator("#amendment-actions")
    expect(actions.locator(".amendment-state.state-accepted")).to_be_visible()
    expect(actions.locator(".decision-reason")).to_have_text(person["decision"])
    expect(actions.locator("form.amendment-decide")).to_have_count(0)
    versions_link = actions.locator(f'a[href="/{lang}/proposals/{SLUG}/versions/#version-2"]')
    expect(versions_link).to_be_visible()
    page.shots("accepted")

    # 5. The version history: version 2 is current, made from this amendment, with its diff.
    versions_link.click()
    expect(page).to_have_url(re.compile(rf"/{lang}/proposals/{SLUG}/versions/#version-2$"))
    latest = page.locator("#version-2")
    expect(latest.locator("h2 .badge")).to_be_visible()
    expect(latest.locator(f'a[href="{amendment_path}"]')).to_be_visible()
    expect(latest.locator(".change-note")).to_have_text(person["rationale"])
    expect(latest.locator(".diff del")).to_have_text(person["removed"])
    expect(latest.locator(".diff ins")).to_have_text(person["added"])
    expect(page.locator("#version-1")).to_be_visible()
    expect(page.locator("#version-1 h2 .badge")).to_have_count(0)
    page.shots("version-history")

    # 6. The proposal page shows version 2 with the new text, and says which translations of the
    #    body need updating (the two other languages), in the UI language.
    page.goto(_url(page, f"/{lang}/proposals/{SLUG}/"))
    expect(page.locator("article.proposal .body")).to_contain_text(person["new"])
    expect(page.locator("article.proposal .body")).not_to_contain_text(person["old"])
    proposal = Proposal.objects.select_related("current_version").get(slug=SLUG)
    assert proposal.current_version.number == 2
    with translation.override(lang):
        version_label = translation.gettext("Version %(number)s") % {"number": 2}
        notices = [str(notice.message) for notice in stale_notices(proposal)]
    expect(page.locator("article.proposal header .meta")).to_contain_text(version_label)
    assert len(notices) == 2
    expect(page.locator("#amendments .translation-notice")).to_have_count(2)
    for index, notice in enumerate(notices):
        expect(page.locator("#amendments .translation-notice").nth(index)).to_contain_text(notice)
    expect(page.locator("#amendments .decided-amendments .state-accepted")).to_have_count(1)
    page.shots("proposal-version-2")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_comment_posts_without_javascript(nojs_page, seeded, lang):
    page = nojs_page
    person = PEOPLE[lang]
    _member(lang, person["email"])

    _log_in(page, lang, person["email"])
    page.goto(_url(page, f"/{lang}/proposals/{SLUG}/"))
    page.shots("proposal")
    form = page.locator("#comment-form")
    form.locator("textarea[name=body]").fill(person["comment"])
    form.locator("button[type=submit]").click()
    # A plain post: redirected back to the proposal page at the new comment, with a message.
    expect(page).to_have_url(re.compile(rf"/{lang}/proposals/{SLUG}/\?sort=\w+#comment-\d+$"))
    expect(page.locator(".messages .message.success")).to_have_count(1)
    comment_id = page.url.rsplit("#", 1)[1]
    expect(page.locator(f"#{comment_id} .comment-body")).to_have_text(person["comment"])
    expect(page.locator("#comment-form textarea[name=body]")).to_have_value("")
    page.shots("commented")

    # The reply link is a real page without JavaScript.
    pk = comment_id.removeprefix("comment-")
    page.locator(f'#{comment_id} .comment-actions a[href*="/comments/{pk}/reply/"]').click()
    expect(page).to_have_url(re.compile(rf"/{lang}/proposals/{SLUG}/comments/{pk}/reply/"))
    reply_form = page.locator(f"#reply-form-{pk}")
    reply_form.locator("textarea[name=body]").fill(person["reply"])
    page.shots("reply-page")
    reply_form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/{lang}/proposals/{SLUG}/\?sort=\w+#comment-\d+$"))
    expect(page.locator(f"#{comment_id} .replies .comment-body")).to_have_text(person["reply"])
    page.shots("replied")
