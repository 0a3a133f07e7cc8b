import re
import threading
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils.html import escape

from accounts.models import Nationality
from amendments import services
from amendments.models import Amendment, AmendmentState, AmendmentVote
from audit.models import AuditEntry
from core.errors import DeliberationError
from notifications.models import Kind, Notification
from proposals.models import ProposalVersion
from tests.conftest import ROLES
from tests.factories import (
    AmendmentFactory,
    AmendmentVoteFactory,
    CommentFactory,
    ProposalFactory,
    ProposalVersionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

JA_BODY = "日本と韓国は若者の交流を強化すべきである。\n両国の大学は共同の授業を開くべきである。"
KO_BODY = "한국과 일본은 청년 교류를 강화해야 한다.\n두 나라의 대학은 공동 수업을 열어야 한다."


def page(proposal, suffix="", lang="en"):
    return f"/{lang}/proposals/{proposal.slug}/{suffix}"


def amendment_url(amendment, action="", lang="en"):
    suffix = f"amendments/{amendment.pk}/{action + '/' if action else ''}"
    return page(amendment.proposal, suffix, lang)


def proposal_data(proposal, **overrides):
    data = {
        "field": "body",
        "language": "ja",
        "base_version": proposal.current_version_id,
        "client_token": str(uuid.uuid4()),
        "new_text": proposal.current_version.body_ja + "追加の一文。",
        "rationale": "具体的にするため。",
    }
    data.update(overrides)
    return data


@pytest.fixture
def member(make_actor):
    return make_actor("member", nationality=Nationality.JAPAN)


@pytest.fixture
def moderator(make_actor):
    return make_actor("moderator")


@pytest.fixture
def ja_proposal(programme):
    return ProposalFactory(programme=programme, version__body_ja=JA_BODY, version__body_ko=KO_BODY)


def login(client, user):
    if user is not None:
        client.force_login(user)


def allowed(role, window):
    return role in ("member", "moderator") and window == "open"


# --- Proposing ---------------------------------------------------------------------------------------


def test_form_is_prefilled_with_the_current_text_of_the_chosen_field_and_language(client, member, proposal):
    client.force_login(member)

    response = client.get(page(proposal, "amendments/new/?field=summary&language=ko"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="new_text"' in html
    assert re.search(r'<textarea name="new_text"[^>]*>\s*요약\.</textarea>', html)
    assert f'name="base_version" value="{proposal.current_version_id}"' in html
    assert 'name="client_token"' in html


def test_htmx_target_change_returns_only_the_editor(client, member, proposal):
    client.force_login(member)

    response = client.get(
        page(proposal, "amendments/new/?field=title&language=ja"), headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="amendment-editor"')
    assert escape(proposal.current_version.title_ja) in html
    assert "<html" not in html


@pytest.mark.parametrize("window", ["open", "closed"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_propose_an_amendment(client, make_actor, close_window, proposal, role, window):
    actor = make_actor(role)
    if window == "closed":
        close_window()
    login(client, actor)

    response = client.post(page(proposal, "amendments/new/"), proposal_data(proposal))

    if allowed(role, window):
        amendment = Amendment.objects.get()
        assert response.status_code == 302
        assert response["Location"] == amendment.get_absolute_url()
        assert amendment.author == actor
        assert amendment.base_version == proposal.current_version
        assert amendment.original_text == proposal.current_version.body_ja
        assert AuditEntry.objects.filter(action="amendment.created").count() == 1
    else:
        assert response.status_code == 403
        assert not Amendment.objects.exists()
        assert 'class="read-only-notice"' in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"new_text": ""}, "The new text cannot be empty."),
        ({"new_text": " \r\n "}, "The new text cannot be empty."),
        ({"new_text": "本文。"}, "The new text is the same as the current text"),
        ({"new_text": "\r\n本文。 \r\n"}, "The new text is the same as the current text"),
        ({"new_text": "字" * 20001}, "at most 20000 characters"),
        ({"field": "title", "language": "en", "new_text": "T" * 201}, "at most 200 characters"),
        ({"field": "title", "language": "en", "new_text": "Two\nlines"}, "A title is a single line."),
        ({"rationale": ""}, "Explain why the text should change."),
        ({"rationale": "理" * 4001}, "at most 4000 characters"),
        ({"field": "preamble"}, "The form was incomplete"),
        ({"language": "fr"}, "The form was incomplete"),
        ({"base_version": "x"}, "The form was incomplete"),
    ],
)
def test_bad_proposals_are_refused_with_a_message_and_nothing_saved(
    client, member, proposal, overrides, message
):
    client.force_login(member)

    response = client.post(page(proposal, "amendments/new/"), proposal_data(proposal, **overrides))

    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert not Amendment.objects.exists()


def test_errors_come_in_the_page_language(client, member, proposal):
    client.force_login(member)

    response = client.post(
        page(proposal, "amendments/new/", lang="ja"), proposal_data(proposal, rationale="")
    )

    assert response.status_code == 400
    assert '<html lang="ja">' in response.content.decode()


def test_a_form_from_an_older_version_is_refused_but_keeps_the_text(client, member, moderator, proposal):
    client.force_login(member)
    stale = proposal_data(proposal, new_text="私の新しい本文。")
    other = AmendmentFactory(proposal=proposal, field="summary", language="en", new_text="Changed.")
    services.amendment_accept(moderator=moderator, amendment=other)
    proposal.refresh_from_db()

    response = client.post(page(proposal, "amendments/new/"), stale)

    assert response.status_code == 400
    html = response.content.decode()
    assert "The proposal has changed since you opened this form." in html
    assert "私の新しい本文。" in html
    assert f'name="base_version" value="{proposal.current_version_id}"' in html
    assert Amendment.objects.count() == 1
    # Submitting the refreshed form again works.
    again = client.post(
        page(proposal, "amendments/new/"), {**stale, "base_version": proposal.current_version_id}
    )
    assert again.status_code == 302
    assert Amendment.objects.count() == 2


def test_double_submit_creates_one_amendment(client, member, proposal):
    client.force_login(member)
    data = proposal_data(proposal)

    first = client.post(page(proposal, "amendments/new/"), data)
    second = client.post(page(proposal, "amendments/new/"), data)

    assert Amendment.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_service_returns_the_existing_amendment_for_a_repeated_token(member, proposal):
    token = uuid.uuid4()
    kwargs = {
        "author": member,
        "proposal": proposal,
        "field": "summary",
        "language": "en",
        "new_text": "A better summary.",
        "rationale": "Shorter.",
        "base_version_id": proposal.current_version_id,
        "client_token": token,
    }

    assert services.amendment_create(**kwargs) == services.amendment_create(**kwargs)
    assert Amendment.objects.count() == 1


# --- The amendment page -------------------------------------------------------------------------------


def test_japanese_diff_marks_only_the_changed_kanji(client, ja_proposal):
    amendment = AmendmentFactory(
        proposal=ja_proposal, language="ja", new_text=JA_BODY.replace("強化", "深化")
    )

    html = client.get(amendment_url(amendment)).content.decode()

    assert "<del>強</del><ins>深</ins>" in html
    assert "<span>日本と韓国は若者の交流を</span>" in html
    # The rest of the text, line break included, is kept as it was.
    assert "<span>化すべきである。<br>両国の大学は共同の授業を開くべきである。</span>" in html


def test_korean_diff_is_character_level_too(client, ja_proposal):
    amendment = AmendmentFactory(
        proposal=ja_proposal, language="ko", new_text=KO_BODY.replace("청년 교류", "청소년 교류")
    )

    html = client.get(amendment_url(amendment)).content.decode()

    assert "<span>한국과 일본은 청</span><ins>소</ins><span>년 교류를 강화해야 한다.<br>" in html


def test_diff_escapes_every_segment(client, proposal):
    amendment = AmendmentFactory(
        proposal=proposal, language="en", new_text="The <script>alert(1)</script> body."
    )

    html = client.get(amendment_url(amendment)).content.decode()

    assert "<script>alert(1)" not in html
    assert "<ins> &lt;script&gt;alert(1)&lt;/script&gt;</ins>" in html


def test_amendment_page_shows_rationale_author_and_support_by_nationality(client, programme, proposal):
    amendment = AmendmentFactory(proposal=proposal, rationale="See https://example.org/ for why.")
    for nationality, value in [("KR", "support"), ("KR", "support"), ("JP", "support"), ("JP", "oppose")]:
        AmendmentVoteFactory(amendment=amendment, value=value, user=UserFactory(nationality=nationality))

    html = client.get(amendment_url(amendment)).content.decode()

    assert escape(amendment.author.public_name) in html
    assert amendment.author.email not in html
    assert 'href="https://example.org/" rel="nofollow"' in html
    tally = re.sub(r"\s+", " ", html[html.index('class="amendment-tally"') :])
    assert '<th scope="row">All participants</th><td>3</td><td>1</td>' in tally
    assert '<th scope="row">Korea</th><td>2</td><td>0</td>' in tally
    assert '<th scope="row">Japan</th><td>1</td><td>1</td>' in tally


def test_amendment_of_another_proposal_is_404(client, member, moderator, proposal):
    amendment = AmendmentFactory(proposal=proposal)
    other = ProposalFactory(programme=proposal.programme)
    client.force_login(moderator)

    base = f"/en/proposals/{other.slug}/amendments/{amendment.pk}/"
    assert client.get(base).status_code == 404
    for action in ("vote", "withdraw", "decide"):
        assert client.post(f"{base}{action}/", {"value": "support", "decision": "accept"}).status_code == 404
    amendment.refresh_from_db()
    assert amendment.state == AmendmentState.OPEN


def test_hidden_amendment_shows_a_placeholder_except_to_moderators(client, member, moderator, proposal):
    from django.utils import timezone

    amendment = AmendmentFactory(proposal=proposal, new_text="秘密の本文。", hidden_at=timezone.now())

    for viewer in (None, member):
        client.logout()
        login(client, viewer)
        html = client.get(amendment_url(amendment)).content.decode()
        assert "This amendment is hidden by the moderators." in html
        assert "秘密の本文。" not in html
        assert amendment.rationale not in html
        listing = client.get(page(proposal)).content.decode()
        assert "This amendment is hidden by the moderators." in listing
    client.force_login(moderator)
    assert "秘密の本文。" in client.get(amendment_url(amendment)).content.decode()


def test_page_includes_the_amendment_discussion(client, proposal):
    amendment = AmendmentFactory(proposal=proposal)
    CommentFactory(proposal=proposal, amendment=amendment, body="Discussing this change.")
    CommentFactory(proposal=proposal, body="About the proposal itself.")

    html = client.get(amendment_url(amendment)).content.decode()

    assert "Discussing this change." in html
    assert "About the proposal itself." not in html


def test_amendment_page_sends_no_inline_script_or_style(client, proposal):
    amendment = AmendmentFactory(proposal=proposal)
    html = client.get(amendment_url(amendment)).content.decode()
    assert " style=" not in html and "<script>" not in html and "onclick" not in html


@pytest.mark.parametrize("size", [3, 30])
def test_amendment_page_query_budget_does_not_grow(
    client, django_assert_num_queries, member, proposal, size, settings
):
    settings.PROPOSAL_PAGE_CACHE = False  # the drawing is measured (threads from the cache: test_page_cache)
    amendment = AmendmentFactory(proposal=proposal)
    for index in range(size):
        voter = UserFactory(nationality=Nationality.JAPAN if index % 2 else Nationality.KOREA)
        AmendmentVoteFactory(amendment=amendment, user=voter, value="support" if index % 3 else "oppose")
        root = CommentFactory(proposal=proposal, amendment=amendment, author=voter)
        CommentFactory(parent=root, author=member)
    AmendmentVoteFactory(amendment=amendment, user=member)
    client.force_login(member)

    with django_assert_num_queries(AMENDMENT_PAGE_QUERIES):
        response = client.get(amendment_url(amendment))

    assert response.status_code == 200


# proposal, amendment, session, user, participation (verified email + membership), own vote, then
# the comments section: thread count, root comments, their replies, own reactions; the translations
# of the rationale and the comments into the reader's language (one query: translations.reading).
AMENDMENT_PAGE_QUERIES = 11


# --- Support and opposition ---------------------------------------------------------------------------


@pytest.mark.parametrize("window", ["open", "closed"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_support_an_amendment(client, make_actor, close_window, proposal, role, window):
    amendment = AmendmentFactory(proposal=proposal)
    actor = make_actor(role)
    if window == "closed":
        close_window()
    login(client, actor)

    response = client.post(amendment_url(amendment, "vote"), {"value": "support"})

    amendment.refresh_from_db()
    if allowed(role, window):
        assert response.status_code == 302
        assert amendment.support_count == 1
        assert AmendmentVote.objects.filter(user=actor).exists()
    else:
        assert response.status_code == 403
        assert amendment.support_count == 0
        assert not AmendmentVote.objects.exists()


def test_vote_can_change_and_be_withdrawn_and_counters_follow_nationality(client, make_actor, proposal):
    amendment = AmendmentFactory(proposal=proposal)
    korean = make_actor("member", nationality=Nationality.KOREA)
    japanese = make_actor("member", nationality=Nationality.JAPAN)
    other = make_actor("member", nationality=Nationality.OTHER)
    url = amendment_url(amendment, "vote")

    def counts():
        amendment.refresh_from_db()
        return (
            amendment.support_count,
            amendment.oppose_count,
            amendment.support_kr,
            amendment.oppose_kr,
            amendment.support_jp,
            amendment.oppose_jp,
        )

    for user, value in [(korean, "support"), (japanese, "support"), (other, "oppose")]:
        client.force_login(user)
        client.post(url, {"value": value})
    assert counts() == (2, 1, 1, 0, 1, 0)

    client.force_login(japanese)
    client.post(url, {"value": "oppose"})
    assert counts() == (1, 2, 1, 0, 0, 1)

    client.post(url, {"value": "withdraw"})
    assert counts() == (1, 1, 1, 0, 0, 0)
    assert not AmendmentVote.objects.filter(user=japanese).exists()


def test_double_clicking_support_does_not_undo_it(client, member, proposal):
    amendment = AmendmentFactory(proposal=proposal)
    client.force_login(member)

    client.post(amendment_url(amendment, "vote"), {"value": "support"})
    client.post(amendment_url(amendment, "vote"), {"value": "support"})

    amendment.refresh_from_db()
    assert amendment.support_count == 1
    assert AmendmentVote.objects.count() == 1


def test_page_shows_my_vote_as_pressed_and_clicking_again_withdraws(client, member, proposal):
    amendment = AmendmentFactory(proposal=proposal)
    AmendmentVoteFactory(amendment=amendment, user=member, value="support")
    client.force_login(member)

    html = client.get(amendment_url(amendment)).content.decode()

    assert (
        '<button type="submit" class="button" id="vote-support" name="value" value="withdraw" aria-pressed="true">Support</button>'
        in html
    )
    assert (
        '<button type="submit" class="button" id="vote-oppose" name="value" value="oppose" aria-pressed="false">Oppose</button>'
        in html
    )


def test_htmx_vote_returns_the_actions_panel(client, member, proposal):
    amendment = AmendmentFactory(proposal=proposal)
    client.force_login(member)

    response = client.post(
        amendment_url(amendment, "vote"), {"value": "support"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="amendment-actions"')
    assert "Your vote is saved." in html
    assert 'aria-pressed="true"' in html


def test_htmx_refusal_is_shown_in_the_panel_with_its_status(client, member, proposal, close_window):
    amendment = AmendmentFactory(proposal=proposal)
    close_window()
    client.force_login(member)

    response = client.post(
        amendment_url(amendment, "vote"), {"value": "support"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 403
    assert "The deliberation window for this programme is closed." in response.content.decode()


@pytest.mark.parametrize("value", ["", "maybe"])
def test_invalid_vote_is_refused(client, member, proposal, value):
    amendment = AmendmentFactory(proposal=proposal)
    client.force_login(member)

    response = client.post(amendment_url(amendment, "vote"), {"value": value})

    assert response.status_code == 400
    assert "Choose support or oppose." in response.content.decode()
    assert not AmendmentVote.objects.exists()


@pytest.mark.parametrize(
    "state", [AmendmentState.ACCEPTED, AmendmentState.WITHDRAWN, AmendmentState.OUTDATED]
)
def test_voting_on_a_closed_amendment_is_refused(client, member, proposal, state):
    amendment = AmendmentFactory(proposal=proposal, state=state)
    client.force_login(member)

    response = client.post(amendment_url(amendment, "vote"), {"value": "support"})

    assert response.status_code == 400
    assert "This amendment is no longer open." in response.content.decode()
    assert not AmendmentVote.objects.exists()


def test_writes_need_post(client, member, proposal):
    amendment = AmendmentFactory(proposal=proposal)
    client.force_login(member)
    for action in ("vote", "withdraw", "decide"):
        assert client.get(amendment_url(amendment, action)).status_code == 405


# --- Withdrawing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("window", ["open", "closed"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_withdraw_their_amendment(client, make_actor, close_window, proposal, role, window):
    actor = make_actor(role)
    amendment = AmendmentFactory(proposal=proposal, author=actor or UserFactory())
    if window == "closed":
        close_window()
    login(client, actor)

    response = client.post(amendment_url(amendment, "withdraw"))

    amendment.refresh_from_db()
    if allowed(role, window):
        assert response.status_code == 302
        assert amendment.state == AmendmentState.WITHDRAWN
        assert AuditEntry.objects.filter(action="amendment.withdrawn", actor=actor).exists()
    else:
        assert response.status_code == 403
        assert amendment.state == AmendmentState.OPEN


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_only_the_author_may_withdraw(client, make_actor, proposal, role):
    amendment = AmendmentFactory(proposal=proposal)
    client.force_login(make_actor(role))

    response = client.post(amendment_url(amendment, "withdraw"))

    assert response.status_code == 403
    assert "Only the author can withdraw an amendment." in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.state == AmendmentState.OPEN


def test_a_decided_amendment_cannot_be_withdrawn(client, member, proposal):
    amendment = AmendmentFactory(proposal=proposal, author=member, state=AmendmentState.REJECTED)
    client.force_login(member)

    response = client.post(amendment_url(amendment, "withdraw"))

    assert response.status_code == 400
    amendment.refresh_from_db()
    assert amendment.state == AmendmentState.REJECTED


# --- Deciding -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("window", ["open", "closed"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("decision", ["accept", "reject"])
def test_only_moderators_decide_even_when_the_window_is_closed(
    client, make_actor, close_window, proposal, role, window, decision
):
    amendment = AmendmentFactory(proposal=proposal, language="en", new_text="A better body.")
    actor = make_actor(role)
    if window == "closed":
        close_window()
    login(client, actor)
    audit_before = AuditEntry.objects.count()

    response = client.post(amendment_url(amendment, "decide"), {"decision": decision, "reason": "Fine."})

    amendment.refresh_from_db()
    proposal.refresh_from_db()
    if role == "moderator":
        assert response.status_code == 302
        assert amendment.state == (
            AmendmentState.ACCEPTED if decision == "accept" else AmendmentState.REJECTED
        )
        assert amendment.decided_by == actor
        assert amendment.decision_reason == "Fine."
        assert AuditEntry.objects.filter(action=f"amendment.{decision}ed", actor=actor).exists()
        assert Notification.objects.filter(recipient=amendment.author, kind=Kind.AMENDMENT_DECIDED).exists()
    else:
        assert response.status_code == 403
        assert "Only moderators can do this." in response.content.decode()
        assert amendment.state == AmendmentState.OPEN
        assert amendment.decided_by is None
        assert proposal.current_version.number == 1
        assert ProposalVersion.objects.filter(proposal=proposal).count() == 1
        assert AuditEntry.objects.count() == audit_before
        assert not Notification.objects.exists()


def test_decision_form_is_shown_to_moderators_only(client, member, moderator, proposal):
    amendment = AmendmentFactory(proposal=proposal)
    client.force_login(member)
    assert 'name="decision"' not in client.get(amendment_url(amendment)).content.decode()
    client.force_login(moderator)
    assert 'name="decision" value="accept"' in client.get(amendment_url(amendment)).content.decode()


def test_rejecting_needs_a_reason(client, moderator, proposal):
    amendment = AmendmentFactory(proposal=proposal)
    client.force_login(moderator)

    response = client.post(amendment_url(amendment, "decide"), {"decision": "reject", "reason": "  "})

    assert response.status_code == 400
    assert "Give a reason for the decision" in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.state == AmendmentState.OPEN


def test_unknown_decision_is_refused(client, moderator, proposal):
    amendment = AmendmentFactory(proposal=proposal)
    client.force_login(moderator)

    response = client.post(amendment_url(amendment, "decide"), {"decision": "maybe"})

    assert response.status_code == 400
    amendment.refresh_from_db()
    assert amendment.state == AmendmentState.OPEN


def test_deciding_twice_is_refused(client, moderator, proposal):
    amendment = AmendmentFactory(proposal=proposal)
    client.force_login(moderator)
    client.post(amendment_url(amendment, "decide"), {"decision": "accept"})

    response = client.post(amendment_url(amendment, "decide"), {"decision": "reject", "reason": "No."})

    assert response.status_code == 400
    assert "This amendment has already been decided." in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.state == AmendmentState.ACCEPTED
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 2


def test_rejection_notifies_the_author_with_the_reason(moderator, proposal):
    amendment = AmendmentFactory(proposal=proposal)

    services.amendment_reject(moderator=moderator, amendment=amendment, reason="Out of scope.")

    notification = Notification.objects.get()
    assert notification.recipient == amendment.author
    assert notification.data["state"] == "rejected"
    assert notification.data["reason"] == "Out of scope."
    assert notification.data["amendment"] == amendment.pk
    assert notification.data["proposal"] == proposal.slug
    assert notification.data["proposal_title"]["ja"] == proposal.current_version.title_ja
    assert notification.url == f"/ko/proposals/{proposal.slug}/amendments/{amendment.pk}/"
    entry = AuditEntry.objects.get(action="amendment.rejected")
    assert entry.reason == "Out of scope."


def test_accepting_changes_only_that_language_and_flags_the_others_of_the_same_field(moderator, programme):
    proposal = ProposalFactory(
        programme=programme,
        version__title_en="Title",
        version__title_ko="제목",
        version__title_ja="タイトル",
        version__body_en="English body.",
        version__body_ja="日本語の本文。",
        version__body_ko="한국어 본문.",
    )
    old = proposal.current_version
    amendment = AmendmentFactory(
        proposal=proposal, field="body", language="ko", new_text="새로운 한국어 본문."
    )

    version = services.amendment_accept(moderator=moderator, amendment=amendment, reason="Agreed.")

    proposal.refresh_from_db()
    amendment.refresh_from_db()
    assert proposal.current_version == version
    assert version.number == 2
    assert version.body_ko == "새로운 한국어 본문."
    for name in services.translated_field_names():
        if name != "body_ko":
            assert getattr(version, name) == getattr(old, name), name
    assert version.stale_translations == ["body_en", "body_ja"]
    assert version.created_by == moderator
    assert amendment.state == AmendmentState.ACCEPTED
    assert amendment.result_version == version
    assert amendment.decided_at is not None
    assert AuditEntry.objects.filter(action="amendment.accepted", actor=moderator, reason="Agreed.").exists()
    assert Notification.objects.get().data["state"] == "accepted"
    # The old version is untouched.
    old.refresh_from_db()
    assert old.body_ko == "한국어 본문."
    assert old.stale_translations == []


def test_an_accepted_translation_update_clears_its_flag_and_keeps_the_others(moderator, proposal):
    change = AmendmentFactory(proposal=proposal, field="body", language="ko", new_text="새 본문.")
    services.amendment_accept(moderator=moderator, amendment=change)
    title = AmendmentFactory(
        proposal=proposal,
        base_version=ProposalVersion.objects.get(number=2),
        field="title",
        language="en",
        original_text=proposal.current_version.title_en,
        new_text="New title",
    )
    services.amendment_accept(moderator=moderator, amendment=title)
    proposal.refresh_from_db()
    assert proposal.current_version.stale_translations == ["body_en", "body_ja", "title_ja", "title_ko"]

    update = AmendmentFactory(proposal=proposal, field="body", language="ja", new_text="新しい本文。")
    update.base_version = proposal.current_version
    update.original_text = proposal.current_version.body_ja
    update.save()
    version = services.amendment_accept(moderator=moderator, amendment=update)

    assert version.stale_translations == ["body_en", "title_ja", "title_ko"]
    assert version.body_ko == "새 본문."


def test_proposal_page_says_which_translation_needs_updating(client, member, moderator, proposal):
    amendment = AmendmentFactory(proposal=proposal, field="body", language="ko", new_text="새 본문.")
    services.amendment_accept(moderator=moderator, amendment=amendment)
    client.force_login(member)

    html = client.get(page(proposal)).content.decode()

    assert "The Japanese translation of the body needs updating after a change in Korean." in html
    assert "The English translation of the body needs updating after a change in Korean." in html
    assert f'href="/en/proposals/{proposal.slug}/amendments/new/?field=body&amp;language=ja"' in html

    korean = client.get(page(proposal, lang="ko")).content.decode()
    assert korean.count('class="translation-notice"') == 2


def test_accepting_a_hidden_amendment_is_refused(moderator, proposal):
    from django.utils import timezone

    amendment = AmendmentFactory(proposal=proposal, hidden_at=timezone.now())

    with pytest.raises(DeliberationError) as refused:
        services.amendment_accept(moderator=moderator, amendment=amendment)

    assert refused.value.code == "hidden"
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 1


# --- Rebasing ---------------------------------------------------------------------------------------------


def test_other_open_amendments_are_rebased_onto_the_new_version(moderator, ja_proposal):
    first = AmendmentFactory(
        proposal=ja_proposal, language="ja", new_text=JA_BODY.replace("若者の", "青年の")
    )
    second = AmendmentFactory(
        proposal=ja_proposal, language="ja", new_text=JA_BODY.replace("共同の授業", "共同講座")
    )
    elsewhere = AmendmentFactory(proposal=ja_proposal, field="title", language="ko", new_text="새 제목")
    elsewhere_original = elsewhere.original_text

    version = services.amendment_accept(moderator=moderator, amendment=first)

    second.refresh_from_db()
    elsewhere.refresh_from_db()
    assert second.state == AmendmentState.OPEN
    assert second.base_version == version
    assert second.original_text == version.body_ja
    assert (
        second.new_text
        == "日本と韓国は青年の交流を強化すべきである。\n両国の大学は共同講座を開くべきである。"
    )
    assert elsewhere.state == AmendmentState.OPEN
    assert elsewhere.base_version == version
    assert elsewhere.original_text == elsewhere_original
    assert elsewhere.new_text == "새 제목"
    # Accepting the rebased one keeps both changes.
    final = services.amendment_accept(moderator=moderator, amendment=second)
    assert final.body_ja == second.new_text


def test_an_amendment_to_the_same_passage_becomes_outdated(client, moderator, ja_proposal):
    first = AmendmentFactory(proposal=ja_proposal, language="ja", new_text=JA_BODY.replace("強化", "深化"))
    clash = AmendmentFactory(proposal=ja_proposal, language="ja", new_text=JA_BODY.replace("強化", "拡大"))
    Notification.objects.all().delete()

    services.amendment_accept(moderator=moderator, amendment=first)

    clash.refresh_from_db()
    ja_proposal.refresh_from_db()
    assert clash.state == AmendmentState.OUTDATED
    assert clash.base_version_id != ja_proposal.current_version_id
    entry = AuditEntry.objects.get(action="amendment.outdated")
    assert entry.actor is None
    assert entry.target_id == str(clash.pk)
    assert Notification.objects.filter(recipient=clash.author, data__state="outdated").exists()
    html = client.get(amendment_url(clash)).content.decode()
    assert "no longer applies" in html
    assert 'name="value"' not in html


def test_accepting_an_amendment_on_an_older_version_rebases_it_first(moderator, ja_proposal):
    amendment = AmendmentFactory(
        proposal=ja_proposal, language="ja", new_text=JA_BODY.replace("共同の授業", "共同講座")
    )
    # A moderator edited the text directly (a new version made in the admin).
    newer = ProposalVersionFactory(
        proposal=ja_proposal, number=2, body_ja=JA_BODY.replace("若者", "青年"), body_ko=KO_BODY
    )
    ja_proposal.current_version = newer
    ja_proposal.save()

    version = services.amendment_accept(moderator=moderator, amendment=amendment)

    assert version.number == 3
    assert (
        version.body_ja
        == "日本と韓国は青年の交流を強化すべきである。\n両国の大学は共同講座を開くべきである。"
    )


def test_accepting_after_the_current_version_was_corrected_in_place_keeps_the_correction(
    moderator, ja_proposal
):
    amendment = AmendmentFactory(
        proposal=ja_proposal, language="ja", new_text=JA_BODY.replace("共同の授業", "共同講座")
    )
    current = ja_proposal.current_version
    current.body_ja = JA_BODY.replace("若者", "青年")  # a typo fixed directly in the admin
    current.save()

    version = services.amendment_accept(moderator=moderator, amendment=amendment)

    assert (
        version.body_ja
        == "日本と韓国は青年の交流を強化すべきである。\n両国の大学は共同講座を開くべきである。"
    )


def test_accepting_an_amendment_that_no_longer_applies_marks_it_outdated(client, moderator, ja_proposal):
    amendment = AmendmentFactory(
        proposal=ja_proposal, language="ja", new_text=JA_BODY.replace("強化", "深化")
    )
    newer = ProposalVersionFactory(proposal=ja_proposal, number=2, body_ja=JA_BODY.replace("強化", "推進"))
    ja_proposal.current_version = newer
    ja_proposal.save()
    client.force_login(moderator)

    response = client.post(amendment_url(amendment, "decide"), {"decision": "accept"})

    assert response.status_code == 400
    assert "no longer applies" in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.state == AmendmentState.OUTDATED
    assert ProposalVersion.objects.filter(proposal=ja_proposal).count() == 2


def test_accepting_with_a_stale_copy_of_an_accepted_amendment_is_refused(moderator, ja_proposal):
    amendment = AmendmentFactory(
        proposal=ja_proposal, language="ja", new_text=JA_BODY.replace("強化", "深化")
    )
    stale_copy = Amendment.objects.get(pk=amendment.pk)
    services.amendment_accept(moderator=moderator, amendment=amendment)

    with pytest.raises(DeliberationError) as refused:
        services.amendment_accept(moderator=moderator, amendment=stale_copy)

    assert refused.value.code == "already_decided"
    assert ProposalVersion.objects.filter(proposal=ja_proposal).count() == 2


# SQLite's in-memory test database (shared cache) answers "table is locked" at once instead of
# waiting, so real concurrency is exercised on PostgreSQL (CI runs the suite on both).
needs_postgres = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="concurrent writers need PostgreSQL's row locks"
)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_accept_makes_one_new_version(moderator, ja_proposal):
    amendment = AmendmentFactory(
        proposal=ja_proposal, language="ja", new_text=JA_BODY.replace("強化", "深化")
    )
    barrier = threading.Barrier(2)
    results = []

    def accept():
        try:
            barrier.wait()
            services.amendment_accept(moderator=moderator, amendment=amendment)
            results.append("accepted")
        except DeliberationError as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["accepted", "already_decided"]
    assert ProposalVersion.objects.filter(proposal=ja_proposal).count() == 2
    assert AuditEntry.objects.filter(action="amendment.accepted").count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_of_two_amendments_make_consecutive_versions(moderator, ja_proposal):
    first = AmendmentFactory(
        proposal=ja_proposal, language="ja", new_text=JA_BODY.replace("若者の", "青年の")
    )
    second = AmendmentFactory(proposal=ja_proposal, language="ko", new_text=KO_BODY.replace("청년", "청소년"))
    barrier = threading.Barrier(2)
    errors = []

    def accept(amendment):
        try:
            barrier.wait()
            services.amendment_accept(moderator=moderator, amendment=amendment)
        except DeliberationError as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(a,)) for a in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    ja_proposal.refresh_from_db()
    current = ja_proposal.current_version
    assert current.number == 3
    assert current.body_ja == JA_BODY.replace("若者の", "青年の")
    assert current.body_ko == KO_BODY.replace("청년", "청소년")


# --- Proposal page section -------------------------------------------------------------------------------


def test_proposal_page_lists_open_amendments_with_counts_and_collapses_decided_ones(client, member, proposal):
    open_one = AmendmentFactory(proposal=proposal, field="summary", language="ko")
    AmendmentVoteFactory(amendment=open_one, value="support")
    AmendmentVoteFactory(amendment=open_one, value="support")
    rejected = AmendmentFactory(proposal=proposal, state=AmendmentState.REJECTED)
    client.force_login(member)

    html = client.get(page(proposal)).content.decode()

    section = html[html.index('id="amendments"') :]
    assert f'href="{open_one.get_absolute_url()}"' in section
    assert f"#{open_one.pk}: Summary (Korean)" in section
    assert "2 supporters" in section
    details = section[section.index("<details") : section.index("</details>")]
    assert f'href="{rejected.get_absolute_url()}"' in details
    assert "Rejected" in details
    assert f'href="/en/proposals/{proposal.slug}/amendments/new/"' in section
    assert f'href="/en/proposals/{proposal.slug}/versions/"' in section


def test_proposal_page_section_costs_one_query_whatever_the_number_of_amendments(client, member, proposal):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ratings import sections as rating_sections

    client.force_login(member)
    counts = []
    for total in (3, 30):
        while Amendment.objects.count() < total:
            amendment = AmendmentFactory(proposal=proposal)
            AmendmentVoteFactory(amendment=amendment)
            if amendment.pk % 2:
                Amendment.objects.filter(pk=amendment.pk).update(state=AmendmentState.REJECTED)
        # Drawn cold each time: the rating figures are also kept under a digest of their numbers
        # (ratings.sections, in the shared cache and in the process), which the amendments written
        # in between do not change, so a warm second view would skip storing them and count fewer
        # queries for that reason alone.
        cache.clear()
        rating_sections.forget_kept_figures()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page(proposal)).status_code == 200
        counts.append(len(queries))
        assert sum("amendments_amendment" in q["sql"] for q in queries.captured_queries) == 1

    assert counts[0] == counts[1]


def test_proposal_page_offers_no_propose_link_when_one_cannot_take_part(client, proposal):
    html = client.get(page(proposal)).content.decode()
    assert "amendments/new/" not in html
    assert "/versions/" in html


# --- Admin ------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_moderator(moderator):
    from django.contrib.auth.models import Permission

    moderator.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="amendments", codename__endswith="_amendment")
    )
    return moderator


def test_admin_actions_accept_and_reject_through_the_services(client, admin_moderator, proposal):
    accept = AmendmentFactory(proposal=proposal, field="summary", language="en", new_text="Better summary.")
    reject = AmendmentFactory(proposal=proposal, field="title", language="ja", new_text="別のタイトル")
    client.force_login(admin_moderator)
    changelist = "/en/admin/amendments/amendment/"

    client.post(
        changelist, {"action": "accept_selected", "_selected_action": [accept.pk], "decision_reason": "Good."}
    )
    response = client.post(
        changelist,
        {"action": "reject_selected", "_selected_action": [reject.pk], "decision_reason": "Too long."},
    )

    assert response.status_code == 302
    accept.refresh_from_db()
    reject.refresh_from_db()
    assert accept.state == AmendmentState.ACCEPTED
    assert accept.decision_reason == "Good."
    assert accept.result_version.summary_en == "Better summary."
    assert reject.state == AmendmentState.REJECTED
    assert reject.decision_reason == "Too long."


def test_admin_changelist_offers_the_decision_actions_and_reason(client, admin_moderator, proposal):
    AmendmentFactory.create_batch(3, proposal=proposal)
    client.force_login(admin_moderator)

    html = client.get("/en/admin/amendments/amendment/").content.decode()

    assert 'value="accept_selected"' in html and 'value="reject_selected"' in html
    assert 'name="decision_reason"' in html


def test_admin_reject_without_reason_reports_the_refusal(client, admin_moderator, proposal):
    amendment = AmendmentFactory(proposal=proposal)
    client.force_login(admin_moderator)

    response = client.post(
        "/en/admin/amendments/amendment/",
        {"action": "reject_selected", "_selected_action": [amendment.pk], "decision_reason": ""},
        follow=True,
    )

    assert "Give a reason for the decision" in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.state == AmendmentState.OPEN


def test_admin_change_form_shows_the_diff_read_only(client, admin_moderator, ja_proposal):
    amendment = AmendmentFactory(
        proposal=ja_proposal, language="ja", new_text=JA_BODY.replace("強化", "深化")
    )
    client.force_login(admin_moderator)

    response = client.get(f"/en/admin/amendments/amendment/{amendment.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<del>強</del><ins>深</ins>" in html
    assert 'name="new_text"' not in html


def test_admin_actions_need_a_moderator(client, make_actor, proposal):
    from django.contrib.auth.models import Permission

    staff = make_actor("member")
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="amendments"))
    amendment = AmendmentFactory(proposal=proposal)
    client.force_login(staff)

    client.post(
        "/en/admin/amendments/amendment/",
        {"action": "accept_selected", "_selected_action": [amendment.pk], "decision_reason": ""},
    )

    amendment.refresh_from_db()
    assert amendment.state == AmendmentState.OPEN


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 30])
def test_proposal_page_lists_only_the_newest_amendments_and_links_to_all(
    client, proposal, django_assert_num_queries, count
):
    from amendments.models import AmendmentState
    from amendments.selectors import SECTION_LIMIT
    from tests.factories import AmendmentFactory

    for i in range(count):
        AmendmentFactory(proposal=proposal, new_text=f"text {i}")
    AmendmentFactory(proposal=proposal, state=AmendmentState.REJECTED)

    html = client.get(f"/en/proposals/{proposal.slug}/").content.decode()
    section = html.split('id="amendments"')[1].split("</section>")[0]

    assert section.count('class="amendment-item"') == min(count, SECTION_LIMIT) + 1
    assert (f'href="/en/proposals/{proposal.slug}/amendments/"' in section) == (count > SECTION_LIMIT)
    with django_assert_num_queries(3):  # proposal, amendment count, the page of amendments
        response = client.get(f"/en/proposals/{proposal.slug}/amendments/")
    assert response.content.decode().count('class="amendment-item"') == count + 1


