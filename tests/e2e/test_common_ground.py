"""Common ground end to end, in Korean and in Japanese: two Korean and two Japanese participants
agree with a comment in the browser, and it moves from "needs votes" to "common ground"; the
progress dashboard shortlists a proposal rated 4 or 5 by at least ten participants on each side.

The label thresholds are lowered for this test (``settings.COMMON_GROUND``: two votes a side, a
margin of one), so that four participants are enough: with the published thresholds (five votes a
side, a margin of three) it would take ten. The rule is the same; only the numbers differ. The
accounts are made for the test, minutes old: the 24-hour hold on new accounts' reactions is turned
off here (``hold_hours``: 0; tests/test_common_ground_rules.py covers it). The live server runs in
this process, so the override reaches it.

Assertions use structure (ids, classes, hrefs) and what people typed; labels come from the
catalogue with ``translation.override``.
"""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from accounts.models import Nationality
from ratings import services as rating_services
from tests.e2e.axe import assert_accessible
from tests.factories import CommentFactory, MembershipFactory, ProposalFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory
COMMENTS = {
    "ko": "양국 대학이 공동 학위 과정을 늘려야 합니다.",
    "ja": "両国の大学は共同学位プログラムを増やすべきです。",
}


def _log_in(page, lang: str, email: str) -> None:
    page.goto(f"{page.base_url}/{lang}/accounts/login/")
    page.locator("main form.auth-form input[name=login]").fill(email)
    page.locator("main form.auth-form input[name=password]").fill(PASSWORD)
    page.locator("main form.auth-form button[type=submit]").click()
    expect(page.locator('.site-nav a[href$="/accounts/profile/"]')).to_be_visible()


def _log_out(page) -> None:
    page.locator(".site-nav form.inline-form button[type=submit]").click()
    expect(page.locator('.site-nav a[href*="/accounts/login/"]')).to_be_visible()


def _member(proposal, nationality: str, lang: str):
    user = UserFactory(nationality=nationality, preferred_language=lang)
    MembershipFactory(user=user, programme=proposal.programme)
    return user


@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_four_participants_put_a_comment_on_common_ground(page, settings, lang):
    settings.COMMON_GROUND = {**settings.COMMON_GROUND, "min_votes": 2, "margin": 1, "hold_hours": 0}
    proposal = ProposalFactory()
    author = _member(proposal, Nationality.KOREA if lang == "ko" else Nationality.JAPAN, lang)
    comment = CommentFactory(proposal=proposal, author=author, body=COMMENTS[lang], language=lang)
    voters = [_member(proposal, nationality, lang) for nationality in ("KR", "KR", "JP", "JP")]
    detail = f"{page.base_url}/{lang}/proposals/{proposal.slug}/"
    with translation.override(lang):
        needs_votes = translation.pgettext("common ground tab", "Needs votes")
        common = translation.pgettext("common ground tab", "Common ground")
    panel = page.locator("#common-ground-panel")
    item = panel.locator(f"#ground-{comment.pk}")

    for number, voter in enumerate(voters, start=1):
        _log_in(page, lang, voter.email)
        page.goto(f"{detail}#comment-{comment.pk}")
        page.locator(f"#reactions-{comment.pk} button[value=agree]").click()
        expect(page.locator(f"#reactions-{comment.pk} button[aria-pressed=true]")).to_have_count(1)
        if number == 3:
            # Two Korean votes and one Japanese: not yet judged, so under "needs votes" (htmx tab).
            page.goto(detail)
            expect(item).to_have_count(0)
            page.locator("#common-ground .ground-tabs a", has_text=needs_votes).click()
            expect(item).to_be_visible()
            assert page.url.endswith("?ground=needs_votes")
            page.shots("3-needs-votes")
        _log_out(page)

    page.goto(detail)
    current = page.locator('#common-ground .ground-tabs a[aria-current="page"]')
    expect(current).to_contain_text(common)
    expect(item).to_be_visible()
    expect(item.locator(".ground-body")).to_have_text(COMMENTS[lang])
    expect(item.locator("circle.ground-kr")).to_have_count(1)
    expect(item.locator("polygon.ground-jp")).to_have_count(1)
    # Two of two on each side: (2 + 1)/(2 + 2) = 75 %, read out in the text for screen readers.
    expect(item.locator("figcaption .visually-hidden")).to_contain_text("75%")
    page.shots("4-common-ground")
    assert_accessible(page, include="#common-ground", label=f"common ground ({lang})")

    # Without JavaScript's help the tab is a plain link to the same view.
    page.goto(f"{detail}?ground=needs_votes#common-ground")
    expect(item).to_have_count(0)


@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_dashboard_shortlists_what_both_sides_rate_highly(page, lang):
    shortlisted, other = ProposalFactory(), ProposalFactory()
    for proposal, japanese_score in ((shortlisted, 5), (other, 2)):
        for nationality, score in (("KR", 4), ("JP", japanese_score)):
            for _ in range(10):
                rater = _member(proposal, nationality, lang)
                for criterion in ("importance", "feasibility"):
                    rating_services.rating_set(
                        user=rater, proposal=proposal, criterion=criterion, score=score
                    )

    page.goto(f"{page.base_url}/{lang}/progress/")

    shortlist = page.locator(".both-sides .shortlist")
    expect(shortlist.locator("a")).to_have_count(1)
    expect(shortlist.locator("a")).to_have_attribute("href", f"/{lang}/proposals/{shortlisted.slug}/")
    page.shots("dashboard")
    assert_accessible(page, label=f"progress dashboard ({lang})")

    page.goto(f"{page.base_url}/{lang}/proposals/{shortlisted.slug}/")
    expect(page.locator(".rating-supported")).to_have_count(2)  # importance and feasibility
    assert_accessible(page, include="#ratings", label=f"ratings ({lang})")

    page.goto(f"{page.base_url}/{lang}/common-ground/")
    assert_accessible(page, label=f"method page ({lang})")


@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_the_queue_brings_the_least_voted_comment_first(page, lang):
    from comments.models import Comment, CommentReaction

    proposal = ProposalFactory()
    author = _member(proposal, Nationality.KOREA, lang)
    voted, unseen = (CommentFactory(proposal=proposal, author=author, language=lang) for _ in range(2))
    Comment.objects.filter(pk=voted.pk).update(agree_jp=4, agree_count=4)
    voter = _member(proposal, Nationality.JAPAN, lang)
    _log_in(page, lang, voter.email)

    page.goto(f"{page.base_url}/{lang}/proposals/{proposal.slug}/")
    page.locator(".ground-queue-link a").click()
    items = page.locator(".vote-queue .ground-item")
    expect(items.first).to_have_attribute("id", f"queue-{unseen.pk}")
    assert_accessible(page, label=f"vote queue ({lang})")
    page.shots("queue")

    items.first.locator("button[value=agree]").click()

    expect(page.locator(f"#queue-{unseen.pk}")).to_have_count(0)
    expect(items.first).to_have_attribute("id", f"queue-{voted.pk}")
    reaction = CommentReaction.objects.get(user=voter)
    assert (reaction.comment_id, reaction.kind, reaction.via) == (unseen.pk, "agree", "queue")
