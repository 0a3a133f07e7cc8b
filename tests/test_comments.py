import datetime as dt
import json
import re
import uuid

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Nationality
from accounts.permissions import participation
from audit.models import AuditEntry
from comments import services
from comments.models import MAX_LENGTH, Comment, CommentReaction
from comments.selectors import PAGE_SIZE
from core.errors import DeliberationError, PermissionRefused
from notifications.models import Kind, Notification
from tests.conftest import ROLES
from tests.factories import CommentFactory, ProgrammeFactory, ProposalFactory, UserFactory

ALLOWED = {"member", "moderator"}
# The refusal each role meets, window open / closed (accounts.permissions.participation_refusal).
REFUSAL = {
    ("anonymous", True): "login_required",
    ("anonymous", False): "login_required",
    ("unverified", True): "unverified",
    ("unverified", False): "window_closed",
    ("non_member", True): "not_member",
    ("non_member", False): "window_closed",
    ("suspended", True): "suspended",
    ("suspended", False): "suspended",
    ("member", False): "window_closed",
    ("moderator", False): "window_closed",
}
HTMX = {"HTTP_HX_REQUEST": "true"}


def page_url(proposal, lang="en"):
    return f"/{lang}/proposals/{proposal.slug}/"


def list_url(proposal, lang="en"):
    return f"/{lang}/proposals/{proposal.slug}/comments/"


def action_url(comment, action, lang="en", proposal=None):
    return f"/{lang}/proposals/{(proposal or comment.proposal).slug}/comments/{comment.pk}/{action}/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Factories hash a password for every user; the default hasher makes matrices slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def member(make_actor):
    return make_actor("member")


@pytest.fixture
def other_member(make_actor):
    return make_actor("member", nationality=Nationality.JAPAN, preferred_language="ja")


def login(client, user):
    if user is not None:
        client.force_login(user)
    return user


def refusal_code(response) -> str:
    match = re.search(r'data-code="([a-z_]+)"', response.content.decode())
    return match.group(1) if match else ""


def html(response) -> str:
    return response.content.decode()


def post_comment(client, proposal, body="A comment", headers=None, **data):
    return client.post(list_url(proposal), {"body": body, "language": "ko", **data}, **(headers or {}))


# --- permission matrix ---------------------------------------------------------------------------


def _expect_refused(response, role, window_open):
    assert response.status_code == 403
    assert refusal_code(response) == REFUSAL[(role, window_open)]


