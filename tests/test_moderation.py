"""Reports, automatic hiding with the one-nationality safeguard, moderators' hides, restores,
dismissals and suspensions (services and the public pages)."""

import datetime as dt
import re
import uuid

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Nationality
from accounts.permissions import MODERATOR_GROUP
from amendments.models import Amendment
from audit.models import AuditEntry
from comments.models import Comment
from core.errors import DeliberationError, PermissionRefused
from moderation import selectors, services
from moderation.models import NOTE_MAX_LENGTH, Report, ReportStatus
from notifications.models import Kind, Notification
from tests.conftest import ROLES
from tests.factories import AmendmentFactory, CommentFactory, ReportFactory, UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
KR, JP, OTHER = Nationality.KOREA, Nationality.JAPAN, Nationality.OTHER


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.MODERATION_REPORT_THRESHOLD = 3


@pytest.fixture
def author(make_actor):
    return make_actor("member", nationality=JP, preferred_language="ja")


@pytest.fixture
def member(make_actor):
    return make_actor("member", nationality=KR)


@pytest.fixture
def moderator(make_actor):
    return make_actor("moderator")


@pytest.fixture
def comment(proposal, author):
    return CommentFactory(proposal=proposal, author=author, body="A questionable remark", language="ja")


@pytest.fixture
def reporters(make_actor):
    """``reporters(KR, KR, JP)``: that many members of the programme, one per nationality given."""

    def make(*nationalities):
        return [make_actor("member", nationality=nationality) for nationality in nationalities]

    return make


def page_url(proposal, lang="en"):
    return f"/{lang}/proposals/{proposal.slug}/"


def report_url(item, lang="en"):
    kind = "comments" if isinstance(item, Comment) else "amendments"
    return f"/{lang}/proposals/{item.proposal.slug}/{kind}/{item.pk}/report/"


def refusal_code(response) -> str:
    match = re.search(r'data-code="([a-z_]+)"', response.content.decode())
    return match.group(1) if match else ""


def report_all(item, users, reason="harassment"):
    kind = "comment" if isinstance(item, Comment) else "amendment"
    for user in users:
        services.report_create(reporter=user, reason=reason, **{kind: item})
    item.refresh_from_db()
    return item


# --- Reporting --------------------------------------------------------------------------------------


def test_participant_reports_a_comment_once_and_a_second_report_is_refused(client, comment, member):
    client.force_login(member)

    first = client.post(report_url(comment), {"reason": "spam", "note": "Advertising a shop"})
    second = client.post(report_url(comment), {"reason": "off_topic"})

    assert first.status_code == 302
    assert first["Location"] == f"/en/c/{comment.pk}/"
    assert (second.status_code, refusal_code(second)) == (400, "already_reported")
    assert "You have already reported this" in second.content.decode()
    report = Report.objects.get()
    assert (report.reason, report.note, report.reporter_nationality) == ("spam", "Advertising a shop", "KR")
    assert report.status == ReportStatus.OPEN
    assert AuditEntry.objects.filter(action="report.created", actor=member).count() == 1


def test_reporting_ones_own_comment_is_refused(client, comment, author):
    client.force_login(author)

    response = client.post(report_url(comment), {"reason": "spam"})

    assert (response.status_code, refusal_code(response)) == (403, "own_item")
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({}, "invalid_reason"),
        ({"reason": ""}, "invalid_reason"),
        ({"reason": "rude"}, "invalid_reason"),
        ({"reason": "spam", "note": "x" * (NOTE_MAX_LENGTH + 1)}, "too_long"),
    ],
)
def test_bad_report_input_is_refused_with_a_message_and_the_note_kept(client, comment, member, data, code):
    client.force_login(member)

    response = client.post(report_url(comment), data)

    assert (response.status_code, refusal_code(response)) == (400, code)
    if data.get("note"):
        assert data["note"] in response.content.decode()
    assert not Report.objects.exists()


def test_report_through_another_proposals_url_is_not_found(client, comment, member):
    from tests.factories import ProposalFactory

    other = ProposalFactory(programme=comment.proposal.programme)
    client.force_login(member)

    response = client.post(f"/en/proposals/{other.slug}/comments/{comment.pk}/report/", {"reason": "spam"})

    assert response.status_code == 404
    assert not Report.objects.exists()


