"""Participants translate: the author's own translation with the comment ("also in 日本語"),
"Translate into …" under a comment, correcting a machine translation; the review queue in the
admin (moderators and the Translator group approve or reject, audited). Who may do what is checked
on the server.
"""

import uuid

import pytest
from django.contrib.auth.models import Group

from audit.models import AuditEntry
from comments import services as comment_services
from comments.models import Comment
from tests.factories import MembershipFactory, UserFactory
from translations.models import Origin, Status, Translation

pytestmark = pytest.mark.django_db

KO = "청년 교류 기금은 지역 대학과 함께 운영되어야 합니다."
JA = "青年交流基金は地域の大学と共に運営されるべきです。"


@pytest.fixture
def writer(programme):
    user = UserFactory(nationality="KR", preferred_language="ko", display_name="민지")
    MembershipFactory(user=user, programme=programme)
    return user


@pytest.fixture
def member(programme):
    user = UserFactory(nationality="JP", preferred_language="ja", display_name="ゆい")
    MembershipFactory(user=user, programme=programme)
    return user


@pytest.fixture
def comment(proposal, writer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return comment_services.comment_create(author=writer, proposal=proposal, body=KO, language="ko")


def translate_url(comment, language="ja", ui="ja"):
    return f"/{ui}/translate/comment.body/{comment.pk}/?language={language}"


def rows(comment, **filters):
    return Translation.objects.filter(source_kind="comment.body", source_id=comment.pk, **filters)


# --- "Also in 日本語" on the comment form ------------------------------------------------------------


def post_comment(client, proposal, **data):
    payload = {"body": KO, "language": "ko", "stance": "", "client_token": str(uuid.uuid4()), **data}
    return client.post(f"/ko/proposals/{proposal.slug}/comments/", payload)


def test_the_author_posts_with_their_own_translation_published_at_once(client, proposal, writer, member):
    client.force_login(writer)
    response = post_comment(client, proposal, also_ja=JA)
    assert response.status_code == 302
    comment = Comment.objects.get()
    row = rows(comment).get()
    assert (row.origin, row.status, row.translator, row.text) == (Origin.AUTHOR, Status.PUBLISHED, writer, JA)
    client.force_login(member)
    html = client.get(f"/ja/proposals/{proposal.slug}/").content.decode()
    assert f'lang="ja">{JA}' in html and "投稿者本人による翻訳" in html


def test_a_translation_in_the_comments_own_language_is_refused_and_nothing_posted(client, proposal, writer):
    client.force_login(writer)
    response = post_comment(client, proposal, also_ko="같은 언어")
    assert response.status_code == 400
    assert "댓글 자체가 이 언어로 쓰여 있습니다" in response.content.decode()
    assert not Comment.objects.exists()


def test_the_comment_form_offers_the_own_translation(client, proposal, writer):
    client.force_login(writer)
    html = client.get(f"/ja/proposals/{proposal.slug}/").content.decode()
    assert "自分の翻訳を添える（任意）" in html
    assert 'name="also_ja"' in html and 'lang="ja"' in html


# --- "Translate into …" --------------------------------------------------------------------------


def test_a_member_sees_translate_links_under_a_comment(client, proposal, comment, member):
    client.force_login(member)
    html = client.get(f"/ja/proposals/{proposal.slug}/").content.decode()
    assert f'href="/ja/translate/comment.body/{comment.pk}/?language=ja"' in html
    assert "翻訳する：" in html


def test_a_visitor_sees_no_translate_link(client, proposal, comment):
    assert "/translate/" not in client.get(f"/ja/proposals/{proposal.slug}/").content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 403), ("non_member", 403), ("suspended", 403), ("unverified", 403), ("member", 200)],
)
def test_who_may_open_the_translate_page(client, comment, make_actor, role, status):
    user = make_actor(role)
    if user is not None:
        client.force_login(user)
    response = client.get(translate_url(comment))
    assert response.status_code == status
    assert ('name="text"' in response.content.decode()) == (status == 200)


