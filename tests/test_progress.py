import csv
import datetime as dt
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import MultiWidget
from django.utils import timezone

from accounts.models import Nationality
from amendments.models import AmendmentState
from audit.models import AuditEntry
from core.errors import DeliberationError, PermissionRefused
from notifications.models import Kind, Notification
from progress import csv_io, selectors, services
from progress.models import Jurisdiction, JurisdictionStage, Milestone
from proposals.models import Proposal, Stage
from tests.conftest import ROLES
from tests.factories import (
    AmendmentFactory,
    CommentFactory,
    MilestoneFactory,
    ProposalFactory,
    RatingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MILESTONES_URL = "/en/admin/progress/milestone/"
IMPORT_URL = "/en/admin/progress/milestone/import/"
PROPOSALS_URL = "/en/admin/proposals/proposal/"


@pytest.fixture
def moderator(make_actor):
    """A staff moderator (not a superuser) who may also edit proposals in the admin."""
    user = make_actor("moderator")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="proposals", codename__endswith="_proposal")
    )
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(
        is_staff=True, is_superuser=True, nationality=Nationality.OTHER, preferred_language="en"
    )


def stages_of(proposal) -> dict[str, str]:
    return dict(JurisdictionStage.objects.filter(proposal=proposal).values_list("jurisdiction", "stage"))


def publish(proposal, **fields) -> Milestone:
    """A published milestone written directly, then the stages recomputed (no actor)."""
    milestone = MilestoneFactory(proposal=proposal, **fields)
    services.stages_recompute(proposal=proposal, actor=None)
    return milestone


def upload(data: bytes, name="milestones.csv", **extra) -> dict:
    return {"file": SimpleUploadedFile(name, data, content_type="text/csv"), **extra}


def import_file(client, data: bytes, url=IMPORT_URL):
    """Both steps of an import: the upload (a preview that saves nothing), then its confirmation."""
    preview = client.post(url, upload(data))
    assert preview.status_code == 200, preview.content.decode()[:2000]
    assert preview.context["confirm"] is not None, "the file changes nothing"
    return client.post(url, {"payload": preview.context["confirm"].initial["payload"]}, follow=True)


