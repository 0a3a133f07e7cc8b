import re
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import Programme
from proposals.models import Proposal, ProposalVersion, Publication, PublicationAuthor, Stage
from proposals.seeding import read_proposal_files

HANGUL = re.compile(r"[\uac00-\ud7a3]")
KANA = re.compile(r"[\u3040-\u30ff]")

EXPECTED_SLUGS = {
    "foundational-cooperation",
    "economic-security-dialogue",
    "3plus3-ministerial-dialogue",
    "cptpp-accession-support",
    "semiconductor-public-private-framework",
    "semiconductor-design-standards",
    "ai-digital-economy-task-force",
    "hydrogen-ccs-green-finance",
    "nuclear-safety-advanced-reactors",
    "population-decline-research",
    "cultural-exchange-student-mobility",
    "youth-innovation-fund",
    "youth-leadership-programmes",
    "leaders-dialogue",
}


def test_fixture_files_cover_the_fourteen_proposals():
    assert {item["slug"] for item in read_proposal_files()} == EXPECTED_SLUGS


@pytest.mark.parametrize("item", read_proposal_files(), ids=lambda item: item["slug"])
def test_fixture_text_is_complete_in_every_language(item):
    for field in ("title", "summary", "body", "section", "quote"):
        for code in ("en", "ko", "ja"):
            assert item[field][code].strip(), f"{item['slug']}: {field}_{code} is empty"
    words = len(item["body"]["en"].split())
    assert 150 <= words <= 400, f"{item['slug']}: English body has {words} words"
    for field in ("title", "summary", "body"):
        assert HANGUL.search(item[field]["ko"]), f"{item['slug']}: {field}_ko has no Hangul"
        assert KANA.search(item[field]["ja"]), f"{item['slug']}: {field}_ja has no kana"
        assert not HANGUL.search(item[field]["ja"]), f"{item['slug']}: {field}_ja contains Hangul"


@pytest.mark.django_db
def test_seeded_proposals_have_all_three_languages(seeded):
    versions = ProposalVersion.objects.filter(proposal__current_version__isnull=False)
    assert versions.count() == 14
    for version in versions:
        for field in ("title", "summary", "body"):
            for code in ("en", "ko", "ja"):
                assert getattr(version, f"{field}_{code}").strip(), f"{version.proposal.slug}: {field}_{code}"
    for proposal in Proposal.objects.all():
        assert proposal.current_version.number == 1
        assert proposal.stage == Stage.PROPOSED
        assert proposal.publication.authors.exists()


@pytest.mark.django_db
def test_seeding_twice_creates_no_duplicates_and_changes_nothing(seeded):
    def snapshot():
        return {
            "programmes": list(Programme.objects.values_list("slug", "name_ko", "description_ja")),
            "publications": list(Publication.objects.values_list("key", "title")),
            "authors": list(PublicationAuthor.objects.values_list("publication__key", "name")),
            "proposals": list(Proposal.objects.values_list("slug", "current_version_id", "quote_ja")),
            "versions": list(ProposalVersion.objects.values_list("pk", "title_ko", "body_ja")),
        }

    before = snapshot()
    call_command("load_seed", verbosity=0)
    assert snapshot() == before
    assert Programme.objects.count() == 1
    assert Proposal.objects.count() == 14
    assert ProposalVersion.objects.count() == 14


@pytest.mark.django_db
def test_reseeding_never_overwrites_a_newer_version(seeded):
    proposal = Proposal.objects.get(slug="youth-innovation-fund")
    amended = ProposalVersion.objects.create(
        proposal=proposal,
        number=2,
        title_en="Amended",
        title_ko="수정됨",
        title_ja="修正済み",
        summary_en="s",
        summary_ko="s",
        summary_ja="s",
        body_en="b",
        body_ko="b",
        body_ja="b",
    )
    proposal.current_version = amended
    proposal.save()

    call_command("load_seed", verbosity=0)

    proposal.refresh_from_db()
    assert proposal.current_version_id == amended.pk
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 2


@pytest.mark.django_db
def test_demo_accounts_are_created_once_and_refused_in_production(seeded, settings):
    call_command("create_demo_accounts", verbosity=0)
    call_command("create_demo_accounts", verbosity=0)
    from accounts.models import User

    assert User.objects.count() == 3
    assert User.objects.get(email="minji@example.com").check_password("demo-minji-2026")
    from accounts.permissions import is_moderator

    moderator = User.objects.get(email="moderator@example.com")
    assert is_moderator(moderator) and not moderator.is_superuser

    settings.PRODUCTION = True
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_demo_accounts", verbosity=0)


