"""The proposal page's caches are never stale: every write that changes the page moves the
proposal's activity stamp (core.pagestamp) inside its transaction, and the caches are keyed by it.

Three kinds of check: every public service function is classified (a page write or not, with
why); every page write reaches ``core.pagestamp`` in its code; and write by write, a view, the
write through its service, and a view again show the change, to visitors (from the cache) and to
participants, in Korean and in Japanese.
"""

import ast
import importlib
import inspect
import re
import textwrap
from pathlib import Path

import pytest
from django.core.cache import cache

from comments import services as comment_services
from core import pagestamp
from tests.factories import CommentFactory, MembershipFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
SERVICE_MODULES = sorted(
    f"{path.parent.name}.services" for path in ROOT.glob("*/services.py") if path.parent.name != ".venv"
)
LANGUAGES = ["ko", "ja"]


# --- The list of writes is complete, and each of them moves the stamp --------------------------------


def public_functions(module_name: str) -> set[str]:
    module = importlib.import_module(module_name)
    return {
        f"{module_name}.{name}"
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module_name and not name.startswith("_")
    }


@pytest.mark.parametrize("module_name", SERVICE_MODULES)
def test_every_service_function_is_classified_as_a_page_write_or_not(module_name):
    unclassified = public_functions(module_name) - set(pagestamp.PAGE_WRITES) - set(pagestamp.NOT_ON_THE_PAGE)
    assert unclassified == set(), "add each to core.pagestamp.PAGE_WRITES or NOT_ON_THE_PAGE"


def test_the_lists_name_only_functions_that_exist():
    for path in [*pagestamp.PAGE_WRITES, *pagestamp.NOT_ON_THE_PAGE]:
        module_name, name = path.rsplit(".", 1)
        assert inspect.isfunction(getattr(importlib.import_module(module_name), name, None)), path
    assert not set(pagestamp.PAGE_WRITES) & set(pagestamp.NOT_ON_THE_PAGE)


def reaches_the_stamp(module, name: str, seen: set[str] | None = None) -> bool:
    """Whether function ``name`` of ``module`` calls ``pagestamp`` itself or through a function of
    the same module it calls."""
    seen = seen if seen is not None else set()
    if name in seen:
        return False
    seen.add(name)
    function = getattr(module, name, None)
    if not inspect.isfunction(function) or function.__module__ != module.__name__:
        return False
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    called = set()  # every name used: a function may be handed on (partial(_move_counters, ...))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "pagestamp"
        ):
            return True
        if isinstance(node, ast.Name):
            called.add(node.id)
    return any(reaches_the_stamp(module, callee, seen) for callee in called)


@pytest.mark.parametrize("path", sorted(pagestamp.PAGE_WRITES))
def test_every_page_write_moves_the_stamp(path):
    module_name, name = path.rsplit(".", 1)
    assert reaches_the_stamp(importlib.import_module(module_name), name), path


# --- View, write, view ---------------------------------------------------------------------------------

TOKENS = re.compile(
    r'(name="csrfmiddlewaretoken" value=")[^"]+|("X-CSRFToken": ")[^"]+|(name="client_token" value=")[^"]+'
)


def page(client, proposal, language: str) -> str:
    response = client.get(f"/{language}/proposals/{proposal.slug}/")
    assert response.status_code == 200
    return TOKENS.sub(r"\1\2\3TOKEN", response.content.decode())


@pytest.fixture
def people(programme, make_actor):
    return {
        "author": make_actor("member", display_name="Author Ahn"),
        "reader": make_actor("member", display_name="Reader Ri"),
        "moderator": make_actor("moderator"),
    }


@pytest.fixture
def viewer(request, client, people):
    """The client as a visitor (the cached page) or as a participant."""
    if request.param == "member":
        client.force_login(people["reader"])
    return client


def check(viewer, proposal, language, write, *, shows=(), hides=()):
    """A view (which fills the cache), the write, a view: it shows ``shows`` and not ``hides``."""
    cache.clear()
    before = page(viewer, proposal, language)
    page(viewer, proposal, language)  # served from the cache for a visitor
    stamp = pagestamp.stamp_of(proposal.pk)
    write()
    assert pagestamp.stamp_of(proposal.pk) > stamp
    after = page(viewer, proposal, language)
    for text in shows:
        assert text in after
    for text in hides:
        assert text not in after
    assert after != before
    return before, after


