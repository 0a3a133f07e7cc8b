"""Participants' data rights: a copy of all their data (JSON and a readable summary, prepared by
the task queue, emailed as a link that expires) and the erasure of their account after
re-authenticating (aggregates and counters recomputed exactly, contributions kept anonymised or
emptied, replies kept, no personal data left in any table, the audit log pseudonymous)."""

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.consent import consents_give
from accounts.datarights import account_erase
from accounts.models import WITHDRAWN_EMAIL, DataExport, Nationality, User
from accounts.services import user_delete
from amendments.models import Amendment, AmendmentVote
from amendments.services import amendment_vote
from audit.log import pseudonym
from audit.models import AuditEntry
from comments.models import Comment, CommentReaction
from comments.services import comment_create, comment_react
from moderation.services import report_create
from ratings.models import Rating, RatingAggregate
from tests.factories import (
    AmendmentFactory,
    CommentFactory,
    MembershipFactory,
    ProgrammeFactory,
    RatingFactory,
    UserFactory,
)
from translations.services import translation_submit

LINK = re.compile(r"https?://\S+")
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


def member_of(proposal, **fields):
    user = UserFactory(**fields)
    MembershipFactory(user=user, programme=proposal.programme)
    return user


@pytest.fixture
def world(proposal):
    """Sora (whose data it is) and Minji (someone else), each with one of every kind of data."""
    sora = member_of(
        proposal,
        email="sora-private@example.jp",
        display_name="SoraUniqueName",
        nationality=Nationality.JAPAN,
        preferred_language="ja",
    )
    minji = member_of(proposal, email="minji-private@example.kr", display_name="MinjiUniqueName")
    consents_give(user=sora, participation=True, cross_border=True, research=True)
    data = {}
    for me in (sora, minji):
        comment = comment_create(
            author=me, proposal=proposal, body=f"Hello from {me.nationality}", language="ja"
        )
        data[me] = {"comment": comment}
    for me, other in ((sora, minji), (minji, sora)):
        comment_react(user=me, comment=data[other]["comment"], kind="agree")
        RatingFactory(user=me, proposal=proposal, criterion="importance", score=5 if me == sora else 2)
        RatingFactory(user=me, proposal=proposal, criterion="feasibility", score=4)
        amendment = AmendmentFactory(proposal=proposal, author=me, new_text=f"Amended by {me.nationality}")
        data[me]["amendment"] = amendment
    for me, other in ((sora, minji), (minji, sora)):
        amendment_vote(user=me, amendment=data[other]["amendment"], value="support")
        report_create(
            reporter=me, comment=data[other]["comment"], reason="spam", note=f"note by {me.display_name}"
        )
    # Each translates the other's comment (a participant's translation, awaiting review).
    for me, other in ((sora, minji), (minji, sora)):
        translation_submit(
            user=me,
            kind="comment.body",
            obj=data[other]["comment"],
            target_language="ko",
            text=f"Translated from {me.nationality}",
        )
    # A reply from Minji to Sora: a notification to Sora that names Minji.
    reply = comment_create(
        author=minji, proposal=proposal, body="Minji replies", language="ko", parent=data[sora]["comment"]
    )
    data[minji]["reply"] = reply
    return sora, minji, data