# --- Re-seeding an existing database (editorial corrections) ----------------------------------------


def old_fixtures(tmp_path, slug: str, **texts) -> Path:
    """A copy of fixtures/ as it was before an editorial fix: ``texts`` maps e.g. ``body_ko`` to the
    old text of proposal ``slug``; the programme and publications carry an old author name."""
    import json
    import shutil

    from proposals.seeding import FIXTURES_DIR

    directory = tmp_path / "fixtures"
    shutil.copytree(FIXTURES_DIR, directory)
    for path in (directory / "proposals").glob("*.json"):
        item = json.loads(path.read_text(encoding="utf-8"))
        if item["slug"] == slug:
            for key, value in texts.items():
                field, code = key.rsplit("_", 1)
                item[field][code] = value
            path.write_text(json.dumps(item, ensure_ascii=False), encoding="utf-8")
    publications = json.loads((directory / "publications.json").read_text(encoding="utf-8"))
    publications[0]["authors"][0]["name"]["ko"] = "켄 짐보"
    (directory / "publications.json").write_text(
        json.dumps(publications, ensure_ascii=False), encoding="utf-8"
    )
    return directory


def amend(proposal: Proposal, **texts) -> ProposalVersion:
    """Move ``proposal`` to a second version (as an accepted amendment would)."""
    first = proposal.current_version
    second = ProposalVersion.objects.create(
        proposal=proposal,
        number=first.number + 1,
        **{
            f"{field}_{code}": getattr(first, f"{field}_{code}")
            for field in ("title", "summary", "body")
            for code in ("en", "ko", "ja")
        },
    )
    for key, value in texts.items():
        setattr(second, key, value)
    second.save()
    proposal.current_version = second
    proposal.save(update_fields=["current_version"])
    return second


OLD_BODY_KO = "켄 짐보는 이 워킹페이퍼에서 선제적인 협력을 주장한다."


@pytest.mark.django_db
def test_reseeding_updates_a_first_version_in_place(tmp_path):
    from proposals.models import EditorialCorrection
    from proposals.seeding import load_seed

    load_seed(old_fixtures(tmp_path, "foundational-cooperation", body_ko=OLD_BODY_KO))
    proposal = Proposal.objects.get(slug="foundational-cooperation")
    first = proposal.current_version
    assert first.body_ko == OLD_BODY_KO

    result = load_seed()

    first.refresh_from_db()
    proposal.refresh_from_db()
    assert proposal.current_version_id == first.pk
    assert first.body_ko.startswith("진보 겐(神保謙)은")
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 1
    assert result.updated == 1 and result.corrections == 0
    assert not EditorialCorrection.objects.exists()
    # Reference data is updated in place as well.
    assert PublicationAuthor.objects.get(publication__key="jimbo").name_ko == "진보 겐"


@pytest.mark.django_db
def test_reseeding_records_fixes_for_a_proposal_past_its_first_version(tmp_path):
    from audit.models import AuditEntry
    from proposals.models import CorrectionStatus, EditorialCorrection
    from proposals.seeding import load_seed

    load_seed(old_fixtures(tmp_path, "foundational-cooperation", body_ko=OLD_BODY_KO))
    proposal = Proposal.objects.get(slug="foundational-cooperation")
    first = proposal.current_version
    second = amend(proposal, body_en="Amended by participants.")

    result = load_seed()

    proposal.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    # Nothing participants read has changed: the versions are as they were.
    assert proposal.current_version_id == second.pk
    assert first.body_ko == OLD_BODY_KO and second.body_ko == OLD_BODY_KO
    assert second.body_en == "Amended by participants."
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 2
    # The fix is recorded for a moderator, once.
    (correction,) = EditorialCorrection.objects.all()
    assert (correction.proposal, correction.field, correction.language) == (proposal, "body", "ko")
    assert correction.status == CorrectionStatus.PENDING
    assert correction.seeded_text == OLD_BODY_KO
    assert correction.corrected_text.startswith("진보 겐(神保謙)은")
    assert result.corrections == 1
    assert (
        AuditEntry.objects.filter(action="proposal.correction_recorded", target_id=str(proposal.pk)).count()
        == 1
    )
    # What a proposal cites is reference data: it is current even past the first version.
    assert proposal.citations.get().publication.key == "ogi"

    again = load_seed()
    assert again.corrections == 0
    assert EditorialCorrection.objects.count() == 1