@pytest.mark.parametrize("role", ["anonymous", "non_member", "suspended"])
def test_refused_translators_write_nothing(client, comment, make_actor, role):
    user = make_actor(role)
    if user is not None:
        client.force_login(user)
    response = client.post(translate_url(comment), {"target_language": "ja", "text": JA})
    assert response.status_code == 403
    assert not rows(comment).exists()


def test_a_participants_translation_waits_for_review(client, proposal, comment, member):
    client.force_login(member)
    response = client.post(translate_url(comment), {"target_language": "ja", "text": JA})
    assert response.status_code == 302 and response["Location"] == f"/ja/c/{comment.pk}/"
    row = rows(comment).get()
    assert (row.origin, row.status, row.translator) == (Origin.COMMUNITY, Status.PENDING, member)
    assert AuditEntry.objects.filter(action="translation.proposed").exists()
    assert JA not in client.get(f"/ja/proposals/{proposal.slug}/").content.decode()


def test_hidden_text_cannot_be_translated(client, comment, member, make_actor):
    from moderation import services as moderation_services

    moderation_services.item_hide(
        moderator=make_actor("moderator"), comment=comment, category="other", note="Spam"
    )
    client.force_login(member)
    assert client.get(translate_url(comment)).status_code == 404
    assert client.post(translate_url(comment), {"target_language": "ja", "text": JA}).status_code == 404


def test_an_empty_translation_is_refused_with_a_message(client, comment, member):
    client.force_login(member)
    response = client.post(translate_url(comment), {"target_language": "ja", "text": "  "})
    assert response.status_code == 400
    assert not rows(comment).exists()


def test_an_unknown_kind_or_text_is_not_found(client, member):
    client.force_login(member)
    assert client.get("/ja/translate/nothing.here/1/").status_code == 404
    assert client.get("/ja/translate/comment.body/999999/").status_code == 404