both = pytest.mark.parametrize("language", LANGUAGES)
viewers = pytest.mark.parametrize("viewer", ["anonymous", "member"], indirect=True)


@viewers
@both
def test_a_new_comment_shows(viewer, proposal, people, language):
    def write():
        comment_services.comment_create(
            author=people["author"], proposal=proposal, body="A brand new thought", language="ko"
        )

    check(viewer, proposal, language, write, shows=["A brand new thought"])


@viewers
@both
def test_an_edit_shows(viewer, proposal, people, language):
    comment = CommentFactory(proposal=proposal, author=people["author"], body="First wording")

    def write():
        comment_services.comment_edit(user=people["author"], comment=comment, body="Second wording")

    check(viewer, proposal, language, write, shows=["Second wording"], hides=["First wording"])


@viewers
@both
def test_a_deletion_shows(viewer, proposal, people, language):
    comment = CommentFactory(proposal=proposal, author=people["author"], body="Soon gone")
    CommentFactory(parent=comment, body="A reply that stays")

    def write():
        comment_services.comment_delete(user=people["author"], comment=comment)

    check(viewer, proposal, language, write, shows=["A reply that stays"], hides=["Soon gone"])


@viewers
@both
def test_a_reaction_shows(viewer, proposal, people, language):
    comment = CommentFactory(proposal=proposal, author=people["author"], body="Agreeable")
    voter = UserFactory()
    MembershipFactory(user=voter, programme=proposal.programme)

    def write():
        comment_services.comment_react(user=voter, comment=comment, kind="agree")

    agree = re.compile(r'reaction-agree[^>]*>[^<]*<span class="reaction-count">(\d+)<')
    before, after = check(viewer, proposal, language, write)
    assert agree.search(before).group(1) == "0"
    assert agree.search(after).group(1) == "1"


@viewers
@both
def test_hidden_content_leaves_the_page_at_once_and_comes_back_on_restore(viewer, proposal, people, language):
    from moderation import services as moderation_services

    comment = CommentFactory(proposal=proposal, author=people["author"], body="Questionable remark")

    def hide():
        moderation_services.item_hide(
            moderator=people["moderator"], comment=comment, category="other", note="Off topic"
        )

    check(viewer, proposal, language, hide, hides=["Questionable remark"])
    comment.refresh_from_db()

    def restore():
        moderation_services.item_restore(moderator=people["moderator"], comment=comment)

    check(viewer, proposal, language, restore, shows=["Questionable remark"])


@viewers
@both
def test_a_rating_shows(viewer, proposal, people, language):
    from ratings import services as rating_services

    def write():
        rating_services.rating_set(user=people["author"], proposal=proposal, criterion="importance", score=5)

    check(viewer, proposal, language, write)


@viewers
@both
def test_an_amendment_and_its_decision_show(viewer, proposal, people, language):
    from amendments import services as amendment_services

    current = proposal.current_version
    original = getattr(current, f"body_{language}")

    def create():
        amendment_services.amendment_create(
            author=people["author"],
            proposal=proposal,
            field="body",
            language=language,
            new_text=original + " Amended sentence.",
            rationale="A clearer ending",
            base_version_id=current.pk,
        )

    check(viewer, proposal, language, create)
    from amendments.models import Amendment

    amendment = Amendment.objects.get(proposal=proposal)

    def accept():
        amendment_services.amendment_accept(moderator=people["moderator"], amendment=amendment)

    check(viewer, proposal, language, accept, shows=["Amended sentence."])


@viewers
@both
def test_a_published_translation_shows(viewer, proposal, people, language):
    from translations import services as translation_services

    other = "ja" if language == "ko" else "ko"
    comment = CommentFactory(
        proposal=proposal, author=people["author"], body="Original words", language=other
    )

    def write():
        translation_services.translation_submit(
            user=people["author"],
            kind="comment.body",
            obj=comment,
            target_language=language,
            text="Own translation",
        )

    check(viewer, proposal, language, write, shows=["Own translation"])


@viewers
@both
def test_a_new_display_name_shows(viewer, proposal, people, language):
    from accounts import services as account_services

    author = people["author"]
    CommentFactory(proposal=proposal, author=author, body="Signed words")

    def write():
        account_services.profile_update(
            user=author,
            display_name="Renamed Author",
            preferred_language=author.preferred_language,
            notification_frequency=author.notification_frequency,
        )

    check(viewer, proposal, language, write, shows=["Renamed Author"], hides=["Author Ahn"])