@pytest.mark.django_db
def test_a_resolved_correction_is_not_recorded_again(tmp_path, make_actor):
    from proposals import services
    from proposals.models import CorrectionStatus, EditorialCorrection
    from proposals.seeding import load_seed

    load_seed(old_fixtures(tmp_path, "cptpp-accession-support", body_en="Old text.", body_ja="古い本文。"))
    amend(Proposal.objects.get(slug="cptpp-accession-support"))
    load_seed()
    corrections = EditorialCorrection.objects.order_by("language")
    assert [c.language for c in corrections] == ["en", "ja"]

    moderator = make_actor("moderator")
    services.correction_resolve(correction=corrections[0], actor=moderator, status=CorrectionStatus.DISMISSED)
    services.correction_resolve(correction=corrections[1], actor=moderator, status=CorrectionStatus.APPLIED)
    load_seed()

    assert EditorialCorrection.objects.count() == 2
    assert not EditorialCorrection.objects.filter(status=CorrectionStatus.PENDING).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "member", "non_member"])
def test_only_moderators_resolve_corrections(tmp_path, make_actor, role):
    from django.contrib.auth.models import AnonymousUser

    from core.errors import PermissionRefused
    from proposals import services
    from proposals.models import CorrectionStatus, EditorialCorrection
    from proposals.seeding import load_seed

    load_seed(old_fixtures(tmp_path, "leaders-dialogue", title_en="Old title"))
    amend(Proposal.objects.get(slug="leaders-dialogue"))
    load_seed()
    correction = EditorialCorrection.objects.get()

    actor = make_actor(role) or AnonymousUser()
    with pytest.raises(PermissionRefused):
        services.correction_resolve(correction=correction, actor=actor, status=CorrectionStatus.APPLIED)
    with pytest.raises(PermissionRefused):
        services.correction_apply(correction=correction, moderator=actor)
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.PENDING


@pytest.mark.django_db
def test_moderator_reviews_a_correction_in_the_admin(tmp_path, client, make_actor, settings):
    from audit.models import AuditEntry
    from proposals.models import CorrectionStatus, EditorialCorrection
    from proposals.seeding import load_seed

    settings.ADMIN_REQUIRE_MFA = False
    load_seed(old_fixtures(tmp_path, "foundational-cooperation", body_ko=OLD_BODY_KO))
    second = amend(Proposal.objects.get(slug="foundational-cooperation"))
    load_seed()
    correction = EditorialCorrection.objects.get()
    client.force_login(make_actor("moderator"))

    index = client.get("/ko/admin/").content.decode()
    awaiting = index.split('id="awaiting"')[1].split("</table>")[0]
    assert "검토할 편집상 정정" in awaiting
    assert "/ko/admin/proposals/editorialcorrection/?status__exact=pending" in awaiting
    assert '<td class="awaiting-count">1</td>' in awaiting.split("검토할 편집상 정정")[1]

    page = client.get(f"/ko/admin/proposals/editorialcorrection/{correction.pk}/change/").content.decode()
    change = page.split('class="correction-diff"')[1].split("</div>")[0]
    assert "<del>" in change and "<ins>진보 겐(神保謙)은" in change
    assert "켄 짐보는" in change
    # Where to carry it by hand: the correction form of the current version.
    assert f"/ko/admin/proposals/proposalversion/{second.pk}/correct/" in page

    response = client.post(
        "/ko/admin/proposals/editorialcorrection/",
        {"action": "mark_applied", "_selected_action": [correction.pk]},
    )
    assert response.status_code == 302
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.APPLIED and correction.resolved_by is not None
    assert AuditEntry.objects.filter(action="proposal.correction_applied").count() == 1
    # Moderators neither add nor delete corrections: the seeding records them.
    assert client.get("/ko/admin/proposals/editorialcorrection/add/").status_code == 403


def seeded_body_ko(slug: str) -> str:
    from proposals.seeding import read_proposal_files

    (item,) = [item for item in read_proposal_files() if item["slug"] == slug]
    return item["body"]["ko"]


def with_old_names(text: str) -> str:
    """The text as the seed said it before the names were put family name first."""
    return text.replace("진보 겐(神保謙)은", "켄 짐보는").replace("진보", "짐보")