@pytest.mark.django_db
@pytest.mark.parametrize("window_open", [True, False], ids=["open", "closed"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_comment(client, proposal, make_actor, close_window, role, window_open):
    actor = login(client, make_actor(role))
    if not window_open:
        close_window()

    response = post_comment(client, proposal, "Hello")

    if role in ALLOWED and window_open:
        comment = Comment.objects.get()
        assert response.status_code == 302
        assert (comment.author, comment.body, comment.depth, comment.root_id) == (
            actor,
            "Hello",
            0,
            comment.pk,
        )
    else:
        _expect_refused(response, role, window_open)
        assert not Comment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("window_open", [True, False], ids=["open", "closed"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_reply(client, proposal, make_actor, close_window, other_member, role, window_open):
    parent = CommentFactory(proposal=proposal, author=other_member)
    actor = login(client, make_actor(role))
    if not window_open:
        close_window()

    response = client.post(action_url(parent, "reply"), {"body": "Re", "language": "ja"})

    if role in ALLOWED and window_open:
        reply = Comment.objects.get(parent=parent)
        assert response.status_code == 302
        assert (reply.author, reply.depth, reply.root_id) == (actor, 1, parent.pk)
        assert Comment.objects.get(pk=parent.pk).reply_count == 1
    else:
        _expect_refused(response, role, window_open)
        assert Comment.objects.count() == 1
        assert not Notification.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("window_open", [True, False], ids=["open", "closed"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_edit_their_comment(
    client, proposal, make_actor, close_window, other_member, role, window_open
):
    actor = login(client, make_actor(role))
    comment = CommentFactory(proposal=proposal, author=actor or other_member, body="Before")
    if not window_open:
        close_window()

    response = client.post(action_url(comment, "edit"), {"body": "After"})

    comment.refresh_from_db()
    if role in ALLOWED and window_open:
        assert response.status_code == 302
        assert comment.body == "After" and comment.edited_at is not None
    else:
        _expect_refused(response, role, window_open)
        assert comment.body == "Before" and comment.edited_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("window_open", [True, False], ids=["open", "closed"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_delete_their_comment(
    client, proposal, make_actor, close_window, other_member, role, window_open
):
    actor = login(client, make_actor(role))
    comment = CommentFactory(proposal=proposal, author=actor or other_member)
    if not window_open:
        close_window()

    response = client.post(action_url(comment, "delete"))

    comment.refresh_from_db()
    if role in ALLOWED and window_open:
        assert response.status_code == 302
        assert comment.is_deleted
    else:
        _expect_refused(response, role, window_open)
        assert not comment.is_deleted


@pytest.mark.django_db
@pytest.mark.parametrize("window_open", [True, False], ids=["open", "closed"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_react(client, proposal, make_actor, close_window, other_member, role, window_open):
    comment = CommentFactory(proposal=proposal, author=other_member)
    actor = login(client, make_actor(role))
    if not window_open:
        close_window()

    response = client.post(action_url(comment, "react"), {"kind": "agree"})

    comment.refresh_from_db()
    if role in ALLOWED and window_open:
        assert response.status_code == 302
        assert CommentReaction.objects.get().user == actor
        assert comment.agree_count == 1
    else:
        _expect_refused(response, role, window_open)
        assert not CommentReaction.objects.exists()
        assert comment.agree_count == 0


@pytest.mark.django_db
def test_services_refuse_with_the_participation_code(proposal, make_actor, other_member):
    suspended = make_actor("suspended")
    comment = CommentFactory(proposal=proposal, author=suspended)

    for call in (
        lambda: services.comment_create(author=suspended, proposal=proposal, body="x", language="ko"),
        lambda: services.comment_edit(user=suspended, comment=comment, body="y"),
        lambda: services.comment_delete(user=suspended, comment=comment),
        lambda: services.comment_react(
            user=suspended, comment=CommentFactory(proposal=proposal), kind="agree"
        ),
    ):
        with pytest.raises(PermissionRefused) as refused:
            call()
        assert refused.value.code == "suspended"


@pytest.mark.django_db
def test_the_comment_service_trusts_a_participation_decision_only_for_its_own_user_and_programme(
    proposal, make_actor, member
):
    suspended = make_actor("suspended")
    allowed = participation(member, proposal.programme)
    assert allowed.refusal is None
    elsewhere = participation(member, ProgrammeFactory())

    # Without a decision, or with one made for someone else or another programme, it checks itself.
    for decided in (None, allowed, elsewhere):
        with pytest.raises(PermissionRefused) as refused:
            services.comment_create(
                author=suspended, proposal=proposal, body="x", language="ko", decided=decided
            )
        assert refused.value.code == "suspended"
    # A refusal decided in the request is kept, without asking again.
    with pytest.raises(PermissionRefused) as refused:
        services.comment_create(
            author=suspended,
            proposal=proposal,
            body="x",
            language="ko",
            decided=participation(suspended, proposal.programme),
        )
    assert refused.value.code == "suspended"
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_a_comment_or_reply_post_checks_participation_once(client, proposal, member, other_member):
    parent = CommentFactory(proposal=proposal, author=other_member)
    login(client, member)
    post_comment(client, proposal, "warm", headers=HTMX)

    for post in (
        lambda: post_comment(client, proposal, "Once", headers=HTMX),
        lambda: client.post(action_url(parent, "reply"), {"body": "Once too", "language": "ko"}, **HTMX),
    ):
        with CaptureQueriesContext(connection) as captured:
            response = post()
        assert response.status_code == 200
        # The standing (verified email, membership) is the participation check's one query.
        standing = [q for q in captured.captured_queries if "account_emailaddress" in q["sql"]]
        assert len(standing) == 1, standing


@pytest.mark.django_db
def test_non_participants_see_the_discussion_but_no_forms(client, proposal, make_actor, other_member):
    CommentFactory(proposal=proposal, author=other_member, body="Visible to all")
    login(client, make_actor("non_member"))

    page = html(client.get(page_url(proposal)))

    assert "Visible to all" in page
    assert 'id="comment-form"' not in page
    assert "/reply/" not in page and "/edit/" not in page
    assert 'name="kind"' not in page
    assert 'class="comments-refusal"' in page
    assert "Join the programme to take part in its deliberation." in page


@pytest.mark.django_db
def test_anonymous_visitors_are_invited_to_log_in(client, proposal):
    page = html(client.get(page_url(proposal)))

    assert 'id="comment-form"' not in page
    assert f"/en/accounts/login/?next=/en/proposals/{proposal.slug}/" in page


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["", "   \n\t  "], ids=["empty", "whitespace"])
def test_empty_comment_is_refused(client, proposal, member, body):
    login(client, member)

    response = post_comment(client, proposal, body)

    assert response.status_code == 400
    assert "This field is required." in html(response)
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_too_long_comment_is_refused_in_the_users_language(client, proposal, member):
    login(client, member)

    response = client.post(list_url(proposal, lang="ko"), {"body": "가" * (MAX_LENGTH + 1), "language": "ko"})

    assert response.status_code == 400
    # How long it is, the limit, and that nothing was posted or cut, in Korean.
    assert f"글이 {MAX_LENGTH + 1}자로 한도({MAX_LENGTH}자)를 넘습니다." in html(response)
    assert "Ensure this value" not in html(response)
    assert "가" * (MAX_LENGTH + 1) + "</textarea>" in html(response)  # kept whole, not cut
    assert not Comment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_comment_boxes_show_their_limit_and_never_cut_a_paste(client, proposal, member, lang):
    login(client, member)
    comment = CommentFactory(proposal=proposal, author=member)

    for url in (
        page_url(proposal, lang),
        action_url(comment, "reply", lang),
        action_url(comment, "edit", lang),
    ):
        body = html(client.get(url))
        textarea = re.search(r'<textarea name="body"[^>]*>', body).group(0)
        # No maxlength: the browser would cut a long paste silently. The counter has the limit.
        assert "maxlength" not in textarea, url
        assert f'data-limit="{MAX_LENGTH}"' in textarea
        expected = {"ko": "%(count)s / %(limit)s자", "ja": "%(count)s / %(limit)s文字"}[lang]
        assert f'data-count-text="{expected}"' in textarea
    assert '<script src="/static/js/site.js" defer></script>' in body


@pytest.mark.django_db
def test_comment_of_exactly_the_limit_is_accepted_and_crlf_counts_once(client, proposal, member):
    login(client, member)
    body = "あ" * (MAX_LENGTH - 10) + "\r\n" * 10

    response = post_comment(client, proposal, body)

    assert response.status_code == 302
    assert Comment.objects.get().body == "あ" * (MAX_LENGTH - 10)  # trailing newlines stripped


@pytest.mark.django_db
def test_service_refuses_empty_and_too_long_text(proposal, member):
    with pytest.raises(DeliberationError) as empty:
        services.comment_create(author=member, proposal=proposal, body=" \n ", language="en")
    with pytest.raises(DeliberationError) as long:
        services.comment_create(author=member, proposal=proposal, body="x" * (MAX_LENGTH + 1), language="en")

    assert (empty.value.code, long.value.code) == ("empty", "too_long")
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_unknown_language_and_stance_are_refused(client, proposal, member):
    login(client, member)

    assert post_comment(client, proposal, language="fr").status_code == 400
    assert post_comment(client, proposal, stance="maybe").status_code == 400
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_comment_of_another_proposal_is_404(client, proposal, member, other_member):
    login(client, member)
    elsewhere = CommentFactory(author=other_member, body="Elsewhere")

    for action in ("reply", "edit", "delete", "react"):
        response = client.post(
            action_url(elsewhere, action, proposal=proposal), {"body": "x", "language": "ko", "kind": "agree"}
        )
        assert response.status_code == 404
    assert Comment.objects.count() == 1
    assert Comment.objects.get().body == "Elsewhere"
    assert not CommentReaction.objects.exists()


@pytest.mark.django_db
def test_editing_or_deleting_another_users_comment_is_refused(client, proposal, member, other_member):
    comment = CommentFactory(proposal=proposal, author=other_member, body="Theirs")
    login(client, member)

    edit = client.post(action_url(comment, "edit"), {"body": "Mine now"})
    delete = client.post(action_url(comment, "delete"))
    edit_form = client.get(action_url(comment, "edit"))

    assert edit.status_code == delete.status_code == edit_form.status_code == 403
    assert refusal_code(edit) == refusal_code(delete) == "not_author"
    assert "You can only edit your own comments." in html(edit)
    assert "You can only delete your own comments." in html(delete)
    assert "Theirs" not in html(edit_form)
    comment.refresh_from_db()
    assert comment.body == "Theirs" and not comment.is_deleted and comment.edited_at is None


@pytest.mark.django_db
def test_edit_page_works_without_javascript(client, proposal, member):
    comment = CommentFactory(proposal=proposal, author=member, body="Draft words")
    login(client, member)

    response = client.get(action_url(comment, "edit"))

    assert response.status_code == 200
    assert "Draft words</textarea>" in html(response)
    assert f'action="{action_url(comment, "edit")}"' in html(response)


# --- threads: depth, delete, hide, edit ----------------------------------------------------------


@pytest.mark.django_db
def test_replies_nest_up_to_three_levels_and_no_deeper(client, proposal, member, other_member):
    root = CommentFactory(proposal=proposal, author=other_member)
    child = CommentFactory(parent=root, author=other_member)
    grandchild = CommentFactory(parent=child, author=other_member)
    login(client, member)

    ok = client.post(action_url(child, "reply"), {"body": "third level", "language": "ko"})
    too_deep = client.post(action_url(grandchild, "reply"), {"body": "fourth level", "language": "ko"})

    assert ok.status_code == 302
    assert Comment.objects.get(body="third level").depth == 2
    assert too_deep.status_code == 400
    assert refusal_code(too_deep) == "too_deep"
    assert "This thread is as deep as it can go" in html(too_deep)
    assert "fourth level" in html(too_deep)  # the text is not lost
    assert not Comment.objects.filter(body="fourth level").exists()
    page = html(client.get(page_url(proposal)))
    assert f"/comments/{child.pk}/reply/" in page
    assert f"/comments/{grandchild.pk}/reply/" not in page
    refused_form = client.get(action_url(grandchild, "reply"))
    assert (refused_form.status_code, refusal_code(refused_form)) == (400, "too_deep")


@pytest.mark.django_db
def test_deleted_comment_leaves_a_placeholder_and_its_replies(client, proposal, member, other_member):
    root = CommentFactory(proposal=proposal, author=member, body="Regrettable words")
    CommentFactory(parent=root, author=other_member, body="A thoughtful reply")
    login(client, member)

    response = client.post(action_url(root, "delete"))

    assert response.status_code == 302
    assert Comment.objects.filter(pk=root.pk, body="Regrettable words").exists()  # the row stays
    page = html(client.get(page_url(proposal)))
    assert "Regrettable words" not in page
    assert "This comment was deleted by its author." in page
    assert "A thoughtful reply" in page
    assert AuditEntry.objects.filter(action="comment.deleted", target_id=str(root.pk)).exists()


@pytest.mark.django_db
def test_deleted_comment_without_replies_disappears(client, proposal, member):
    CommentFactory(proposal=proposal, author=member, body="Keep")
    gone = CommentFactory(proposal=proposal, author=member, body="Gone")
    login(client, member)

    client.post(action_url(gone, "delete"))
    page = html(client.get(page_url(proposal)))

    assert "Keep" in page and "Gone" not in page
    assert "deleted by its author" not in page
    assert "1 comment" in page


@pytest.mark.django_db
def test_replying_to_deleted_or_hidden_comment_is_refused(client, proposal, member, other_member):
    deleted = CommentFactory(proposal=proposal, author=other_member, deleted_at=timezone.now())
    hidden = CommentFactory(proposal=proposal, author=other_member, hidden_at=timezone.now())
    login(client, member)

    to_deleted = client.post(action_url(deleted, "reply"), {"body": "hi", "language": "ko"})
    to_hidden = client.post(action_url(hidden, "reply"), {"body": "hi", "language": "ko"})

    assert (to_deleted.status_code, refusal_code(to_deleted)) == (400, "parent_deleted")
    assert (to_hidden.status_code, refusal_code(to_hidden)) == (400, "parent_hidden")
    assert Comment.objects.count() == 2


@pytest.mark.django_db
def test_hidden_comment_shows_the_reason_to_the_public_and_the_text_to_moderators(
    client, proposal, make_actor, other_member
):
    CommentFactory(
        proposal=proposal,
        author=other_member,
        body="Offensive text",
        hidden_at=timezone.now(),
        hidden_category="harassment",
        hidden_reason="Personal attack",
        hidden_note_language="en",
    )

    public = html(client.get(page_url(proposal)))
    login(client, make_actor("moderator"))
    moderator = html(client.get(page_url(proposal)))

    assert "Offensive text" not in public
    assert "Hidden by moderators: Harassment or hate" in public and "Personal attack" in public
    assert "Offensive text" in moderator
    assert "Hidden by moderators: Harassment or hate" in moderator


@pytest.mark.django_db
def test_edited_comment_is_marked_with_the_time(client, proposal, member):
    comment = CommentFactory(proposal=proposal, author=member, body="First thought")
    login(client, member)

    client.post(action_url(comment, "edit"), {"body": "Second thought"})

    comment.refresh_from_db()
    page = html(client.get(page_url(proposal)))
    assert "Second thought" in page and "First thought" not in page
    assert 'class="comment-edited"' in page
    assert "edited " in page
    # The earlier text is kept beside the comment (for moderators; erasure reaches it), and the
    # append-only log names the comment and that version by id, not by its text.
    earlier = comment.edits.get()
    assert earlier.body == "First thought"
    entry = AuditEntry.objects.get(action="comment.edited")
    assert entry.data == {"earlier_version": earlier.pk}
    assert entry.target_repr == f"comment #{comment.pk}"
    assert "thought" not in f"{entry.target_repr} {entry.reason} {entry.data}"


@pytest.mark.django_db
def test_saving_the_same_text_does_not_mark_edited(client, proposal, member):
    comment = CommentFactory(proposal=proposal, author=member, body="Same")
    login(client, member)

    client.post(action_url(comment, "edit"), {"body": "Same"})

    comment.refresh_from_db()
    assert comment.edited_at is None


@pytest.mark.django_db
def test_hidden_or_deleted_comment_cannot_be_edited(client, proposal, member):
    hidden = CommentFactory(proposal=proposal, author=member, body="H", hidden_at=timezone.now())
    deleted = CommentFactory(proposal=proposal, author=member, body="D", deleted_at=timezone.now())
    login(client, member)

    assert refusal_code(client.post(action_url(hidden, "edit"), {"body": "new"})) == "hidden"
    assert refusal_code(client.post(action_url(deleted, "edit"), {"body": "new"})) == "deleted"
    assert "D</textarea>" not in html(client.get(action_url(deleted, "edit")))
    assert set(Comment.objects.values_list("body", flat=True)) == {"H", "D"}


# --- the comment itself --------------------------------------------------------------------------


@pytest.mark.django_db
def test_comment_shows_author_badge_language_and_stance_never_the_email(client, proposal, other_member):
    CommentFactory(proposal=proposal, author=other_member, language="ja", stance="against", body="反対です")

    page = html(client.get(page_url(proposal)))

    assert other_member.display_name in page
    assert ">JP</abbr>" in page
    assert other_member.email not in page
    assert 'lang="ja">反対です' in page
    assert "日本語" in page
    assert 'class="badge stance stance-against">Against' in page


@pytest.mark.django_db
def test_language_defaults_to_the_authors_preferred_language(client, proposal, other_member):
    login(client, other_member)

    page = html(client.get(page_url(proposal)))

    form = page[page.index('id="comment-form"') :]
    assert '<option value="ja" selected>' in form[: form.index("</form>")]


@pytest.mark.django_db
def test_double_submit_with_the_same_token_posts_once(client, proposal, member):
    login(client, member)
    token = str(uuid.uuid4())

    first = post_comment(client, proposal, "Once", client_token=token)
    second = post_comment(client, proposal, "Once", client_token=token)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Comment.objects.count() == 1


@pytest.mark.django_db
def test_a_resubmitted_reply_gets_its_reply_back_though_the_parent_was_deleted_since(
    client, proposal, member, other_member
):
    # The answer to the first submit was lost; meanwhile the parent's author deleted it. The
    # resubmission is not refused (replies to deleted comments are): it finds the reply it posted.
    parent = CommentFactory(proposal=proposal, author=other_member)
    login(client, member)
    data = {"body": "A reply", "language": "en", "client_token": str(uuid.uuid4())}
    first = client.post(action_url(parent, "reply"), data)
    Comment.objects.filter(pk=parent.pk).update(deleted_at=timezone.now())

    again = client.post(action_url(parent, "reply"), data)

    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Comment.objects.filter(parent=parent).count() == 1
    assert client.post(
        action_url(parent, "reply"), {**data, "client_token": str(uuid.uuid4())}
    ).status_code in {400, 403}


@pytest.mark.django_db
def test_each_form_carries_a_fresh_token(client, proposal, member, other_member):
    parent = CommentFactory(proposal=proposal, author=other_member)
    login(client, member)
    token = re.compile(r'name="client_token" value="([0-9a-f-]{36})"')

    page = html(client.get(page_url(proposal)))
    first = html(client.get(action_url(parent, "reply"), **HTMX))
    second = html(client.get(action_url(parent, "reply"), **HTMX))

    tokens = token.findall(page) + token.findall(first) + token.findall(second)
    assert len(tokens) == len(set(tokens)) == 3


@pytest.mark.django_db
def test_reply_form_is_a_page_without_javascript_and_a_fragment_with_htmx(
    client, proposal, member, other_member
):
    parent = CommentFactory(proposal=proposal, author=other_member, body="What do you think?")
    login(client, member)

    page = client.get(action_url(parent, "reply") + "?sort=newest")
    fragment = client.get(action_url(parent, "reply") + "?sort=newest", **HTMX)

    assert page.status_code == fragment.status_code == 200
    assert "What do you think?</blockquote>" in html(page)  # the comment being answered
    assert "<html" not in html(fragment)
    assert html(fragment).lstrip().startswith(f'<form method="post" action="{action_url(parent, "reply")}"')
    assert f'hx-target="#thread-{parent.pk}"' in html(fragment)
    assert '<input type="hidden" name="sort" value="newest">' in html(fragment)
    assert '<option value="ko" selected>' in html(fragment)  # the member's preferred language


@pytest.mark.django_db
def test_japanese_without_spaces_and_long_urls_render_as_links(client, proposal, other_member):
    long_url = "https://example.jp/" + "a" * 300
    CommentFactory(
        proposal=proposal,
        author=other_member,
        language="ja",
        body=f"日韓の若者交流を拡大すべきだと考えます詳細はhttps://example.jp/report?id=1を参照。\n二行目{long_url}",
    )

    page = html(client.get(page_url(proposal)))

    assert '考えます詳細は<a href="https://example.jp/report?id=1" rel="nofollow">' in page
    assert "</a>を参照。<br>二行目" in page
    assert f'<a href="{long_url}" rel="nofollow">' in page
    assert "a" * 300 + "</a>" not in page  # the shown text is shortened


@pytest.mark.django_db
def test_user_text_is_escaped(client, proposal, make_actor):
    author = make_actor("member", display_name='<img src=x onerror="alert(1)">')
    CommentFactory(
        proposal=proposal,
        author=author,
        body='<script>alert("x")</script> https://evil.example/"><script>alert(2)</script>',
    )

    page = html(client.get(page_url(proposal)))

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert 'href="https://evil.example/"' in page


# --- reactions -----------------------------------------------------------------------------------


def counters(comment):
    comment.refresh_from_db()
    return comment.agree_count, comment.disagree_count, comment.pass_count


@pytest.mark.django_db
def test_reactions_change_and_withdraw_with_exact_counters(
    client, proposal, member, other_member, make_actor
):
    comment = CommentFactory(proposal=proposal, author=other_member)
    third = make_actor("member")
    services.comment_react(user=third, comment=comment, kind="agree")
    login(client, member)

    client.post(action_url(comment, "react"), {"kind": "agree"})
    assert counters(comment) == (2, 0, 0)
    client.post(action_url(comment, "react"), {"kind": "agree"})  # the same again: nothing changes
    assert counters(comment) == (2, 0, 0)
    client.post(action_url(comment, "react"), {"kind": "disagree"})
    assert counters(comment) == (1, 1, 0)
    client.post(action_url(comment, "react"), {"kind": "pass"})
    assert counters(comment) == (1, 0, 1)
    client.post(action_url(comment, "react"), {"kind": ""})  # withdraw
    assert counters(comment) == (1, 0, 0)
    client.post(action_url(comment, "react"), {"kind": ""})
    assert counters(comment) == (1, 0, 0)

    assert list(CommentReaction.objects.values_list("user", "kind")) == [(third.pk, "agree")]


@pytest.mark.django_db
def test_pressing_ones_reaction_again_withdraws_it(client, proposal, member, other_member):
    comment = CommentFactory(proposal=proposal, author=other_member)
    login(client, member)
    client.post(action_url(comment, "react"), {"kind": "disagree"})

    page = html(client.get(page_url(proposal)))

    agree = re.search(
        r'<button id="reaction-\d+-\w+" type="submit" name="kind" value="(\w*)" class="reaction reaction-agree" aria-pressed="(\w+)"',
        page,
    )
    disagree = re.search(
        r'<button id="reaction-\d+-\w+" type="submit" name="kind" value="(\w*)" class="reaction reaction-disagree" aria-pressed="(\w+)"',
        page,
    )
    assert agree.groups() == ("agree", "false")
    assert disagree.groups() == ("", "true")  # submitting it withdraws
    assert CommentReaction.objects.get().nationality == member.nationality


@pytest.mark.django_db
def test_reacting_to_ones_own_comment_is_refused(client, proposal, member):
    comment = CommentFactory(proposal=proposal, author=member)
    login(client, member)

    response = client.post(action_url(comment, "react"), {"kind": "agree"})

    assert (response.status_code, refusal_code(response)) == (403, "own_comment")
    assert counters(comment) == (0, 0, 0)
    assert 'name="kind"' not in html(client.get(page_url(proposal)))


@pytest.mark.django_db
def test_unknown_reaction_is_refused(client, proposal, member, other_member):
    comment = CommentFactory(proposal=proposal, author=other_member)
    login(client, member)

    response = client.post(action_url(comment, "react"), {"kind": "love"})

    assert (response.status_code, refusal_code(response)) == (400, "invalid_reaction")
    assert not CommentReaction.objects.exists()


@pytest.mark.django_db
def test_counters_stay_exact_over_many_changes(proposal, other_member, make_actor):
    comment = CommentFactory(proposal=proposal, author=other_member)
    users = [make_actor("member") for _ in range(6)]
    script = ["agree", "disagree", None, "pass", "agree", "agree", None, "disagree"]

    for step, kind in enumerate(script * 2):
        services.comment_react(user=users[step % len(users)], comment=comment, kind=kind)

    rows = list(CommentReaction.objects.filter(comment=comment).values_list("kind", flat=True))
    assert counters(comment) == (rows.count("agree"), rows.count("disagree"), rows.count("pass"))


# --- sorting and paging --------------------------------------------------------------------------


def threads_in(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'class="thread" id="thread-(\d+)"', page)]


@pytest.mark.django_db
def test_threads_sort_by_oldest_newest_and_most_agreed(client, proposal, other_member):
    now = timezone.now()
    first = CommentFactory(proposal=proposal, author=other_member, created_at=now - dt.timedelta(hours=3))
    second = CommentFactory(
        proposal=proposal, author=other_member, created_at=now - dt.timedelta(hours=2), agree_count=5
    )
    third = CommentFactory(
        proposal=proposal, author=other_member, created_at=now - dt.timedelta(hours=1), agree_count=2
    )

    def order(query=""):
        return threads_in(html(client.get(page_url(proposal) + query)))

    assert order() == order("?sort=oldest") == [first.pk, second.pk, third.pk]
    assert order("?sort=newest") == [third.pk, second.pk, first.pk]
    assert order("?sort=agreed") == [second.pk, third.pk, first.pk]
    assert order("?sort=bogus") == [first.pk, second.pk, third.pk]


@pytest.mark.django_db
def test_root_threads_are_paged_with_their_replies(client, proposal, other_member):
    roots = [CommentFactory(proposal=proposal, author=other_member) for _ in range(PAGE_SIZE + 5)]
    reply = CommentFactory(parent=roots[-1], author=other_member, body="Reply on the last thread")

    first = html(client.get(page_url(proposal)))
    second = html(client.get(page_url(proposal) + "?page=2"))
    beyond = html(client.get(page_url(proposal) + "?page=99"))

    assert threads_in(first) == [root.pk for root in roots[:PAGE_SIZE]]
    assert threads_in(second) == [root.pk for root in roots[PAGE_SIZE:]]
    assert threads_in(beyond) == threads_in(second)
    assert "Reply on the last thread" in second and "Reply on the last thread" not in first
    assert f'id="comment-{reply.pk}"' in second
    assert f'href="/en/proposals/{proposal.slug}/?sort=oldest&amp;page=2#comments"' in first
    assert f"{PAGE_SIZE + 6} comments" in first


@pytest.mark.django_db
def test_list_fragment_serves_htmx_paging_and_redirects_without_it(client, proposal, other_member):
    for _ in range(PAGE_SIZE + 1):
        CommentFactory(proposal=proposal, author=other_member)

    fragment = client.get(list_url(proposal) + "?sort=newest&page=2", **HTMX)
    plain = client.get(list_url(proposal) + "?sort=newest&page=2")

    assert fragment.status_code == 200
    assert html(fragment).lstrip().startswith('<div id="comment-list"')
    assert len(threads_in(html(fragment))) == 1
    assert plain.status_code == 302
    assert plain["Location"] == page_url(proposal) + "?sort=newest&page=2#comments"


@pytest.mark.django_db
def test_redirect_after_reply_lands_on_the_threads_page(client, proposal, member, other_member):
    roots = [CommentFactory(proposal=proposal, author=other_member) for _ in range(PAGE_SIZE + 2)]
    login(client, member)

    response = client.post(action_url(roots[-1], "reply"), {"body": "late reply", "language": "ko"})

    reply = Comment.objects.get(body="late reply")
    assert response["Location"] == f"{page_url(proposal)}?sort=oldest&page=2#comment-{reply.pk}"
    follow = client.get(response["Location"])
    assert "Your reply was posted." in html(follow)
    assert f'id="comment-{reply.pk}"' in html(follow)


# --- htmx ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_htmx_post_returns_the_new_thread_alone_with_the_count_and_a_fresh_form(
    client, proposal, member, other_member
):
    others = [CommentFactory(proposal=proposal, author=other_member, body=f"Earlier {n}") for n in range(3)]
    login(client, member)

    token = str(uuid.uuid4())
    response = post_comment(client, proposal, "Posted with htmx", headers=HTMX, client_token=token)

    assert response.status_code == 200
    new = Comment.objects.get(body="Posted with htmx")
    body = html(response)
    assert body.lstrip().startswith(f'<li><div class="thread" id="thread-{new.pk}">')
    assert "Posted with htmx" in body
    # Not the page of threads: none of the others, no list, no section.
    assert threads_in(body) == [new.pk]
    assert not any(other.body in body for other in others)
    assert 'id="comments"' not in body and 'id="comment-list"' not in body
    # Out of band: the heading's count (4 now) and a fresh, empty form with a new client token.
    assert re.search(r'id="comments-count" hx-swap-oob="true">4 comments<', body)
    form = re.search(r'<form [^>]*id="comment-form"[^>]*>', body)
    assert form and 'hx-swap-oob="true"' in form.group(0)
    assert "Posted with htmx" not in body[form.start() :]
    assert 'name="client_token"' in body[form.start() :] and token not in body
    # Not the first comment: the empty-list message was not on the page.
    assert "comments-empty" not in body
    # Into the list the user sees, last under the default (oldest-first) sort.
    assert response["HX-Retarget"] == "#threads"
    assert response["HX-Reswap"] == "beforeend"


def thread_html(body: str, root_pk: int) -> str:
    """The HTML of thread ``root_pk`` in ``body`` (up to the end of its list item), CSRF tokens
    (masked afresh for every response) made equal."""
    start = body.index(f'<div class="thread" id="thread-{root_pk}">')
    end = body.index("</li>", start)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", body[start:end]).rstrip()


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_htmx_new_thread_is_drawn_as_the_page_draws_it(client, proposal, member, other_member, lang):
    # Drawn from the comment just written, not read back: it must be the very HTML the list shows.
    CommentFactory(proposal=proposal, author=other_member)
    login(client, member)

    response = client.post(
        list_url(proposal, lang),
        {"body": "Drawn <b>once</b> http://example.org", "language": "ko", "stance": "for"},
        **HTMX,
    )

    new = Comment.objects.get(body__startswith="Drawn")
    listed = client.get(list_url(proposal, lang), **HTMX)
    assert thread_html(html(response), new.pk) == thread_html(html(listed), new.pk)


def root_form_html(body: str) -> str:
    """The root comment form in ``body``, its client token and CSRF token made equal, without the
    out-of-band marker (the page's form has none)."""
    start = re.search(r'<form [^>]*id="comment-form"', body).start()
    form = body[start : body.index("</form>", start)]
    form = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", form)
    form = re.sub(r'name="client_token" value="[^"]+"', "token", form)
    return form.replace(' hx-swap-oob="true"', "")


def client_token_in(body: str) -> str:
    return re.findall(r'name="client_token" value="([^"]+)"', body)[-1]


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "preferred", "sort"), [("ko", "ja", "newest"), ("ja", "ko", "oldest")])
def test_htmx_fresh_form_is_the_pages_form_with_a_new_client_token(
    client, proposal, make_actor, lang, preferred, sort
):
    member = login(client, make_actor("member", preferred_language=preferred))
    assert member.preferred_language == preferred

    answers = [
        html(
            client.post(
                list_url(proposal, lang), {"body": f"Post {n}", "language": "ko", "sort": sort}, **HTMX
            )
        )
        for n in range(2)
    ]

    page = html(client.get(page_url(proposal, lang) + f"?sort={sort}"))
    # The page's form is the fresh form (the text box empty, the author's language chosen).
    assert root_form_html(answers[0]) == root_form_html(answers[1]) == root_form_html(page)
    tokens = {client_token_in(answer) for answer in answers} | {client_token_in(page)}
    assert len(tokens) == 3 and all(uuid.UUID(token).version == 4 for token in tokens)


@pytest.mark.django_db
def test_htmx_resubmitted_comment_answers_its_thread_as_it_is_now(client, proposal, member, other_member):
    # A double submit (the same client token) gets the first comment back, with what happened to
    # it since: here a reply.
    login(client, member)
    token = str(uuid.uuid4())
    post_comment(client, proposal, "Once", headers=HTMX, client_token=token)
    first = Comment.objects.get(body="Once")
    CommentFactory(parent=first, author=other_member, body="A reply in between")

    again = post_comment(client, proposal, "Once", headers=HTMX, client_token=token)

    assert again.status_code == 200
    assert Comment.objects.filter(body="Once").count() == 1
    assert "A reply in between" in thread_html(html(again), first.pk)


@pytest.mark.django_db
def test_htmx_new_thread_goes_first_under_newest_first_as_the_address_bar_says(client, proposal, member):
    login(client, member)

    posted = post_comment(client, proposal, "Newest", headers=HTMX, sort="newest")
    # The sort links push their URL: the browser's address is newer than the form's hidden field.
    switched = post_comment(
        client,
        proposal,
        "Switched",
        headers={**HTMX, "HTTP_HX_CURRENT_URL": f"http://testserver{page_url(proposal)}?sort=newest"},
        sort="oldest",
    )

    assert posted["HX-Reswap"] == "afterbegin"
    assert switched["HX-Reswap"] == "afterbegin"


@pytest.mark.django_db
def test_htmx_answers_draw_the_report_control_only_for_others_comments(
    client, proposal, member, other_member
):
    # The answer to one's own new comment has nothing to report: the control's template is not
    # drawn at all. A reply in someone else's thread shows theirs, with this request's token.
    theirs = CommentFactory(proposal=proposal, author=other_member)
    login(client, member)

    posted = post_comment(client, proposal, "Mine", headers=HTMX)
    replied = client.post(action_url(theirs, "reply"), {"body": "A reply", "language": "en"}, **HTMX)

    assert "moderation/_report_control.html" not in [t.name for t in posted.templates]
    assert 'class="report-control"' not in html(posted)
    assert html(replied).count('class="report-control"') == 1
    assert f'id="report-comment-{theirs.pk}"' in html(replied)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html(replied)).group(1)
    control = html(replied)[html(replied).index(f'id="report-comment-{theirs.pk}"') :]
    assert f'name="csrfmiddlewaretoken" value="{token}"' in control


@pytest.mark.django_db
def test_htmx_first_comment_removes_the_empty_list_message(client, proposal, member):
    page = html(client.get(page_url(proposal)))
    assert 'id="comments-empty"' in page and '<ol class="threads" id="threads">' in page
    login(client, member)

    body = html(post_comment(client, proposal, "The first", headers=HTMX))

    assert '<p id="comments-empty" hx-swap-oob="delete"></p>' in body
    assert re.search(r'id="comments-count" hx-swap-oob="true">1 comment<', body)


@pytest.mark.django_db
def test_htmx_new_thread_is_on_the_next_page_view(client, proposal, member):
    login(client, member)
    client.get(page_url(proposal))  # cached before the write

    post_comment(client, proposal, "Seen after", headers=HTMX)

    assert "Seen after" in html(client.get(page_url(proposal)))
    client.logout()
    assert "Seen after" in html(client.get(page_url(proposal)))


@pytest.mark.django_db
def test_htmx_reply_edit_and_delete_return_the_thread(client, proposal, member, other_member):
    root = CommentFactory(proposal=proposal, author=other_member)
    login(client, member)

    reply = client.post(action_url(root, "reply"), {"body": "htmx reply", "language": "ko"}, **HTMX)
    mine = Comment.objects.get(body="htmx reply")
    edit = client.post(action_url(mine, "edit"), {"body": "htmx edited"}, **HTMX)
    delete = client.post(action_url(mine, "delete"), **HTMX)

    for response in (reply, edit, delete):
        assert response.status_code == 200
        assert html(response).startswith(f'<div class="thread" id="thread-{root.pk}">')
    assert "htmx reply" in html(reply)
    assert "htmx edited" in html(edit) and 'class="comment-edited"' in html(edit)
    assert "htmx edited" not in html(delete)


@pytest.mark.django_db
def test_htmx_reaction_returns_the_reactions_bar(client, proposal, member, other_member):
    comment = CommentFactory(proposal=proposal, author=other_member)
    login(client, member)

    response = client.post(action_url(comment, "react"), {"kind": "agree"}, **HTMX)

    assert response.status_code == 200
    body = html(response)
    assert body.lstrip().startswith(f'<div class="reactions" id="reactions-{comment.pk}">')
    assert (
        'value="" class="reaction reaction-agree" aria-pressed="true">Agree <span class="reaction-count">1</span>'
        in body
    )


@pytest.mark.django_db
def test_htmx_refusal_retargets_the_form_with_the_message(client, proposal, member):
    login(client, member)

    response = post_comment(client, proposal, "x" * (MAX_LENGTH + 1), headers=HTMX)

    assert response.status_code == 400
    assert response["HX-Retarget"] == "#comment-form"
    assert html(response).lstrip().startswith('<form method="post"')


# --- notifications -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reply_notifies_the_parents_author(client, proposal, member, other_member):
    parent = CommentFactory(proposal=proposal, author=other_member)
    login(client, member)

    client.post(action_url(parent, "reply"), {"body": "Na" * 150, "language": "ko"})

    reply = Comment.objects.get(parent=parent)
    notification = Notification.objects.get()
    version = proposal.current_version
    assert notification.recipient == other_member and notification.kind == Kind.REPLY
    assert notification.data["proposal"] == proposal.slug
    assert notification.data["proposal_title"] == {
        "en": version.title_en,
        "ko": version.title_ko,
        "ja": version.title_ja,
    }
    assert notification.data["author_name"] == member.display_name
    assert notification.data["excerpt"] == ("Na" * 150)[:200]
    assert notification.data["comment"] == reply.pk
    # The link uses the recipient's language.
    assert notification.url == f"/ja/c/{reply.pk}/"


@pytest.mark.django_db
def test_replying_to_oneself_notifies_nobody(client, proposal, member):
    parent = CommentFactory(proposal=proposal, author=member)
    login(client, member)

    client.post(action_url(parent, "reply"), {"body": "Adding to my own point", "language": "ko"})

    assert Comment.objects.count() == 2
    assert not Notification.objects.exists()


# --- amendments ----------------------------------------------------------------------------------


@pytest.fixture
def amendment(proposal, other_member):
    from amendments.models import Amendment

    return Amendment.objects.create(
        proposal=proposal,
        base_version=proposal.current_version,
        field="body",
        language="en",
        original_text="The body.",
        new_text="A better body.",
        rationale="Clearer.",
        author=other_member,
    )


@pytest.mark.django_db
def test_amendment_discussion_is_separate_from_the_proposals(
    rf, client, proposal, amendment, member, other_member
):
    from django.template.loader import render_to_string

    from comments.sections import amendment_section

    CommentFactory(proposal=proposal, author=other_member, body="On the proposal")
    login(client, member)
    response = post_comment(client, proposal, "On the amendment", amendment=str(amendment.pk))
    on_amendment = Comment.objects.get(body="On the amendment")

    request = rf.get("/")
    request.user = member
    context = amendment_section(request, amendment, None)
    rendered = render_to_string("comments/_amendment_section.html", context, request=request)
    proposal_page = html(client.get(page_url(proposal)))

    assert response.status_code == 302
    assert on_amendment.amendment == amendment
    assert "On the amendment" in rendered and "On the proposal" not in rendered
    assert f'name="amendment" value="{amendment.pk}"' in rendered
    assert "On the proposal" in proposal_page and "On the amendment" not in proposal_page


@pytest.mark.django_db
def test_amendment_of_another_proposal_is_404(client, proposal, member, amendment):
    other = ProposalFactory(programme=proposal.programme)
    login(client, member)

    response = post_comment(client, other, "misplaced", amendment=str(amendment.pk))

    assert response.status_code == 404
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_reply_stays_in_the_amendment_discussion(proposal, amendment, member, other_member):
    parent = CommentFactory(proposal=proposal, amendment=amendment, author=other_member)

    reply = services.comment_create(
        author=member, proposal=proposal, amendment=amendment, parent=parent, body="re", language="en"
    )
    with pytest.raises(DeliberationError) as crossed:
        services.comment_create(author=member, proposal=proposal, parent=parent, body="x", language="en")

    assert reply.amendment == amendment and reply.root_id == parent.pk
    assert crossed.value.code == "wrong_proposal"


# --- query budget --------------------------------------------------------------------------------


def build_discussion(proposal, size: int, viewer=None) -> None:
    """``size`` comments: about a fifth roots, the rest replies two levels deep, some reacted to by
    ``viewer``. Written in bulk so that 500 stay quick."""
    authors = [UserFactory(nationality=n) for n in (Nationality.KOREA, Nationality.JAPAN, Nationality.OTHER)]
    root_count = max(size // 5, 1)
    roots = Comment.objects.bulk_create(
        Comment(proposal=proposal, author=authors[i % 3], body=f"root {i}", language="ko")
        for i in range(root_count)
    )
    Comment.objects.filter(pk__in=[r.pk for r in roots]).update(root_id=F("pk"))
    remaining = size - root_count
    children = Comment.objects.bulk_create(
        Comment(
            proposal=proposal,
            author=authors[i % 3],
            parent=roots[i % root_count],
            root_id=roots[i % root_count].pk,
            depth=1,
            body=f"reply {i}",
            language="ja",
        )
        for i in range(remaining // 2)
    )
    Comment.objects.bulk_create(
        Comment(
            proposal=proposal,
            author=authors[i % 3],
            parent=children[i % len(children)],
            root_id=children[i % len(children)].root_id,
            depth=2,
            body=f"reply to reply {i}",
            language="en",
        )
        for i in range(remaining - remaining // 2)
    )
    Comment.objects.filter(proposal=proposal, depth__lt=2).update(reply_count=1)
    if viewer is not None:
        CommentReaction.objects.bulk_create(
            CommentReaction(comment=comment, user=viewer, kind="agree", nationality=viewer.nationality)
            for comment in Comment.objects.filter(proposal=proposal)[: size // 3]
        )


def queries_for(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(captured)


# The list fragment: the proposal, then counts, roots, replies; a member adds session, user, the two
# participation checks (verified email, membership) and their reactions on the page. Comments in
# another language than the reader's: + their translations, one query (translations.reading).
LIST_QUERIES = {"anonymous": 5, "member": 9}


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 500])
@pytest.mark.parametrize("role", ["anonymous", "member"])
def test_comment_list_query_budget_does_not_grow(
    client, proposal, make_actor, django_assert_num_queries, role, size, settings
):
    settings.PROPOSAL_PAGE_CACHE = False  # the drawing is measured (threads from the cache: test_page_cache)
    viewer = login(client, make_actor(role))
    build_discussion(proposal, size, viewer)

    with django_assert_num_queries(LIST_QUERIES[role]):
        response = client.get(list_url(proposal), **HTMX)

    assert response.status_code == 200
    assert html(response).count('class="thread"') == min(max(size // 5, 1), PAGE_SIZE)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "member"])
def test_proposal_page_query_count_is_the_same_for_5_and_500_comments(
    client, programme, make_actor, role, settings
):
    settings.PROPOSAL_PAGE_CACHE = False  # the rendering is measured; the cached page has its own test
    small, large = ProposalFactory(programme=programme), ProposalFactory(programme=programme)
    viewer = login(client, make_actor(role))
    build_discussion(small, 5, viewer)
    build_discussion(large, 500, viewer)
    queries_for(client, page_url(small))  # warm caches (content types, sessions)

    small_count = queries_for(client, page_url(small))
    large_count = queries_for(client, page_url(large))

    assert small_count == large_count
    assert html(client.get(page_url(large))).count('class="thread"') == PAGE_SIZE


@pytest.mark.parametrize(
    ("current", "last", "expected"),
    [
        (1, 1, [1]),
        (1, 5, [1, 2, 3, None, 5]),
        (50, 105, [1, None, 48, 49, 50, 51, 52, None, 105]),
        (105, 105, [1, None, 103, 104, 105]),
        (3, 6, [1, 2, 3, 4, 5, 6]),
    ],
)
def test_page_links_elide_far_pages(current, last, expected):
    from comments.sections import elided_page_numbers

    assert elided_page_numbers(current, last) == expected


# --- counts and focus after htmx updates (issue #14) ----------------------------------------------


def _after_swap(response) -> dict:
    return json.loads(response["HX-Trigger-After-Settle"])["dialogue:after-swap"]


@pytest.mark.django_db
def test_an_htmx_reply_updates_the_headings_count_out_of_band_and_focuses_the_reply(
    client, proposal, member, other_member
):
    parent = CommentFactory(proposal=proposal, author=other_member)
    CommentFactory(proposal=proposal, author=other_member)
    login(client, member)

    response = client.post(
        action_url(parent, "reply", lang="ja"), {"body": "賛成です。", "language": "ja"}, **HTMX
    )

    assert response.status_code == 200
    reply = Comment.objects.get(parent=parent)
    body = html(response)
    assert body.lstrip().startswith(f'<div class="thread" id="thread-{parent.pk}">')
    assert '<span class="comments-count" id="comments-count" hx-swap-oob="true">コメント3件</span>' in body
    assert _after_swap(response) == {
        "focus": [f"#comment-{reply.pk}", f"#thread-{parent.pk}"],
        "announce": "返信を投稿しました。",
    }


@pytest.mark.django_db
def test_an_htmx_deletion_updates_the_count_out_of_band(client, proposal, member, other_member):
    CommentFactory(proposal=proposal, author=other_member)
    mine = CommentFactory(proposal=proposal, author=member)
    login(client, member)

    response = client.post(action_url(mine, "delete"), {}, **HTMX)

    assert '<span class="comments-count" id="comments-count" hx-swap-oob="true">1 comment</span>' in html(
        response
    )
    assert _after_swap(response)["focus"] == [f"#comment-{mine.pk}", f"#thread-{mine.pk}"]


@pytest.mark.django_db
def test_the_heading_count_has_the_id_the_updates_target(client, proposal):
    CommentFactory(proposal=proposal)
    assert '<span class="comments-count" id="comments-count">1 comment</span>' in html(
        client.get(page_url(proposal))
    )


@pytest.mark.django_db
def test_an_opened_reply_form_takes_the_focus_and_a_reaction_keeps_it(client, proposal, member, other_member):
    comment = CommentFactory(proposal=proposal, author=other_member)
    login(client, member)

    opened = client.get(action_url(comment, "reply"), **HTMX)
    assert _after_swap(opened)["focus"] == [f"#reply-form-{comment.pk} textarea[name=body]"]

    reacted = client.post(action_url(comment, "react"), {"kind": "agree"}, **HTMX)
    assert _after_swap(reacted) == {
        "focus": ["@submitter", f"#reactions-{comment.pk} button"],
        "announce": "Your reaction was recorded.",
    }
    assert f'id="reaction-{comment.pk}-agree"' in html(reacted)


@pytest.mark.django_db
def test_a_refused_htmx_comment_focuses_the_box_and_announces_why(client, proposal, member):
    login(client, member)

    response = post_comment(client, proposal, "x" * (MAX_LENGTH + 1), headers=HTMX)

    after = _after_swap(response)
    assert after["focus"] == ["#comment-form textarea[name=body]"]
    assert str(MAX_LENGTH) in after["announce"]


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 10])
def test_htmx_reply_query_budget_does_not_grow(
    client, proposal, member, other_member, django_assert_num_queries, size
):
    parent = CommentFactory(proposal=proposal, author=other_member)
    for _ in range(size):
        CommentFactory(proposal=proposal, author=other_member, parent=parent)
        CommentFactory(proposal=proposal, author=other_member)
    login(client, member)
    # Warm the per-process caches (content types) with a first reply elsewhere.
    client.post(
        action_url(CommentFactory(proposal=proposal), "reply"), {"body": "First.", "language": "en"}, **HTMX
    )

    with django_assert_num_queries(HTMX_REPLY_QUERIES):
        response = client.post(action_url(parent, "reply"), {"body": "Agreed.", "language": "en"}, **HTMX)
    assert response.status_code == 200


# The whole reply: session and user, the parent with its proposal, participation, the throttle's
# counters, the write with its audit entry, notification and translation request, then the thread
# re-rendered (root, replies, reactions, translations, read marks). The write moves the proposal's
# activity stamp (core.pagestamp: one UPDATE) so no cached page outlives it; the same UPDATE moves
# and returns the heading's count (Proposal.discussion_count; was 43 with a COUNT after it). The
# participation check is made once, in the view, and handed to the service (was 44). The insert
# says itself whether the author's comment with its client token was there (INSERT ... ON
# CONFLICT DO NOTHING, core.compiled.insert(if_new=True)): no savepoint around it (was 42).
HTMX_REPLY_QUERIES = 40


@pytest.mark.django_db
def test_the_comment_words_follow_the_language_of_each_page_in_turn(client, make_actor, programme):
    """The action URLs and words every page of a proposal shares are made once per language
    (comments.rendering): pages in Korean, Japanese, then Korean again each get their own."""
    from comments import services as comment_services
    from tests.factories import ProposalFactory

    author = make_actor("member")
    proposal = ProposalFactory(programme=programme)
    comment_services.comment_create(author=author, proposal=proposal, body="첫 의견입니다", language="ko")
    client.force_login(make_actor("member"))
    words = {"ko": "답글", "ja": "返信"}
    for language in ("ko", "ja", "ko"):
        html = client.get(f"/{language}/proposals/{proposal.slug}/").content.decode()
        assert f">{words[language]}<" in html or f"{words[language]}</" in html
        other = "ja" if language == "ko" else "ko"
        assert words[other] not in html
        assert f"/{language}/proposals/{proposal.slug}/comments/" in html


@pytest.mark.django_db
def test_a_new_root_comment_is_its_own_thread_inserted_whole_where_keys_come_first(programme, make_actor):
    """A root comment points at itself (``root``). On PostgreSQL its key is taken from the sequence
    first and the row inserted whole: no UPDATE of the comment after its INSERT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from comments import services as comment_services
    from comments.models import Comment
    from tests.factories import ProposalFactory

    author = make_actor("member")
    proposal = ProposalFactory(programme=programme)
    with CaptureQueriesContext(connection) as sent:
        comment = comment_services.comment_create(
            author=author, proposal=proposal, body="스스로의 스레드", language="ko"
        )
    stored = Comment.objects.get(pk=comment.pk)
    assert stored.root_id == stored.pk == comment.root_id
    reply = comment_services.comment_create(
        author=author, proposal=proposal, body="답글", language="ko", parent=stored
    )
    assert Comment.objects.get(pk=reply.pk).root_id == stored.pk
    updates = [
        q["sql"] for q in sent.captured_queries if q["sql"].startswith(f'UPDATE "{Comment._meta.db_table}"')
    ]
    if connection.vendor == "postgresql":
        assert updates == []
    else:
        assert len(updates) == 1  # SQLite: the key comes with the INSERT, then the row points at itself