@both
def test_a_suspended_participants_controls_disappear_at_once(client, proposal, people, language):
    from moderation import services as moderation_services

    CommentFactory(proposal=proposal, author=people["author"], body="Someone else's comment")
    reader = people["reader"]
    client.force_login(reader)
    before = page(client, proposal, language)
    assert 'id="comment-form"' in before
    assert "hx-post" in before and "/react/" in before
    moderation_services.user_suspend(moderator=people["moderator"], user=reader, until=None, reason="Spam")
    after = page(client, proposal, language)
    assert 'id="comment-form"' not in after
    assert "/react/" not in after


@both
def test_a_suspended_participants_rating_and_amendment_controls_disappear_at_once(
    client, proposal, people, language
):
    from moderation import services as moderation_services

    reader = people["reader"]
    client.force_login(reader)
    cache.clear()
    page(client, proposal, language)
    before = page(client, proposal, language)  # the parts from the cache
    assert 'class="rating-form"' in ratings_part(before)
    assert 'class="button"' in amendments_part(before)  # propose an amendment
    moderation_services.user_suspend(moderator=people["moderator"], user=reader, until=None, reason="Spam")
    after = page(client, proposal, language)
    assert 'class="rating-form"' not in ratings_part(after)
    assert 'class="button"' not in amendments_part(after)
    assert 'id="participation-notice"' in after


@both
def test_the_visitors_page_is_served_from_the_cache_with_a_token_of_its_own(client, proposal, language):
    CommentFactory(proposal=proposal, body="Cached words")
    cache.clear()
    first = client.get(f"/{language}/proposals/{proposal.slug}/")
    second = client.get(f"/{language}/proposals/{proposal.slug}/")
    assert "Cached words" in second.content.decode()
    assert second.context is None  # no template rendered: it came from the cache
    assert first.context is not None
    token = re.search(r'"X-CSRFToken": "([^"]+)"', second.content.decode()).group(1)
    assert "csrf" not in token and len(token) == 64
    # The token works: a visitor's write is refused for what it is (log in), not for CSRF.
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    response = strict.post(
        f"/{language}/proposals/{proposal.slug}/comments/",
        {"body": "x", "language": "ko"},
        HTTP_X_CSRFTOKEN=token,
    )
    assert "CSRF verification failed" not in response.content.decode()
    assert response.status_code in (400, 403)


def test_the_page_in_each_language_and_sort_is_cached_apart(client, proposal):
    CommentFactory(proposal=proposal, body="Sorted words")
    cache.clear()
    ko = client.get(f"/ko/proposals/{proposal.slug}/").content.decode()
    ja = client.get(f"/ja/proposals/{proposal.slug}/").content.decode()
    assert 'lang="ko"' in ko and 'lang="ja"' in ja
    newest = client.get(f"/ko/proposals/{proposal.slug}/", {"sort": "newest"})
    assert newest.context is not None  # a page of its own, rendered once
    assert 'aria-current="true">' in newest.content.decode()


def test_a_translation_toggle_or_a_message_is_never_served_from_the_cache(client, proposal):
    cache.clear()
    client.get(f"/ko/proposals/{proposal.slug}/")
    assert client.get(f"/ko/proposals/{proposal.slug}/", {"original": "comment.body-1"}).context is not None
    assert client.get(f"/ko/proposals/{proposal.slug}/", {"ground": "common"}).context is not None


def test_a_full_save_of_an_old_copy_never_moves_the_stamp_back(proposal):
    stale_copy = type(proposal).objects.get(pk=proposal.pk)
    pagestamp.touch(proposal.pk)
    pagestamp.touch(proposal.pk)
    moved = pagestamp.stamp_of(proposal.pk)
    stale_copy.save()
    assert pagestamp.stamp_of(proposal.pk) > moved