def csv_text(rows: list[dict], *, bom=True) -> bytes:
    """A CSV file with the export's columns; missing cells are empty."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=csv_io.COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def new_row(proposal, /, **cells) -> dict:
    row = {
        "id": "",
        "proposal": proposal.slug,
        "date": "2025-03-01",
        "stage": "submitted",
        "jurisdiction": "JP",
        "institution": "外務省",
        "title_en": "Submitted to MOFA",
        "title_ko": "일본 외무성에 제출",
        "title_ja": "外務省に提出",
        "description_en": "The plan was submitted.",
        "description_ko": "계획이 제출되었다.",
        "description_ja": "計画が提出された。",
        "evidence_url": "https://example.org/mofa",
        "evidence_reference": "",
        "evidence_quote": "",
        "next_review_on": "",
        "status": "published",
    }
    row.update(cells)
    return row


def milestone_rows():
    return list(Milestone.objects.order_by("pk").values())


# --- Admin change form: milestones inline on the proposal -------------------------------------------


def change_form_data(response) -> dict:
    """The POST data of an admin change form as it was rendered (main form and every inline)."""
    data = {}

    def put(form, name):
        value = form[name].value()
        key = form.add_prefix(name)
        if value is None or value is False:
            return
        widget = form.fields[name].widget
        if isinstance(widget, MultiWidget):  # e.g. a split date and time
            for suffix, part in zip(widget.widgets_names, widget.decompress(value), strict=True):
                data[key + suffix] = part.isoformat() if hasattr(part, "isoformat") else str(part)
            return
        if value is True:
            data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
        elif isinstance(value, dt.date):
            data[key] = value.isoformat()
        else:
            data[key] = str(value)

    form = response.context["adminform"].form
    for name in form.fields:
        put(form, name)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            put(formset.management_form, name)
        for subform in formset.forms:
            for name in subform.fields:
                put(subform, name)
    return data


def add_milestone_form(data: dict, **fields) -> dict:
    index = int(data["milestones-TOTAL_FORMS"])
    values = {
        "date": "2025-05-01",
        "stage": "piloted",
        "jurisdiction": "KR",
        "status": "published",
        "institution": "Ministry of Education",
        "title_en": "Pilot programme started",
        "title_ko": "시범 사업 시작",
        "title_ja": "試行事業の開始",
        "description_en": "Ten universities joined.",
        "description_ko": "10개 대학이 참여했다.",
        "description_ja": "10大学が参加した。",
        "evidence_url": "https://example.org/moe",
        "evidence_reference": "MOE press release 2025-41",
        "evidence_quote": "",
        "next_review_on": "",
    }
    values.update(fields)
    for name, value in values.items():
        data[f"milestones-{index}-{name}"] = value
    data["milestones-TOTAL_FORMS"] = str(index + 1)
    return data


def test_adding_a_milestone_inline_in_the_admin_moves_the_stages_and_is_audited(client, moderator, proposal):
    client.force_login(moderator)
    url = f"{PROPOSALS_URL}{proposal.pk}/change/"
    data = add_milestone_form(change_form_data(client.get(url)))

    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    milestone = Milestone.objects.get(proposal=proposal)
    assert (milestone.title_ko, milestone.title_ja, milestone.created_by) == (
        "시범 사업 시작",
        "試行事業の開始",
        moderator,
    )
    assert stages_of(proposal) == {"KR": "piloted"}
    proposal.refresh_from_db()
    assert proposal.stage == Stage.PILOTED
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[:2] == ["milestone.created", "milestone.published"]
    changes = AuditEntry.objects.filter(action="proposal.stage_changed")
    assert {(e.data["jurisdiction"], e.data["from_stage"], e.data["to_stage"]) for e in changes} == {
        ("KR", None, "piloted"),
        (None, "proposed", "piloted"),
    }
    assert all(entry.actor == moderator for entry in AuditEntry.objects.all())


def test_a_draft_added_inline_changes_no_stage(client, superuser, proposal):
    client.force_login(superuser)
    url = f"{PROPOSALS_URL}{proposal.pk}/change/"
    data = add_milestone_form(change_form_data(client.get(url)), status="draft")

    assert client.post(url, data).status_code == 302

    assert Milestone.objects.filter(proposal=proposal, status="draft").count() == 1
    assert stages_of(proposal) == {}
    proposal.refresh_from_db()
    assert proposal.stage == Stage.PROPOSED
    assert not AuditEntry.objects.filter(action="proposal.stage_changed").exists()


def test_the_inline_refuses_a_published_milestone_without_evidence(client, moderator, proposal):
    client.force_login(moderator)
    url = f"{PROPOSALS_URL}{proposal.pk}/change/"
    data = add_milestone_form(change_form_data(client.get(url)), evidence_url="", evidence_reference="")

    response = client.post(url, data)

    assert response.status_code == 200
    assert "A published milestone needs evidence" in response.content.decode()
    assert not Milestone.objects.exists()
    assert stages_of(proposal) == {}


def test_the_inline_needs_the_title_in_every_language(client, moderator, proposal):
    client.force_login(moderator)
    url = f"{PROPOSALS_URL}{proposal.pk}/change/"
    data = add_milestone_form(change_form_data(client.get(url)), title_ja="")

    assert client.post(url, data).status_code == 200
    assert not Milestone.objects.exists()


def test_editing_and_deleting_inline_milestones_recomputes_once(client, moderator, proposal):
    first = publish(proposal, date=dt.date(2025, 1, 1), stage="submitted")
    second = publish(proposal, date=dt.date(2025, 2, 1), stage="under_review")
    client.force_login(moderator)
    url = f"{PROPOSALS_URL}{proposal.pk}/change/"
    data = change_form_data(client.get(url))
    forms = {data[f"milestones-{i}-id"]: i for i in range(int(data["milestones-TOTAL_FORMS"]))}
    data[f"milestones-{forms[str(second.pk)]}-DELETE"] = "on"
    data[f"milestones-{forms[str(first.pk)]}-stage"] = "recommended"

    assert client.post(url, data).status_code == 302

    assert list(Milestone.objects.values_list("pk", "stage")) == [(first.pk, "recommended")]
    assert stages_of(proposal) == {"KR": "recommended"}
    assert AuditEntry.objects.filter(action="milestone.deleted").count() == 1
    assert AuditEntry.objects.filter(action="milestone.changed").count() == 1


def test_the_proposal_stage_is_read_only_in_the_admin(client, superuser, proposal):
    client.force_login(superuser)
    response = client.get(f"{PROPOSALS_URL}{proposal.pk}/change/")
    assert "stage" not in response.context["adminform"].form.fields
    assert 'name="milestones-TOTAL_FORMS"' in response.content.decode()


# --- The latest published milestone rule ------------------------------------------------------------


def test_stage_follows_the_latest_published_milestone_in_each_jurisdiction(proposal):
    publish(proposal, date=dt.date(2025, 1, 1), stage="submitted", jurisdiction="KR")
    publish(proposal, date=dt.date(2025, 3, 1), stage="piloted", jurisdiction="KR")
    publish(proposal, date=dt.date(2025, 2, 1), stage="under_review", jurisdiction="KR")  # older
    publish(proposal, date=dt.date(2025, 4, 1), stage="institutionalised", jurisdiction="KR", status="draft")
    publish(proposal, date=dt.date(2025, 5, 1), stage="declined", jurisdiction="KR", status="declined")
    publish(proposal, date=dt.date(2025, 6, 1), stage="stalled", jurisdiction="KR", status="pending")
    publish(proposal, date=dt.date(2025, 2, 15), stage="recommended", jurisdiction="JP")

    assert stages_of(proposal) == {"KR": "piloted", "JP": "recommended"}
    proposal.refresh_from_db()
    assert proposal.stage == "piloted"  # the latest published overall (1 March)
    assert JurisdictionStage.objects.get(proposal=proposal, jurisdiction="KR").milestone.date == dt.date(
        2025, 3, 1
    )


def test_on_the_same_date_the_later_milestone_wins(proposal):
    publish(proposal, date=dt.date(2025, 1, 1), stage="submitted", jurisdiction="JP")
    publish(proposal, date=dt.date(2025, 1, 1), stage="under_review", jurisdiction="JP")
    assert stages_of(proposal) == {"JP": "under_review"}


def test_declining_the_current_milestone_falls_back_to_the_previous_one(proposal, moderator):
    publish(proposal, date=dt.date(2025, 1, 1), stage="submitted")
    latest = publish(proposal, date=dt.date(2025, 2, 1), stage="piloted")

    services.milestone_decline(milestone=latest, actor=moderator)

    assert stages_of(proposal) == {"KR": "submitted"}
    proposal.refresh_from_db()
    assert proposal.stage == "submitted"
    assert AuditEntry.objects.filter(action="milestone.declined", actor=moderator).count() == 1
    entry = AuditEntry.objects.filter(action="proposal.stage_changed", data__jurisdiction="KR").latest("pk")
    assert (entry.data["from_stage"], entry.data["to_stage"]) == ("piloted", "submitted")


def test_publishing_a_draft_moves_the_stage(proposal, moderator):
    draft = MilestoneFactory(proposal=proposal, status="draft", stage="recommended", jurisdiction="BILATERAL")
    services.milestone_publish(milestone=draft, actor=moderator)
    assert stages_of(proposal) == {"BILATERAL": "recommended"}
    assert AuditEntry.objects.filter(action="milestone.published").count() == 1


def test_without_published_milestones_the_jurisdiction_has_no_stage(proposal, moderator):
    only = publish(proposal, stage="submitted")
    services.milestone_decline(milestone=only, actor=moderator)
    assert stages_of(proposal) == {}
    proposal.refresh_from_db()
    assert proposal.stage == "submitted"  # the overall stage is left as it was


def test_publishing_without_evidence_is_refused_and_nothing_changes(proposal, moderator):
    draft = MilestoneFactory(proposal=proposal, status="draft", evidence_url="", evidence_reference="")
    with pytest.raises(DeliberationError) as refusal:
        services.milestone_publish(milestone=draft, actor=moderator)
    assert refusal.value.code == "evidence_required"
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert stages_of(proposal) == {}


def test_a_review_date_before_the_milestone_is_refused(proposal, moderator):
    milestone = MilestoneFactory.build(
        proposal=proposal, date=dt.date(2025, 5, 1), next_review_on=dt.date(2025, 4, 1)
    )
    with pytest.raises(DeliberationError) as refusal:
        services.milestone_save(milestone=milestone, actor=moderator)
    assert refusal.value.code == "review_before_date"
    assert not Milestone.objects.exists()


@pytest.mark.parametrize("window", ["open", "closed"])
@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_may_change_milestones(proposal, make_actor, close_window, role, window):
    actor = make_actor(role)
    if window == "closed":
        close_window()
    draft = MilestoneFactory(proposal=proposal, status="draft")
    if role == "moderator":
        services.milestone_publish(milestone=draft, actor=actor)
        assert stages_of(proposal) == {"KR": draft.stage}
        return
    with pytest.raises(PermissionRefused):
        services.milestone_publish(milestone=draft, actor=actor or _anonymous())
    with pytest.raises(PermissionRefused):
        services.milestones_import(actor=actor or _anonymous(), data=csv_text([new_row(proposal)]))
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert Milestone.objects.count() == 1
    assert stages_of(proposal) == {}


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


# --- Notifications ----------------------------------------------------------------------------------


def test_participants_are_notified_when_a_stage_changes(
    proposal, moderator, django_capture_on_commit_callbacks
):
    rater = UserFactory(preferred_language="ja")
    RatingFactory(user=rater, proposal=proposal)
    commenter = CommentFactory(proposal=proposal).author
    amender = AmendmentFactory(proposal=proposal).author
    CommentFactory(proposal=proposal, author=commenter)  # twice: still one notification
    bystander = UserFactory()
    CommentFactory(proposal=ProposalFactory(programme=proposal.programme), author=bystander)
    CommentFactory(proposal=proposal, author=moderator)  # the actor is not told of their own action
    draft = MilestoneFactory(proposal=proposal, status="draft", stage="piloted", jurisdiction="JP")

    with django_capture_on_commit_callbacks(execute=True):
        services.milestone_publish(milestone=draft, actor=moderator)

    notifications = Notification.objects.filter(kind=Kind.STAGE_CHANGED)
    assert {n.recipient for n in notifications} == {rater, commenter, amender}
    data = notifications.get(recipient=rater).data
    assert data["proposal"] == proposal.slug and data["proposal_id"] == proposal.pk
    assert (data["stage"], data["jurisdiction"]) == ("piloted", "JP")
    assert data["proposal_title"]["ja"] == proposal.current_version.title_ja
    assert set(data["stage_label"]) == {"en", "ko", "ja"}
    assert notifications.get(recipient=rater).url == f"/en/proposals/{proposal.slug}/progress/"


def test_no_one_is_notified_when_the_stage_stays_the_same(proposal, moderator):
    CommentFactory(proposal=proposal)
    publish(proposal, date=dt.date(2025, 1, 1), stage="submitted")
    Notification.objects.all().delete()
    draft = MilestoneFactory(proposal=proposal, date=dt.date(2025, 2, 1), stage="submitted", status="draft")

    services.milestone_publish(milestone=draft, actor=moderator)

    assert not Notification.objects.exists()


def test_participants_are_found_with_three_queries_whatever_their_number(proposal, django_assert_num_queries):
    for _ in range(5):
        CommentFactory(proposal=proposal)
        AmendmentFactory(proposal=proposal)
    with django_assert_num_queries(3):
        ids = selectors.participant_ids(proposal_id=proposal.pk)
    assert len(ids) == 10


# --- Review dates -----------------------------------------------------------------------------------


@pytest.fixture
def overdue_setup(programme):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    overdue_proposal = ProposalFactory(programme=programme, slug="overdue-one")
    fine_proposal = ProposalFactory(programme=programme, slug="fine-one")
    # Superseded: its review date passed, but a later milestone is the current one.
    publish(overdue_proposal, date=dt.date(2024, 1, 1), jurisdiction="JP", next_review_on=dt.date(2024, 2, 1))
    overdue = publish(overdue_proposal, date=dt.date(2024, 6, 1), jurisdiction="KR", next_review_on=yesterday)
    superseded = publish(fine_proposal, date=dt.date(2024, 1, 1), next_review_on=dt.date(2024, 2, 1))
    current = publish(fine_proposal, date=dt.date(2024, 3, 1), next_review_on=timezone.localdate())
    return overdue, overdue_proposal, superseded, current, fine_proposal


def test_overdue_review_dates_are_flagged_and_filtered_in_the_milestone_list(
    client, moderator, overdue_setup
):
    overdue, overdue_proposal, superseded, current, _fine = overdue_setup
    # The JP milestone of the overdue proposal is also current and past its review date.
    jp = Milestone.objects.get(proposal=overdue_proposal, jurisdiction="JP")
    client.force_login(moderator)

    response = client.get(MILESTONES_URL, {"review_overdue": "yes"})
    assert set(response.context["cl"].result_list) == {overdue, jp}
    response = client.get(MILESTONES_URL, {"review_overdue": "no"})
    assert set(response.context["cl"].result_list) == {superseded, current}
    html = client.get(MILESTONES_URL).content.decode()
    assert html.count('alt="True"') == 2  # the boolean icon of the overdue column


def test_overdue_review_dates_are_flagged_and_filtered_in_the_proposal_list(client, superuser, overdue_setup):
    _overdue, overdue_proposal, _superseded, _current, fine_proposal = overdue_setup
    client.force_login(superuser)

    response = client.get(PROPOSALS_URL, {"review_overdue": "yes"})
    assert list(response.context["cl"].result_list) == [overdue_proposal]
    response = client.get(PROPOSALS_URL, {"review_overdue": "no"})
    assert list(response.context["cl"].result_list) == [fine_proposal]
    assert "Review overdue" in response.content.decode()


# --- CSV export and import --------------------------------------------------------------------------


@pytest.fixture
def varied_milestones(programme):
    """Milestones with the text a spreadsheet tends to break: commas, quotes, line breaks, CJK,
    formula-like cells, empty translations and dates."""
    first = ProposalFactory(programme=programme)
    second = ProposalFactory(programme=programme)
    return [
        publish(
            first,
            date=dt.date(2024, 11, 5),
            institution='Ministry of Foreign Affairs, "Asia" bureau',
            title_ko='국회 제출, "청년" 법안',
            description_en="Line one.\nLine two, with a comma.",
            description_ko="",
            evidence_quote="=SUM(A1:A3) is not a formula here",
            next_review_on=dt.date(2025, 5, 1),
        ),
        publish(first, date=dt.date(2025, 1, 10), jurisdiction="JP", stage="under_review", evidence_url=""),
        publish(
            second, date=dt.date(2025, 2, 1), jurisdiction="BILATERAL", stage="recommended", status="draft"
        ),
        publish(
            second,
            date=dt.date(2025, 3, 1),
            title_ja="「日韓」共同—試行",
            institution="-minus start",
            status="declined",
        ),
    ]


def export_via_action(client, url, pks) -> bytes:
    response = client.post(
        url,
        {
            "action": "export_csv" if "milestone" in url else "export_proposal_milestones",
            "_selected_action": pks,
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return response.content


def test_export_then_import_changes_nothing(client, moderator, varied_milestones):
    client.force_login(moderator)
    before = milestone_rows()
    stages_before = list(JurisdictionStage.objects.order_by("pk").values())
    exported = export_via_action(client, MILESTONES_URL, [m.pk for m in varied_milestones])
    assert exported.startswith("\ufeff".encode())
    audit_count = AuditEntry.objects.count()

    response = client.post(IMPORT_URL, upload(exported), follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "create 0, update 0 and leave 4 unchanged" in page
    assert "there is nothing to import" in page and 'name="payload"' not in page
    assert milestone_rows() == before
    assert list(JurisdictionStage.objects.order_by("pk").values()) == stages_before
    assert AuditEntry.objects.count() == audit_count  # a preview records nothing
    # The same file once more: still the same rows.
    exported_again = client.get(f"{MILESTONES_URL}export/").content
    assert exported_again == exported


def test_exported_cells_that_look_like_formulas_are_escaped(client, moderator, varied_milestones):
    client.force_login(moderator)
    text = export_via_action(client, MILESTONES_URL, [m.pk for m in varied_milestones]).decode("utf-8-sig")
    assert "'=SUM(A1:A3)" in text and "'-minus start" in text


def test_proposal_admin_action_exports_the_milestones_of_the_selected_proposals(
    client, superuser, varied_milestones
):
    client.force_login(superuser)
    first = varied_milestones[0].proposal
    text = export_via_action(client, PROPOSALS_URL, [first.pk]).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == list(csv_io.COLUMNS)
    assert {row[1] for row in lines[1:] if row and row[0].isdigit()} == {first.slug}


def test_import_creates_and_updates_and_moves_the_stages(client, moderator, proposal):
    existing = publish(proposal, date=dt.date(2025, 1, 1), stage="submitted", jurisdiction="KR")
    client.force_login(moderator)
    rows = [
        new_row(
            proposal,
            id=str(existing.pk),
            jurisdiction="KR",
            stage="under_review",
            date="2025-01-01",
            title_en=existing.title_en,
            title_ko=existing.title_ko,
            title_ja=existing.title_ja,
            evidence_url=existing.evidence_url,
        ),
        new_row(proposal, date="2025/4/1"),  # as Excel writes it back in Japanese
    ]

    preview = client.post(IMPORT_URL, upload(csv_text(rows)))
    planned = preview.context["result"].rows
    assert [(row.number, row.created) for row in planned] == [(2, False), (3, True)]
    assert "stage" in planned[0].fields and "date" not in planned[0].fields
    assert planned[1].fields == list(services.IMPORTED_FIELDS)
    assert stages_of(proposal) == {"KR": "submitted"}  # nothing saved by the preview
    response = import_file(client, csv_text(rows))

    assert "Created: 1, updated: 1, unchanged: 0." in response.content.decode()
    assert stages_of(proposal) == {"KR": "under_review", "JP": "submitted"}
    created = Milestone.objects.get(jurisdiction="JP")
    assert (created.date, created.title_ja, created.created_by) == (
        dt.date(2025, 4, 1),
        "外務省に提出",
        moderator,
    )
    assert AuditEntry.objects.filter(action="milestone.changed", actor=moderator).count() == 1
    assert AuditEntry.objects.filter(action="milestone.published", actor=moderator).count() == 1


def test_bad_rows_are_refused_with_row_numbers_and_nothing_is_written(client, moderator, proposal):
    existing = publish(proposal, stage="submitted")
    before = milestone_rows()
    client.force_login(moderator)
    rows = [
        new_row(proposal),  # row 2: fine
        new_row(proposal, date="01/02/2025"),  # row 3
        new_row(proposal, stage="adopted"),  # row 4
        new_row(proposal, proposal="no-such-proposal"),  # row 5
        new_row(proposal, evidence_url="", evidence_reference=""),  # row 6: published, no evidence
        new_row(proposal, id="999999"),  # row 7
        new_row(proposal, title_ko=""),  # row 8
        new_row(ProposalFactory(), id=str(existing.pk)),  # row 9: another proposal
        new_row(proposal, next_review_on="2025-01-01"),  # row 10: before the date
    ]

    response = client.post(IMPORT_URL, upload(csv_text(rows)))

    assert response.status_code == 400
    problems = response.context["problems"]
    assert sorted({p.row for p in problems}) == [3, 4, 5, 6, 7, 8, 9, 10]
    html = response.content.decode()
    for number in (3, 4, 5, 6, 7, 8, 9, 10):
        assert f"Row {number}" in html
    assert "Row 2 " not in html
    assert "No proposal has the slug" in html
    assert milestone_rows() == before
    assert stages_of(proposal) == {"KR": "submitted"}
    assert not AuditEntry.objects.filter(action__in=["milestone.created", "milestones.imported"]).exists()


def test_import_problems_are_listed_on_the_admin_page_in_the_moderators_language(client, moderator, proposal):
    client.force_login(moderator)
    response = client.post(
        "/ko/admin/progress/milestone/import/", upload(csv_text([new_row(proposal, stage="x")]))
    )
    assert response.status_code == 400
    assert [(p.row, p.column) for p in response.context["problems"]] == [(2, "stage")]
    assert "홈" in response.content.decode()  # the admin page itself is in Korean


@pytest.mark.parametrize("bom", [True, False])
def test_a_byte_order_mark_is_tolerated(client, moderator, proposal, bom):
    client.force_login(moderator)
    response = import_file(client, csv_text([new_row(proposal)], bom=bom))
    assert "Created: 1, updated: 0, unchanged: 0." in response.content.decode()
    assert Milestone.objects.get().title_ko == "일본 외무성에 제출"


def test_a_file_that_is_not_utf8_is_refused(client, moderator, proposal):
    client.force_login(moderator)
    data = csv_text([new_row(proposal)], bom=False).decode().encode("cp949", errors="replace")
    response = client.post(IMPORT_URL, upload(data))
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()
    assert not Milestone.objects.exists()


def test_a_file_missing_columns_is_refused(client, moderator, proposal):
    client.force_login(moderator)
    response = client.post(IMPORT_URL, upload(b"id,proposal,date\n,x,2025-01-01\n"))
    assert response.status_code == 400
    assert "These columns are missing" in response.content.decode()


def test_posting_the_import_form_without_a_file_shows_the_form_again(client, moderator):
    client.force_login(moderator)
    response = client.post(IMPORT_URL, {})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_an_upload_previews_the_rows_and_saves_nothing_until_confirmed(client, moderator, proposal):
    client.force_login(moderator)
    response = client.post(IMPORT_URL, upload(csv_text([new_row(proposal)])))
    page = response.content.decode()
    assert response.status_code == 200
    assert "will create 1" in page and 'id="import-preview"' in page and "Submitted to MOFA" in page
    assert 'name="dry_run"' not in page  # no box to forget ticked
    assert not Milestone.objects.exists()
    assert stages_of(proposal) == {}
    assert not AuditEntry.objects.exists()


def test_a_confirmation_imports_nothing_when_the_milestones_changed_since_the_preview(
    client, moderator, proposal
):
    existing = publish(proposal, date=dt.date(2025, 1, 1), stage="submitted", jurisdiction="KR")
    client.force_login(moderator)
    same = {
        name: getattr(existing, name)
        for name in services.IMPORTED_FIELDS
        if name not in ("date", "next_review_on")
    }
    row = new_row(proposal, **{**same, "id": str(existing.pk), "date": "2025-01-01", "stage": "under_review"})
    preview = client.post(IMPORT_URL, upload(csv_text([row])))
    assert [row.fields for row in preview.context["result"].rows] == [["stage"]]
    Milestone.objects.filter(pk=existing.pk).update(institution="Changed meanwhile")

    response = client.post(IMPORT_URL, {"payload": preview.context["confirm"].initial["payload"]})

    assert response.status_code == 409
    assert "changed since the preview" in response.content.decode()
    existing.refresh_from_db()
    assert (existing.stage, existing.institution) == ("submitted", "Changed meanwhile")
    assert [row.fields for row in response.context["result"].rows] == [["stage", "institution"]]


def test_a_tampered_confirmation_is_refused(client, moderator, proposal):
    client.force_login(moderator)
    preview = client.post(IMPORT_URL, upload(csv_text([new_row(proposal)])))
    payload = preview.context["confirm"].initial["payload"]

    response = client.post(IMPORT_URL, {"payload": payload[:-3] + "abc"})

    assert response.status_code == 400
    assert "cannot be used" in response.content.decode()
    assert not Milestone.objects.exists()


def test_the_milestone_list_links_to_the_import_form(client, moderator):
    client.force_login(moderator)
    html = client.get(MILESTONES_URL).content.decode()
    assert IMPORT_URL in html
    assert client.get(IMPORT_URL).status_code == 200


def test_admin_actions_publish_and_decline_through_the_services(client, moderator, proposal):
    draft = MilestoneFactory(proposal=proposal, status="draft", stage="piloted")
    bare = MilestoneFactory(proposal=proposal, status="draft", evidence_url="", evidence_reference="")
    client.force_login(moderator)

    client.post(MILESTONES_URL, {"action": "publish", "_selected_action": [draft.pk, bare.pk]})
    # One by one: the one with evidence is published, the bare one stays a draft.
    assert set(Milestone.objects.filter(status="published")) == {draft}
    assert stages_of(proposal) == {"KR": "piloted"}
    client.post(MILESTONES_URL, {"action": "decline", "_selected_action": [draft.pk]})
    assert stages_of(proposal) == {}


# --- Who may reach the admin ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "member", "non_member", "suspended"])
@pytest.mark.parametrize("url", [MILESTONES_URL, IMPORT_URL, f"{MILESTONES_URL}export/", PROPOSALS_URL])
def test_participants_and_visitors_cannot_reach_the_progress_admin(client, make_actor, role, url):
    user = make_actor(role)
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_participant_cannot_post_an_import(client, make_actor, proposal):
    client.force_login(make_actor("member"))
    response = client.post(IMPORT_URL, upload(csv_text([new_row(proposal)])))
    assert response.status_code == 302
    assert not Milestone.objects.exists()


# --- Public pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "title", "description", "stage_class"),
    [
        ("ko", "시범 사업 시작", "10개 대학이 참여했다.", "stage-piloted"),
        ("ja", "試行事業の開始", "10大学が参加した。", "stage-piloted"),
        ("en", "Pilot programme started", "Ten universities joined.", "stage-piloted"),
    ],
)
def test_the_progress_page_shows_published_milestones_in_the_page_language(
    client, proposal, lang, title, description, stage_class
):
    publish(
        proposal,
        date=dt.date(2025, 5, 1),
        stage="piloted",
        title_en="Pilot programme started",
        title_ko="시범 사업 시작",
        title_ja="試行事業の開始",
        description_en="Ten universities joined.",
        description_ko="10개 대학이 참여했다.",
        description_ja="10大学が参加した。",
        evidence_url="https://example.org/moe",
        evidence_reference="MOE press release 2025-41",
        evidence_quote="Ten universities will take part.",
    )
    MilestoneFactory(
        proposal=proposal, status="draft", title_en="Secret draft", title_ko="비공개", title_ja="非公開"
    )

    response = client.get(f"/{lang}/proposals/{proposal.slug}/progress/")

    assert response.status_code == 200
    html = response.content.decode()
    assert title in html and description in html
    assert stage_class in html
    assert 'href="https://example.org/moe"' in html
    assert "MOE press release 2025-41" in html and "Ten universities will take part." in html
    assert 'datetime="2025-05-01"' in html
    assert "Secret draft" not in html and "비공개" not in html and "非公開" not in html
    assert " style=" not in html


def test_the_progress_page_localises_dates(client, proposal):
    publish(proposal, date=dt.date(2025, 5, 1))
    assert "2025년 5월 1일" in client.get(f"/ko/proposals/{proposal.slug}/progress/").content.decode()
    assert "2025年5月1日" in client.get(f"/ja/proposals/{proposal.slug}/progress/").content.decode()


def test_the_progress_page_escapes_milestone_text(client, proposal):
    publish(proposal, title_en="<script>alert(1)</script>", evidence_quote="<b>bold</b>")
    html = client.get(f"/en/proposals/{proposal.slug}/progress/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html


def test_the_progress_page_of_an_unknown_proposal_is_404(client):
    assert client.get("/en/proposals/nope/progress/").status_code == 404


def test_the_proposal_page_links_to_its_progress(client, proposal):
    html = client.get(f"/en/proposals/{proposal.slug}/").content.decode()
    assert f'href="/en/proposals/{proposal.slug}/progress/"' in html


def test_the_dashboard_charts_proposals_by_stage_and_jurisdiction(client, programme):
    proposals = [ProposalFactory(programme=programme) for _ in range(3)]
    publish(proposals[0], stage="piloted", jurisdiction="KR")
    publish(proposals[1], stage="piloted", jurisdiction="KR")
    publish(proposals[1], stage="submitted", jurisdiction="JP")

    response = client.get("/ja/progress/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "<title" in html and "<desc" in html
    assert " style=" not in html and "<script>" not in html
    chart = response.context["dashboard"].chart
    assert chart.counts["KR"]["piloted"] == 2 and chart.counts["KR"]["none"] == 1
    assert chart.counts["JP"]["submitted"] == 1 and chart.counts["BILATERAL"]["none"] == 3
    # The table fallback carries the same figures.
    assert dict(chart.table())[Jurisdiction.KOREA][list(Stage.values).index("piloted")] == 2
    for proposal in proposals:
        assert f'href="/ja/proposals/{proposal.slug}/progress/"' in html
    widths = [
        float(w) for w in re.findall(r'class="progress-seg [^"]*" x="[^"]*" y="[^"]*" width="([^"]*)"', html)
    ]
    assert round(sum(widths)) == 3 * chart.bar_width  # every bar is full width


def test_the_dashboard_shows_participation_figures(client, programme):
    proposal = ProposalFactory(programme=programme)
    CommentFactory(proposal=proposal)
    CommentFactory(proposal=proposal, deleted_at=timezone.now())
    CommentFactory(proposal=proposal, hidden_at=timezone.now())
    RatingFactory(proposal=proposal, user=UserFactory(nationality=Nationality.KOREA))
    RatingFactory(proposal=proposal, user=UserFactory(nationality=Nationality.JAPAN))
    RatingFactory(proposal=proposal, user=UserFactory(nationality=Nationality.JAPAN))
    RatingFactory(proposal=proposal, user=UserFactory(nationality=Nationality.JAPAN), criterion="feasibility")
    AmendmentFactory(proposal=proposal, state=AmendmentState.ACCEPTED)
    AmendmentFactory(proposal=proposal)

    response = client.get("/en/progress/")

    row = response.context["dashboard"].rows[0]
    assert (row.comments, row.raters_kr, row.raters_jp, row.amendments_accepted) == (1, 1, 2, 1)


# --- Query budgets ----------------------------------------------------------------------------------


def make_activity(programme, scale: int) -> list[Proposal]:
    proposals = [ProposalFactory(programme=programme) for _ in range(scale)]
    for index, proposal in enumerate(proposals):
        for day in range(scale):
            MilestoneFactory(
                proposal=proposal,
                date=dt.date(2024, 1, 1) + dt.timedelta(days=day),
                jurisdiction=Jurisdiction.values[(index + day) % 3],
                stage=Stage.values[day % 7],
                next_review_on=dt.date(2024, 6, 1),
            )
        MilestoneFactory(proposal=proposal, status="draft")
        services.stages_recompute(proposal=proposal, actor=None)
        for _ in range(scale):
            CommentFactory(proposal=proposal)
            AmendmentFactory(proposal=proposal, state=AmendmentState.ACCEPTED)
        RatingFactory(proposal=proposal, user=UserFactory(nationality=Nationality.JAPAN))
    return proposals


PROGRESS_PAGE_QUERIES = 3  # proposal with its version, published milestones, stages per jurisdiction
# the proposals' stamps (the body is a fragment cached under them), then to render it: proposals
# (with the comment and accepted-amendment counters kept on them), stages, rating aggregates
DASHBOARD_QUERIES = 4
# session, user, moderator group, count, full count, the user's and their groups' permissions (the
# admin's navigation), page of milestones (with proposal and version, currency as a subquery)
CHANGELIST_QUERIES = 8


@pytest.mark.parametrize("scale", [1, 10])
def test_progress_page_query_budget_does_not_grow(client, programme, django_assert_num_queries, scale):
    proposal = make_activity(programme, scale)[0]
    with django_assert_num_queries(PROGRESS_PAGE_QUERIES):
        response = client.get(f"/ko/proposals/{proposal.slug}/progress/")
    assert response.status_code == 200
    assert len(response.context["progress"].timeline) == scale


@pytest.mark.parametrize("scale", [1, 10])
def test_dashboard_query_budget_does_not_grow(client, programme, django_assert_num_queries, settings, scale):
    # A memory cache, so that only the database's queries are counted.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dash"}
    }
    make_activity(programme, scale)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get("/ja/progress/")
    assert response.status_code == 200
    assert len(response.context["dashboard"].rows) == scale
    with django_assert_num_queries(1):  # cached: the stamps alone
        assert client.get("/ja/progress/").content.decode().count('href="/ja/proposals/') >= scale


@pytest.mark.parametrize("scale", [1, 10])
def test_milestone_changelist_query_budget_does_not_grow(
    client, moderator, programme, django_assert_num_queries, scale
):
    make_activity(programme, scale)
    client.force_login(moderator)
    with django_assert_num_queries(CHANGELIST_QUERIES):
        response = client.get(MILESTONES_URL, {"review_overdue": "yes"})
    assert response.status_code == 200
    with django_assert_num_queries(CHANGELIST_QUERIES):
        response = client.get(MILESTONES_URL)
    assert response.status_code == 200
    assert response.context["cl"].result_count == scale * scale + scale