# --- download my data ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_holds_every_kind_of_the_participants_data_and_nothing_of_anyone_elses(
    client, world, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    from accounts.models import GuardianConsent
    from accounts.services import nationality_change_request
    from comments.services import comment_edit
    from core import personaldata

    sora, minji, contributions = world
    # The kinds the world lacks: an edited comment, a nationality change, a guardian's consent.
    for me in (sora, minji):
        comment_edit(user=me, comment=contributions[me]["comment"], body=f"Edited by {me.display_name}")
        nationality_change_request(user=me, nationality="OTHER", reason=f"{me.display_name} moves")
        GuardianConsent.objects.create(
            user=me, guardian_email=f"guardian-of-{me.pk}@example.org", method="guardian", policy_version="v"
        )
    client.force_login(sora)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/ja/accounts/data/export/")
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == [sora.email]
    assert "[日韓未来対話]" in message.subject  # in Sora's language
    link = next(url for url in LINK.findall(message.body) if "/accounts/data/" in url)

    with django_assert_max_num_queries(6):
        download = client.get(link)
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    exported = json.loads(download.content)
    data = exported["data"]
    # Every kind of data any app registers, each with Sora's rows and only hers.
    kinds = {kind.name for kind in personaldata.kinds()}
    assert set(data) == kinds and {"translations", "comment_edits", "reports"} <= kinds
    for kind in kinds:
        assert data[kind], kind
    assert data["profile"][0]["email"] == sora.email
    assert {c["body"] for c in data["comments"]} == {"Edited by SoraUniqueName"}
    assert [e["body"] for e in data["comment_edits"]] == ["Hello from JP"]
    assert [t["text"] for t in data["translations"]] == ["Translated from JP"]
    assert data["translations"][0]["source"] == contributions[minji]["comment"].pk
    assert len(data["ratings"]) == 2 and len(data["reactions"]) == 1
    assert data["reports"][0]["note"] == "note by SoraUniqueName"
    assert data["nationality_changes"][0]["reason"] == "SoraUniqueName moves"
    assert data["guardian_consents"][0]["guardian_email"] == f"guardian-of-{sora.pk}@example.org"
    text = download.content.decode()
    assert "Minji replies" in text  # the reply notification Sora received is Sora's data
    for others in (
        minji.email,
        "note by MinjiUniqueName",
        "Hello from KR",
        "Edited by MinjiUniqueName",
        "Translated from KR",
        "MinjiUniqueName moves",
        f"guardian-of-{minji.pk}",
    ):
        assert others not in text, others

    summary = client.get(link + "?format=html")
    assert summary.status_code == 200
    page = summary.content.decode()
    assert "Edited by SoraUniqueName" in page and 'data-kind="ratings"' in page
    assert 'data-kind="translations"' in page and "Translated from JP" in page


@pytest.mark.django_db
def test_the_export_link_is_only_for_its_owner_and_expires(client, world):
    sora, minji, _ = world
    export = DataExport.objects.create(
        user=sora, token="t" * 40, ready_at=timezone.now(), expires_at=timezone.now() + timedelta(days=1)
    )
    client.force_login(minji)
    assert client.get(f"/en/accounts/data/{export.token}/").status_code == 404
    client.force_login(sora)
    assert client.get(f"/en/accounts/data/{export.token}/").status_code == 200
    export.expires_at = timezone.now() - timedelta(seconds=1)
    export.save()
    assert client.get(f"/en/accounts/data/{export.token}/").status_code == 404


# --- delete my account ---------------------------------------------------------------------------


def rating_recount(proposal) -> dict:
    rows = Rating.objects.filter(proposal=proposal)
    counted = {}
    for criterion in ("importance", "feasibility"):
        for group in ("ALL", "KR", "JP", "OTHER"):
            mine = (
                rows.filter(criterion=criterion)
                if group == "ALL"
                else rows.filter(criterion=criterion, group=group)
            )
            agg = mine.aggregate(count=Count("pk"), total=Sum("score"))
            counted[(criterion, group)] = (agg["count"], agg["total"] or 0)
    return counted


def stored(proposal) -> dict:
    return {
        (a.criterion, a.group): (a.count, a.total) for a in RatingAggregate.objects.filter(proposal=proposal)
    }


def reaction_recount(comment) -> tuple[int, int]:
    comment.refresh_from_db()
    return comment.agree_count, CommentReaction.objects.filter(comment=comment, kind="agree").count()


def rows_mentioning(*needles: str) -> list[str]:
    """Every row of every table whose text contains one of ``needles`` (case-insensitive)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            for row in cursor.fetchall():
                text = " ".join(str(value) for value in row).lower()
                found += [f"{table}: {needle}" for needle in needles if needle.lower() in text]
    return found


def reauthenticate(client, lang="en"):
    """Enter the password again on allauth's page: the suspended request then goes through."""
    return client.post(f"/{lang}/accounts/reauthenticate/", {"password": PASSWORD})