@both
def test_threads_from_the_cache_carry_each_viewers_own_state(client, proposal, people, language):
    """One participant's view fills the thread cache; another's shows their own pressed reaction
    and the author's own controls, and none of theirs leaks to anyone else."""
    from django.test import Client

    from core.pagecache import RENDERED_PLACEHOLDER

    comment = CommentFactory(proposal=proposal, author=people["author"], body="Shared thread")
    comment_services.comment_react(user=people["reader"], comment=comment, kind="agree")
    bystander = UserFactory()
    MembershipFactory(user=bystander, programme=proposal.programme)
    cache.clear()

    def view(user) -> str:
        browser = Client()
        browser.force_login(user)
        html = page(browser, proposal, language)
        assert RENDERED_PLACEHOLDER not in html
        return html

    edit_link = f"/comments/{comment.pk}/edit/"
    pressed = f'id="reaction-{comment.pk}-agree" type="submit" name="kind" value="" class="reaction reaction-agree" aria-pressed="true"'
    first = view(bystander)
    assert edit_link not in first and pressed not in first
    assert f'id="reaction-{comment.pk}-agree"' in first  # the bystander may react
    second = view(bystander)  # from the cache now
    assert second == first
    mine = view(people["reader"])
    assert pressed in mine and edit_link not in mine
    authors = view(people["author"])
    assert edit_link in authors and f'id="reaction-{comment.pk}-agree"' not in authors
    assert view(bystander) == first


def test_a_moderator_sees_hidden_text_and_it_never_reaches_the_cache(client, proposal, people):
    from moderation import services as moderation_services

    comment = CommentFactory(proposal=proposal, author=people["author"], body="Hidden words")
    moderation_services.item_hide(
        moderator=people["moderator"], comment=comment, category="other", note="Off topic"
    )
    cache.clear()
    client.force_login(people["moderator"])
    assert "Hidden words" in page(client, proposal, "ko")
    client.force_login(people["reader"])
    assert "Hidden words" not in page(client, proposal, "ko")
    client.logout()
    assert "Hidden words" not in page(client, proposal, "ko")


# --- The participant's page: parts kept whole, the viewer's own state drawn around them ------------
# (pages.views: the proposal's text and sources, the amendments section; ratings.sections: the
# rating figures.)


def part(html: str, start: str, end: str) -> str:
    """The part of ``html`` from the first ``start`` to the next ``end`` (both included)."""
    begin = html.index(start)
    return html[begin : html.index(end, begin) + len(end)]


def ratings_part(html: str) -> str:
    return part(html, '<section id="ratings"', "</section>")


def amendments_part(html: str) -> str:
    return part(html, '<section id="amendments"', "</section>")


def article_part(html: str) -> str:
    return part(html, '<article class="proposal"', "</article>")


def browser(user):
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@viewers
@both
def test_the_rating_figures_show_a_new_rating(viewer, proposal, people, language):
    from ratings import services as rating_services

    def write():
        rating_services.rating_set(user=people["author"], proposal=proposal, criterion="importance", score=5)

    before, after = check(viewer, proposal, language, write)
    figures = re.compile(r'class="rating-count">[^<\d]*(\d+)')
    assert figures.findall(ratings_part(before))[:1] == ["0"]
    assert figures.findall(ratings_part(after))[:1] == ["1"]


@viewers
@both
def test_a_withdrawn_rating_leaves_the_figures(viewer, proposal, people, language):
    from ratings import services as rating_services

    rating_services.rating_set(user=people["author"], proposal=proposal, criterion="importance", score=5)

    def write():
        rating_services.rating_withdraw(user=people["author"], proposal=proposal, criterion="importance")

    before, after = check(viewer, proposal, language, write)
    figures = re.compile(r'class="rating-count">[^<\d]*(\d+)')
    assert figures.findall(ratings_part(before))[:1] == ["1"]
    assert figures.findall(ratings_part(after))[:1] == ["0"]


@both
def test_rating_figures_from_the_cache_carry_each_viewers_own_score(proposal, people, make_actor, language):
    """One participant's view fills the figures' cache; the next viewer sees the figures with
    their own score and forms, never the first one's, and the figures alike."""
    from ratings import services as rating_services

    rater, bystander = people["author"], people["reader"]
    suspended, outsider = make_actor("suspended"), make_actor("non_member")
    rating_services.rating_set(user=rater, proposal=proposal, criterion="importance", score=4)
    cache.clear()
    checked = 'id="rating-importance-score-4" type="radio" name="score" value="4" required checked'
    withdraw = 'class="rating-withdraw"'

    def ratings(user) -> str:
        return ratings_part(page(browser(user), proposal, language))

    theirs = ratings(rater)
    assert checked in theirs and withdraw in theirs
    for other in (bystander, suspended, outsider, None):
        html = ratings(other)
        assert checked not in html and withdraw not in html and "rating-mine" not in html
        assert ('class="rating-form"' in html) == (other is bystander)
    assert ("rating-login" in ratings(None)) and "rating-login" not in ratings(bystander)
    figures = re.compile(r'<h3 id="rating-.*?</div>\s*</div>', re.S)
    assert figures.findall(ratings(bystander)) == figures.findall(theirs)
    assert ratings(rater) == theirs