def test_report_must_be_posted(client, comment, member):
    client.force_login(member)
    assert client.get(report_url(comment)).status_code == 405


def test_reporting_a_hidden_or_deleted_comment_is_refused(client, proposal, author, member):
    hidden = CommentFactory(proposal=proposal, author=author, hidden_at=timezone.now(), hidden_reason="x")
    deleted = CommentFactory(proposal=proposal, author=author, deleted_at=timezone.now())
    client.force_login(member)

    assert refusal_code(client.post(report_url(hidden), {"reason": "spam"})) == "already_hidden"
    assert refusal_code(client.post(report_url(deleted), {"reason": "spam"})) == "unavailable"
    assert not Report.objects.exists()


# Reporting is looser than taking part: logged in, active, verified and not suspended is enough;
# membership and an open window are not needed (abusive text stays readable after a window closes).
REPORT_REFUSAL = {"anonymous": "login_required", "unverified": "unverified", "suspended": "suspended"}


@pytest.mark.parametrize("window_open", [True, False], ids=["open", "closed"])
@pytest.mark.parametrize("role", ROLES)
def test_report_permission_matrix(client, comment, make_actor, close_window, role, window_open):
    user = make_actor(role)
    if user is not None:
        client.force_login(user)
    if not window_open:
        close_window()

    response = client.post(report_url(comment), {"reason": "spam"})

    if role in REPORT_REFUSAL:
        assert (response.status_code, refusal_code(response)) == (403, REPORT_REFUSAL[role])
        assert not Report.objects.exists()
    else:
        assert response.status_code == 302
        assert Report.objects.get().reporter == user


