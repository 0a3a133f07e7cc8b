"""An accepted amendment to one language leaves the other languages of that field flagged "needs
update": the machine drafts them (fake DeepL through the real client), a moderator edits and
approves each draft in the admin, which writes it into the new version; a draft is never shown
before that."""

import pytest

from amendments import services as amendment_services
from audit.models import AuditEntry
from tests.factories import AmendmentFactory, MembershipFactory, UserFactory
from translations.models import Origin, Status, Translation

pytestmark = pytest.mark.django_db

NEW_KO = "청년 혁신 기금은 지역 대학과 지자체가 함께 운영한다."
EDITED_JA = "青年イノベーション基金は地域の大学と自治体が共同で運営する。"


@pytest.fixture
def accepted(proposal, programme, make_actor, deepl, django_capture_on_commit_callbacks):
    author = UserFactory(nationality="KR")
    MembershipFactory(user=author, programme=programme)
    amendment = AmendmentFactory(
        proposal=proposal, author=author, field="body", language="ko", new_text=NEW_KO
    )
    moderator = make_actor("moderator")
    with django_capture_on_commit_callbacks(execute=True):
        version = amendment_services.amendment_accept(moderator=moderator, amendment=amendment, reason="ok")
    return version, moderator


def test_accepting_queues_machine_drafts_for_the_flagged_languages(accepted):
    version, _moderator = accepted
    assert set(version.stale_translations) == {"body_ja", "body_en"}
    drafts = Translation.objects.filter(source_kind="version.body_ko", source_id=version.pk)
    assert {(row.target_language, row.origin, row.status) for row in drafts} == {
        ("ja", Origin.MACHINE, Status.PENDING),
        ("en", Origin.MACHINE, Status.PENDING),
    }
    assert drafts.get(target_language="ja").text == f"〔ja〕{NEW_KO}"


def test_a_draft_is_not_published_until_a_moderator_approves_it(client, proposal, accepted):
    version, moderator = accepted
    html = client.get(f"/ja/proposals/{proposal.slug}/").content.decode()
    assert f"〔ja〕{NEW_KO}" not in html
    draft = Translation.objects.get(source_kind="version.body_ko", source_id=version.pk, target_language="ja")
    client.force_login(moderator)
    response = client.post(
        f"/en/admin/translations/translation/{draft.pk}/change/",
        {"text": EDITED_JA, "review_note": "", "decision": "approve"},
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.body_ja == EDITED_JA
    assert version.stale_translations == ["body_en"]
    assert AuditEntry.objects.filter(action="translation.approved").exists()
    client.logout()
    assert EDITED_JA in client.get(f"/ja/proposals/{proposal.slug}/").content.decode()