@viewers
@both
def test_a_vote_on_an_amendment_shows(viewer, proposal, people, language):
    from amendments import services as amendment_services
    from tests.factories import AmendmentFactory

    amendment = AmendmentFactory(proposal=proposal, author=people["author"])
    voter = UserFactory(nationality="KR")
    MembershipFactory(user=voter, programme=proposal.programme)

    def write():
        amendment_services.amendment_vote(user=voter, amendment=amendment, value="support")

    counts = re.compile(r'class="amendment-counts">[^<\d]*(\d+)')
    before, after = check(viewer, proposal, language, write)
    assert counts.findall(amendments_part(before)) == ["0"]
    assert counts.findall(amendments_part(after)) == ["1"]


@viewers
@both
def test_a_withdrawn_amendment_moves_to_the_decided_ones(viewer, proposal, people, language):
    from amendments import services as amendment_services
    from tests.factories import AmendmentFactory

    amendment = AmendmentFactory(proposal=proposal, author=people["author"])

    def write():
        amendment_services.amendment_withdraw(user=people["author"], amendment=amendment)

    before, after = check(viewer, proposal, language, write)
    assert 'class="amendment-counts"' in amendments_part(before)
    assert 'class="amendment-counts"' not in amendments_part(after)
    assert "state-withdrawn" in amendments_part(after)


@viewers
@both
def test_a_hidden_amendment_leaves_the_page_at_once(viewer, proposal, people, language):
    from moderation import services as moderation_services
    from tests.factories import AmendmentFactory

    amendment = AmendmentFactory(proposal=proposal, author=people["author"])
    from django.utils import translation

    with translation.override(language):
        link = f'href="{amendment.get_absolute_url()}"'

    def hide():
        moderation_services.item_hide(
            moderator=people["moderator"], amendment=amendment, category="other", note="Off topic"
        )

    before, after = check(viewer, proposal, language, hide)
    assert link in amendments_part(before)
    assert link not in amendments_part(after)
    assert "Off topic" in amendments_part(after)
    # A moderator still sees it (and is never served the section from the cache).
    assert link in amendments_part(page(browser(people["moderator"]), proposal, language))
    assert link not in amendments_part(page(viewer, proposal, language))


@viewers
@both
def test_a_new_version_of_the_text_shows(viewer, proposal, people, language):
    from proposals import services as proposal_services

    current = proposal.current_version
    texts = {name: getattr(current, name) for name in proposal_services.translated_field_names()}
    texts[f"body_{language}"] = "A freshly rewritten body."

    def write():
        proposal_services.version_create(
            proposal=proposal, texts=texts, change_note="Rewritten", stale_translations=[], created_by=None
        )

    before, after = check(viewer, proposal, language, write)
    assert "A freshly rewritten body." in article_part(after)
    assert "A freshly rewritten body." not in article_part(before)


@both
def test_the_amendments_section_from_the_cache_offers_proposing_only_to_who_may(
    proposal, people, make_actor, language
):
    from django.urls import reverse
    from django.utils import translation

    with translation.override(language):
        new_url = reverse("amendments:new", kwargs={"slug": proposal.slug})
    cache.clear()
    member = amendments_part(page(browser(people["reader"]), proposal, language))
    assert f'href="{new_url}"' in member
    for other in (make_actor("suspended"), make_actor("non_member"), None):
        assert f'href="{new_url}"' not in amendments_part(page(browser(other), proposal, language))
    assert amendments_part(page(browser(people["author"]), proposal, language)) == member


