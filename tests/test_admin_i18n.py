"""The admin in Korean and Japanese: no English label left on the pages moderators use.

Each page is rendered in ko and ja and its labels are read back: column headers, filter titles,
form labels, fieldset titles and the actions menu. A label with no Korean or Japanese character
in it (bar a few abbreviations that are the same in every language) was left in English.
"""

import re

import pytest

from audit.log import record
from institutions.models import ProgressReport, WebhookDelivery
from notifications.models import Kind, Notification
from ratings.models import RatingAggregate
from tests.factories import (
    AmendmentFactory,
    CommentFactory,
    InstitutionAPIKeyFactory,
    MilestoneFactory,
    RatingFactory,
    ReportFactory,
    UserFactory,
    WebhookEndpointFactory,
)

pytestmark = pytest.mark.django_db

# Abbreviations and codes that read the same in every language.
SAME_EVERYWHERE = {"ID", "URL", "API", "CSV", "KR", "JP", "#", "ko", "ja", "en", "TOTP", "UTC"}
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
TAGS = re.compile(r"<[^>]+>")

LABEL_PATTERNS = [
    # Column headers of a change list.
    re.compile(r'<th scope="col"[^>]*>.*?<div class="text">(?:<a [^>]*>)?(.*?)(?:</a>)?</div>', re.S),
    # Filter titles ("By …") and their choices.
    re.compile(r"<summary>\s*(.*?)\s*</summary>", re.S),
    # Form labels (editable and read-only fields).
    re.compile(r"<label[^>]*>(.*?)</label>", re.S),
    # Fieldset and inline titles.
    re.compile(r"<h2 [^>]*class=\"(?:fieldset|inline)-heading\"[^>]*>(.*?)</h2>", re.S),
    # The actions menu.
    re.compile(r'<select name="action"[^>]*>(.*?)</select>', re.S),
]


def labels(page: str) -> list[str]:
    found = []
    for pattern in LABEL_PATTERNS:
        for match in pattern.findall(page):
            chunks = re.split(r"</option>|<option[^>]*>", match) if "<option" in match else [match]
            for chunk in chunks:
                text = TAGS.sub("", chunk).replace("&nbsp;", " ").strip(" :\n\t*")
                if text and not set(text) <= set("-"):
                    found.append(text)
    return found


def english(found: list[str]) -> list[str]:
    return sorted(
        {
            text
            for text in found
            if not CJK.search(text) and text not in SAME_EVERYWHERE and not text.isdigit()
        }
    )


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def objects(proposal, make_actor):
    moderator = make_actor("moderator")
    comment = CommentFactory(proposal=proposal)
    reply = CommentFactory(parent=comment)
    amendment = AmendmentFactory(proposal=proposal)
    report = ReportFactory(comment=reply)
    key = InstitutionAPIKeyFactory()
    endpoint = WebhookEndpointFactory(institution=key.institution)
    milestone = MilestoneFactory(proposal=proposal)
    pending = MilestoneFactory(proposal=proposal, status="pending")
    report_of_progress = ProgressReport.objects.create(
        institution=key.institution, milestone=pending, api_key=key, language="ko"
    )
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="ping", payload={"type": "ping"})
    notification = Notification.objects.create(
        recipient=moderator, kind=Kind.REPLY, topic=f"comment:{comment.pk}", url="/ko/"
    )
    rating = RatingFactory(proposal=proposal)
    entry = record(action="account.logged_in", actor=moderator, target=comment)
    return {
        "audit/auditentry": entry.pk,
        "notifications/notification": notification.pk,
        "ratings/rating": rating.pk,
        "ratings/ratingaggregate": RatingAggregate.objects.filter(proposal=proposal).first().pk,
        "institutions/webhookdelivery": delivery.pk,
        "institutions/progressreport": report_of_progress.pk,
        "comments/comment": reply.pk,
        "amendments/amendment": amendment.pk,
        "moderation/report": report.pk,
        "moderation/reportedcomment": reply.pk,
        "institutions/institutionapikey": key.pk,
        "institutions/institution": key.institution.pk,
        "institutions/webhookendpoint": endpoint.pk,
        "progress/milestone": milestone.pk,
    }


