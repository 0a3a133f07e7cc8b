"""Closing the moderators' loop in the admin: the index opens the actionable queue, the queue keeps
hidden and dismissed items within reach, progress reports are published one by one with a word per
item, and the language of the admin URL asked for survives the login."""

import pytest
from django.utils import timezone

from accounts.models import Nationality
from comments.models import Comment
from moderation import services
from progress.models import Milestone, MilestoneStatus
from tests.factories import (
    CommentFactory,
    InstitutionAPIKeyFactory,
    MilestoneFactory,
    ReportFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

KR, JP = Nationality.KOREA, Nationality.JAPAN
QUEUE = "/en/admin/moderation/reportedcomment/"
MILESTONES = "/en/admin/progress/milestone/"
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.MODERATION_REPORT_THRESHOLD = 3


@pytest.fixture
def moderator(make_actor, client):
    user = make_actor("moderator")
    client.force_login(user)
    return user


def reported(proposal, *nationalities, body="Reported text"):
    comment = CommentFactory(proposal=proposal, body=body)
    for nationality in nationalities:
        ReportFactory(comment=comment, reporter=UserFactory(nationality=nationality), reason="harassment")
    return comment


def shown(page: str, *comments: Comment) -> set[str]:
    return {comment.body for comment in comments if f"{comment.body}</a>" in page}


def html(response) -> str:
    return response.content.decode()


# --- The index and the queue's views -------------------------------------------------------------------


def test_the_index_sends_open_reports_to_the_queue(client, moderator, proposal):
    reported(proposal, KR, JP)

    index = html(client.get("/en/admin/"))

    assert f'href="{QUEUE}"' in index
    assert "/admin/moderation/report/?status__exact=open" not in index


def test_a_hidden_item_stays_in_the_queue_under_hidden_and_is_restored_there(client, moderator, proposal):
    waiting = reported(proposal, KR, body="still waiting")
    hidden = reported(proposal, KR, JP, body="hidden by hand")
    services.item_hide(moderator=moderator, comment=hidden, category="other", note="Insults")

    review = html(client.get(QUEUE))
    hidden_view = html(client.get(f"{QUEUE}?view=hidden"))

    assert shown(review, waiting, hidden) == {"still waiting"}
    assert shown(hidden_view, waiting, hidden) == {"hidden by hand"}
    assert 'value="restore_selected"' in hidden_view

    first = client.post(
        f"{QUEUE}?view=hidden", {"action": "restore_selected", "_selected_action": [hidden.pk]}
    )
    assert first.status_code == 200
    done = client.post(
        f"{QUEUE}?view=hidden",
        {"action": "restore_selected", "_selected_action": [hidden.pk], "confirm": "1", "reason": "Fair"},
    )
    assert done.status_code == 302
    hidden.refresh_from_db()
    assert hidden.hidden_at is None


def test_dismissed_items_are_listed_under_dismissed(client, moderator, proposal):
    dismissed = reported(proposal, KR, body="unfounded")
    services.reports_dismiss(moderator=moderator, comment=dismissed)
    reported(proposal, JP, body="open one")

    page = html(client.get(f"{QUEUE}?view=dismissed"))

    assert ">unfounded</a>" in page and ">open one</a>" not in page


def test_every_hidden_state_choice_of_the_queue_can_match(client, moderator, proposal):
    automatic = reported(proposal, KR, JP, body="auto hidden")
    services.report_create(
        reporter=UserFactory(nationality=Nationality.OTHER), comment=automatic, reason="spam"
    )
    manual = reported(proposal, KR, body="hidden by hand")
    services.item_hide(moderator=moderator, comment=manual, category="other", note="Insults")

    for view, states in {"review": ("visible", "automatic"), "hidden": ("manual", "automatic")}.items():
        page = html(client.get(f"{QUEUE}?view={view}"))
        offered = {state for state in ("visible", "manual", "automatic") if f"hidden={state}" in page}
        assert offered == set(states), view
    assert shown(html(client.get(f"{QUEUE}?view=hidden&hidden=manual")), automatic, manual) == {
        "hidden by hand"
    }


def test_the_queue_views_cost_the_same_queries_however_many_items(
    client, moderator, proposal, django_assert_max_num_queries
):
    for n in range(12):
        item = reported(proposal, KR, body=f"item {n}")
        if n % 3 == 0:
            services.item_hide(moderator=moderator, comment=item, category="other", note="Insults")
    for view in ("review", "hidden", "dismissed"):
        with django_assert_max_num_queries(12):
            assert client.get(f"{QUEUE}?view={view}").status_code == 200


# --- Progress reports: one by one ---------------------------------------------------------------------------


def test_publishing_a_batch_publishes_what_can_be_and_names_what_cannot(client, moderator, proposal):
    good = MilestoneFactory(proposal=proposal, status=MilestoneStatus.PENDING, title_en="With evidence")
    bad = MilestoneFactory(
        proposal=proposal,
        status=MilestoneStatus.PENDING,
        title_en="No evidence",
        evidence_url="",
        evidence_reference="",
        evidence_quote="",
    )

    response = client.post(
        MILESTONES, {"action": "publish", "_selected_action": [good.pk, bad.pk]}, follow=True
    )

    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, bad.status) == (MilestoneStatus.PUBLISHED, MilestoneStatus.PENDING)
    page = html(response)
    assert "1 milestone published." in page
    assert "No evidence" in page and "evidence" in page.split("No evidence", 1)[1][:400].lower()


