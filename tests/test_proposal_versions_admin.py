"""A proposal version is written only through proposals.services: the admin shows versions
read-only, and "Correct this version" goes through ``version_correct`` (audited with the old and
new text, in one transaction)."""

import pytest

from audit.models import AuditEntry
from core.errors import DeliberationError, PermissionRefused
from proposals import services
from proposals.models import ProposalVersion
from tests.factories import ProposalFactory, ProposalVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client(client, make_actor, settings):
    settings.ADMIN_REQUIRE_MFA = False
    moderator = make_actor("moderator")
    client.force_login(moderator)
    client.moderator = moderator
    return client


def change_url(version) -> str:
    return f"/en/admin/proposals/proposalversion/{version.pk}/change/"


def correct_url(version) -> str:
    return f"/en/admin/proposals/proposalversion/{version.pk}/correct/"


def form_data(version, **changes) -> dict:
    data = {name: getattr(version, name) for name in services.translated_field_names()}
    data["reason"] = "Typo in the Japanese title."
    data["stale_translations"] = list(version.stale_translations)
    data.update(changes)
    return data


def test_editing_a_version_in_the_admin_without_the_service_is_refused(moderator_client, proposal):
    version = proposal.current_version
    before = {name: getattr(version, name) for name in services.translated_field_names()}

    page = moderator_client.get(change_url(version))
    response = moderator_client.post(
        change_url(version),
        {**form_data(version), "title_ja": "書き換えた題", "number": 1, "proposal": proposal.pk},
    )

    assert page.status_code == 200  # shown read-only
    assert 'name="title_ja"' not in page.content.decode()
    assert "Correct this version" in page.content.decode()
    assert response.status_code == 403
    version.refresh_from_db()
    assert {name: getattr(version, name) for name in services.translated_field_names()} == before
    assert not AuditEntry.objects.exists()


def test_adding_or_deleting_a_version_in_the_admin_is_refused(moderator_client, proposal):
    version = proposal.current_version
    assert moderator_client.get("/en/admin/proposals/proposalversion/add/").status_code == 403
    response = moderator_client.post(
        f"/en/admin/proposals/proposalversion/{version.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert ProposalVersion.objects.filter(pk=version.pk).exists()


def test_correcting_the_current_version_through_the_admin_writes_an_audit_row(moderator_client, proposal):
    version = proposal.current_version
    old_title = version.title_ja

    form = moderator_client.get(correct_url(version))
    response = moderator_client.post(
        correct_url(version),
        form_data(version, title_ja="訂正された題", stale_translations=["body_ko"]),
    )

    assert form.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == change_url(version)
    version.refresh_from_db()
    assert version.title_ja == "訂正された題"
    assert version.stale_translations == ["body_ko"]
    entry = AuditEntry.objects.get(action="proposal.version_corrected")
    assert entry.actor == moderator_client.moderator
    assert entry.target_id == str(version.pk)
    assert entry.reason == "Typo in the Japanese title."
    assert entry.data["changes"] == {
        "title_ja": {"old": old_title, "new": "訂正された題"},
        "stale_translations": {"old": [], "new": ["body_ko"]},
    }


def test_a_correction_without_a_reason_or_without_a_change_is_refused(moderator_client, proposal):
    version = proposal.current_version

    no_reason = moderator_client.post(correct_url(version), form_data(version, title_ja="別の題", reason=""))
    no_change = moderator_client.post(correct_url(version), form_data(version))

    assert no_reason.status_code == 400
    assert no_change.status_code == 400
    assert "Nothing was changed." in no_change.content.decode()
    version.refresh_from_db()
    assert version.title_ja != "別の題"
    assert not AuditEntry.objects.exists()


def test_a_superseded_version_is_not_corrected(moderator_client, proposal):
    old = proposal.current_version
    newer = ProposalVersionFactory(proposal=proposal, number=2)
    proposal.current_version = newer
    proposal.save()

    response = moderator_client.post(correct_url(old), form_data(old, title_ja="歴史を変える"))

    assert response.status_code == 400
    assert "Only the current version can be corrected" in response.content.decode()
    old.refresh_from_db()
    assert old.title_ja != "歴史を変える"


def test_only_moderators_correct_versions(client, make_actor, proposal, settings):
    settings.ADMIN_REQUIRE_MFA = False
    version = proposal.current_version
    with pytest.raises(PermissionRefused):
        services.version_correct(
            moderator=make_actor("member"),
            version=version,
            texts={"title_en": "Changed"},
            stale_translations=[],
            reason="no",
        )
    client.force_login(make_actor("member"))
    assert client.post(correct_url(version), form_data(version, title_en="Changed")).status_code in (302, 403)
    version.refresh_from_db()
    assert version.title_en != "Changed"
    assert not AuditEntry.objects.exists()


def test_a_title_stays_one_line(make_actor):
    version = ProposalFactory().current_version
    with pytest.raises(DeliberationError) as refused:
        services.version_correct(
            moderator=make_actor("moderator"),
            version=version,
            texts={"title_en": "Two\nlines"},
            stale_translations=[],
            reason="format",
        )
    assert refused.value.code == "invalid_title"


def test_accepting_an_amendment_creates_the_version_through_the_service(make_actor, proposal):
    from amendments.services import amendment_accept
    from tests.factories import AmendmentFactory

    amendment = AmendmentFactory(proposal=proposal, field="title", language="ko", new_text="새 제목")

    version = amendment_accept(moderator=make_actor("moderator"), amendment=amendment)

    entry = AuditEntry.objects.get(action="proposal.version_created")
    assert entry.target_id == str(version.pk)
    assert entry.data == {"proposal": proposal.slug, "number": 2, "amendment": amendment.pk}
    proposal.refresh_from_db()
    assert proposal.current_version == version and version.title_ko == "새 제목"