PAGES = [
    "comments/comment/",
    "amendments/amendment/",
    "moderation/report/",
    "moderation/reportedcomment/",
    "moderation/reportedamendment/",
    "audit/auditentry/",
    "institutions/institutionapikey/",
    "institutions/institutionapikey/add/",
    "institutions/institution/",
    "institutions/webhookendpoint/",
    "institutions/webhookdelivery/",
    "institutions/progressreport/",
    "progress/milestone/",
    "progress/milestone/add/",
    "notifications/notification/",
    "ratings/rating/",
    "ratings/ratingaggregate/",
]
CHANGE_PAGES = [
    "comments/comment",
    "amendments/amendment",
    "moderation/report",
    "institutions/institutionapikey",
    "institutions/institution",
    "institutions/webhookendpoint",
    "progress/milestone",
    "audit/auditentry",
    "notifications/notification",
    "ratings/rating",
    "ratings/ratingaggregate",
    "institutions/webhookdelivery",
    "institutions/progressreport",
]


@pytest.mark.parametrize("lang", ["ko", "ja"])
@pytest.mark.parametrize("path", PAGES)
def test_admin_lists_and_forms_have_no_english_label(admin_client, objects, lang, path):
    response = admin_client.get(f"/{lang}/admin/{path}")

    assert response.status_code == 200
    found = labels(response.content.decode())
    assert found, "the page's labels were not found: the patterns need updating"
    assert english(found) == []


@pytest.mark.parametrize("lang", ["ko", "ja"])
@pytest.mark.parametrize("model", CHANGE_PAGES)
def test_admin_change_pages_have_no_english_label(admin_client, objects, lang, model):
    response = admin_client.get(f"/{lang}/admin/{model}/{objects[model]}/change/")

    assert response.status_code == 200
    assert english(labels(response.content.decode())) == []


@pytest.mark.parametrize("lang", ["ko", "ja"])
def test_the_audit_log_shows_actions_as_translated_labels_and_keeps_the_code(admin_client, objects, lang):
    from audit.models import AuditEntry

    page = admin_client.get(f"/{lang}/admin/audit/auditentry/").content.decode()

    assert ">account.logged_in<" not in page
    expected = {"ko": "로그인", "ja": "ログイン"}[lang]
    assert expected in page
    assert AuditEntry.objects.filter(action="account.logged_in").exists()


def test_the_comments_admin_filters_by_the_proposals_title(admin_client, objects, proposal):
    page = admin_client.get("/ko/admin/comments/comment/").content.decode()

    assert proposal.current_version.title_ko in page
    assert f"?proposal__slug__exact={proposal.slug}" not in page


def test_every_audit_code_the_services_record_has_a_label():
    from pathlib import Path

    from audit.actions import LABELS
    from progress.models import MilestoneStatus
    from proposals.models import CorrectionStatus

    root = Path(__file__).resolve().parent.parent
    literal = re.compile(r'(?:action=|_record\()"([a-z_]+\.[a-z_]+)"')
    codes = set()
    for path in root.glob("*/*.py"):
        if path.parts[-2] not in {"tests", ".venv"}:
            codes |= set(literal.findall(path.read_text(encoding="utf-8")))
    codes |= {"account.nationality_change_declined"}  # chosen by a conditional expression
    codes |= {
        f"{kind}.{what}"
        for kind in ("comment", "amendment")
        for what in ("hidden", "hidden_automatically", "restored")
    }
    codes |= {f"milestone.{status}" for status in MilestoneStatus.values}
    codes |= {f"proposal.correction_{status}" for status in CorrectionStatus.values if status != "pending"}

    assert len(codes) > 40
    assert sorted(codes - set(LABELS)) == []