# --- Own amendments and duplicates (issue #14) ----------------------------------------------------


@pytest.mark.parametrize("value", ["support", "oppose"])
def test_the_author_cannot_support_or_oppose_their_own_amendment(client, member, proposal, value):
    amendment = AmendmentFactory(proposal=proposal, author=member)
    client.force_login(member)

    html = client.get(amendment_url(amendment)).content.decode()
    assert 'class="amendment-vote"' not in html  # no buttons for the author

    response = client.post(amendment_url(amendment, "vote", lang="ja"), {"value": value})

    assert response.status_code == 403
    assert "自分の修正案には支持も反対もできません。" in response.content.decode()
    amendment.refresh_from_db()
    assert (amendment.support_count, amendment.oppose_count, amendment.support_jp, amendment.oppose_jp) == (
        0,
        0,
        0,
        0,
    )
    assert not AmendmentVote.objects.exists()
    with pytest.raises(DeliberationError) as refused:
        services.amendment_vote(user=member, amendment=amendment, value=value)
    assert (refused.value.code, refused.value.status) == ("own_amendment", 403)


def test_an_author_can_still_take_back_a_vote_cast_before_the_rule(member, proposal):
    amendment = AmendmentFactory(proposal=proposal, author=member)
    AmendmentVote.objects.create(amendment=amendment, user=member, value="support", nationality="JP")
    Amendment.objects.filter(pk=amendment.pk).update(support_count=1, support_jp=1)

    services.amendment_vote(user=member, amendment=amendment, value=None)

    amendment.refresh_from_db()
    assert (amendment.support_count, amendment.support_jp) == (0, 0)