@pytest.mark.django_db
def test_deleting_needs_the_password_again(client, world):
    sora, _minji, _ = world
    client.force_login(sora)  # a session without a recent password
    response = client.post("/en/accounts/delete/", {"contributions": "keep", "confirm": "on"})
    assert response.status_code == 302 and "/accounts/reauthenticate/" in response["Location"]
    assert User.objects.filter(pk=sora.pk).exists()


@pytest.mark.django_db
def test_refused_deletion_form_says_why_and_deletes_nothing(client, world):
    sora, _minji, _ = world
    client.force_login(sora)
    reauthenticate(client, "ja")
    response = client.post("/ja/accounts/delete/", {"contributions": "keep"})
    assert response.status_code == 400 and 'class="errorlist' in response.content.decode()
    assert User.objects.filter(pk=sora.pk).exists()


HIDDEN_NEXT = re.compile(r'<input type="hidden" name="next" value="([^"]+)"')


def password_page(client, asked, lang="en") -> dict:
    """Follow the redirect to allauth's password page and fill its form as a browser would: the
    password, and the hidden ``next`` the page carries."""
    assert asked.status_code == 302 and f"/{lang}/accounts/reauthenticate/" in asked["Location"]
    page = client.get(asked["Location"]).content.decode()
    form = page[page.index('action="/' + lang + '/accounts/reauthenticate/"') :]
    return {"password": PASSWORD, "next": HIDDEN_NEXT.search(form).group(1)}


def _erase_through_the_page(client, user, contributions, lang="en"):
    """One submit of the deletion form; after the password, the account is gone: the choice
    made before the password page is the one carried out, nothing to submit again."""
    client.force_login(user)
    asked = client.post(f"/{lang}/accounts/delete/", {"contributions": contributions, "confirm": "on"})
    assert User.objects.filter(pk=user.pk).exists()
    response = client.post(f"/{lang}/accounts/reauthenticate/", password_page(client, asked, lang))
    assert response.status_code == 302 and response["Location"] == f"/{lang}/proposals/"
    assert not User.objects.filter(pk=user.pk).exists()
    return response


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_one_submit_then_the_password_erases_the_account_with_the_choice_made(client, world, lang):
    sora, _minji, data = world
    response = _erase_through_the_page(client, sora, "delete", lang)
    assert Comment.objects.get(pk=data[sora]["comment"].pk).body == ""  # "delete" was carried out
    # Logged out, told so in the page's language.
    page = client.get(response["Location"]).content.decode()
    assert {"ko": "계정이 삭제되었습니다", "ja": "アカウントを削除しました"}[lang] in page
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_incomplete_form_comes_back_after_the_password_with_the_choice_kept_and_one_submit_erases(
    client, world
):
    sora, _minji, _data = world
    client.force_login(sora)
    asked = client.post("/ja/accounts/delete/", {"contributions": "delete"})  # the box not ticked
    back = client.post("/ja/accounts/reauthenticate/", password_page(client, asked, "ja"))
    page = back.content.decode()
    assert back.status_code == 400 and 'class="errorlist' in page
    assert re.search(r'value="delete"[^>]*checked', page)  # the choice is kept
    assert User.objects.filter(pk=sora.pk).exists()
    done = client.post("/ja/accounts/delete/", {"contributions": "delete", "confirm": "on"})
    assert done.status_code == 302 and not User.objects.filter(pk=sora.pk).exists()