def test_the_pending_list_shows_evidence_institution_and_submission_time(client, moderator, proposal):
    key = InstitutionAPIKeyFactory(institution__name_en="Ministry of Unification")
    milestone = MilestoneFactory(proposal=proposal, status=MilestoneStatus.PENDING)
    from institutions.models import ProgressReport

    ProgressReport.objects.create(
        institution=key.institution,
        milestone=milestone,
        api_key=key,
        language="en",
        created_at=timezone.now(),
    )
    MilestoneFactory(
        proposal=proposal, status=MilestoneStatus.PENDING, evidence_url="", evidence_reference=""
    )

    page = html(client.get(f"{MILESTONES}?status__exact=pending"))

    for column in ("column-evidence", "column-submitted_by", "column-submitted_at"):
        assert column in page
    assert "Ministry of Unification" in page
    assert 'href="https://example.org/evidence"' in page
    assert Milestone.objects.filter(status=MilestoneStatus.PENDING).count() == 2


def test_the_pending_list_costs_the_same_queries_however_many_reports(
    client, moderator, proposal, django_assert_max_num_queries
):
    from institutions.models import ProgressReport

    key = InstitutionAPIKeyFactory()
    for _n in range(8):
        milestone = MilestoneFactory(proposal=proposal, status=MilestoneStatus.PENDING)
        ProgressReport.objects.create(institution=key.institution, milestone=milestone, api_key=key)
    with django_assert_max_num_queries(14):
        assert client.get(f"{MILESTONES}?status__exact=pending").status_code == 200


# --- The admin's language after login ---------------------------------------------------------------------


def test_the_admin_url_asked_for_keeps_its_language_after_login(client, make_actor, settings):
    settings.ADMIN_REQUIRE_MFA = False
    moderator = make_actor("moderator", preferred_language="en")
    moderator.set_password(PASSWORD)
    moderator.save()

    response = client.post(
        "/ko/accounts/login/?next=/ko/admin/", {"login": moderator.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/ko/admin/"
    assert '<html lang="ko"' in html(client.get(response["Location"]))


def test_participants_still_get_their_preferred_language_after_login(client, make_actor):
    member = make_actor("member", preferred_language="ja")
    member.set_password(PASSWORD)
    member.save()

    response = client.post(
        "/ko/accounts/login/?next=/ko/proposals/", {"login": member.email, "password": PASSWORD}
    )

    assert response["Location"] == "/ja/proposals/"
