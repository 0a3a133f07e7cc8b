"""The moderators' Django admin: the queue of reported items, its actions with their intermediate
reason pages, the comment / amendment / user admins' moderation actions, who may use them, the
Moderator group's permissions, and the read-only audit log."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from accounts.models import Nationality, User
from accounts.permissions import MODERATOR_GROUP
from amendments.models import Amendment
from audit.log import record
from audit.models import AuditEntry
from comments.models import Comment
from moderation import services
from moderation.models import Report, ReportStatus
from tests.factories import AmendmentFactory, CommentFactory, ReportFactory, UserFactory

KR, JP, OTHER = Nationality.KOREA, Nationality.JAPAN, Nationality.OTHER
QUEUE = "/en/admin/moderation/reportedcomment/"
AMENDMENT_QUEUE = "/en/admin/moderation/reportedamendment/"
COMMENTS = "/en/admin/comments/comment/"
AMENDMENTS = "/en/admin/amendments/amendment/"
USERS = "/en/admin/accounts/user/"


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.MODERATION_REPORT_THRESHOLD = 3


@pytest.fixture
def moderator(make_actor, client):
    """A moderator with only what the Moderator group gives (its data migration)."""
    user = make_actor("moderator")
    client.force_login(user)
    return user


@pytest.fixture
def author(make_actor):
    return make_actor("member", nationality=JP, preferred_language="ja")


def reported(proposal, author, *nationalities, reason="harassment", body="Reported text", **fields):
    """A comment with one open report per nationality given (straight to the database)."""
    comment = CommentFactory(proposal=proposal, author=author, body=body, **fields)
    for nationality in nationalities:
        ReportFactory(comment=comment, reporter=UserFactory(nationality=nationality), reason=reason)
    return comment


def html(response) -> str:
    return response.content.decode()


def action(url, name, *objects, **data):
    """POST the changelist action ``name`` on ``objects`` (the first step: the intermediate page)."""
    return url, {"action": name, "_selected_action": [obj.pk for obj in objects], **data}


def confirm(client, url, name, *objects, **data):
    """Both steps of an action with an intermediate page: the form, then the confirmed POST."""
    first = client.post(*action(url, name, *objects))
    assert first.status_code == 200, first
    return client.post(*action(url, name, *objects, confirm="1", **data))


# --- The Moderator group ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_moderator_group_has_exactly_what_moderators_need():
    granted = set(
        Group.objects.get(name=MODERATOR_GROUP).permissions.values_list("content_type__app_label", "codename")
    )

    expected = {
        ("comments", "view_comment"),
        ("comments", "change_comment"),
        ("amendments", "view_amendment"),
        ("amendments", "change_amendment"),
        ("moderation", "view_report"),
        ("moderation", "change_report"),
        ("moderation", "view_reportedcomment"),
        ("moderation", "change_reportedcomment"),
        ("moderation", "view_reportedamendment"),
        ("moderation", "change_reportedamendment"),
        ("accounts", "view_user"),
        ("accounts", "change_user"),
        ("audit", "view_auditentry"),
        ("ratings", "view_rating"),
        ("ratings", "view_ratingaggregate"),
        ("notifications", "view_notification"),
        ("proposals", "view_proposal"),
        ("proposals", "change_proposal"),
        ("proposals", "view_proposalversion"),
        ("proposals", "change_proposalversion"),
        ("proposals", "view_publication"),
        ("proposals", "change_publication"),
        ("proposals", "view_citation"),
        ("proposals", "change_citation"),
        ("proposals", "view_editorialcorrection"),
        ("proposals", "change_editorialcorrection"),
        ("progress", "add_milestone"),
        ("progress", "change_milestone"),
        ("progress", "view_milestone"),
        ("progress", "delete_milestone"),
        ("progress", "view_jurisdictionstage"),
        # Partner institutions, read-only (institutions 0003; managed by the Partner manager group).
        ("institutions", "view_institution"),
        ("institutions", "view_institutionapikey"),
        ("institutions", "view_webhookendpoint"),
        ("institutions", "view_progressreport"),
    }
    assert granted == expected
    assert not any(codename.startswith("delete_") for app, codename in granted if app != "progress")
    assert not any(app == "auth" for app, _codename in granted)


def test_moderator_sees_the_queues_and_the_open_reports_link_of_the_index(
    client, moderator, proposal, author
):
    reported(proposal, author, KR)

    index = html(client.get("/en/admin/"))
    reports = client.get("/en/admin/moderation/report/?status__exact=open")

    assert QUEUE in index and AMENDMENT_QUEUE in index
    assert reports.status_code == 200
    # "What awaits" opens the queue itself, where moderators act, not the read-only report list.
    assert f'href="{QUEUE}"' in index


# --- The queue -----------------------------------------------------------------------------------------


def test_queue_shows_reported_comments_flagged_first_with_context(client, moderator, proposal, author):
    parent = CommentFactory(proposal=proposal, author=author, body="The parent comment")
    busy = reported(proposal, author, KR, JP, KR, JP, body="Mixed complaints", parent=parent)
    flagged = reported(proposal, author, KR, KR, KR, body="One side only")
    reported(proposal, author, JP, body="Just one report")
    CommentFactory(proposal=proposal, author=author, body="Never reported")

    page = html(client.get(QUEUE))

    assert page.index("One side only") < page.index("Mixed complaints") < page.index("Just one report")
    assert "Never reported" not in page
    assert "KR 3 / JP 0 / other 0" in page and "KR 2 / JP 2 / other 0" in page
    assert "In reply to:" in page and "The parent comment" in page
    assert f"/en/c/{busy.pk}/" in page and f"/en/c/{flagged.pk}/" in page
    assert "Harassment or hate, including hostility toward a nationality (4)" in page
    for name in ("hide_selected", "restore_selected", "dismiss_selected"):
        assert f'value="{name}"' in page
    assert 'value="delete_selected"' not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("reason=spam", {"spam"}),
        ("reason=harassment", {"flagged", "hidden"}),
        ("hidden=automatic", {"hidden"}),
        ("hidden=visible", {"flagged", "spam"}),
        ("one_nationality=yes", {"flagged"}),
        ("one_nationality=no", {"hidden", "spam"}),
        ("q=spammy", {"spam"}),
    ],
)
def test_queue_filters_and_search(client, moderator, proposal, author, query, expected):
    items = {
        "flagged": reported(proposal, author, KR, KR, KR, body="flagged one"),
        "spam": reported(proposal, author, JP, reason="spam", body="spammy one"),
        "hidden": reported(proposal, author, KR, body="hidden one"),
    }
    services.report_create(reporter=UserFactory(nationality=JP), comment=items["hidden"], reason="harassment")
    services.report_create(reporter=UserFactory(nationality=KR), comment=items["hidden"], reason="harassment")

    page = html(client.get(f"{QUEUE}?{query}"))

    shown = {name for name, comment in items.items() if f"{comment.body}</a>" in page}
    assert shown == expected


def test_queue_filters_by_proposal(client, moderator, proposal, author):
    from tests.factories import ProposalFactory

    other = ProposalFactory(programme=proposal.programme)
    reported(proposal, author, KR, body="here")
    reported(other, author, KR, body="there")

    page = html(client.get(f"{QUEUE}?proposal={other.pk}"))

    assert ">there</a>" in page and ">here</a>" not in page
    assert other.current_version.title in page


def test_queue_item_page_lists_the_reports(client, moderator, proposal, author):
    comment = reported(proposal, author, KR, JP)
    Report.objects.filter(comment=comment).update(note="Insulting Japanese participants")

    page = html(client.get(f"{QUEUE}{comment.pk}/change/"))

    assert page.count("Insulting Japanese participants") == 2
    assert "Reported text" in page


def test_hide_from_the_queue_goes_through_the_reason_page(client, moderator, proposal, author):
    first = reported(proposal, author, KR, JP)
    second = reported(proposal, author, KR)

    form = client.post(*action(QUEUE, "hide_selected", first, second))

    page = html(form)
    assert form.status_code == 200
    assert 'name="category"' in page and 'name="note"' in page and 'name="confirm"' in page
    assert 'name="action" value="hide_selected"' in page
    assert page.count('name="_selected_action"') == 2
    assert Comment.objects.filter(hidden_at__isnull=False).count() == 0

    done = client.post(
        *action(QUEUE, "hide_selected", first, second, confirm="1", category="harassment", note="Harassment")
    )

    assert done.status_code == 302
    for comment in (first, second):
        comment.refresh_from_db()
        assert (comment.hidden_automatically, comment.hidden_category, comment.hidden_reason) == (
            False,
            "harassment",
            "Harassment",
        )
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.ACTIONED}
    assert AuditEntry.objects.filter(action="comment.hidden", actor=moderator).count() == 2
    assert "2 items hidden." in html(client.get(QUEUE))


def test_hide_without_a_reason_shows_the_form_again_and_changes_nothing(client, moderator, proposal, author):
    comment = reported(proposal, author, KR)

    response = client.post(*action(QUEUE, "hide_selected", comment, confirm="1", category="", note=" "))

    assert response.status_code == 400
    assert "This field is required." in html(response)
    comment.refresh_from_db()
    assert comment.hidden_at is None
    assert not AuditEntry.objects.exists()


def test_restore_from_the_queue(client, moderator, proposal, author):
    comment = reported(proposal, author, KR, JP)
    services.report_create(reporter=UserFactory(nationality=OTHER), comment=comment, reason="spam")
    comment.refresh_from_db()
    assert comment.hidden_automatically

    response = confirm(client, QUEUE, "restore_selected", comment, reason="Fair comment")

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.hidden_at is None
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.DISMISSED}
    assert AuditEntry.objects.get(action="comment.restored").reason == "Fair comment"


def test_dismiss_from_the_queue(client, moderator, proposal, author):
    comment = reported(proposal, author, KR, KR, KR)

    response = confirm(client, QUEUE, "dismiss_selected", comment)

    assert response.status_code == 302
    assert set(Report.objects.values_list("status", "resolved_by")) == {
        (ReportStatus.DISMISSED, moderator.pk)
    }
    assert AuditEntry.objects.get(action="reports.dismissed").data["count"] == 3
    assert f"{comment.body}</a>" not in html(client.get(QUEUE))


def test_amendment_queue_hide_and_dismiss(client, moderator, proposal, author):
    hide = AmendmentFactory(proposal=proposal, author=author, new_text="Advertising text")
    keep = AmendmentFactory(proposal=proposal, author=author, new_text="Good text")
    for amendment in (hide, keep):
        ReportFactory(comment=None, amendment=amendment, reporter=UserFactory(nationality=KR))

    page = html(client.get(AMENDMENT_QUEUE))
    confirm(client, AMENDMENT_QUEUE, "hide_selected", hide, category="spam", note="Advertising")
    confirm(client, AMENDMENT_QUEUE, "dismiss_selected", keep)

    assert "Advertising text" in page and "Good text" in page
    hide.refresh_from_db()
    keep.refresh_from_db()
    assert (hide.hidden_reason, hide.hidden_automatically) == ("Advertising", False)
    assert keep.hidden_at is None
    assert not Report.objects.filter(status=ReportStatus.OPEN).exists()


# --- The comment, amendment and user admins -----------------------------------------------------------


def test_moderator_hides_a_comment_from_the_comment_admin_without_reports(
    client, moderator, proposal, author
):
    comment = CommentFactory(proposal=proposal, author=author, body="Never reported")

    response = confirm(client, COMMENTS, "hide_selected", comment, category="personal_data", note="Doxxing")

    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.hidden_reason, comment.hidden_automatically) == ("Doxxing", False)
    listing = html(client.get(f"{COMMENTS}?hidden=manual"))
    assert "Hidden by a moderator" in listing
    assert "Never reported" in listing
    assert "Never reported" not in html(client.get(f"{COMMENTS}?hidden=automatic"))


def test_comment_admin_distinguishes_automatic_hides(client, moderator, proposal, author):
    comment = reported(proposal, author, KR, JP)
    services.report_create(reporter=UserFactory(nationality=KR), comment=comment, reason="spam")

    listing = html(client.get(f"{COMMENTS}?hidden=automatic"))

    assert "Hidden automatically, pending review" in listing and "Reported text" in listing


def test_moderator_hides_and_restores_from_the_amendment_admin(client, moderator, proposal, author):
    amendment = AmendmentFactory(proposal=proposal, author=author)

    confirm(client, AMENDMENTS, "hide_selected", amendment, category="spam")
    amendment.refresh_from_db()
    hidden = amendment.hidden_at is not None
    confirm(client, AMENDMENTS, "restore_selected", amendment)

    amendment.refresh_from_db()
    assert hidden and amendment.hidden_at is None
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "amendment.hidden",
        "amendment.restored",
    ]


def test_suspend_until_a_date_from_the_user_admin(client, moderator, make_actor):
    member = make_actor("member")
    until = timezone.localdate() + dt.timedelta(days=10)

    form = client.post(*action(USERS, "suspend_selected", member))
    response = client.post(
        *action(USERS, "suspend_selected", member, confirm="1", until=until.isoformat(), reason="Insults")
    )

    assert 'type="date"' in html(form) and 'name="indefinitely"' in html(form)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_suspended()
    assert timezone.localtime(member.suspended_until).date() == until
    assert member.suspension_reason == "Insults"
    assert "until " in html(client.get(f"{USERS}?suspension=suspended"))


def test_suspend_indefinitely_from_the_user_admin(client, moderator, make_actor):
    member = make_actor("member")

    confirm(client, USERS, "suspend_selected", member, indefinitely="on", reason="Threats")

    member.refresh_from_db()
    assert member.is_suspended() and member.suspended_until is None
    assert AuditEntry.objects.get(action="user.suspended").actor == moderator


@pytest.mark.parametrize(
    "data",
    [
        {"reason": "No end given"},
        {"until": "2020-01-01", "reason": "In the past"},
        {"indefinitely": "on", "until": "2999-01-01", "reason": "Both"},
        {"indefinitely": "on", "reason": ""},
    ],
)
def test_bad_suspension_forms_are_shown_again(client, moderator, make_actor, data):
    member = make_actor("member")

    response = client.post(*action(USERS, "suspend_selected", member, confirm="1", **data))

    assert response.status_code == 400
    assert 'class="errorlist' in html(response)
    member.refresh_from_db()
    assert member.suspended_at is None


def test_lift_a_suspension_from_the_user_admin(client, moderator, make_actor):
    member = make_actor("suspended")

    response = confirm(client, USERS, "unsuspend_selected", member, reason="Appeal accepted")

    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_suspended() and member.suspended_at is None
    assert AuditEntry.objects.get(action="user.unsuspended").reason == "Appeal accepted"


def test_moderators_cannot_suspend_staff_and_see_why(client, moderator, make_actor):
    other_moderator = make_actor("moderator")

    response = confirm(client, USERS, "suspend_selected", other_moderator, indefinitely="on", reason="x")

    other_moderator.refresh_from_db()
    assert other_moderator.suspended_at is None
    assert "Only an administrator can suspend a staff account." in html(client.get(USERS))
    assert response.status_code == 302


def test_moderators_cannot_change_permissions_emails_or_passwords(client, moderator, make_actor):
    member = make_actor("member")

    page = html(client.get(f"{USERS}{member.pk}/change/"))
    password = client.get(f"{USERS}{member.pk}/password/")
    client.post(f"{USERS}{member.pk}/change/", {"email": "taken@example.org", "is_staff": "on"})

    assert 'name="is_staff"' not in page and 'name="email"' not in page and 'name="groups"' not in page
    assert password.status_code == 403
    member.refresh_from_db()
    assert not member.is_staff and member.email != "taken@example.org"


# --- Who may use any of it ------------------------------------------------------------------------------


def staff_outside_the_group(make_actor) -> User:
    """Staff with every moderation-related permission but not in the Moderator group."""
    user = make_actor("member")
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["moderation", "comments", "amendments", "accounts"]
        )
    )
    return user


@pytest.mark.parametrize("role", ["staff", "member", "anonymous"])
def test_non_moderators_cannot_use_the_queue(client, make_actor, proposal, author, role):
    comment = reported(proposal, author, KR)
    user = staff_outside_the_group(make_actor) if role == "staff" else make_actor(role)
    if user is not None:
        client.force_login(user)

    listing = client.get(QUEUE)
    first = client.post(*action(QUEUE, "hide_selected", comment))
    second = client.post(*action(QUEUE, "hide_selected", comment, confirm="1", category="other", note="x"))

    for response in (listing, first, second):
        if role == "staff":
            assert response.status_code == 403
        else:
            assert response.status_code == 302
            assert "/admin/login/" in response["Location"]
    comment.refresh_from_db()
    assert comment.hidden_at is None
    assert Report.objects.get().status == ReportStatus.OPEN


def test_staff_outside_the_group_are_refused_by_the_services_everywhere(client, make_actor, proposal, author):
    staff = staff_outside_the_group(make_actor)
    client.force_login(staff)
    comment = CommentFactory(proposal=proposal, author=author)
    amendment = AmendmentFactory(proposal=proposal, author=author)
    member = make_actor("member")

    confirm(client, COMMENTS, "hide_selected", comment, category="other", note="x")
    confirm(client, AMENDMENTS, "hide_selected", amendment, category="other", note="x")
    confirm(client, USERS, "suspend_selected", member, indefinitely="on", reason="x")

    assert "Only moderators can do this." in html(client.get(COMMENTS))
    assert not Comment.objects.filter(hidden_at__isnull=False).exists()
    assert not Amendment.objects.filter(hidden_at__isnull=False).exists()
    member.refresh_from_db()
    assert member.suspended_at is None
    assert not AuditEntry.objects.exists()


def test_participants_and_anonymous_are_sent_to_the_admin_login(client, make_actor):
    member = make_actor("member")
    for user in (None, member):
        if user is not None:
            client.force_login(user)
        for url in (COMMENTS, USERS, "/en/admin/audit/auditentry/"):
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- The audit log is append-only -----------------------------------------------------------------------


def test_audit_log_cannot_be_changed_or_deleted_even_by_a_superuser(client, proposal, author):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    comment = CommentFactory(proposal=proposal, author=author)
    entry = record(action="comment.hidden", actor=superuser, target=comment, reason="Original")
    client.force_login(superuser)
    url = f"/en/admin/audit/auditentry/{entry.pk}/"

    change = client.get(f"{url}change/")
    post_change = client.post(f"{url}change/", {"action": "x", "reason": "Rewritten"})
    delete = client.post(f"{url}delete/", {"post": "yes"})
    bulk = client.post(
        "/en/admin/audit/auditentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert change.status_code == 200
    assert 'name="reason"' not in html(change) and 'name="_save"' not in html(change)
    assert post_change.status_code == 403
    assert delete.status_code == 403
    assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert (entry.action, entry.reason) == ("comment.hidden", "Original")
    assert AuditEntry.objects.count() == 1
    assert client.get("/en/admin/audit/auditentry/add/").status_code == 403


# --- Query budget ------------------------------------------------------------------------------------------


def build_queue(proposal, author, size: int) -> None:
    """``size`` reported comments (a third of them replies), with one to four reports each."""
    reporters = [UserFactory(nationality=nationality) for nationality in (KR, JP, OTHER, KR)]
    parent = CommentFactory(proposal=proposal, author=author, body="parent")
    for i in range(size):
        comment = CommentFactory(proposal=proposal, author=author, parent=parent if i % 3 == 0 else None)
        for reporter in reporters[: 1 + i % 4]:
            ReportFactory(comment=comment, reporter=reporter, reason=("spam", "harassment")[i % 2])


# session, user, moderator group (is_moderator), the user's and group's permissions, the proposal
# filter's choices, the count, the page of items.
QUEUE_QUERIES = 8


@pytest.mark.parametrize("size", [3, 30])
def test_queue_query_count_does_not_grow_with_the_data(
    client, moderator, proposal, author, size, django_assert_num_queries
):
    build_queue(proposal, author, size)
    client.get(QUEUE)  # warm the content-type cache

    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(QUEUE)

    assert response.status_code == 200
    assert len(re.findall(r'name="_selected_action"', html(response))) == size


@pytest.mark.parametrize("size", [3, 30])
def test_amendment_queue_query_count_does_not_grow_with_the_data(
    client, moderator, proposal, author, size, django_assert_num_queries
):
    reporters = [UserFactory(nationality=nationality) for nationality in (KR, JP, OTHER)]
    for i in range(size):
        amendment = AmendmentFactory(proposal=proposal, author=author)
        for reporter in reporters[: 1 + i % 3]:
            ReportFactory(comment=None, amendment=amendment, reporter=reporter)
    client.get(AMENDMENT_QUEUE)

    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(AMENDMENT_QUEUE)

    assert len(re.findall(r'name="_selected_action"', html(response))) == size