@pytest.mark.django_db
def test_deleting_keeps_contributions_anonymised_recounts_and_leaves_no_personal_data(
    client, world, proposal
):
    sora, minji, data = world
    pseudonymous = pseudonym(sora)
    _erase_through_the_page(client, sora, "keep")

    assert stored(proposal) == {
        key: value for key, value in rating_recount(proposal).items() if key in stored(proposal)
    }
    assert stored(proposal)[("importance", "JP")] == (0, 0) and stored(proposal)[("importance", "ALL")] == (
        1,
        2,
    )
    assert reaction_recount(data[minji]["comment"]) == (0, 0)
    amendment = Amendment.objects.get(pk=data[minji]["amendment"].pk)
    assert (
        amendment.support_count
        == AmendmentVote.objects.filter(amendment=amendment, value="support").count()
        == 0
    )

    kept = Comment.objects.get(pk=data[sora]["comment"].pk)
    assert kept.body == "Hello from JP"  # the text stays
    assert kept.author.email == WITHDRAWN_EMAIL and kept.author.public_name == "Withdrawn participant"
    assert Comment.objects.get(pk=data[minji]["reply"].pk).parent_id == kept.pk
    assert rows_mentioning(sora.email, "SoraUniqueName") == []
    assert AuditEntry.objects.filter(actor_ref=pseudonymous, action="account.erased").exists()
    # The translation Sora wrote stays too, credited to nobody.
    from translations.models import Translation

    assert Translation.objects.get(text="Translated from JP").translator is None


@pytest.mark.django_db
def test_deleting_the_text_leaves_replies_under_a_deleted_placeholder_and_no_name_anywhere(
    client, world, proposal
):
    sora, minji, data = world
    from translations.models import Translation

    Translation.objects.create(
        source_kind="comment.body",
        source_id=data[sora]["comment"].pk,
        source_language="ja",
        source_hash="x",
        target_language="ko",
        text="일본에서 인사드립니다",
        origin="author",
        status="published",
    )
    _erase_through_the_page(client, sora, "delete")

    gone = Comment.objects.get(pk=data[sora]["comment"].pk)
    assert gone.body == "" and gone.deleted_at is not None and gone.author.email == WITHDRAWN_EMAIL
    reply = Comment.objects.get(pk=data[minji]["reply"].pk)
    assert reply.parent_id == gone.pk and reply.body == "Minji replies"
    erased = Amendment.objects.get(pk=data[sora]["amendment"].pk)
    assert erased.rationale == "" and erased.state == "withdrawn"
    # The words it proposed are gone too: it proposes nothing, and its page says so.
    assert erased.new_text == erased.original_text
    assert rows_mentioning("Amended by JP") == []
    page = client.get(erased.get_absolute_url()).content.decode()
    assert "Its author deleted the text of this amendment." in page and "Amended by" not in page
    assert Amendment.objects.get(pk=data[minji]["amendment"].pk).new_text == "Amended by KR"
    # The translation of the deleted text went with it; the audit log names the comment by id only.
    assert rows_mentioning(sora.email, "SoraUniqueName", "일본에서 인사드립니다") == []
    # So did the translation Sora wrote of Minji's comment; Minji's of Sora's went with its source.
    assert rows_mentioning("Translated from JP", "Translated from KR") == []
    assert not Translation.objects.filter(source_kind="comment.body", source_id=gone.pk).exists()
    # Minji's data is untouched.
    assert Rating.objects.filter(user=minji).count() == 2
    assert User.objects.get(pk=minji.pk).display_name == "MinjiUniqueName"


@pytest.mark.django_db
def test_erasure_leaves_no_text_of_an_edited_reported_hidden_comment_anywhere_not_even_in_the_audit_log(
    client, world, proposal, programme, make_actor
):
    """The audit log is append-only: whatever a row says of a participant stays. So rows name
    participants' content by id, and the earlier versions of a comment live beside it, where
    erasure reaches them."""
    from accounts.services import nationality_change_request, programme_join
    from comments.services import comment_edit
    from moderation.services import item_hide

    sora, minji, _data = world
    other = ProgrammeFactory(is_open=True)
    programme_join(user=sora, programme=other)
    nationality_change_request(user=sora, nationality="KR", reason="SoraMovedToSeoul")
    comment = comment_create(author=sora, proposal=proposal, body="SoraFirstDraftText", language="ja")
    comment_edit(user=sora, comment=comment, body="SoraSecondDraftText")
    report_create(reporter=minji, comment=comment, reason="spam", note="Minji's note")
    item_hide(moderator=make_actor("moderator"), comment=comment, category="other", note="Off topic")
    needles = (sora.email, "SoraUniqueName", "SoraFirstDraft", "SoraSecondDraft", "SoraMovedToSeoul")
    # Before the erasure the text is where moderators read it, the log included (by id).
    assert rows_mentioning(*needles)
    assert AuditEntry.objects.filter(action="comment.edited", target_repr=f"comment #{comment.pk}").exists()
    client.force_login(make_actor("moderator"))
    history = client.get(f"/en/admin/comments/comment/{comment.pk}/change/")
    assert "SoraFirstDraftText" in history.content.decode()  # the earlier version, for moderators

    _erase_through_the_page(client, sora, "delete")

    assert rows_mentioning(*needles) == []
    assert Comment.objects.get(pk=comment.pk).body == ""
    assert AuditEntry.objects.filter(target_id=str(comment.pk), action="comment.hidden").exists()