def test_correcting_a_machine_translation_becomes_a_community_translation_pending_review(
    client, proposal, writer, member, deepl, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_services.comment_create(author=writer, proposal=proposal, body=KO, language="ko")
    client.force_login(member)
    html = client.get(f"/ja/proposals/{proposal.slug}/").content.decode()
    assert "この翻訳を改善する" in html
    page = client.get(translate_url(comment)).content.decode()
    assert "〔ja〕" in page  # the form starts from the machine's text
    client.post(translate_url(comment), {"target_language": "ja", "text": JA})
    assert rows(comment, origin=Origin.COMMUNITY, status=Status.PENDING).exists()
    # Until a reviewer approves it, the machine's is still shown.
    assert rows(comment, origin=Origin.MACHINE, status=Status.PUBLISHED).exists()


# --- The review queue -----------------------------------------------------------------------------


@pytest.fixture
def proposed(comment, member):
    from translations import services

    return services.translation_submit(
        user=member, kind="comment.body", obj=comment, target_language="ja", text=JA
    )


def translator_staff():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Translator"))
    return user


def change_url(row):
    return f"/en/admin/translations/translation/{row.pk}/change/"


def test_a_moderator_approves_with_an_edit_and_the_credit_shows(
    client, proposal, proposed, member, make_actor
):
    moderator = make_actor("moderator")
    client.force_login(moderator)
    assert "ゆい" in client.get("/en/admin/translations/translation/?status__exact=pending").content.decode()
    response = client.post(
        change_url(proposed), {"text": JA + "（修正）", "review_note": "ok", "decision": "approve"}
    )
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert (proposed.status, proposed.reviewed_by, proposed.text) == (
        Status.PUBLISHED,
        moderator,
        JA + "（修正）",
    )
    assert AuditEntry.objects.filter(action="translation.approved", actor=moderator).exists()
    client.force_login(member)
    html = client.get(f"/ja/proposals/{proposal.slug}/").content.decode()
    assert JA + "（修正）" in html and "ゆいさんが翻訳" in html


def test_translator_group_staff_review(client, proposed):
    client.force_login(translator_staff())
    assert client.get("/en/admin/translations/translation/").status_code == 200
    client.post(change_url(proposed), {"text": proposed.text, "review_note": "", "decision": "reject"})
    proposed.refresh_from_db()
    assert proposed.status == Status.REJECTED
    assert AuditEntry.objects.filter(action="translation.rejected").exists()


@pytest.mark.parametrize("who", ["plain_staff", "participant"])
def test_others_cannot_review(client, proposed, make_actor, who):
    user = UserFactory(is_staff=True) if who == "plain_staff" else make_actor("member")
    client.force_login(user)
    response = client.post(change_url(proposed), {"text": "x", "review_note": "", "decision": "approve"})
    assert response.status_code in (302, 403)
    proposed.refresh_from_db()
    assert proposed.status == Status.PENDING


def test_a_reviewer_cannot_approve_their_own_translation(client, comment, programme):
    from translations import services

    reviewer = translator_staff()
    MembershipFactory(user=reviewer, programme=programme)
    own = services.translation_submit(
        user=reviewer, kind="comment.body", obj=comment, target_language="ja", text=JA
    )
    client.force_login(reviewer)
    client.post(change_url(own), {"text": JA, "review_note": "", "decision": "approve"}, follow=True)
    own.refresh_from_db()
    assert own.status == Status.PENDING


def test_approve_action_in_the_list(client, proposed, make_actor):
    client.force_login(make_actor("moderator"))
    response = client.post(
        "/en/admin/translations/translation/",
        {"action": "approve_selected", "_selected_action": [proposed.pk]},
        follow=True,
    )
    assert response.status_code == 200
    proposed.refresh_from_db()
    assert proposed.status == Status.PUBLISHED


def test_the_admin_index_counts_translations_awaiting_review(client, proposed, make_actor):
    client.force_login(make_actor("moderator"))
    html = client.get("/en/admin/").content.decode()
    assert "Translations awaiting review" in html
    assert "/en/admin/translations/translation/?status__exact=pending" in html


def test_the_admin_shows_machine_usage_against_the_daily_budget(client, make_actor, settings):
    from translations import services

    settings.TRANSLATION_DAILY_CHARACTERS = {"deepl": 1000, "papago": 1000}
    assert services.usage_reserve(provider="deepl", characters=250)
    assert not services.usage_reserve(provider="deepl", characters=900)  # over the budget: refused
    client.force_login(make_actor("moderator"))
    html = client.get("/en/admin/translations/providerusage/").content.decode()
    assert "deepl" in html and "250" in html and "1000" in html and "25 %" in html
    # Read-only: nobody edits usage.
    assert client.get("/en/admin/translations/providerusage/add/").status_code == 403


def test_a_member_translates_an_amendment_rationale_from_its_page(client, proposal, writer, member):
    from tests.factories import AmendmentFactory

    amendment = AmendmentFactory(proposal=proposal, author=writer, rationale=KO)
    client.force_login(member)
    page = client.get(amendment.get_absolute_url().replace("/en/", "/ja/")).content.decode()
    link = f"/ja/translate/amendment.rationale/{amendment.pk}/?language=ja"
    assert f'href="{link}"' in page
    response = client.post(link, {"target_language": "ja", "text": JA})
    assert response.status_code == 302
    row = Translation.objects.get(source_kind="amendment.rationale", source_id=amendment.pk)
    assert (row.origin, row.status, row.translator) == (Origin.COMMUNITY, Status.PENDING, member)


def test_a_visitor_gets_no_rationale_translate_link(client, proposal, writer):
    from tests.factories import AmendmentFactory

    amendment = AmendmentFactory(proposal=proposal, author=writer, rationale=KO)
    assert "/translate/" not in client.get(amendment.get_absolute_url()).content.decode()