@both
def test_the_comment_form_from_the_cache_has_each_copys_own_tokens_and_language(
    proposal, people, make_actor, language
):
    """The new-comment form is kept whole (comments.sections.fresh_root_form): every copy gets its
    own CSRF and client tokens, and each participant the language they write in preselected."""
    import uuid

    from django.test import Client

    from comments.models import Comment

    reader = people["reader"]
    reader.preferred_language = "ko"
    reader.save()
    other = make_actor("member", preferred_language="ja")
    cache.clear()
    form = re.compile(r'<form [^>]*id="comment-form".*?</form>', re.S)
    client_token = re.compile(r'name="client_token" value="([^"]+)"')
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reader)
    copies = [
        form.search(strict.get(f"/{language}/proposals/{proposal.slug}/").content.decode()).group(0)
        for _ in range(2)
    ]
    tokens = [client_token.search(copy).group(1) for copy in copies]
    assert tokens[0] != tokens[1] and uuid.UUID(tokens[0]) != uuid.UUID(int=0)
    assert "csrf-token" not in copies[1]
    assert '<option value="ko" selected>' in copies[1]
    theirs = form.search(page(browser(other), proposal, language)).group(0)
    assert '<option value="ja" selected>' in theirs and '<option value="ko" selected>' not in theirs

    # The copy from the cache posts (its CSRF token is this browser's), once.
    body = {"body": "Posted from a kept form", "language": "ko", "client_token": tokens[1], "sort": "oldest"}
    body["csrfmiddlewaretoken"] = csrf.search(copies[1]).group(1)
    for _ in range(2):
        response = strict.post(f"/{language}/proposals/{proposal.slug}/comments/", body)
        assert response.status_code in (200, 302)
    assert Comment.objects.filter(body="Posted from a kept form").count() == 1


def drawn_templates(response) -> set[str]:
    return {template.name for template in response.templates}


@both
def test_a_participants_page_is_filled_around_a_kept_frame_with_only_their_own_state(
    proposal, people, make_actor, language, settings
):
    """The first participant's view keeps the page's frame (pages.frames); every other one who
    sees it alike gets it filled with their own scores, form language and threads - the same page,
    byte for byte, as drawn whole for them - and nobody else's."""
    from ratings import services as rating_services

    author, reader = people["author"], people["reader"]
    author.preferred_language, reader.preferred_language = "ko", "ja"
    author.save()
    reader.save()
    bystander = make_actor("member")
    own = CommentFactory(proposal=proposal, author=author, body="The author's own thread")
    other = CommentFactory(proposal=proposal, author=bystander, body="Someone else's thread")
    comment_services.comment_react(user=reader, comment=other, kind="agree")
    rating_services.rating_set(user=author, proposal=proposal, criterion="importance", score=4)
    checked = 'id="rating-importance-score-4" type="radio" name="score" value="4" required checked'
    pressed = f'id="reaction-{other.pk}-agree" type="submit" name="kind" value="" class="reaction reaction-agree" aria-pressed="true"'
    edit_link = f"/comments/{own.pk}/edit/"
    path = f"/{language}/proposals/{proposal.slug}/"
    cache.clear()

    first = browser(bystander).get(path)
    assert "proposals/detail.html" in drawn_templates(first)
    seen = {}
    for user in (author, reader, bystander):
        response = browser(user).get(path)
        assert "proposals/detail.html" not in drawn_templates(response)  # filled around the frame
        html = TOKENS.sub(r"\1\2\3TOKEN", response.content.decode())
        assert "page-slot" not in html and "csrf-token" not in html
        seen[user.pk] = html
    assert (checked in seen[author.pk], checked in seen[reader.pk], checked in seen[bystander.pk]) == (
        True,
        False,
        False,
    )
    assert [pressed in seen[user.pk] for user in (author, reader, bystander)] == [False, True, False]
    assert [edit_link in seen[user.pk] for user in (author, reader, bystander)] == [True, False, False]
    form = re.compile(r'<form [^>]*id="comment-form".*?</form>', re.S)
    assert '<option value="ko" selected>' in form.search(seen[author.pk]).group(0)
    assert '<option value="ja" selected>' in form.search(seen[reader.pk]).group(0)

    settings.PROPOSAL_PAGE_CACHE = False
    for user in (author, reader, bystander):
        assert page(browser(user), proposal, language) == seen[user.pk]


def test_a_staff_participants_admin_link_reaches_no_one_else(proposal, make_actor):
    """The header shows staff the admin's link: their frame is kept apart from everyone else's."""
    staff, member = make_actor("member", is_staff=True), make_actor("member")
    admin_link = 'href="/ko/admin/"'
    for order in ((staff, member), (member, staff)):
        cache.clear()
        for user in order:
            for _ in range(2):
                html = page(browser(user), proposal, "ko")
                assert (admin_link in html) == (user is staff)