@pytest.mark.django_db
def test_a_moderator_processes_an_erasure_request_in_the_admin(client, world, make_actor):
    sora, _minji, _ = world
    moderator = make_actor("moderator")
    client.force_login(moderator)
    page = client.post(
        "/en/admin/accounts/user/", {"action": "erase_accounts", "_selected_action": [sora.pk]}
    )
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    done = client.post(
        "/en/admin/accounts/user/",
        {
            "action": "erase_accounts",
            "_selected_action": [sora.pk],
            "confirm": "1",
            "contributions": "keep",
            "reason": "Guardian's email of 1 Dec",
        },
    )
    assert done.status_code == 302
    assert not User.objects.filter(pk=sora.pk).exists()
    assert AuditEntry.objects.get(action="account.erased").actor_id == moderator.pk


@pytest.mark.django_db
def test_only_moderators_erase_someone_else(world):
    sora, minji, _ = world
    from core.errors import PermissionRefused

    with pytest.raises(PermissionRefused):
        account_erase(user=sora, actor=minji, keep_contributions=True)
    assert CommentFactory  # factories module loaded


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["user_delete", "model_delete"])
def test_a_deleted_account_takes_its_ratings_reactions_and_votes_out_of_the_counts(client, proposal, how):
    """An account deleted without an erasure (``user_delete``, as a superuser's delete does, or
    ``User.delete()`` from a shell) loses its ratings, reactions and amendment votes by cascade:
    each first leaves its aggregate or counter exact, and the proposal page shows it at once."""
    author = member_of(proposal, display_name="Author")
    comment = comment_create(author=author, proposal=proposal, body="A comment to agree with", language="en")
    amendment = AmendmentFactory(proposal=proposal, author=author, new_text="An amended text")
    rater = member_of(proposal, nationality=Nationality.JAPAN)  # no comment or amendment of their own
    RatingFactory(user=rater, proposal=proposal, criterion="importance", score=5)
    RatingFactory(user=author, proposal=proposal, criterion="importance", score=1)
    comment_react(user=rater, comment=comment, kind="agree")
    amendment_vote(user=rater, amendment=amendment, value="support")
    page = f"/en/proposals/{proposal.slug}/"
    assert '<span class="rating-count">2 ratings</span>' in client.get(page).content.decode()

    if how == "user_delete":
        user_delete(user=rater, actor=UserFactory(is_staff=True, is_superuser=True))
    else:
        User.objects.get(pk=rater.pk).delete()

    assert not User.objects.filter(pk=rater.pk).exists()
    assert (
        stored(proposal)[("importance", "ALL")] == rating_recount(proposal)[("importance", "ALL")] == (1, 1)
    )
    assert stored(proposal)[("importance", "JP")] == (0, 0)
    assert reaction_recount(comment) == (0, 0)
    amendment.refresh_from_db()
    assert amendment.support_count == 0 == AmendmentVote.objects.filter(amendment=amendment).count()
    shown = client.get(page).content.decode()
    assert '<span class="rating-count">1 rating</span>' in shown
    assert '<span class="rating-count">2 ratings</span>' not in shown