def test_report_with_htmx_returns_the_control_with_thanks(client, comment, member):
    client.force_login(member)

    response = client.post(report_url(comment), {"reason": "misinformation"}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="report-comment-{comment.pk}"' in html
    assert "The moderators will look at your report" in html
    assert "<html" not in html
    refused = client.post(report_url(comment), {"reason": "misinformation"}, **HTMX)
    assert (refused.status_code, refusal_code(refused)) == (400, "already_reported")
    assert "<html" not in refused.content.decode()


def test_report_control_is_offered_on_others_visible_comments_only(client, proposal, comment, member):
    own = CommentFactory(proposal=proposal, author=member, body="Mine")
    client.force_login(member)

    html = client.get(page_url(proposal)).content.decode()

    assert f'id="report-comment-{comment.pk}"' in html
    assert f'id="report-comment-{own.pk}"' not in html
    assert f'action="{report_url(comment)}"' in html
    client.logout()
    assert "report-control" not in client.get(page_url(proposal)).content.decode()


def test_report_control_stays_for_members_after_the_window_closes(
    client, proposal, comment, member, close_window
):
    close_window()
    client.force_login(member)

    html = client.get(page_url(proposal)).content.decode()

    assert f'id="report-comment-{comment.pk}"' in html


def test_participant_reports_an_amendment_from_its_page(client, proposal, author, member):
    amendment = AmendmentFactory(proposal=proposal, author=author)
    client.force_login(member)

    page = client.get(f"/en/proposals/{proposal.slug}/amendments/{amendment.pk}/").content.decode()
    response = client.post(report_url(amendment), {"reason": "off_topic"})

    assert f'id="report-amendment-{amendment.pk}"' in page
    assert response.status_code == 302
    assert Report.objects.get().amendment == amendment


def test_report_service_refuses_two_targets_or_none(comment, member, proposal, author):
    amendment = AmendmentFactory(proposal=proposal, author=author)
    with pytest.raises(DeliberationError) as both:
        services.report_create(reporter=member, comment=comment, amendment=amendment, reason="spam")
    with pytest.raises(DeliberationError) as neither:
        services.report_create(reporter=member, reason="spam")
    assert both.value.code == neither.value.code == "one_target"


# --- Automatic hiding and the one-nationality safeguard ----------------------------------------------------


def test_reports_below_the_threshold_do_not_hide(comment, reporters):
    report_all(comment, reporters(KR, JP))

    assert comment.hidden_at is None


def test_threshold_of_reporters_from_two_nationalities_hides_pending_review(comment, reporters):
    first, second, third = reporters(KR, KR, JP)
    services.report_create(reporter=first, comment=comment, reason="harassment")
    services.report_create(reporter=second, comment=comment, reason="spam")
    services.report_create(reporter=third, comment=comment, reason="harassment")

    comment.refresh_from_db()
    assert comment.hidden_at is not None
    assert comment.hidden_automatically is True
    assert "Harassment or hate" in comment.hidden_reason and "Spam" in comment.hidden_reason
    assert comment.hidden_reason.index("Harassment") < comment.hidden_reason.index("Spam")
    entry = AuditEntry.objects.get(action="comment.hidden_automatically")
    assert entry.actor is None
    assert entry.target_id == str(comment.pk)
    assert entry.data["reporters"] == 3 and entry.data["nationality_groups"] == 2
    notification = Notification.objects.get(kind=Kind.CONTENT_HIDDEN)
    assert notification.recipient == comment.author
    assert notification.data["automatic"] is True
    assert set(notification.data["reason"]) == {"en", "ko", "ja"}
    assert Report.objects.filter(status=ReportStatus.OPEN).count() == 3


def test_other_nationality_counts_as_a_second_group(comment, reporters):
    report_all(comment, reporters(KR, KR, OTHER))

    assert comment.hidden_automatically is True


def test_reports_from_one_nationality_only_never_hide_but_go_first_in_the_queue(
    proposal, comment, author, reporters
):
    busier = CommentFactory(proposal=proposal, author=author, body="Reported by many")
    report_all(busier, reporters(KR, JP, JP))
    ReportFactory(comment=busier)  # a fourth, more than the one-nationality item will have
    quiet = CommentFactory(proposal=proposal, author=author, body="Reported once")
    report_all(quiet, reporters(JP))

    report_all(comment, reporters(KR, KR, KR))

    assert comment.hidden_at is None
    assert busier.hidden_automatically is True
    queue = list(selectors.comment_queue())
    assert [item.pk for item in queue] == [comment.pk, busier.pk, quiet.pk]
    first = queue[0]
    assert (first.one_nationality, first.report_count, first.reports_kr, first.reports_jp) == (True, 3, 3, 0)
    assert first.reason_harassment == 3
    assert queue[1].one_nationality is False
    assert not AuditEntry.objects.filter(
        action="comment.hidden_automatically", target_id=str(comment.pk)
    ).exists()

    # A reporter from the other side makes it more than one side's complaint: now it is hidden.
    report_all(comment, reporters(JP))

    assert comment.hidden_automatically is True
    assert selectors.comment_queue().first().one_nationality is False


def test_amendments_follow_the_same_threshold_and_safeguard(proposal, author, reporters):
    one_side = AmendmentFactory(proposal=proposal, author=author)
    both_sides = AmendmentFactory(proposal=proposal, author=author)

    report_all(one_side, reporters(JP, JP, JP))
    report_all(both_sides, reporters(JP, KR, JP))

    assert one_side.hidden_at is None
    assert both_sides.hidden_automatically is True
    assert AuditEntry.objects.filter(action="amendment.hidden_automatically").count() == 1
    assert [a.pk for a in selectors.amendment_queue()] == [one_side.pk, both_sides.pk]


def test_hidden_placeholders_on_the_public_page_and_text_for_moderators(
    client, proposal, author, comment, reporters, moderator
):
    report_all(comment, reporters(KR, JP, KR))
    manual = CommentFactory(proposal=proposal, author=author, body="Plainly abusive")
    services.item_hide(
        moderator=moderator, comment=manual, category="harassment", note="Personal attack", note_language="en"
    )

    public = client.get(page_url(proposal)).content.decode()
    client.force_login(moderator)
    for_moderator = client.get(page_url(proposal)).content.decode()

    assert "A questionable remark" not in public and "Plainly abusive" not in public
    assert "Hidden while moderators review reports about it." in public
    assert "Hidden by moderators: Harassment or hate, including hostility toward a nationality" in public
    assert 'Moderators\' note: <q lang="en">Personal attack</q>' in public
    assert "A questionable remark" in for_moderator and "Plainly abusive" in for_moderator


def test_auto_hidden_amendment_page_says_pending_review(client, proposal, author, reporters):
    amendment = AmendmentFactory(proposal=proposal, author=author, new_text="Rewritten text")
    report_all(amendment, reporters(KR, JP, JP))

    html = client.get(f"/en/proposals/{proposal.slug}/amendments/{amendment.pk}/").content.decode()

    assert "Hidden while moderators review reports about it." in html
    assert "Rewritten text" not in html


# --- Moderators' actions on content -----------------------------------------------------------------------


def test_moderator_hides_a_comment_without_any_report(comment, moderator):
    services.item_hide(
        moderator=moderator, comment=comment, category="other", note="  Insults another participant  "
    )

    comment.refresh_from_db()
    assert comment.hidden_at is not None
    assert comment.hidden_automatically is False
    assert comment.hidden_reason == "Insults another participant"
    entry = AuditEntry.objects.get(action="comment.hidden")
    assert (entry.actor, entry.reason, entry.data["reports_actioned"]) == (
        moderator,
        "Insults another participant",
        0,
    )
    notification = Notification.objects.get(kind=Kind.CONTENT_HIDDEN)
    assert notification.data["automatic"] is False
    assert notification.data["reason"]["en"] == "Other reason — “Insults another participant”"


def test_hiding_confirms_an_automatic_hide_and_actions_the_reports(comment, reporters, moderator):
    report_all(comment, reporters(KR, JP, KR))

    services.item_hide(moderator=moderator, comment=comment, category="other", note="Confirmed: harassment")

    comment.refresh_from_db()
    assert (comment.hidden_automatically, comment.hidden_reason) == (False, "Confirmed: harassment")
    assert set(Report.objects.values_list("status", "resolved_by")) == {(ReportStatus.ACTIONED, moderator.pk)}
    assert AuditEntry.objects.get(action="comment.hidden").data["was_hidden_automatically"] is True
    assert not selectors.comment_queue().exists()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_hiding_needs_a_reason_of_sensible_length(comment, moderator, reason):
    with pytest.raises(DeliberationError) as refused:
        services.item_hide(moderator=moderator, comment=comment, category="other", note=reason)

    assert refused.value.code in {"reason_required", "too_long"}
    comment.refresh_from_db()
    assert comment.hidden_at is None


def test_hiding_twice_is_refused(comment, moderator):
    services.item_hide(moderator=moderator, comment=comment, category="other", note="Spam")
    with pytest.raises(DeliberationError) as refused:
        services.item_hide(moderator=moderator, comment=comment, category="other", note="Again")
    assert refused.value.code == "already_hidden"


@pytest.mark.parametrize("role", ["member", "suspended", "unverified", "non_member"])
def test_only_moderators_hide_restore_dismiss_and_suspend(comment, make_actor, member, role):
    actor = make_actor(role)
    ReportFactory(comment=comment)

    for act in (
        lambda: services.item_hide(moderator=actor, comment=comment, category="other", note="No"),
        lambda: services.item_restore(moderator=actor, comment=comment),
        lambda: services.reports_dismiss(moderator=actor, comment=comment),
        lambda: services.user_suspend(moderator=actor, user=member, until=None, reason="No"),
        lambda: services.user_unsuspend(moderator=actor, user=member),
    ):
        with pytest.raises(PermissionRefused) as refused:
            act()
        assert refused.value.code == "moderator_required"

    comment.refresh_from_db()
    member.refresh_from_db()
    assert comment.hidden_at is None and member.suspended_at is None
    assert Report.objects.get().status == ReportStatus.OPEN


def test_staff_outside_the_moderator_group_are_not_moderators(comment, make_actor):
    staff = make_actor("member")
    staff.is_staff = True
    staff.save()

    with pytest.raises(PermissionRefused):
        services.item_hide(moderator=staff, comment=comment, category="other", note="No")

    staff.is_superuser = True
    staff.save()
    services.item_hide(moderator=staff, comment=comment, category="other", note="Superusers may")


def test_restore_shows_the_comment_again_and_dismisses_its_reports(
    client, proposal, comment, reporters, moderator
):
    report_all(comment, reporters(KR, JP, KR))

    services.item_restore(moderator=moderator, comment=comment, reason="Reports unfounded")

    comment.refresh_from_db()
    assert (comment.hidden_at, comment.hidden_reason, comment.hidden_automatically) == (None, "", False)
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.DISMISSED}
    entry = AuditEntry.objects.get(action="comment.restored")
    assert (entry.actor, entry.data["reports_dismissed"], entry.data["was_hidden_automatically"]) == (
        moderator,
        3,
        True,
    )
    assert "A questionable remark" in client.get(page_url(proposal)).content.decode()
    with pytest.raises(DeliberationError) as refused:
        services.item_restore(moderator=moderator, comment=comment)
    assert refused.value.code == "not_hidden"