@both
def test_a_message_waiting_shows_on_a_participants_page(proposal, make_actor, language):
    """A message is the viewer's own: the page that shows it is drawn for them, not filled
    around the kept frame, and the next view (the message read) is filled again."""
    from django.urls import reverse
    from django.utils import translation

    member, joiner = make_actor("member"), make_actor("non_member")
    path = f"/{language}/proposals/{proposal.slug}/"
    cache.clear()
    for _ in range(2):
        page(browser(member), proposal, language)
    joining = browser(joiner)
    page(joining, proposal, language)
    with translation.override(language):
        join_url = reverse("accounts:programme_join", kwargs={"slug": proposal.programme.slug})
    response = joining.post(join_url, {"next": path}, follow=True)
    assert response.redirect_chain[-1][0] == path
    welcome = 'class="message success"'
    assert welcome in response.content.decode()
    again = joining.get(path)
    assert welcome not in again.content.decode()
    assert "proposals/detail.html" not in drawn_templates(again)


# --- Edits no service makes: the admin's (and the seed loader's) ----------------------------------


@pytest.fixture
def admin_client(db):
    from django.test import Client

    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    return admin


@viewers
@both
def test_a_publication_edited_in_the_admin_shows(viewer, proposal, admin_client, language):
    publication = proposal.publication
    author = publication.authors.get()

    def write():
        response = admin_client.post(
            f"/en/admin/proposals/publication/{publication.pk}/change/",
            {
                "key": publication.key,
                "title_en": "A Retitled Working Paper",
                "title_ko": "A Retitled Working Paper",
                "title_ja": "A Retitled Working Paper",
                "series": publication.series,
                "publisher": publication.publisher,
                "authors-TOTAL_FORMS": "1",
                "authors-INITIAL_FORMS": "1",
                "authors-MIN_NUM_FORMS": "0",
                "authors-MAX_NUM_FORMS": "1000",
                "authors-0-id": str(author.pk),
                "authors-0-publication": str(publication.pk),
                "authors-0-name_en": "Renamed Author",
                "authors-0-affiliation": author.affiliation,
                "authors-0-position": "0",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]

    before, _after = check(
        viewer, proposal, language, write, shows=["A Retitled Working Paper", "Renamed Author"]
    )
    assert "A Retitled Working Paper" not in before


@viewers
@both
def test_a_further_source_shows(viewer, proposal, language):
    from proposals.models import Citation

    def add_source():
        Citation.objects.create(
            proposal=proposal,
            publication=proposal.publication,
            position=9,
            section="Chapter Nine",
            quote="A passage from elsewhere.",
        )

    check(viewer, proposal, language, add_source, shows=["A passage from elsewhere."])


@both
def test_a_renamed_programme_shows_on_the_visitors_page(client, proposal, language):
    """Visitors see the programme's name in the box that invites them to take part."""
    programme = proposal.programme

    def rename():
        setattr(programme, f"name_{language}", "The Renamed Dialogue")
        programme.save()

    check(client, proposal, language, rename, shows=["The Renamed Dialogue"])


def test_a_participants_page_carries_one_masked_token_that_its_forms_post_with(proposal, people):
    """The CSRF token is masked once per response (core.pagecache.request_token), not once per
    form part (four times on a participant's page before), and a form of the page posts with it."""
    from django.test import Client

    CommentFactory(proposal=proposal, author=people["author"], body="A thread to react to")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["reader"])
    cache.clear()
    path = f"/ja/proposals/{proposal.slug}/"
    browser.get(path)  # draws and keeps the frame
    html = browser.get(path).content.decode()
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    tokens |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', html))
    assert len(tokens) == 1, tokens
    (token,) = tokens
    rated = browser.post(
        f"/ja/proposals/{proposal.slug}/ratings/",
        {"criterion": "importance", "score": 4, "csrfmiddlewaretoken": token},
        HTTP_HX_REQUEST="true",
    )
    assert rated.status_code == 200 and "評価を保存しました" in rated.content.decode()


def test_a_request_token_follows_a_rotated_secret():
    """After a login rotates the CSRF secret mid-request, the next token is the new secret's."""
    from django.middleware.csrf import _does_token_match, rotate_token
    from django.test import RequestFactory

    from core.pagecache import request_token

    request = RequestFactory().get("/")
    first = request_token(request)
    assert request_token(request) == first
    rotate_token(request)
    second = request_token(request)
    assert second != first
    assert _does_token_match(second, request.META["CSRF_COOKIE"])
    assert not _does_token_match(first, request.META["CSRF_COOKIE"])