@pytest.mark.django_db
def test_applying_a_correction_carries_it_into_the_current_version(tmp_path, client, make_actor, settings):
    from audit.models import AuditEntry
    from proposals.models import CorrectionStatus, EditorialCorrection
    from proposals.seeding import load_seed

    settings.ADMIN_REQUIRE_MFA = False
    corrected = seeded_body_ko("foundational-cooperation")
    last = corrected.rsplit("\n\n", 1)[1]
    load_seed(old_fixtures(tmp_path, "foundational-cooperation", body_ko=with_old_names(corrected)))
    proposal = Proposal.objects.get(slug="foundational-cooperation")
    # Participants have rewritten the closing paragraph since: the fix applies around it.
    second = amend(
        proposal, body_ko=with_old_names(corrected).replace(last, "참가자들이 고쳐 쓴 마지막 문단.")
    )
    load_seed()
    correction = EditorialCorrection.objects.get()
    client.force_login(make_actor("moderator"))

    response = client.post(
        "/en/admin/proposals/editorialcorrection/",
        {"action": "apply_to_current_version", "_selected_action": [correction.pk]},
    )

    assert response.status_code == 302
    second.refresh_from_db()
    proposal.refresh_from_db()
    assert proposal.current_version_id == second.pk  # corrected in place, as "Correct this version" does
    assert second.body_ko == corrected.replace(last, "참가자들이 고쳐 쓴 마지막 문단.")
    assert "짐보" not in second.body_ko
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.APPLIED
    assert AuditEntry.objects.filter(action="proposal.version_corrected", target_id=str(second.pk)).exists()
    assert AuditEntry.objects.filter(action="proposal.correction_applied").count() == 1


@pytest.mark.django_db
def test_a_correction_is_not_applied_over_a_passage_participants_changed(tmp_path, make_actor):
    from core.errors import DeliberationError
    from proposals import services
    from proposals.models import CorrectionStatus, EditorialCorrection
    from proposals.seeding import load_seed

    old = with_old_names(seeded_body_ko("foundational-cooperation"))
    load_seed(old_fixtures(tmp_path, "foundational-cooperation", body_ko=old))
    proposal = Proposal.objects.get(slug="foundational-cooperation")
    # Participants rewrote the opening sentence, which the correction also changes.
    rewritten = old.replace("켄 짐보는 2050년을 향한", "켄 짐보 교수는 2050년을 내다보며 쓴", 1)
    assert rewritten != old
    second = amend(proposal, body_ko=rewritten)
    load_seed()
    correction = EditorialCorrection.objects.get()

    with pytest.raises(DeliberationError) as refused:
        services.correction_apply(correction=correction, moderator=make_actor("moderator"))

    assert refused.value.code == "correction_conflicts"
    second.refresh_from_db()
    assert second.body_ko == rewritten
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.PENDING


@pytest.mark.django_db
def test_seeding_again_moves_no_stamp_and_a_changed_text_moves_its_own(tmp_path, client):
    """``make run`` seeds on every start: an unchanged seed saves nothing, so no cached page is
    emptied; a first version's text corrected by the seed moves that proposal's stamp, and its
    page shows the new text at once."""
    from proposals.seeding import load_seed

    load_seed(old_fixtures(tmp_path, "foundational-cooperation", body_ko=OLD_BODY_KO))
    load_seed(old_fixtures(tmp_path / "again", "foundational-cooperation", body_ko=OLD_BODY_KO))
    stamps = dict(Proposal.objects.values_list("slug", "activity_stamp"))
    load_seed(old_fixtures(tmp_path / "third", "foundational-cooperation", body_ko=OLD_BODY_KO))
    assert dict(Proposal.objects.values_list("slug", "activity_stamp")) == stamps
    assert OLD_BODY_KO in client.get("/ko/proposals/foundational-cooperation/").content.decode()
    load_seed(old_fixtures(tmp_path / "fixed", "foundational-cooperation"))  # the text only, corrected
    moved = {
        slug
        for slug, stamp in Proposal.objects.values_list("slug", "activity_stamp")
        if stamp != stamps[slug]
    }
    assert moved == {"foundational-cooperation"}
    page = client.get("/ko/proposals/foundational-cooperation/").content.decode()
    assert OLD_BODY_KO not in page and "진보 겐(神保謙)은" in page