def test_dismissing_reports_lifts_an_automatic_hide(comment, reporters, moderator):
    report_all(comment, reporters(KR, JP, KR))

    assert services.reports_dismiss(moderator=moderator, comment=comment, reason="Fair criticism") == 3

    comment.refresh_from_db()
    assert comment.hidden_at is None
    assert AuditEntry.objects.get(action="reports.dismissed").data["count"] == 3
    assert AuditEntry.objects.filter(action="comment.restored").count() == 1
    assert not selectors.comment_queue().exists()
    with pytest.raises(DeliberationError) as refused:
        services.reports_dismiss(moderator=moderator, comment=comment)
    assert refused.value.code == "no_open_reports"


def test_dismissing_keeps_a_visible_comment_visible_and_reporters_cannot_report_again(
    comment, reporters, moderator
):
    (reporter,) = reporters(KR)
    services.report_create(reporter=reporter, comment=comment, reason="spam")

    services.reports_dismiss(moderator=moderator, comment=comment)

    comment.refresh_from_db()
    assert comment.hidden_at is None
    assert not AuditEntry.objects.filter(action="comment.restored").exists()
    with pytest.raises(DeliberationError) as refused:
        services.report_create(reporter=reporter, comment=comment, reason="spam")
    assert refused.value.code == "already_reported"