def test_the_same_author_cannot_file_the_same_open_amendment_twice(client, member, proposal):
    client.force_login(member)
    data = proposal_data(proposal)
    assert client.post(page(proposal, "amendments/new/", lang="ja"), data).status_code == 302
    (first,) = Amendment.objects.all()

    response = client.post(
        page(proposal, "amendments/new/", lang="ja"), {**data, "client_token": str(uuid.uuid4())}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert f"まったく同じ変更をすでに提案しており、まだ受付中です（修正案 #{first.pk}）。" in html
    assert escape(data["new_text"]) in html  # their text is kept
    assert Amendment.objects.count() == 1


def test_an_identical_amendment_by_another_author_links_to_the_existing_one(client, make_actor, proposal):
    first = AmendmentFactory(proposal=proposal, new_text=proposal.current_version.body_ja + "追加の一文。")
    other = make_actor("member", nationality=Nationality.KOREA)
    client.force_login(other)

    response = client.post(
        page(proposal, "amendments/new/", lang="ko"), proposal_data(proposal), headers={"HX-Request": "true"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert f"다른 참가자가 이미 똑같은 변경을 제안했습니다(수정안 #{first.pk})." in html
    assert f'href="/ko/proposals/{proposal.slug}/amendments/{first.pk}/"' in html
    assert Amendment.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"state": AmendmentState.REJECTED},
        {"state": AmendmentState.WITHDRAWN},
        {"language": "ko"},
        {"field": "summary"},
    ],
)
def test_the_same_text_is_welcome_when_the_earlier_one_is_closed_or_elsewhere(
    client, member, proposal, change
):
    text = proposal.current_version.body_ja + "追加の一文。"
    AmendmentFactory(proposal=proposal, author=member, new_text=text, **change)
    client.force_login(member)

    response = client.post(page(proposal, "amendments/new/"), proposal_data(proposal, new_text=text))

    assert response.status_code == 302
    assert Amendment.objects.count() == 2


def test_amendment_boxes_count_characters_instead_of_cutting(client, member, proposal):
    client.force_login(member)

    body = client.get(page(proposal, "amendments/new/?field=title&language=ja", lang="ja")).content.decode()

    new_text = re.search(r'<textarea name="new_text"[^>]*>', body).group(0)
    rationale = re.search(r'<textarea name="rationale"[^>]*>', body).group(0)
    assert "maxlength" not in new_text + rationale
    assert f'data-limit="{ProposalVersion._meta.get_field("title").max_length}"' in new_text
    assert 'data-limit="4000"' in rationale and 'data-count-text="%(count)s / %(limit)s文字"' in rationale