def test_new_reports_after_a_dismissal_count_afresh(comment, reporters, moderator):
    report_all(comment, reporters(KR, JP))
    services.reports_dismiss(moderator=moderator, comment=comment)

    report_all(comment, reporters(KR, JP))
    assert comment.hidden_at is None
    report_all(comment, reporters(OTHER))
    assert comment.hidden_automatically is True


def test_moderator_hides_and_restores_an_amendment(proposal, author, moderator):
    amendment = AmendmentFactory(proposal=proposal, author=author)

    services.item_hide(
        moderator=moderator, amendment=amendment, category="other", note="Off-topic advertising"
    )
    amendment.refresh_from_db()
    hidden_reason = amendment.hidden_reason
    services.item_restore(moderator=moderator, amendment=amendment)

    amendment.refresh_from_db()
    assert hidden_reason == "Off-topic advertising"
    assert amendment.hidden_at is None
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "amendment.hidden",
        "amendment.restored",
    ]
    assert Amendment.objects.get().state == "open"


# --- Notifications in the author's language ---------------------------------------------------------------


def test_author_is_emailed_in_their_language_with_the_reason(
    comment, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.item_hide(moderator=moderator, comment=comment, category="other", note="個人攻撃です")

    (email,) = mailoutbox
    assert email.to == [comment.author.email]
    assert comment.proposal.current_version.title_ja in email.subject
    assert "個人攻撃です" in email.body
    assert f"/ja/c/{comment.pk}/" in email.body
    assert "A questionable remark" in email.body


def test_automatic_hide_email_names_the_reasons_in_the_authors_language(
    comment, reporters, mailoutbox, django_capture_on_commit_callbacks, settings
):
    from django.utils import translation

    with django_capture_on_commit_callbacks(execute=True):
        report_all(comment, reporters(KR, JP, KR), reason="spam")

    (email,) = mailoutbox
    with translation.override("ja"):
        expected = services.reasons_text(["spam"], language="ja")
    assert expected in email.body
    assert "/ja/" in email.body


# --- Suspensions -------------------------------------------------------------------------------------------


def test_suspend_until_a_date(member, moderator, mailoutbox, django_capture_on_commit_callbacks):
    until = timezone.now() + dt.timedelta(days=14)

    with django_capture_on_commit_callbacks(execute=True):
        services.user_suspend(moderator=moderator, user=member, until=until, reason="Repeated insults")

    member.refresh_from_db()
    assert member.is_suspended()
    assert member.suspended_until == until
    assert not member.is_suspended(now=until + dt.timedelta(seconds=1))
    entry = AuditEntry.objects.get(action="user.suspended")
    assert (entry.actor, entry.reason, entry.data["until"]) == (
        moderator,
        "Repeated insults",
        until.isoformat(),
    )
    (email,) = mailoutbox
    assert email.to == [member.email]
    assert "Repeated insults" in email.body
    assert Notification.objects.get(kind=Kind.ACCOUNT_SUSPENDED).data["until"]["ko"]


def test_suspend_indefinitely(member, moderator):
    services.user_suspend(moderator=moderator, user=member, until=None, reason="Threats")

    member.refresh_from_db()
    assert member.is_suspended(now=timezone.now() + dt.timedelta(days=3650))
    assert member.suspended_until is None
    assert AuditEntry.objects.get(action="user.suspended").data["until"] is None


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("no_reason", "reason_required"),
        ("past", "until_past"),
        ("self", "own_account"),
        ("staff", "staff_account"),
    ],
)
def test_bad_suspensions_are_refused(member, moderator, make_actor, case, code):
    target, until, reason = member, None, "Reason"
    if case == "no_reason":
        reason = " "
    elif case == "past":
        until = timezone.now() - dt.timedelta(minutes=1)
    elif case == "self":
        target = moderator
    elif case == "staff":
        target = make_actor("moderator")

    with pytest.raises(DeliberationError) as refused:
        services.user_suspend(moderator=moderator, user=target, until=until, reason=reason)

    assert refused.value.code == code
    target.refresh_from_db()
    assert target.suspended_at is None
    assert not AuditEntry.objects.exists()


def test_suspended_participant_cannot_comment_rate_amend_or_report(
    client, proposal, comment, member, moderator
):
    services.user_suspend(moderator=moderator, user=member, until=None, reason="Spam")
    client.force_login(member)
    slug = proposal.slug

    responses = [
        client.post(f"/en/proposals/{slug}/comments/", {"body": "Hello", "language": "ko"}),
        client.post(f"/en/proposals/{slug}/ratings/", {"criterion": "importance", "score": "4"}),
        client.post(
            f"/en/proposals/{slug}/amendments/new/",
            {
                "field": "body",
                "language": "en",
                "base_version": proposal.current_version_id,
                "client_token": str(uuid.uuid4()),
                "new_text": "A different body.",
                "rationale": "Better.",
            },
        ),
        client.post(report_url(comment), {"reason": "spam"}),
    ]

    for response in responses:
        assert response.status_code == 403
        assert "Your account is suspended" in response.content.decode()
    assert Comment.objects.count() == 1
    assert not Amendment.objects.exists() and not Report.objects.exists()
    from ratings.models import Rating

    assert not Rating.objects.exists()


def test_lifting_a_suspension_lets_the_participant_write_again(client, proposal, member, moderator):
    services.user_suspend(moderator=moderator, user=member, until=None, reason="Spam")

    services.user_unsuspend(moderator=moderator, user=member, reason="Apologised")
    client.force_login(member)
    response = client.post(
        f"/en/proposals/{proposal.slug}/comments/", {"body": "I am back", "language": "ko"}
    )

    member.refresh_from_db()
    assert (member.suspended_at, member.suspended_until, member.suspension_reason) == (None, None, "")
    assert response.status_code == 302
    assert Comment.objects.filter(body="I am back").exists()
    assert AuditEntry.objects.get(action="user.unsuspended").reason == "Apologised"
    with pytest.raises(DeliberationError) as refused:
        services.user_unsuspend(moderator=moderator, user=member)
    assert refused.value.code == "not_suspended"


def test_a_suspended_moderator_loses_moderation_powers(comment, make_actor):
    moderator = make_actor("moderator")
    superuser = UserFactory(is_staff=True, is_superuser=True)
    services.user_suspend(moderator=superuser, user=moderator, until=None, reason="Compromised account")
    moderator.refresh_from_db()

    with pytest.raises(PermissionRefused):
        services.item_hide(moderator=moderator, comment=comment, category="other", note="x")
    assert moderator.groups.filter(name=MODERATOR_GROUP).exists()
    assert Group.objects.get(name=MODERATOR_GROUP)
